//! The instance named `default`, from the GREEN_API_* environment variables.

use std::sync::Arc;

use super::{DEFAULT, Instance, Instances, checks};
use crate::diagnostic::Diagnostic;
use crate::greenapi::Platform;
use crate::limits::ServerLimits;
use crate::secret::Token;

/// The environment's `default` before its platform is known: the manifest's
/// IDs decide it (see the validator).
#[derive(Debug, Clone)]
pub(crate) struct Undecided {
    pub api_url: String,
    pub id_instance: String,
    pub token: Option<Token>,
    pub limits: ServerLimits,
}

impl Undecided {
    /// The instance once its platform is known.
    pub(crate) fn decide(self, platform: Platform) -> Instance {
        Instance {
            name: Arc::from(DEFAULT),
            platform,
            api_url: self.api_url,
            id_instance: self.id_instance,
            token: self.token,
            rate: None,
            limits: self.limits,
        }
    }
}

pub(crate) const SETTINGS_HINT: &str = "the instance `default` needs GREEN_API_URL and GREEN_API_ID_INSTANCE (and GREEN_API_TOKEN_INSTANCE to run); or give the operations an instance from --instances";

pub(super) fn load_default(instances: &mut Instances, env: &dyn Fn(&str) -> Option<String>) {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let (url, id) = (get("GREEN_API_URL"), get("GREEN_API_ID_INSTANCE"));
    let problems = &mut instances.default_problems;
    if url.is_none() && id.is_none() {
        // Nothing set: the validator says so if a manifest uses `default`.
        return;
    }
    let url = match url.map(|u| checks::api_url(&u)) {
        Some(Ok(u)) => Some(u),
        Some(Err((msg, hint))) => {
            problems.push(
                Diagnostic::error(None, msg)
                    .field("GREEN_API_URL")
                    .hint(hint),
            );
            None
        }
        None => {
            problems.push(
                Diagnostic::error(None, "is not set")
                    .field("GREEN_API_URL")
                    .hint(SETTINGS_HINT),
            );
            None
        }
    };
    let id = match id.map(|i| checks::id_instance(&i)) {
        Some(Ok(i)) => Some(i),
        Some(Err((msg, hint))) => {
            problems.push(
                Diagnostic::error(None, msg)
                    .field("GREEN_API_ID_INSTANCE")
                    .hint(hint),
            );
            None
        }
        None => {
            problems.push(
                Diagnostic::error(None, "is not set")
                    .field("GREEN_API_ID_INSTANCE")
                    .hint(SETTINGS_HINT),
            );
            None
        }
    };
    let platform = match get("GREEN_API_PLATFORM").map(|p| p.parse::<Platform>()) {
        Some(Ok(p)) => Some(p),
        Some(Err(msg)) => {
            problems.push(
                Diagnostic::error(None, msg)
                    .field("GREEN_API_PLATFORM")
                    .hint("set it to `whatsapp` or `max`, or leave it unset to infer it from the manifest"),
            );
            None
        }
        None => None,
    };
    let (Some(api_url), Some(id_instance)) = (url, id) else {
        return;
    };
    if !instances.default_problems.is_empty() {
        return;
    }
    let token = get("GREEN_API_TOKEN_INSTANCE").map(Token::new);
    if let Some(Err((msg, hint))) = token.as_ref().map(checks::token_shape) {
        instances.default_problems.push(
            Diagnostic::error(None, msg)
                .field("GREEN_API_TOKEN_INSTANCE")
                .hint(hint),
        );
        return;
    }
    let limits = match get("GREEN_API_LIMITS").map(|l| l.parse::<ServerLimits>()) {
        None => ServerLimits::documented(),
        Some(Ok(limits)) => limits,
        Some(Err(msg)) => {
            instances.default_problems.push(
                Diagnostic::error(None, msg).field("GREEN_API_LIMITS").hint(
                    "leave it unset for GREEN-API's documented limits, or declare the server's, like `unlimited` or `getGroupData=50,removeGroupParticipant=50`",
                ),
            );
            return;
        }
    };
    let undecided = Undecided {
        api_url,
        id_instance,
        token,
        limits,
    };
    let source = "GREEN_API_TOKEN_INSTANCE".to_owned();
    match platform {
        Some(p) => instances.push(undecided.decide(p), source),
        None => {
            instances.token_sources.insert(Arc::from(DEFAULT), source);
            instances.undecided = Some(undecided);
        }
    }
}

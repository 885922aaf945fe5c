//! Before sending anything: is the instance authorized, and what is its own number?

use crate::greenapi::Method;
use crate::greenapi::client::{Client, Endpoint};
use crate::greenapi::response::{StateInstance, parse_wid};
use crate::runner::call::CallError;
use crate::runner::own::OwnReads;

/// What the preflight learned about an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Preflight {
    /// Authorized; its own ID when `getSettings` told it, else why not.
    Ready { own: Result<String, String> },
    /// It cannot moderate: not authorized, or its credentials are refused.
    Refused(String),
    /// The state could not be read (the server or the network failed): the
    /// run goes on and lets the operations' own answers decide.
    Unknown(String),
}

impl Preflight {
    /// The instance's own ID, when it is known.
    pub(crate) fn own(&self) -> Option<&str> {
        match self {
            Preflight::Ready { own: Ok(own) } => Some(own),
            _ => None,
        }
    }

    /// Why the instance's own ID is not known, when it is not.
    pub(crate) fn own_unknown(&self) -> Option<&str> {
        match self {
            Preflight::Ready { own: Ok(_) } => None,
            Preflight::Ready { own: Err(why) } => Some(why),
            Preflight::Refused(why) | Preflight::Unknown(why) => Some(why),
        }
    }
}

/// Asks `getStateInstance`, then `getSettings` for the own number, each
/// paced and retried as `reads` says (a 429, a 5xx or a timeout is tried
/// again, an outage waited out).
pub(crate) async fn preflight(client: &Client, endpoint: &Endpoint, reads: &OwnReads) -> Preflight {
    let state = match reads.call(client, endpoint, Method::GetStateInstance).await {
        Err(CallError::Fatal(reason)) => return Preflight::Refused(reason),
        Err(e) => return Preflight::Unknown(e.into_reason()),
        Ok(a) => match serde_json::from_slice::<StateInstance>(&a.body) {
            Ok(state) => state,
            Err(_) => {
                return Preflight::Unknown("getStateInstance answered something unreadable".into());
            }
        },
    };
    if !state.is_authorized() {
        return Preflight::Refused(format!(
            "the instance's state is `{}`, not `authorized`: check it in the GREEN-API console",
            state.state_instance
        ));
    }
    let own = match reads.call(client, endpoint, Method::GetSettings).await {
        Ok(a) => parse_wid(&a.body).ok_or_else(|| "getSettings names no `wid`".to_owned()),
        Err(CallError::Fatal(reason)) => return Preflight::Refused(reason),
        Err(e) => Err(format!("getSettings: {}", e.reason())),
    };
    Preflight::Ready { own }
}

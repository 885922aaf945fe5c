//! `--notify CHAT_ID`: one message to the moderators' chat when a job ends,
//! through one of the job's instances (`sendMessage`, `GREEN-API.md` §7).
//!
//! The chat and the instance are checked when the job is prepared, before
//! anything is sent. The message is paced and retried like any request,
//! but within a short patience of its own: a finished job is never held
//! for minutes by its notice, and a notice that cannot be sent is a
//! warning that leaves the job's exit code as it was.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::failure::Failure;
use crate::greenapi::client::Client;
use crate::greenapi::ids::{self, IdKind};
use crate::greenapi::{Method, Platform};
use crate::instances::Instances;
use crate::report::{notice, review};
use crate::runner::call::Paced;
use crate::runner::engine::InstanceSetup;
use crate::runner::pace::Pacer;
use crate::runner::retry::RetryPolicy;
use crate::sanitise::escaped;
use crate::subjects::Subjects;

/// Where a job's notice goes, as the flags say it.
#[derive(Debug, Clone)]
pub struct NotifyTo {
    /// A person or a group of the instance's platform.
    pub chat_id: String,
    /// `--notify-instance`; needed only when the job uses several.
    pub instance: Option<String>,
    /// `--notify-always`: also when the job had nothing to send.
    pub always: bool,
    /// What ran, as the message names it (the manifest or desired file).
    pub what: String,
}

/// A notice ready to be sent: where, and through which instance.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    to: NotifyTo,
    instance: Arc<str>,
    setup: InstanceSetup,
}

/// How long a notice may take in all: attempts, waits and answers.
const PATIENCE: Duration = Duration::from_secs(20);
/// Requests at most (a timeout after the message left may repeat it; a
/// notice twice is better than none, and rare).
const ATTEMPTS: u32 = 3;

/// Checks `to` against the job's instances (`used`, in order of use) and
/// resolves the instance that sends it.
pub(crate) fn resolve(
    to: &NotifyTo,
    instances: &Instances,
    used: &[Arc<str>],
    setups: &HashMap<Arc<str>, InstanceSetup>,
) -> Result<Notice, Failure> {
    let name: Arc<str> = match (&to.instance, used) {
        (Some(name), _) => instances.get(name).map(|i| i.name.clone()).ok_or_else(|| {
            Failure::Usage(format!(
                "--notify-instance: instance `{}` is not configured",
                escaped(name)
            ))
        })?,
        (None, [one]) => one.clone(),
        (None, []) => {
            return Err(Failure::usage(
                "--notify: the job uses no instance (a shard with none?); say which sends the notice with --notify-instance NAME",
            ));
        }
        (None, _) => {
            return Err(Failure::usage(
                "--notify: the job uses several instances; say which sends the notice with --notify-instance NAME",
            ));
        }
    };
    let setup = match setups.get(&name) {
        Some(setup) => setup.clone(),
        None => {
            let instance = instances.get(&name).expect("looked up above");
            InstanceSetup::resolve(instance, None, None, &[])
                .map_err(Failure::Usage)?
                .0
        }
    };
    let platform = setup.endpoint.platform;
    let chat = to.chat_id.trim();
    if !matches!(
        ids::kind_of(platform, chat),
        Some(IdKind::Person | IdKind::Group)
    ) {
        return Err(Failure::Usage(format!(
            "--notify: `{}` is no {platform} chat: a group ({}) or a person ({}), as instance `{}` is {platform}",
            escaped(chat),
            ids::example(platform, IdKind::Group),
            ids::example(platform, IdKind::Person),
            escaped(&name)
        )));
    }
    let to = NotifyTo {
        chat_id: chat.to_owned(),
        ..to.clone()
    };
    Ok(Notice {
        to,
        instance: name,
        setup,
    })
}

/// Checks `to` before a command that reads first (a sync) sends anything.
pub fn check(to: &NotifyTo, instances: &Instances, used: &[Arc<str>]) -> Result<(), Failure> {
    resolve(to, instances, used, &HashMap::new()).map(drop)
}

impl Notice {
    /// Whether a job that had `planned` operations to send says so.
    pub(crate) fn wanted(&self, planned: bool) -> bool {
        planned || self.to.always
    }

    /// Sends the notice for the job whose results are at `results` and
    /// that ended with `code`; why not, when it could not be sent.
    pub(crate) async fn send(
        &self,
        client: &Client,
        results: &Path,
        code: u8,
        retry_rejected: bool,
        subjects: &Subjects,
    ) -> Result<(), String> {
        let loaded = review::load(&[results.to_owned()]).map_err(|e| e.to_string())?;
        let review = review::Review::of(&loaded, retry_rejected);
        let text = notice::text(
            &review,
            &self.to.what,
            &self.instance,
            code,
            &results.display().to_string(),
            subjects,
        );
        self.send_text(client, &text).await
    }

    /// Sends `text`, masked of every token, as the notice.
    async fn send_text(&self, client: &Client, text: &str) -> Result<(), String> {
        let text = crate::secret::scrub_all(text);
        let body = json!({ "chatId": self.to.chat_id, "message": text });
        let pacer = Pacer::with_patience(Some(pace(self.setup.endpoint.platform)), PATIENCE);
        let paced = Paced {
            client,
            endpoint: &self.setup.endpoint,
            pacer: &pacer,
            retry: RetryPolicy {
                max_attempts: ATTEMPTS,
                ..RetryPolicy::default()
            },
        };
        let sent =
            tokio::time::timeout(PATIENCE, paced.call(Method::SendMessage, &body, false, &()));
        match sent.await {
            Ok((Ok(_), _)) => Ok(()),
            Ok((Err(e), _)) => Err(e.into_reason()),
            Err(_) => Err(format!("no answer within {}s", PATIENCE.as_secs())),
        }
    }
}

/// Tells the chat about a job that sent nothing and so has no results file
/// to read back: a sync that found every group as desired (with
/// `--notify-always`) or that refused a mass removal. `headline` is what
/// happened; the notice leads with the job's name and sending instance and
/// ends with the exit code, as a job's own notice does. Why it
/// could not be sent, when it could not (a warning for the caller: the
/// exit code stays the job's).
pub fn tell(
    to: &NotifyTo,
    instances: &Instances,
    used: &[Arc<str>],
    headline: &str,
    code: u8,
) -> Result<(), String> {
    let notice = resolve(to, instances, used, &HashMap::new()).map_err(|e| e.to_string())?;
    let text = format!(
        "greenbatch: {} via `{}`: {} (exit {code})\n",
        crate::sanitise::terminal(&to.what),
        crate::sanitise::terminal(&notice.instance),
        crate::sanitise::terminal(headline)
    );
    let client = Client::new(&crate::greenapi::client::ClientConfig::default())
        .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(notice.send_text(&client, &text))
}

/// sendMessage has no documented limit: a little under one a second.
fn pace(_platform: Platform) -> f64 {
    crate::rate::READ_SHARE
}

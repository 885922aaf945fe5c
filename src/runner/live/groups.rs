//! Reading groups: paced, retried `getGroupData` calls, and a per-instance
//! cache in which each group is read once and then kept up to date.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use super::predict::GroupState;
use crate::greenapi::Method;
use crate::greenapi::client::{Client, Endpoint};
use crate::greenapi::response::parse_group_data;
use crate::runner::classify::{Verdict, classify_status};
use crate::runner::pace::Pacer;
use crate::runner::retry::{RetryPolicy, parse_retry_after};

/// What is needed to read a group of one instance.
pub struct Reader {
    pub client: Client,
    pub endpoint: Endpoint,
    /// The pace of `getGroupData` for this instance.
    pub pacer: Pacer,
    pub retry: RetryPolicy,
    /// The instance's own ID, from the preflight.
    pub own: Option<String>,
}

impl Reader {
    /// Reads `chat`'s state: retried while the failure is transient, an
    /// error text when the group cannot be read.
    pub async fn read(&self, chat: &str) -> Result<GroupState, String> {
        let body = serde_json::json!({ self.endpoint.platform.group_field(): chat });
        let mut rng = fastrand::Rng::new();
        let mut attempts = 0;
        loop {
            self.pacer.acquire().await;
            attempts += 1;
            let answer = self
                .client
                .call(&self.endpoint, Method::GetGroupData, &body)
                .await;
            let (reason, retry_after) = match &answer {
                Ok(a) if a.status == 200 => {
                    return parse_group_data(&a.body)
                        .map(|data| GroupState::new(&data, self.own.as_deref()));
                }
                Ok(a) => match classify_status(a.status, &a.body, a.retry_after.clone()) {
                    Verdict::Transient {
                        reason,
                        retry_after,
                        throttled,
                        ..
                    } => {
                        let wait =
                            retry_after.and_then(|v| parse_retry_after(&v, SystemTime::now()));
                        if throttled {
                            self.pacer.throttled(wait);
                        }
                        (reason, wait)
                    }
                    Verdict::Rejected { error } => return Err(error),
                    Verdict::Fatal { reason } => return Err(reason),
                    Verdict::Done => unreachable!("a non-200 status is never done"),
                },
                Err(e) => (e.to_string(), None),
            };
            if !self.retry.allows_another(attempts) {
                return Err(format!("{reason} (gave up after {attempts} attempts)"));
            }
            tokio::time::sleep(self.retry.delay(attempts, retry_after, &mut rng)).await;
        }
    }
}

/// A group's state and when it was read.
pub struct Known {
    pub state: Result<GroupState, String>,
    pub read_at: Instant,
}

/// The groups of one instance, each read at most once per moment of need.
#[derive(Default)]
pub struct Groups {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Known>>>>>,
}

impl Groups {
    /// `chat`'s state, read now if it never was. The guard holds the group:
    /// keep it only to look or to update, never across a request.
    pub async fn get(&self, chat: &str, reader: &Reader) -> OwnedMutexGuard<Option<Known>> {
        self.fresh(chat, None, reader).await
    }

    /// `chat`'s state as read after `since`: read again unless another
    /// operation already did, so a burst of refusals costs one read.
    pub async fn fresh(
        &self,
        chat: &str,
        since: Option<Instant>,
        reader: &Reader,
    ) -> OwnedMutexGuard<Option<Known>> {
        let slot = self
            .slots
            .lock()
            .expect("groups lock")
            .entry(chat.to_owned())
            .or_default()
            .clone();
        let mut guard = slot.lock_owned().await;
        let stale = match (&*guard, since) {
            (None, _) => true,
            (Some(known), Some(since)) => known.read_at < since,
            (Some(_), None) => false,
        };
        if stale {
            let state = reader.read(chat).await;
            *guard = Some(Known {
                state,
                read_at: Instant::now(),
            });
        }
        guard
    }
}

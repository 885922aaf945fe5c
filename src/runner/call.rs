//! One read of an instance, as every read is made: paced by its method's own
//! [`Pacer`], retried on a 429 (the pacer slows, a `Retry-After` pauses it),
//! on a 5xx and on a timeout, with an outage waited out for the patience.
//! `getGroupData` (through [`Reader`](super::Reader)) and the instance's own
//! reads (`getStateInstance`, `getSettings`, `getContacts`, through
//! [`own`](super::own)) share it, so none of them fails on a 429 that a wait
//! would have cured.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::greenapi::Method;
use crate::greenapi::client::{Client, Endpoint, RawAnswer};
use crate::runner::classify::{Verdict, classify_status};
use crate::runner::pace::adapt::Throttle;
use crate::runner::pace::outage::Failure;
use crate::runner::pace::{Change, GaveUp, Pacer};
use crate::runner::retry::{RetryPolicy, parse_retry_after};

/// Why a read gave no answer to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The instance cannot work (token, ID, quota, authorization).
    Fatal(String),
    /// A definite refusal of this request.
    Rejected(String),
    /// Still failing when the attempts or the outage patience ran out.
    Transient(String),
}

impl CallError {
    pub fn reason(&self) -> &str {
        match self {
            CallError::Fatal(r) | CallError::Rejected(r) | CallError::Transient(r) => r,
        }
    }

    pub fn into_reason(self) -> String {
        match self {
            CallError::Fatal(r) | CallError::Rejected(r) | CallError::Transient(r) => r,
        }
    }
}

/// What a caller learns of each attempt, for its counters and events.
pub(crate) trait Watch: Sync {
    /// A 429 slowed the pacer.
    fn throttled(&self, _throttle: Throttle) {}
    /// An attempt took this long from leaving to its answer.
    fn measured(&self, _took: Duration) {}
}

impl Watch for () {}

/// The request, and how it is paced and retried.
pub(crate) struct Paced<'a> {
    pub client: &'a Client,
    pub endpoint: &'a Endpoint,
    pub pacer: &'a Pacer,
    pub retry: RetryPolicy,
}

impl Paced<'_> {
    /// Whether the failure belongs to an outage of `method`, which the
    /// pacer waits out; its start is said as it happens (a read held for
    /// minutes must not look like a hang), once per outage.
    fn outage(&self, method: Method, sent_at: Instant, reason: &str) -> bool {
        match self.pacer.failed(sent_at, reason) {
            Failure::Scattered => false,
            Failure::Tripped { next_try } => {
                let first = crate::words::secs(next_try);
                tracing::warn!(instance = %self.endpoint.name, host = %self.endpoint.host(), method = %method, reason = %crate::sanitise::terminal(reason), "every {method} request fails: holding them and trying one now and then (the first in {first})");
                true
            }
            Failure::During { .. } => true,
        }
    }

    /// The outage of `method` is over after `lasted`.
    fn say_back(&self, method: Method, lasted: Duration) {
        let host = self.endpoint.host();
        let secs = lasted.as_secs_f64();
        tracing::warn!(instance = %self.endpoint.name, host = %host, method = %method, "{host} answers again after {secs:.1} s: going on with its {method} requests");
    }

    /// Sends `method` with `body` until a 200 answers (returned with the
    /// moment the request that got it left), or until it cannot succeed.
    /// `background` requests yield to the pacer's foreground ones.
    pub(crate) async fn call(
        &self,
        method: Method,
        body: &serde_json::Value,
        background: bool,
        watch: &dyn Watch,
    ) -> (Result<RawAnswer, CallError>, Instant) {
        let mut rng = fastrand::Rng::new();
        let mut attempts = 0;
        loop {
            let acquired = match background {
                true => self.pacer.acquire_background().await,
                false => self.pacer.acquire().await,
            };
            let sent_at = match acquired {
                Ok(at) => at,
                Err(GaveUp(why)) => return (Err(CallError::Transient(why)), Instant::now()),
            };
            attempts += 1;
            let answer = self.client.call(self.endpoint, method, body).await;
            watch.measured(sent_at.elapsed());
            let (reason, retry_after) = match answer {
                Ok(a) if a.status == 200 => {
                    let (_, change) = self.pacer.answered(sent_at);
                    if let Some(Change::OutageEnded(lasted)) = change {
                        self.say_back(method, lasted);
                    }
                    return (Ok(a), sent_at);
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
                            watch.throttled(self.pacer.throttled(sent_at, wait));
                            // The pacer slowed down (and holds a Retry-After):
                            // that is the whole answer to a 429.
                            if self.retry.allows_another(attempts) {
                                continue;
                            }
                        } else if self.outage(method, sent_at, &reason) {
                            // An outage: the pacer holds the next try; not this request's fault.
                            attempts -= 1;
                            continue;
                        }
                        (reason, wait)
                    }
                    Verdict::Rejected { error } => {
                        self.pacer.answered(sent_at);
                        return (Err(CallError::Rejected(error)), sent_at);
                    }
                    Verdict::Fatal { reason } => {
                        self.pacer.answered(sent_at);
                        return (Err(CallError::Fatal(reason)), sent_at);
                    }
                    Verdict::Done => unreachable!("a non-200 status is never done"),
                },
                Err(e) => {
                    let reason = e.to_string();
                    if self.outage(method, sent_at, &reason) {
                        attempts -= 1;
                        continue;
                    }
                    (reason, None)
                }
            };
            if !self.retry.allows_another(attempts) {
                let why = format!("{reason} (gave up after {attempts} attempts)");
                return (Err(CallError::Transient(why)), sent_at);
            }
            tokio::time::sleep(self.retry.delay(attempts, retry_after, &mut rng)).await;
        }
    }
}

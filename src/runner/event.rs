//! What the engine tells its views. The engine never prints; the results
//! journal, the progress bar, the logs and the summary all listen here.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::greenapi::Method;
use crate::manifest::Operation;
use crate::runner::Outcome;

/// One operation's final word in this run.
#[derive(Debug, Clone)]
pub struct Finished {
    pub op: Operation,
    pub outcome: Outcome,
    /// The API's text or the failure's; empty when done.
    pub error: String,
    /// The last HTTP status seen, if any answer came.
    pub http_status: Option<u16>,
    /// Requests sent for this operation in this run.
    pub attempts: u32,
    pub finished_at: SystemTime,
}

/// Something the engine did or learned.
#[derive(Debug, Clone)]
pub enum Event {
    /// An attempt failed transiently and the operation will be sent again.
    Retrying {
        op: Arc<str>,
        attempt: u32,
        delay: Duration,
        reason: String,
    },
    /// A 429 answered an (instance, method); `rate` is its pace now, in
    /// requests per second, lowered when the 429 was `news` (the request
    /// left after the last slow-down).
    Throttled {
        instance: Arc<str>,
        method: Method,
        rate: f64,
        news: bool,
    },
    /// Successes brought an (instance, method) back towards its pace.
    Recovered {
        instance: Arc<str>,
        method: Method,
        rate: f64,
    },
    /// Every request of an (instance, method) fails alike: it is held, and
    /// probed now and then, for at most the outage patience.
    OutageBegan {
        instance: Arc<str>,
        method: Method,
        reason: String,
        /// When the first probe leaves.
        next_try: Duration,
    },
    /// The outage's probe failed too; the next leaves after `next_try`.
    Probed {
        instance: Arc<str>,
        method: Method,
        next_try: Duration,
    },
    /// A 429 asked to wait (`Retry-After`): the (instance, method) sends
    /// nothing for `wait`.
    Paused {
        instance: Arc<str>,
        method: Method,
        wait: Duration,
    },
    /// The wait a [`Event::Paused`] announced is over.
    PauseEnded { instance: Arc<str>, method: Method },
    /// The server answers again; the held requests go on at the pace.
    OutageEnded {
        instance: Arc<str>,
        method: Method,
        lasted: Duration,
    },
    /// The instance cannot work: its remaining operations end `aborted`.
    InstanceRefused { instance: Arc<str>, reason: String },
    /// The preflight could not read the instance's state; the run goes on.
    PreflightUnknown { instance: Arc<str>, reason: String },
    /// A read of a group told its subject (raw, untrusted): the summary
    /// names the group by it.
    Subject { chat: String, subject: String },
    /// An operation reached its outcome.
    Finished(Box<Finished>),
}

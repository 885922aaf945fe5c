//! How a job runs, resolved from flags (or a test's own values): each
//! field's default is the flag's, from [`crate::defaults`].

use std::time::Duration;

use crate::defaults;
use crate::rate::Rate;
use crate::report::term::ProgressMode;
use crate::shard::Shard;

/// Everything about how a job runs that is not its operations, instances
/// or results file.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// The moderation pace (`--rate`); `None`: the instance's own, else
    /// half the documented limit.
    pub rate: Option<Rate>,
    /// Requests in flight per instance, at most.
    pub concurrency: u16,
    /// Requests per operation, the first one included.
    pub max_attempts: u32,
    /// One request, answer included.
    pub timeout: Duration,
    /// How long an outage is waited out before what is left ends `failed`.
    pub outage_patience: Duration,
    /// Earlier `rejected` rows do not settle their operations.
    pub retry_rejected: bool,
    /// Earlier rows settle nothing: every operation is sent.
    pub fresh: bool,
    /// Ask each instance's state before sending through it.
    pub preflight: bool,
    /// Read the groups' state: skip what holds, explain refusals.
    pub live: bool,
    pub progress: ProgressMode,
    /// `1` hides the progress, `2` the summary too.
    pub quiet: u8,
    /// `--notify`: the chat told when the job ends.
    pub notify: Option<super::NotifyTo>,
    /// `--shard K/N`: only the operations of the instances in shard K, and
    /// results beside the manifest named for it.
    pub shard: Option<Shard>,
}

impl Default for JobConfig {
    fn default() -> JobConfig {
        JobConfig {
            rate: None,
            concurrency: defaults::CONCURRENCY,
            max_attempts: defaults::MAX_ATTEMPTS,
            timeout: defaults::TIMEOUT,
            outage_patience: defaults::OUTAGE_PATIENCE,
            retry_rejected: false,
            fresh: false,
            preflight: true,
            live: true,
            progress: ProgressMode::Auto,
            quiet: 0,
            notify: None,
            shard: None,
        }
    }
}

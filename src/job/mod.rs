//! A job: operations, the instances they go through and how to send them,
//! resolved once ([`Job::prepare`]) and then run ([`Job::run`]). `run`,
//! `demo` and `sync` all send through it, so pacing, retries, reconcile,
//! the results file, signals, progress, summary and exit codes are one
//! pipeline; a test can run a job in-process against the sandbox as the
//! binary does. The commands that only read (`plan --live`, `groups`,
//! `export`) take their instances' set-ups from [`setups`], by the same
//! rules.
//!
//! What a job is made of: its [`JobConfig`] (every default stated once, in
//! [`crate::defaults`]), each instance's [`InstanceSetup`], and the results
//! file with what its earlier rows settle ([`Results`]).

mod config;
mod drive;
mod expand;
mod manifest;
mod notify;
mod partition;
mod setup;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

pub use config::JobConfig;
pub use expand::{Expanded, ListPolicy, Unexpanded, expand};
pub use manifest::{
    default_results_path, load_manifest, rejected, say_settled, say_share, take_shard,
};
pub use notify::{NotifyTo, check as check_notify, tell};
pub use setup::{reading_setups, setups, used_by};

use crate::failure::Failure;
use crate::greenapi::client::{Client, ClientConfig};
use crate::instances::Instances;
use crate::manifest::Operation;
use crate::report::results::{self, OpenError, PriorResults, ResultsFile};
use crate::report::tally::{Interrupt, Tally};

use crate::runner::engine::{EngineConfig, InstanceSetup};
use crate::runner::retry::RetryPolicy;
use crate::subjects::Subjects;

/// The results file a job appends to, open and locked, and what its
/// earlier rows say.
pub struct Results {
    pub file: ResultsFile,
    pub prior: PriorResults,
}

impl Results {
    /// Opens (creating it if need be) and locks the results file at `path`.
    pub fn open(path: &std::path::Path) -> Result<Results, OpenError> {
        let (file, prior) = results::open(path)?;
        Ok(Results { file, prior })
    }
}

/// A job ready to run: every instance resolved, the settled operations
/// counted and left out, the results file locked.
pub struct Job {
    client: Client,
    setups: HashMap<Arc<str>, InstanceSetup>,
    engine: EngineConfig,
    /// The manifest's operations, `*` rows not yet expanded.
    ops: Vec<Operation>,
    /// What the results file's earlier rows settle (nothing with `fresh`).
    prior: PriorResults,
    results: ResultsFile,
    config: JobConfig,
    /// `--notify`, checked: sent when the job ends.
    notice: Option<notify::Notice>,
    started: Instant,
    /// The groups' subjects the caller already knows (a sync read them).
    subjects: Subjects,
}

/// How a job ended: its counts, and the signal that stopped it, if one did.
#[derive(Debug)]
pub struct Ran {
    pub tally: Tally,
    pub interrupt: Option<Interrupt>,
}

impl Ran {
    /// The exit code that sums the job up (README's table).
    pub fn exit_code(&self) -> u8 {
        self.tally.exit_code(self.interrupt)
    }
}

impl Job {
    /// Resolves each instance `operations` use (a refused URL or a missing
    /// token is a usage error, found before anything is sent); with
    /// `config.shard`, only the operations of the shard's instances are
    /// kept. When it
    /// runs, the job expands the `*` rows, leaves out what `results`
    /// already settles (nothing with `config.fresh`), and reads first the
    /// groups an earlier run may have left half done.
    pub fn prepare(
        operations: Vec<Operation>,
        instances: &Instances,
        config: JobConfig,
        results: Results,
    ) -> anyhow::Result<Job> {
        let mut operations = operations;
        if let Some(shard) = config.shard {
            crate::shard::retain(&mut operations, |op| &op.instance, instances, shard);
        }
        let setups = setups(instances, &used_by(&operations), config.rate, None)?;
        Job::assemble(operations, instances, setups, config, results)
    }

    /// [`Job::prepare`] with the instances already resolved.
    fn assemble(
        operations: Vec<Operation>,
        instances: &Instances,
        setups: HashMap<Arc<str>, InstanceSetup>,
        config: JobConfig,
        results: Results,
    ) -> anyhow::Result<Job> {
        let notice = match &config.notify {
            Some(to) => {
                let used: Vec<Arc<str>> =
                    used_by(&operations).into_iter().map(|(n, _)| n).collect();
                Some(notify::resolve(to, instances, &used, &setups)?)
            }
            None => None,
        };
        let Results { file, prior } = results;
        let prior = if config.fresh {
            PriorResults::default()
        } else {
            prior
        };
        let client = Client::new(&ClientConfig {
            timeout: config.timeout,
            ..ClientConfig::default()
        })
        .map_err(|e| Failure::Usage(e.to_string()))?;
        let engine = EngineConfig {
            concurrency: usize::from(config.concurrency),
            retry: RetryPolicy {
                max_attempts: config.max_attempts,
                ..RetryPolicy::default()
            },
            preflight: config.preflight,
            live: config.live,
            outage_patience: config.outage_patience,
            resumed: Default::default(),
        };
        Ok(Job {
            client,
            setups,
            engine,
            ops: operations,
            prior,
            results: file,
            config,
            notice,
            started: Instant::now(),
            subjects: Subjects::default(),
        })
    }

    /// Counts the job's time (the summary's) from `started`, when the work
    /// before [`Job::prepare`] (reading a large manifest) is part of it.
    pub fn started_at(mut self, started: Instant) -> Job {
        self.started = started;
        self
    }

    /// Names the groups by `subjects` in the summary, where the job's own
    /// reads do not tell them again: what a caller that read the groups
    /// before the job (`sync`) learned is not read a second time.
    pub fn with_subjects(mut self, subjects: Subjects) -> Job {
        self.subjects = subjects;
        self
    }

    /// Runs the job to its end on a runtime of its own, with SIGINT and
    /// SIGTERM handled (see [`drive`](Job::drive)).
    ///
    /// The engine's tasks share one thread (the results file and the views
    /// have their own): its work is waiting on sockets and timers, and with
    /// a pool of workers it spent more CPU waking them and contending in
    /// the allocator than sending. Unpaced against a local server, one
    /// thread sent a third more per second at half the CPU (BENCHMARKS.md §6).
    pub fn run(self) -> anyhow::Result<Ran> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(self.drive(true))
    }

    /// Runs the job inside the caller's runtime. `signals` installs the
    /// SIGINT/SIGTERM handlers: the first one stops dispatching and lets
    /// the requests in flight finish and be recorded, the second exits at
    /// once (every row written is whole). Tests that run jobs in-process
    /// leave them off.
    pub async fn drive(self, signals: bool) -> anyhow::Result<Ran> {
        drive::drive(self, signals).await
    }
}

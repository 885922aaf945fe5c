//! `greenbatch run`: validate, take the results file, skip what is settled,
//! run the rest, and sum it up in the exit code.

use std::sync::Arc;
use std::time::Instant;

use super::UsageError;
use crate::cli::RunArgs;
use crate::exit;
use crate::greenapi::client::{Client, ClientConfig};
use crate::manifest::{self, Operation};
use crate::report::results::{self, PriorResults, SyncPolicy};
use crate::report::tally::Tally;
use crate::runner::Outcome;
use crate::runner::engine::{EngineConfig, GroupSet};
use crate::runner::retry::RetryPolicy;

use super::job::{default_results_path, setups};
use super::live::print_live_plan;
use super::session::{Session, run_session};

/// Runs the command; the exit code follows the table in the README.
pub fn execute(args: RunArgs, quiet: u8) -> anyhow::Result<u8> {
    let env = |k: &str| std::env::var(k).ok();
    match prepare(&args, &env, quiet)? {
        Prepared::Exit(code) => Ok(code),
        Prepared::Ready(session) => run_session(*session),
    }
}

/// A run ready to start, or the exit code it ended with before sending anything.
pub(crate) enum Prepared {
    Ready(Box<Session>),
    Exit(u8),
}

/// Everything before the first request: validate the manifest, check the
/// instances, take the results file's lock, and skip what is settled. Shared
/// by `run` and `demo`.
pub(crate) fn prepare(
    args: &RunArgs,
    env: &dyn Fn(&str) -> Option<String>,
    quiet: u8,
) -> anyhow::Result<Prepared> {
    let started = Instant::now();
    let options = args.manifest_args.load_options().map_err(UsageError)?;
    let results_path = match &args.results {
        Some(p) => Ok(p.clone()),
        None => default_results_path(&args.manifest),
    };
    // A rerun reads its results file on the other core while the manifest
    // is validated: over a million rows, each is about half a second. The
    // file is only opened, locked and read (nothing is created or changed
    // before the manifest is known to be valid); what it finds, errors
    // included, is said at the point where it was said before.
    let mut early = EarlyRead(match (&results_path, args.dry_run) {
        (Ok(path), false) => {
            let path = path.clone();
            Some(std::thread::spawn(move || results::read_existing(&path)))
        }
        _ => None,
    });
    let loaded = match manifest::load(&args.manifest, &options, env) {
        Ok(loaded) => loaded,
        Err(rejected) => {
            eprint!("{rejected}");
            return Ok(Prepared::Exit(exit::USAGE));
        }
    };
    let missing = loaded
        .instances
        .missing_tokens(loaded.operations.iter().map(|op| &*op.instance));
    if quiet == 0 {
        // A missing token is a note to `validate` and an error here: say it once.
        let repeated =
            |d: &&crate::manifest::Diagnostic| missing.iter().any(|m| m.message == d.message);
        for d in loaded.diagnostics.iter().filter(|d| !repeated(d)) {
            eprintln!("{d}");
        }
    }
    let results_path = results_path?;
    if args.dry_run {
        let prior = results::peek(&results_path).map_err(|e| UsageError(e.to_string()))?;
        let skip = |id| !args.fresh && prior.is_settled(id, args.retry_rejected);
        if quiet == 0 {
            super::job::say_settled(&loaded.operations, &skip, &prior, &results_path);
        }
        if args.live {
            let output = args.manifest_args.output().map_err(UsageError)?;
            let bounds = super::live::Bounds {
                timeout: args.timeout,
                patience: args.outage_patience,
            };
            return Ok(Prepared::Exit(print_live_plan(
                &loaded, &skip, args.rate, bounds, output,
            )?));
        }
        let plan = manifest::plan::build(&loaded.operations, &skip);
        manifest::plan::render_text(&plan, &loaded.manifest_name, &mut std::io::stdout().lock())?;
        return Ok(Prepared::Exit(exit::SUCCESS));
    }
    if !missing.is_empty() {
        for d in &missing {
            eprintln!("{d}");
        }
        return Ok(Prepared::Exit(exit::USAGE));
    }
    let setups = setups(&loaded.instances, &loaded.operations, args.rate, None, true)?;
    let read = match early.0.take().map(std::thread::JoinHandle::join) {
        Some(Ok(Ok(Some(read)))) => read.into_results(SyncPolicy::default()),
        Some(Ok(Err(e))) => Err(e),
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        Some(Ok(Ok(None))) | None => results::open(&results_path),
    };
    let (file, prior) = match read {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Prepared::Exit(e.exit_code()));
        }
    };
    if let Some(torn) = &prior.torn {
        eprintln!(
            "warning: {}: {torn}; its operation will be sent again",
            crate::sanitise::escaped(&results_path.display().to_string())
        );
    }
    let (ops, tally, resumed) = match args.fresh {
        // Nothing earlier counts: every operation is sent, as on a new file.
        true => partition(
            loaded.operations,
            &PriorResults::default(),
            args.retry_rejected,
            usize::from(args.concurrency),
        ),
        false => partition(
            loaded.operations,
            &prior,
            args.retry_rejected,
            usize::from(args.concurrency),
        ),
    };
    let client = Client::new(&ClientConfig {
        timeout: args.timeout,
        ..ClientConfig::default()
    })
    .map_err(anyhow::Error::msg)?;
    Ok(Prepared::Ready(Box::new(Session {
        client,
        setups,
        engine: EngineConfig {
            concurrency: usize::from(args.concurrency),
            retry: RetryPolicy {
                max_attempts: args.max_attempts,
                ..RetryPolicy::default()
            },
            preflight: !args.no_preflight,
            live: !args.no_live,
            outage_patience: args.outage_patience,
            resumed,
        },
        ops,
        tally,
        results: file,
        progress: args.progress,
        quiet,
        started,
    })))
}

/// The read of an existing results file under way on another thread. On
/// every way out of [`prepare`] that does not use it, it is waited for, so
/// that nothing of it outlives the decision not to run (it changes nothing
/// in the file, and its lock goes with it).
struct EarlyRead(
    Option<std::thread::JoinHandle<Result<Option<results::ReadResults>, results::OpenError>>>,
);

impl Drop for EarlyRead {
    fn drop(&mut self) {
        if let Some(read) = self.0.take() {
            // Its result is not wanted; a panic in it was already reported
            // by the panic hook.
            let _ = read.join();
        }
    }
}

/// Operations that may have been on the wire, or answered but not yet
/// recorded, when an earlier run stopped, past its last recorded one: the
/// workers' requests in flight plus what the results writer had not written
/// yet (up to 9 seen under load).
const UNRECORDED_SLACK: usize = 16;

/// Splits off the operations the results file already settles, counting
/// them, and names the groups to read before sending, because an earlier
/// run of this file may have left operations there applied but unrecorded:
/// those of pending operations up to [`UNRECORDED_SLACK`] + `concurrency`
/// past the last recorded one (the run dispatched in manifest order), or
/// the first that many when the file has a header but no row yet.
fn partition(
    ops: Vec<Operation>,
    prior: &PriorResults,
    retry_rejected: bool,
    concurrency: usize,
) -> (Vec<Operation>, Tally, GroupSet) {
    let mut tally = Tally {
        total: ops.len() as u64,
        ..Tally::default()
    };
    let window = concurrency + UNRECORDED_SLACK;
    // Instances run side by side, each through its own operations in
    // manifest order: positions and horizons are per instance (a run has
    // few instances, compared by pointer).
    let mut instances: Vec<(&Arc<str>, usize, Option<usize>)> = Vec::new();
    let mut position = Vec::with_capacity(ops.len());
    // Each operation's prior outcome, looked up once: on a million-row rerun
    // each lookup is a cache miss in a map of a million entries.
    let outcomes: Vec<Option<Outcome>> = ops.iter().map(|op| prior.outcome(op.op_id)).collect();
    for (op, outcome) in ops.iter().zip(&outcomes) {
        let slot = match instances
            .iter()
            .position(|(i, ..)| Arc::ptr_eq(i, &op.instance))
        {
            Some(slot) => slot,
            None => {
                instances.push((&op.instance, 0, None));
                instances.len() - 1
            }
        };
        let (_, next, last) = &mut instances[slot];
        position.push((slot, *next));
        if outcome.is_some() {
            *last = Some(*next);
        }
        *next += 1;
    }
    let horizons: Vec<Option<usize>> = instances
        .iter()
        .map(|(_, _, last)| match last {
            Some(i) => Some(i + window),
            None if prior.had_header => Some(window - 1),
            None => None,
        })
        .collect();
    let settled = |o: &Option<Outcome>| o.is_some_and(|o| o.is_settled(retry_rejected));
    let mut resumed = GroupSet::new();
    for ((op, &(slot, at)), outcome) in ops.iter().zip(&position).zip(&outcomes) {
        let suspect = horizons[slot].is_some_and(|h| at <= h);
        if suspect && !settled(outcome) {
            resumed.insert((op.instance.clone(), op.chat_id.to_string()));
        }
    }
    drop(position);
    let mut to_send = Vec::with_capacity(ops.len());
    for (op, outcome) in ops.into_iter().zip(outcomes) {
        match outcome {
            Some(outcome) if outcome.is_settled(retry_rejected) => tally.record_earlier(outcome),
            _ => to_send.push(op),
        }
    }
    (to_send, tally, resumed)
}

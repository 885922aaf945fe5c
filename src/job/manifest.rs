//! A manifest file made into a job: read and validated, its notes said,
//! its instances' tokens checked, its results file opened and locked.
//! `run` and `demo` start here; `run --dry-run` and `plan` use the parts.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{Job, JobConfig, Results};
use crate::colour::{self, Tone};
use crate::diagnostic::Diagnostic;
use crate::failure::Failure;
use crate::manifest::{self, LoadOptions, Loaded, OpId};
use crate::report::results::{self, OpenError, SyncPolicy};
use crate::shard::{Shard, Share};

/// The manifest's path with its extension replaced by `.results.csv`, or
/// for a shard by `.shard-K-of-N.results.csv`: each shard's own file, and
/// its own lock, wherever the shards run.
pub fn default_results_path(manifest: &Path, shard: Option<Shard>) -> Result<PathBuf, Failure> {
    if manifest.as_os_str() == "-" {
        return Err(Failure::usage(
            "a manifest read from standard input needs --results PATH",
        ));
    }
    Ok(match shard {
        Some(shard) => crate::shard::names::with_shard(manifest, shard, "results.csv"),
        None => manifest.with_extension("results.csv"),
    })
}

/// Reads and validates the manifest at `path`, keeps `shard`'s share of
/// it, says its notes and warnings and the share (unless `quiet`), and
/// returns it with the errors its instances' missing tokens would be to a
/// command that sends (to `validate`, notes: said once). Only the shard's
/// instances need tokens: a machine is given those it sends through.
pub fn load_manifest(
    path: &Path,
    options: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
    quiet: u8,
    shard: Option<Shard>,
) -> Result<(Loaded, Vec<Diagnostic>), Failure> {
    let mut loaded = manifest::load(path, options, env)
        .map_err(|rejected| Failure::Rejected(rejected.to_string()))?;
    let share = shard.map(|shard| take_shard(&mut loaded, shard));
    let missing = loaded
        .instances
        .missing_tokens(loaded.operations.iter().map(|op| &*op.instance));
    if quiet == 0 {
        let repeated = |d: &&Diagnostic| missing.iter().any(|m| m.message == d.message);
        for d in loaded.diagnostics.iter().filter(|d| !repeated(d)) {
            eprintln!("{d}");
        }
        if let Some(share) = share {
            say_share(&share, "operations");
        }
    }
    Ok((loaded, missing))
}

/// Keeps the operations of `shard`'s instances, `*` rows with them (a
/// row's instance is known before its groups are listed).
pub fn take_shard(loaded: &mut Loaded, shard: Shard) -> Share {
    crate::shard::retain(
        &mut loaded.operations,
        |op| &op.instance,
        &loaded.instances,
        shard,
    )
}

/// Says on stderr what a shard took: `note: shard 2 of 8: 2 of 6
/// instances, 40 of 120 operations`, so each process's log tells its part.
pub fn say_share(share: &Share, items: &str) {
    let note = colour::stderr().paint(Tone::Note, "note");
    eprintln!("{note}: {}", share.line(items));
}

/// One diagnostic per line, as [`Failure::Rejected`] prints them.
pub fn rejected(diagnostics: &[Diagnostic]) -> Failure {
    Failure::Rejected(diagnostics.iter().map(|d| format!("{d}\n")).collect())
}

impl Job {
    /// The job a manifest file describes: validated, tokens checked,
    /// results at `results` (else beside the manifest) opened and locked,
    /// what they settle left out. Nothing is created or changed before the
    /// manifest is known to be valid.
    pub fn from_manifest(
        manifest: &Path,
        options: &LoadOptions,
        results: Option<&Path>,
        config: JobConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Job> {
        let started = Instant::now();
        let results_path = match results {
            Some(p) => Ok(p.to_owned()),
            None => default_results_path(manifest, config.shard),
        };
        // A rerun reads its results file on the other core while the
        // manifest is validated: over a million rows, each is about half a
        // second. The file is only opened, locked and read (nothing is
        // created or changed before the manifest is known to be valid);
        // what it finds, errors included, is said at the point where it
        // would be said without it.
        let mut early = EarlyRead(results_path.as_ref().ok().map(|path| {
            let path = path.clone();
            std::thread::spawn(move || results::read_existing(&path))
        }));
        let (loaded, missing) = load_manifest(manifest, options, env, config.quiet, config.shard)?;
        let results_path = results_path?;
        if !missing.is_empty() {
            return Err(rejected(&missing).into());
        }
        // Resolved before the results file is opened, as the binary always
        // has: a refused URL is said before a locked file.
        let used = super::used_by(&loaded.operations);
        let setups = super::setups(&loaded.instances, &used, config.rate, None)?;
        if let Some(to) = &config.notify {
            let names: Vec<_> = used.iter().map(|(n, _)| n.clone()).collect();
            super::check_notify(to, &loaded.instances, &names)?;
        }
        let read = match early.0.take().map(std::thread::JoinHandle::join) {
            Some(Ok(Ok(Some(read)))) => read.into_results(SyncPolicy::default()),
            Some(Ok(Err(e))) => Err(e),
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            Some(Ok(Ok(None))) | None => results::open(&results_path),
        };
        let (file, prior) = read.map_err(Failure::Results)?;
        if let Some(torn) = &prior.torn {
            eprintln!(
                "warning: {}: {torn}; its operation will be sent again",
                crate::sanitise::escaped(&results_path.display().to_string())
            );
        }
        let job = Job::assemble(
            loaded.operations,
            &loaded.instances,
            setups,
            config,
            Results { file, prior },
        )?;
        Ok(job.started_at(started))
    }
}

/// The read of an existing results file under way on another thread. On
/// every way out of [`Job::from_manifest`] that does not use it, it is
/// waited for, so that nothing of it outlives the decision not to run (it
/// changes nothing in the file, and its lock goes with it).
struct EarlyRead(Option<std::thread::JoinHandle<Result<Option<results::ReadResults>, OpenError>>>);

impl Drop for EarlyRead {
    fn drop(&mut self) {
        if let Some(read) = self.0.take() {
            // Its result is not wanted; a panic in it was already reported
            // by the panic hook.
            let _ = read.join();
        }
    }
}

/// Says on stderr how many of `ops` earlier rows of `path` settle (none:
/// nothing), so a plan that leaves them out says why, and how to send them.
pub fn say_settled(
    ops: &[manifest::Operation],
    settled: &dyn Fn(OpId) -> bool,
    prior: &results::PriorResults,
    path: &Path,
) {
    let n = ops.iter().filter(|op| settled(op.op_id)).count();
    if n == 0 {
        return;
    }
    let note = colour::stderr().paint(Tone::Note, "note");
    eprintln!(
        "{note}: {n} operation{} already done according to {} ({} row{}): left out of the plan; `greenbatch run --fresh` sends them again",
        if n == 1 { " is" } else { "s are" },
        crate::sanitise::escaped(&path.display().to_string()),
        prior.rows,
        if prior.rows == 1 { "" } else { "s" },
    );
}

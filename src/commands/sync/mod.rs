//! `greenbatch sync DESIRED.yaml`: make groups match a desired-state file.
//!
//! 1. Lock the desired file (a second sync of it exits 75 at once), load
//!    and validate it (exit 2 with every problem).
//! 2. Preflight each instance, list the groups of each `*` entry's
//!    instance, and read each group; compute each group's changes with
//!    [`crate::desired::diff()`].
//! 3. Refuse a mass removal (`--max-removals`): nothing is sent anywhere.
//! 4. Write the operations as an operations manifest beside the results
//!    (the audit record: `validate`, `plan` and `run` read it), then run
//!    the same operations, from memory, as a [`Job`]: pacing, retries,
//!    reconcile, the results file and its lock, signals, progress, summary
//!    and exit codes are `run`'s own.
//!
//! With `--shard K/N`, step 1 keeps only the groups of the shard's
//! instances (a `*` entry follows its instance): the other shards' groups
//! are not read, and the dated files are named for the shard.
//!
//! Each sync is a fresh job (new dated files by default): the live state,
//! not earlier results, says what is left, so a sync that was interrupted
//! or crashed converges when it runs again.

mod files;
mod read;
mod show;

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::SystemTime;

use super::reading::{self, ReadProgress};
use crate::cli::{OutputArg, SyncArgs};
use crate::desired;
use crate::exit;
use crate::failure::Failure;
use crate::job::{self, Job, JobConfig, Results};
use crate::manifest::{InputFormat, LoadOptions};
use crate::report::results;
use crate::runner::retry::RetryPolicy;
use crate::sanitise::escaped;
use crate::shard::Shard;
use crate::subjects::Subjects;

/// Runs the command; the exit code follows `run`'s table, with 2 for a
/// refused mass removal and 75 for a desired file another sync holds.
pub(super) fn execute(args: SyncArgs, quiet: u8) -> anyhow::Result<u8> {
    if args.desired.as_os_str() == "-" {
        return Err(Failure::Usage(
            "sync reads a desired-state file, not standard input: it locks the file and reads members_file beside it".into(),
        )
        .into());
    }
    let env = |k: &str| std::env::var(k).ok();
    let shard = super::shard_of(args.shard, &env)?;
    // Held to the end: a second sync of this file must not run beside us
    // (shards of it may: see `files::lock`).
    let _lock = match args.dry_run {
        true => None,
        false => match files::lock(&args.desired, shard.is_some())? {
            Some(file) => file,
            None => return Err(Failure::Locked(files::locked_message(&args.desired)).into()),
        },
    };
    let (loaded, names) = load(&args, shard, quiet)?;
    // Checked before any group is read: the notice's chat and instance.
    if let Some(to) = args.notify.to(loaded.name.clone()) {
        job::check_notify(&to, &loaded.instances, &names)?;
    }
    let plans = read_plans(&args, &loaded, &names, quiet)?;
    let read_code = if plans.iter().any(|p| p.refused) {
        exit::INSTANCE_REFUSED
    } else if plans.iter().any(|p| p.changes.is_err()) {
        exit::FAILED
    } else {
        exit::SUCCESS
    };
    if args.dry_run {
        return print_dry_run(&args, &loaded.name, &plans, read_code);
    }
    apply(&args, &loaded, &plans, read_code, shard, quiet)
}

/// Loads and validates the desired-state file, keeps `shard`'s groups (a
/// `*` entry follows its instance), says its notes and warnings and the
/// shard's share, and checks a token is there for each instance it uses
/// (returned in order of first use).
fn load(
    args: &SyncArgs,
    shard: Option<Shard>,
    quiet: u8,
) -> Result<(desired::Loaded, Vec<Arc<str>>), Failure> {
    let env = |k: &str| std::env::var(k).ok();
    let options = LoadOptions {
        format: Some(InputFormat::Yaml),
        max_size: args.max_manifest_size,
        instances_file: args.instances.clone(),
        trusted_hosts: args.trust_api_host.clone(),
        ..LoadOptions::default()
    };
    let mut loaded = desired::load(&args.desired, &options, &env)
        .map_err(|rejected| Failure::Rejected(format!("{rejected}\n")))?;
    let share = shard.map(|shard| {
        let instances = &loaded.instances;
        crate::shard::retain(&mut loaded.state.groups, |g| &g.instance, instances, shard)
    });
    let names = instance_names(&loaded);
    let missing = loaded.instances.missing_tokens(names.iter().map(|n| &**n));
    if quiet == 0 {
        let repeated =
            |d: &&crate::manifest::Diagnostic| missing.iter().any(|m| m.message == d.message);
        for d in loaded.diagnostics.iter().filter(|d| !repeated(d)) {
            eprintln!("{d}");
        }
        if let Some(share) = share {
            job::say_share(&share, "groups");
        }
    }
    if !missing.is_empty() {
        return Err(job::rejected(&missing));
    }
    Ok((loaded, names))
}

/// The instances the desired file's groups name, in order of first use.
fn instance_names(loaded: &desired::Loaded) -> Vec<Arc<str>> {
    let mut names: Vec<Arc<str>> = Vec::new();
    for g in &loaded.state.groups {
        if !names.contains(&g.instance) {
            names.push(g.instance.clone());
        }
    }
    names
}

/// Preflights each instance and reads each group, computing its changes.
fn read_plans(
    args: &SyncArgs,
    loaded: &desired::Loaded,
    names: &[Arc<str>],
    quiet: u8,
) -> anyhow::Result<Vec<read::GroupPlan>> {
    // Reads go at their own pace, under getGroupData's limit; --rate is the
    // moderation pace, the job's to choose (and warn about) when the
    // operations run.
    let setups = job::reading_setups(&loaded.instances, names, None)?;
    let (client, runtime) = reading::client_and_runtime(args.timeout)?;
    let retry = RetryPolicy {
        max_attempts: args.max_attempts,
        ..RetryPolicy::default()
    };
    Ok(runtime.block_on(async {
        let conns = reading::connect(&client, &setups, names, retry, args.outage_patience).await;
        let conns: HashMap<_, _> = conns.into_iter().map(|c| (c.name.clone(), c)).collect();
        let entries = read::expand(&loaded.state.groups, &conns, &client).await;
        let progress = ReadProgress::new(args.progress, quiet, entries.len() as u64);
        let plans = read::plan(entries, &loaded.state.protect, conns, &progress).await;
        progress.finish();
        plans
    }))
}

/// `--dry-run`: what a sync would change, and whether it would; nothing sent.
fn print_dry_run(
    args: &SyncArgs,
    name: &str,
    plans: &[read::GroupPlan],
    read_code: u8,
) -> anyhow::Result<u8> {
    let mut out = io::stdout().lock();
    match args.format {
        OutputArg::Text => {
            writeln!(
                out,
                "{name}: what a sync would change (dry run: nothing is sent)"
            )?;
            show::render_text(plans, args.max_removals, true, &mut out)?;
            if show::refusal(plans, args.max_removals).is_some() {
                writeln!(
                    out,
                    "a sync would refuse this mass removal and send nothing to any group; raise --max-removals if it is meant"
                )?;
            }
            if show::own_unknown(plans).is_some() {
                writeln!(
                    out,
                    "a sync would stop before sending: the instance's own number is unknown (exit 3)"
                )?;
            }
        }
        OutputArg::Json => show::render_json(name, plans, args.max_removals, &mut out)?,
    }
    // A plan that a sync would not carry out is no success.
    let own_code = match show::own_unknown(plans) {
        Some(_) => exit::FAILED,
        None => exit::SUCCESS,
    };
    Ok(worst(read_code, own_code))
}

/// Sends the changes: refuses a mass removal or a plan made without the
/// instance's own number, writes the operations manifest (the audit
/// record), and runs the same operations as a [`Job`].
fn apply(
    args: &SyncArgs,
    loaded: &desired::Loaded,
    plans: &[read::GroupPlan],
    read_code: u8,
    shard: Option<Shard>,
    quiet: u8,
) -> anyhow::Result<u8> {
    for p in plans.iter().filter(|p| p.changes.is_err()) {
        let why = p.changes.as_ref().err().map_or("", String::as_str);
        if p.group.is_every() {
            eprintln!(
                "error: {}: the `*` entry of instance `{}` syncs no group: {}",
                p.group.source,
                escaped(&p.group.instance),
                escaped(why)
            );
            continue;
        }
        eprintln!(
            "error: {}: group {} of instance `{}` could not be read, so it is not synced: {}",
            p.group.source,
            p.label(),
            escaped(&p.group.instance),
            escaped(why)
        );
    }
    if let Some(refusal) = show::refusal(plans, args.max_removals) {
        // Nothing was sent; the chat hears why (the night's log has the
        // error line whatever -q says).
        tell(args, loaded, &refusal, exit::USAGE);
        return Err(Failure::Rejected(format!("{refusal}\n")).into());
    }
    // Transient, unlike the refusal above: the next sync may learn it.
    if let Some(stop) = show::own_unknown(plans) {
        eprintln!("{stop}");
        return Ok(worst(read_code, exit::FAILED));
    }
    let paths = files::paths(
        &args.desired,
        args.results.as_deref(),
        shard,
        SystemTime::now(),
    );
    if args.results.is_some() {
        let prior = results::peek(&paths.results).map_err(|e| Failure::Usage(e.to_string()))?;
        if prior.rows > 0 {
            return Err(Failure::Usage(format!(
                "results file {} already records {} rows: a sync is a fresh job, whose live state (not earlier rows) says what is left; name a new file, or leave out --results for a new dated one",
                escaped(&paths.results.display().to_string()),
                prior.rows
            ))
            .into());
        }
    }
    let rows: Vec<files::Row<'_>> = plans
        .iter()
        .filter_map(|p| Some((p, p.changes.as_ref().ok()?)))
        .flat_map(|(p, c)| {
            c.operations().map(move |(action, who)| files::Row {
                action,
                chat_id: &p.group.chat_id,
                participant_id: who,
                instance: &p.group.instance,
            })
        })
        .collect();
    if rows.is_empty() {
        let set_member = shard.map(|_| paths.results.as_path());
        return nothing_to_do(args, loaded, plans, (read_code, set_member), quiet);
    }
    files::write_operations(&paths.operations, &rows).map_err(|e| {
        Failure::Usage(format!(
            "cannot write the operations manifest {}: {e}",
            escaped(&paths.operations.display().to_string())
        ))
    })?;
    if quiet < 2 {
        let mut out = io::stdout().lock();
        show::render_text(plans, args.max_removals, false, &mut out)?;
        writeln!(
            out,
            "operations: {}",
            escaped(&paths.operations.display().to_string())
        )?;
        out.flush()?;
    }
    let ops = files::operations(&paths.operations, &rows, &loaded.instances)
        .ok_or_else(|| Failure::usage("an operation names an instance that is not configured"))?;
    let config = JobConfig {
        rate: args.rate,
        concurrency: args.concurrency,
        max_attempts: args.max_attempts,
        timeout: args.timeout,
        outage_patience: args.outage_patience,
        progress: args.progress,
        quiet,
        notify: args.notify.to(loaded.name.clone()),
        shard,
        ..JobConfig::default()
    };
    let results = Results::open(&paths.results).map_err(Failure::Results)?;
    // The groups were read just now: the summary names them by what those
    // reads told, without reading them again.
    let mut subjects = Subjects::default();
    for p in plans {
        if let Some(subject) = &p.subject {
            subjects.learn(&p.group.chat_id, subject);
        }
    }
    let code = Job::prepare(ops, &loaded.instances, config, results)?
        .with_subjects(subjects)
        .run()?
        .exit_code();
    Ok(worst(code, read_code))
}

/// Every group read is as desired: nothing is sent and no file written (a
/// nightly sync would otherwise leave two empty dated files a night). A
/// shard's sync writes its results file all the same (`set_member`, the
/// header alone): `report` over the night's shards would otherwise name it
/// missing and say a rerun must send its share.
fn nothing_to_do(
    args: &SyncArgs,
    loaded: &desired::Loaded,
    plans: &[read::GroupPlan],
    (read_code, set_member): (u8, Option<&std::path::Path>),
    quiet: u8,
) -> anyhow::Result<u8> {
    let read = plans.iter().filter(|p| p.changes.is_ok()).count();
    let written = match set_member {
        Some(path) => {
            let results = Results::open(path).map_err(Failure::Results)?;
            results.file.finish().map_err(|e| {
                Failure::Usage(format!(
                    "cannot write {}: {e}",
                    escaped(&path.display().to_string())
                ))
            })?;
            format!(
                "only the shard's results file, for its set: {}",
                escaped(&path.display().to_string())
            )
        }
        None => "no files written".to_owned(),
    };
    let headline = match read_code {
        exit::SUCCESS => format!(
            "no change: {} as desired; nothing sent, {written}",
            crate::words::plural(read as u64, "group")
        ),
        _ => format!(
            "nothing to change in the {} read; nothing sent, {written}",
            crate::words::plural(read as u64, "group")
        ),
    };
    if quiet < 2 {
        let mut out = io::stdout().lock();
        show::render_text(plans, args.max_removals, false, &mut out)?;
        writeln!(out, "{headline}")?;
        out.flush()?;
    }
    if args.notify.notify_always {
        tell(args, loaded, &headline, read_code);
    }
    Ok(read_code)
}

/// A notice for a sync that ran no job, when `--notify` asks for one; a
/// notice that cannot be sent is a warning.
fn tell(args: &SyncArgs, loaded: &desired::Loaded, headline: &str, code: u8) {
    let Some(to) = args.notify.to(loaded.name.clone()) else {
        return;
    };
    let names = instance_names(loaded);
    if let Err(why) = job::tell(&to, &loaded.instances, &names, headline, code) {
        let why = crate::sanitise::terminal(&why);
        tracing::warn!("the notice could not be sent: {why}");
    }
}

/// The exit code that sums up both: the first of 130/143, 4, 3, 1 wins.
fn worst(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        exit::SIGINT | exit::SIGTERM => 0,
        exit::LOCKED => 1,
        exit::USAGE => 2,
        exit::INSTANCE_REFUSED => 3,
        exit::FAILED => 4,
        exit::REJECTED => 5,
        _ => 6,
    };
    if rank(a) <= rank(b) { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worse_exit_code_wins() {
        assert_eq!(worst(0, 3), 3);
        assert_eq!(worst(1, 3), 3);
        assert_eq!(worst(4, 3), 4);
        assert_eq!(worst(130, 4), 130);
        assert_eq!(worst(1, 0), 1);
        assert_eq!(worst(0, 0), 0);
    }
}

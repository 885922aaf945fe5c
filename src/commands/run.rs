//! `greenbatch run`: the manifest made into a [`Job`] (validated, results
//! file taken, what is settled skipped), run, and summed up in the exit
//! code; or, with `--dry-run`, the plan of what it would send.

use crate::cli::RunArgs;
use crate::exit;
use crate::failure::Failure;
use crate::job::{self, Job, JobConfig};
use crate::manifest;
use crate::report::results;
use crate::shard::Shard;

use super::live::print_live_plan;

/// Runs the command; the exit code follows the table in the README.
pub(super) fn execute(args: RunArgs, quiet: u8) -> anyhow::Result<u8> {
    let env = |k: &str| std::env::var(k).ok();
    let options = args.manifest_args.load_options().map_err(Failure::Usage)?;
    let shard = super::shard_of(args.shard, &env)?;
    if args.dry_run {
        return dry_run(&args, &options, shard, &env, quiet);
    }
    let config = JobConfig {
        shard,
        ..job_config(&args, quiet)
    };
    let job = Job::from_manifest(
        &args.manifest,
        &options,
        args.results.as_deref(),
        config,
        &env,
    )?;
    Ok(job.run()?.exit_code())
}

/// What the flags say about how the job runs.
fn job_config(args: &RunArgs, quiet: u8) -> JobConfig {
    JobConfig {
        rate: args.rate,
        concurrency: args.concurrency,
        max_attempts: args.max_attempts,
        timeout: args.timeout,
        outage_patience: args.outage_patience,
        retry_rejected: args.retry_rejected,
        fresh: args.fresh,
        preflight: !args.no_preflight,
        live: !args.no_live,
        progress: args.progress,
        quiet,
        notify: args.notify.to(crate::input::display_name(&args.manifest)),
        shard: None,
    }
}

/// `run --dry-run`: the plan of what a run (of `shard`) would send now
/// (with `--live`, read from the groups), nothing sent and nothing written.
fn dry_run(
    args: &RunArgs,
    options: &manifest::LoadOptions,
    shard: Option<Shard>,
    env: &dyn Fn(&str) -> Option<String>,
    quiet: u8,
) -> anyhow::Result<u8> {
    let results_path = match &args.results {
        Some(p) => Ok(p.clone()),
        None => job::default_results_path(&args.manifest, shard),
    };
    let (loaded, _missing) = job::load_manifest(&args.manifest, options, env, quiet, shard)?;
    let results_path = results_path?;
    let prior = results::peek(&results_path).map_err(|e| Failure::Usage(e.to_string()))?;
    let skip = |id| !args.fresh && prior.is_settled(id, args.retry_rejected);
    if quiet == 0 {
        job::say_settled(&loaded.operations, &skip, &prior, &results_path);
    }
    if args.live {
        let output = args.manifest_args.output().map_err(Failure::Usage)?;
        let bounds = super::live::Bounds {
            timeout: args.timeout,
            patience: args.outage_patience,
        };
        return print_live_plan(&loaded, &skip, args.rate, bounds, output);
    }
    let mut plan = manifest::plan::build(&loaded.operations, &skip);
    let left = loaded.operations.iter().filter(|o| !skip(o.op_id));
    plan.estimates = manifest::estimate::estimate(left, &loaded.instances, args.rate);
    manifest::plan::render_text(&plan, &loaded.manifest_name, &mut std::io::stdout().lock())?;
    Ok(exit::SUCCESS)
}

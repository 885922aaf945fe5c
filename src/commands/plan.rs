//! `greenbatch plan`: load one manifest and print, offline, what a run would
//! send per group (with `--shard K/N`, that shard's run), leaving out what a
//! results file already settles; the core is [`crate::manifest::plan::build`].

use std::io::{self, Write};

use crate::cli::{OutputFormat, PlanArgs};
use crate::colour::{self, Tone};
use crate::exit;
use crate::failure::Failure;
use crate::manifest::{self, estimate, plan};
use crate::report::results;

/// Prints the plan; `quiet` (-q) leaves out warnings and notes.
pub(super) fn execute(args: PlanArgs, quiet: u8) -> anyhow::Result<u8> {
    let opts = args.manifest.load_options().map_err(Failure::Usage)?;
    let output = args.manifest.output().map_err(Failure::Usage)?;
    let env = |k: &str| std::env::var(k).ok();
    let shard = super::shard_of(args.shard, &env)?;
    let mut loaded = match manifest::load(&args.path, &opts, &env) {
        Ok(l) => l,
        Err(rejected) => return Err(Failure::Rejected(format!("{rejected}\n")).into()),
    };
    let share = shard.map(|shard| crate::job::take_shard(&mut loaded, shard));
    {
        // Held only here: a live plan's workers log to stderr, and a lock
        // held across its block_on would wait for them forever.
        let mut err = io::stderr().lock();
        for d in loaded.diagnostics.iter().filter(|_| quiet == 0) {
            writeln!(err, "{d}")?;
        }
    }
    if let (Some(share), 0) = (share, quiet) {
        crate::job::say_share(&share, "operations");
    }
    // The results file `run` would use, so that `plan` and `run --dry-run`
    // agree on what is already done.
    let results_path = match &args.results {
        Some(path) => Some(path.clone()),
        None if args.path.as_os_str() == "-" => None,
        None => Some(crate::job::default_results_path(&args.path, shard)?),
    };
    let prior = match &results_path {
        Some(path) => results::peek(path).map_err(|e| Failure::Usage(e.to_string()))?,
        None => results::PriorResults::default(),
    };
    if let (Some(path), false) = (&results_path, quiet > 0) {
        crate::job::say_settled(
            &loaded.operations,
            &|id| prior.is_settled(id, false),
            &prior,
            path,
        );
    }
    if let (Some(path), Some(torn)) = (&results_path, &prior.torn) {
        let warning = colour::stderr().paint(Tone::Warning, "warning");
        let shown = crate::sanitise::escaped(&path.display().to_string()).into_owned();
        eprintln!("{warning}: {shown}: {torn}");
    }
    if args.live {
        let skip = |id| prior.is_settled(id, false);
        let bounds = super::live::Bounds {
            timeout: args.timeout,
            patience: args.outage_patience,
        };
        return super::live::print_live_plan(&loaded, &skip, args.rate, bounds, output);
    }
    let skip = |id| prior.is_settled(id, false);
    let mut plan = plan::build(&loaded.operations, &skip);
    let left = loaded.operations.iter().filter(|o| !skip(o.op_id));
    plan.estimates = estimate::estimate(left, &loaded.instances, None);
    // Stdout is line-buffered: one write per line would cost a system call
    // per operation on a million-row plan.
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    match output {
        OutputFormat::Text => plan::render_text(&plan, &loaded.manifest_name, &mut out)?,
        OutputFormat::Json => plan::render_json(&plan, &loaded.manifest_name, &mut out)?,
    }
    out.flush()?;
    Ok(exit::SUCCESS)
}

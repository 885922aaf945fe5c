//! `greenbatch plan`: load one manifest and print, offline, what a run would
//! send per group. The results file is accepted now and honoured once the
//! runner writes one; the core is [`crate::manifest::plan::build`].

use std::io::{self, Write};

use super::UsageError;
use crate::cli::{OutputFormat, PlanArgs};
use crate::exit;
use crate::manifest::{self, plan};

pub fn execute(args: PlanArgs) -> anyhow::Result<u8> {
    let opts = args.manifest.load_options().map_err(UsageError)?;
    let output = args.manifest.output().map_err(UsageError)?;
    let env = |k: &str| std::env::var(k).ok();
    let loaded = match manifest::load(&args.path, &opts, &env) {
        Ok(l) => l,
        Err(rejected) => {
            eprintln!("{rejected}");
            return Ok(exit::USAGE);
        }
    };
    let mut err = io::stderr().lock();
    for d in &loaded.diagnostics {
        writeln!(err, "{d}")?;
    }
    if args.results.is_some() {
        writeln!(
            err,
            "note: --results is not read yet (the results format comes with the runner); every operation is shown"
        )?;
    }
    let plan = plan::build(&loaded.operations, &|_| false);
    let mut out = io::stdout().lock();
    match output {
        OutputFormat::Text => plan::render_text(&plan, &loaded.manifest_name, &mut out)?,
        OutputFormat::Json => plan::render_json(&plan, &loaded.manifest_name, &mut out)?,
    }
    Ok(exit::SUCCESS)
}

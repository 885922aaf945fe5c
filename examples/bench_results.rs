//! Writes a completed results file for a manifest, as if every operation had
//! ended `done`, so `benches/run.sh` can time a rerun that sends nothing
//! without first sending a million requests. The instance comes from the
//! usual GREEN_API_* variables; no size cap applies.
//!
//! `cargo run --release --example bench_results -- MANIFEST RESULTS`

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use greenbatch::manifest::{self, LoadOptions};
use greenbatch::report::results::{ResultRow, ResultsWriter};
use greenbatch::runner::Outcome;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [manifest_path, results_path] = args.as_slice() else {
        anyhow::bail!("usage: bench_results MANIFEST RESULTS");
    };
    let opts = LoadOptions {
        max_size: u64::MAX,
        ..LoadOptions::default()
    };
    let env = |k: &str| std::env::var(k).ok();
    let loaded = manifest::load(Path::new(manifest_path), &opts, &env)
        .map_err(|r| anyhow::anyhow!("{r}"))?;
    let sink = BufWriter::with_capacity(1 << 20, File::create(results_path)?);
    let mut writer = ResultsWriter::new(sink, true)?;
    for op in &loaded.operations {
        writer.append(&ResultRow::new(op, Outcome::Done, "", Some(200), 1))?;
    }
    writer.into_inner()?;
    eprintln!("{} rows written to {results_path}", loaded.operations.len());
    Ok(())
}

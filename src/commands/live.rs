//! The live plan as `plan --live` and `run --dry-run --live` print it: each
//! instance's state and each group read once, every operation predicted,
//! nothing changed.

use std::io;

use crate::cli::OutputFormat;
use crate::exit;
use crate::greenapi::client::{Client, ClientConfig};
use crate::job;
use crate::manifest::{Loaded, OpId};
use crate::rate::Rate;
use crate::report::live_plan;
use crate::runner::live::plan;
use crate::runner::retry::RetryPolicy;

/// How long a live plan may wait: per request, and for an outage.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub timeout: std::time::Duration,
    pub patience: std::time::Duration,
}

/// Reads the groups of `loaded`'s operations (those `skip` does not settle)
/// and prints the predictions; the exit code is 2 when an instance lacks a token.
pub(crate) fn print_live_plan(
    loaded: &Loaded,
    skip: &dyn Fn(OpId) -> bool,
    rate: Option<Rate>,
    bounds: Bounds,
    output: OutputFormat,
) -> anyhow::Result<u8> {
    let missing = loaded
        .instances
        .missing_tokens(loaded.operations.iter().map(|op| &*op.instance));
    if !missing.is_empty() {
        return Err(crate::job::rejected(&missing).into());
    }
    let names: Vec<_> = job::used_by(&loaded.operations)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let mut setups = job::reading_setups(&loaded.instances, &names, rate)?;
    for setup in setups.values_mut() {
        setup.own_reads.patience = bounds.patience;
    }
    let client = Client::new(&ClientConfig {
        timeout: bounds.timeout,
        ..ClientConfig::default()
    })
    .map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let retry = RetryPolicy::default();
    let (plan, unexpanded) = runtime.block_on(async {
        // The `*` rows are listed first, then judged like any other row.
        let policy = job::ListPolicy {
            retry,
            patience: bounds.patience,
        };
        let ops = loaded.operations.clone();
        let expanded = job::expand(&client, &setups, ops, policy, 0).await;
        let ops: Vec<_> = expanded
            .ops
            .into_iter()
            .filter(|op| !skip(op.op_id))
            .collect();
        let told = &expanded.subjects;
        let plan = plan::build(&client, &setups, retry, &ops, told).await;
        (plan, expanded.unexpanded)
    });
    let mut out = io::stdout().lock();
    match output {
        OutputFormat::Text => live_plan::render_text(&plan, &loaded.manifest_name, &mut out)?,
        OutputFormat::Json => live_plan::render_json(&plan, &loaded.manifest_name, &mut out)?,
    }
    for u in &unexpanded {
        let lines: Vec<String> = u.lines.iter().map(u32::to_string).collect();
        eprintln!(
            "error: `*` of instance `{}` (line {}) is not in the plan: {}",
            crate::sanitise::escaped(&u.instance),
            lines.join(", "),
            crate::sanitise::terminal(&u.reason)
        );
    }
    // A plan that leaves rows out unplanned is no success.
    Ok(match unexpanded.is_empty() {
        true => exit::SUCCESS,
        false => exit::FAILED,
    })
}

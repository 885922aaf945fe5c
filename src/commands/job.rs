//! What a job is made of before it runs, shared by the commands that run,
//! plan or read: each instance's set-up (endpoint and paces under its
//! server's limits), the default results path, and the note on what
//! earlier results settle. It uses no command module, so `run`, `plan`,
//! `live` and the reading commands build on it without using each other.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::UsageError;
use crate::colour::{self, Tone};
use crate::greenapi::Action;
use crate::greenapi::client::{Endpoint, check_api_url};
use crate::instances::Instances;
use crate::manifest::Operation;
use crate::report::results;
use crate::runner::engine::InstanceSetup;
use crate::runner::own::OwnReads;
use crate::runner::rate;

/// The manifest's path with its extension replaced by `.results.csv`.
pub(crate) fn default_results_path(manifest: &Path) -> anyhow::Result<PathBuf> {
    if manifest.as_os_str() == "-" {
        return Err(
            UsageError("a manifest read from standard input needs --results PATH".into()).into(),
        );
    }
    Ok(manifest.with_extension("results.csv"))
}

/// Each used instance's endpoint and paces, under its server's limits (the
/// documented table unless the instance declares others): `rate` for the
/// moderation methods (else the instance's own, else half the limit),
/// `read_rate` for reads (else just under their limit). A refused URL is a
/// usage error, found before anything is sent. Tokens were checked by the caller.
pub(crate) fn setups(
    instances: &Instances,
    ops: &[Operation],
    rate: Option<rate::Rate>,
    read_rate: Option<rate::Rate>,
    warn_pace: bool,
) -> anyhow::Result<HashMap<Arc<str>, InstanceSetup>> {
    let mut setups = HashMap::new();
    let mut problems = Vec::new();
    // The instances in order of first use, with the actions each uses, in
    // one pass: rows of one instance come in runs, so the previous row's
    // slot is tried before the (short) list.
    let mut used_by: Vec<(&Arc<str>, Vec<Action>)> = Vec::new();
    let mut slot = usize::MAX;
    for op in ops {
        if used_by.get(slot).is_none_or(|(i, _)| **i != op.instance) {
            slot = match used_by.iter().position(|(i, _)| **i == op.instance) {
                Some(found) => found,
                None => {
                    used_by.push((&op.instance, Vec::new()));
                    used_by.len() - 1
                }
            };
        }
        let used = &mut used_by[slot].1;
        if !used.contains(&op.action) {
            used.push(op.action);
        }
    }
    for (name, used) in used_by {
        let Some(instance) = instances.get(name) else {
            problems.push(format!("instance `{name}` is not configured"));
            continue;
        };
        let Some(token) = instance.token.clone() else {
            problems.push(format!("instance `{name}` has no token"));
            continue;
        };
        if let Err(e) = check_api_url(&instance.api_url) {
            problems.push(format!("instance `{name}`: {e}"));
            continue;
        }
        let asked = rate.or(instance.rate.map(rate::Rate::PerSecond));
        // One pace for the four moderation methods: the slowest their
        // limits allow (the documented table has one row for them).
        let mut pace: Option<Option<f64>> = None;
        let mut warnings = Vec::new();
        for action in Action::ALL {
            let (p, warning) =
                rate::choose(asked, action.method(), instance.platform, &instance.limits);
            pace = Some(match (pace, p) {
                (None, p) | (Some(None), p) => p,
                (Some(Some(a)), Some(b)) => Some(f64::min(a, b)),
                (Some(Some(a)), None) => Some(a),
            });
            // Said for the methods this instance's operations use, by the
            // commands that send them.
            if let Some(w) = warning.filter(|_| warn_pace && used.contains(&action)) {
                warnings.push(w);
            }
        }
        let pace = pace.flatten();
        for w in warnings {
            eprintln!("warning: instance `{name}`: {w}");
        }
        // Reads keep getGroupData's own pace, a little under its limit;
        // `plan --rate` may ask for slower.
        let (read_rate, warning) =
            rate::choose_read(read_rate, instance.platform, &instance.limits);
        if let Some(w) = warning {
            eprintln!("warning: instance `{name}`: {w}");
        }
        let endpoint = Endpoint {
            platform: instance.platform,
            api_url: instance.api_url.clone(),
            id_instance: instance.id_instance.clone(),
            token,
        };
        setups.insert(
            name.clone(),
            InstanceSetup {
                endpoint,
                rate: pace,
                read_rate,
                own_reads: OwnReads::under(&instance.limits, instance.platform),
            },
        );
    }
    if problems.is_empty() {
        Ok(setups)
    } else {
        Err(UsageError(problems.join("\n")).into())
    }
}

/// Says on stderr how many of `ops` earlier rows of `path` settle (none:
/// nothing), so a plan that leaves them out says why, and how to send them.
pub(crate) fn say_settled(
    ops: &[crate::manifest::Operation],
    settled: &dyn Fn(crate::manifest::OpId) -> bool,
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

//! Each instance's set-up for a job or a read: its endpoint and paces,
//! under its server's limits. One home for the pace policy, whether the
//! instance will send (`run`, `demo`, `sync`) or only read (`plan --live`,
//! `groups`, `export`).

use std::collections::HashMap;
use std::sync::Arc;

use crate::failure::Failure;
use crate::greenapi::Action;
use crate::greenapi::client::{Endpoint, check_api_url};
use crate::instances::{Instance, Instances};
use crate::manifest::Operation;
use crate::rate::{self, Rate};
use crate::runner::engine::InstanceSetup;
use crate::runner::own::OwnReads;

/// Each instance operations use, in order of first use, with the actions
/// it is used for.
pub fn used_by(ops: &[Operation]) -> Vec<(Arc<str>, Vec<Action>)> {
    let mut used_by: Vec<(Arc<str>, Vec<Action>)> = Vec::new();
    // Rows of one instance come in runs, so the previous row's slot is
    // tried before the (short) list.
    let mut slot = usize::MAX;
    for op in ops {
        if used_by.get(slot).is_none_or(|(i, _)| *i != op.instance) {
            slot = match used_by.iter().position(|(i, _)| *i == op.instance) {
                Some(found) => found,
                None => {
                    used_by.push((op.instance.clone(), Vec::new()));
                    used_by.len() - 1
                }
            };
        }
        let used = &mut used_by[slot].1;
        if !used.contains(&op.action) {
            used.push(op.action);
        }
    }
    used_by
}

impl InstanceSetup {
    /// `instance`'s endpoint and paces: `rate` for the moderation methods
    /// (else the instance's own, else half the limit), `read_rate` for
    /// reads (else just under their limit). Also what the user should
    /// hear about the pace: warnings for the methods in `used` (an instance
    /// that only reads is told none of those) and for the reads.
    pub fn resolve(
        instance: &Instance,
        rate: Option<Rate>,
        read_rate: Option<Rate>,
        used: &[Action],
    ) -> Result<(InstanceSetup, Vec<String>), String> {
        let name = &instance.name;
        let Some(token) = instance.token.clone() else {
            return Err(format!("instance `{name}` has no token"));
        };
        check_api_url(&instance.api_url).map_err(|e| format!("instance `{name}`: {e}"))?;
        let asked = rate.or(instance.rate.map(Rate::PerSecond));
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
            if let Some(w) = warning.filter(|_| used.contains(&action)) {
                warnings.push(w);
            }
        }
        // Reads keep getGroupData's own pace, a little under its limit;
        // `plan --rate` may ask for slower.
        let (read_rate, warning) =
            rate::choose_read(read_rate, instance.platform, &instance.limits);
        warnings.extend(warning);
        let endpoint = Endpoint {
            name: instance.name.clone(),
            platform: instance.platform,
            api_url: instance.api_url.clone(),
            id_instance: instance.id_instance.clone(),
            token,
        };
        let setup = InstanceSetup {
            endpoint,
            rate: pace.flatten(),
            read_rate,
            own_reads: OwnReads::under(&instance.limits, instance.platform),
        };
        Ok((setup, warnings))
    }
}

/// The set-up of each instance in `used` (from [`used_by`], or names with
/// no actions for a command that only reads), its pace warnings said on
/// stderr. Every problem (not configured, no token, a refused URL) is a
/// usage error, all of them said at once, before anything is sent.
pub fn setups(
    instances: &Instances,
    used: &[(Arc<str>, Vec<Action>)],
    rate: Option<Rate>,
    read_rate: Option<Rate>,
) -> Result<HashMap<Arc<str>, InstanceSetup>, Failure> {
    let mut setups = HashMap::new();
    let mut problems = Vec::new();
    for (name, actions) in used {
        let Some(instance) = instances.get(name) else {
            problems.push(format!("instance `{name}` is not configured"));
            continue;
        };
        match InstanceSetup::resolve(instance, rate, read_rate, actions) {
            Ok((setup, warnings)) => {
                for w in warnings {
                    eprintln!("warning: instance `{name}`: {w}");
                }
                setups.insert(name.clone(), setup);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(setups)
    } else {
        Err(Failure::Usage(problems.join("\n")))
    }
}

/// [`setups`] for instances that only read (`plan --live`, `groups`,
/// `export`, a sync's reads): no moderation pace is asked for or warned
/// about, `read_rate` may slow the reads.
pub fn reading_setups(
    instances: &Instances,
    names: &[Arc<str>],
    read_rate: Option<Rate>,
) -> Result<HashMap<Arc<str>, InstanceSetup>, Failure> {
    let used: Vec<(Arc<str>, Vec<Action>)> = names
        .iter()
        .map(|name| (name.clone(), Vec::new()))
        .collect();
    setups(instances, &used, None, read_rate)
}

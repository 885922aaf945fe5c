//! What a job can be at the real limits, said before it runs: how long each
//! instance's share takes at its pace ("about 11 h at 0.5/s for
//! wa-main"), and a group given more operations than it can have members
//! (no WhatsApp group holds more than 1,024: 200,000 removals from one is
//! a manifest that cannot be what was meant).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use serde::Serialize;

use super::{EVERY_GROUP, Operation};
use crate::diagnostic::{Diagnostic, Source};
use crate::greenapi::{Action, Platform};
use crate::instances::Instances;
use crate::rate::{self, Rate};

/// The most members a WhatsApp group holds (`GREEN-API.md` §7). MAX states
/// none, so its groups are not judged.
pub(crate) const WHATSAPP_GROUP_MEMBERS: usize = 1024;

/// One instance's share of a job and how long it takes at its pace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Estimate {
    pub instance: String,
    pub operations: usize,
    /// Requests per second for its moderation methods; `None`: unpaced.
    pub rate: Option<f64>,
    /// At least this long (`None` when unpaced): one request per operation
    /// at the pace, before any retry, read or 429.
    pub seconds: Option<u64>,
    /// `*` rows among `operations`: each becomes one operation per group
    /// when the job runs, so the share is longer than said.
    pub every_group_rows: usize,
}

impl Estimate {
    /// `about 11 h at 0.5/s for wa-main`.
    pub(crate) fn sentence(&self) -> String {
        let every = match self.every_group_rows {
            0 => String::new(),
            n => format!(
                ", and longer: {} with `*` become one operation per group",
                crate::words::plural(n as u64, "row")
            ),
        };
        match (self.rate, self.seconds) {
            (Some(rate), Some(secs)) => format!(
                "about {} at {}/s for {} ({}){every}",
                crate::words::secs(Duration::from_secs(secs)),
                pace(rate),
                self.instance,
                crate::words::plural(self.operations as u64, "operation")
            ),
            _ => format!(
                "{} unpaced for {}{every}",
                crate::words::plural(self.operations as u64, "operation"),
                self.instance
            ),
        }
    }
}

/// `5`, `0.5`, `0.71`: a pace without trailing zeros.
fn pace(rate: f64) -> String {
    let text = format!("{rate:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Each instance's share of `ops`, at the pace `run` would choose: `rate`
/// when given (`--rate`), else the instance's own, else half the limit.
pub(crate) fn estimate<'a>(
    ops: impl IntoIterator<Item = &'a Operation>,
    instances: &Instances,
    rate: Option<Rate>,
) -> Vec<Estimate> {
    let mut per: BTreeMap<&str, (usize, usize, Vec<Action>)> = BTreeMap::new();
    for op in ops {
        let (n, every, actions) = per.entry(&op.instance).or_default();
        *n += 1;
        *every += usize::from(&*op.chat_id == EVERY_GROUP);
        if !actions.contains(&op.action) {
            actions.push(op.action);
        }
    }
    per.into_iter()
        .map(|(name, (operations, every_group_rows, actions))| {
            let rate = instances.get(name).and_then(|i| {
                let asked = rate.or(i.rate.map(Rate::PerSecond));
                actions
                    .iter()
                    .filter_map(|a| rate::choose(asked, a.method(), i.platform, &i.limits).0)
                    .reduce(f64::min)
            });
            Estimate {
                instance: name.to_owned(),
                operations,
                rate,
                seconds: rate.map(|r| (operations as f64 / r).ceil() as u64),
                every_group_rows,
            }
        })
        .collect()
}

/// A warning for each WhatsApp group whose operations name more people
/// than such a group can have members, at the line of the first one over.
pub(crate) fn oversized_groups(
    ops: &[Operation],
    at: &dyn Fn(u32) -> Option<Source>,
) -> Vec<Diagnostic> {
    let mut people: HashMap<(&str, &str), HashSet<&str>> = HashMap::new();
    let mut warned = HashSet::new();
    let mut found = Vec::new();
    for op in ops.iter().filter(|o| o.platform == Platform::WhatsApp) {
        let group = (&*op.instance, &*op.chat_id);
        if group.1 == EVERY_GROUP || warned.contains(&group) {
            continue;
        }
        let named = people.entry(group).or_default();
        named.insert(&op.participant_id);
        if named.len() > WHATSAPP_GROUP_MEMBERS {
            warned.insert(group);
            let d = Diagnostic::warning(
                at(op.source.line),
                format!(
                    "`{}` gets operations for more than 1,024 people, and no WhatsApp group has more members than that",
                    op.chat_id
                ),
            )
            .field("chat_id")
            .hint("is it the group meant? A manifest with one group's ID pasted down a column looks like this");
            found.push(d);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_are_said_without_trailing_zeros() {
        assert_eq!(pace(5.0), "5");
        assert_eq!(pace(0.5), "0.5");
        assert_eq!(pace(1.0 / 1.4), "0.71");
    }

    #[test]
    fn an_estimate_is_a_sentence() {
        let e = Estimate {
            instance: "wa-main".into(),
            operations: 200_000,
            rate: Some(5.0),
            seconds: Some(40_000),
            every_group_rows: 0,
        };
        assert_eq!(
            e.sentence(),
            "about 11 h 6 min at 5/s for wa-main (200000 operations)"
        );
    }
}

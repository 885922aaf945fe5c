//! What a run would send, worked out offline: the operations grouped per
//! group (instance and chat), in manifest order, leaving out those a results
//! file already records as finished. `plan` prints it; `run --dry-run` is
//! meant to print the same.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

use super::estimate::Estimate;
use super::{EVERY_GROUP, OpId, Operation};
use crate::colour::{self, Tone};
use crate::greenapi::{Action, Platform};

/// One operation as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Step {
    pub op_id: OpId,
    pub action: Action,
    pub participant_id: String,
    /// `file:line` where the manifest asks for it.
    pub source: String,
}

/// The operations on one group through one instance, in manifest order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Group {
    #[serde(serialize_with = "as_str")]
    pub instance: Arc<str>,
    pub platform: Platform,
    pub chat_id: String,
    pub steps: Vec<Step>,
}

fn as_str<S: serde::Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

/// What a run would send.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Plan {
    /// In order of each group's first operation in the manifest.
    pub groups: Vec<Group>,
    /// Operations left to send.
    pub to_send: usize,
    /// Operations left out because `skip` said so (already finished).
    pub skipped: usize,
    /// Operations per action, over `to_send`, in [`Action::ALL`] order.
    pub per_action: Vec<(Action, usize)>,
    /// How long each instance's share takes at its pace (set by the
    /// caller, who knows the instances).
    pub estimates: Vec<Estimate>,
}

/// The plan for `ops`, leaving out every operation `skip` accepts (the
/// runner passes "the results file records it as finished").
pub(crate) fn build(ops: &[Operation], skip: &dyn Fn(OpId) -> bool) -> Plan {
    let mut plan = Plan::default();
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut counts = [0usize; 4];
    for op in ops {
        if skip(op.op_id) {
            plan.skipped += 1;
            continue;
        }
        let k = *index.entry((&op.instance, &op.chat_id)).or_insert_with(|| {
            plan.groups.push(Group {
                instance: op.instance.clone(),
                platform: op.platform,
                chat_id: op.chat_id.to_string(),
                steps: Vec::new(),
            });
            plan.groups.len() - 1
        });
        plan.groups[k].steps.push(Step {
            op_id: op.op_id,
            action: op.action,
            participant_id: op.participant_id.to_string(),
            source: op.source.to_string(),
        });
        plan.to_send += 1;
        counts[Action::ALL
            .iter()
            .position(|a| *a == op.action)
            .unwrap_or(0)] += 1;
    }
    plan.per_action = Action::ALL
        .into_iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .collect();
    plan
}

/// The plan for people: a heading, then each group with its steps; in
/// colour when stdout has it (see [`colour`]).
pub(crate) fn render_text(plan: &Plan, manifest: &str, out: &mut dyn Write) -> io::Result<()> {
    let paint = colour::stdout();
    let per: Vec<String> = plan
        .per_action
        .iter()
        .map(|(a, n)| format!("{a} {n}"))
        .collect();
    writeln!(
        out,
        "{}: {} operation{} to send in {} group{}{}{}",
        paint.paint(Tone::Strong, manifest),
        plan.to_send,
        if plan.to_send == 1 { "" } else { "s" },
        plan.groups.len(),
        if plan.groups.len() == 1 { "" } else { "s" },
        if per.is_empty() {
            String::new()
        } else {
            format!(" ({})", per.join(", "))
        },
        if plan.skipped > 0 {
            format!("; {} already done", plan.skipped)
        } else {
            String::new()
        },
    )?;
    for e in &plan.estimates {
        writeln!(out, "  {}", e.sentence())?;
    }
    for g in &plan.groups {
        writeln!(out)?;
        let group = match g.chat_id == EVERY_GROUP {
            // Listed when the job runs: `plan --live` and `run` expand it.
            true => format!("every group of `{}`", g.instance),
            false => g.chat_id.clone(),
        };
        writeln!(
            out,
            "{} via {} ({}), {} operation{}:",
            paint.paint(Tone::Strong, &group),
            g.instance,
            g.platform,
            g.steps.len(),
            if g.steps.len() == 1 { "" } else { "s" }
        )?;
        let width = g
            .steps
            .iter()
            .map(|s| s.participant_id.len())
            .max()
            .unwrap_or(0);
        for s in &g.steps {
            writeln!(
                out,
                "  {:<7} {:<width$}  {}  {}",
                paint.paint(action_tone(s.action), s.action.as_str()),
                s.participant_id,
                paint.paint(Tone::Dim, s.op_id),
                paint.paint(Tone::Dim, &s.source)
            )?;
        }
    }
    Ok(())
}

/// Removals and demotions take something away; additions and promotions give.
fn action_tone(action: Action) -> Tone {
    match action {
        Action::Remove | Action::Demote => Tone::Bad,
        Action::Add | Action::Promote => Tone::Good,
    }
}

/// The plan for machines: one JSON document with stable field names.
pub(crate) fn render_json(plan: &Plan, manifest: &str, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        manifest: &'a str,
        to_send: usize,
        skipped: usize,
        per_action: BTreeMap<&'static str, usize>,
        estimates: &'a [Estimate],
        groups: &'a [Group],
    }
    let doc = Doc {
        manifest,
        to_send: plan.to_send,
        skipped: plan.skipped,
        per_action: plan
            .per_action
            .iter()
            .map(|(a, n)| (a.as_str(), *n))
            .collect(),
        estimates: &plan.estimates,
        groups: &plan.groups,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Source;

    fn op(line: u32, instance: &str, action: Action, chat: &str, participant: &str) -> Operation {
        Operation {
            op_id: OpId::new(Platform::WhatsApp, "1", action, chat, participant),
            source: Source {
                file: "m.csv".into(),
                line,
                cell: None,
            },
            action,
            platform: Platform::WhatsApp,
            instance: instance.into(),
            chat_id: chat.into(),
            participant_id: participant.into(),
        }
    }

    #[test]
    fn groups_by_instance_and_chat_in_first_seen_order_and_skips() {
        let ops = [
            op(2, "a", Action::Add, "g2", "p1"),
            op(3, "a", Action::Remove, "g1", "p2"),
            op(4, "b", Action::Remove, "g2", "p3"),
            op(5, "a", Action::Promote, "g2", "p1"),
            op(6, "a", Action::Remove, "g1", "p4"),
        ];
        let skipped = ops[4].op_id;
        let plan = build(&ops, &|id| id == skipped);
        let shape: Vec<(String, String, Vec<u32>)> = plan
            .groups
            .iter()
            .map(|g| {
                (
                    g.instance.to_string(),
                    g.chat_id.clone(),
                    g.steps
                        .iter()
                        .map(|s| s.source.rsplit(':').next().unwrap().parse().unwrap())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("a".into(), "g2".into(), vec![2, 5]),
                ("a".into(), "g1".into(), vec![3]),
                ("b".into(), "g2".into(), vec![4])
            ]
        );
        assert_eq!((plan.to_send, plan.skipped), (4, 1));
        assert_eq!(
            plan.per_action,
            [(Action::Remove, 2), (Action::Add, 1), (Action::Promote, 1)]
        );
        let mut text = Vec::new();
        render_text(&plan, "m.csv", &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("m.csv: 4 operations to send in 3 groups (remove 2, add 1, promote 1); 1 already done\n"), "{text}");
    }
}

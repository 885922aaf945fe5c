//! Printing a live plan: a table per group with its counts, or JSON. A
//! group is named by its subject where its read told one
//! ([`subjects::label`]); JSON adds `subject` beside `chat_id`.

use std::io::{self, Write};

use crate::colour::{self, Tone};
use crate::runner::live::plan::LivePlan;
use crate::sanitise;
use crate::subjects;

/// The predictions, in the order the tables and totals list them.
const KINDS: [&str; 4] = ["change", "already", "refused", "unknown"];

fn counts(count: impl Fn(&str) -> usize) -> String {
    KINDS
        .iter()
        .filter(|k| **k != "unknown" || count(k) > 0)
        .map(|k| format!("{} {k}", count(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table per group: its counts, then one line per operation; in colour
/// when stdout has it.
pub(crate) fn render_text(plan: &LivePlan, manifest: &str, out: &mut dyn Write) -> io::Result<()> {
    let paint = colour::stdout();
    let total = |k: &str| plan.groups.iter().map(|g| g.count(k)).sum::<usize>();
    let ops: usize = plan.groups.iter().map(|g| g.operations.len()).sum();
    writeln!(
        out,
        "live plan for {manifest}: {} in {}: {}",
        crate::words::plural(ops as u64, "operation"),
        crate::words::plural(plan.groups.len() as u64, "group"),
        counts(total)
    )?;
    for group in &plan.groups {
        writeln!(out)?;
        writeln!(
            out,
            "{} ({}) {}: {}",
            group.instance,
            group.platform,
            paint.paint(
                Tone::Strong,
                subjects::label(&group.chat_id, group.subject.as_deref())
            ),
            counts(|k| group.count(k))
        )?;
        if let Some(error) = &group.error {
            writeln!(out, "  could not be read: {}", sanitise::terminal(error))?;
        }
        for item in &group.operations {
            let reason = item
                .reason
                .as_deref()
                .map(|r| format!("  {r}"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:<8} {:<8} {:<28} {}{}",
                paint.paint(prediction_tone(item.prediction), item.prediction),
                item.action.as_str(),
                item.participant_id,
                item.source,
                reason
            )?;
        }
    }
    Ok(())
}

/// `change` is what will be sent; `already` needs nothing; `refused` needs a person.
fn prediction_tone(prediction: &str) -> Tone {
    match prediction {
        "change" => Tone::Note,
        "already" => Tone::Good,
        "refused" => Tone::Bad,
        _ => Tone::Retry,
    }
}

/// The plan as one JSON document, with totals.
pub(crate) fn render_json(plan: &LivePlan, manifest: &str, out: &mut dyn Write) -> io::Result<()> {
    let totals: serde_json::Map<String, serde_json::Value> = KINDS
        .iter()
        .map(|k| {
            (
                k.to_string(),
                plan.groups.iter().map(|g| g.count(k)).sum::<usize>().into(),
            )
        })
        .collect();
    // Server text as the text form shows it: no controls, no bidi
    // overrides, no piece of a token.
    let shown = |t: &String| sanitise::terminal(t).into_owned();
    let groups: Vec<_> = plan
        .groups
        .iter()
        .map(|g| {
            let mut g = g.clone();
            g.error = g.error.as_ref().map(shown);
            g.subject = g.subject.as_deref().and_then(subjects::shown);
            for op in &mut g.operations {
                op.reason = op.reason.as_ref().map(shown);
            }
            g
        })
        .collect();
    let doc = serde_json::json!({ "manifest": manifest, "totals": totals, "groups": groups });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

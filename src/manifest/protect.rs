//! The `protect` list, as manifests and desired-state files both write it:
//! people never removed or demoted, each ID checked on every platform (a
//! list may serve instances of both) and kept with the line that protects it.

use std::collections::HashMap;

use yaml_serde::Value;

use super::{Diagnostic, Source, scalar};
use crate::greenapi::Platform;
use crate::greenapi::ids::{self, IdKind, IdProblem};
use crate::yaml_lines::{Lines, line_no};

/// What reads a `protect` list: where its diagnostics go, and the list.
pub(crate) trait Protects {
    fn at(&self, line: u32) -> Option<Source>;
    fn report(&mut self, d: Diagnostic);
    /// Canonical protected IDs and the line that protects each.
    fn protected(&mut self) -> &mut HashMap<String, u32>;
}

/// Adds the entry `raw`, written at `line`: under each canonical form it
/// has on some platform, with a note when it was rewritten to get there
/// and a warning when its WhatsApp number is doubtful.
pub(crate) fn add(to: &mut impl Protects, raw: &str, line: u32) {
    for id in forms(to, raw, line, "protect") {
        to.protected().entry(id).or_insert(line);
    }
}

/// The canonical forms of the person ID `raw` (written at `line` under
/// `field`) on every platform where it is one, with a note when it was
/// rewritten and a warning when its WhatsApp number is doubtful; none (an
/// error reported) when it is a person on no platform. A list at the top
/// of a file may serve instances of both platforms, so `protect` and
/// `banned` both read their IDs so.
pub(crate) fn forms(to: &mut impl Protects, raw: &str, line: u32, field: &str) -> Vec<String> {
    let shown = ids::trim(raw);
    let mut found = Vec::new();
    let mut national = None;
    let mut doubts = Vec::new();
    let mut on_max = false;
    for p in Platform::ALL {
        match ids::check(p, IdKind::Person, raw) {
            Ok(c) => {
                if let Some(note) = c.note(raw) {
                    to.report(Diagnostic::note(to.at(line), note).field(field));
                }
                on_max |= p == Platform::Max;
                doubts.extend(c.doubt());
                found.push(c.id.into_owned());
            }
            Err(problem @ IdProblem::National { .. }) => national = Some(problem),
            Err(_) => {}
        }
    }
    // Plain digits are also a MAX person, whose IDs are no phone numbers:
    // their WhatsApp reading is one of two, too unsure to warn about.
    if !on_max {
        for doubt in doubts {
            let d = Diagnostic::warning(to.at(line), doubt.message)
                .field(field)
                .hint(doubt.hint);
            to.report(d);
        }
    }
    if !found.is_empty() {
        return found;
    }
    let d = match national {
        Some(problem) => Diagnostic::error(to.at(line), format!("`{shown}` {problem}"))
            .hint(problem.hint(Platform::WhatsApp, IdKind::Person)),
        None => Diagnostic::error(to.at(line), format!("`{shown}` is not a person ID")).hint(
            format!("{field} lists people, like `79001234565@c.us` (WhatsApp) or `10000000` (MAX)"),
        ),
    };
    to.report(d.field(field));
    found
}

/// Reads a YAML `protect:` value whose key is at line index `at`: each item
/// at its own line when the text shows them, else at the key's.
pub(crate) fn read(to: &mut impl Protects, value: &Value, at: Option<usize>, lines: &Lines<'_>) {
    read_list(to, value, at, lines, "protect", add);
}

/// Reads a top-level YAML list of participants under `field` (`protect`,
/// `banned`), handing each item and its line to `each`.
pub(crate) fn read_list<T: Protects>(
    to: &mut T,
    value: &Value,
    at: Option<usize>,
    lines: &Lines<'_>,
    field: &str,
    mut each: impl FnMut(&mut T, &str, u32),
) {
    let key_line = at.map_or(1, line_no);
    let Value::Sequence(items) = value else {
        if !value.is_null() {
            let d =
                Diagnostic::error(to.at(key_line), "must be a list of participants").field(field);
            to.report(d);
        }
        return;
    };
    let found = at
        .and_then(|a| lines.block_items(Some(a), lines.len(), 0))
        .filter(|(l, _)| l.len() == items.len());
    for (k, item) in items.iter().enumerate() {
        let line = found.as_ref().map_or(key_line, |(l, _)| line_no(l[k]));
        match scalar(item) {
            Some(id) => each(to, &id, line),
            None => {
                let d = Diagnostic::error(to.at(line), "must be a participant ID").field(field);
                to.report(d);
            }
        }
    }
}

//! The `protect` list, as manifests and desired-state files both write it:
//! people never removed or demoted, each ID checked on every platform (a
//! list may serve instances of both) and kept with the line that protects it.

use std::collections::HashMap;

use yaml_serde::Value;

use super::yaml_lines::{Lines, line_no};
use super::{Diagnostic, Source, scalar};
use crate::greenapi::Platform;
use crate::greenapi::ids::{self, IdKind};

/// What reads a `protect` list: where its diagnostics go, and the list.
pub(crate) trait Protects {
    fn at(&self, line: u32) -> Option<Source>;
    fn report(&mut self, d: Diagnostic);
    /// Canonical protected IDs and the line that protects each.
    fn protected(&mut self) -> &mut HashMap<String, u32>;
}

/// Adds the entry `raw`, written at `line`: under each canonical form it
/// has on some platform, with a note when it was rewritten to get there.
pub(crate) fn add(to: &mut impl Protects, raw: &str, line: u32) {
    let shown = ids::trim(raw);
    let mut any = false;
    for p in Platform::ALL {
        if let Ok(c) = ids::check(p, IdKind::Person, raw) {
            if c.normalised && c.id != shown {
                let d = Diagnostic::note(to.at(line), format!("`{shown}` is read as `{}`", c.id))
                    .field("protect");
                to.report(d);
            }
            to.protected().entry(c.id.into_owned()).or_insert(line);
            any = true;
        }
    }
    if !any {
        let d = Diagnostic::error(to.at(line), format!("`{shown}` is not a person ID"))
            .field("protect")
            .hint("protect lists people, like `79001234565@c.us` (WhatsApp) or `10000000` (MAX)");
        to.report(d);
    }
}

/// Reads a YAML `protect:` value whose key is at line index `at`: each item
/// at its own line when the text shows them, else at the key's.
pub(crate) fn read(to: &mut impl Protects, value: &Value, at: Option<usize>, lines: &Lines<'_>) {
    let key_line = at.map_or(1, line_no);
    let Value::Sequence(items) = value else {
        if !value.is_null() {
            let d = Diagnostic::error(to.at(key_line), "must be a list of participants")
                .field("protect");
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
            Some(id) => add(to, &id, line),
            None => {
                let d = Diagnostic::error(to.at(line), "must be a participant ID").field("protect");
                to.report(d);
            }
        }
    }
}

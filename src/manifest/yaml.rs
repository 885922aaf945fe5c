//! YAML manifests: an optional default `instance`, an optional `protect`
//! list, and `operations`, each with `action`, `chat_id` (or `groupId`,
//! `chatId`), `participant_id` (or `participantChatId`) or a `participants`
//! list, and optionally `instance`.
//!
//! The document is parsed whole with yaml_serde (its alias-expansion and
//! nesting limits stop alias bombs and deep nesting with an error), then
//! walked here, item by item, so that every problem is reported, not only
//! the first. Lines come from [`crate::yaml_lines`].

use std::sync::Arc;

use yaml_serde::Value;

use super::Diagnostic;
use super::protect;
use super::validate::Validator;
use crate::instances;
use crate::yaml_lines::{Lines, line_no};

mod item;

use item::operation;

/// Reads the YAML manifest `bytes` into `v`.
pub(crate) fn read(bytes: &[u8], v: &mut Validator) {
    let (root, text) = match parse_document(bytes, &|line| v.at(line)) {
        Ok(parsed) => parsed,
        Err(d) => return v.report(d),
    };
    let Value::Mapping(top) = root else {
        let d = Diagnostic::error(v.at(1), if root.is_null() { "the manifest is empty" } else { "is not a map with `operations`" })
            .hint("a YAML manifest is a map with an `operations` list (and optionally `instance` and `protect`)");
        return v.report(d);
    };
    let lines = Lines::new(text);
    let all = 0..lines.len();
    let key_line = |k: &str| lines.key(all.clone(), 0, k).map(|(l, _)| l);
    // Keys' lines are looked up only where a diagnostic needs one: a scan per
    // key would make a file of many unknown keys quadratic.
    // Lines of top-level unknown keys are 0 until needed.
    let mut unknown: Vec<(String, u32)> = Vec::new();
    let mut operations = None;
    for (k, value) in &top {
        let key = scalar(k).unwrap_or_default();
        let line = || key_line(&key).map_or(1, line_no);
        match norm(&key).as_str() {
            "instance" => match scalar(value) {
                Some(name) if !name.is_empty() => v.default_instance = Arc::from(name.as_str()),
                _ => v.report(
                    Diagnostic::error(v.at(line()), "must be an instance name").field("instance"),
                ),
            },
            "protect" => protect::read(v, value, key_line(&key), &lines),
            "operations" => operations = Some((value, key_line(&key))),
            _ if instances::is_token_key(&key) => {
                let d = Diagnostic::error(v.at(line()), "a token is written literally")
                    .field(key)
                    .hint(instances::LITERAL_TOKEN_HINT);
                v.report(d);
            }
            _ => unknown.push((key, 0)),
        }
    }
    match operations {
        Some((Value::Sequence(items), at)) => {
            let found = at
                .and_then(|a| lines.block_items(Some(a), lines.len(), 0))
                .filter(|(l, _)| l.len() == items.len());
            for (k, item) in items.iter().enumerate() {
                let span = found
                    .as_ref()
                    .map(|(starts, end)| (starts[k], starts.get(k + 1).copied().unwrap_or(*end)));
                let fallback = at.map_or(1, line_no);
                operation(item, span, fallback, &lines, v, &mut unknown);
            }
        }
        Some((_, at)) => {
            let d = Diagnostic::error(v.at(at.map_or(1, line_no)), "must be a list of operations")
                .field("operations");
            v.report(d);
        }
        None if unknown.iter().any(|(k, _)| norm(k) == "groups") => {
            let d = Diagnostic::error(v.at(1), "is missing, and `groups` is given: this is a desired-state file, not an operations manifest")
                .field("operations")
                .hint("run a desired-state file with `greenbatch sync FILE` (or see what it would change with `greenbatch sync --dry-run FILE`)");
            v.report(d);
        }
        None => {
            let d = Diagnostic::error(v.at(1), "is missing")
                .field("operations")
                .hint("list the operations under `operations:`");
            v.report(d);
        }
    }
    if let Some((first, line)) = unknown.first() {
        let line = match line {
            0 => key_line(first).map_or(1, line_no),
            known => *known,
        };
        let mut names: Vec<&str> = unknown.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        let d = Diagnostic::warning(v.at(line), format!("not used, ignored: {}", names.join(", ")))
            .hint("known keys: instance, protect, operations; in an operation: action, chat_id, participant_id, participants, instance");
        v.report(d);
    }
}

/// Parses a whole YAML document (a manifest or a desired-state file) with
/// merge keys applied, or the one diagnostic that says why it cannot be
/// read: not UTF-8, a NUL byte, an alias bomb, nesting too deep, a syntax
/// error. `at` places a line in the file.
pub(crate) fn parse_document<'t>(
    bytes: &'t [u8],
    at: &dyn Fn(u32) -> Option<crate::manifest::Source>,
) -> Result<(Value, &'t str), Diagnostic> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = line_at(bytes, e.valid_up_to());
            return Err(Diagnostic::error(at(line), "is not valid UTF-8")
                .hint("a manifest is UTF-8 text; check that the right file was given"));
        }
    };
    if let Some(found) = text.find('\0') {
        return Err(Diagnostic::error(
            at(line_at(bytes, found)),
            "contains a NUL byte: this looks like a binary file, not a YAML manifest",
        )
        .hint("a manifest is UTF-8 text; check that the right file was given"));
    }
    let mut root: Value = match yaml_serde::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let line = e
                .location()
                .map_or(1, |l| u32::try_from(l.line()).unwrap_or(u32::MAX));
            let text = e.to_string();
            return Err(if text.contains("repetition limit") {
                Diagnostic::error(at(line), "its aliases expand too far (an alias bomb?)")
                    .hint("write the operations out instead of nesting aliases")
            } else if text.contains("recursion limit") {
                Diagnostic::error(at(line), "is nested too deeply")
                    .hint("a manifest needs three levels: the top, `operations`, an operation")
            } else {
                Diagnostic::error(at(line), format!("not valid YAML: {text}"))
                    .hint("check the indentation and quoting around this line")
            });
        }
    };
    if let Err(e) = root.apply_merge() {
        return Err(Diagnostic::error(at(1), format!("not valid YAML: {e}")));
    }
    Ok((root, text))
}

/// `key` without case, `_`, `-` or spaces: `chatId` and `chat_id` alike.
pub(crate) fn norm(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A scalar as text: integers too, since an unquoted MAX ID is one.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn line_at(bytes: &[u8], offset: usize) -> u32 {
    let n = bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    line_no(n)
}

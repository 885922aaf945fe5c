//! One item of a YAML manifest's `operations`: its keys (with the API's
//! names as aliases), then one row per participant, each at its own line
//! when the `participants` list is in block style.

use yaml_serde::Value;

use super::{norm, scalar};
use crate::instances;
use crate::manifest::Diagnostic;
use crate::manifest::validate::{Raw, Validator};
use crate::yaml_lines::{Lines, line_no};

/// One item of `operations`; `span` is its first line and the line after it
/// when the scan found them.
pub(super) fn operation(
    item: &Value,
    span: Option<(usize, usize)>,
    fallback: u32,
    lines: &Lines<'_>,
    v: &mut Validator,
    unknown: &mut Vec<(String, u32)>,
) {
    let line = span.map_or(fallback, |(s, _)| line_no(s));
    let Value::Mapping(map) = item else {
        let d = Diagnostic::error(v.at(line), "an operation is a map")
            .hint("give action, chat_id and participant_id (or participants)");
        return v.report(d);
    };
    let (mut action, mut chat, mut participant, mut participants, mut instance) =
        (None, None, None, None, None);
    let mut bad = false;
    for (k, value) in map {
        let key = scalar(k).unwrap_or_default();
        let n = norm(&key);
        if instances::is_token_key(&key) {
            let d = Diagnostic::error(v.at(line), "a token is written literally")
                .field(key)
                .hint(instances::LITERAL_TOKEN_HINT);
            v.report(d);
            bad = true;
            continue;
        }
        if n == "participants" {
            participants = Some((key, value));
            continue;
        }
        let slot = match n.as_str() {
            "action" => &mut action,
            "chatid" | "groupid" => &mut chat,
            "participantid" | "participantchatid" | "participant" => &mut participant,
            "instance" => &mut instance,
            _ => {
                unknown.push((key, line));
                continue;
            }
        };
        match scalar(value) {
            Some(s) => *slot = Some(s),
            None => {
                v.report(Diagnostic::error(v.at(line), "must be a single value").field(key));
                bad = true;
            }
        }
    }
    if bad {
        return;
    }
    let raw = Raw {
        line,
        item_line: line,
        action: action.as_deref(),
        chat: chat.as_deref(),
        participant: participant.as_deref(),
        instance: instance.as_deref(),
    };
    let Some((key, list)) = participants else {
        return v.push(raw);
    };
    if participant.is_some() {
        let d = Diagnostic::error(v.at(line), "both participant_id and participants are given")
            .field(key)
            .hint("list every participant under `participants`");
        return v.report(d);
    }
    let Value::Sequence(list) = list else {
        return v
            .report(Diagnostic::error(v.at(line), "must be a list of participant IDs").field(key));
    };
    if list.is_empty() {
        return v.report(Diagnostic::error(v.at(line), "is empty").field(key));
    }
    // Each participant's own line when the list is in block style.
    let own = span.and_then(|(start, end)| {
        let col = lines.item_content_column(start);
        let (at, rest) = lines.key(start..end, col, &key)?;
        if !rest.is_empty() && !rest.starts_with('#') {
            return Some(vec![line_no(at); list.len()]);
        }
        let (items, _) = lines.block_items(Some(at), end, col)?;
        (items.len() == list.len()).then(|| items.into_iter().map(line_no).collect())
    });
    for (k, p) in list.iter().enumerate() {
        let pline = own.as_ref().map_or(line, |l| l[k]);
        match scalar(p) {
            Some(id) => v.push(Raw {
                line: pline,
                participant: Some(&id),
                ..raw
            }),
            None => v.report(
                Diagnostic::error(v.at(pline), "must be a participant ID").field(key.clone()),
            ),
        }
    }
}

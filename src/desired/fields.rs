//! The keys of one group of a desired-state file, each with its line, and
//! whether a known key has the wrong shape: a list where a list is due,
//! `true` or `false` for the flags, single values elsewhere.

use yaml_serde::Value;

use super::ctx::Ctx;
use crate::instances;
use crate::manifest::{Diagnostic, norm, scalar};
use crate::yaml_lines::{Lines, line_no};

const GROUP_KEYS_HINT: &str = "a group has chat_id, and optionally instance, members, members_file (with members_sheet for a workbook), admins, remove_others, demote_others and banned";

/// A list's items as written, each with its line.
pub(super) type Written = Vec<(String, u32)>;

/// The keys of one group as written.
#[derive(Default)]
pub(super) struct Fields {
    pub chat: Option<(String, u32)>,
    pub instance: Option<(String, u32)>,
    pub members: Option<(Written, u32)>,
    pub members_file: Option<(String, u32)>,
    /// The sheet of a workbook `members_file` (its first sheet without it).
    pub members_sheet: Option<(String, u32)>,
    pub admins: Option<(Written, u32)>,
    pub remove_others: Option<(bool, u32)>,
    pub demote_others: Option<(bool, u32)>,
    pub banned: Option<(Written, u32)>,
}

/// The keys of one group, with their lines, and whether one of them has
/// the wrong shape (reported; unknown keys are reported too).
pub(super) fn fields(
    map: &yaml_serde::Mapping,
    span: Option<(usize, usize)>,
    line: u32,
    lines: &Lines<'_>,
    ctx: &mut Ctx,
) -> (Fields, bool) {
    let col = span.map(|(start, _)| lines.item_content_column(start));
    let mut f = Fields::default();
    let mut bad = false;
    for (k, value) in map {
        let key = scalar(k).unwrap_or_default();
        // The key's own line, and what follows its colon, when the scan finds it.
        let found = span.zip(col).and_then(|((start, end), col)| {
            lines
                .key(start..end, col, &key)
                .map(|(at, rest)| (at, rest, end, col))
        });
        let key_line = found.map_or(line, |(at, ..)| line_no(at));
        if instances::is_token_key(&key) {
            let d = Diagnostic::error(ctx.at(key_line), "a token is written literally")
                .field(key)
                .hint(instances::LITERAL_TOKEN_HINT);
            ctx.report(d);
            bad = true;
            continue;
        }
        let single = |ctx: &mut Ctx, what: &str| match scalar(value) {
            Some(s) if instances::looks_like_token(&s) => {
                let d = Diagnostic::error(ctx.at(key_line), "holds what looks like an API token")
                    .field(key.clone())
                    .hint(instances::LITERAL_TOKEN_HINT);
                ctx.report(d);
                None
            }
            Some(s) => Some((s, key_line)),
            None => {
                let d = Diagnostic::error(ctx.at(key_line), format!("must be {what}"))
                    .field(key.clone());
                ctx.report(d);
                None
            }
        };
        let flag = |ctx: &mut Ctx| match value {
            Value::Bool(b) => Some((*b, key_line)),
            _ => {
                let d =
                    Diagnostic::error(ctx.at(key_line), "must be true or false").field(key.clone());
                ctx.report(d);
                None
            }
        };
        let list = |ctx: &mut Ctx| -> Option<(Written, u32)> {
            let Value::Sequence(items) = value else {
                let d = Diagnostic::error(ctx.at(key_line), "must be a list of participant IDs")
                    .field(key.clone())
                    .hint(
                        "write `[79001234565@c.us, \"+7 900 123-45-66\"]`, or one `- ID` per line",
                    );
                ctx.report(d);
                return None;
            };
            // Each item's own line when the list is in block style.
            let own = found.and_then(|(at, rest, end, col)| {
                if !rest.is_empty() && !rest.starts_with('#') {
                    return None;
                }
                let (starts, _) = lines.block_items(Some(at), end, col)?;
                (starts.len() == items.len()).then_some(starts)
            });
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                let at = own.as_ref().map_or(key_line, |s| line_no(s[i]));
                match scalar(item) {
                    Some(id) => out.push((id, at)),
                    None => {
                        let d = Diagnostic::error(ctx.at(at), "must be a participant ID")
                            .field(key.clone());
                        ctx.report(d);
                        ok = false;
                    }
                }
            }
            ok.then_some((out, key_line))
        };
        let taken = match norm(&key).as_str() {
            "chatid" | "groupid" => single(ctx, "a group ID").map(|v| f.chat = Some(v)),
            "instance" => single(ctx, "an instance name").map(|v| f.instance = Some(v)),
            "members" => list(ctx).map(|v| f.members = Some(v)),
            "membersfile" => single(ctx, "a file name").map(|v| f.members_file = Some(v)),
            "memberssheet" => single(ctx, "a sheet name").map(|v| f.members_sheet = Some(v)),
            "admins" => list(ctx).map(|v| f.admins = Some(v)),
            "removeothers" => flag(ctx).map(|v| f.remove_others = Some(v)),
            "demoteothers" => flag(ctx).map(|v| f.demote_others = Some(v)),
            "banned" => list(ctx).map(|v| f.banned = Some(v)),
            _ => {
                // Reported, but it tells nothing about the keys that are
                // known: their checks still run.
                let d = Diagnostic::error(ctx.at(key_line), "is not a key of a group")
                    .field(key.clone())
                    .hint(GROUP_KEYS_HINT);
                ctx.report(d);
                Some(())
            }
        };
        bad |= taken.is_none();
    }
    (f, bad)
}

//! Ban lists: who is never a member of a group the file manages. The
//! top-level `banned` applies to every group of the file, a group's own
//! `banned` to that group; each item is a person ID (read as `protect`
//! reads its IDs: on every platform at the top, on the group's platform in
//! a group) or a number prefix, `+` then 1 to 15 digits then `*`.
//!
//! A file that contradicts itself is refused here, each error naming both
//! lines: a participant both protected and banned by ID, or a wanted
//! member (or admin) of a group who is banned there by ID or by prefix. So
//! a sync never has to choose which of two rules the author meant.

use std::collections::HashMap;

use yaml_serde::Value;

use super::ctx::Ctx;
use super::model::{Ban, BanRule};
use crate::greenapi::Platform;
use crate::greenapi::ids;
use crate::manifest::protect;
use crate::manifest::{Diagnostic, Source};
use crate::yaml_lines::Lines;

const PREFIX_HINT: &str =
    "a number prefix is `+`, 1 to 15 digits of the international number, then `*`: `+23480*`";

/// The digits of a number prefix (`+23480*`), `Some(Err)` for an item
/// that means to be one (it has a `*`) but is not; `None` for an ID.
fn prefix(raw: &str) -> Option<Result<String, ()>> {
    let raw = ids::trim(raw);
    if !raw.contains('*') {
        return None;
    }
    let digits = raw.strip_prefix('+').and_then(|r| r.strip_suffix('*'));
    Some(match digits {
        Some(d) if (1..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(d.to_owned())
        }
        _ => Err(()),
    })
}

/// Reads the prefix `raw` at `line`, `None` when it is no valid one
/// (reported). `platform` is the group's, for a group's own list: a prefix
/// matches phone numbers, which MAX person IDs are not.
fn read_prefix(ctx: &mut Ctx, raw: &str, line: u32, platform: Option<Platform>) -> Option<Ban> {
    let shown = ids::trim(raw);
    let Ok(digits) = prefix(raw)? else {
        let d = Diagnostic::error(ctx.at(line), format!("`{shown}` is not a number prefix"))
            .field("banned")
            .hint(PREFIX_HINT);
        ctx.report(d);
        return None;
    };
    if platform == Some(Platform::Max) {
        let d = Diagnostic::error(
            ctx.at(line),
            format!("`{shown}` is a number prefix, and MAX person IDs are no phone numbers"),
        )
        .field("banned")
        .hint("ban MAX members by ID (digits, like `10000000`)");
        ctx.report(d);
        return None;
    }
    Some(Ban {
        rule: BanRule::Prefix(digits),
        line,
    })
}

/// Reports an ID banned at `line` that `protect` protects.
fn not_protected(ctx: &mut Ctx, id: &str, line: u32) {
    if let Some(&at) = ctx.protect.get(id) {
        let d = Diagnostic::error(
            ctx.at(line),
            format!("`{id}` is banned (line {line}) and protected (line {at})"),
        )
        .field("banned")
        .hint("protect means never removed, banned means always removed: take it out of one of the two lists");
        ctx.report(d);
    }
}

/// Reads the top-level `banned:` value whose key is at line index `at`
/// into `ctx.banned`.
pub(super) fn read_top(ctx: &mut Ctx, value: &Value, at: Option<usize>, lines: &Lines<'_>) {
    protect::read_list(ctx, value, at, lines, "banned", |ctx, raw, line| {
        if prefix(raw).is_some() {
            // A prefix never matches on MAX: no MAX group is told it.
            let ban = read_prefix(ctx, raw, line, None);
            ctx.banned.extend(ban);
            return;
        }
        for id in protect::forms(ctx, raw, line, "banned") {
            not_protected(ctx, &id, line);
            ctx.banned.push(Ban {
                rule: BanRule::Id(id),
                line,
            });
        }
    });
}

/// Reads a group's own `banned` list on `platform`; `person` checks an ID
/// against the group's platform (reporting its problems). The file's
/// top-level rules follow the group's own.
pub(super) fn read_group(
    ctx: &mut Ctx,
    list: &[(String, u32)],
    platform: Platform,
    mut person: impl FnMut(&mut Ctx, &str, Option<Source>) -> Option<String>,
) -> Vec<Ban> {
    let mut bans = Vec::new();
    for (raw, line) in list {
        if prefix(raw).is_some() {
            bans.extend(read_prefix(ctx, raw, *line, Some(platform)));
            continue;
        }
        let at = ctx.at(*line);
        if let Some(id) = person(ctx, raw, at) {
            not_protected(ctx, &id, *line);
            bans.push(Ban {
                rule: BanRule::Id(id),
                line: *line,
            });
        }
    }
    bans.extend(ctx.banned.iter().cloned());
    bans
}

/// Reports each wanted member (`members`, with the line that first wants
/// each) or admin of a group on `platform` that one of `bans` names.
pub(super) fn check_wanted(
    ctx: &mut Ctx,
    bans: &[Ban],
    platform: Platform,
    members: &HashMap<String, u32>,
    admins: &[(String, u32)],
) {
    let mut wanted: Vec<(&str, u32, &str)> = members
        .iter()
        .map(|(id, l)| (id.as_str(), *l, "member"))
        .chain(admins.iter().map(|(id, l)| (id.as_str(), *l, "admin")))
        .collect();
    wanted.sort();
    for ban in bans {
        for &(id, l, what) in &wanted {
            let names = [id.to_owned()];
            let number = (!ids::is_lid(id)).then_some(id);
            if !ban.rule.matches(&names, number, platform) {
                continue;
            }
            let rule = match &ban.rule {
                BanRule::Id(_) => "banned".to_owned(),
                BanRule::Prefix(_) => format!("banned by `{}`", ban.rule.shown()),
            };
            let d = Diagnostic::error(
                ctx.at(ban.line),
                format!(
                    "`{id}` is {rule} (line {}) and a wanted {what} of this group (line {l})",
                    ban.line
                ),
            )
            .field("banned")
            .hint("a file must not want whom it bans: take them out of the wanted list or the ban list, or narrow the prefix");
            ctx.report(d);
        }
    }
}

//! How a sync shows its plan: per group, the counts and (for `--dry-run`)
//! the participants, whom it leaves alone and why, and the refusal of a
//! mass removal; as text, or as one JSON document for machines. A group is
//! named by its subject where a read told it ([`subjects::label`]); JSON
//! adds `subject` beside `chat_id`.

use std::io::{self, Write};

use serde::Serialize;

use super::read::GroupPlan;
use crate::desired::{Changes, MaxRemovals, SpareReason};
use crate::greenapi::{Action, Platform};
use crate::sanitise::escaped;
use crate::subjects;

fn plural(n: usize, word: &str) -> String {
    crate::words::plural(n as u64, word)
}

/// `1 removal or demotion`, `3 removals or demotions`.
fn removals_or_demotions(n: usize) -> String {
    let s = crate::words::s(n as u64);
    format!("{n} removal{s} or demotion{s}")
}

/// The counts of one group's changes: `3 to remove, 2 to add`, or `no change`.
fn counts(c: &Changes) -> String {
    let parts: Vec<String> = [
        (c.remove.len(), "remove"),
        (c.demote.len(), "demote"),
        (c.add.len(), "add"),
        (c.promote.len(), "promote"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} to {what}"))
    .collect();
    match parts.is_empty() {
        true => "no change".to_owned(),
        false => parts.join(", "),
    }
}

/// A list of IDs as shown: at most `max`, the rest counted.
fn some(ids: &[String], max: usize) -> String {
    let mut shown: Vec<String> = ids
        .iter()
        .take(max)
        .map(|i| escaped(i).into_owned())
        .collect();
    if ids.len() > max {
        shown.push(format!("and {} more", ids.len() - max));
    }
    shown.join(", ")
}

/// The text plan: a line per group with its counts, the participants when
/// `detailed`, and what is left alone.
pub(crate) fn render_text(
    plans: &[GroupPlan],
    limit: MaxRemovals,
    detailed: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut total = 0;
    for p in plans {
        let g = &p.group;
        let head = format!("{} {}", escaped(&g.instance), p.label());
        let c = match &p.changes {
            Ok(c) => c,
            Err(e) => {
                writeln!(out, "{head}: not read: {}", escaped(e))?;
                continue;
            }
        };
        total += c.len();
        writeln!(out, "{head} ({} members): {}", c.members, counts(c))?;
        if detailed {
            for (action, who) in c.operations() {
                let why = match action {
                    Action::Remove => banned_by(c, who),
                    _ => String::new(),
                };
                writeln!(out, "  {:<8} {}{why}", action.as_str(), escaped(who))?;
            }
        }
        if let Some((removals, _)) = p.over(limit) {
            writeln!(
                out,
                "  refused: it would remove {removals} of {} members; --max-removals {limit} allows {}",
                c.members,
                limit.explain(c.members)
            )?;
        }
        if p.instance_admin == Some(false) && !c.is_empty() {
            writeln!(
                out,
                "  the instance is not an admin of this group: these changes will be refused"
            )?;
        }
        if let Some(why) = &p.own_unknown {
            writeln!(
                out,
                "  cannot send: {} need the instance's own number, which is unknown ({}); a sync never removes or demotes the instance itself, so it stops before sending",
                removals_or_demotions(p.withheld),
                escaped(why)
            )?;
        }
        let max = if detailed { 20 } else { 3 };
        if !c.linked_only.is_empty() {
            writeln!(
                out,
                "  left alone: {} listed only by linked ID (name them by linked ID in the file to manage them): {}",
                plural(c.linked_only.len(), "member"),
                some(&c.linked_only, max)
            )?;
        }
        if !c.protected.is_empty() {
            writeln!(
                out,
                "  left alone: {} protected: {}",
                plural(c.protected.len(), "member"),
                some(&c.protected, max)
            )?;
        }
        spared(c, max, out)?;
        if !c.unusable.is_empty() {
            writeln!(
                out,
                "  left alone: {} listed under an ID no request can name: {}",
                plural(c.unusable.len(), "member"),
                some(&c.unusable, max)
            )?;
        }
        if !c.unproven.is_empty() {
            let mut why = Vec::new();
            if c.unlisted > 0 {
                why.push(format!(
                    "it lists {} of {} members",
                    c.members - c.unlisted,
                    c.members
                ));
            }
            if c.listed_by_linked_id > 0 {
                why.push(format!("{} only by linked ID", c.listed_by_linked_id));
            }
            writeln!(
                out,
                "  not added: {} the list cannot show ({}): they may be members already; name them by linked ID, or add them with `greenbatch run`: {}",
                plural(c.unproven.len(), "wanted member"),
                why.join("; "),
                some(&c.unproven, max)
            )?;
        }
        if c.unlisted > 0 && c.unproven.is_empty() && detailed {
            writeln!(
                out,
                "  the list shows {} of {} members: those not listed are left alone",
                c.members - c.unlisted,
                c.members
            )?;
        }
    }
    let read = plans.iter().filter(|p| p.changes.is_ok()).count();
    writeln!(
        out,
        "{} read, {}{}",
        plural(read, "group"),
        plural(total, "change"),
        left_alone(plans)
    )?;
    Ok(())
}

/// `  (banned: line 3)`, `  (banned: +23480*, line 4)`: the rule that
/// removes `who`, or nothing when no ban rule does.
fn banned_by(c: &Changes, who: &str) -> String {
    match c.banned.iter().find(|b| b.participant == who) {
        Some(b) if b.rule == who => format!("  (banned: line {})", b.line),
        Some(b) => format!("  (banned: {}, line {})", escaped(&b.rule), b.line),
        None => String::new(),
    }
}

/// A line per ban rule and reason for the members the rules leave alone:
/// `  left alone: 1 admin matching +23480* (line 4): 2348012345@c.us`.
fn spared(c: &Changes, max: usize, out: &mut dyn Write) -> io::Result<()> {
    let mut kinds: Vec<(SpareReason, Option<&str>, Option<u32>)> = Vec::new();
    for s in &c.spared {
        let kind = (s.reason, s.rule.as_deref(), s.line);
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    for (reason, rule, line) in kinds {
        let who: Vec<String> = c
            .spared
            .iter()
            .filter(|s| (s.reason, s.rule.as_deref(), s.line) == (reason, rule, line))
            .map(|s| s.participant.clone())
            .collect();
        let why = match (rule, line) {
            (Some(rule), Some(line)) => format!("matching {} (line {line})", escaped(rule)),
            _ => "whom no number or prefix of the ban list can match".to_owned(),
        };
        writeln!(
            out,
            "  left alone: {} {why}: {}",
            reason.counted(who.len()),
            some(&who, max)
        )?;
    }
    Ok(())
}

/// `; left alone by the file's rules: 2 protected, 1 listed only by linked
/// ID; not added: 1 the list cannot show`, or nothing: what a sync leaves
/// undone under exit 0, and why.
fn left_alone(plans: &[GroupPlan]) -> String {
    let sum = |f: fn(&Changes) -> usize| -> usize {
        plans
            .iter()
            .filter_map(|p| p.changes.as_ref().ok())
            .map(f)
            .sum()
    };
    let alone: Vec<String> = [
        (sum(|c| c.protected.len()), "protected"),
        (sum(|c| c.linked_only.len()), "listed only by linked ID"),
        (sum(|c| c.unusable.len()), "under an ID no request can name"),
        (sum(|c| c.spared.len()), "spared by a ban rule"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, why)| format!("{n} {why}"))
    .collect();
    let mut out = String::new();
    if !alone.is_empty() {
        out.push_str(&format!(
            "; left alone by the file's rules: {}",
            alone.join(", ")
        ));
    }
    let unproven = sum(|c| c.unproven.len());
    if unproven > 0 {
        out.push_str(&format!("; not added: {unproven} the list cannot show"));
    }
    out
}

/// The stop of a sync whose removals or demotions need an own number
/// that could not be learned: each instance once, with why.
pub(crate) fn own_unknown(plans: &[GroupPlan]) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for p in plans {
        let Some(why) = &p.own_unknown else { continue };
        if seen.contains(&&*p.group.instance) {
            continue;
        }
        seen.push(&p.group.instance);
        let needed: usize = plans
            .iter()
            .filter(|q| q.group.instance == p.group.instance)
            .map(|q| q.withheld)
            .sum();
        lines.push(format!(
            "  instance `{}`: {} need its own number, which could not be learned: {}",
            escaped(&p.group.instance),
            removals_or_demotions(needed),
            escaped(why)
        ));
    }
    if lines.is_empty() {
        return None;
    }
    Some(format!(
        "error: the instance's own number is unknown, and a sync never removes or demotes the instance itself: nothing was sent to any group\n{}\n  hint: this is usually passing (the instance was busy or throttled); run the sync again (exit 3 asks for that)",
        lines.join("\n")
    ))
}

/// The refusal of a mass removal, when some group is over the limit.
pub(crate) fn refusal(plans: &[GroupPlan], limit: MaxRemovals) -> Option<String> {
    let over: Vec<String> = plans
        .iter()
        .filter_map(|p| {
            let (removals, _) = p.over(limit)?;
            let members = p.changes.as_ref().ok()?.members;
            Some(format!(
                "  {} {}: it would remove {removals} of {members} members; --max-removals {limit} allows {}",
                escaped(&p.group.instance),
                p.label(),
                limit.explain(members)
            ))
        })
        .collect();
    if over.is_empty() {
        return None;
    }
    let most = plans
        .iter()
        .filter_map(|p| p.over(limit))
        .map(|(r, _)| r)
        .max()
        .unwrap_or(0);
    Some(format!(
        "error: refusing a mass removal: nothing was sent to any group\n{}\n  hint: check the desired-state file and its members_file; if the removals are meant, raise the limit (`--max-removals {most}`, or a share such as `--max-removals 50%`)",
        over.join("\n")
    ))
}

/// Changes with every server-given ID escaped.
#[derive(Serialize)]
struct Shown {
    members: u64,
    unlisted: u64,
    remove: Vec<String>,
    demote: Vec<String>,
    add: Vec<String>,
    promote: Vec<String>,
    left_alone_linked_only: Vec<String>,
    left_alone_protected: Vec<String>,
    left_alone_unusable: Vec<String>,
    not_added: Vec<String>,
    /// Added with ban lists; absent without them, so the document
    /// of a file without bans stays as it was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    banned: Vec<Banned>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    left_alone_banned: Vec<Spared>,
}
/// A removal a ban rule sends.
#[derive(Serialize)]
struct Banned {
    participant: String,
    rule: String,
    line: u32,
}
/// A member a ban rule matches and leaves alone.
#[derive(Serialize)]
struct Spared {
    participant: String,
    reason: SpareReason,
    rule: Option<String>,
    line: Option<u32>,
}

impl Shown {
    fn of(c: &Changes) -> Shown {
        let esc =
            |v: &[String]| -> Vec<String> { v.iter().map(|s| escaped(s).into_owned()).collect() };
        Shown {
            members: c.members,
            unlisted: c.unlisted,
            remove: esc(&c.remove),
            demote: esc(&c.demote),
            add: esc(&c.add),
            promote: esc(&c.promote),
            left_alone_linked_only: esc(&c.linked_only),
            left_alone_protected: esc(&c.protected),
            left_alone_unusable: esc(&c.unusable),
            not_added: esc(&c.unproven),
            banned: c
                .banned
                .iter()
                .map(|b| Banned {
                    participant: escaped(&b.participant).into_owned(),
                    rule: escaped(&b.rule).into_owned(),
                    line: b.line,
                })
                .collect(),
            left_alone_banned: c
                .spared
                .iter()
                .map(|s| Spared {
                    participant: escaped(&s.participant).into_owned(),
                    reason: s.reason,
                    rule: s.rule.as_deref().map(|r| escaped(r).into_owned()),
                    line: s.line,
                })
                .collect(),
        }
    }
}

/// The JSON plan (`--dry-run --format json`).
pub(crate) fn render_json(
    desired: &str,
    plans: &[GroupPlan],
    limit: MaxRemovals,
    out: &mut dyn Write,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        desired: &'a str,
        max_removals: String,
        refused: bool,
        operations: usize,
        groups: Vec<Group<'a>>,
    }
    #[derive(Serialize)]
    struct Group<'a> {
        instance: &'a str,
        platform: Platform,
        chat_id: &'a str,
        /// Added with group names; absent when no read told one.
        #[serde(skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
        source: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        changes: Option<Shown>,
        #[serde(skip_serializing_if = "Option::is_none")]
        instance_admin: Option<bool>,
        withheld: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        own_unknown: Option<String>,
        removal_limit: Option<u64>,
        refused: bool,
    }
    let groups: Vec<Group<'_>> = plans
        .iter()
        .map(|p| {
            let c = p.changes.as_ref().ok();
            Group {
                instance: &p.group.instance,
                platform: p.group.platform,
                chat_id: &p.group.chat_id,
                subject: p.subject.as_deref().and_then(subjects::shown),
                source: p.group.source.to_string(),
                error: p.changes.as_ref().err().map(|e| escaped(e).into_owned()),
                changes: c.map(Shown::of),
                instance_admin: p.instance_admin,
                withheld: p.withheld,
                own_unknown: p.own_unknown.as_ref().map(|w| escaped(w).into_owned()),
                removal_limit: c.map(|c| limit.allowed(c.members)),
                refused: p.over(limit).is_some(),
            }
        })
        .collect();
    let doc = Doc {
        desired,
        max_removals: limit.to_string(),
        refused: groups.iter().any(|g| g.refused),
        operations: plans
            .iter()
            .filter_map(|p| p.changes.as_ref().ok())
            .map(Changes::len)
            .sum(),
        groups,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

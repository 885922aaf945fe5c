//! How `where` writes what it found, on stdout: a listing per participant
//! (`text`), a row per group a participant is in (`csv`, header exactly
//! [`CSV_HEADER`]) or one JSON document (`json`, its shape below).
//!
//! Subjects and instance names are someone else's text: escaped in `text`
//! and `json` (no terminal escapes), through [`cell`] in `csv` as export's
//! cells are (a MAX group ID reads `'-100…`, a subject never runs as a
//! formula).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::found::{Unsure, Whereabouts};
use crate::commands::reading::Target;
use crate::greenapi::Platform;
use crate::sanitise::{cell, escaped};

/// The CSV's header, exactly.
pub(crate) const CSV_HEADER: &str = "instance,chat_id,subject,participant_id,role";

/// `text`: per participant a heading that says in how many of the groups
/// searched they are, then a line per group (instance, group, role,
/// subject); a group whose list cannot tell is shown with the role `?`.
pub(crate) fn text(out: &mut dyn Write, all: &[Whereabouts<'_>]) -> io::Result<()> {
    for w in all {
        let n = w.searched;
        match w.found.len() {
            0 => writeln!(
                out,
                "{}: not in any of {n} group{} read",
                heading(w),
                plural(n)
            )?,
            k => writeln!(out, "{}: in {k} of {n} group{} read", heading(w), plural(n))?,
        }
        let lines: Vec<[String; 4]> = (w.found.iter())
            .map(|f| line(f.group, f.role))
            .chain(w.unsure.iter().map(|u| line(u.group, "?")))
            .collect();
        let width = |k: usize| lines.iter().map(|l| l[k].chars().count()).max();
        let (wi, wc) = (width(0).unwrap_or(0), width(1).unwrap_or(0));
        for [instance, chat, role, subject] in &lines {
            writeln!(out, "  {instance:<wi$}  {chat:<wc$}  {role:<6}  {subject}")?;
        }
        if !w.unsure.is_empty() {
            writeln!(
                out,
                "  ?: the group's list is incomplete (it hides numbers or leaves members out): it cannot tell"
            )?;
        }
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    crate::words::s(n as u64)
}

/// The participant's IDs, and how it was typed when that was none of them.
fn heading(w: &Whereabouts<'_>) -> String {
    let ids = w.asked.distinct_ids();
    let mut h = ids.join(" / ");
    if !ids.contains(&w.asked.given.as_str()) {
        h.push_str(&format!(" (given as `{}`)", escaped(&w.asked.given)));
    }
    h
}

fn line(group: &Target, role: &str) -> [String; 4] {
    [
        escaped(&group.instance).into_owned(),
        escaped(&group.chat).into_owned(),
        role.to_owned(),
        escaped(group.subject.as_deref().unwrap_or("")).into_owned(),
    ]
}

/// `csv`: the header, then a row per (group, participant) found. Nothing at
/// all without `any_read` (no group read, and something failed): a header
/// alone would read as "in no group", as `groups` has it.
pub(crate) fn csv(out: &mut dyn Write, all: &[Whereabouts<'_>], any_read: bool) -> io::Result<()> {
    if !any_read {
        return Ok(());
    }
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(&mut *out);
    w.write_record(CSV_HEADER.split(','))?;
    for f in all.iter().flat_map(|w| &w.found) {
        let g = f.group;
        w.write_record([
            &*cell(&g.instance),
            &*cell(&g.chat),
            &*cell(g.subject.as_deref().unwrap_or("")),
            &*cell(f.participant_id),
            f.role,
        ])?;
    }
    w.flush()
}

/// `json`: `{"groups_read": N, "participants": [...], "not_read": [...]}`;
/// each participant `{"given", "ids": {platform: id}, "searched", "groups":
/// [{instance, chat_id, subject, participant_id, role}], "cannot_tell":
/// [{instance, chat_id, subject, participant_id, why}]}`; each group not read
/// `{instance, chat_id, error}`.
pub(crate) fn json(
    out: &mut dyn Write,
    all: &[Whereabouts<'_>],
    groups_read: usize,
    not_read: &[(&Target, &str)],
) -> io::Result<()> {
    let doc = Doc {
        groups_read,
        participants: all.iter().map(participant).collect(),
        not_read: not_read
            .iter()
            .map(|(t, error)| NotRead {
                instance: escaped(&t.instance).into_owned(),
                chat_id: escaped(&t.chat).into_owned(),
                error: escaped(error).into_owned(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[derive(Serialize)]
struct Doc<'a> {
    groups_read: usize,
    participants: Vec<Participant<'a>>,
    not_read: Vec<NotRead>,
}

#[derive(Serialize)]
struct Participant<'a> {
    given: String,
    ids: BTreeMap<Platform, &'a str>,
    searched: usize,
    groups: Vec<Group<'a>>,
    cannot_tell: Vec<Group<'a>>,
}

/// A group found (`role`) or unsure (`why`).
#[derive(Serialize)]
struct Group<'a> {
    instance: String,
    chat_id: String,
    subject: String,
    participant_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<&'a str>,
}

#[derive(Serialize)]
struct NotRead {
    instance: String,
    chat_id: String,
    error: String,
}

fn participant<'a>(w: &'a Whereabouts<'a>) -> Participant<'a> {
    let group = |t: &Target, participant_id| Group {
        instance: escaped(&t.instance).into_owned(),
        chat_id: escaped(&t.chat).into_owned(),
        subject: escaped(t.subject.as_deref().unwrap_or("")).into_owned(),
        participant_id,
        role: None,
        why: None,
    };
    let unsure = |u: &'a Unsure<'a>| Group {
        why: Some(&u.why),
        ..group(u.group, u.participant_id)
    };
    Participant {
        given: escaped(&w.asked.given).into_owned(),
        ids: w
            .asked
            .ids
            .iter()
            .map(|(p, id)| (*p, id.as_str()))
            .collect(),
        searched: w.searched,
        groups: (w.found.iter())
            .map(|f| Group {
                role: Some(f.role),
                ..group(f.group, f.participant_id)
            })
            .collect(),
        cannot_tell: w.unsure.iter().map(unsure).collect(),
    }
}

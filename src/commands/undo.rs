//! `greenbatch undo RESULTS.csv...`: the manifest that takes a run back.
//!
//! The latest row of each operation (across files, the later
//! `finished_at`, as `report` reads them) decides: only `done` changed a
//! group, so only `done` operations are inverted (remove ↔ add, promote ↔
//! demote), same instance, group and participant, newest first, because a
//! participant's later change must be taken back before an earlier one.
//! `--since`, `--until` and `--source` narrow what is taken back. The
//! manifest is written, never sent: a person looks at it first, and `run`
//! gives it a results file of its own, so the undo can itself be undone.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::SystemTime;

use crate::cli::UndoArgs;
use crate::colour::{self, Tone};
use crate::exit;
use crate::failure::Failure;
use crate::greenapi::{Action, Platform};
use crate::report::review::{self, load::Kept};
use crate::runner::Outcome;
use crate::sanitise::{cell, escaped};

/// The manifest's header, exactly: `validate`, `plan` and `run` read it.
const HEADER: [&str; 4] = ["action", "chat_id", "participant_id", "instance"];

/// Writes the inverse manifest; exit 0, or 2 for a file that cannot be read.
pub(super) fn execute(args: UndoArgs, quiet: u8) -> anyhow::Result<u8> {
    super::report::within_size(&args.files, args.max_input_size)?;
    let loaded = review::load(&args.files).map_err(|e| Failure::Usage(e.to_string()))?;
    let now = SystemTime::now();
    let pick = Pick {
        since: args.since.map(|m| m.resolve(now)),
        until: args.until.map(|m| m.resolve(now)),
        source: args.source.as_ref(),
    };
    let (mut undo, left_out) = choose(&loaded.latest, &pick);
    // Newest first: what was done last is taken back first.
    undo.sort_by_key(|r| std::cmp::Reverse(r.finished_at));
    let write = |out: &mut dyn Write| write_manifest(out, &undo);
    match &args.output {
        Some(path) => super::output::replace_private(path, &write).map_err(|e| {
            Failure::Usage(format!(
                "cannot write {}: {e}",
                escaped(&path.display().to_string())
            ))
        })?,
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
        }
    }
    if quiet == 0 {
        say_summary(&undo, &left_out);
    }
    Ok(exit::SUCCESS)
}

/// Which rows `--since`, `--until` and `--source` let through.
struct Pick<'a> {
    since: Option<SystemTime>,
    until: Option<SystemTime>,
    source: Option<&'a glob::Pattern>,
}

impl Pick<'_> {
    fn takes(&self, row: &Kept) -> bool {
        self.since.is_none_or(|t| row.finished_at >= t)
            && self.until.is_none_or(|t| row.finished_at <= t)
            && self.source.is_none_or(|p| source_matches(p, &row.source))
    }
}

/// Whether `source` (`path/to/m.csv:12`, or a workbook's
/// `path/to/bans.xlsx:Sheet1!C12`) is the manifest `pattern` names: its
/// path, or its file name alone, line or cell left off.
fn source_matches(pattern: &glob::Pattern, source: &str) -> bool {
    // A sheet's name has no `:` (spreadsheets refuse it), a cell is
    // letters then digits.
    let cell = |at: &str| {
        at.rsplit_once('!').is_some_and(|(_, c)| {
            let digits = c.trim_start_matches(|ch: char| ch.is_ascii_uppercase());
            digits.len() < c.len()
                && !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
        })
    };
    let file = match source.rsplit_once(':') {
        Some((file, line)) if line.bytes().all(|b| b.is_ascii_digit()) => file,
        Some((file, at)) if cell(at) => file,
        _ => source,
    };
    let name = file.rsplit('/').next().unwrap_or(file);
    pattern.matches(file) || pattern.matches(name)
}

/// The `done` rows the pick takes, and how many of each other outcome it
/// leaves out.
fn choose<'k>(latest: &'k [Kept], pick: &Pick<'_>) -> (Vec<&'k Kept>, BTreeMap<Outcome, u64>) {
    let mut undo = Vec::new();
    let mut left_out = BTreeMap::new();
    for row in latest.iter().filter(|r| pick.takes(r)) {
        match row.outcome {
            Outcome::Done => undo.push(row),
            other => *left_out.entry(other).or_default() += 1,
        }
    }
    (undo, left_out)
}

/// The action that takes `action` back.
pub(crate) fn inverse(action: Action) -> Action {
    match action {
        Action::Remove => Action::Add,
        Action::Add => Action::Remove,
        Action::Promote => Action::Demote,
        Action::Demote => Action::Promote,
    }
}

fn write_manifest(out: &mut dyn Write, rows: &[&Kept]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for r in rows {
        // Cells guarded as every CSV greenbatch writes (a MAX group ID
        // reads `'-10000000000000`); manifests take the guard off.
        w.write_record([
            inverse(r.action).as_str(),
            &cell(&r.chat_id),
            &cell(&r.participant_id),
            &cell(&r.instance),
        ])?;
    }
    w.flush()
}

/// On stderr: what the manifest takes back, what it leaves out, and the
/// note on adds WhatsApp may refuse.
fn say_summary(undo: &[&Kept], left_out: &BTreeMap<Outcome, u64>) {
    let mut per: BTreeMap<&str, u64> = BTreeMap::new();
    for r in undo {
        *per.entry(inverse(r.action).as_str()).or_default() += 1;
    }
    let per: Vec<String> = per.iter().map(|(a, n)| format!("{n} {a}")).collect();
    let left: Vec<String> = left_out
        .iter()
        .map(|(o, n)| format!("{n} `{}`", o.as_str()))
        .collect();
    eprintln!(
        "{} operation{} to undo{}{}",
        undo.len(),
        if undo.len() == 1 { "" } else { "s" },
        if per.is_empty() {
            String::new()
        } else {
            format!(": {}", per.join(", "))
        },
        if left.is_empty() {
            String::new()
        } else {
            format!("; {} left out", left.join(" and "))
        },
    );
    let adds = undo
        .iter()
        .any(|r| inverse(r.action) == Action::Add && r.platform == Platform::WhatsApp);
    if adds {
        eprintln!(
            "{}: WhatsApp refuses to add someone whose privacy settings forbid it (the answer is a bare `false`, the row `rejected`): send them the group's invite link instead",
            colour::stderr().paint(Tone::Note, "note")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_has_its_inverse_and_back() {
        for a in Action::ALL {
            assert_ne!(inverse(a), a);
            assert_eq!(inverse(inverse(a)), a);
        }
        assert_eq!(inverse(Action::Remove), Action::Add);
        assert_eq!(inverse(Action::Promote), Action::Demote);
    }

    #[test]
    fn a_source_matches_by_path_or_file_name_without_its_line() {
        let p = |s: &str| glob::Pattern::new(s).unwrap();
        let nightly = "/srv/mod/nightly.sync-20261204T220000.000Z.ops.csv:12";
        assert!(source_matches(&p("nightly.sync-*"), nightly));
        assert!(source_matches(&p("/srv/mod/*.ops.csv"), nightly));
        assert!(!source_matches(&p("cleanup.csv"), nightly));
        assert!(source_matches(&p("cleanup.csv"), "cleanup.csv:2"));
        assert!(!source_matches(&p("cleanup"), "cleanup.csv:2"));
        assert!(source_matches(&p("bans.xlsx"), "/srv/bans.xlsx:Sheet1!C14"));
        assert!(source_matches(&p("bans.*"), "bans.ods:'Bans 2026'!AB2"));
        assert!(!source_matches(&p("bans.xlsx"), "bans.xlsx:Sheet1!oops"));
    }
}

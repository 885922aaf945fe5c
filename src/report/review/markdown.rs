//! The review as Markdown (GitHub-flavoured), for a ticket or a chat
//! message: a status line, tables, and the rows that need a person. Every
//! value from the results is a code span and every other text is escaped
//! (see [`super::escape`]), so nothing in a server's answer becomes a link,
//! markup or a table cell of its own.

use std::io::{self, Write};

use super::escape::{md_code, md_group, md_text};
use super::text::{MAX_LISTED, duration, rerun_line};
use super::{Counts, Review, plural};
use crate::runner::Outcome;

/// Writes the review as Markdown.
pub fn render(review: &Review, out: &mut dyn Write) -> io::Result<()> {
    heading(review, out)?;
    facts(review, out)?;
    outcomes(review, out)?;
    by_group(review, out)?;
    errors(review, out)?;
    rates(review, out)?;
    needs_person(review, out)
}

/// The title and the status in words, first: what a reader of a ticket
/// sees before scrolling.
fn heading(r: &Review, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## greenbatch report")?;
    writeln!(out)?;
    let status = match r.status {
        "ok" => "every operation settled ok",
        "rejected" => "some operations were rejected and need a person",
        _ => "a rerun would send some operations again",
    };
    writeln!(
        out,
        "**Status: {}** ({}, exit {})",
        md_text(status),
        r.status,
        r.exit_code
    )?;
    writeln!(out)?;
    Ok(())
}

/// The files read and what may make their figures doubtful, the time
/// span, what a rerun would send and who refused.
fn facts(r: &Review, out: &mut dyn Write) -> io::Result<()> {
    for f in &r.files {
        writeln!(out, "- {}: {}", md_code(&f.path), plural(f.rows, "row"))?;
        if let Some(t) = &f.torn {
            writeln!(
                out,
                "  - **warning:** line {} is an unfinished row of {} bytes \\(cut off by a crash\\?\\); not trusted: its operation counts as not yet run",
                t.line, t.bytes
            )?;
        }
        if f.in_use {
            writeln!(
                out,
                "  - note: a run is writing it; these figures are as of now"
            )?;
        }
    }
    if r.duplicate_rows > 0 {
        writeln!(
            out,
            "- {} found in more than one file, counted once",
            plural(r.duplicate_rows, "row")
        )?;
    }
    for set in &r.shards {
        let warning = if set.is_whole() { "" } else { "**warning:** " };
        writeln!(out, "- {warning}{}", md_text(&set.line()))?;
    }
    if let Some(span) = &r.time {
        writeln!(
            out,
            "- time: {} to {} \\({}\\), {}",
            md_code(&span.first),
            md_code(&span.last),
            duration(span.seconds),
            plural(span.runs.len() as u64, "run")
        )?;
    }
    writeln!(out, "- {}", md_text(&rerun_line(r)))?;
    for refused in &r.refused {
        writeln!(out, "- {}", md_text(&refused.line()))?;
    }
    writeln!(out)?;
    Ok(())
}

/// The outcome counts, overall and by action.
fn outcomes(r: &Review, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### Outcomes")?;
    writeln!(out)?;
    counts_table(out, &[], &[(vec![], &r.outcomes)])?;
    if !r.by_action.is_empty() {
        writeln!(out)?;
        writeln!(out, "### By action")?;
        writeln!(out)?;
        let rows: Vec<(Vec<String>, &Counts)> = r
            .by_action
            .iter()
            .map(|a| (vec![a.action.to_string()], &a.counts))
            .collect();
        counts_table(out, &["action"], &rows)?;
    }
    Ok(())
}

/// The groups, most needing attention first, cut at [`MAX_LISTED`].
fn by_group(r: &Review, out: &mut dyn Write) -> io::Result<()> {
    if !r.by_group.is_empty() {
        writeln!(out)?;
        writeln!(out, "### By group")?;
        writeln!(out)?;
        let groups = r.groups_worst_first();
        let rows: Vec<(Vec<String>, &Counts)> = groups
            .iter()
            .take(MAX_LISTED)
            .map(|g| {
                (
                    vec![
                        md_code(&g.instance),
                        g.platform.to_string(),
                        md_group(&g.chat_id, g.subject.as_deref()),
                    ],
                    &g.counts,
                )
            })
            .collect();
        counts_table(out, &["instance", "platform", "group"], &rows)?;
        more(out, groups.len(), "groups")?;
    }
    Ok(())
}

/// The commonest error texts, cut at [`MAX_LISTED`].
fn errors(r: &Review, out: &mut dyn Write) -> io::Result<()> {
    if !r.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Errors")?;
        writeln!(out)?;
        writeln!(out, "| count | outcome | error |")?;
        writeln!(out, "|---:|---|---|")?;
        for e in r.errors.iter().take(MAX_LISTED) {
            writeln!(
                out,
                "| {} | {} | {} |",
                e.count,
                e.outcome,
                md_code(&e.error)
            )?;
        }
        more(out, r.errors_total(), "error texts")?;
    }
    Ok(())
}

/// The rate achieved per instance and method, next to the pace and the
/// limit, to tell whether a run was slow by choice or by the server.
fn rates(r: &Review, out: &mut dyn Write) -> io::Result<()> {
    if !r.rates.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Achieved rate")?;
        writeln!(out)?;
        writeln!(out, "Requests are counted when their operation finished.")?;
        writeln!(out)?;
        writeln!(
            out,
            "| instance | method | operations | requests | seconds | req/s | default pace | limit |"
        )?;
        writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|")?;
        for x in &r.rates {
            writeln!(
                out,
                "| {} | {} | {} | {} | {:.1} | {} | {}/s | {}/s |",
                md_code(&x.instance),
                x.method,
                x.operations,
                x.requests,
                x.seconds,
                x.requests_per_second
                    .map_or("\\-".into(), |v| format!("{v:.2}")),
                x.default_pace,
                x.documented_limit
            )?;
        }
    }
    Ok(())
}

/// The rows a person must look at (rejected, aborted), cut at
/// [`MAX_LISTED`].
fn needs_person(r: &Review, out: &mut dyn Write) -> io::Result<()> {
    if !r.needs_person.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Needs a person ({})", r.needs_person_total())?;
        writeln!(out)?;
        writeln!(
            out,
            "| outcome | action | instance | group | participant | source | reason |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for n in r.needs_person.iter().take(MAX_LISTED) {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                n.outcome,
                n.action,
                md_code(&n.instance),
                md_group(&n.chat_id, n.subject.as_deref()),
                md_code(&n.participant_id),
                md_code(&n.source),
                md_code(&n.error)
            )?;
        }
        more(out, r.needs_person_total(), "rows")?;
    }
    Ok(())
}

/// A table of `lead` columns followed by the outcome counts and the total.
fn counts_table(
    out: &mut dyn Write,
    lead: &[&str],
    rows: &[(Vec<String>, &Counts)],
) -> io::Result<()> {
    let outcomes: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    let head: Vec<&str> = lead
        .iter()
        .copied()
        .chain(outcomes)
        .chain(["total"])
        .collect();
    writeln!(out, "| {} |", head.join(" | "))?;
    let align: Vec<&str> = lead
        .iter()
        .map(|_| "---")
        .chain(std::iter::repeat_n("---:", Outcome::ALL.len() + 1))
        .collect();
    writeln!(out, "|{}|", align.join("|"))?;
    for (cells, counts) in rows {
        let numbers = Outcome::ALL
            .iter()
            .map(|&o| counts.of(o).to_string())
            .chain([counts.total.to_string()]);
        let all: Vec<String> = cells.iter().cloned().chain(numbers).collect();
        writeln!(out, "| {} |", all.join(" | "))?;
    }
    Ok(())
}

fn more(out: &mut dyn Write, total: usize, what: &str) -> io::Result<()> {
    if total > MAX_LISTED {
        writeln!(out)?;
        writeln!(
            out,
            "… and {} more {what} \\(`--format json` lists more\\)",
            total - MAX_LISTED
        )?;
    }
    Ok(())
}

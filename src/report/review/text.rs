//! The review for a terminal or a log: short tables, the worst first, long
//! lists cut with a pointer to `--format json`, and colour when the palette
//! has it.

use std::io::{self, Write};

use super::{Counts, Review, plural};
use crate::colour::{Palette, Tone};
use crate::runner::Outcome;
use crate::sanitise::clip;
use crate::subjects::label;

/// The most groups, error texts and rows needing a person listed; JSON has all.
pub const MAX_LISTED: usize = 30;
/// Error texts are cut to this many bytes in the tables.
const MAX_ERROR: usize = 200;

/// Writes the review as text.
pub fn render(review: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    heading(review, paint, out)?;
    outcomes(review, paint, out)?;
    by_action(review, paint, out)?;
    by_group(review, paint, out)?;
    errors(review, paint, out)?;
    time(review, out)?;
    rates(review, paint, out)?;
    needs_person(review, paint, out)?;
    status(review, paint, out)
}

/// The title with the totals, then the files read and what may make
/// their figures doubtful.
fn heading(r: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}: {} in {}, {}",
        paint.paint(Tone::Strong, "greenbatch report"),
        plural(r.outcomes.total, "operation"),
        plural(r.files.len() as u64, "file"),
        plural(r.rows, "row")
    )?;
    for f in &r.files {
        writeln!(out, "  {}: {}", f.path, plural(f.rows, "row"))?;
        if let Some(t) = &f.torn {
            writeln!(
                out,
                "  {}: {}: line {} is an unfinished row of {} bytes (cut off by a crash?); \
                 not trusted: its operation counts as not yet run",
                paint.paint(Tone::Warning, "warning"),
                f.path,
                t.line,
                t.bytes
            )?;
        }
        if f.in_use {
            writeln!(
                out,
                "  {}: {}: a run is writing it; these figures are as of now",
                paint.paint(Tone::Note, "note"),
                f.path
            )?;
        }
    }
    if r.duplicate_rows > 0 {
        writeln!(
            out,
            "  {} found in more than one file, counted once",
            plural(r.duplicate_rows, "row")
        )?;
    }
    for set in &r.shards {
        match set.is_whole() {
            true => writeln!(out, "  {}", set.line())?,
            false => writeln!(
                out,
                "  {}: {}",
                paint.paint(Tone::Warning, "warning"),
                set.line()
            )?,
        }
    }
    Ok(())
}

/// The outcome counts, and the instances that refused right under them:
/// a refusal explains the aborted count.
fn outcomes(r: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "outcomes: {}", counts_line(&r.outcomes, paint))?;
    for refused in &r.refused {
        writeln!(out, "{}", paint.paint(Tone::Bad, &refused.line()))?;
    }
    Ok(())
}

/// The outcome counts per action.
fn by_action(r: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    if !r.by_action.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint.paint(Tone::Strong, "by action"))?;
        let mut t = Table::new(&["action"], true);
        for a in &r.by_action {
            t.row(vec![Cell::plain(a.action)], &a.counts);
        }
        t.write(out, paint)?;
    }
    Ok(())
}

/// The groups, most needing attention first, cut at [`MAX_LISTED`].
fn by_group(r: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    if !r.by_group.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint.paint(Tone::Strong, "by group (most needing attention first)")
        )?;
        let mut t = Table::new(&["instance", "platform", "group"], true);
        let groups = r.groups_worst_first();
        for g in groups.iter().take(MAX_LISTED) {
            t.row(
                vec![
                    Cell::plain(&g.instance),
                    Cell::plain(g.platform),
                    Cell::plain(label(&g.chat_id, g.subject.as_deref())),
                ],
                &g.counts,
            );
        }
        t.write(out, paint)?;
        more(out, groups.len(), "groups")?;
    }
    Ok(())
}

/// The commonest error texts, cut at [`MAX_LISTED`] and each clipped, so
/// one long answer does not push the rest off the screen.
fn errors(r: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    if !r.errors.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint.paint(Tone::Strong, "errors (distinct texts of the latest rows)")
        )?;
        let mut t = Table::bare(&["count", "outcome", "error"], &[true, false, false]);
        for e in r.errors.iter().take(MAX_LISTED) {
            t.cells(vec![
                Cell::plain(e.count.to_string()),
                Cell::outcome(e.outcome),
                Cell::plain(clip(&e.error, MAX_ERROR)),
            ]);
        }
        t.write(out, paint)?;
        more(out, r.errors_total(), "error texts")?;
    }
    Ok(())
}

/// The time the rows span and the runs in it.
fn time(r: &Review, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    match &r.time {
        Some(span) => writeln!(
            out,
            "time: {} to {} ({}), {}",
            span.first,
            span.last,
            duration(span.seconds),
            plural(span.runs.len() as u64, "run")
        )?,
        None => writeln!(out, "time: no rows")?,
    }
    Ok(())
}

/// The rate achieved per instance and method, next to the pace and the
/// limit, to tell whether a run was slow by choice or by the server.
fn rates(r: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    if !r.rates.is_empty() {
        writeln!(
            out,
            "{}",
            paint.paint(
                Tone::Strong,
                "achieved rate per instance and method (requests counted when their operation finished)"
            )
        )?;
        let mut t = Table::bare(
            &[
                "instance",
                "method",
                "operations",
                "requests",
                "seconds",
                "ops/s",
                "req/s",
                "default",
                "limit",
            ],
            &[false, false, true, true, true, true, true, true, true],
        );
        for rate in &r.rates {
            let per = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
            t.cells(vec![
                Cell::plain(&rate.instance),
                Cell::plain(rate.method),
                Cell::plain(rate.operations.to_string()),
                Cell::plain(rate.requests.to_string()),
                Cell::plain(format!("{:.1}", rate.seconds)),
                Cell::plain(per(rate.operations_per_second)),
                Cell::plain(per(rate.requests_per_second)),
                Cell::plain(format!("{}/s", rate.default_pace)),
                Cell::plain(format!("{}/s", rate.documented_limit)),
            ]);
        }
        t.write(out, paint)?;
    }
    Ok(())
}

/// The rows a person must look at (rejected, aborted), cut at
/// [`MAX_LISTED`].
fn needs_person(r: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    if !r.needs_person.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint.paint(
                Tone::Strong,
                format!(
                    "needs a person: {} (rejected, aborted)",
                    r.needs_person_total()
                )
            )
        )?;
        let mut t = Table::bare(
            &[
                "outcome",
                "action",
                "instance",
                "group",
                "participant",
                "source",
                "reason",
            ],
            &[false; 7],
        );
        for n in r.needs_person.iter().take(MAX_LISTED) {
            t.cells(vec![
                Cell::outcome(n.outcome),
                Cell::plain(n.action),
                Cell::plain(&n.instance),
                Cell::plain(label(&n.chat_id, n.subject.as_deref())),
                Cell::plain(&n.participant_id),
                Cell::plain(&n.source),
                Cell::plain(clip(&n.error, MAX_ERROR)),
            ]);
        }
        t.write(out, paint)?;
        more(out, r.needs_person_total(), "rows")?;
    }
    Ok(())
}

/// What a rerun would send and the status, last: the lines a cron mail
/// or a scrolled terminal shows.
fn status(r: &Review, paint: Palette, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", rerun_line(r))?;
    let tone = match r.status {
        "ok" => Tone::Good,
        "rejected" => Tone::Bad,
        _ => Tone::Retry,
    };
    writeln!(
        out,
        "status: {} (exit {})",
        paint.paint(tone, r.status),
        r.exit_code
    )
}

/// `a rerun would send N (…); with --retry-rejected, M (…)`.
pub(crate) fn rerun_line(r: &Review) -> String {
    let x = &r.rerun;
    let mut parts = vec![
        format!("failed {}", x.failed),
        format!("aborted {}", x.aborted),
    ];
    if x.torn > 0 {
        parts.push(format!("torn {}", x.torn));
    }
    let mut line = format!(
        "a rerun would send {} ({}); with --retry-rejected, {} (rejected {}){}",
        x.sends,
        parts.join(", "),
        x.sends_with_retry_rejected,
        x.rejected,
        if x.retry_rejected {
            "; this report counts rejected as sent again"
        } else {
            ""
        }
    );
    if x.missing_shards > 0 {
        line.push_str(&format!(
            "; and a run of each missing shard ({}) sends its share",
            x.missing_shards
        ));
    }
    line
}

fn counts_line(c: &Counts, paint: Palette) -> String {
    let mut parts: Vec<String> = Outcome::ALL
        .iter()
        .map(|&o| format!("{} {}", paint.paint(o.tone(), o.as_str()), c.of(o)))
        .collect();
    parts.push(format!("total {}", c.total));
    parts.join(", ")
}

fn more(out: &mut dyn Write, total: usize, what: &str) -> io::Result<()> {
    if total > MAX_LISTED {
        writeln!(
            out,
            "  … and {} more {what} (--format json lists more)",
            total - MAX_LISTED
        )?;
    }
    Ok(())
}

/// `95.3s`, `12m 5s`, `3h 2m`: enough to read a span at a glance.
pub(crate) fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m {}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{}h {}m", (s / 3600.0) as u64, ((s % 3600.0) / 60.0) as u64)
    }
}

/// One table cell and how it is coloured.
struct Cell {
    text: String,
    tone: Option<Tone>,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: None,
        }
    }

    fn outcome(name: &str) -> Cell {
        Cell {
            text: name.to_owned(),
            tone: name.parse().ok().map(Outcome::tone),
        }
    }
}

/// Columns padded to their widest cell, indented by two spaces.
struct Table {
    headers: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table whose first columns are `lead`, followed by one column per
    /// outcome and the total when `with_counts`.
    fn new(lead: &[&str], with_counts: bool) -> Table {
        let mut headers: Vec<&str> = lead.to_vec();
        let mut right = vec![false; lead.len()];
        if with_counts {
            headers.extend(Outcome::ALL.iter().map(|o| o.as_str()));
            headers.push("total");
            right.extend([true; 6]);
        }
        Table::bare(&headers, &right)
    }

    fn bare(headers: &[&str], right: &[bool]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            right: right.to_vec(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, mut lead: Vec<Cell>, counts: &Counts) {
        for o in Outcome::ALL {
            let n = counts.of(o);
            lead.push(Cell {
                text: n.to_string(),
                tone: (n > 0 && o != Outcome::Done).then(|| o.tone()),
            });
        }
        lead.push(Cell::plain(counts.total.to_string()));
        self.rows.push(lead);
    }

    fn cells(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    fn write(&self, out: &mut dyn Write, paint: Palette) -> io::Result<()> {
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|r| r[i].text.chars().count())
                .chain([self.headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.headers.len()).map(width).collect();
        let last = self.headers.len() - 1;
        let line = |cells: Vec<(String, Option<Tone>)>, out: &mut dyn Write| -> io::Result<()> {
            write!(out, " ")?;
            for (i, (text, tone)) in cells.into_iter().enumerate() {
                let w = if i == last && !self.right[i] {
                    0
                } else {
                    widths[i]
                };
                let painted = paint.paint(tone.unwrap_or(Tone::Plain), text);
                if self.right[i] {
                    write!(out, " {painted:>w$}")?;
                } else {
                    write!(out, " {painted:<w$}")?;
                }
            }
            writeln!(out)
        };
        let head = self
            .headers
            .iter()
            .map(|h| (h.clone(), Some(Tone::Dim)))
            .collect();
        line(head, out)?;
        for r in &self.rows {
            line(r.iter().map(|c| (c.text.clone(), c.tone)).collect(), out)?;
        }
        Ok(())
    }
}

//! The review of finished work behind `greenbatch report`: what one or more
//! results files say happened, as figures ([`Review`]) that each format
//! renders (text, JSON, Markdown, HTML), and the exit code that sums it up
//! for a cron check.
//!
//! The figures are taken over the latest row of each operation (see
//! [`load`]): outcomes by action and by group, the distinct error texts,
//! the rows that need a person (rejected, aborted), and what a rerun would
//! send (failed and aborted; rejected too with `--retry-rejected`), and
//! which shards of a set the files are (a missing one is work a run of it
//! would send). The
//! time span, the runs and the achieved rates are taken over every row
//! ([`timeline`]). A torn last line is reported and not trusted: its
//! operation counts as one a rerun would send again.
//!
//! Every text that came from a user or a server (IDs, sources, instance
//! names, error texts) is sanitised for the terminal here, once, and then
//! escaped by each format for its own syntax; the groups' subjects that
//! `report --live` reads ([`Review::name_groups`]) are shown as subjects
//! are everywhere ([`crate::subjects`]). Results files hold no token and
//! no subject, and nothing here reads either.

pub mod html;
pub mod load;
pub mod markdown;
mod names;
pub mod text;
pub mod timeline;

mod chart;
mod escape;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::exit;
use crate::greenapi::Action;
use crate::runner::Outcome;
use crate::sanitise;
use crate::shard::names::ShardSet;

pub use load::{Loaded, Unreadable, load};

/// Operations per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub done: u64,
    pub already: u64,
    pub rejected: u64,
    pub failed: u64,
    pub aborted: u64,
    pub total: u64,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        *match outcome {
            Outcome::Done => &mut self.done,
            Outcome::Already => &mut self.already,
            Outcome::Rejected => &mut self.rejected,
            Outcome::Failed => &mut self.failed,
            Outcome::Aborted => &mut self.aborted,
        } += 1;
        self.total += 1;
    }

    /// How many ended `outcome`.
    pub fn of(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Done => self.done,
            Outcome::Already => self.already,
            Outcome::Rejected => self.rejected,
            Outcome::Failed => self.failed,
            Outcome::Aborted => self.aborted,
        }
    }

    /// Those not settled ok.
    pub fn not_ok(&self) -> u64 {
        self.rejected + self.failed + self.aborted
    }
}

/// One results file as the review names it.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    pub path: String,
    pub rows: u64,
    /// An unfinished last line that was not trusted.
    pub torn: Option<Torn>,
    /// A run was writing the file while it was read.
    pub in_use: bool,
}

/// Where a torn last line is.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Torn {
    pub line: u64,
    pub bytes: u64,
}

/// The outcomes of one action.
#[derive(Debug, Clone, Serialize)]
pub struct ByAction {
    pub action: &'static str,
    #[serde(flatten)]
    pub counts: Counts,
}

/// The outcomes on one group through one instance.
#[derive(Debug, Clone, Serialize)]
pub struct ByGroup {
    pub instance: String,
    pub platform: &'static str,
    pub chat_id: String,
    /// The group's subject, with `report --live` when a read told it (as
    /// [`crate::subjects::shown`] shows it); absent otherwise, so the
    /// document without `--live` stays as it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
}

/// One distinct error text and how many latest rows carry it.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorText {
    pub outcome: &'static str,
    pub error: String,
    pub count: u64,
}

/// An operation a person should look at: it was refused (`rejected`) or its
/// instance was (`aborted`).
#[derive(Debug, Clone, Serialize)]
pub struct NeedsPerson {
    pub op_id: String,
    pub source: String,
    pub action: &'static str,
    pub instance: String,
    pub chat_id: String,
    /// As [`ByGroup::subject`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub participant_id: String,
    pub outcome: &'static str,
    pub error: String,
    pub http_status: Option<u16>,
    pub attempts: u32,
    pub finished_at: String,
}

/// The most distinct error texts a report lists (in every format).
pub const MAX_ERROR_TEXTS: usize = 1000;
/// The most rows needing a person a report lists.
pub const MAX_NEEDS_PERSON: usize = 10_000;

/// What a bounded list left out: how many items, and the rows they stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct More {
    pub items: u64,
    pub rows: u64,
}

impl More {
    /// The items of `all` past the first `kept`, `rows` of each counted.
    fn past<T>(all: &[T], kept: usize, rows: impl Fn(&T) -> u64) -> Option<More> {
        let rest = all.get(kept..).filter(|r| !r.is_empty())?;
        Some(More {
            items: rest.len() as u64,
            rows: rest.iter().map(rows).sum(),
        })
    }
}

/// An instance that refused to work, and why: its `aborted` rows.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub instance: String,
    /// The reason of its first aborted row.
    pub reason: String,
    pub aborted: u64,
}

impl Refused {
    /// `instance `default` refused: HTTP 401 …: check … (2 operations aborted)`.
    pub fn line(&self) -> String {
        format!(
            "instance `{}` refused: {} ({} operation{} aborted)",
            self.instance,
            self.reason,
            self.aborted,
            if self.aborted == 1 { "" } else { "s" }
        )
    }
}

/// What a rerun of the same manifest with the same results would send.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Rerun {
    /// What a plain rerun sends: failed + aborted + torn.
    pub sends: u64,
    pub failed: u64,
    pub aborted: u64,
    /// Torn last lines: their operations were not recorded, so they count as not yet run.
    pub torn: u64,
    /// Rejected operations, which only `--retry-rejected` sends again.
    pub rejected: u64,
    /// What `run --retry-rejected` sends.
    pub sends_with_retry_rejected: u64,
    /// Whether this report counted rejected ones as sent again.
    pub retry_rejected: bool,
    /// Shards of a set (`cleanup.shard-K-of-N…`) whose file was not given:
    /// what they did is unknown, and a run of each sends its share.
    pub missing_shards: u64,
}

/// The time the rows span.
#[derive(Debug, Clone, Serialize)]
pub struct Span {
    pub first: String,
    pub last: String,
    pub seconds: f64,
    pub runs: Vec<timeline::Run>,
}

/// What the results files say, in figures. The JSON format is this value.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The version of this JSON shape; raised when a field changes meaning.
    pub format_version: u32,
    /// `ok`, `rejected` or `resend`: what [`Review::exit_code`] sums up.
    pub status: &'static str,
    pub exit_code: u8,
    pub files: Vec<FileInfo>,
    /// Distinct rows read.
    pub rows: u64,
    /// Rows found again in a later file, counted once.
    pub duplicate_rows: u64,
    /// The sets of shards among the files, by their names
    /// (`cleanup.shard-2-of-8.results.csv`): which are there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardSet>,
    /// The latest row of each operation, by outcome.
    pub outcomes: Counts,
    pub by_action: Vec<ByAction>,
    pub by_group: Vec<ByGroup>,
    /// The [`MAX_ERROR_TEXTS`] commonest texts.
    pub errors: Vec<ErrorText>,
    /// The texts past those, when there are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_more: Option<More>,
    pub time: Option<Span>,
    pub rates: Vec<timeline::Rate>,
    pub rerun: Rerun,
    /// The first [`MAX_NEEDS_PERSON`] rows (rejected first).
    pub needs_person: Vec<NeedsPerson>,
    /// The rows past those, when there are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_person_more: Option<More>,
    /// The instances that refused, each with its reason.
    pub refused: Vec<Refused>,
    /// Per run, requests per second over time; for the HTML chart only.
    #[serde(skip)]
    pub charts: Vec<timeline::RunChart>,
    /// The (instance, method) of each chart line.
    #[serde(skip)]
    pub series: Vec<load::Series>,
}

/// Text from a results file made fit to show anywhere: one line, no escapes.
fn shown(text: &str) -> String {
    sanitise::terminal(text).into_owned()
}

impl Review {
    /// Distinct error texts in all, listed or not.
    pub fn errors_total(&self) -> usize {
        self.errors.len() + self.errors_more.map_or(0, |m| m.items as usize)
    }

    /// Rows needing a person in all, listed or not.
    pub fn needs_person_total(&self) -> usize {
        self.needs_person.len() + self.needs_person_more.map_or(0, |m| m.items as usize)
    }

    /// The figures of what `loaded` read; `retry_rejected` counts rejected
    /// operations as ones a rerun sends, as `run --retry-rejected` would.
    pub fn of(loaded: &Loaded, retry_rejected: bool) -> Review {
        let tally = Tally::of(&loaded.latest);
        // Bounded: a report of a million distinct texts or rows lists the
        // first ones and counts the rest, instead of holding them all twice.
        let (needs_person, needs_person_more) = needs_person_listed(tally.needs_person);
        let (errors, errors_more) = errors_listed(tally.errors);
        let torn = loaded.files.iter().filter(|f| f.torn.is_some()).count() as u64;
        let outcomes = tally.outcomes;
        let paths: Vec<_> = loaded.files.iter().map(|f| f.path.clone()).collect();
        let shards = crate::shard::names::sets(&paths);
        let mut rerun = Rerun::of(&outcomes, torn, retry_rejected);
        rerun.missing_shards = shards.iter().map(|s| s.missing.len() as u64).sum();
        let runs = timeline::runs(&loaded.moments);
        let (status, exit_code) = verdict(&outcomes, &rerun);
        Review {
            format_version: 1,
            status,
            exit_code,
            files: loaded.files.iter().map(FileInfo::of).collect(),
            rows: loaded.moments.len() as u64,
            duplicate_rows: loaded.duplicates,
            shards,
            outcomes,
            by_action: tally
                .by_action
                .into_iter()
                .map(|(a, counts)| ByAction {
                    action: a.as_str(),
                    counts,
                })
                .collect(),
            by_group: tally
                .by_group
                .into_iter()
                .map(|((instance, platform, chat_id), counts)| ByGroup {
                    instance: shown(&instance),
                    platform,
                    chat_id: shown(&chat_id),
                    subject: None,
                    counts,
                })
                .collect(),
            errors,
            errors_more,
            time: span(&runs),
            rates: timeline::rates(&runs, &loaded.series),
            rerun,
            needs_person,
            needs_person_more,
            refused: tally.refused,
            charts: runs
                .iter()
                .map(|r| timeline::chart(r, loaded.series.len()))
                .collect(),
            series: loaded.series.clone(),
        }
    }

    /// Groups with the most operations not settled ok first, then by name:
    /// the order the text and HTML views list them in.
    pub fn groups_worst_first(&self) -> Vec<&ByGroup> {
        let mut groups: Vec<&ByGroup> = self.by_group.iter().collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.counts.not_ok()));
        groups
    }
}

/// The latest rows counted in one pass, before the lists are bounded and
/// the texts made fit to show.
struct Tally<'a> {
    outcomes: Counts,
    by_action: BTreeMap<Action, Counts>,
    // Keyed by the shared texts themselves (cheap to clone); made fit to
    // show once per distinct value, by [`Review::of`].
    by_group: BTreeMap<(Arc<str>, &'static str, Arc<str>), Counts>,
    errors: BTreeMap<(Outcome, Arc<str>), u64>,
    needs_person: Vec<&'a load::Kept>,
    refused: Vec<Refused>,
}

impl<'a> Tally<'a> {
    fn of(latest: &'a [load::Kept]) -> Tally<'a> {
        let mut t = Tally {
            outcomes: Counts::default(),
            by_action: BTreeMap::new(),
            by_group: BTreeMap::new(),
            errors: BTreeMap::new(),
            needs_person: Vec::new(),
            refused: Vec::new(),
        };
        for row in latest {
            if row.outcome == Outcome::Aborted {
                match t.refused.iter_mut().find(|r| *r.instance == *row.instance) {
                    Some(r) => r.aborted += 1,
                    None => t.refused.push(Refused {
                        instance: shown(&row.instance),
                        reason: shown(&row.error),
                        aborted: 1,
                    }),
                }
            }
            t.outcomes.add(row.outcome);
            t.by_action.entry(row.action).or_default().add(row.outcome);
            t.by_group
                .entry((
                    row.instance.clone(),
                    row.platform.as_str(),
                    row.chat_id.clone(),
                ))
                .or_default()
                .add(row.outcome);
            if !row.error.is_empty() {
                *t.errors
                    .entry((row.outcome, row.error.clone()))
                    .or_default() += 1;
            }
            if matches!(row.outcome, Outcome::Rejected | Outcome::Aborted) {
                t.needs_person.push(row);
            }
        }
        t
    }
}

/// The rows needing a person, rejected first, and the count past those listed.
fn needs_person_listed(mut rows: Vec<&load::Kept>) -> (Vec<NeedsPerson>, Option<More>) {
    rows.sort_by_key(|row| row.outcome != Outcome::Rejected);
    let more = More::past(&rows, MAX_NEEDS_PERSON, |_| 1);
    let listed = rows
        .into_iter()
        .take(MAX_NEEDS_PERSON)
        .map(needs_person_of)
        .collect();
    (listed, more)
}

/// The error texts, commonest first, and the count past those listed.
fn errors_listed(errors: BTreeMap<(Outcome, Arc<str>), u64>) -> (Vec<ErrorText>, Option<More>) {
    let mut errors: Vec<((Outcome, Arc<str>), u64)> = errors.into_iter().collect();
    errors.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let more = More::past(&errors, MAX_ERROR_TEXTS, |(_, count)| *count);
    let listed = errors
        .into_iter()
        .take(MAX_ERROR_TEXTS)
        .map(|((outcome, error), count)| ErrorText {
            outcome: outcome.as_str(),
            error: shown(&error),
            count,
        })
        .collect();
    (listed, more)
}

/// The time from the first run's first row to the last run's last; `None`
/// when no row has a time.
fn span(runs: &[Vec<load::Moment>]) -> Option<Span> {
    (!runs.is_empty()).then(|| {
        let summaries: Vec<timeline::Run> = runs.iter().map(|r| timeline::run_of(r)).collect();
        let (first, last) = (
            summaries[0].first_ms,
            summaries[summaries.len() - 1].last_ms,
        );
        Span {
            first: timeline::rfc3339(first),
            last: timeline::rfc3339(last),
            seconds: (last - first) as f64 / 1000.0,
            runs: summaries,
        }
    })
}

impl Rerun {
    /// A torn line counts as an operation not yet run, so a rerun sends it
    /// too, with or without --retry-rejected.
    fn of(outcomes: &Counts, torn: u64, retry_rejected: bool) -> Rerun {
        Rerun {
            sends: outcomes.failed + outcomes.aborted + torn,
            failed: outcomes.failed,
            aborted: outcomes.aborted,
            torn,
            rejected: outcomes.rejected,
            sends_with_retry_rejected: outcomes.failed
                + outcomes.aborted
                + torn
                + outcomes.rejected,
            retry_rejected,
            missing_shards: 0,
        }
    }
}

impl FileInfo {
    fn of(f: &load::FileRead) -> FileInfo {
        FileInfo {
            path: shown(&f.path.display().to_string()),
            rows: f.rows,
            torn: f.torn.as_ref().map(|t| Torn {
                line: t.line,
                bytes: t.bytes,
            }),
            in_use: f.in_use,
        }
    }
}

/// The exit code and its word: 3 when a rerun would send anything (a
/// missing shard's run would), else 1 when some are rejected, else 0.
fn verdict(outcomes: &Counts, rerun: &Rerun) -> (&'static str, u8) {
    let sends = if rerun.retry_rejected {
        rerun.sends_with_retry_rejected
    } else {
        rerun.sends
    };
    if sends > 0 || rerun.missing_shards > 0 {
        ("resend", exit::FAILED)
    } else if outcomes.rejected > 0 {
        ("rejected", exit::REJECTED)
    } else {
        ("ok", exit::SUCCESS)
    }
}

fn needs_person_of(row: &load::Kept) -> NeedsPerson {
    NeedsPerson {
        op_id: row.op_id.to_string(),
        source: shown(&row.source),
        action: row.action.as_str(),
        instance: shown(&row.instance),
        chat_id: shown(&row.chat_id),
        subject: None,
        participant_id: shown(&row.participant_id),
        outcome: row.outcome.as_str(),
        error: shown(&row.error),
        http_status: row.http_status,
        attempts: row.attempts,
        finished_at: humantime::format_rfc3339_millis(row.finished_at).to_string(),
    }
}

pub(crate) use crate::words::plural;

#[cfg(test)]
mod tests;

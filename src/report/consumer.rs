//! The listener of a run: takes the engine's events one by one and feeds the
//! views: a results row for every finished operation (written before
//! anything else looks at it), the tally, the progress view and the logs.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::held::Why;
use super::progress::ProgressView;
use super::results::{ResultRow, ResultsFile};
use super::tally::Tally;
use crate::runner::event::{Event, Finished};
use crate::secret::Token;
use crate::subjects::Subjects;
use crate::{sanitise, words};

/// Everything the events are shown in.
pub(crate) struct Views {
    pub results: ResultsFile,
    pub progress: ProgressView,
    pub tally: Tally,
    /// The groups' subjects: what the job knew when it started, and what
    /// the engine's reads tell as they come.
    pub subjects: Subjects,
    /// Every token of the run: any text that reaches a view is scrubbed of them
    /// (defence in depth: the client never puts them in a message).
    pub tokens: Vec<Token>,
    /// Each instance's API host (`host:port`, never the URL's path, which
    /// holds the token), for the warnings that say whom they could not reach.
    pub hosts: HashMap<Arc<str>, String>,
}

impl Views {
    fn host(&self, instance: &str) -> &str {
        self.hosts.get(instance).map_or("", String::as_str)
    }

    fn scrub(&self, text: &str) -> String {
        if text.is_empty() {
            return String::new(); // most rows: no error to scrub
        }
        self.tokens
            .iter()
            .fold(text.to_owned(), |t, token| token.scrub(&t))
    }
}

/// Finished operations written per batch, at most: a batch is one write to
/// the file, and under load one wake-up of this thread; small enough that
/// the progress view keeps moving.
const BATCH: usize = 256;
/// A batch this large means events come faster than one per wake-up.
const BUSY: usize = 8;

/// Consumes events until the engine is done. It blocks (file writes and the
/// occasional fsync), so it runs on a thread of its own, never on the
/// engine's workers. Whatever has arrived is taken at once and its rows are
/// written together; only under load does it pause a millisecond between
/// batches, so a row reaches the file at most that much later. A results row that cannot be
/// written stops the run (`cancel`): an operation whose outcome cannot be
/// recorded must not be followed by more.
pub(crate) fn consume(
    mut events: mpsc::Receiver<Event>,
    views: &mut Views,
    cancel: &CancellationToken,
) -> io::Result<()> {
    let mut failure = None;
    let mut batch: Vec<Box<Finished>> = Vec::with_capacity(BATCH);
    let mut rows: Vec<ResultRow> = Vec::with_capacity(BATCH);
    while let Some(first) = events.blocking_recv() {
        let mut next = Some(first);
        while let Some(event) = next {
            match event {
                Event::Finished(finished) => batch.push(finished),
                other => log(views, other),
            }
            next = match batch.len() < BATCH {
                true => events.try_recv().ok(),
                false => None,
            };
        }
        if failure.is_none()
            && let Err(e) = record(views, &batch, &mut rows)
        {
            cancel.cancel();
            failure = Some(e);
        }
        // Under load, a moment's pause lets the next events gather instead
        // of each send waking this thread (a futex call on both sides);
        // at a paced rate batches hold one event and nothing waits.
        if batch.len() >= BUSY {
            std::thread::sleep(Duration::from_millis(1));
        }
        batch.clear();
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The events that are not rows: logs, and the subjects reads told.
fn log(views: &mut Views, event: Event) {
    match event {
        Event::Finished(_) => {}
        Event::Subject { chat, subject } => views.subjects.learn(&chat, &subject),
        Event::Retrying {
            op,
            attempt,
            delay,
            reason,
        } => {
            let reason = views.scrub(&reason);
            tracing::info!(op = %op, attempt, delay_ms = delay.as_millis() as u64, reason = %sanitise::terminal(&reason), "retrying");
        }
        Event::Throttled {
            instance,
            method,
            rate,
            news,
        } => {
            // Expected and handled: the summary counts them; -v shows each.
            views.tally.throttled += 1;
            if news {
                tracing::info!(instance = %instance, method = %method, rate = format_args!("{rate:.2}"), "HTTP 429: pace now {rate:.2}/s");
            } else {
                tracing::debug!(instance = %instance, method = %method, "HTTP 429 for a request sent before the last slow-down");
            }
        }
        Event::Recovered {
            instance,
            method,
            rate,
        } => {
            tracing::debug!(instance = %instance, method = %method, rate = format_args!("{rate:.2}"), "pace recovering");
        }
        Event::OutageBegan {
            instance,
            method,
            reason,
            next_try,
        } => {
            views.tally.outages += 1;
            let reason = views.scrub(&reason);
            let first = words::secs(next_try);
            tracing::warn!(instance = %instance, host = %views.host(&instance), method = %method, reason = %sanitise::terminal(&reason), "every {method} request fails: holding them and trying one now and then (the first in {first})");
            views
                .progress
                .held(&instance, method, Why::Outage, next_try);
        }
        Event::Probed {
            instance,
            method,
            next_try,
        } => {
            tracing::debug!(instance = %instance, method = %method, next_try_ms = next_try.as_millis() as u64, "the probe failed too");
            views
                .progress
                .held(&instance, method, Why::Outage, next_try);
        }
        Event::Paused {
            instance,
            method,
            wait,
        } => {
            tracing::info!(instance = %instance, method = %method, wait_ms = wait.as_millis() as u64, "the server asked to wait (Retry-After)");
            views
                .progress
                .held(&instance, method, Why::Asked(wait), wait);
        }
        Event::PauseEnded { instance, method } => {
            tracing::info!(instance = %instance, method = %method, "the server's wait is over");
            views.progress.released(&instance, method, true);
        }
        Event::OutageEnded {
            instance,
            method,
            lasted,
        } => {
            views.progress.released(&instance, method, false);
            let secs = lasted.as_secs_f64();
            tracing::warn!(instance = %instance, host = %views.host(&instance), method = %method, lasted_s = format_args!("{secs:.1}"), "{} answers again after {secs:.1} s: going on with its {method} requests at the pace", views.host(&instance));
        }
        Event::PreflightUnknown { instance, reason } => {
            let reason = views.scrub(&reason);
            tracing::warn!(instance = %instance, host = %views.host(&instance), reason = %sanitise::terminal(&reason), "could not read the instance's state; going on");
        }
        Event::InstanceRefused { instance, reason } => {
            let reason = views.scrub(&reason);
            views
                .tally
                .refused
                .push((instance.to_string(), reason.to_string()));
            tracing::error!(instance = %instance, host = %views.host(&instance), reason = %sanitise::terminal(&reason), "instance refused: its remaining operations are not sent");
        }
    }
}

/// Writes the rows of `batch` (`rows` is reused scratch), then counts them.
fn record(views: &mut Views, batch: &[Box<Finished>], rows: &mut Vec<ResultRow>) -> io::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    rows.clear();
    for f in batch {
        let error = views.scrub(&f.error);
        let mut row = ResultRow::new(&f.op, f.outcome, error, f.http_status, f.attempts);
        row.finished_at = f.finished_at;
        rows.push(row);
    }
    views.results.append_all(rows)?;
    for (f, row) in batch.iter().zip(rows.iter()) {
        views.tally.record(f.outcome, f.attempts);
        views.tally.groups.record(&f.op.chat_id, f.outcome);
        tracing::debug!(
            source = %row.source,
            op_id = %row.op_id,
            outcome = %row.outcome,
            attempts = row.attempts,
            error = %sanitise::terminal(&row.error),
            "finished"
        );
    }
    views.progress.update(&views.tally);
    Ok(())
}

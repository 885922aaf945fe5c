//! The listener of a run: takes the engine's events one by one and feeds the
//! views: a results row for every finished operation (written before
//! anything else looks at it), the tally, the progress view and the logs.

use std::io;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::progress::ProgressView;
use super::results::{ResultRow, ResultsFile};
use super::sanitise;
use super::tally::Tally;
use crate::runner::event::{Event, Finished};
use crate::secret::Token;

/// Everything the events are shown in.
pub struct Views {
    pub results: ResultsFile,
    pub progress: ProgressView,
    pub tally: Tally,
    /// Every token of the run: any text that reaches a view is scrubbed of them
    /// (defence in depth: the client never puts them in a message).
    pub tokens: Vec<Token>,
}

impl Views {
    fn scrub(&self, text: &str) -> String {
        self.tokens
            .iter()
            .fold(text.to_owned(), |t, token| token.scrub(&t))
    }
}

/// Consumes events until the engine is done. It blocks (file writes and the
/// occasional fsync), so it runs on a thread of its own, never on the
/// engine's workers. A results row that cannot be written stops the run
/// (`cancel`): an operation whose outcome cannot be recorded must not be
/// followed by more.
pub fn consume(
    mut events: mpsc::Receiver<Event>,
    views: &mut Views,
    cancel: &CancellationToken,
) -> io::Result<()> {
    let mut failure = None;
    while let Some(event) = events.blocking_recv() {
        match event {
            Event::Finished(finished) => {
                if failure.is_some() {
                    continue;
                }
                if let Err(e) = record(views, *finished) {
                    cancel.cancel();
                    failure = Some(e);
                }
            }
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
                slowdown,
            } => {
                // Expected and handled: the summary counts them; -v shows each.
                views.tally.throttled += 1;
                tracing::info!(instance = %instance, method = %method, slowdown, "HTTP 429: slowing down to 1/{slowdown} of the pace");
            }
            Event::Recovered {
                instance,
                method,
                slowdown,
            } => {
                tracing::info!(instance = %instance, method = %method, slowdown, "pace recovering");
            }
            Event::PreflightUnknown { instance, reason } => {
                let reason = views.scrub(&reason);
                tracing::warn!(instance = %instance, reason = %sanitise::terminal(&reason), "could not read the instance's state; going on");
            }
            Event::InstanceRefused { instance, reason } => {
                let reason = views.scrub(&reason);
                tracing::error!(instance = %instance, reason = %sanitise::terminal(&reason), "instance refused: its remaining operations are not sent");
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn record(views: &mut Views, f: Finished) -> io::Result<()> {
    let error = views.scrub(&f.error);
    let mut row = ResultRow::new(&f.op, f.outcome, error, f.http_status, f.attempts);
    row.finished_at = f.finished_at;
    views.results.append(&row)?;
    views.tally.record(f.outcome, f.attempts);
    views.progress.update(&views.tally);
    tracing::debug!(
        source = %row.source,
        op_id = %row.op_id,
        outcome = %row.outcome,
        attempts = row.attempts,
        error = %sanitise::terminal(&row.error),
        "finished"
    );
    Ok(())
}

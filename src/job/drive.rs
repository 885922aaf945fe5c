//! Drives a [`Job`]: starts the engine, listens to it, handles SIGINT and
//! SIGTERM, and prints the summary.
//!
//! First signal: stop dispatching, let requests in flight finish (bounded by
//! the timeout), record them, print the summary, exit 130 or 143. Second
//! signal: exit at once; every row already written is whole, because each row
//! is written and flushed as its operation finishes.

use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::expand::{Expanded, ListPolicy, Unexpanded, expand};
use super::partition::partition;
use super::{Job, JobConfig, Ran};
use crate::report::consumer::{Views, consume};
use crate::report::progress::ProgressView;
use crate::report::summary;
use crate::report::tally::{Interrupt, Tally};
use crate::report::term::progress_style;
use crate::runner::engine;

/// See [`Job::drive`].
pub(super) async fn drive(job: Job, signals: bool) -> anyhow::Result<Ran> {
    let Job {
        client,
        setups,
        engine: mut config,
        ops,
        prior,
        results,
        config:
            JobConfig {
                progress,
                quiet,
                retry_rejected,
                concurrency,
                ..
            },
        notice,
        started,
        mut subjects,
    } = job;
    let cancel = CancellationToken::new();
    let interrupt = Arc::new(OnceLock::new());
    let watcher = if signals {
        Some(watch_signals(cancel.clone(), interrupt.clone())?)
    } else {
        None
    };
    // The `*` rows become one operation per group before anything else:
    // what earlier rows settle, and which groups to read first, are judged
    // on the operations as they will be sent.
    let rows = ops.len() as u64;
    let policy = ListPolicy {
        retry: config.retry,
        patience: config.outage_patience,
    };
    let Expanded {
        ops,
        unexpanded,
        subjects: listed,
    } = tokio::select! {
        expanded = expand(&client, &setups, ops, policy, quiet) => expanded,
        // Interrupted while listing: nothing was sent, nothing is left out
        // silently (every row counts as not started).
        () = cancel.cancelled() => Expanded::default(),
    };
    // What the caller knew (a sync's reads), then what the listing told;
    // the engine's own reads add theirs as they come.
    subjects.extend(listed);
    let (ops, mut tally, resumed) =
        partition(ops, &prior, retry_rejected, usize::from(concurrency));
    drop(prior);
    config.resumed = resumed;
    if cancel.is_cancelled() {
        tally.total = rows;
    }
    count_unexpanded(&mut tally, unexpanded);
    let on_terminal = std::io::stderr().is_terminal();
    let style = progress_style(
        progress,
        on_terminal,
        std::env::var("TERM").ok().as_deref(),
        quiet > 0,
    );
    let tokens = setups.values().map(|s| s.endpoint.token.clone()).collect();
    let hosts = setups
        .iter()
        .map(|(name, s)| (name.clone(), s.endpoint.host()))
        .collect();
    // Something to send this run, or `*` rows that could not be: a notice
    // has news (else only with --notify-always).
    let planned = !ops.is_empty() || !tally.unexpanded.is_empty();
    let notifier = client.clone();
    let results_path = results.path().to_owned();
    let mut views = Views {
        results,
        progress: ProgressView::new(style, ops.len() as u64, on_terminal),
        tally,
        subjects,
        tokens,
        hosts,
    };
    let (tx, rx) = mpsc::channel(1024);
    let engine = tokio::spawn(engine::run(client, setups, config, ops, tx, cancel.clone()));
    let listener_cancel = cancel.clone();
    let (views, consumed) = tokio::task::spawn_blocking(move || {
        let consumed = consume(rx, &mut views, &listener_cancel);
        (views, consumed)
    })
    .await?;
    engine.await?;
    views.progress.finish();
    let Views {
        results,
        tally,
        subjects,
        ..
    } = views;
    let synced = results.finish();
    consumed?;
    synced?;
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    let interrupt = interrupt.get().copied();
    if quiet < 2 {
        let elapsed = started.elapsed();
        let text = summary::render(&tally, &subjects, elapsed, &results_path, interrupt);
        print!("{text}");
    }
    if let Some(notice) = notice.filter(|n| n.wanted(planned)) {
        let code = tally.exit_code(interrupt);
        let sent = notice.send(&notifier, &results_path, code, retry_rejected, &subjects);
        if let Err(why) = sent.await {
            say_unsent(&why);
        }
    }
    Ok(Ran { tally, interrupt })
}

/// Each unexpanded `*` row is an operation that was not sent: counted,
/// and named in the summary.
fn count_unexpanded(tally: &mut Tally, unexpanded: Vec<Unexpanded>) {
    tally.total += unexpanded.iter().map(|u| u.lines.len() as u64).sum::<u64>();
    tally.unexpanded = unexpanded
        .into_iter()
        .map(|u| (u.instance.to_string(), u.lines, u.reason))
        .collect();
}

/// A notice that could not be sent is a warning, never the job's exit
/// code: the job is done either way.
fn say_unsent(why: &str) {
    let why = crate::sanitise::terminal(why);
    tracing::warn!("the notice could not be sent: {why}");
}

/// First SIGINT/SIGTERM cancels; a second one exits at once.
fn watch_signals(
    cancel: CancellationToken,
    interrupt: Arc<OnceLock<Interrupt>>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    Ok(tokio::spawn(async move {
        let first = tokio::select! {
            _ = sigint.recv() => Interrupt::Sigint,
            _ = sigterm.recv() => Interrupt::Sigterm,
        };
        let _ = interrupt.set(first);
        eprintln!("interrupted: finishing the requests in flight (again to stop at once)");
        cancel.cancel();
        let second = tokio::select! {
            _ = sigint.recv() => Interrupt::Sigint,
            _ = sigterm.recv() => Interrupt::Sigterm,
        };
        std::process::exit(i32::from(match second {
            Interrupt::Sigint => crate::exit::SIGINT,
            Interrupt::Sigterm => crate::exit::SIGTERM,
        }));
    }))
}

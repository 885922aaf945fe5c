//! The async part of `run` and `demo`: starts the engine, listens to it,
//! handles SIGINT and SIGTERM, and prints the summary.
//!
//! First signal: stop dispatching, let requests in flight finish (bounded by
//! the timeout), record them, print the summary, exit 130 or 143. Second
//! signal: exit at once; every row already written is whole, because each row
//! is written and flushed as its operation finishes.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::greenapi::client::Client;
use crate::manifest::Operation;
use crate::report::consumer::{Views, consume};
use crate::report::progress::ProgressView;
use crate::report::results::ResultsFile;
use crate::report::summary;
use crate::report::tally::{Interrupt, Tally};
use crate::report::term::{ProgressMode, progress_style};
use crate::runner::engine::{self, EngineConfig, InstanceSetup};

/// Everything a run needs, prepared and checked.
pub struct Session {
    pub client: Client,
    pub setups: HashMap<Arc<str>, InstanceSetup>,
    pub engine: EngineConfig,
    /// The operations to send (those settled earlier are already counted in `tally`).
    pub ops: Vec<Operation>,
    pub tally: Tally,
    pub results: ResultsFile,
    pub progress: ProgressMode,
    /// `-q` hides the progress, `-qq` the summary too.
    pub quiet: u8,
    pub started: Instant,
}

/// Runs the session to its end on a fresh runtime and returns the exit code.
///
/// The engine's tasks share one thread (the results file and the views have
/// their own, below): its work is waiting on sockets and timers, and with
/// a pool of workers it spent more CPU waking them and contending in the
/// allocator than sending. Unpaced against a local server, one thread sent
/// a third more per second at half the CPU (BENCHMARKS.md §6).
pub fn run_session(session: Session) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (tally, interrupt) = runtime.block_on(drive(session, true))?;
    Ok(tally.exit_code(interrupt))
}

/// Drives a session inside a runtime. `signals` installs the SIGINT/SIGTERM
/// handlers (the demo and tests that drive sessions in-process leave them off).
pub async fn drive(session: Session, signals: bool) -> anyhow::Result<(Tally, Option<Interrupt>)> {
    let Session {
        client,
        setups,
        engine: config,
        ops,
        tally,
        results,
        progress,
        quiet,
        started,
    } = session;
    let cancel = CancellationToken::new();
    let interrupt = Arc::new(OnceLock::new());
    let watcher = if signals {
        Some(watch_signals(cancel.clone(), interrupt.clone())?)
    } else {
        None
    };
    let on_terminal = std::io::stderr().is_terminal();
    let style = progress_style(
        progress,
        on_terminal,
        std::env::var("TERM").ok().as_deref(),
        quiet > 0,
    );
    let tokens = setups.values().map(|s| s.endpoint.token.clone()).collect();
    let results_path = results.path().to_owned();
    let mut views = Views {
        results,
        progress: ProgressView::new(style, ops.len() as u64, on_terminal),
        tally,
        tokens,
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
    let Views { results, tally, .. } = views;
    let synced = results.finish();
    consumed?;
    synced?;
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    let interrupt = interrupt.get().copied();
    if quiet < 2 {
        print!(
            "{}",
            summary::render(&tally, started.elapsed(), &results_path, interrupt)
        );
    }
    Ok((tally, interrupt))
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

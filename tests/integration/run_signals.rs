//! SIGINT and SIGTERM on the real binary, with requests in flight (the
//! sandbox answers each 700 ms after it arrives): the first stops
//! dispatching, lets those requests finish and record, and exits 130 or
//! 143; every request sent has its row, the results file stays whole, and a
//! rerun finishes the job without resending anything.

use std::time::Duration;

use greenbatch::runner::Outcome;
use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

/// Whole rows in a results file now (a run may be writing it).
fn whole_rows(path: &std::path::Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .skip(1)
        .count()
        .saturating_sub(usize::from(!text.ends_with('\n')))
}

const G1: &str = "120363043968066561@g.us";

async fn interrupted_run(signal: &str, expected: i32) {
    let sb = sandbox(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_latency(700, 0.0),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("action,chat_id,participant_id\n");
    for n in 61..81 {
        text.push_str(&format!("remove,{G1},790012345{n}@c.us\n"));
    }
    let manifest = write(dir.path(), "m.csv", &text);
    let env = default_env(&sb, WA_MAIN);
    let child = greenbatch_async()
        .args([
            "run",
            manifest.to_str().unwrap(),
            "--rate",
            "10/s",
            "--progress",
            "never",
        ])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until some answers are recorded while more requests are out,
    // then interrupt.
    let results = dir.path().join("m.results.csv");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let in_flight = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run never got going"
        );
        let recorded = if results.exists() {
            whole_rows(&results)
        } else {
            0
        };
        let out = sent(&sb).len().saturating_sub(recorded);
        if recorded >= 2 && out >= 3 {
            break out;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(expected),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("interrupted after"));

    let first = rows(&results);
    let sent_before_rerun = sent(&sb).len();
    assert!(first.len() < 20, "the run stopped early");
    assert!(in_flight >= 3, "{in_flight} requests out at the signal");
    assert_eq!(
        first.len(),
        sent_before_rerun,
        "every request sent has its row: {} rows, {sent_before_rerun} sent",
        first.len()
    );
    assert!(first.iter().all(|r| r.outcome == Outcome::Done));

    let again = greenbatch(&["run", manifest.to_str().unwrap(), "--rate", "50/s"], &env).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(rows(&results).len(), 20);
    let ledger = sent(&sb);
    assert_eq!(ledger.len(), 20, "nothing done was sent again");
    assert!(ledger.iter().all(|e| e.changed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_finishes_in_flight_requests_and_exits_130() {
    interrupted_run("-INT", 130).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests_and_exits_143() {
    interrupted_run("-TERM", 143).await;
}

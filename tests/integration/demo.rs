//! `greenbatch demo`, the README's first command: it runs the example against
//! the embedded sandbox, retries the injected faults, and its rerun sends
//! nothing.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_the_example_and_its_rerun_sends_nothing() {
    let parent = tempfile::tempdir().unwrap();
    // A directory the demo creates itself: it refuses an existing one.
    let dir = parent.path().join("demo");
    let out = greenbatch(
        &[
            "demo",
            "--dir",
            dir.to_str().unwrap(),
            "--progress",
            "never",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let seen: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("the sandbox saw"))
        .collect();
    assert_eq!(seen.len(), 2, "{text}");
    assert!(
        !seen[0].contains(" 0 requests"),
        "the first run sends: {text}"
    );
    assert!(
        seen[1].contains("saw 0 requests"),
        "the rerun sends nothing: {text}"
    );
    let rows = rows(&dir.join("whatsapp-cleanup.results.csv"));
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|r| r.outcome.is_ok()), "{rows:?}");
    assert!(
        rows.iter().any(|r| r.attempts > 1),
        "the injected faults were retried: {rows:?}"
    );
}

//! `greenbatch run` end to end against the sandbox: the four actions on both
//! platforms, every outcome, reruns that send nothing, reordered manifests,
//! and the results file's lock.

use greenbatch::runner::Outcome;
use greenbatch::sandbox::{SandboxConfig, SandboxHandle};

use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const G3: &str = "79876543210-1587570015@g.us";
const MAXG: &str = "-10000000000000";
const FAST: &[&str] = &["--rate", "50/s"];

async fn unlimited() -> SandboxHandle {
    sandbox(SandboxConfig::default_state().without_rate_limits()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_actions_are_done_and_a_rerun_sends_nothing() {
    let sb = unlimited().await;
    let ops = [
        format!("remove,{G1},79001234561@c.us"),
        format!("add,{G1},79001234599@c.us"),
        format!("promote,{G1},79001234562@c.us"),
        format!("demote,{G1},79990000002@c.us"),
    ];
    let ran = run_rows(&sb, WA_MAIN, &ops, FAST).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let rows = ran.rows();
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .all(|r| r.outcome == Outcome::Done && r.attempts == 1 && r.http_status == Some(200)),
        "{rows:?}"
    );
    let state = sb.state();
    let g1 = state.group(G1).unwrap();
    assert!(!g1.is_member("79001234561@c.us"));
    assert!(g1.is_member("79001234599@c.us"));
    assert!(g1.is_admin("79001234562@c.us"));
    assert!(!g1.is_admin("79990000002@c.us"));
    assert_eq!(sent(&sb).len(), 4);
    let requests = sb.ledger().len();

    let again = ran.again(&sb, WA_MAIN, FAST).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(
        sb.ledger().len(),
        requests,
        "a completed run, rerun, sends nothing, not even a preflight"
    );
    assert!(
        stdout(&again).contains("0 requests sent"),
        "{}",
        stdout(&again)
    );
    assert_eq!(ran.rows().len(), 4, "nothing appended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_actions_use_chat_id_and_the_v3_paths() {
    let sb = unlimited().await;
    let ops = [
        format!("remove,{MAXG},10000001"),
        format!("add,{MAXG},10000099"),
        format!("promote,{MAXG},10000002"),
        format!("demote,{MAXG},10000003"),
    ];
    // Without live state, so that every operation is sent and answered.
    let ran = run_rows(&sb, MAX_MAIN, &ops, &["--rate", "50/s", "--no-live"]).await;
    assert_eq!(
        ran.code(),
        Some(1),
        "one demotion of a non-admin is rejected: {}",
        stderr(&ran.out)
    );
    for line in 2..=4 {
        assert_eq!(ran.row(line).outcome, Outcome::Done, "line {line}");
    }
    assert_eq!(ran.row(5).outcome, Outcome::Rejected);
    assert_eq!(ran.row(5).error, "removeAdmin false");
    assert!(
        sb.ledger().iter().all(|e| e.v3),
        "MAX requests go to /v3 paths"
    );
    for entry in sent(&sb) {
        assert_eq!(entry.field("chatId"), Some(MAXG));
        assert!(entry.body.get("groupId").is_none());
    }
    assert!(sb.state().group(MAXG).unwrap().is_admin("10000002"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_rejected_with_the_api_text_and_never_retried() {
    let sb = unlimited().await;
    let ops = [
        format!("remove,{G1},79001230000@c.us"),  // 2: not a member
        format!("promote,{G3},79876543201@c.us"), // 3: wa-main is not an admin of G3
        format!("remove,{G1},79001234563@c.us"),  // 4: fine
    ];
    // Without live state, the API's refusals are taken at their word.
    let no_live = &["--rate", "50/s", "--no-live"];
    let ran = run_rows(&sb, WA_MAIN, &ops, no_live).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    assert_eq!(
        (ran.row(2).outcome, ran.row(2).error.as_str()),
        (Outcome::Rejected, "removeParticipant false")
    );
    assert_eq!(ran.row(3).outcome, Outcome::Rejected);
    assert!(
        ran.row(3).error.starts_with("setGroupAdmin false: "),
        "{:?}",
        ran.row(3)
    );
    assert_eq!(ran.row(4).outcome, Outcome::Done);
    assert!(ran.rows().iter().all(|r| r.attempts == 1));
    assert_eq!(sent(&sb).len(), 3);

    // A rerun leaves rejected operations alone unless asked.
    let again = ran.again(&sb, WA_MAIN, no_live).await;
    assert_eq!(
        again.status.code(),
        Some(1),
        "earlier rejections still count"
    );
    assert_eq!(sent(&sb).len(), 3);
    let retry = ran
        .again(&sb, WA_MAIN, &["--rate", "50/s", "--retry-rejected"])
        .await;
    assert_eq!(retry.status.code(), Some(1));
    // With live state on, groups an earlier run recorded operations of are
    // read before their pending operations go: G1 shows the first removal's
    // goal holds (the number is no member), so `already`, unsent. The
    // promotion is sent again, refused again, and now explained.
    assert_eq!(sent(&sb).len(), 4, "only the promotion is sent again");
    assert_eq!(
        (ran.row(2).outcome, ran.row(2).attempts),
        (Outcome::Already, 0)
    );
    assert_eq!(ran.row(3).outcome, Outcome::Rejected);
    assert!(
        ran.row(3)
            .error
            .ends_with(": this instance is not an admin of the group"),
        "{:?}",
        ran.row(3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reordered_and_extended_manifests_send_only_what_is_new() {
    let sb = unlimited().await;
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (61..71)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect();
    let manifest = write(dir.path(), "m.csv", &csv(&lines));
    let results = dir.path().join("results.csv");
    let env = default_env(&sb, WA_MAIN);
    let run = |m: &std::path::Path| {
        let args = [
            "run".to_owned(),
            m.display().to_string(),
            "--results".into(),
            results.display().to_string(),
            "--rate".into(),
            "100/s".into(),
        ];
        let env = env.clone();
        async move { greenbatch(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await }
    };
    let out = run(&manifest).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sent(&sb).len(), 10);

    let mut reordered: Vec<String> = lines.iter().rev().cloned().collect();
    reordered.insert(3, format!("remove,{G1},79001234575@c.us"));
    let out = run(&write(dir.path(), "m2.csv", &csv(&reordered))).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let removals = sent(&sb);
    assert_eq!(removals.len(), 11, "only the inserted row is sent");
    assert_eq!(
        removals[10].field("participantChatId"),
        Some("79001234575@c.us")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_a_locked_results_file_exits_75_and_sends_nothing() {
    let sb = unlimited().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[format!("remove,{G1},79001234561@c.us")]),
    );
    let held =
        greenbatch::report::results::open(&dir.path().join("m.results.csv")).expect("lock taken");
    let out = greenbatch(
        &["run", manifest.to_str().unwrap()],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("in use by another greenbatch run"),
        "{}",
        stderr(&out)
    );
    assert!(sb.ledger().is_empty());
    drop(held);
    let out = greenbatch(
        &["run", manifest.to_str().unwrap()],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The results file is read while the manifest is validated (on another
/// core); an invalid manifest must still leave it exactly as it was, torn
/// last line included, and a missing one uncreated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_manifest_leaves_the_results_file_untouched() {
    let sb = unlimited().await;
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "m.csv",
        &csv(&[format!("remove,{G1},79001234561@c.us")]),
    );
    let results = dir.path().join("m.results.csv");
    let out = greenbatch(&["run", good.to_str().unwrap()], &default_env(&sb, WA_MAIN)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = sb.ledger().len();
    let mut bytes = std::fs::read(&results).unwrap();
    bytes.extend_from_slice(b"0123456789abcdef,m.csv:3,rem");
    std::fs::write(&results, &bytes).unwrap();
    let bad = write(
        dir.path(),
        "m.csv",
        &csv(&[
            format!("remove,{G1},79001234561@c.us"),
            format!("frobnicate,{G1},79001234562@c.us"),
        ]),
    );
    let out = greenbatch(&["run", bad.to_str().unwrap()], &default_env(&sb, WA_MAIN)).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&results).unwrap()),
        String::from_utf8_lossy(&bytes),
        "the torn line is cut only by a run that goes ahead"
    );
    let fresh = dir.path().join("fresh.results.csv");
    let out = greenbatch(
        &[
            "run",
            bad.to_str().unwrap(),
            "--results",
            fresh.to_str().unwrap(),
        ],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        !fresh.exists(),
        "no results file for a run that never starts"
    );
    assert_eq!(sb.ledger().len(), requests, "only the first run sent");
}

/// A results file held by another run, with an invalid manifest: the
/// manifest's problems come first (exit 2), as they did before the file
/// was read early.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_manifest_is_reported_before_a_held_results_file() {
    let sb = unlimited().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "m.csv",
        &csv(&[format!("frobnicate,{G1},79001234562@c.us")]),
    );
    let held =
        greenbatch::report::results::open(&dir.path().join("m.results.csv")).expect("lock taken");
    let out = greenbatch(&["run", bad.to_str().unwrap()], &default_env(&sb, WA_MAIN)).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("frobnicate"), "{}", stderr(&out));
    drop(held);
    assert!(sb.ledger().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_plan_and_sends_nothing() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &[format!("remove,{G1},79001234561@c.us")],
        &["--dry-run"],
    )
    .await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    assert!(
        stdout(&ran.out).contains("79001234561@c.us"),
        "{}",
        stdout(&ran.out)
    );
    assert!(sb.ledger().is_empty());
    assert!(
        !ran.dir.path().join("m.results.csv").exists(),
        "a dry run creates no results file"
    );
}

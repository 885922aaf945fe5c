//! `greenbatch run` end to end against the sandbox: the four actions on both
//! platforms, every outcome, reruns that send nothing, reordered manifests,
//! and the results file's lock.

use greenbatch::runner::Outcome;
use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const G3: &str = "79876543210-1587570015@g.us";
const MAXG: &str = "-10000000000000";

fn csv(rows: &[&str]) -> String {
    format!("action,chat_id,participant_id\n{}\n", rows.join("\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_actions_are_done_and_a_rerun_sends_nothing() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "wa.csv",
        &csv(&[
            &format!("remove,{G1},79001234561@c.us"),
            &format!("add,{G1},79001234599@c.us"),
            &format!("promote,{G1},79001234562@c.us"),
            &format!("demote,{G1},79990000002@c.us"),
        ]),
    );
    let env = default_env(&sb, WA_MAIN);
    let out = greenbatch(&["run", manifest.to_str().unwrap(), "--rate", "50/s"], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results = dir.path().join("wa.results.csv");
    let rows = rows(&results);
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .all(|r| r.outcome == Outcome::Done && r.attempts == 1 && r.http_status == Some(200)),
        "{rows:?}"
    );
    assert_eq!(
        rows.iter()
            .map(|r| r.source.as_str())
            .collect::<Vec<_>>()
            .len(),
        4
    );
    let state = sb.state();
    let g1 = state.group(G1).unwrap();
    assert!(!g1.is_member("79001234561@c.us"));
    assert!(g1.is_member("79001234599@c.us"));
    assert!(g1.is_admin("79001234562@c.us"));
    assert!(!g1.is_admin("79990000002@c.us"));
    assert_eq!(sent(&sb).len(), 4);

    let again = greenbatch(&["run", manifest.to_str().unwrap(), "--rate", "50/s"], &env).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(sent(&sb).len(), 4, "a completed run, rerun, sends nothing");
    assert!(
        stdout(&again).contains("0 requests sent"),
        "{}",
        stdout(&again)
    );
    assert_eq!(crate::support::rows(&results).len(), 4, "nothing appended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_actions_use_chat_id_and_the_v3_paths() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "max.csv",
        &csv(&[
            &format!("remove,{MAXG},10000001"),
            &format!("add,{MAXG},10000099"),
            &format!("promote,{MAXG},10000002"),
            &format!("demote,{MAXG},10000003"),
        ]),
    );
    // Without live state, so that every operation is sent and answered.
    let out = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "--rate",
            "50/s",
            "--no-live",
        ],
        &default_env(&sb, MAX_MAIN),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "one demotion of a non-admin is rejected: {}",
        stderr(&out)
    );
    let rows = rows(&dir.path().join("max.results.csv"));
    let outcome = |p: &str| rows.iter().find(|r| r.participant_id == p).unwrap().outcome;
    assert_eq!(outcome("10000001"), Outcome::Done);
    assert_eq!(outcome("10000099"), Outcome::Done);
    assert_eq!(outcome("10000002"), Outcome::Done);
    assert_eq!(outcome("10000003"), Outcome::Rejected);
    assert_eq!(
        rows.iter()
            .find(|r| r.participant_id == "10000003")
            .unwrap()
            .error
            .split(':')
            .next(),
        Some("removeAdmin false")
    );
    for entry in sent(&sb) {
        assert!(entry.v3, "MAX requests go to /v3 paths");
        assert_eq!(entry.field("chatId"), Some(MAXG));
        assert!(entry.body.get("groupId").is_none());
    }
    let state = sb.state();
    assert!(state.group(MAXG).unwrap().is_admin("10000002"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_rejected_with_the_api_text_and_never_retried() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "refused.csv",
        &csv(&[
            &format!("remove,{G1},79001230000@c.us"),
            &format!("promote,{G3},79876543201@c.us"),
            &format!("remove,{G1},79001234563@c.us"),
        ]),
    );
    // Without live state, the API's refusals are taken at their word.
    let out = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "--rate",
            "50/s",
            "--no-live",
        ],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rows = rows(&dir.path().join("refused.results.csv"));
    let row = |p: &str| rows.iter().find(|r| r.participant_id == p).unwrap().clone();
    assert_eq!(row("79001230000@c.us").outcome, Outcome::Rejected);
    assert_eq!(row("79001230000@c.us").error, "removeParticipant false");
    assert_eq!(row("79876543201@c.us").outcome, Outcome::Rejected);
    assert!(
        row("79876543201@c.us")
            .error
            .starts_with("setGroupAdmin false: "),
        "{:?}",
        row("79876543201@c.us")
    );
    assert!(!row("79001234563@c.us").error.contains("false"));
    assert!(rows.iter().all(|r| r.attempts == 1));
    assert_eq!(sent(&sb).len(), 3);

    // A rerun leaves rejected operations alone unless asked.
    let again = greenbatch(
        &["run", manifest.to_str().unwrap(), "--rate", "50/s"],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(
        again.status.code(),
        Some(1),
        "earlier rejections still count"
    );
    assert_eq!(sent(&sb).len(), 3);
    let retry = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "--rate",
            "50/s",
            "--retry-rejected",
        ],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(retry.status.code(), Some(1));
    // With live state on, the group shows the first removal's goal holds (the
    // number is no member): `already`, unsent. The promotion is sent again,
    // refused again, and now explained.
    assert_eq!(sent(&sb).len(), 4, "only the promotion is sent again");
    let all = crate::support::rows(&dir.path().join("refused.results.csv"));
    let latest = |p: &str| {
        all.iter()
            .rev()
            .find(|r| r.participant_id == p)
            .unwrap()
            .clone()
    };
    assert_eq!(latest("79001230000@c.us").outcome, Outcome::Already);
    assert_eq!(latest("79001230000@c.us").attempts, 0);
    assert_eq!(latest("79876543201@c.us").outcome, Outcome::Rejected);
    assert!(
        latest("79876543201@c.us")
            .error
            .ends_with(": this instance is not an admin of the group"),
        "{:?}",
        latest("79876543201@c.us")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reordered_and_extended_manifests_send_only_what_is_new() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (61..71)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let manifest = write(dir.path(), "m.csv", &csv(&refs));
    let results = dir.path().join("results.csv");
    let env = default_env(&sb, WA_MAIN);
    let args = |m: &std::path::Path| {
        vec![
            "run".to_owned(),
            m.display().to_string(),
            "--results".into(),
            results.display().to_string(),
            "--rate".into(),
            "100/s".into(),
        ]
    };
    let out = greenbatch(
        &args(&manifest)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sent(&sb).len(), 10);

    let mut reordered: Vec<&str> = refs.iter().rev().copied().collect();
    let extra = format!("remove,{G1},79001234575@c.us");
    reordered.insert(3, &extra);
    let manifest2 = write(dir.path(), "m2.csv", &csv(&reordered));
    let out = greenbatch(
        &args(&manifest2)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ledger = sent(&sb);
    assert_eq!(ledger.len(), 11, "only the inserted row is sent");
    assert_eq!(
        ledger[10].field("participantChatId"),
        Some("79001234575@c.us")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_a_locked_results_file_exits_75_and_sends_nothing() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[&format!("remove,{G1},79001234561@c.us")]),
    );
    let results = dir.path().join("m.results.csv");
    let held = greenbatch::report::results::open(&results).expect("lock taken");
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
    assert!(sent(&sb).is_empty());
    drop(held);
    let out = greenbatch(
        &["run", manifest.to_str().unwrap()],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_plan_and_sends_nothing() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[&format!("remove,{G1},79001234561@c.us")]),
    );
    let out = greenbatch(
        &["run", manifest.to_str().unwrap(), "--dry-run"],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("79001234561@c.us"),
        "{}",
        stdout(&out)
    );
    assert!(sent(&sb).is_empty());
    assert!(
        !dir.path().join("m.results.csv").exists(),
        "a dry run creates no results file"
    );
}

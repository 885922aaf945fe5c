//! Groups named by their subjects (issue 24, "group names"): the live
//! plan and a run's summary show `Book club (120363169960827018@g.us)`
//! where a read told the subject, and JSON adds `subject` beside
//! `chat_id`; the names come from reads the command makes anyway (no group
//! is read twice for its name), and the results file stays as it was.
//! Against the sandbox's built-in state, whose groups have subjects.

use std::path::Path;

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};
use serde_json::Value;

use crate::support::*;

pub const MARKET: &str = "120363043968066561@g.us";
pub const BOOK_CLUB: &str = "120363169960827018@g.us";
const OLD_FRIENDS: &str = "79876543210-1587570015@g.us";

pub fn count(sb: &SandboxHandle, method: &str) -> usize {
    sb.ledger()
        .iter()
        .filter(|e| e.method.as_deref() == Some(method))
        .count()
}

async fn unlimited() -> SandboxHandle {
    sandbox(SandboxConfig::default_state().without_rate_limits()).await
}

/// A removal, a promotion and a refused removal in three groups.
fn three_groups() -> Vec<String> {
    vec![
        format!("remove,{MARKET},79001234561@c.us"),
        format!("promote,{BOOK_CLUB},79005550001@c.us"),
        format!("remove,{OLD_FRIENDS},79876543201@c.us"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_plan_names_each_group_it_reads() {
    let sb = unlimited().await;
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "m.csv", &csv(&three_groups()));
    let env = default_env(&sb, WA_MAIN);
    let out = greenbatch(&["plan", m.to_str().unwrap(), "--live"], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out).replace(&format!("{}/", dir.path().display()), "");
    insta::assert_snapshot!(text);
    assert_eq!(
        count(&sb, "getGroupData"),
        3,
        "each group read once, names too"
    );

    let json = greenbatch(
        &["plan", m.to_str().unwrap(), "--live", "--format", "json"],
        &env,
    )
    .await;
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    let named: Vec<(&str, &str)> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["chat_id"].as_str().unwrap(),
                g["subject"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            (MARKET, "Neighbourhood market"),
            (BOOK_CLUB, "Book club"),
            (OLD_FRIENDS, "Old friends (wa-main is not an admin here)")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_plan_names_a_group_it_cannot_read_by_the_listing_of_its_star_row() {
    let faults = vec![FaultRule::always(Fault::Garbage).for_method(Method::GetGroupData)];
    let sb = sandbox(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_faults(faults),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "m.csv",
        &csv(&["remove,*,79001234562@c.us".into()]),
    );
    let out = greenbatch(
        &["plan", m.to_str().unwrap(), "--live"],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "default (whatsapp) Neighbourhood market ({MARKET}): 0 change, 0 already, 0 refused, 1 unknown\n  could not be read: "
        )),
        "{text}"
    );
    assert_eq!(
        count(&sb, "getContacts"),
        1,
        "listed once, for `*` and names"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_summary_names_the_groups_its_own_reads_told_and_reads_none_for_names() {
    let sb = unlimited().await;
    // The removal of a non-member answers `false`, which a fresh read of
    // the market explains: that read names the group.
    let rows = vec![format!("remove,{MARKET},79001239999@c.us")];
    let ran = run_rows(&sb, WA_MAIN, &rows, &["--progress", "never"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let text = stdout(&ran.out);
    assert!(
        text.contains(&format!("  in Neighbourhood market ({MARKET}): already 1")),
        "{text}"
    );
    assert_results_hold_no_name(&ran.dir.path().join("m.results.csv"));

    // Without live reads nothing tells a name, and nothing is read for one.
    let before = (count(&sb, "getGroupData"), count(&sb, "getContacts"));
    let rows = vec![format!("remove,{MARKET},79001234563@c.us")];
    let ran = run_rows(&sb, WA_MAIN, &rows, &["--progress", "never", "--no-live"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let text = stdout(&ran.out);
    assert!(text.contains(&format!("  in {MARKET}: done 1")), "{text}");
    assert_eq!(
        (count(&sb, "getGroupData"), count(&sb, "getContacts")),
        before
    );
}

/// The results file is as it always was: its header, and no subject.
fn assert_results_hold_no_name(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.starts_with("op_id,source,action,platform,instance,chat_id,participant_id,ok,outcome,error,http_status,attempts,finished_at\n"),
        "{text}"
    );
    for name in ["Neighbourhood market", "Book club", "Old friends"] {
        assert!(!text.contains(name), "{name} in\n{text}");
    }
}

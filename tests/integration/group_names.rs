//! Groups named by their subjects (issue 24, "group names"): the live
//! plan, a sync's dry run and its run, a run's summary and `report --live`
//! show `Book club (120363169960827018@g.us)` where a read told the
//! subject, and JSON adds `subject` beside `chat_id`; the names come from
//! reads the command makes anyway (no group is read twice for its name),
//! and `report` without `--live` and the results file stay as they were.
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
async fn a_sync_names_the_groups_it_read_in_its_plan_and_its_summary() {
    let sb = unlimited().await;
    let dir = tempfile::tempdir().unwrap();
    // The Book club by its ID, the rest through `*` (named by getContacts,
    // then read): every group of the plan has a name.
    let desired = write(
        dir.path(),
        "d.yaml",
        &format!(
            "groups:\n  - chat_id: {BOOK_CLUB}\n    admins: [79005550002@c.us]\n  - chat_id: \"*\"\n    banned: [79001234562@c.us]\n"
        ),
    );
    let file = desired.to_str().unwrap();
    let env = default_env(&sb, WA_MAIN);
    let dry = greenbatch(&["sync", file, "--dry-run", "--progress", "never"], &env).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let text = stdout(&dry);
    for line in [
        format!("default Book club ({BOOK_CLUB}) (23 members): 1 to promote"),
        format!("default Neighbourhood market ({MARKET}) (32 members): 1 to remove"),
        format!(
            "default Old friends (wa-main is not an admin here) ({OLD_FRIENDS}) (7 members): no change"
        ),
    ] {
        assert!(text.contains(&line), "{line}\n{text}");
    }
    let json = greenbatch(
        &[
            "sync",
            file,
            "--dry-run",
            "--format",
            "json",
            "--progress",
            "never",
        ],
        &env,
    )
    .await;
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["groups"][0]["chat_id"], BOOK_CLUB);
    assert_eq!(doc["groups"][0]["subject"], "Book club");
    assert_eq!(doc["groups"][1]["subject"], "Neighbourhood market");

    // The real sync on a sandbox whose getGroupData answers garbage once
    // the sync's own three reads are done: the job's summary can name the
    // groups only by what those reads told, never by reading again.
    let faulty = sandbox(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_faults(vec![
                FaultRule::always(Fault::Garbage)
                    .for_method(Method::GetGroupData)
                    .after(3),
            ]),
    )
    .await;
    let env = default_env(&faulty, WA_MAIN);
    let out = greenbatch(&["sync", file, "--progress", "never"], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        format!("  in Book club ({BOOK_CLUB}): done 1"),
        format!("  in Neighbourhood market ({MARKET}): done 1"),
    ] {
        assert!(text.contains(&line), "{line}\n{text}");
    }
    let results = files_ending(dir.path(), ".results.csv");
    assert_results_hold_no_name(&results[0]);
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

/// The files in `dir` whose names end with `suffix`.
fn files_ending(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_str().unwrap().ends_with(suffix))
        .collect()
}

/// `report FILE ARGS` with `env`.
pub async fn report(file: &Path, args: &[&str], env: &[(String, String)]) -> std::process::Output {
    let mut all = vec!["report", file.to_str().unwrap()];
    all.extend_from_slice(args);
    greenbatch(&all, env).await
}

/// The JSON document without its `subject` fields.
fn without_subjects(mut doc: Value) -> Value {
    for list in ["by_group", "needs_person"] {
        for item in doc[list].as_array_mut().unwrap() {
            item.as_object_mut().unwrap().remove("subject");
        }
    }
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_live_names_the_groups_in_every_format_and_report_alone_is_unchanged() {
    let sb = unlimited().await;
    let mut rows = three_groups();
    rows.push(format!("remove,{MARKET},79990000001@c.us")); // its own number: rejected
    let ran = run_rows(&sb, WA_MAIN, &rows, &["--progress", "never"]).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    let results = ran.dir.path().join("m.results.csv");
    let env = default_env(&sb, WA_MAIN);
    let live = ["--live", "--progress", "never"];
    let before = (count(&sb, "getContacts"), count(&sb, "getGroupData"));

    let plain = report(&results, &[], &env).await;
    let named = report(&results, &live, &env).await;
    assert_eq!(plain.status.code(), Some(1));
    assert_eq!(named.status.code(), Some(1), "names change no exit code");
    let (plain, named) = (stdout(&plain), stdout(&named));
    for name in ["Neighbourhood market", "Book club", "Old friends"] {
        assert!(!plain.contains(name), "{name} without --live:\n{plain}");
    }
    for group in [
        format!("Neighbourhood market ({MARKET})"),
        format!("Book club ({BOOK_CLUB})"),
        format!("Old friends (wa-main is not an admin here) ({OLD_FRIENDS})"),
    ] {
        assert!(named.contains(&group), "{group} in\n{named}");
    }
    // getContacts told every name: no group was read for one.
    assert_eq!(
        (count(&sb, "getContacts"), count(&sb, "getGroupData")),
        (before.0 + 1, before.1)
    );

    let md = report(&results, &["--format", "markdown"], &env).await;
    let md_named = report(
        &results,
        &[&live[..], &["--format", "markdown"]].concat(),
        &env,
    )
    .await;
    let (md, md_named) = (stdout(&md), stdout(&md_named));
    assert!(
        md_named.contains(&format!("| Neighbourhood market \\(`{MARKET}`\\) |")),
        "{md_named}"
    );
    let mut unnamed = md_named.clone();
    for (chat, name) in [
        (MARKET, "Neighbourhood market"),
        (BOOK_CLUB, "Book club"),
        (
            OLD_FRIENDS,
            "Old friends \\(wa-main is not an admin here\\)",
        ),
    ] {
        unnamed = unnamed.replace(&format!("{name} \\(`{chat}`\\)"), &format!("`{chat}`"));
    }
    assert_eq!(unnamed, md, "the names are all --live adds");

    let html = report(&results, &[&live[..], &["--format", "html"]].concat(), &env).await;
    let html = stdout(&html);
    assert!(html.contains(&format!("Book club ({BOOK_CLUB})")), "{html}");

    let json = report(&results, &["--format", "json"], &env).await;
    let json_named = report(&results, &[&live[..], &["--format", "json"]].concat(), &env).await;
    let (json, json_named): (Value, Value) = (
        serde_json::from_slice(&json.stdout).unwrap(),
        serde_json::from_slice(&json_named.stdout).unwrap(),
    );
    assert!(
        !has_key(&json, "subject"),
        "no subject field without --live"
    );
    let rejected = &json_named["needs_person"][0];
    assert_eq!(
        (rejected["chat_id"].as_str(), rejected["subject"].as_str()),
        (Some(MARKET), Some("Neighbourhood market"))
    );
    assert_eq!(
        without_subjects(json_named),
        json,
        "only `subject` is added"
    );
}

fn has_key(doc: &Value, key: &str) -> bool {
    match doc {
        Value::Object(map) => map.iter().any(|(k, v)| k == key || has_key(v, key)),
        Value::Array(items) => items.iter().any(|v| has_key(v, key)),
        _ => false,
    }
}

//! Live state (issue 5) end to end against the sandbox: the preflight on each
//! instance state, runs that skip what already holds without sending it, the
//! apply-then-drop fault ending `already`, refusals explained by a fresh read,
//! the owner and self guards, and `plan --live` on both platforms.

use greenbatch::greenapi::Method;
use greenbatch::runner::Outcome;
use greenbatch::sandbox::{Fault, FaultRule, InstanceState, SandboxConfig, SandboxHandle};

use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const G2: &str = "120363169960827018@g.us";
const G3: &str = "79876543210-1587570015@g.us";
const MAXG: &str = "-10000000000000";
const MAXG2: &str = "-10000000000001";
const FAST: &[&str] = &["--rate", "50/s"];

fn count(sb: &SandboxHandle, method: &str) -> usize {
    sb.ledger()
        .iter()
        .filter(|e| e.method.as_deref() == Some(method))
        .count()
}

async fn unlimited() -> SandboxHandle {
    sandbox(SandboxConfig::default_state().without_rate_limits()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_aborts_an_instance_in_any_state_but_authorized() {
    use InstanceState::*;
    for state in [NotAuthorized, Starting, Blocked, YellowCard, SleepMode] {
        let sb = unlimited().await;
        assert!(sb.set_instance_state(WA_MAIN, state));
        let ops = [
            format!("remove,{G1},79001234561@c.us"),
            format!("remove,{G1},79001234562@c.us"),
        ];
        let ran = run_rows(&sb, WA_MAIN, &ops, FAST).await;
        assert_eq!(ran.code(), Some(4), "{state:?}: {}", stderr(&ran.out));
        let rows = ran.rows();
        assert_eq!(rows.len(), 2);
        for row in &rows {
            assert_eq!((row.outcome, row.attempts), (Outcome::Aborted, 0));
            assert!(
                row.error.contains(&format!("`{}`", state.as_str())),
                "{state:?}: {}",
                row.error
            );
        }
        let ledger = sb.ledger();
        assert_eq!(ledger.len(), 1, "{state:?}: only the preflight: {ledger:?}");
        assert_eq!(ledger[0].method.as_deref(), Some("getStateInstance"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_preflight_the_refusal_comes_from_the_operations() {
    let sb = unlimited().await;
    sb.set_instance_state(WA_MAIN, InstanceState::NotAuthorized);
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &[format!("remove,{G1},79001234561@c.us")],
        &["--no-preflight", "--no-live"],
    )
    .await;
    assert_eq!(ran.code(), Some(4), "{}", stderr(&ran.out));
    assert_eq!(count(&sb, "getStateInstance"), 0);
    assert_eq!(sent(&sb).len(), 1);
    assert!(ran.row(2).error.contains("not authorized"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_skips_what_already_holds_without_sending_it() {
    let sb = unlimited().await;
    let ops = [
        format!("remove,{G1},79001230000@c.us"),  // 2: not a member
        format!("add,{G1},79001234561@c.us"),     // 3: already a member
        format!("promote,{G1},79001234560@c.us"), // 4: already an admin
        format!("demote,{G1},79001234562@c.us"),  // 5: not an admin
        format!("remove,{G1},79001234563@c.us"),  // 6: a real change
        format!("add,{G1},79001234598@c.us"),     // 7: added, then promoted:
        format!("promote,{G1},79001234598@c.us"), // 8: the known state follows
    ];
    // At 5/s the group's read lands before the sends reach its last
    // operation, so it is read first and every operation is predicted.
    let ran = run_rows(&sb, WA_MAIN, &ops, &["--rate", "5/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    for (line, why) in [
        (2, "not a member"),
        (3, "already a member"),
        (4, "already an admin"),
        (5, "not an admin"),
    ] {
        let row = ran.row(line);
        assert_eq!(
            (row.outcome, row.attempts),
            (Outcome::Already, 0),
            "line {line}: not sent"
        );
        assert!(row.error.contains(why), "line {line}: {}", row.error);
    }
    for line in 6..=8 {
        assert_eq!(ran.row(line).outcome, Outcome::Done, "line {line}");
    }
    assert_eq!(sent(&sb).len(), 3, "only the three real changes are sent");
    assert_eq!(count(&sb, "getGroupData"), 1, "the group is read once");
    assert!(sb.state().group(G1).unwrap().is_admin("79001234598@c.us"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applied_request_whose_answer_was_lost_ends_already_and_is_not_sent_again() {
    let drop = FaultRule {
        first_n: Some(1),
        ..FaultRule::always(Fault::DropAfterApply).for_method(Method::RemoveGroupParticipant)
    };
    let sb = sandbox(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_faults(vec![drop]),
    )
    .await;
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &[format!("remove,{G1},79001234561@c.us")],
        FAST,
    )
    .await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let row = ran.row(2);
    assert_eq!(row.outcome, Outcome::Already, "{row:?}");
    assert!(
        row.error.contains("the group shows the goal holds"),
        "{row:?}"
    );
    let removals = sent(&sb);
    assert_eq!(removals.len(), 1, "not duplicated");
    assert!(
        removals[0].changed && removals[0].status.is_none(),
        "applied, then the connection dropped"
    );
    assert_eq!(
        count(&sb, "getGroupData"),
        1,
        "a single removal is sent unread; the group is read once, to reconcile"
    );
    assert!(!sb.state().group(G1).unwrap().is_member("79001234561@c.us"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_explained_by_a_fresh_read() {
    let sb = unlimited().await;
    let ops = [
        "remove,120363000000000001@g.us,79001234561@c.us".to_owned(), // 2: no such group
        format!("promote,{G1},79001230000@c.us"),                     // 3: not a member
        format!("remove,{G3},79876543201@c.us"),                      // 4: not an admin there
    ];
    let ran = run_rows(&sb, WA_MAIN, &ops, FAST).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    assert!(
        ran.rows().iter().all(|r| r.outcome == Outcome::Rejected),
        "{:?}",
        ran.rows()
    );
    assert!(
        ran.row(2)
            .error
            .starts_with("removeParticipant false: group not found"),
        "{}",
        ran.row(2).error
    );
    assert_eq!(
        ran.row(3).error,
        "setGroupAdmin false: participant not found: not a member of the group"
    );
    assert_eq!(
        ran.row(4).error,
        "removeParticipant false: this instance is not an admin of the group"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_and_the_instance_itself_are_never_removed_or_demoted() {
    let sb = unlimited().await;
    let ops = [
        format!("demote,{G2},79990000001@c.us"), // 2: the instance itself
        format!("remove,{G1},79990000001@c.us"), // 3: the instance itself (and owner)
        format!("remove,{G3},79876543210@c.us"), // 4: the creator its legacy ID names
    ];
    let ran = run_rows(&sb, WA_MAIN, &ops, FAST).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    for row in ran.rows() {
        assert_eq!(
            (row.outcome, row.attempts),
            (Outcome::Rejected, 0),
            "{row:?}"
        );
        assert!(row.error.starts_with("not sent: "), "{row:?}");
    }
    assert!(ran.row(2).error.contains("this instance's own number"));
    assert!(ran.row(3).error.contains("this instance's own number"));
    assert!(ran.row(4).error.contains("created the group"));
    assert!(sent(&sb).is_empty(), "nothing sent");
    assert_eq!(count(&sb, "getGroupData"), 0, "no read was needed");

    // An owner known from a read is never sent either: at 5/s the group's
    // read lands first.
    let sb = unlimited().await;
    let mut ops: Vec<String> = (1..=4)
        .map(|n| format!("remove,{G2},7900555000{n}@c.us"))
        .collect();
    ops.push(format!("remove,{G2},79005550000@c.us")); // 6: the owner
    let ran = run_rows(&sb, WA_MAIN, &ops, &["--rate", "5/s"]).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    let owner = ran.row(6);
    assert_eq!((owner.outcome, owner.attempts), (Outcome::Rejected, 0));
    assert_eq!(
        owner.error,
        "not sent: 79005550000@c.us is the group's owner"
    );
    assert_eq!(sent(&sb).len(), 4);

    // On WhatsApp an owner the run has not read is sent: the service never
    // removes a group's creator, and the `false` is explained by a read.
    let sb = unlimited().await;
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &[format!("remove,{G2},79005550000@c.us")],
        FAST,
    )
    .await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    assert_eq!(
        ran.row(2).error,
        "removeParticipant false: 79005550000@c.us is the group's owner"
    );
    assert!(sb.state().group(G2).unwrap().is_member("79005550000@c.us"));

    // On MAX nothing says the service refuses: a removal or demotion waits
    // for its group's read, so the owner is never sent.
    let max = unlimited().await;
    let ops = [
        format!("demote,{MAXG},39888725"),  // 2: the instance itself
        format!("remove,{MAXG2},20000000"), // 3: the owner, known by a read
    ];
    let ran = run_rows(&max, MAX_MAIN, &ops, FAST).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    assert!(ran.row(2).error.contains("own number"), "{:?}", ran.row(2));
    assert_eq!(ran.row(3).error, "not sent: 20000000 is the group's owner");
    assert!(sent(&max).is_empty());
    assert_eq!(
        count(&max, "getGroupData"),
        1,
        "MAXG2 read; MAXG needed no read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_live_predicts_every_case_on_both_platforms() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let wa = write(
        dir.path(),
        "wa.csv",
        &csv(&[
            format!("remove,{G1},79001234561@c.us"),
            format!("remove,{G1},79001230000@c.us"),
            format!("promote,{G1},79001230001@c.us"),
            format!("remove,{G2},79005550000@c.us"),
            format!("remove,{G3},79876543201@c.us"),
        ]),
    );
    let out = greenbatch(
        &["plan", wa.to_str().unwrap(), "--live"],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out).replace(&format!("{}/", dir.path().display()), "");
    assert!(
        text.starts_with(
            "live plan for wa.csv: 5 operations in 3 groups: 1 change, 1 already, 3 refused"
        ),
        "{text}"
    );
    for expected in [
        "  change   remove   79001234561@c.us",
        "  already  remove   79001230000@c.us             wa.csv:3  not a member of the group",
        "  refused  promote  79001230001@c.us             wa.csv:4  not a member of the group",
        "wa.csv:5  79005550000@c.us is the group's owner",
        "wa.csv:6  this instance is not an admin of the group",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    assert!(sent(&sb).is_empty(), "a plan changes nothing");
    assert_eq!(count(&sb, "getGroupData"), 3, "each group read once");

    let max = write(
        dir.path(),
        "max.csv",
        &csv(&[
            format!("promote,{MAXG},10000001"),
            format!("add,{MAXG},10000002"),
            format!("demote,{MAXG},39888725"),
        ]),
    );
    let out = greenbatch(
        &[
            "run",
            max.to_str().unwrap(),
            "--dry-run",
            "--live",
            "--format",
            "json",
        ],
        &default_env(&sb, MAX_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (
            doc["totals"]["change"].as_u64(),
            doc["totals"]["already"].as_u64(),
            doc["totals"]["refused"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    let ops = &doc["groups"][0]["operations"];
    assert_eq!(ops[0]["prediction"], "change");
    assert_eq!(ops[1]["prediction"], "already");
    assert_eq!(ops[2]["reason"], "39888725 is this instance's own number");
    assert!(sent(&sb).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_live_against_a_failing_server_is_bounded_by_its_outage_patience() {
    // Issue 20, item 6: every read answers 500. Without a bound the plan
    // waited out five minutes of outage (307 s seen); with
    // --outage-patience it gives up on the reads and says so, well inside
    // the support's one-minute deadline (the hang guard, not a speed test).
    let sb = sandbox(SandboxConfig::default_state().with_faults(vec![
        FaultRule::always(Fault::ServerError).for_method(Method::GetGroupData),
    ]))
    .await;
    let rows = [
        format!("remove,{G1},79001234561@c.us"),
        format!("remove,{G2},79005550001@c.us"),
        format!("remove,{G3},79001234562@c.us"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", &csv(&rows));
    let out = greenbatch(
        &[
            "plan",
            manifest.to_str().unwrap(),
            "--live",
            "--outage-patience",
            "2s",
            "--timeout",
            "5s",
        ],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(text.matches("could not be read").count(), 3, "{text}");
    assert!(text.contains("HTTP 500"), "{text}");
    assert!(
        count(&sb, "removeGroupParticipant") == 0,
        "a plan sends nothing"
    );
}

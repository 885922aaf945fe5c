//! `greenbatch sync` as a job (issue 11): it runs its operations as `run`
//! does (the results file and its exact header, the audit manifest that
//! `validate` reads), two syncs of one desired file never run together
//! (the second exits 75 at once and sends nothing), a dry run takes no lock
//! and may look while a sync holds it, a sync killed midway converges when
//! run again, and a desired file with problems is refused whole before
//! anything is sent.

use std::time::Duration;

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};

use super::sync_rules::{files_ending, sent_since, sync};
use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const G2: &str = "120363169960827018@g.us";

/// G1 of the default state wanting its admins and the numbers 61..=`last`
/// (so 89 - `last` removals), with `remove_others`; G2 adding one.
fn desired(last: u32) -> String {
    let kept: Vec<String> = (61..=last).map(|n| format!("790012345{n}@c.us")).collect();
    format!(
        "groups:\n  - chat_id: {G1}\n    members: [79990000001@c.us, 79990000002@c.us, 79001234560@c.us, {}]\n    remove_others: true\n  - chat_id: {G2}\n    members: [79005550099@c.us]\n",
        kept.join(", ")
    )
}

fn count(sb: &SandboxHandle, method: &str) -> usize {
    sb.ledger()
        .iter()
        .filter(|e| e.method.as_deref() == Some(method))
        .count()
}

/// Waits (bounded) until `ready` holds of the sandbox.
async fn until(sb: &SandboxHandle, ready: impl Fn(&SandboxHandle) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !ready(sb) {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn spawn_sync(
    sb: &SandboxHandle,
    desired: &std::path::Path,
    args: &[&str],
) -> tokio::process::Child {
    greenbatch_async()
        .args(["sync", desired.to_str().unwrap(), "--progress", "never"])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .envs(default_env(sb, WA_MAIN))
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_runs_its_operations_as_run_does_and_leaves_an_audit_trail() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nightly.yaml", &desired(86));
    let out = sync(&sb, &path, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results = files_ending(dir.path(), ".results.csv");
    let ops = files_ending(dir.path(), ".ops.csv");
    assert_eq!((results.len(), ops.len()), (1, 1));
    let name = results[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("nightly.sync-") && name.ends_with("Z.results.csv"),
        "dated beside the desired file: {name}"
    );
    let text = std::fs::read_to_string(&results[0]).unwrap();
    assert_eq!(
        text.lines().next(),
        Some(
            "op_id,source,action,platform,instance,chat_id,participant_id,ok,outcome,error,http_status,attempts,finished_at"
        )
    );
    let rows = rows(&results[0]);
    assert_eq!(rows.len(), 4, "3 removals and an add");
    let ops_name = ops[0].display().to_string();
    assert!(
        rows.iter()
            .all(|r| r.source.starts_with(&ops_name)
                && r.outcome == greenbatch::runner::Outcome::Done),
        "{rows:?}"
    );
    assert!(
        stdout(&out).contains(&format!("operations: {ops_name}")),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("results: "),
        "run's summary: {}",
        stdout(&out)
    );
    // The audit trail is a manifest `validate` and `run` understand; run
    // again, it sends nothing (the changes hold).
    let v = greenbatch(&["validate", &ops_name], &default_env(&sb, WA_MAIN)).await;
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    assert!(
        stdout(&v).contains("valid, 4 operations in 2 groups"),
        "{}",
        stdout(&v)
    );
    // An explicit results file that already has rows is refused: a sync is
    // a fresh job.
    let before = sb.ledger_totals().requests;
    let r = results[0].to_str().unwrap();
    let again = sync(&sb, &path, &["--results", r]).await;
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already records 4 rows"),
        "{}",
        stderr(&again)
    );
    assert_eq!(sent_since(&sb, before), 0);
    let fresh = dir.path().join("tonight.results.csv");
    let out = sync(&sb, &path, &["--results", fresh.to_str().unwrap(), "-vv"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The changes hold: nothing to send, so no file is written.
    assert!(
        stdout(&out).contains("no change: 2 groups as desired; nothing sent, no files written"),
        "{}",
        stdout(&out)
    );
    assert!(!dir.path().join("tonight.ops.csv").exists());
    assert!(!fresh.exists());
    // The token appears nowhere: not in the output (debug logs included),
    // not in any file the syncs wrote.
    let token = sb.instance(WA_MAIN).unwrap().token.expose().to_owned();
    assert!(!stdout(&out).contains(&token) && !stderr(&out).contains(&token));
    for file in files_ending(dir.path(), ".csv") {
        assert!(
            !std::fs::read_to_string(&file).unwrap().contains(&token),
            "{file:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sync_of_the_same_file_exits_75_at_once_and_sends_nothing() {
    // Every answer takes 200 ms, so the first sync is still at work.
    let sb = sandbox(SandboxConfig::default_state().with_latency(200, 0.0)).await;
    // The second sync's instance points at another sandbox: anything it
    // sent would show there.
    let other = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nightly.yaml", &desired(86));
    let mut first = spawn_sync(&sb, &path, &[]);
    until(&sb, |sb| !sb.ledger().is_empty()).await;
    let second = sync(&other, &path, &[]).await;
    assert_eq!(second.status.code(), Some(75), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("is being synced by another greenbatch sync"),
        "{}",
        stderr(&second)
    );
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first is still running"
    );
    assert!(other.ledger().is_empty(), "the second sent nothing");
    let status = tokio::time::timeout(Duration::from_secs(60), first.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(sent(&sb).len(), 4);
}

/// A default-state sandbox (its documented limits on) where every `method`
/// request hangs unanswered.
async fn hanging(method: Method) -> SandboxHandle {
    sandbox(
        SandboxConfig::default_state()
            .with_faults(vec![FaultRule::always(Fault::Hang).for_method(method)]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_takes_no_lock_and_looks_while_a_sync_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nightly.yaml", &desired(86));

    // A sync that holds the file: its removals hang, so it is still at
    // work (and holds the lock) until it is killed.
    let held = hanging(Method::RemoveGroupParticipant).await;
    let mut holder = spawn_sync(&held, &path, &[]);
    until(&held, |sb| count(sb, "removeGroupParticipant") >= 1).await;
    // Meanwhile a dry run of the file reads its groups and shows the plan.
    let look = sandbox(SandboxConfig::default_state()).await;
    let dry = sync(&look, &path, &["--dry-run"]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let plan = stdout(&dry);
    assert!(
        plan.contains(&format!(
            "default Neighbourhood market ({G1}) (32 members): 3 to remove"
        )),
        "{plan}"
    );
    assert!(plan.contains("4 changes"), "{plan}");
    assert_eq!(count(&look, "getGroupData"), 2, "it read both groups");
    assert!(sent(&look).is_empty(), "and sent nothing");
    // While a real sync of it is still turned away: the lock was held
    // before, during and after the dry run.
    let other = sandbox(SandboxConfig::default_state()).await;
    let refused = sync(&other, &path, &[]).await;
    assert_eq!(refused.status.code(), Some(75), "{}", stderr(&refused));
    assert!(other.ledger().is_empty());
    assert!(
        holder.try_wait().unwrap().is_none(),
        "the holder still runs"
    );
    holder.kill().await.unwrap();

    // A dry run at work (its group read hangs) holds nothing: a real sync
    // of the same file runs beside it and does its work.
    let stuck = hanging(Method::GetGroupData).await;
    let mut dry = spawn_sync(&stuck, &path, &["--dry-run"]);
    until(&stuck, |sb| count(sb, "getGroupData") >= 1).await;
    let real = sandbox(SandboxConfig::default_state()).await;
    let out = sync(&real, &path, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sent(&real).len(), 4, "3 removals and an add");
    assert!(dry.try_wait().unwrap().is_none(), "the dry run still runs");
    dry.kill().await.unwrap();
    assert!(sent(&stuck).is_empty(), "the dry run sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_midway_converges_when_run_again() {
    // Two removals answered, then every later one applied but never answered.
    let hang = FaultRule {
        after_n: Some(2),
        apply: true,
        ..FaultRule::always(Fault::Hang).for_method(Method::RemoveGroupParticipant)
    };
    let sb = sandbox(SandboxConfig::default_state().with_faults(vec![hang])).await;
    let dir = tempfile::tempdir().unwrap();
    // Ten removals from G1, and an add to G2.
    let path = write(dir.path(), "nightly.yaml", &desired(79));
    let mut first = spawn_sync(&sb, &path, &["--max-removals", "10"]);
    until(&sb, |sb| count(sb, "removeGroupParticipant") >= 5).await;
    first.kill().await.unwrap();
    let left = sb.state().group(G1).unwrap().participants.len();
    assert!(left < 32 - 2, "some hung removals were applied: {left}");
    sb.set_faults(Vec::new()).unwrap();
    // What the killed sync left undone, as the sandbox has it.
    let unwanted: Vec<String> = {
        let state = sb.state();
        let g1 = state.group(G1).unwrap();
        (80..=89)
            .map(|n| format!("790012345{n}@c.us"))
            .filter(|p| g1.is_member(p))
            .collect()
    };
    assert_eq!(unwanted.len(), left - 22);
    let add_pending = !sb.state().group(G2).unwrap().is_member("79005550099@c.us");
    let before = sb.ledger_totals().requests;
    let again = sync(&sb, &path, &["--max-removals", "10"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let g1 = sb.state().group(G1).unwrap().clone();
    assert_eq!(g1.participants.len(), 22, "32 less the 10 unwanted");
    assert!((80..=89).all(|n| !g1.is_member(&format!("790012345{n}@c.us"))));
    assert!(sb.state().group(G2).unwrap().is_member("79005550099@c.us"));
    // Exactly what was left is sent, once each: nothing applied is sent twice.
    let since: Vec<_> = sent(&sb).into_iter().filter(|e| e.seq >= before).collect();
    let mut removed: Vec<&str> = since
        .iter()
        .filter(|e| e.method.as_deref() == Some("removeGroupParticipant"))
        .map(|e| e.field("participantChatId").unwrap())
        .collect();
    removed.sort_unstable();
    assert_eq!(removed, unwanted, "only what was left is removed");
    let added = since
        .iter()
        .filter(|e| e.method.as_deref() == Some("addGroupParticipant"))
        .count();
    assert_eq!(
        added,
        usize::from(add_pending),
        "G2's add only if still due"
    );
    assert_eq!(since.len(), unwanted.len() + added, "nothing else is sent");
    let settled = sb.ledger_totals().requests;
    let third = sync(&sb, &path, &[]).await;
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    assert_eq!(sent_since(&sb, settled), 0, "converged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desired_file_with_problems_is_refused_whole_and_nothing_is_sent() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "bad.yaml",
        &format!(
            "protect: [79001234565@c.us]\ngroups:\n  - chat_id: {G1}\n    members: [79001234561@c.us, \"+7 900 123-45-62\"]\n    members_file: nowhere.txt\n    admins: [79001234563@c.us]\n    remove_others: true\n    remove_other: true\n  - chat_id: {G1}\n    admins: [{G2}]\n"
        ),
    );
    let out = sync(&sb, &path, &[]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let name = path.display().to_string();
    for expected in [
        format!("{name}:4: note: members: `+7 900 123-45-62` is read as `79001234562@c.us`"),
        format!("{name}:5: error: members_file: "),
        format!(
            "{name}:6: error: admins: `79001234563@c.us` is a wanted admin but not a wanted member of this group"
        ),
        format!("{name}:8: error: remove_other: is not a key of a group"),
        format!(
            "{name}:9: error: chat_id: group `{G1}` of instance `default` is listed twice (first on line 3)"
        ),
        format!("{name}:10: error: admins: `{G2}` is a group ID where a person is expected"),
        format!("{name}: 5 problems; nothing was sent"),
    ] {
        assert!(err.contains(&expected), "{expected:?} in:\n{err}");
    }
    assert!(err.contains("nowhere.txt: cannot be read"), "{err}");
    assert!(err.matches("hint: ").count() >= 5, "{err}");
    assert!(sb.ledger().is_empty(), "not even a preflight");
    assert!(files_ending(dir.path(), ".csv").is_empty());
    // `validate` tells the same problems, offline.
    let v = greenbatch(
        &["validate", path.to_str().unwrap()],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(v.status.code(), Some(2));
    assert!(
        stderr(&v).contains("5 problems; nothing was sent"),
        "{}",
        stderr(&v)
    );
    // And an operations manifest given to sync says what it is.
    let manifest = write(dir.path(), "ops.yaml", "operations: []\n");
    let out = sync(&sb, &manifest, &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("belongs in an operations manifest"),
        "{}",
        stderr(&out)
    );
}

//! The instance's own reads (issue 19, item 1): `getStateInstance`,
//! `getSettings` and `getContacts` are paced and retried like every other
//! request, so a 429 that the sandbox's documented limits give (a dry run
//! just before, another process) never leaves the own number unknown; and
//! when it truly cannot be learned, a sync stops before sending anything
//! and exits 3, after judging the mass-removal guard on everything the file
//! asks. Every sandbox here keeps its documented limits, and every command
//! its default pace.

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};

use crate::support::*;

const G1: &str = "120363043968066561@g.us";

/// G1 of the default state wanting its admins and the numbers 61..=`last`
/// (so 89 - `last` removals), with `remove_others`.
fn desired(last: u32) -> String {
    let kept: Vec<String> = (61..=last).map(|n| format!("790012345{n}@c.us")).collect();
    format!(
        "groups:\n  - chat_id: {G1}\n    members: [79990000001@c.us, 79990000002@c.us, 79001234560@c.us, {}]\n    remove_others: true\n",
        kept.join(", ")
    )
}

async fn sync(
    sb: &SandboxHandle,
    desired: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let mut all = vec!["sync", desired.to_str().unwrap(), "--progress", "never"];
    all.extend_from_slice(args);
    greenbatch(&all, &default_env(sb, WA_MAIN)).await
}

fn moderation_requests(sb: &SandboxHandle) -> usize {
    sb.ledger()
        .iter()
        .filter(|e| {
            matches!(
                e.method.as_deref(),
                Some(
                    "removeGroupParticipant"
                        | "addGroupParticipant"
                        | "setGroupAdmin"
                        | "removeAdmin"
                )
            )
        })
        .count()
}

fn is_member(sb: &SandboxHandle, who: &str) -> bool {
    sb.state().group(G1).expect("G1").is_member(who)
}

/// What the ledger says of one method's answers, for failure messages.
fn statuses(sb: &SandboxHandle, method: &str) -> Vec<Option<u16>> {
    sb.ledger()
        .iter()
        .filter(|e| e.method.as_deref() == Some(method))
        .map(|e| e.status)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_right_after_its_dry_run_still_learns_its_own_number() {
    // The moderator's evening: a dry run, then the sync a moment later. The
    // dry run's getSettings leaves the sandbox's 1/s window busy, so the
    // sync's own getSettings may meet a 429, which must be waited out.
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nightly.yaml", &desired(86));
    let dry = sync(&sb, &path, &["--dry-run"]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let out = sync(&sb, &path, &[]).await;
    let said = format!(
        "{}\n{}\ngetSettings answers: {:?}",
        stdout(&out),
        stderr(&out),
        statuses(&sb, "getSettings")
    );
    assert_eq!(out.status.code(), Some(0), "{said}");
    for n in 87..=89 {
        assert!(!is_member(&sb, &format!("790012345{n}@c.us")), "{said}");
    }
    assert!(is_member(&sb, "79001234586@c.us"), "wanted, kept: {said}");
    assert!(!said.contains("held back"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_own_reads_are_retried_through_429_502_and_timeouts() {
    // Each own read fails its first two tries (a 429 with Retry-After, a
    // 502, a request that hangs past --timeout): the sync still learns
    // what it needs and does the job.
    for (method, fault) in [
        (
            Method::GetSettings,
            Fault::TooManyRequests {
                retry_after: Some(1),
            },
        ),
        (Method::GetSettings, Fault::BadGateway),
        (
            Method::GetStateInstance,
            Fault::TooManyRequests { retry_after: None },
        ),
        (Method::GetStateInstance, Fault::BadGateway),
        (Method::GetSettings, Fault::Hang),
    ] {
        let rule = FaultRule::always(fault.clone()).for_method(method).first(2);
        let sb = sandbox(SandboxConfig::default_state().with_faults(vec![rule])).await;
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "nightly.yaml", &desired(88));
        let out = sync(&sb, &path, &["--timeout", "2s"]).await;
        let said = format!("{method:?} {fault:?}: {}\n{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{said}");
        assert!(!is_member(&sb, "79001234589@c.us"), "{said}");
        let faulted = sb
            .ledger()
            .iter()
            .filter(|e| e.method.as_deref() == Some(method.name()) && e.fault.is_some())
            .count();
        assert_eq!(faulted, 2, "both faults were met: {said}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_cannot_learn_its_own_number_exits_3_and_sends_nothing() {
    let rule = FaultRule::always(Fault::ServerError).for_method(Method::GetSettings);
    let sb = sandbox(SandboxConfig::default_state().with_faults(vec![rule])).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nightly.yaml", &desired(86));
    let out = sync(&sb, &path, &["--max-attempts", "2"]).await;
    let said = format!("{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(
        said.contains("own number is unknown") && said.contains("nothing was sent"),
        "{said}"
    );
    assert!(said.contains("3 removals or demotions"), "{said}");
    assert_eq!(moderation_requests(&sb), 0, "{said}");
    assert!(is_member(&sb, "79001234589@c.us"));
    // Its dry run says the same, and does not exit 0 either.
    let dry = sync(&sb, &path, &["--dry-run", "--max-attempts", "2"]).await;
    let said = format!("{}\n{}", stdout(&dry), stderr(&dry));
    assert_eq!(dry.status.code(), Some(3), "{said}");
    assert!(said.contains("would stop before sending"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mass_removal_guard_is_judged_before_anything_is_held_back() {
    // Removing 26 of 32 members is a mass removal, whether or not the own
    // number could be learned: the refusal (exit 2) comes first.
    let rule = FaultRule::always(Fault::ServerError).for_method(Method::GetSettings);
    let sb = sandbox(SandboxConfig::default_state().with_faults(vec![rule])).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nightly.yaml", &desired(63));
    let out = sync(&sb, &path, &["--max-attempts", "2"]).await;
    let said = format!("{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("refusing a mass removal"), "{said}");
    assert_eq!(moderation_requests(&sb), 0, "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_and_export_retry_get_contacts_through_429_502_and_timeouts() {
    let rules = |_| {
        vec![
            FaultRule::always(Fault::TooManyRequests { retry_after: None })
                .for_method(Method::GetContacts)
                .first(1),
            FaultRule::always(Fault::BadGateway)
                .for_method(Method::GetContacts)
                .first(2),
            FaultRule::always(Fault::Hang)
                .for_method(Method::GetContacts)
                .first(3),
        ]
    };
    let sb = sandbox(SandboxConfig::default_state().with_faults(rules(()))).await;
    let env = default_env(&sb, WA_MAIN);
    let out = greenbatch(&["groups", "--timeout", "2s", "--progress", "never"], &env).await;
    let said = format!("{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains(G1), "{said}");
    let faulted = sb.ledger().iter().filter(|e| e.fault.is_some()).count();
    assert!(faulted >= 2, "faults were met: {said}");

    sb.set_faults(rules(())).unwrap();
    let out = greenbatch(
        &["export", "--all", "--timeout", "2s", "--progress", "never"],
        &env,
    )
    .await;
    let said = format!("{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("79001234589@c.us"), "{said}");
    let again = sb.ledger().iter().filter(|e| e.fault.is_some()).count();
    assert!(again >= faulted + 2, "faults were met again: {said}");
}

//! Real jobs at the pace the limits allow (issue 10), against the sandbox
//! with its documented limits: reads never hold the sends up, `already` only
//! when the group's list proves it (hidden and unlisted members), one 429 is
//! news rather than a verdict, and an outage is waited out.

use greenbatch::greenapi::Method;
use greenbatch::runner::Outcome;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};

use crate::support::*;

const WID: &str = "79990000001@c.us";
const TOKEN: &str = "937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9";

fn group(g: usize) -> String {
    format!("1203630439{g:08}@g.us")
}

/// A WhatsApp state: groups of `members` (plus the instance, owner and admin),
/// `extra` appended as YAML lines of the last group's participants.
fn state(groups: &[(String, Vec<String>)], extra: &str) -> SandboxConfig {
    let mut yaml = format!(
        "instances:\n  - {{ id_instance: \"{WA_MAIN}\", token: \"{TOKEN}\", platform: whatsapp, state: authorized, wid: \"{WID}\" }}\ngroups:\n"
    );
    for (id, members) in groups {
        yaml.push_str(&format!(
            "  - id: \"{id}\"\n    platform: whatsapp\n    owner: \"{WID}\"\n    participants:\n      - {{ id: \"{WID}\", admin: true }}\n"
        ));
        for m in members {
            yaml.push_str(&format!("      - {m}\n"));
        }
    }
    yaml.push_str(extra);
    SandboxConfig::from_yaml(&yaml).expect("a valid state")
}

fn count(sb: &SandboxHandle, method: &str) -> usize {
    sb.ledger()
        .iter()
        .filter(|e| e.method.as_deref() == Some(method))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spammer_out_of_many_groups_is_never_held_up_by_reads() {
    // The commonest job: one removal in each of 20 groups, at the default
    // pace (5/s) with reads at getGroupData's own (0.95/s), the documented
    // limits enforced.
    let spammer = "79001111111@c.us";
    let groups: Vec<_> = (0..20)
        .map(|g| {
            (
                group(g),
                vec![format!("\"{spammer}\""), "\"79002222222@c.us\"".into()],
            )
        })
        .collect();
    let sb = sandbox(state(&groups, "")).await;
    let ops: Vec<String> = (0..20)
        .map(|g| format!("remove,{},{spammer}", group(g)))
        .collect();
    let ran = run_rows(&sb, WA_MAIN, &ops, &[]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    assert!(ran.rows().iter().all(|r| r.outcome == Outcome::Done));
    // In ledger order: before the k-th removal the read lane can have
    // answered at most one read per slot the sends took (0.95 reads in the
    // time of 5 sends), plus the one that starts with them. A run whose
    // sends waited for reads would have a read before every removal.
    let mut reads = 0;
    let mut removals = 0;
    for e in sb.ledger() {
        match e.method.as_deref() {
            Some("getGroupData") => reads += 1,
            Some("removeGroupParticipant") => {
                removals += 1;
                let allowed = (removals as f64 * 0.95 / 5.0).ceil() as usize + 1;
                assert!(
                    reads <= allowed,
                    "{reads} reads before removal {removals} (at most {allowed})"
                );
            }
            _ => {}
        }
    }
    assert_eq!(removals, 20, "each removal sent once");
    assert!(reads <= 5, "{reads} reads for 20 single-removal groups");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_group_is_read_once_before_its_sends_reach_it() {
    // 12 removals from one group, 3 of them of people no longer there: the
    // read lands before the sends go (the first operations wait for the
    // read on the wire), so those 3 are `already`, unsent.
    let members: Vec<String> = (0..9).map(|i| format!("\"7900333000{i}@c.us\"")).collect();
    let sb = sandbox(state(&[(group(0), members)], "").without_rate_limits()).await;
    let ops: Vec<String> = (0..12)
        .map(|i| format!("remove,{},790033300{i:02}@c.us", group(0)))
        .collect();
    let ran = run_rows(&sb, WA_MAIN, &ops, &["--rate", "5/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let already: Vec<u32> = (2..14)
        .filter(|&line| ran.row(line).outcome == Outcome::Already)
        .collect();
    assert_eq!(already, [11, 12, 13], "the three non-members");
    for line in [11, 12, 13] {
        assert_eq!(ran.row(line).attempts, 0);
    }
    assert_eq!(sent(&sb).len(), 9);
    assert_eq!(count(&sb, "getGroupData"), 1);
    let first_read = sb
        .ledger()
        .iter()
        .position(|e| e.method.as_deref() == Some("getGroupData"))
        .unwrap();
    let first_send = sb
        .ledger()
        .iter()
        .position(|e| e.method.as_deref() == Some("removeGroupParticipant"))
        .unwrap();
    assert!(
        first_read < first_send,
        "read first: {first_read} vs {first_send}"
    );
}

/// A group that hides some numbers: `hidden` members are listed by linked ID
/// alone, `unlisted` ones not at all (the list is shorter than `size`).
fn hiding_state() -> SandboxConfig {
    let members = vec![
        "{ id: \"79004440001@c.us\", lid: \"100000000440001@lid\", hidden: true }".to_owned(),
        "{ id: \"79004440002@c.us\", lid: \"100000000440002@lid\", hidden: true }".to_owned(),
        "{ id: \"79004440003@c.us\", hidden: true, admin: true }".to_owned(),
        "{ id: \"79004440004@c.us\", unlisted: true }".to_owned(),
        "{ id: \"79004440005@c.us\", lid: \"100000000440005@lid\" }".to_owned(),
        "\"79004440006@c.us\"".to_owned(),
        "\"79004440007@c.us\"".to_owned(),
    ];
    let whole = vec!["\"79004440101@c.us\"".to_owned()];
    state(&[(group(0), members), (group(1), whole)], "").without_rate_limits()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_members_are_sent_and_applied_never_called_already() {
    let sb = sandbox(hiding_state()).await;
    let g = group(0);
    let ops = [
        format!("remove,{g},79004440001@c.us"), // 2: hidden, removed by number
        format!("promote,{g},79004440002@c.us"), // 3: hidden, promoted by number
        format!("demote,{g},79004440003@c.us"), // 4: hidden admin, demoted by number
        format!("remove,{g},79004440004@c.us"), // 5: not listed at all
        format!("remove,{g},100000000440005@lid"), // 6: named by linked ID
        format!("remove,{g},79004449999@c.us"), // 7: not a member: the list cannot tell
        format!("remove,{g},79004440006@c.us"), // 8: listed, by number
        format!("remove,{},79004449999@c.us", group(1)), // 9: a whole list proves it
        format!("remove,{},79004440101@c.us", group(1)), // 10
    ];
    let ran = run_rows(&sb, WA_MAIN, &ops, &["--rate", "5/s"]).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    for line in [2, 3, 4, 5, 6, 8, 10] {
        let row = ran.row(line);
        assert_eq!(
            (row.outcome, row.attempts),
            (Outcome::Done, 1),
            "line {line}: {row:?}"
        );
    }
    let after = sb.state();
    let g0 = after.group(&g).unwrap();
    for gone in [
        "79004440001@c.us",
        "79004440004@c.us",
        "79004440005@c.us",
        "79004440006@c.us",
    ] {
        assert!(!g0.is_member(gone), "{gone} removed");
    }
    assert!(g0.is_admin("79004440002@c.us"));
    assert!(g0.is_member("79004440003@c.us") && !g0.is_admin("79004440003@c.us"));
    // Absent from an incomplete list: sent, refused, and not called `already`.
    let unknown = ran.row(7);
    assert_eq!(
        (unknown.outcome, unknown.attempts),
        (Outcome::Rejected, 1),
        "{unknown:?}"
    );
    assert!(
        unknown
            .error
            .starts_with("removeParticipant false: not listed, but the group's list is incomplete"),
        "{}",
        unknown.error
    );
    // Absent from a whole list: `already`, proven (unsent when the group's
    // read came first, else after the `false` and a fresh read).
    let proven = ran.row(9);
    assert_eq!(proven.outcome, Outcome::Already, "{proven:?}");
    assert!(
        proven.attempts == 0
            || proven
                .error
                .ends_with("but the group shows the goal already holds"),
        "{proven:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_plan_says_unknown_where_the_list_cannot_tell() {
    let sb = sandbox(hiding_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let g = group(0);
    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[
            format!("remove,{g},79004449999@c.us"),
            format!("remove,{},79004449999@c.us", group(1)),
        ]),
    );
    let out = greenbatch(
        &[
            "plan",
            manifest.to_str().unwrap(),
            "--live",
            "--format",
            "json",
        ],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let first = &doc["groups"][0]["operations"][0];
    assert_eq!(first["prediction"], "unknown", "{doc:#}");
    let why = first["reason"].as_str().unwrap();
    // Eight members (the instance and seven), seven listed (one unlisted),
    // three of those by linked ID alone: both gaps are named, exactly.
    assert_eq!(
        why,
        "not listed, but the group's list is incomplete (it lists 7 of 8 members; \
         3 listed only by linked ID, without a number): it cannot tell: \
         a run sends it and the answer decides"
    );
    assert_eq!(doc["groups"][1]["operations"][0]["prediction"], "already");
}

/// The pace in requests per second that the JSON log lines report, with
/// how many operations had finished when each was logged.
fn paces(stderr: &str) -> (Vec<(usize, f64)>, Option<usize>) {
    let mut finished = 0;
    let mut out = vec![];
    let mut throttled_at = None;
    for line in stderr.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let message = v["fields"]["message"].as_str().unwrap_or_default();
        if message == "finished" {
            finished += 1;
        }
        if let Some(rate) = v["fields"]["rate"].as_str().and_then(|r| r.parse().ok()) {
            if message.starts_with("HTTP 429") && throttled_at.is_none() {
                throttled_at = Some(finished);
            }
            out.push((finished, rate));
        }
    }
    (out, throttled_at)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_429_leaves_the_pace_within_ten_percent_after_twenty_more_requests() {
    let members: Vec<String> = (0..45)
        .map(|i| format!("\"790055500{i:02}@c.us\""))
        .collect();
    // The 16th removal gets a 429, once.
    let once = FaultRule::always(Fault::TooManyRequests { retry_after: None })
        .for_method(Method::RemoveGroupParticipant)
        .after(15)
        .first(16);
    // The limiter sits at twice the pace, so that the injected 429 is the
    // only one (at a pace equal to the limit a loaded machine's jitter may
    // add its own: pacing_policy covers that case).
    let sb = sandbox(
        state(&[(group(0), members)], "")
            .with_rate(Method::RemoveGroupParticipant, 20)
            .with_faults(vec![once]),
    )
    .await;
    let ops: Vec<String> = (0..45)
        .map(|i| format!("remove,{},790055500{i:02}@c.us", group(0)))
        .collect();
    let args = ["--rate", "10/s", "-vv", "--log-format", "json"];
    let ran = run_rows(&sb, WA_MAIN, &ops, &args).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let log = stderr(&ran.out);
    let (paces, throttled_at) = paces(&log);
    let at = throttled_at.expect("the 429 is logged with the pace");
    let after_twenty: Vec<f64> = paces
        .iter()
        .filter(|(f, _)| *f <= at + 20)
        .map(|&(_, r)| r)
        .collect();
    let pace = *after_twenty.last().unwrap();
    assert!(
        pace >= 9.0,
        "pace {pace}/s 20 requests after one 429: {paces:?}"
    );
    let lowest = paces.iter().map(|&(_, r)| r).fold(f64::INFINITY, f64::min);
    assert!(
        lowest >= 9.0,
        "one 429 never costs more than 10 %: {paces:?}"
    );
    assert_eq!(
        sent(&sb).iter().filter(|e| e.status == Some(429)).count(),
        1
    );
}

fn outage(secs: f64) -> FaultRule {
    // From the 6th removal on, every removal gets a 502 for `secs` seconds.
    FaultRule::always(Fault::BadGateway)
        .for_method(Method::RemoveGroupParticipant)
        .after(5)
        .lasting(secs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_waited_out_with_a_probe_per_step_and_charges_no_attempt() {
    let members: Vec<String> = (0..20)
        .map(|i| format!("\"790066600{i:02}@c.us\""))
        .collect();
    let sb = sandbox(
        state(&[(group(0), members)], "")
            .without_rate_limits()
            .with_faults(vec![outage(4.0)]),
    )
    .await;
    let ops: Vec<String> = (0..20)
        .map(|i| format!("remove,{},790066600{i:02}@c.us", group(0)))
        .collect();
    let args = ["--rate", "10/s", "--max-attempts", "2", "-v"];
    let ran = run_rows(&sb, WA_MAIN, &ops, &args).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    assert!(
        ran.rows().iter().all(|r| r.outcome == Outcome::Done),
        "{:?}",
        ran.rows()
    );
    assert!(
        stderr(&ran.out).contains("every removeGroupParticipant request fails"),
        "{}",
        stderr(&ran.out)
    );
    assert!(stderr(&ran.out).contains("answers again after"));
    assert!(
        stdout(&ran.out).contains("1 outage"),
        "{}",
        stdout(&ran.out)
    );
    let failed: Vec<f64> = sent(&sb)
        .iter()
        .filter(|e| e.status == Some(502))
        .map(|e| e.at_secs)
        .collect();
    // Up to 5 in a row trip it (plus what was already on the wire, at
    // most --concurrency), then one probe per step: 0.5-1 s, 1-2 s, 2-4 s
    // cover a 4 s outage in at most 3 probes.
    assert!(
        failed.len() <= 5 + 8 + 3,
        "{} failures: {failed:?}",
        failed.len()
    );
    let held: Vec<f64> = failed
        .iter()
        .copied()
        .filter(|&t| t > failed[0] + 1.0)
        .collect();
    for pair in held.windows(2) {
        assert!(pair[1] - pair[0] >= 0.45, "probes one per step: {held:?}");
    }
    // Nobody's attempts were spent: with --max-attempts 2, operations that
    // failed during the outage still ended done (without the breaker they
    // end `failed`: tried).
    assert!(
        ran.rows().iter().any(|r| r.attempts >= 2),
        "{:?}",
        ran.rows()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_beyond_the_patience_ends_failed_and_a_rerun_finishes() {
    let members: Vec<String> = (0..12)
        .map(|i| format!("\"790077700{i:02}@c.us\""))
        .collect();
    let sb = sandbox(
        state(&[(group(0), members)], "")
            .without_rate_limits()
            .with_faults(vec![outage(30.0)]),
    )
    .await;
    let ops: Vec<String> = (0..12)
        .map(|i| format!("remove,{},790077700{i:02}@c.us", group(0)))
        .collect();
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &ops,
        &["--rate", "10/s", "--outage-patience", "2s"],
    )
    .await;
    assert_eq!(ran.code(), Some(3), "{}", stderr(&ran.out));
    let first = ran.rows();
    assert_eq!(first.len(), 12, "a row per operation: {first:?}");
    let (failed, done): (Vec<_>, Vec<_>) = first.iter().partition(|r| r.outcome == Outcome::Failed);
    // The five removals before the outage went through; every later one
    // waited for the outage and gave up.
    assert_eq!(done.len(), 5, "{first:?}");
    assert!(done.iter().all(|r| r.outcome == Outcome::Done), "{first:?}");
    for row in &failed {
        assert!(
            row.error
                .contains("every request failed for 2s: gave up waiting; a rerun will retry"),
            "{row:?}"
        );
    }
    let removed_before = count_applied(&sb);
    assert_eq!(removed_before, 5, "nothing failed was applied");
    sb.set_faults(vec![]).unwrap();
    let again = ran.again(&sb, WA_MAIN, &["--rate", "10/s"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    // The rerun sent exactly the failed operations, once each, and
    // recorded a row for each of them alone: done.
    let all = ran.rows();
    assert_eq!(all.len(), 12 + failed.len(), "{all:?}");
    let mut retried: Vec<_> = all[12..].iter().map(|r| r.op_id).collect();
    let mut expected: Vec<_> = failed.iter().map(|r| r.op_id).collect();
    retried.sort();
    expected.sort();
    assert_eq!(retried, expected);
    assert!(
        all[12..]
            .iter()
            .all(|r| (r.outcome, r.attempts) == (Outcome::Done, 1)),
        "{all:?}"
    );
    assert_eq!(count_applied(&sb), 12, "each removal applied once");
    let after = sb.state();
    let g = after.group(&group(0)).unwrap();
    assert!(
        (0..12).all(|i| !g.is_member(&format!("790077700{i:02}@c.us"))),
        "every one removed"
    );
}

/// Removals that changed the sandbox's state, over the whole ledger.
fn count_applied(sb: &SandboxHandle) -> usize {
    sent(sb)
        .iter()
        .filter(|e| e.method.as_deref() == Some("removeGroupParticipant") && e.changed)
        .count()
}

//! `greenbatch run` under faults: retries with backoff and Retry-After, a
//! 429 storm that slows the pace, the never-exceed pacing checked from the
//! sandbox's ledger, and fatal answers that stop only their instance.

use greenbatch::greenapi::Method;
use greenbatch::runner::Outcome;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};

use crate::support::*;

const G1: &str = "120363043968066561@g.us";

/// Removals of members 790012345NN of G1, NN in `range`.
fn removals(range: std::ops::Range<u32>) -> Vec<String> {
    range
        .map(|n| format!("remove,{G1},790012345{n:02}@c.us"))
        .collect()
}

fn on_removals(fault: Fault) -> FaultRule {
    FaultRule::always(fault).for_method(Method::RemoveGroupParticipant)
}

async fn with_faults(rules: Vec<FaultRule>) -> SandboxHandle {
    sandbox(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_seed(7)
            .with_faults(rules),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_then_failed_and_a_rerun_finishes_them() {
    let sb = with_faults(vec![on_removals(Fault::BadGateway)]).await;
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &removals(61..63),
        // Every removal fails: an outage, which this test does not wait out,
        // so each operation spends its attempts.
        &[
            "--rate",
            "50/s",
            "--max-attempts",
            "3",
            "--outage-patience",
            "0s",
        ],
    )
    .await;
    assert_eq!(ran.code(), Some(3), "{}", stderr(&ran.out));
    let rows = ran.rows();
    assert!(
        rows.iter()
            .all(|r| r.outcome == Outcome::Failed && r.attempts == 3 && r.http_status == Some(502)),
        "{rows:?}"
    );
    assert!(rows[0].error.contains("502"), "{}", rows[0].error);
    assert_eq!(sent(&sb).len(), 6, "three attempts each, no more");

    sb.set_faults(vec![]).unwrap();
    let again = ran.again(&sb, WA_MAIN, &["--rate", "50/s"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(
        sent(&sb).len(),
        8,
        "the failed operations are sent again, once each"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let rule = FaultRule {
        first_n: Some(1),
        ..on_removals(Fault::TooManyRequests {
            retry_after: Some(2),
        })
    };
    let sb = with_faults(vec![rule]).await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..62), &["--rate", "50/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let ledger = sent(&sb);
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[0].status, Some(429));
    let waited = ledger[1].at_secs - ledger[0].at_secs;
    assert!(waited >= 1.95, "waited {waited}s, Retry-After said 2s");
    assert_eq!(ran.row(2).attempts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_slows_the_pace_and_every_operation_still_finishes() {
    let storm = FaultRule {
        probability: Some(0.3),
        ..on_removals(Fault::TooManyRequests { retry_after: None })
    };
    let sb = with_faults(vec![storm]).await;
    let args = [
        "--rate",
        "20/s",
        "--concurrency",
        "1",
        "--max-attempts",
        "10",
        "-v",
    ];
    let ran = run_rows(&sb, WA_MAIN, &removals(61..81), &args).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let paces: Vec<f64> = stderr(&ran.out)
        .lines()
        .filter_map(|l| l.split("HTTP 429: pace now ").nth(1))
        .filter_map(|rest| rest.split("/s").next()?.parse().ok())
        .collect();
    assert!(!paces.is_empty(), "{}", stderr(&ran.out));
    assert!(
        paces.iter().all(|&p| p < 20.0),
        "a 429 slows the pace: {paces:?}"
    );
    assert!(
        paces.windows(2).any(|w| w[1] < w[0]),
        "429s that keep coming keep slowing it: {paces:?}"
    );
    assert!(
        stdout(&ran.out).contains("HTTP 429 (too many requests)"),
        "{}",
        stdout(&ran.out)
    );
    let ledger = sent(&sb);
    let first_429 = ledger
        .iter()
        .find(|e| e.status == Some(429))
        .expect("the storm hit")
        .at_secs;
    let after: Vec<f64> = ledger
        .iter()
        .filter(|e| e.at_secs > first_429)
        .map(|e| e.at_secs)
        .collect();
    assert!(
        max_in_window(&after, 1.0) <= 20,
        "never above the pace after a 429"
    );
    let rows = ran.rows();
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r.outcome == Outcome::Done));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pacing_never_exceeds_the_rate_in_any_second() {
    // The sandbox enforces the documented 10/s; the run asks for 8/s.
    let sb = sandbox(SandboxConfig::default_state()).await;
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &removals(61..81),
        &["--rate", "8/s", "--concurrency", "8"],
    )
    .await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let removals = sent(&sb);
    // The sandbox's own count: when each request met its limiter, over its
    // sliding second.
    let times: Vec<f64> = removals
        .iter()
        .map(|e| e.limited_at_secs.expect("limits are on"))
        .collect();
    assert_eq!(times.len(), 20);
    assert!(
        removals.iter().all(|e| e.status == Some(200)),
        "no self-inflicted 429"
    );
    assert!(
        max_in_window(&times, 1.0) <= 8,
        "at most 8 in any second: {times:?}"
    );
    let span = times.iter().cloned().fold(f64::MIN, f64::max)
        - times.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        span >= 19.0 / 8.0 - 0.05,
        "20 requests at 8/s take at least 2.375s, took {span}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_aborts_the_instance() {
    for (preflight, most) in [(true, 0), (false, 2)] {
        let sb = with_faults(vec![]).await;
        let dir = tempfile::tempdir().unwrap();
        let manifest = write(dir.path(), "m.csv", &csv(&removals(61..81)));
        let mut env = default_env(&sb, WA_MAIN);
        env.retain(|(k, _)| k != "GREEN_API_TOKEN_INSTANCE");
        env.push(("GREEN_API_TOKEN_INSTANCE".into(), "0".repeat(50)));
        let mut args = vec![
            "run",
            manifest.to_str().unwrap(),
            "--rate",
            "50/s",
            "--concurrency",
            "2",
        ];
        if !preflight {
            args.push("--no-preflight");
        }
        let out = greenbatch(&args, &env).await;
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("instance refused"),
            "{}",
            stderr(&out)
        );
        let sent = sent(&sb).len();
        assert!(
            sent <= most,
            "preflight {preflight}: at most the requests in flight, {sent} sent"
        );
        let rows = rows(&dir.path().join("m.results.csv"));
        assert_eq!(rows.len(), 20);
        assert!(
            rows.iter()
                .all(|r| r.outcome == Outcome::Aborted && r.error.contains("401")),
            "{rows:?}"
        );
    }
}

/// An instances file for wa-main, wa-second and max-main of `sb`, with tokens
/// taken from variables; `wrong` gets a wrong token.
fn instances_file(
    dir: &std::path::Path,
    sb: &greenbatch::sandbox::SandboxHandle,
    wrong: &str,
) -> (std::path::PathBuf, Vec<(String, String)>) {
    let mut yaml = String::new();
    let mut env = Vec::new();
    for (name, id, platform) in [
        ("wa-main", WA_MAIN, "whatsapp"),
        ("wa-second", WA_SECOND, "whatsapp"),
        ("max-main", MAX_MAIN, "max"),
    ] {
        let var = format!("GREEN_API_{}_TOKEN", name.replace('-', "_").to_uppercase());
        yaml.push_str(&format!(
            "- name: {name}\n  platform: {platform}\n  api_url: {}\n  id_instance: \"{id}\"\n  token_env: {var}\n",
            sb.api_url()
        ));
        let token = if name == wrong {
            "0".repeat(50)
        } else {
            sb.instance(id).unwrap().token.expose().to_owned()
        };
        env.push((var, token));
    }
    (write(dir, "instances.yaml", &yaml), env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_instance_stops_only_its_own_operations() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let (instances, env) = instances_file(dir.path(), &sb, "wa-second");
    let mut manifest = String::from("action,chat_id,participant_id,instance\n");
    for n in 61..71 {
        manifest.push_str(&format!("remove,{G1},790012345{n}@c.us,wa-main\n"));
        manifest.push_str(&format!(
            "remove,120363169960827018@g.us,790055500{:02}@c.us,wa-second\n",
            n - 60
        ));
    }
    manifest.push_str("remove,-10000000000000,10000001,max-main\n");
    let manifest = write(dir.path(), "m.csv", &manifest);
    let out = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "--instances",
            instances.to_str().unwrap(),
            "--rate",
            "50/s",
            "--concurrency",
            "1",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let rows = rows(&dir.path().join("m.results.csv"));
    assert_eq!(rows.len(), 21);
    for row in &rows {
        let expected = if row.instance == "wa-second" {
            Outcome::Aborted
        } else {
            Outcome::Done
        };
        assert_eq!(row.outcome, expected, "{row:?}");
    }
    let second_requests = sb
        .ledger()
        .iter()
        .filter(|e| e.instance.as_deref() == Some(WA_SECOND))
        .count();
    assert_eq!(
        second_requests, 1,
        "one refusal is enough to stop the instance"
    );
    let max = sent(&sb)
        .into_iter()
        .find(|e| e.instance.as_deref() == Some(MAX_MAIN))
        .unwrap();
    assert!(max.v3 && max.field("chatId") == Some("-10000000000000"));
}

/// A sandbox with its documented limits on (unlike [`with_faults`]) whose
/// first removal is answered 429 with `Retry-After: secs`.
async fn asks_once_to_wait(secs: u64) -> SandboxHandle {
    let rule = FaultRule {
        first_n: Some(1),
        ..on_removals(Fault::TooManyRequests {
            retry_after: Some(secs),
        })
    };
    sandbox(
        SandboxConfig::default_state()
            .with_seed(7)
            .with_faults(vec![rule]),
    )
    .await
}

/// Off a terminal a wait the server asks for is said when it starts and
/// when it ends, so a quiet stretch in a cron log has its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_the_server_asks_for_is_said_when_it_starts_and_when_it_ends() {
    let sb = asks_once_to_wait(3).await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..63), &[]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let err = stderr(&ran.out);
    let began = err
        .find("default: waiting 3 s before more removeGroupParticipant requests, as the server asked (HTTP 429 with Retry-After)\n")
        .unwrap_or_else(|| panic!("the wait is said when it starts:\n{err}"));
    let ended = err
        .find("default: the server's wait is over; going on with its removeGroupParticipant requests\n")
        .unwrap_or_else(|| panic!("and when it ends:\n{err}"));
    assert!(began < ended, "{err}");
    let ledger = sent(&sb);
    assert!(ledger[1].at_secs - ledger[0].at_secs >= 2.95, "{ledger:?}");
}

/// A wait of a second is a pacing hiccup the summary counts, not news: no
/// lines for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_wait_the_server_asks_for_gets_no_lines() {
    let sb = asks_once_to_wait(1).await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..62), &[]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    assert_eq!(sent(&sb)[0].status, Some(429), "the wait was asked for");
    assert!(
        !stderr(&ran.out).contains("waiting"),
        "{}",
        stderr(&ran.out)
    );
    assert!(
        !stderr(&ran.out).contains("wait is over"),
        "{}",
        stderr(&ran.out)
    );
}

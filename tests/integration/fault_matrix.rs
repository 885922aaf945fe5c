//! The fault matrix: the real binary runs a 60-operation manifest against
//! the sandbox with its faults on, one kind at a time and mixed, then a
//! rerun without faults settles what the faults left `failed`. Every
//! scenario checks, from the ledger and the sandbox's state:
//! - one final row per operation, `done` or `already` (never `rejected`:
//!   every operation here can be done), and the state a clean run leaves;
//! - per method, never more than the sandbox's limit (45/s, the run's pace
//!   40/s) in any of its sliding seconds, counted where its limiter counts,
//!   and no 429 from that limiter;
//! - no request storm: attempts per operation within `--max-attempts`, and
//!   retries that failed again within the instance's retry budget.
//!
//! `cargo test` runs four scenarios; `GREENBATCH_FAULT_MATRIX=full` (from
//! `scripts/reliability.sh`) runs all of them, including a 60 s outage.

use std::collections::BTreeMap;

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, LedgerEntry};

use crate::reliability_support::*;
use crate::support::*;

const OPS: usize = 60;
const RATE: usize = 40;
const LIMIT: usize = 45;
const MAX_ATTEMPTS: u32 = 8;
const METHODS: [Method; 3] = [
    Method::RemoveGroupParticipant,
    Method::SetGroupAdmin,
    Method::AddGroupParticipant,
];

fn p(fault: Fault, probability: f64) -> FaultRule {
    FaultRule::always(fault).with_probability(probability)
}

/// 502s on every removal for `secs` from the first: reads and the preflight
/// stay up, so the outage meets the changes, not the checks before them.
fn outage(secs: f64) -> FaultRule {
    FaultRule::always(Fault::BadGateway)
        .for_method(Method::RemoveGroupParticipant)
        .lasting(secs)
}

/// Faulted requests that were not their operation's first, and whose fault
/// gave no definite answer: what the retry budget pays for.
fn failed_retries(ledger: &[LedgerEntry]) -> usize {
    let mut seen = BTreeMap::new();
    let mut count = 0;
    for e in ledger {
        let n = seen.entry(who(e)).or_insert(0);
        *n += 1;
        let definite = e.fault.as_deref().is_none_or(|f| f == "latency");
        if *n > 1 && !definite {
            count += 1;
        }
    }
    count
}

async fn scenario(name: &str, rules: Vec<FaultRule>, timeout: &str) -> std::process::Output {
    scenario_with(name, rules, timeout, "5m").await
}

/// A scenario whose outages are waited out for `patience` at most; the
/// first run's output.
async fn scenario_with(
    name: &str,
    rules: Vec<FaultRule>,
    timeout: &str,
    patience: &str,
) -> std::process::Output {
    let mut config = state(OPS)
        .with_rate_limits()
        .with_seed(11)
        .with_faults(rules);
    for m in METHODS.into_iter().chain([Method::GetGroupData]) {
        // The sandbox limits at 45/s, just above the run's 40/s, so that
        // any 429 from its limiter is the pacer's fault (the client is told
        // these limits, as a user declares a server's).
        config = config.with_rate(m, LIMIT as u32);
    }
    let sb = sandbox(config).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", &manifest(OPS));
    let env = default_env(&sb, WA_MAIN);
    let rate = format!("{RATE}/s");
    let attempts = MAX_ATTEMPTS.to_string();
    let args = [
        "run",
        manifest.to_str().unwrap(),
        "--rate",
        &rate,
        "--concurrency",
        "8",
        "--max-attempts",
        &attempts,
        "--timeout",
        timeout,
        "--outage-patience",
        patience,
        "--progress",
        "never",
    ];
    let first = greenbatch(&args, &env).await;
    // Every operation here can be done: the first run ends all ok (0) or
    // with some left `failed` for the rerun (3), never `rejected` (1).
    assert!(
        matches!(first.status.code(), Some(0 | 3)),
        "{name}: {}",
        stderr(&first)
    );
    let faulted = acts(&sb.ledger());
    let first_rows = rows(&dir.path().join("m.results.csv"));
    assert_eq!(
        by_participant(&first_rows).len(),
        OPS,
        "{name}: a row for each"
    );
    assert!(
        first_rows.iter().all(|r| r.attempts <= MAX_ATTEMPTS),
        "{name}"
    );
    for (p, n) in sends(&faulted) {
        assert!(n <= MAX_ATTEMPTS as usize, "{name}: {p} sent {n} times");
    }
    let budget = 10 + OPS / 10 + 1;
    let failed_retries = failed_retries(&faulted);
    assert!(
        failed_retries <= budget,
        "{name}: {failed_retries} failed retries"
    );
    for m in METHODS {
        // The sandbox's own count: when each request met its limiter (after
        // any injected latency), over its sliding second.
        let times: Vec<f64> = faulted
            .iter()
            .filter(|e| e.method.as_deref() == Some(m.name()))
            .filter_map(|e| e.limited_at_secs)
            .collect();
        let most = max_in_window(&times, 1.0);
        assert!(most <= LIMIT, "{name}: {most} {} in a second", m.name());
    }
    let limited = faulted
        .iter()
        .filter(|e| e.status == Some(429) && e.fault.is_none());
    assert_eq!(limited.count(), 0, "{name}: the pacer overran the limit");

    sb.set_faults(vec![]).unwrap();
    let second = greenbatch(&args, &env).await;
    let all = acts(&sb.ledger());
    let already = check_final_rows(&rows(&dir.path().join("m.results.csv")), OPS);
    assert_eq!(second.status.code(), Some(0), "{name}: {}", stderr(&second));
    assert_eq!(members(&sb.state()), expected_members(OPS), "{name}: state");
    eprintln!(
        "fault matrix {name}: {} requests, {} faulted, {} failed retries, {} left for the rerun, \
         {} reconciled as already",
        faulted.len(),
        faulted.iter().filter(|e| e.fault.is_some()).count(),
        failed_retries,
        all.len() - faulted.len(),
        already
    );
    first
}

fn full() -> bool {
    std::env::var("GREENBATCH_FAULT_MATRIX").is_ok_and(|v| v == "full")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_fault_at_a_time() {
    let mut cases: Vec<(&str, Vec<FaultRule>, &str)> = vec![
        (
            "429+retry-after",
            vec![p(
                Fault::TooManyRequests {
                    retry_after: Some(1),
                },
                0.1,
            )],
            "10s",
        ),
        (
            "drop-after-apply",
            vec![p(Fault::DropAfterApply, 0.15)],
            "10s",
        ),
        ("hang", vec![p(Fault::Hang, 0.05)], "1s"),
    ];
    if full() {
        cases.extend([
            (
                "429",
                vec![p(Fault::TooManyRequests { retry_after: None }, 0.2)],
                "10s",
            ),
            ("500", vec![p(Fault::ServerError, 0.2)], "10s"),
            (
                "500-applied",
                vec![p(Fault::ServerError, 0.2).applying()],
                "10s",
            ),
            ("502", vec![p(Fault::BadGateway, 0.2)], "10s"),
            (
                "499-applied",
                vec![p(Fault::ClientClosed, 0.2).applying()],
                "10s",
            ),
            ("latency", vec![p(Fault::Latency { ms: 400 }, 0.3)], "10s"),
            ("reset", vec![p(Fault::Reset, 0.2)], "10s"),
            ("garbage", vec![p(Fault::Garbage, 0.2)], "10s"),
            (
                "garbage-applied",
                vec![p(Fault::Garbage, 0.2).applying()],
                "10s",
            ),
            ("outage-3s", vec![outage(3.0)], "10s"),
        ]);
    }
    for (name, rules, timeout) in cases {
        scenario(name, rules, timeout).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_faults() {
    let mix = vec![
        p(Fault::TooManyRequests { retry_after: None }, 0.05),
        p(Fault::ServerError, 0.05).applying(),
        p(Fault::BadGateway, 0.05),
        p(Fault::Reset, 0.05),
        p(Fault::DropAfterApply, 0.05),
        p(Fault::Garbage, 0.03),
        p(Fault::Latency { ms: 200 }, 0.1),
        p(Fault::Hang, 0.02),
    ];
    scenario("mix", mix, "1s").await;
    if full() {
        // Longer than the patience: the removals left give up (`failed`)
        // and the rerun finishes them.
        let outage = vec![outage(60.0), p(Fault::DropAfterApply, 0.05)];
        scenario_with("outage-60s+drops", outage, "5s", "15s").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_in_the_instance_s_own_reads() {
    // The preflight's own reads fail their first tries: a 429 with
    // Retry-After and a 502 on getStateInstance, a 502 and a request that
    // hangs past --timeout on getSettings. They are retried like any
    // request, so the run learns the state and the own number and ends
    // all ok at once, with nothing left for the rerun.
    let own =
        |fault: Fault, method: Method, n: u64| FaultRule::always(fault).for_method(method).first(n);
    let rules = vec![
        own(
            Fault::TooManyRequests {
                retry_after: Some(1),
            },
            Method::GetStateInstance,
            1,
        ),
        own(Fault::BadGateway, Method::GetStateInstance, 2),
        own(Fault::BadGateway, Method::GetSettings, 1),
        own(Fault::Hang, Method::GetSettings, 2),
    ];
    let first = scenario("own-reads", rules, "2s").await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(
        !stderr(&first).contains("could not read the instance's state"),
        "{}",
        stderr(&first)
    );
}

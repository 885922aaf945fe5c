//! The pace a real account gets: the sandbox enforcing the documented
//! limits, and the client told nothing else (no `GREEN_API_LIMITS`), so the
//! policy under test is the documented table's: the default pace, the cap
//! with its warning, the reads' pace, MAX's 1/s, and a pace equal to the
//! limit. Every time is the sandbox's own: the instant each request met its
//! limiter. What the pacer controls is when requests leave; they arrive
//! jittered by loopback and a loaded machine, so the spacing is read from
//! the arrivals with a margin, and a request that a delay pushed into its
//! predecessor's second (a 429 at a pace equal to the limit) is allowed for
//! a stall or two, not zero.

use greenbatch::sandbox::{LedgerEntry, SandboxConfig, SandboxHandle};

use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const G2: &str = "120363169960827018@g.us";
const G3: &str = "79876543210-1587570015@g.us";
const MAXG: &str = "-10000000000000";

/// When each request of `method` met the sandbox's limiter.
fn limited(ledger: &[LedgerEntry], method: &str) -> Vec<f64> {
    ledger
        .iter()
        .filter(|e| e.method.as_deref() == Some(method))
        .map(|e| e.limited_at_secs.expect("limits are on"))
        .collect()
}

/// 429s the limiter answered to `method` (not injected faults).
fn self_inflicted(ledger: &[LedgerEntry], method: &str) -> usize {
    ledger
        .iter()
        .filter(|e| e.method.as_deref() == Some(method))
        .filter(|e| e.status == Some(429) && e.fault.is_none())
        .count()
}

fn span(times: &[f64]) -> f64 {
    let max = times.iter().copied().fold(f64::MIN, f64::max);
    let min = times.iter().copied().fold(f64::MAX, f64::min);
    max - min
}

/// How much later than its successor a request may reach the sandbox, for
/// the pace it left at: a late arrival shortens one gap (and lengthens the
/// next), never the spacing of the whole run.
const JITTER: f64 = 0.1;
/// 429s a pace equal to the limit may meet on a loaded machine: each is a
/// request delayed into its predecessor's second (then retried, slower).
const JITTER_429S: usize = 2;

/// Asserts that the requests met at `times` left at most `rate` a second,
/// spaced out rather than in bursts: the typical (median) gap is at least
/// 90 % of the period, and the whole run spans at least its periods less
/// the jitter at its two ends.
fn assert_paced(times: &[f64], rate: f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut gaps: Vec<f64> = sorted.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let median = gaps[gaps.len() / 2];
    assert!(
        median >= 0.9 / rate,
        "median gap {median:.3} s at {rate}/s: {sorted:?}"
    );
    let least = (sorted.len() - 1) as f64 / rate - JITTER;
    assert!(
        span(&sorted) >= least,
        "{} requests in {:.3} s at {rate}/s (at least {least:.3} s): {sorted:?}",
        sorted.len(),
        span(&sorted)
    );
}

/// Asserts what a pace equal to the limit gets from the sandbox: `ops`
/// operations at `rate` (= the limit), each request of `method` met at
/// `times`; at most [`JITTER_429S`] refused, each sent again.
fn assert_at_the_limit(ledger: &[LedgerEntry], method: &str, ops: usize, rate: f64) {
    let times = limited(ledger, method);
    assert_paced(&times, rate);
    let refused = self_inflicted(ledger, method);
    assert!(
        refused <= JITTER_429S,
        "{refused} 429s the client caused in {} requests: {times:?}",
        times.len()
    );
    assert_eq!(
        times.len(),
        ops + refused,
        "each operation once, and a refused one again"
    );
    let limit = rate as usize;
    assert!(
        max_in_window(&times, 1.0) <= limit + refused,
        "arrivals in a second, beyond the refused: {times:?}"
    );
}

fn assert_all_done(ran: &Ran) {
    let rows = ran.rows();
    assert!(
        rows.iter()
            .all(|r| r.outcome == greenbatch::runner::Outcome::Done),
        "{rows:?}"
    );
}

async fn documented() -> SandboxHandle {
    let sb = sandbox(SandboxConfig::default_state()).await;
    assert_eq!(sb.declared_limits(WA_MAIN), None, "the documented limits");
    sb
}

fn removals(range: std::ops::Range<u32>) -> Vec<String> {
    range
        .map(|n| format!("remove,{G1},790012345{n:02}@c.us"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pace_equal_to_the_limit_never_overruns_it() {
    // The hardest case: 10/s against a limit of 10 in any sliding second.
    let sb = documented().await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..89), &["--rate", "10/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    assert_all_done(&ran);
    assert_at_the_limit(&sb.ledger(), "removeGroupParticipant", 28, 10.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_pace_is_half_the_documented_limit() {
    let sb = documented().await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..68), &[]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let ledger = sb.ledger();
    let times = limited(&ledger, "removeGroupParticipant");
    assert_eq!(times.len(), 7);
    assert_paced(&times, 5.0);
    assert_eq!(
        self_inflicted(&ledger, "removeGroupParticipant"),
        0,
        "half the limit leaves room"
    );
    assert!(
        !stderr(&ran.out).contains("warning"),
        "{}",
        stderr(&ran.out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pace_above_the_limit_is_capped_with_a_warning() {
    let sb = documented().await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..76), &["--rate", "50/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    assert!(
        stderr(&ran.out).contains(
            "warning: instance `default`: 50/s is above the documented limit of 10/s for removeGroupParticipant on whatsapp; using 10/s"
        ),
        "{}",
        stderr(&ran.out)
    );
    assert_all_done(&ran);
    assert_at_the_limit(&sb.ledger(), "removeGroupParticipant", 15, 10.0);
    // An unlimited pace needs a server declared without limits.
    let sb = documented().await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..64), &["--rate", "unlimited"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    assert!(
        stderr(&ran.out).contains("needs a server without limits"),
        "{}",
        stderr(&ran.out)
    );
    assert_all_done(&ran);
    assert_at_the_limit(&sb.ledger(), "removeGroupParticipant", 3, 10.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_keep_their_own_pace_under_their_limit() {
    // Three removals of people who are not members, in three groups: each
    // `false` is explained by a read, at 0.95/s whatever --rate says.
    let sb = documented().await;
    let ops = [
        format!("remove,{G1},79001230000@c.us"),
        format!("remove,{G2},79001230000@c.us"),
        format!("remove,{G3},79001230000@c.us"),
    ];
    let ran = run_rows(&sb, WA_MAIN, &ops, &["--rate", "10/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let ledger = sb.ledger();
    let reads = limited(&ledger, "getGroupData");
    let refused = self_inflicted(&ledger, "getGroupData");
    assert!(refused <= JITTER_429S, "{refused} 429s: {reads:?}");
    assert_eq!(reads.len(), 3 + refused, "one read per group: {reads:?}");
    assert_paced(&reads, 0.95);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_changes_are_held_to_one_a_second() {
    let sb = documented().await;
    let ops = [
        format!("promote,{MAXG},10000001"),
        format!("promote,{MAXG},10000002"),
        format!("promote,{MAXG},10000003"),
    ];
    let ran = run_rows(&sb, MAX_MAIN, &ops, &["--rate", "5/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    assert!(
        stderr(&ran.out)
            .contains("5/s is above the documented limit of 1/s for setGroupAdmin on max"),
        "{}",
        stderr(&ran.out)
    );
    assert_all_done(&ran);
    assert_at_the_limit(&sb.ledger(), "setGroupAdmin", 3, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_limits_are_checked_and_used() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    assert_eq!(sb.declared_limits(WA_MAIN).as_deref(), Some("unlimited"));
    let mut env = default_env(&sb, WA_MAIN);
    env.retain(|(k, _)| k != "GREEN_API_LIMITS");
    env.push(("GREEN_API_LIMITS".into(), "getGroupData=fast".into()));
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", &csv(&removals(61..62)));
    let out = greenbatch(&["run", manifest.to_str().unwrap()], &env).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("GREEN_API_LIMITS"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("`fast` is not a limit"),
        "{}",
        stderr(&out)
    );
    assert!(sent(&sb).is_empty());
}

//! What is "already done" agrees across commands, and can be done again
//! (issue 19, item 3): after a run promoted two members who were then
//! demoted by hand, `plan` and `run --dry-run` read the same default
//! results file and say so, `run` says that earlier rows settled
//! everything and names `--fresh`, and `run --fresh` sends them again,
//! appending rows that become the latest. Sandbox with its documented
//! limits, default pace.

use greenbatch::runner::Outcome;
use greenbatch::sandbox::SandboxConfig;

use crate::sandbox_support::{Api, MARKET};
use crate::support::*;

const ONE: &str = "79001234561@c.us";
const TWO: &str = "79001234562@c.us";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_dry_run_agree_and_fresh_sends_settled_operations_again() {
    let api = Api::start(SandboxConfig::default_state()).await;
    let env = default_env(&api.sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "promote.csv",
        &format!("action,chat_id,participant_id\npromote,{MARKET},{ONE}\npromote,{MARKET},{TWO}\n"),
    );
    let m = manifest.to_str().unwrap();
    let results = dir.path().join("promote.results.csv");
    let first = greenbatch(&["run", m, "--progress", "never"], &env).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(api.is_admin(MARKET, ONE) && api.is_admin(MARKET, TWO));
    // Demoted by hand since.
    for who in [ONE, TWO] {
        assert_eq!(
            api.act(WA_MAIN, "removeAdmin", MARKET, who).await.status,
            200
        );
    }
    assert!(!api.is_admin(MARKET, ONE) && !api.is_admin(MARKET, TWO));

    let plan = greenbatch(&["plan", m], &env).await;
    let dry = greenbatch(&["run", m, "--dry-run"], &env).await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let head = |o: &std::process::Output| stdout(o).lines().next().unwrap_or("").to_owned();
    assert_eq!(head(&plan), head(&dry), "plan and run --dry-run agree");
    assert!(
        head(&plan).contains("0 operations to send") && head(&plan).contains("2 already done"),
        "{}",
        head(&plan)
    );
    for o in [&plan, &dry] {
        let err = stderr(o);
        assert!(
            err.contains("2 operations are already done according to")
                && err.contains("promote.results.csv (2 rows)")
                && err.contains("--fresh"),
            "{err}"
        );
    }

    let again = greenbatch(&["run", m, "--progress", "never"], &env).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("nothing was sent: earlier rows of the results file settle every operation; `greenbatch run --fresh` sends them again"),
        "{}",
        stdout(&again)
    );
    assert!(!api.is_admin(MARKET, ONE), "a plain rerun sends nothing");

    let fresh = greenbatch(&["run", m, "--fresh", "--progress", "never"], &env).await;
    assert_eq!(fresh.status.code(), Some(0), "{}", stderr(&fresh));
    assert!(api.is_admin(MARKET, ONE) && api.is_admin(MARKET, TWO));
    let rows = rows(&results);
    assert_eq!(rows.len(), 4, "the earlier rows stay, the new ones follow");
    assert!(
        rows[2..].iter().all(|r| r.outcome == Outcome::Done),
        "{rows:?}"
    );
    // The new rows are the latest: the plan now has nothing left either.
    let plan = greenbatch(&["plan", m], &env).await;
    assert!(head(&plan).contains("2 already done"), "{}", stdout(&plan));
}

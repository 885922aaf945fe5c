//! Logs: quiet by default, JSON lines with --log-format json (every stderr
//! line parses, so a log shipper can read it), and GREENBATCH_LOG overriding
//! -v and -q.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_quiet_by_default_and_json_lines_when_asked() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let ops = [
        format!("remove,{G1},79001234561@c.us"),
        format!("remove,{G1},79001234562@c.us"),
    ];
    let quiet = run_rows(
        &sb,
        WA_MAIN,
        &ops,
        &["--rate", "50/s", "--progress", "never"],
    )
    .await;
    assert_eq!(quiet.code(), Some(0));
    assert_eq!(
        stderr(&quiet.out),
        "",
        "nothing went wrong, so nothing on stderr"
    );

    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &ops,
        &[
            "--rate",
            "50/s",
            "--progress",
            "never",
            "--log-format",
            "json",
            "-vv",
        ],
    )
    .await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let lines: Vec<serde_json::Value> = stderr(&ran.out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let finished = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "finished")
        .count();
    assert_eq!(finished, 2, "one debug line per operation: {lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greenbatch_log_overrides_verbosity() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[format!("remove,{G1},79001234561@c.us")]),
    );
    let mut env = default_env(&sb, WA_MAIN);
    env.push(("GREENBATCH_LOG".into(), "greenbatch=debug".into()));
    let out = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "-q",
            "--progress",
            "never",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("finished"),
        "GREENBATCH_LOG wins over -q: {}",
        stderr(&out)
    );
}

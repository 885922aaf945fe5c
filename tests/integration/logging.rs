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

/// A token for an instance at a loopback port nobody listens on.
const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef01";

/// A loopback port nobody listens on (every connection is refused), its
/// URL, and a manifest of one removal in a directory kept while it lives.
fn nobody_listens() -> (u16, String, tempfile::TempDir, std::path::PathBuf) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[format!("remove,{G1},79001234561@c.us")]),
    );
    (port, format!("http://127.0.0.1:{port}"), dir, manifest)
}

/// A warning on a terminal or in a cron log is one sentence: the level as a
/// word, the instance, the host (never the URL, whose path holds the
/// token), what is done about it; no timestamp, no module path. `-v` keeps
/// tracing's structured form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_are_said_in_a_persons_words() {
    let (port, url, _dir, manifest) = nobody_listens();
    let args = [
        "run",
        manifest.to_str().unwrap(),
        "--outage-patience",
        "2s",
        "--progress",
        "never",
    ];
    let out = greenbatch(&args, &env_for(&url, TOKEN)).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let said = stderr(&out).replace(&port.to_string(), "PORT");
    assert!(!said.contains(TOKEN));
    insta::assert_snapshot!(said);

    let mut verbose = args.to_vec();
    verbose.push("-v");
    let out = greenbatch(&verbose, &env_for(&url, TOKEN)).await;
    let said = stderr(&out);
    assert!(
        said.contains(" WARN greenbatch::report::consumer: "),
        "-v keeps the structured form:\n{said}"
    );
}

/// A reading command held by an outage says so while it waits, rather than
/// looking hung for the outage patience (five minutes by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_held_by_an_outage_says_so_while_it_waits() {
    let (port, url, _dir, manifest) = nobody_listens();
    let args = [
        "plan",
        manifest.to_str().unwrap(),
        "--live",
        "--outage-patience",
        "2s",
    ];
    let out = greenbatch(&args, &env_for(&url, TOKEN)).await;
    let said = stderr(&out);
    assert!(
        said.contains(&format!(
            "warning: default: cannot connect to 127.0.0.1:{port} (connection refused); every getStateInstance request fails: holding them and trying one now and then"
        )),
        "{said}"
    );
    assert!(!said.contains(TOKEN));
}

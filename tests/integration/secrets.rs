//! The token never leaks: a unique sentinel token is searched for in every
//! byte of stdout, stderr (logs at trace level) and the results file, across
//! a normal run with faults, a wrong token, a refused connection, a redirect
//! (whose target must receive nothing), a TLS failure, the commands that
//! read it without sending (validate, plan, a dry run), and `--help`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::*;

const SENTINEL: &str = "5e471ae15e471ae15e471ae15e471ae15e471ae15e471ae1ff";
const G1: &str = "120363043968066561@g.us";

/// The default state with wa-main's token replaced by the sentinel.
fn sentinel_config() -> SandboxConfig {
    let text = crate::support::DEFAULT_STATE.to_owned();
    let original = SandboxConfig::default_state()
        .instances()
        .into_iter()
        .find(|i| i.id_instance == WA_MAIN)
        .unwrap();
    SandboxConfig::from_yaml(&text.replace(original.token.expose(), SENTINEL)).unwrap()
}

/// The sentinel as wa-main's token at `url`, every log at trace level.
fn traced_env(url: &str) -> Vec<(String, String)> {
    let mut env = env_for(url, SENTINEL);
    env.push(("GREENBATCH_LOG".into(), "trace".into()));
    env
}

/// Runs a small manifest against `url` and asserts the sentinel is nowhere.
async fn run_and_search(url: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("action,chat_id,participant_id\n");
    for n in 61..66 {
        text.push_str(&format!("remove,{G1},790012345{n}@c.us\n"));
    }
    let manifest = write(dir.path(), "m.csv", &text);
    let out = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "--rate",
            "50/s",
            "--max-attempts",
            "2",
            "--timeout",
            "5s",
            // A dead or broken server is an outage: waited out for 3 s, so
            // the give-up text is searched for the token too.
            "--outage-patience",
            "3s",
            "-vvv",
            "--progress",
            "always",
        ],
        &traced_env(url),
    )
    .await;
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !String::from_utf8_lossy(bytes).contains(SENTINEL),
            "the token leaked into {what}"
        );
    }
    // Every run here gets as far as its results file: a row per operation,
    // whatever the server did.
    let results = std::fs::read_to_string(dir.path().join("m.results.csv"))
        .expect("the run wrote its results file");
    assert_eq!(results.lines().count(), 6, "a header and 5 rows: {results}");
    assert!(
        !results.contains(SENTINEL),
        "the token leaked into the results file"
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_in_a_normal_run_with_faults() {
    let faults = vec![
        FaultRule {
            first_n: Some(1),
            ..FaultRule::always(Fault::BadGateway).for_method(Method::RemoveGroupParticipant)
        },
        FaultRule {
            first_n: Some(1),
            ..FaultRule::always(Fault::Garbage).for_method(Method::RemoveGroupParticipant)
        },
    ];
    let sb = sandbox(sentinel_config().without_rate_limits().with_faults(faults)).await;
    let out = run_and_search(&sb.api_url()).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("TRACE") || stderr(&out).contains("DEBUG"),
        "logs were on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_when_the_token_is_wrong() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let out = run_and_search(&sb.api_url()).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_when_the_connection_is_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = run_and_search(&format!("http://127.0.0.1:{port}")).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// A server that answers every request with a redirect to `target`, keeping
/// the path (and so the token); it counts the requests it got.
async fn redirector(target: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let target = target.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let answer = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_when_redirected_and_the_target_receives_nothing() {
    let target = TcpListener::bind("127.0.0.2:0")
        .await
        .expect("127.0.0.2 is loopback too");
    let target_url = format!("http://{}", target.local_addr().unwrap());
    let target_hits = Arc::new(AtomicUsize::new(0));
    let counter = target_hits.clone();
    tokio::spawn(async move {
        while target.accept().await.is_ok() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let (url, hits) = redirector(target_url).await;
    let out = run_and_search(&url).await;
    assert_eq!(
        out.status.code(),
        Some(4),
        "a redirect stops the instance: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("redirect"), "{}", stderr(&out));
    assert!(
        hits.load(Ordering::SeqCst) >= 1,
        "the redirecting server was called"
    );
    assert_eq!(
        target_hits.load(Ordering::SeqCst),
        0,
        "the redirect target received nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_when_tls_fails() {
    // A plain-HTTP server spoken to over https: the handshake fails.
    let (url, hits) = redirector("http://127.0.0.1:9".into()).await;
    let out = run_and_search(&url.replace("http://", "https://")).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(hits.load(Ordering::SeqCst) >= 1, "the server was reached");
}

/// Asserts the sentinel is in neither of `out`'s streams.
fn assert_unshown(what: &str, out: &std::process::Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !String::from_utf8_lossy(bytes).contains(SENTINEL),
            "{what}: the token leaked into {stream}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_in_what_reads_it_without_sending_nor_in_help() {
    let sb = sandbox(sentinel_config().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &format!("action,chat_id,participant_id\nremove,{G1},79001234561@c.us\n"),
    );
    let m = manifest.to_str().unwrap();
    // The sentinel in GREEN_API_TOKEN_INSTANCE, every log at trace level.
    let env = traced_env(&sb.api_url());
    for (args, env) in [
        (vec!["validate", m], &env),
        (vec!["validate", m, "--format", "json"], &env),
        (vec!["plan", m], &env),
        (vec!["run", m, "--dry-run", "--live"], &env),
        (vec!["plan", m, "--live", "--format", "json"], &env),
    ] {
        let out = greenbatch(&args, env).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_unshown(&format!("{args:?}"), &out);
    }
    // Each of them read it: the live plans sent it with their reads (the
    // sandbox checked it), and the offline commands refuse it misshapen
    // (without showing it either).
    let ledger = sb.ledger();
    assert_eq!(
        ledger
            .iter()
            .filter(|e| e.method.as_deref() == Some("getGroupData"))
            .count(),
        2,
        "each live plan read the group"
    );
    assert!(
        ledger.iter().all(|e| e.token_ok == Some(true)),
        "every read carried the token: {ledger:?}"
    );
    let mut misshapen = env.clone();
    misshapen[2].1 = format!("{SENTINEL}/x");
    for command in ["validate", "plan"] {
        let out = greenbatch(&[command, m], &misshapen).await;
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("GREEN_API_TOKEN_INSTANCE: does not hold an apiTokenInstance"),
            "{command} reads the variable: {}",
            stderr(&out)
        );
        assert_unshown(command, &out);
    }
    // Help and version read no variable: what could bring the token into
    // them is clap's `env` feature (enabled), which prints an argument's
    // variable with its value, `[env: NAME=value]`, in the help.
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["validate", "--help"],
        vec!["plan", "--help"],
        vec!["sync", "--help"],
        vec!["demo", "--help"],
        vec!["--version"],
    ] {
        let out = greenbatch(&args, &env).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!stdout(&out).is_empty(), "{args:?} printed its text");
        assert_unshown(&format!("{args:?}"), &out);
    }
}

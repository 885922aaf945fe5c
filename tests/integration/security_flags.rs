//! Flag and setting values that once meant something dangerous are usage
//! errors with a hint (exit 2) and nothing is sent: a rate that underflows
//! to zero (once "unlimited", even against a real server), tiny rates (once
//! a panic converting the interval), an instances file's `rate: 1e-300`,
//! a zero timeout; and plain http by the name `localhost` (the system's
//! resolver decides where it goes), where only literal loopback addresses
//! are trusted.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";

fn manifest_rows() -> Vec<String> {
    (61..64)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rates_that_underflow_or_overflow_and_zero_timeouts_are_usage_errors() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    for (flags, expected) in [
        (&["--rate", "5e-324/m"][..], "slower than one request a day"),
        (&["--rate", "1e-20"][..], "slower than one request a day"),
        (
            &["--rate", "0.000001/s"][..],
            "slower than one request a day",
        ),
        (&["--rate", "1e300"][..], "faster than"),
        (&["--timeout", "0s"][..], "too short"),
        (&["--timeout", "0ms"][..], "too short"),
        (&["--timeout", "400d"][..], "longer than a day"),
    ] {
        let ran = run_rows(&sb, WA_MAIN, &manifest_rows(), flags).await;
        let err = stderr(&ran.out);
        assert_eq!(ran.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(expected), "{flags:?}: {err}");
        assert!(err.contains("try"), "{flags:?}: a hint: {err}");
        assert!(!err.contains("panicked"), "{flags:?}: {err}");
        assert!(
            !ran.dir.path().join("m.results.csv").exists(),
            "{flags:?}: stopped before the results file"
        );
    }
    assert!(sb.ledger().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instances_file_rate_too_small_to_pace_is_refused() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let token = sb.instance(WA_MAIN).unwrap().token.expose().to_owned();
    for rate in ["1e-300", "0", "5e-324", "1e400", "-2"] {
        let dir = tempfile::tempdir().unwrap();
        let instances = write(
            dir.path(),
            "i.yaml",
            &format!(
                "- name: wa\n  platform: whatsapp\n  api_url: {}\n  id_instance: \"{WA_MAIN}\"\n  token_env: GREEN_API_WA_TOKEN\n  rate: {rate}\n",
                sb.api_url()
            ),
        );
        let rows: Vec<String> = manifest_rows().iter().map(|r| format!("{r},wa")).collect();
        let manifest = write(
            dir.path(),
            "m.csv",
            &format!(
                "action,chat_id,participant_id,instance\n{}\n",
                rows.join("\n")
            ),
        );
        let out = greenbatch(
            &[
                "run",
                manifest.to_str().unwrap(),
                "--instances",
                instances.to_str().unwrap(),
            ],
            &[("GREEN_API_WA_TOKEN".into(), token.clone())],
        )
        .await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "rate {rate}: {err}");
        assert!(
            err.contains("error: rate: instance `wa`: `"),
            "rate {rate}: names the field: {err}"
        );
        assert!(err.contains("hint: "), "rate {rate}: {err}");
        assert!(!err.contains("panicked"), "rate {rate}: {err}");
    }
    assert!(sb.ledger().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_by_the_name_localhost_is_refused_and_literal_loopback_works() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let port = sb.addr().port();
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", &csv(&manifest_rows()));
    let m = manifest.to_str().unwrap();
    for url in [
        format!("http://localhost:{port}"),
        format!("http://LOCALHOST:{port}/"),
        format!("http://localhost.:{port}"),
        format!("http://127.0.0.1.nip.io:{port}"),
    ] {
        let mut env = default_env(&sb, WA_MAIN);
        env[0].1 = url.clone();
        for command in ["run", "validate", "plan"] {
            let out = greenbatch(&[command, m], &env).await;
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command} {url}: {err}");
            assert!(err.contains("plain http"), "{command} {url}: {err}");
            assert!(
                err.contains("127.0.0.1"),
                "{command} {url}: the hint: {err}"
            );
        }
    }
    assert!(sb.ledger().is_empty(), "nothing was sent by name");
    assert!(!dir.path().join("m.results.csv").exists());
    let ran = greenbatch(
        &["run", m, "--rate", "unlimited"],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    assert!(!sb.ledger().is_empty(), "127.0.0.1 works");
}

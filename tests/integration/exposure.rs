//! Exposure beyond the token searches of `secrets.rs`: plain http to a host
//! that is not loopback is refused before anything is opened or sent; the
//! loaded configuration's `Debug` never shows a token; the files and the
//! directory the tool creates are private (0600, 0700).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use greenbatch::manifest::{self, LoadOptions};
use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const SENTINEL: &str = "e4905ee4905ee4905ee4905ee4905ee4905ee4905ee4905e77";
const MANIFEST: &str =
    "action,chat_id,participant_id\nremove,120363043968066561@g.us,79001234561@c.us\n";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    // None of these is ever connected to: the refusal comes from validation,
    // before the results file is created, let alone a request built.
    for url in [
        "http://example.invalid",
        "http://10.0.0.1",
        "http://10.0.0.1:80/",
        "http://192.168.1.1:8080",
        "http://[2001:db8::1]",
        "HTTP://api.green-api.com",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let manifest = write(dir.path(), "m.csv", MANIFEST);
        for command in ["run", "validate", "plan"] {
            let out = greenbatch(
                &[command, manifest.to_str().unwrap()],
                &env_for(url, SENTINEL),
            )
            .await;
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command} {url}: {err}");
            assert!(err.contains("plain http"), "{command} {url}: {err}");
            assert!(err.contains("nothing was sent"), "{command} {url}: {err}");
            assert!(!err.contains(SENTINEL) && !stdout(&out).contains(SENTINEL));
        }
        assert!(
            !dir.path().join("m.results.csv").exists(),
            "{url}: stopped before the results file"
        );
    }
}

#[test]
fn the_loaded_configuration_never_shows_a_token_in_debug() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", MANIFEST);
    let env = env_for("https://api.green-api.com", SENTINEL);
    let lookup = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let loaded = manifest::load(&manifest, &LoadOptions::default(), &lookup).unwrap();
    let shown = format!("{loaded:?} {loaded:#?}");
    assert!(shown.contains("Token(***)"), "the token is there, redacted");
    assert!(!shown.contains(SENTINEL), "{shown}");
    let sandbox = format!("{:?}", SandboxConfig::default_state().instances());
    let token = SandboxConfig::default_state().instances()[0]
        .token
        .expose()
        .to_owned();
    assert!(!sandbox.contains(&token), "{sandbox}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_files_the_tool_creates_are_private() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", MANIFEST);
    let out = greenbatch(
        &["run", manifest.to_str().unwrap(), "--rate", "unlimited"],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&dir.path().join("m.results.csv")), 0o600);

    let demo = dir.path().join("demo/nested");
    let out = greenbatch(
        &[
            "demo",
            "--dir",
            demo.to_str().unwrap(),
            "--progress",
            "never",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&demo), 0o700, "the demo directory");
    for entry in std::fs::read_dir(&demo).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

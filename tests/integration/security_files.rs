//! What an instances file may make greenbatch send, and which files it
//! trusts: `token_env` reads only variables meant for tokens; a token whose
//! characters could change the URL path is refused without being shown; a
//! token file is opened without following a link and must be a regular file
//! of the user's, readable by nobody else, holding what its size says; an
//! api_url host outside GREEN-API's domains is warned about once unless
//! acknowledged; a results file that is a link, someone else's or writable
//! by others is refused (its `done` rows would make a rerun skip
//! operations); the demo writes only into a directory it just created.
//!
//! The tests run as root (as CI does) to `chown` a file to another user.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use greenbatch::sandbox::{SandboxConfig, SandboxHandle};

use crate::support::*;

const G1: &str = "120363043968066561@g.us";

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Hands `path` to user and group 65534 (nobody).
fn give_away(path: &Path) {
    std::os::unix::fs::chown(path, Some(65534), Some(65534))
        .expect("these tests run as root (as CI does), to chown a file to another user");
}

/// `m.csv` (three removals on `wa`) and `i.yaml` defining `wa` as the
/// sandbox's wa-main with `token` (a `token_env: NAME` or `token_file: PATH`
/// line) in `dir`; returns the manifest and instances paths.
fn files(dir: &Path, sb: &SandboxHandle, token: &str) -> (String, String) {
    let instances = write(
        dir,
        "i.yaml",
        &format!(
            "- name: wa\n  platform: whatsapp\n  api_url: {}\n  id_instance: \"{WA_MAIN}\"\n  {token}\n",
            sb.api_url()
        ),
    );
    let rows: Vec<String> = (61..64)
        .map(|n| format!("remove,{G1},790012345{n}@c.us,wa"))
        .collect();
    let manifest = write(
        dir,
        "m.csv",
        &format!(
            "action,chat_id,participant_id,instance\n{}\n",
            rows.join("\n")
        ),
    );
    (
        manifest.to_str().unwrap().to_owned(),
        instances.to_str().unwrap().to_owned(),
    )
}

async fn run_with(
    manifest: &str,
    instances: &str,
    env: &[(String, String)],
) -> std::process::Output {
    greenbatch(
        &[
            "run",
            manifest,
            "--instances",
            instances,
            "--rate",
            "unlimited",
        ],
        env,
    )
    .await
}

fn token_of(sb: &SandboxHandle) -> String {
    sb.instance(WA_MAIN).unwrap().token.expose().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_env_reads_only_variables_meant_for_tokens() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let token = token_of(&sb);
    // CI secrets are *_TOKEN too: only GREEN_API_* and GREENBATCH_* names,
    // or those the person running lists in GREENBATCH_TOKEN_ENVS.
    for var in [
        "AWS_SECRET_ACCESS_KEY",
        "HOME",
        "TOKEN_WA",
        "GITHUB_TOKEN",
        "NPM_TOKEN",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (m, i) = files(dir.path(), &sb, &format!("token_env: {var}"));
        let out = run_with(&m, &i, &[(var.to_owned(), token.clone())]).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{var}: {err}");
        assert!(
            err.contains(&format!(
                "`{var}` is not a variable meant for a GREEN-API token"
            )),
            "{var}: {err}"
        );
        assert!(
            err.contains("GREEN_API_") && err.contains("GREENBATCH_TOKEN_ENVS="),
            "{var}: the hint says the rule and how to migrate: {err}"
        );
        assert!(!err.contains(&token), "{var}: the value is not shown");
    }
    assert!(sb.ledger().is_empty(), "nothing was sent");
    let dir = tempfile::tempdir().unwrap();
    let (m, i) = files(dir.path(), &sb, "token_env: GREEN_API_WA_MAIN_TOKEN");
    let out = run_with(
        &m,
        &i,
        &[("GREEN_API_WA_MAIN_TOKEN".to_owned(), token.clone())],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!sb.ledger().is_empty(), "a GREEN_API_ name is read");
    // A name the person running lists is read too.
    let seen = sb.ledger().len();
    let dir = tempfile::tempdir().unwrap();
    let (m, i) = files(dir.path(), &sb, "token_env: WA_MAIN_TOKEN");
    let env = [
        ("WA_MAIN_TOKEN".to_owned(), token),
        (
            "GREENBATCH_TOKEN_ENVS".to_owned(),
            "WA_MAIN_TOKEN".to_owned(),
        ),
    ];
    let out = run_with(&m, &i, &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(sb.ledger().len() > seen, "a listed name is read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_that_could_change_the_request_path_are_refused_unshown() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let good = token_of(&sb);
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[format!("remove,{G1},79001234561@c.us")]),
    );
    let m = manifest.to_str().unwrap();
    for bad in [
        format!("{good}/../../getSettings"),
        format!("{good}?x=1"),
        format!("{good}#x"),
        format!("{good}%2f.."),
        format!("{good} x"),
        "..".to_owned(),
        "short".to_owned(),
        "a".repeat(300),
    ] {
        let mut env = default_env(&sb, WA_MAIN);
        env[2].1 = bad.clone();
        for command in ["run", "validate"] {
            let out = greenbatch(&[command, m], &env).await;
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command} {bad:?}: {err}");
            assert!(
                err.contains("GREEN_API_TOKEN_INSTANCE: does not hold an apiTokenInstance"),
                "{command} {bad:?}: {err}"
            );
            assert!(
                !err.contains(&bad),
                "{command}: the value is not shown: {err}"
            );
        }
        // The same through token_env.
        let sub = tempfile::tempdir().unwrap();
        let (fm, fi) = files(sub.path(), &sb, "token_env: GREEN_API_WA_MAIN_TOKEN");
        let out = run_with(
            &fm,
            &fi,
            &[("GREEN_API_WA_MAIN_TOKEN".to_owned(), bad.clone())],
        )
        .await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "token_env {bad:?}: {err}");
        assert!(
            err.contains("the variable GREEN_API_WA_MAIN_TOKEN does not hold an apiTokenInstance"),
            "{err}"
        );
        assert!(!err.contains(&bad), "the value is not shown: {err}");
    }
    assert!(sb.ledger().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_file_must_be_a_private_regular_file_of_the_user() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let real = write(dir.path(), "real.token", &format!("{}\n", token_of(&sb)));
    chmod(&real, 0o600);
    let link = dir.path().join("link.token");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let fifo = dir.path().join("fifo.token");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let theirs = write(dir.path(), "theirs.token", &format!("{}\n", token_of(&sb)));
    chmod(&theirs, 0o600);
    give_away(&theirs);
    let shared = write(dir.path(), "shared.token", &format!("{}\n", token_of(&sb)));
    chmod(&shared, 0o640);
    let not_a_token = write(dir.path(), "text.token", "password=hunter2hunter2\n");
    chmod(&not_a_token, 0o600);
    for (path, expected) in [
        (link.clone(), "is a symbolic link"),
        (fifo.clone(), "is not a regular file"),
        (dir.path().to_owned(), "is not a regular file"),
        (theirs.clone(), "is owned by another user (uid 65534"),
        (
            shared.clone(),
            "has mode 640, which lets group or others read it",
        ),
        ("/proc/self/environ".into(), "is not a small ordinary file"),
        (not_a_token.clone(), "does not hold an apiTokenInstance"),
    ] {
        let sub = tempfile::tempdir().unwrap();
        let (m, i) = files(sub.path(), &sb, &format!("token_file: {}", path.display()));
        // A FIFO opened the blocking way would hang here until `greenbatch`
        // gives up after a minute: a guard against the hang, not a measure
        // of speed. What is asserted is the refusal itself.
        let out = run_with(&m, &i, &[]).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains(expected), "{}: {err}", path.display());
        assert!(err.contains("hint: "), "{err}");
        assert!(
            !err.contains("hunter2"),
            "the contents are not shown: {err}"
        );
    }
    assert!(sb.ledger().is_empty(), "nothing was sent");
    let (m, i) = files(dir.path(), &sb, &format!("token_file: {}", real.display()));
    let out = run_with(&m, &i, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!sb.ledger().is_empty(), "the private file works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_outside_green_api_s_domains_is_warned_about_once_unless_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let instance = |name: &str, url: &str, extra: &str| {
        format!(
            "- name: {name}\n  platform: whatsapp\n  api_url: {url}\n  id_instance: \"{WA_MAIN}\"\n  token_env: GREEN_API_WA_TOKEN\n{extra}"
        )
    };
    let manifest = write(
        dir.path(),
        "m.csv",
        &format!(
            "action,chat_id,participant_id,instance\nremove,{G1},79001234561@c.us,a\nremove,{G1},79001234562@c.us,b\nremove,{G1},79001234563@c.us,c\n"
        ),
    );
    let m = manifest.to_str().unwrap();
    let warning = "api_url host `gw.example.invalid` is not one of GREEN-API's documented domains";
    // Trust comes from whoever runs the command: the flag, or
    // GREENBATCH_TRUST_API_HOST; never from the file that names the host.
    let by_env = [(
        "GREENBATCH_TRUST_API_HOST".to_owned(),
        "other.invalid,gw.example.invalid".to_owned(),
    )];
    type Env<'a> = &'a [(String, String)];
    let cases: [(&str, &[&str], Env<'_>, usize); 4] = [
        ("", &[], &[], 1),
        ("", &["--trust-api-host", "GW.example.invalid"], &[], 0),
        ("", &[], &by_env, 0),
        ("", &["--trust-api-host", "other.invalid"], &[], 1),
    ];
    for (extra, flags, env, warnings) in cases {
        let text = [
            instance("a", "https://gw.example.invalid", extra),
            instance("b", "https://gw.example.invalid:8443/base", extra),
            instance("c", "https://7105.api.greenapi.com", ""),
        ]
        .concat();
        let instances = write(dir.path(), "i.yaml", &text);
        let mut args = vec!["validate", m, "--instances", instances.to_str().unwrap()];
        args.extend_from_slice(flags);
        let out = greenbatch(&args, env).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{extra:?} {flags:?}: {err}");
        assert_eq!(
            err.matches(warning).count(),
            warnings,
            "{extra:?} {flags:?}: {err}"
        );
        assert!(!err.contains("7105.api.greenapi.com"), "{err}");
        // Each warning's hint names the flag that acknowledges the host.
        assert_eq!(
            err.matches("--trust-api-host gw.example.invalid").count(),
            warnings,
            "{extra:?} {flags:?}: {err}"
        );
    }
    // A file that vouches for its own host is refused, with how to migrate.
    for vouch in ["true", "false"] {
        let text = instance(
            "a",
            "https://gw.example.invalid",
            &format!("  trust_api_host: {vouch}\n"),
        );
        let instances = write(dir.path(), "i.yaml", &text);
        let out = greenbatch(
            &["validate", m, "--instances", instances.to_str().unwrap()],
            &[],
        )
        .await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{vouch}: {err}");
        assert!(
            err.contains("trust_api_host: instance `a`: is no longer read: an instances file cannot vouch for the host it sends a token to")
                && err.contains("GREENBATCH_TRUST_API_HOST=HOST"),
            "{vouch}: {err}"
        );
    }
    // The sandbox (literal loopback) needs no acknowledgement.
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let (m, i) = files(dir.path(), &sb, "token_env: GREEN_API_WA_MAIN_TOKEN");
    let out = run_with(
        &m,
        &i,
        &[("GREEN_API_WA_MAIN_TOKEN".to_owned(), token_of(&sb))],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("documented domains"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_file_that_is_a_link_foreign_or_writable_by_others_is_refused() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[format!("remove,{G1},79001234561@c.us")]),
    );
    let m = manifest.to_str().unwrap();
    let env = default_env(&sb, WA_MAIN);
    // A planted file: one `done` row for the manifest's only operation,
    // taken from a real run elsewhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let real = write(
        elsewhere.path(),
        "m.csv",
        &csv(&[format!("remove,{G1},79001234561@c.us")]),
    );
    let out = greenbatch(
        &["run", real.to_str().unwrap(), "--rate", "unlimited"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let planted = std::fs::read_to_string(elsewhere.path().join("m.results.csv")).unwrap();
    sb.reset();

    let results = dir.path().join("m.results.csv");
    let target = dir.path().join("target.csv");
    let cases: [(&str, &str); 4] = [
        ("link", "is a symbolic link"),
        ("theirs", "is owned by another user (uid 65534"),
        (
            "group-writable",
            "has mode 660, which lets group or others write it",
        ),
        (
            "world-writable",
            "has mode 602, which lets group or others write it",
        ),
    ];
    for (case, expected) in cases {
        let _ = std::fs::remove_file(&results);
        let _ = std::fs::remove_file(&target);
        match case {
            "link" => {
                std::fs::write(&target, &planted).unwrap();
                chmod(&target, 0o600);
                std::os::unix::fs::symlink(&target, &results).unwrap();
            }
            _ => {
                std::fs::write(&results, &planted).unwrap();
                let mode = match case {
                    "theirs" => 0o600,
                    "group-writable" => 0o660,
                    _ => 0o602,
                };
                chmod(&results, mode);
                if case == "theirs" {
                    give_away(&results);
                }
            }
        }
        for args in [
            vec!["run", m, "--rate", "unlimited"],
            vec!["run", m, "--dry-run"],
            vec!["plan", m, "--results", results.to_str().unwrap()],
        ] {
            let out = greenbatch(&args, &env).await;
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{case} {args:?}: {err}");
            assert!(err.contains(expected), "{case} {args:?}: {err}");
            assert!(err.contains("a rerun skips"), "{case}: says why: {err}");
        }
        if case == "link" {
            assert_eq!(
                std::fs::read_to_string(&target).unwrap(),
                planted,
                "the link's target is untouched"
            );
        }
    }
    assert!(sb.ledger().is_empty(), "nothing was sent");
    // The same planted rows in a file of the user's own: trusted, skipped.
    let _ = std::fs::remove_file(&results);
    std::fs::write(&results, &planted).unwrap();
    chmod(&results, 0o600);
    let out = greenbatch(&["run", m, "--rate", "unlimited"], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(sent(&sb).is_empty(), "its done row was trusted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_writes_only_into_a_directory_it_just_created() {
    let tmp = tempfile::tempdir().unwrap();
    let existing = tmp.path().join("existing");
    std::fs::create_dir(&existing).unwrap();
    let out = greenbatch(
        &[
            "demo",
            "--dir",
            existing.to_str().unwrap(),
            "--progress",
            "never",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("exists already"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_dir(&existing).unwrap().count(),
        0,
        "nothing written"
    );

    // The default: a fresh, randomly named private directory each time.
    let mut dirs = Vec::new();
    for _ in 0..2 {
        let out = greenbatch(
            &["demo", "--progress", "never"],
            &[("TMPDIR".to_owned(), tmp.path().to_str().unwrap().to_owned())],
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        let results = text
            .lines()
            .find_map(|l| l.strip_prefix("results: "))
            .expect("the demo says where the results are");
        let dir = Path::new(results).parent().unwrap().to_owned();
        assert_eq!(dir.parent().unwrap(), tmp.path(), "{text}");
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(name.starts_with("greenbatch-demo-"), "{name}");
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{name}");
        dirs.push(dir);
    }
    assert_ne!(dirs[0], dirs[1], "a new directory each run");
}

//! Group names that cannot be trusted, and reads of them that fail: a
//! subject with ANSI escapes, a `<script>`, Markdown pipes, a newline and a
//! bidi override is shown, never obeyed, by the live plan, a sync, the
//! summary and every `report` format; and `report --live` never fails for
//! a name (getContacts broken, an instance refused, none configured): it
//! says so and shows the IDs, with the report's own exit code.

use std::path::PathBuf;

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};
use serde_json::Value;

use crate::group_names::{MARKET, count, report};
use crate::support::*;

const EVIL: &str = "120363000000000666@g.us";
/// As it is shown everywhere: escapes and the newline written out.
const EVIL_SHOWN: &str = "\\u{1b}[31mEvil | <script>alert(1)</script> \\u{a}next\\u{202e} | x";

/// The default state and a group whose subject is hostile, administered by
/// wa-main.
fn state() -> SandboxConfig {
    let extra = format!(
        r#"  - id: "{EVIL}"
    platform: whatsapp
    subject: "\x1b[31mEvil | <script>alert(1)</script> \nnext\u202e | x"
    owner: "79990000001@c.us"
    participants:
      - {{ id: "79990000001@c.us", admin: true }}
      - "79001111111@c.us"
      - "79001111112@c.us"
"#
    );
    let yaml = format!("{}{extra}", crate::support::DEFAULT_STATE);
    SandboxConfig::from_yaml(&yaml)
        .unwrap()
        .without_rate_limits()
}

/// Nothing that a terminal would obey, nor a line the subject split.
fn assert_inert(text: &str) {
    assert!(
        !text.contains('\u{1b}'),
        "an escape reached the output:\n{text}"
    );
    assert!(!text.contains('\u{202e}'), "a bidi override:\n{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("next")),
        "a split line:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_subject_is_shown_never_obeyed_in_every_output() {
    let sb = sandbox(state()).await;
    let env = default_env(&sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        format!("remove,{EVIL},79001111111@c.us"),
        // Not a member: the `false` is explained by a read, which names
        // the group in the run's summary.
        format!("remove,{EVIL},79001119999@c.us"),
        format!("remove,{EVIL},79990000001@c.us"), // its own number: rejected
    ];
    let m = write(dir.path(), "m.csv", &csv(&rows));
    let m = m.to_str().unwrap();
    let label = format!("{EVIL_SHOWN} ({EVIL})");

    let plan = greenbatch(&["plan", m, "--live"], &env).await;
    let text = stdout(&plan);
    assert_inert(&text);
    assert!(text.contains(&format!("(whatsapp) {label}: ")), "{text}");
    let json = greenbatch(&["plan", m, "--live", "--format", "json"], &env).await;
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["groups"][0]["subject"], EVIL_SHOWN);

    let desired = write(
        dir.path(),
        "d.yaml",
        &format!("groups:\n  - chat_id: {EVIL}\n    banned: [79001111112@c.us]\n"),
    );
    let d = desired.to_str().unwrap();
    let dry = greenbatch(&["sync", d, "--dry-run", "--progress", "never"], &env).await;
    let text = stdout(&dry);
    assert_inert(&text);
    assert!(
        text.contains(&format!("default {label} (3 members)")),
        "{text}"
    );
    let json = greenbatch(&["sync", d, "--dry-run", "--format", "json"], &env).await;
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["groups"][0]["subject"], EVIL_SHOWN);

    let run = greenbatch(&["run", m, "--progress", "never"], &env).await;
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let text = stdout(&run);
    assert_inert(&text);
    assert!(
        text.contains(&format!("  in {label}: done 1, already 1, rejected 1")),
        "{text}"
    );

    let results = dir.path().join("m.results.csv");
    assert_reports_inert(&results, &env, &label).await;
}

/// Every format of `report --live` over `results` shows the hostile group
/// as text of its own syntax.
async fn assert_reports_inert(results: &std::path::Path, env: &[(String, String)], label: &str) {
    let live = ["--live", "--progress", "never"];
    let text = stdout(&report(results, &live, env).await);
    assert_inert(&text);
    assert!(text.contains(label), "{text}");

    let md = stdout(
        &report(
            results,
            &[&live[..], &["--format", "markdown"]].concat(),
            env,
        )
        .await,
    );
    assert_inert(&md);
    // Each table row keeps its cells: a pipe of the subject is escaped.
    let cells = |line: &str| line.replace("\\|", "").matches('|').count();
    for line in md.lines().filter(|l| l.contains(EVIL)) {
        assert!(line.contains("Evil \\| \\<script\\>"), "{line}");
        let header = md
            .lines()
            .take_while(|l| *l != line)
            .filter(|l| l.starts_with("| ") && !l.contains('`'))
            .last()
            .unwrap();
        assert_eq!(cells(line), cells(header), "{line}\n{header}");
    }

    let html = stdout(&report(results, &[&live[..], &["--format", "html"]].concat(), env).await);
    assert!(!html.contains("<script>"), "a script tag in the page");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert_inert(&html);

    let json = report(results, &[&live[..], &["--format", "json"]].concat(), env).await;
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["by_group"][0]["subject"], EVIL_SHOWN);
    assert_eq!(doc["needs_person"][0]["subject"], EVIL_SHOWN);
}

/// A finished run with a rejection (exit 1): its results file.
async fn a_run(sb: &SandboxHandle) -> (tempfile::TempDir, PathBuf) {
    let rows = [
        format!("remove,{MARKET},79001234561@c.us"),
        format!("remove,{MARKET},79990000001@c.us"),
    ];
    let ran = run_rows(sb, WA_MAIN, &rows, &["--progress", "never"]).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    let path = ran.dir.path().join("m.results.csv");
    (ran.dir, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_live_reads_each_group_getcontacts_cannot_name() {
    let faults = vec![FaultRule::always(Fault::Garbage).for_method(Method::GetContacts)];
    let sb = sandbox(state().with_faults(faults)).await;
    let (_dir, results) = a_run(&sb).await;
    let env = default_env(&sb, WA_MAIN);
    let reads = count(&sb, "getGroupData");
    let out = report(&results, &["--live", "--progress", "never"], &env).await;
    assert_eq!(out.status.code(), Some(1), "the report's own exit code");
    let err = stderr(&out);
    assert!(
        err.contains("warning: report --live: instance `default`: getContacts: the contact list is not JSON; its groups are read one by one"),
        "{err}"
    );
    assert!(
        stdout(&out).contains(&format!("Neighbourhood market ({MARKET})")),
        "{}",
        stdout(&out)
    );
    assert_eq!(count(&sb, "getGroupData") - reads, 1, "the one group, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_live_never_fails_for_a_name() {
    let sb = sandbox(state()).await;
    let (_dir, results) = a_run(&sb).await;
    let plain = report(&results, &[], &[]).await;
    assert_eq!(plain.status.code(), Some(1));

    // A token the server refuses, and no instance at all.
    let mut refused = default_env(&sb, WA_MAIN);
    for (k, v) in &mut refused {
        if k == "GREEN_API_TOKEN_INSTANCE" {
            *v = "0".repeat(50);
        }
    }
    for (env, said) in [
        (refused, "instance `default` refused: HTTP 401"),
        (
            Vec::new(),
            "the groups' names cannot be read, so they are shown by ID: error: no instance is configured",
        ),
    ] {
        let out = report(&results, &["--live", "--progress", "never"], &env).await;
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            stdout(&plain),
            "the IDs alone, as without --live"
        );
        let err = stderr(&out);
        assert!(
            err.contains(&format!("warning: report --live: {said}")),
            "{err}"
        );
        let quiet = report(&results, &["--live", "--progress", "never", "-q"], &env).await;
        assert_eq!(stderr(&quiet), "", "-q hides the warning");
    }
}

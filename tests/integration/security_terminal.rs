//! Text from a manifest or an instances file is shown, never obeyed, on the
//! terminal: an OSC 8 hyperlink, a clear-screen CSI, a BEL, a bidi override
//! or a newline in a cell, a column name, an instance name, a settings key or
//! a file name comes out as `\u{1b}`-style escapes in diagnostics (text and
//! JSON), plans and summaries, and no control character reaches the screen.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const OSC8: &str = "\u{1b}]8;;http://evil.invalid\u{1b}\\";
const G1: &str = "120363043968066561@g.us";

/// No control character but the newline, no bidi control, in `text`.
fn assert_inert(what: &str, text: &str) {
    let bad = text
        .chars()
        .find(|c| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c));
    assert_eq!(bad, None, "{what}: {text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_manifest_text_is_shown_escaped_everywhere() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    // Invalid: every diagnostic quotes something hostile.
    let bad = format!(
        "action,chat_id,participant_id,note{OSC8}x\n\
         remove,12036304396806656{OSC8}1@g.us,79001234561@c.us,\n\
         r\u{1b}[2Jemove,{G1},79001234562@c.us,\n\
         remove,{G1},7900\u{7}1234563@c.us,\n\
         remove,{G1},79001234564@c.us\u{202e},\n\
         remove,{G1},79001234565@c.us,\n"
    );
    let bad = write(dir.path(), "bad.csv", &bad);
    let instances = write(
        dir.path(),
        "i.yaml",
        &format!(
            "- name: \"wa\\e[31m\"\n  platform: whatsapp\n  api_url: {}\n  id_instance: \"{WA_MAIN}\"\n  token_env: GREEN_API_WA_TOKEN\n  \"colour\\e]0;title\\a\": 1\n",
            sb.api_url()
        ),
    );
    let env = default_env(&sb, WA_MAIN);
    for args in [
        vec!["validate", bad.to_str().unwrap()],
        vec!["validate", bad.to_str().unwrap(), "--format", "json"],
        vec!["plan", bad.to_str().unwrap()],
        vec!["run", bad.to_str().unwrap()],
        vec![
            "validate",
            bad.to_str().unwrap(),
            "--instances",
            instances.to_str().unwrap(),
        ],
    ] {
        let out = greenbatch(&args, &env).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let (o, e) = (stdout(&out), stderr(&out));
        assert_inert(&format!("{args:?} stdout"), &o);
        assert_inert(&format!("{args:?} stderr"), &e);
        // (JSON writes each backslash twice.)
        let all = format!("{o}{e}").replace(r"\\", r"\");
        // Shown, not dropped: the person fixing the file sees what is there.
        assert!(
            all.contains(r"\u{1b}]8;;http://evil.invalid\u{1b}\"),
            "{args:?}: {all}"
        );
        assert!(all.contains(r"r\u{1b}[2Jemove"), "{args:?}: {all}");
        assert!(all.contains(r"7900\u{7}1234563@c.us"), "{args:?}: {all}");
        // The instances file's hostile name and key, shown escaped when
        // that file is read, and only then.
        let instances_read = args.contains(&"--instances");
        assert_eq!(all.contains(r"wa\u{1b}[31m"), instances_read, "{all}");
        assert_eq!(
            all.contains(r"colour\u{1b}]0;title\u{7}"),
            instances_read,
            "{all}"
        );
    }
    assert!(sb.ledger().is_empty(), "nothing was sent");

    // A valid manifest under a hostile file name: plans and the run's
    // summary show the name escaped.
    // (No `/` in a file name: the link has no scheme.)
    let name = "m\u{1b}]8;;evil.invalid\u{1b}\\.csv";
    let good = write(
        dir.path(),
        name,
        &csv(&[format!("remove,{G1},79001234565@c.us")]),
    );
    let results = dir.path().join("r\u{1b}[2J.results.csv");
    for args in [
        vec!["validate", good.to_str().unwrap()],
        vec!["plan", good.to_str().unwrap()],
        vec!["run", good.to_str().unwrap(), "--dry-run"],
        vec![
            "run",
            good.to_str().unwrap(),
            "--rate",
            "unlimited",
            "--results",
            results.to_str().unwrap(),
        ],
    ] {
        let out = greenbatch(&args, &env).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let (o, e) = (stdout(&out), stderr(&out));
        assert_inert(&format!("{args:?} stdout"), &o);
        assert_inert(&format!("{args:?} stderr"), &e);
        let expected = if args.contains(&"--results") {
            r"r\u{1b}[2J.results.csv"
        } else {
            r"m\u{1b}]8;;evil.invalid\u{1b}\.csv"
        };
        assert!(o.contains(expected), "{args:?}: {o}");
    }
    // Errors about the results file name it escaped too.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&results, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = greenbatch(
        &[
            "run",
            good.to_str().unwrap(),
            "--results",
            results.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_inert("a refused results file", &stderr(&out));
    assert!(
        stderr(&out).contains(r"r\u{1b}[2J.results.csv"),
        "{}",
        stderr(&out)
    );
}

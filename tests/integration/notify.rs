//! `--notify CHAT_ID`: one message to the moderators' chat when a job ends,
//! through the sandbox's `sendMessage` (limits on, the default pace).

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig};

use crate::support::{
    WA_MAIN, default_env, greenbatch, sandbox, sandbox_tokens, stderr, stdout, write,
};

const GROUP: &str = "120363043968066561@g.us";
const MODERATORS: &str = "120363169960827018@g.us";

fn manifest(dir: &std::path::Path) -> std::path::PathBuf {
    write(
        dir,
        "cleanup.csv",
        &format!(
            "action,chat_id,participant_id\nremove,{GROUP},79001234561@c.us\nremove,{GROUP},79001234562@c.us\nremove,{GROUP},79001234599@c.us\nremove,{GROUP},79990000001@c.us\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_tells_the_chat_once_with_its_counts_and_no_token() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path());
    let args = ["run", m.to_str().unwrap(), "--notify", MODERATORS];
    let out = greenbatch(&args, &env).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "one removal is refused: {}",
        stderr(&out)
    );
    let sent = sb.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let m0 = &sent[0];
    assert_eq!(
        (m0.id_instance.as_str(), m0.chat_id.as_str()),
        (WA_MAIN, MODERATORS)
    );
    let text = &m0.message;
    assert!(text.starts_with("greenbatch: "), "{text}");
    assert!(text.contains("cleanup.csv via `default`"), "{text}");
    assert!(text.contains("(exit 1)"), "{text}");
    assert!(
        text.contains("4 operations: done 2, already 1, rejected 1"),
        "{text}"
    );
    assert!(
        text.contains(
            "needs a person:\n- remove 79990000001@c.us in Neighbourhood market (120363043968066561@g.us) (rejected)"
        ),
        "{text}"
    );
    assert!(
        text.contains("results: ") && text.contains("cleanup.results.csv"),
        "{text}"
    );
    assert!(text.chars().count() <= 4000);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    for token in sandbox_tokens(&sb) {
        assert!(!text.contains(&token), "the token is in the notice");
        assert!(!stdout(&out).contains(&token) && !stderr(&out).contains(&token));
    }

    // A rerun with nothing to send says nothing; --notify-always does.
    let again = greenbatch(&args, &env).await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(sb.messages().len(), 1, "nothing new, no notice");
    let mut always = args.to_vec();
    always.push("--notify-always");
    let again = greenbatch(&always, &env).await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(sb.messages().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_that_fails_leaves_the_exit_code_as_it_was() {
    let sb = sandbox(SandboxConfig::default_state().with_faults(vec![
        FaultRule::always(Fault::ServerError).for_method(Method::SendMessage),
    ]))
    .await;
    let env = default_env(&sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "ok.csv",
        &format!("action,chat_id,participant_id\nremove,{GROUP},79001234563@c.us\n"),
    );
    let started = std::time::Instant::now();
    let out = greenbatch(&["run", m.to_str().unwrap(), "--notify", MODERATORS], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(45),
        "the notice gave up in time"
    );
    assert!(
        stderr(&out).contains("warning: the notice could not be sent"),
        "{}",
        stderr(&out)
    );
    assert!(sb.messages().is_empty());
    let tried = sb
        .ledger()
        .iter()
        .filter(|e| e.method.as_deref() == Some("sendMessage"))
        .count();
    assert!((1..=3).contains(&tried), "{tried} tries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_never_notifies_and_a_wrong_chat_is_refused_before_sending() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path());
    let dry = greenbatch(
        &[
            "run",
            m.to_str().unwrap(),
            "--dry-run",
            "--live",
            "--notify",
            MODERATORS,
        ],
        &env,
    )
    .await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(sb.messages().is_empty(), "a dry run never notifies");

    let before = sb.ledger_totals().requests;
    let wrong = greenbatch(
        &["run", m.to_str().unwrap(), "--notify", "-10000000000000"],
        &env,
    )
    .await;
    assert_eq!(wrong.status.code(), Some(2), "{}", stderr(&wrong));
    assert!(
        stderr(&wrong).contains("--notify: `-10000000000000` is no whatsapp chat"),
        "{}",
        stderr(&wrong)
    );
    assert_eq!(sb.ledger_totals().requests, before, "nothing is sent");
    assert!(
        !dir.path().join("cleanup.results.csv").exists(),
        "refused before the results file is made"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_tells_the_chat_and_its_dry_run_does_not() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let desired = write(
        dir.path(),
        "nightly.yaml",
        &format!("groups:\n  - chat_id: {GROUP}\n    members: [79005550098@c.us]\n"),
    );
    let args = |dry: bool| {
        let mut a = vec!["sync", desired.to_str().unwrap(), "--notify", MODERATORS];
        if dry {
            a.push("--dry-run");
        }
        a
    };
    let dry = greenbatch(&args(true), &env).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(sb.messages().is_empty(), "a dry run never notifies");
    let out = greenbatch(&args(false), &env).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let sent = sb.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].message.starts_with("greenbatch: "),
        "{}",
        sent[0].message
    );
    assert!(
        sent[0].message.contains("nightly.yaml via `default`"),
        "{}",
        sent[0].message
    );
    assert!(
        sent[0].message.contains("1 operation: done 1"),
        "{}",
        sent[0].message
    );
    // The chat is checked before any group is read.
    let before = sb.ledger_totals().requests;
    let wrong = greenbatch(
        &["sync", desired.to_str().unwrap(), "--notify", "nobody"],
        &env,
    )
    .await;
    assert_eq!(wrong.status.code(), Some(2), "{}", stderr(&wrong));
    assert_eq!(sb.ledger_totals().requests, before);
}

/// A sync that sent nothing has no results file to read back, yet the chat
/// hears of it: a refused mass removal always (with --notify), a night with
/// nothing to change only with --notify-always; neither writes a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_sends_nothing_tells_the_chat_why() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let desired = |yaml: &str| write(dir.path(), "nightly.yaml", yaml);
    // Already a member: nothing to change.
    let path = desired(&format!(
        "groups:\n  - chat_id: {GROUP}\n    members: [79001234561@c.us]\n"
    ));
    let sync = |extra: &'static [&'static str]| {
        let mut a = vec![
            "sync".to_owned(),
            path.to_str().unwrap().to_owned(),
            "--notify".to_owned(),
            MODERATORS.to_owned(),
        ];
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a
    };
    let files = || std::fs::read_dir(dir.path()).unwrap().count();
    let before = files();
    let args = sync(&[]);
    let quiet = greenbatch(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert!(sb.messages().is_empty(), "nothing to change: no news");
    let args = sync(&["--notify-always"]);
    let always = greenbatch(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(always.status.code(), Some(0), "{}", stderr(&always));
    let sent = sb.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].message.starts_with("greenbatch: ")
            && sent[0].message.ends_with(
                "nightly.yaml via `default`: no change: 1 group as desired; nothing sent, no files written (exit 0)\n"
            ),
        "{}",
        sent[0].message
    );
    assert_eq!(files(), before, "no file written");

    // Everyone but one taken out: the guard refuses, and says so.
    write(
        dir.path(),
        "nightly.yaml",
        &format!(
            "groups:\n  - chat_id: {GROUP}\n    members: [79001234561@c.us]\n    remove_others: true\n"
        ),
    );
    let args = sync(&[]);
    let refused = greenbatch(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let sent = sb.messages();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let text = &sent[1].message;
    assert!(
        text.starts_with("greenbatch: ")
            && text.contains("nightly.yaml via `default`: ")
            && text.ends_with("(exit 2)\n"),
        "{text}"
    );
    assert!(
        text.contains("--max-removals"),
        "the refusal's own words: {text}"
    );
    assert_eq!(files(), before, "no file written");
}

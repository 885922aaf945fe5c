//! `greenbatch undo`: the inverse manifest of a run, run back against the
//! sandbox (limits on, the default pace), leaves the groups as they were.

use std::collections::BTreeSet;

use greenbatch::sandbox::{SandboxConfig, SandboxHandle};

use crate::support::{WA_MAIN, default_env, greenbatch, sandbox, stderr, stdout, write};

const GROUP: &str = "120363043968066561@g.us";

/// Each group's members and who is an admin, order aside (an add puts a
/// member back at the end of the list).
fn membership(sb: &SandboxHandle) -> BTreeSet<(String, String, bool)> {
    sb.state()
        .groups
        .into_iter()
        .flat_map(|g| {
            let id = g.id.clone();
            g.participants
                .into_iter()
                .map(move |p| (id.clone(), p.id, p.admin))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_undone_leaves_the_groups_as_they_were() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let before = membership(&sb);
    let manifest = write(
        dir.path(),
        "mistake.csv",
        &format!(
            "action,chat_id,participant_id\npromote,{GROUP},79001234561@c.us\npromote,{GROUP},79001234562@c.us\nremove,{GROUP},79001234563@c.us\nremove,{GROUP},79001234599@c.us\nremove,{GROUP},79990000001@c.us\n"
        ),
    );
    let ran = greenbatch(&["run", manifest.to_str().unwrap()], &env).await;
    assert_eq!(
        ran.status.code(),
        Some(1),
        "one row is rejected: {}",
        stderr(&ran)
    );
    assert_ne!(membership(&sb), before);

    let results = dir.path().join("mistake.results.csv");
    let sent = sb.ledger_totals().requests;
    let undo_path = dir.path().join("undo.csv");
    let undo = greenbatch(
        &[
            "undo",
            results.to_str().unwrap(),
            "-o",
            undo_path.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert_eq!(undo.status.code(), Some(0), "{}", stderr(&undo));
    let said = stderr(&undo);
    assert!(
        said.contains(
            "3 operations to undo: 1 add, 2 demote; 1 `already` and 1 `rejected` left out"
        ),
        "{said}"
    );
    assert!(said.contains("invite link"), "{said}");
    let text = std::fs::read_to_string(&undo_path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("action,chat_id,participant_id,instance"));
    let mut rows: Vec<&str> = lines.collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            format!("add,{GROUP},79001234563@c.us,default"),
            format!("demote,{GROUP},79001234561@c.us,default"),
            format!("demote,{GROUP},79001234562@c.us,default"),
        ]
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&undo_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(sb.ledger_totals().requests, sent, "undo sends nothing");

    let back = greenbatch(&["run", undo_path.to_str().unwrap()], &env).await;
    assert_eq!(
        back.status.code(),
        Some(0),
        "{}{}",
        stdout(&back),
        stderr(&back)
    );
    assert_eq!(membership(&sb), before, "the groups are as they were");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_and_source_pick_the_rows_of_one_run() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, WA_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let first = write(
        dir.path(),
        "first.csv",
        &format!("action,chat_id,participant_id\nremove,{GROUP},79001234571@c.us\n"),
    );
    let second = write(
        dir.path(),
        "second.csv",
        &format!("action,chat_id,participant_id\nremove,{GROUP},79001234572@c.us\n"),
    );
    let results = dir.path().join("all.results.csv");
    let run = |m: std::path::PathBuf| {
        let env = env.clone();
        let results = results.clone();
        async move {
            let out = greenbatch(
                &[
                    "run",
                    m.to_str().unwrap(),
                    "--results",
                    results.to_str().unwrap(),
                ],
                &env,
            )
            .await;
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
    };
    run(first).await;
    // A moment strictly between the two runs' rows.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    run(second).await;
    let undo = |extra: Vec<String>| {
        let env = env.clone();
        let results = results.clone();
        async move {
            let mut args = vec!["undo".to_owned(), results.to_str().unwrap().to_owned()];
            args.extend(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = greenbatch(&args, &env).await;
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            stdout(&out)
        }
    };
    let by_source = undo(vec!["--source".into(), "first.csv".into()]).await;
    assert_eq!(
        by_source,
        format!("action,chat_id,participant_id,instance\nadd,{GROUP},79001234571@c.us,default\n")
    );
    let by_time = undo(vec!["--since".into(), between.clone()]).await;
    assert_eq!(
        by_time,
        format!("action,chat_id,participant_id,instance\nadd,{GROUP},79001234572@c.us,default\n")
    );
    let until = undo(vec!["--until".into(), between]).await;
    assert_eq!(
        until,
        format!("action,chat_id,participant_id,instance\nadd,{GROUP},79001234571@c.us,default\n")
    );
    let both = undo(vec![]).await;
    assert_eq!(
        both,
        format!(
            "action,chat_id,participant_id,instance\nadd,{GROUP},79001234572@c.us,default\nadd,{GROUP},79001234571@c.us,default\n"
        ),
        "newest first"
    );
    let recent = undo(vec![
        "--since".into(),
        "1h".into(),
        "--source".into(),
        "*.csv".into(),
    ])
    .await;
    assert_eq!(recent, both);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_results_file_is_named_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "notes.csv", "hello,world\n");
    let out = greenbatch(&["undo", bad.to_str().unwrap()], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("notes.csv"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "no manifest is written");
}

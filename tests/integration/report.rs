//! `greenbatch report` against results files written by real runs of the
//! binary on the sandbox: each format, torn, merged and multi-instance
//! files, unreadable ones, and the exit codes a cron check relies on.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};
use serde_json::Value;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const G2: &str = "120363169960827018@g.us";
/// wa-main's own number: removing it is never sent, it ends `rejected`.
const OWN: &str = "79990000001@c.us";

async fn unlimited() -> SandboxHandle {
    sandbox(SandboxConfig::default_state().without_rate_limits()).await
}

/// Four removals and a promotion done, a removal of a non-member `already`,
/// and a removal of the instance's own number `rejected` (line 8).
fn mixed() -> Vec<String> {
    let mut rows: Vec<String> = (61..65)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect();
    rows.push(format!("promote,{G2},79005550001@c.us"));
    rows.push(format!("remove,{G1},79001239999@c.us"));
    rows.push(format!("remove,{G1},{OWN}"));
    rows
}

async fn report(files: &[&Path], extra: &[&str]) -> Output {
    let mut args = vec!["report"];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    args.extend_from_slice(extra);
    greenbatch(&args, &[]).await
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn results_of(ran: &Ran) -> std::path::PathBuf {
    ran.dir.path().join("m.results.csv")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_sums_up_a_real_run_and_exits_1_for_a_rejection() {
    let sb = unlimited().await;
    let ran = run_rows(&sb, WA_MAIN, &mixed(), &["--rate", "20/s"]).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    let path = results_of(&ran);

    let out = report(&[&path], &[]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(stderr(&out), "", "nothing went wrong, nothing on stderr");
    assert!(!text.contains('\x1b'), "no colour into a pipe");
    for expected in [
        "greenbatch report: 7 operations in 1 file, 7 rows",
        "outcomes: done 5, already 1, rejected 1, failed 0, aborted 0, total 7",
        "errors (distinct texts of the latest rows)",
        "rejected not sent: 79990000001@c.us is this instance's own number",
        "needs a person: 1 (rejected, aborted)",
        "a rerun would send 0 (failed 0, aborted 0); with --retry-rejected, 1 (rejected 1)",
        "status: rejected (exit 1)",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    // A table row by its first cells, with the padding squeezed out.
    let squeezed: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let line = |start: &str| {
        squeezed
            .iter()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line starting `{start}` in\n{text}"))
            .clone()
    };
    assert_eq!(line("remove "), "remove 4 1 1 0 0 6");
    assert_eq!(line("promote "), "promote 1 0 0 0 0 1");
    assert_eq!(
        line(&format!("default whatsapp {G1}")),
        format!("default whatsapp {G1} 4 1 1 0 0 6")
    );
    assert!(
        line("default removeGroupParticipant").starts_with("default removeGroupParticipant 5 5 "),
        "five removals sent a request each (the non-member's `false` reconciled to already); the own number never"
    );
    let manifest = ran.manifest.display();
    assert_eq!(
        line("rejected remove"),
        format!(
            "rejected remove default {G1} {OWN} {manifest}:8 not sent: {OWN} is this instance's own number"
        )
    );

    let out = report(&[&path], &["--retry-rejected"]).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "a rerun with --retry-rejected sends it"
    );
    assert!(stdout(&out).contains("status: resend (exit 3)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_has_the_figures_and_follows_a_rerun_in_the_same_file() {
    let faults =
        vec![FaultRule::always(Fault::BadGateway).for_method(Method::RemoveGroupParticipant)];
    let sb = sandbox(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_faults(faults),
    )
    .await;
    let rows: Vec<String> = (61..64)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect();
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &rows,
        // Every removal fails: not waited out here, so they end `failed`.
        &[
            "--rate",
            "50/s",
            "--max-attempts",
            "2",
            "--outage-patience",
            "0s",
        ],
    )
    .await;
    assert_eq!(ran.code(), Some(3), "{}", stderr(&ran.out));
    let path = results_of(&ran);

    let out = report(&[&path], &["--format", "json"]).await;
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    assert_eq!(v["status"], "resend");
    assert_eq!(v["exit_code"], 3);
    assert_eq!(v["outcomes"]["failed"], 3);
    assert_eq!(v["rerun"]["sends"], 3);
    assert_eq!(v["rerun"]["failed"], 3);
    assert_eq!(v["by_action"][0]["action"], "remove");
    assert_eq!(v["by_action"][0]["failed"], 3);
    let rate = &v["rates"][0];
    assert_eq!(
        (rate["instance"].as_str(), rate["method"].as_str()),
        (Some("default"), Some("removeGroupParticipant"))
    );
    assert_eq!(
        (rate["operations"].as_u64(), rate["requests"].as_u64()),
        (Some(3), Some(6)),
        "two attempts each"
    );
    assert_eq!(rate["documented_limit"], 10.0);
    let error = v["errors"][0]["error"].as_str().unwrap();
    assert!(error.contains("502"), "{error}");
    assert_eq!(v["errors"][0]["count"], 3);

    sb.set_faults(vec![]).unwrap();
    let again = ran.again(&sb, WA_MAIN, &["--rate", "50/s"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let out = report(&[&path], &["--format", "json"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "the latest row of each operation is done"
    );
    let v = json(&out);
    assert_eq!(v["status"], "ok");
    assert_eq!(
        (v["rows"].as_u64(), v["outcomes"]["done"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(v["outcomes"]["total"], 3);
    assert_eq!(
        v["errors"].as_array().unwrap().len(),
        0,
        "errors are those of the latest rows"
    );
    assert_eq!(
        v["time"]["runs"].as_array().unwrap().len(),
        1,
        "a rerun at once is no new run"
    );
    assert_eq!(
        v["rates"][0]["requests"], 9,
        "six failed requests and three that worked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markdown_puts_every_value_in_a_code_span() {
    let sb = unlimited().await;
    let ran = run_rows(&sb, WA_MAIN, &mixed(), &["--rate", "20/s"]).await;
    let path = results_of(&ran);
    for format in ["markdown", "md"] {
        let out = report(&[&path], &["--format", format]).await;
        assert_eq!(out.status.code(), Some(1));
        let md = stdout(&out);
        assert!(md.starts_with("## greenbatch report\n"), "{md}");
        assert!(
            md.contains(
                "**Status: some operations were rejected and need a person** (rejected, exit 1)"
            ),
            "{md}"
        );
        let manifest = ran.manifest.display();
        assert!(md.contains(&format!(
            "| rejected | remove | `default` | `{G1}` | `{OWN}` | `{manifest}:8` | `not sent: {OWN} is this instance's own number` |"
        )), "{md}");
        assert!(
            md.contains(&format!(
                "| `default` | whatsapp | `{G1}` | 4 | 1 | 1 | 0 | 0 | 6 |"
            )),
            "{md}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_is_one_private_self_contained_file() {
    let sb = unlimited().await;
    let ran = run_rows(&sb, WA_MAIN, &mixed(), &["--rate", "20/s"]).await;
    let path = results_of(&ran);
    let page_path = ran.dir.path().join("report.html");
    let out = report(
        &[&path],
        &["--format", "html", "-o", page_path.to_str().unwrap()],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let mode = std::fs::metadata(&page_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let page = std::fs::read_to_string(&page_path).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';")
    );
    for outside in [
        "<script", "src=", "href=", "url(", "@import", "<link", "<img", "<iframe",
    ] {
        assert!(
            !page.contains(outside),
            "the page loads nothing: found `{outside}`"
        );
    }
    assert_eq!(
        page.matches("<svg class=\"rps-chart\"").count(),
        1,
        "one run, one chart"
    );
    assert_eq!(
        page.matches("<polyline class=\"series\"").count(),
        2,
        "a line for removeGroupParticipant and one for setGroupAdmin"
    );
    assert_eq!(
        page.matches("<div class=\"group\">").count(),
        2,
        "a bar per group"
    );
    assert!(page.contains("Needs a person (1)"));
    assert!(
        page.contains(&format!(
            "not sent: {OWN} is this instance&#39;s own number"
        )) || page.contains(&format!("not sent: {OWN} is this instance's own number"))
    );
    let left: Vec<String> = std::fs::read_dir(ran.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "no temporary file left: {left:?}");

    let nowhere = ran.dir.path().join("missing-dir").join("r.html");
    let out = report(
        &[&path],
        &["--format", "html", "-o", nowhere.to_str().unwrap()],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot write the report to"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_tail_is_reported_not_trusted_and_a_rerun_settles_it() {
    let sb = unlimited().await;
    let rows: Vec<String> = (61..65)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect();
    let ran = run_rows(&sb, WA_MAIN, &rows, &["--rate", "50/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let path = results_of(&ran);
    let whole = std::fs::read(&path).unwrap();
    std::fs::write(&path, &whole[..whole.len() - 10]).unwrap();

    let out = report(&[&path], &[]).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "the cut operation counts as not yet run"
    );
    let text = stdout(&out);
    assert!(text.contains("warning: "), "{text}");
    assert!(text.contains("line 5 is an unfinished row of"), "{text}");
    assert!(text.contains("outcomes: done 3,"), "{text}");
    assert!(
        text.contains("a rerun would send 1 (failed 0, aborted 0, torn 1)"),
        "{text}"
    );

    let out = report(&[&path], &["--format", "json"]).await;
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    assert_eq!(v["files"][0]["torn"]["line"], 5);
    assert_eq!(v["rerun"]["torn"], 1);
    assert!(
        stderr(&out).contains("line 5 is an unfinished row"),
        "a cron log sees it"
    );
    assert_eq!(
        std::fs::read(&path).unwrap().len(),
        whole.len() - 10,
        "report changes nothing"
    );

    let again = ran.again(&sb, WA_MAIN, &["--rate", "50/s"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let out = report(&[&path], &["--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(json(&out)["outcomes"]["total"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_files_take_the_latest_row_and_count_a_copy_once() {
    let faults =
        vec![FaultRule::always(Fault::BadGateway).for_method(Method::RemoveGroupParticipant)];
    let sb = sandbox(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_faults(faults),
    )
    .await;
    let rows: Vec<String> = (61..64)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect();
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &rows,
        &["--rate", "50/s", "--max-attempts", "1"],
    )
    .await;
    assert_eq!(ran.code(), Some(3));
    let first = results_of(&ran);
    sb.set_faults(vec![]).unwrap();
    let second = ran.dir.path().join("second.results.csv");
    let again = ran
        .again(
            &sb,
            WA_MAIN,
            &["--rate", "50/s", "--results", second.to_str().unwrap()],
        )
        .await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));

    for order in [[&first, &second], [&second, &first]] {
        let out = report(&[order[0], order[1]], &["--format", "json"]).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "the later rows are done, whichever file comes first"
        );
        let v = json(&out);
        assert_eq!(
            (v["rows"].as_u64(), v["outcomes"]["done"].as_u64()),
            (Some(6), Some(3))
        );
        assert_eq!(v["files"].as_array().unwrap().len(), 2);
    }
    let out = report(&[&first], &[]).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "alone, the first file says a rerun is needed"
    );
    let out = report(&[&first, &first], &["--format", "json"]).await;
    let v = json(&out);
    assert_eq!(
        (v["rows"].as_u64(), v["duplicate_rows"].as_u64()),
        (Some(3), Some(3))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_instance_runs_show_each_instance_and_the_refused_one_needs_a_person() {
    let sb = unlimited().await;
    let dir = tempfile::tempdir().unwrap();
    let (instances, env) = three_instances(dir.path(), &sb, Some("wa-second"));
    let mut manifest = String::from("action,chat_id,participant_id,instance\n");
    for n in 61..64 {
        manifest.push_str(&format!("remove,{G1},790012345{n}@c.us,wa-main\n"));
        manifest.push_str(&format!(
            "remove,{G2},790055500{:02}@c.us,wa-second\n",
            n - 60
        ));
        manifest.push_str(&format!(
            "remove,-10000000000000,100000{:02},max-main\n",
            n - 60
        ));
    }
    let manifest = write(dir.path(), "m.csv", &manifest);
    let out = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "--instances",
            instances.to_str().unwrap(),
            "--rate",
            "20/s",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let path = dir.path().join("m.results.csv");

    let mut args = vec!["report", path.to_str().unwrap(), "--format", "json"];
    let out = greenbatch(&args, &env).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "aborted operations are sent again by a rerun"
    );
    let v = json(&out);
    assert_eq!(
        (
            v["outcomes"]["done"].as_u64(),
            v["outcomes"]["aborted"].as_u64()
        ),
        (Some(6), Some(3))
    );
    let groups: Vec<(String, String)> = v["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["instance"].as_str().unwrap().into(),
                g["platform"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("max-main".into(), "max".into()),
            ("wa-main".into(), "whatsapp".into()),
            ("wa-second".into(), "whatsapp".into())
        ]
    );
    let rated: Vec<&str> = v["rates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["instance"].as_str().unwrap())
        .collect();
    assert!(
        rated.contains(&"wa-main") && rated.contains(&"max-main"),
        "{rated:?}"
    );
    let max = v["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance"] == "max-main")
        .unwrap();
    assert_eq!(
        (max["platform"].as_str(), max["documented_limit"].as_f64()),
        (Some("max"), Some(1.0))
    );
    let people = v["needs_person"].as_array().unwrap();
    assert_eq!(people.len(), 3);
    assert!(people.iter().all(|p| p["instance"] == "wa-second"
        && p["outcome"] == "aborted"
        && !p["error"].as_str().unwrap().is_empty()));

    for format in ["text", "markdown", "html"] {
        args[3] = format;
        let out = greenbatch(&args, &env).await;
        assert_eq!(out.status.code(), Some(3));
        let shown = stdout(&out);
        for name in ["wa-main", "wa-second", "max-main"] {
            assert!(shown.contains(name), "{format} names {name}");
        }
        for token in sandbox_tokens(&sb) {
            assert!(
                !shown.contains(&token) && !stderr(&out).contains(&token),
                "{format} shows a token"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_exits_2_and_prints_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.results.csv");
    let out = report(&[&missing], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("missing.results.csv: cannot read it"),
        "{}",
        stderr(&out)
    );

    let manifest = write(
        dir.path(),
        "m.csv",
        &csv(&[format!("remove,{G1},79001234561@c.us")]),
    );
    let out = report(&[&manifest], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a greenbatch results file"),
        "{}",
        stderr(&out)
    );

    let sb = unlimited().await;
    let rows: Vec<String> = (61..64)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect();
    let ran = run_rows(&sb, WA_MAIN, &rows, &["--rate", "50/s"]).await;
    let path = results_of(&ran);
    let out = report(&[&path, &missing], &[]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "one bad file and there is no report"
    );
    assert_eq!(stdout(&out), "");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "this line was edited";
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = report(&[&path], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("line 3: "), "{}", stderr(&out));
}

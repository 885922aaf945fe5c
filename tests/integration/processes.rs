//! The binary as users run it, process against process: the progress bar in
//! a real pseudo-terminal (and forced into a pipe by `--progress always`),
//! two runs on one results file, a signal with requests in flight, and the
//! results header a real run writes against the README's literal text.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::time::Duration;

use greenbatch::runner::Outcome;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};

use crate::support::*;

const G1: &str = "120363043968066561@g.us";

fn removals(range: std::ops::Range<u32>) -> Vec<String> {
    range
        .map(|n| format!("remove,{G1},790012345{n:02}@c.us"))
        .collect()
}

/// A pseudo-terminal pair: the master to read, the slave to hand a child.
fn pty() -> (OwnedFd, OwnedFd) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let size = rustix::termios::Winsize {
        ws_row: 30,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(&slave, size).unwrap();
    (master, slave.into())
}

/// Runs greenbatch with stdout and stderr on a fresh pseudo-terminal, as in
/// a user's terminal, and returns everything it drew and its exit code.
async fn on_a_terminal(args: &[&str], env: &[(String, String)]) -> (Vec<u8>, Option<i32>) {
    let (master, slave) = pty();
    let mut cmd = greenbatch_async();
    cmd.args(args)
        .env_clear()
        .env("TERM", "xterm-256color")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    let mut child = cmd.spawn().unwrap();
    drop(cmd); // the parent's copies of the slave: the master sees EOF when the child is gone
    let reader = std::thread::spawn(move || {
        let mut file = std::fs::File::from(master);
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // Linux answers EIO once every slave is closed: that is the end.
        while let Ok(n) = file.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("finishes within a minute")
        .unwrap();
    let bytes = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    (bytes, status.code())
}

/// The text without ANSI escape sequences.
fn plain(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for n in chars.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The bar positions drawn (`k/N` right after the bar's `]`), in order.
fn positions(text: &str, total: usize) -> Vec<usize> {
    let suffix = format!("/{total} ");
    text.split("] ")
        .skip(1)
        .filter_map(|rest| rest.split_once(&suffix)?.0.trim().parse().ok())
        .collect()
}

async fn slow_sandbox() -> SandboxHandle {
    // One 429 on the 4th removal, so that a log line (at -v) meets the bar.
    let once = FaultRule::always(Fault::TooManyRequests { retry_after: None })
        .for_method(greenbatch::greenapi::Method::RemoveGroupParticipant)
        .after(3)
        .first(4);
    sandbox(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_faults(vec![once]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bar_is_drawn_on_a_terminal_updates_and_logs_never_tear_it() {
    let sb = slow_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", &csv(&removals(61..73)));
    let env = default_env(&sb, WA_MAIN);
    let args = ["run", manifest.to_str().unwrap(), "--rate", "5/s", "-v"];
    let (bytes, code) = on_a_terminal(&args, &env).await;
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&bytes));
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    // Drawn in place: carriage returns and erase-line sequences.
    assert!(raw.contains("\u{1b}[2K"), "no bar drawn: {raw:?}");
    let text = plain(&bytes);
    let seen = positions(&text, 12);
    assert!(
        seen.len() >= 3,
        "the bar was drawn {} times: {text}",
        seen.len()
    );
    let mut distinct = seen.clone();
    distinct.dedup();
    assert!(distinct.len() >= 3, "the bar moves: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    // The log line of the 429 starts on a line of its own, not glued to
    // the bar: the bar is cleared before it and drawn again after.
    let log = text
        .split(['\n', '\r'])
        .find(|l| l.contains("HTTP 429: pace now"))
        .unwrap_or_else(|| panic!("the 429 is logged: {text}"));
    assert!(log.trim_start().starts_with("20"), "torn: {log:?}");
    assert!(!log.contains("/12 "), "torn: {log:?}");
    // The summary follows the last drawing of the bar.
    let summary = text.rfind("finished in").expect("a summary");
    let last_bar = text.rfind("/12 ").unwrap();
    assert!(summary > last_bar, "{text}");
    assert!(
        text[summary..].contains("done     12"),
        "{}",
        &text[summary..]
    );
    let token = sb.instance(WA_MAIN).unwrap().token.expose().to_owned();
    assert!(!raw.contains(&token), "no token in what was drawn");
    assert!(!raw.contains(&token[..12]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_always_draws_the_bar_into_a_pipe() {
    let sb = slow_sandbox().await;
    let ran = run_rows(
        &sb,
        WA_MAIN,
        &removals(61..67),
        &["--rate", "5/s", "--progress", "always"],
    )
    .await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let raw = stderr(&ran.out);
    assert!(raw.contains("\u{1b}[2K"), "drawn with erase-line: {raw:?}");
    let seen = positions(&plain(&ran.out.stderr), 6);
    assert!(seen.len() >= 2, "{seen:?} in {raw:?}");
    // Without `always`, a pipe gets plain lines only.
    let sb = slow_sandbox().await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..63), &["--rate", "5/s"]).await;
    assert!(
        !stderr(&ran.out).contains('\u{1b}'),
        "{:?}",
        stderr(&ran.out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_results_file_exits_75_and_the_first_finishes_intact() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "first.csv", &csv(&removals(61..71)));
    // The second names other participants, so any request of its own shows.
    let second = write(dir.path(), "second.csv", &csv(&removals(80..85)));
    let results = dir.path().join("shared.results.csv");
    let env = default_env(&sb, WA_MAIN);
    let mut one = greenbatch_async()
        .args([
            "run",
            first.to_str().unwrap(),
            "--results",
            results.to_str().unwrap(),
        ])
        .args(["--rate", "5/s", "--progress", "never"])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while sent(&sb).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first run never started"
        );
        assert!(
            one.try_wait().unwrap().is_none(),
            "the first run ended early"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let two = greenbatch(
        &[
            "run",
            second.to_str().unwrap(),
            "--results",
            results.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert_eq!(two.status.code(), Some(75), "{}", stderr(&two));
    assert!(
        stderr(&two).contains("in use by another greenbatch run"),
        "{}",
        stderr(&two)
    );
    let out = tokio::time::timeout(Duration::from_secs(30), one.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ledger = sent(&sb);
    assert_eq!(ledger.len(), 10, "the second sent nothing");
    assert!(ledger.iter().all(|e| who(e).as_str() < "79001234580@c.us"));
    let rows = rows(&results);
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r.outcome == Outcome::Done));
}

fn who(e: &greenbatch::sandbox::LedgerEntry) -> String {
    e.field("participantChatId").unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_results_header_is_the_one_the_readme_promises() {
    let readme = include_str!("../../README.md");
    let promised = readme
        .split("The results file's header is exactly")
        .nth(1)
        .and_then(|rest| {
            rest.lines()
                .map(str::trim)
                .find(|l| l.starts_with("op_id,"))
        })
        .expect("the README states the header");
    assert_eq!(
        promised,
        "op_id,source,action,platform,instance,chat_id,participant_id,ok,outcome,error,http_status,attempts,finished_at"
    );
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let ran = run_rows(&sb, WA_MAIN, &removals(61..62), &["--rate", "50/s"]).await;
    assert_eq!(ran.code(), Some(0), "{}", stderr(&ran.out));
    let written = std::fs::read_to_string(ran.dir.path().join("m.results.csv")).unwrap();
    assert_eq!(written.lines().next(), Some(promised));
}

//! The results file on disk: mode, reopening, torn tails, refused files, and
//! the one-run-at-a-time lock, also against another process.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use greenbatch::greenapi::{Action, Platform};
use greenbatch::manifest::model::OpId;
use greenbatch::report::results::{
    self, HEADER, OpenError, PriorResults, ResultRow, ResultsFile, SyncPolicy,
};
use greenbatch::runner::Outcome;

fn row(participant: &str, outcome: Outcome) -> ResultRow {
    let chat = "-10000000000000";
    ResultRow {
        op_id: OpId::new(
            Platform::Max,
            "3100309139",
            Action::Remove,
            chat,
            participant,
        ),
        source: "cleanup.csv:2".into(),
        action: Action::Remove,
        platform: Platform::Max,
        instance: "default".into(),
        chat_id: chat.into(),
        participant_id: participant.into(),
        outcome,
        error: String::new(),
        http_status: Some(200),
        attempts: 1,
        finished_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000),
    }
}

fn open(path: &Path) -> (ResultsFile, PriorResults) {
    results::open(path).unwrap_or_else(|e| panic!("open: {e:#}"))
}

/// Every line after the header decoded as a whole row.
fn rows_on_disk(path: &Path) -> Vec<ResultRow> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, HEADER);
    reader
        .records()
        .map(|r| ResultRow::from_record(&r.unwrap()).unwrap())
        .collect()
}

#[test]
fn a_new_file_is_private_and_a_reopen_sees_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.results.csv");
    let (mut file, prior) = open(&path);
    assert_eq!((prior.rows, prior.torn, prior.loose_mode), (0, None, None));
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    file.append(&row("10000001", Outcome::Failed)).unwrap();
    file.append(&row("10000002", Outcome::Done)).unwrap();
    assert_eq!(
        rows_on_disk(&path).len(),
        2,
        "rows reach the file before finish"
    );
    file.finish().unwrap();

    let (mut file, prior) = open(&path);
    assert_eq!(prior.rows, 2);
    let first = row("10000001", Outcome::Failed).op_id;
    assert!(!prior.is_settled(first, false));
    assert!(prior.is_settled(row("10000002", Outcome::Done).op_id, false));
    file.append(&row("10000001", Outcome::Done)).unwrap();
    file.finish().unwrap();

    let (_file, prior) = open(&path);
    assert_eq!(prior.rows, 3);
    assert_eq!(prior.outcome(first), Some(Outcome::Done));
    let on_disk = rows_on_disk(&path);
    assert_eq!(on_disk.len(), 3, "one header only");
    assert_eq!(
        on_disk[2],
        row("10000001", Outcome::Done),
        "MAX group id round-trips"
    );
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(",'-10000000000000,"),
        "a spreadsheet shows it as text"
    );
}

#[test]
fn a_second_open_in_the_same_process_is_locked_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let (first, _) = open(&path);
    let err = results::open(&path).expect_err("locked");
    assert!(matches!(err, OpenError::Locked { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 75);
    assert!(err.to_string().contains("in use by another greenbatch run"));
    drop(first);
    open(&path);
}

/// A child process that is killed when the test ends, even by a panic.
struct Holder(Child);

impl Holder {
    /// Kills the process (SIGKILL: no chance to clean up) and reaps it.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A python3 process holding an exclusive flock on `path`, and ready.
fn lock_in_other_process(path: &Path) -> Holder {
    let script = "import fcntl, sys, time\n\
                  f = open(sys.argv[1], 'a')\n\
                  fcntl.flock(f, fcntl.LOCK_EX)\n\
                  print('locked', flush=True)\n\
                  time.sleep(60)\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    Holder(child)
}

#[test]
fn another_process_holding_the_lock_makes_open_fail_until_it_dies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    // Garbage that would be an error if read: the lock is checked first.
    fs::write(&path, "not ours\n").unwrap();
    let mut holder = lock_in_other_process(&path);
    let err = results::open(&path).expect_err("locked");
    assert!(matches!(err, OpenError::Locked { .. }), "{err:?}");
    holder.kill();
    let err = results::open(&path).expect_err("now read, and refused");
    assert!(matches!(err, OpenError::HeaderMismatch { .. }), "{err:?}");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "not ours\n",
        "left untouched"
    );
}

/// Not a test on its own: `a_killed_greenbatch_run_leaves_no_stale_lock`
/// runs it, ignored otherwise, in a process of its own that opens the
/// results file with greenbatch's own code and holds it.
#[test]
#[ignore = "a helper process, run by a_killed_greenbatch_run_leaves_no_stale_lock"]
fn lock_holder_helper() {
    let path = std::env::var_os("GREENBATCH_TEST_HOLD_RESULTS")
        .expect("run by the test that names the file to hold");
    let _held = open(Path::new(&path));
    println!("locked");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_killed_greenbatch_run_leaves_no_stale_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "results::lock_holder_helper",
            "--exact",
            "--nocapture",
            "--ignored",
        ])
        .env("GREENBATCH_TEST_HOLD_RESULTS", &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut holder = Holder(child);
    let ready = BufReader::new(holder.0.stdout.take().unwrap())
        .lines()
        .take(20)
        .any(|line| line.unwrap().starts_with("locked"));
    assert!(ready, "the helper took the lock");
    let err = results::open(&path).expect_err("held by the helper");
    assert!(matches!(err, OpenError::Locked { .. }), "{err:?}");
    holder.kill();
    let (_file, prior) = open(&path);
    assert_eq!(prior.rows, 0);
}

#[test]
fn a_torn_tail_is_reported_cut_away_and_appending_goes_on_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let (mut file, _) = open(&path);
    file.append(&row("10000001", Outcome::Done)).unwrap();
    file.finish().unwrap();
    let good_len = fs::metadata(&path).unwrap().len();
    let half_row = "0123456789abcdef,cleanup.csv:3,remove,max,def";
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(half_row.as_bytes())
        .unwrap();

    let (mut file, prior) = open(&path);
    let torn = prior.torn.clone().expect("torn line reported");
    assert_eq!(
        (torn.line, torn.offset, torn.bytes),
        (3, good_len, half_row.len() as u64)
    );
    assert_eq!(prior.rows, 1);
    assert_eq!(
        OpId::parse("0123456789abcdef").map(|id| prior.outcome(id)),
        Some(None)
    );
    assert_eq!(
        fs::metadata(&path).unwrap().len(),
        good_len,
        "cut before appending"
    );
    file.append(&row("10000003", Outcome::Rejected)).unwrap();
    file.finish().unwrap();
    let on_disk = rows_on_disk(&path);
    assert_eq!(on_disk.len(), 2);
    assert_eq!(on_disk[1].outcome, Outcome::Rejected);
}

#[test]
fn a_corrupt_middle_is_an_error_naming_the_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let (mut file, _) = open(&path);
    for p in ["10000001", "10000002", "10000003"] {
        file.append(&row(p, Outcome::Done)).unwrap();
    }
    file.finish().unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let edited = text
        .replacen(",done,", ",maybe,", 2)
        .replacen(",maybe,", ",done,", 1);
    fs::write(&path, &edited).unwrap();
    let err = results::open(&path).expect_err("corrupt");
    match &err {
        OpenError::Corrupt { line, what, .. } => {
            assert_eq!(*line, 3);
            assert_eq!(what, "bad outcome `maybe`");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string().contains("line 3: bad outcome `maybe`"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), edited);
}

#[test]
fn a_foreign_file_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cleanup.csv");
    fs::write(&path, "chat_id,participant_id\n-100,1\n").unwrap();
    let err = results::open(&path).expect_err("refused");
    assert!(matches!(err, OpenError::HeaderMismatch { .. }), "{err:?}");
    assert!(
        err.to_string().ends_with("choose another --results path"),
        "{err}"
    );
    assert!(
        // Cut short: a file given by mistake may hold a secret there.
        err.to_string().contains("`chat_id,par…`"),
        "{err}"
    );
}

#[test]
fn an_existing_readable_file_is_used_as_is_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    drop(open(&path));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let (_file, prior) = open(&path);
    assert_eq!(prior.loose_mode, Some(0o644));
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o644
    );
}

#[test]
fn a_missing_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/r.csv");
    let err = results::open(&path).expect_err("io error");
    assert!(matches!(err, OpenError::Io { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("no/such/dir/r.csv"));
}

#[test]
fn fsync_happens_every_few_rows_not_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let policy = SyncPolicy {
        max_rows: 3,
        max_interval: Duration::from_secs(3600),
    };
    let (mut file, _) = results::open_with(&path, policy).unwrap();
    let mut unsynced = Vec::new();
    for i in 0..7 {
        file.append(&row(&format!("1000000{i}"), Outcome::Done))
            .unwrap();
        unsynced.push(file.unsynced_rows());
    }
    assert_eq!(unsynced, [1, 2, 0, 1, 2, 0, 1]);
    assert_eq!(file.rows_written(), 7);
    assert_eq!(file.path(), path);
    file.finish().unwrap();
}

//! The review's figures from results files written by the real writer:
//! the latest row per operation within and across files, duplicates, the
//! verdict and exit code, and text from servers made harmless in every format.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::*;
use crate::colour::Palette;
use crate::greenapi::{Action, Platform};
use crate::manifest::model::OpId;
use crate::report::results::{ResultRow, ResultsWriter};

const G: &str = "120363043968066561@g.us";

fn row(participant: &str, outcome: Outcome, at_s: u64) -> ResultRow {
    ResultRow {
        op_id: OpId::new(
            Platform::WhatsApp,
            "1101000001",
            Action::Remove,
            G,
            participant,
        ),
        source: "m.csv:2".into(),
        action: Action::Remove,
        platform: Platform::WhatsApp,
        instance: "default".into(),
        chat_id: G.into(),
        participant_id: participant.into(),
        outcome,
        error: String::new(),
        http_status: Some(200),
        attempts: 1,
        finished_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + at_s),
    }
}

fn file(dir: &Path, name: &str, rows: &[ResultRow]) -> PathBuf {
    let path = dir.join(name);
    let mut w = ResultsWriter::new(std::fs::File::create(&path).unwrap(), true).unwrap();
    for r in rows {
        w.append(r).unwrap();
    }
    path
}

fn review(paths: &[PathBuf], retry_rejected: bool) -> Review {
    Review::of(&load(paths).unwrap(), retry_rejected)
}

#[test]
fn within_a_file_the_last_row_wins_and_across_files_the_later_time() {
    let dir = tempfile::tempdir().unwrap();
    let a = file(
        dir.path(),
        "a.csv",
        &[
            row("1@c.us", Outcome::Failed, 10),
            row("2@c.us", Outcome::Done, 10),
            // Written later, though its clock says earlier: a rerun reads it as latest.
            row("1@c.us", Outcome::Done, 5),
        ],
    );
    let b = file(
        dir.path(),
        "b.csv",
        &[
            row("2@c.us", Outcome::Rejected, 20),
            row("1@c.us", Outcome::Aborted, 1),
        ],
    );
    let r = review(&[a.clone(), b.clone()], false);
    assert_eq!(r.outcomes.total, 2);
    assert_eq!(
        r.outcomes.done, 1,
        "1@c.us: a's last row (t=5) beats b's t=1"
    );
    assert_eq!(r.outcomes.rejected, 1, "2@c.us: b's t=20 beats a's t=10");
    assert_eq!(r.rows, 5);
    assert_eq!((r.status, r.exit_code), ("rejected", 1));
    // The order of the files does not change which row is later in time.
    let swapped = review(&[b, a], false);
    assert_eq!(swapped.outcomes.rejected, 1);
}

#[test]
fn a_tie_goes_to_the_file_named_later_and_a_copy_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let a = file(dir.path(), "a.csv", &[row("1@c.us", Outcome::Failed, 10)]);
    let b = file(dir.path(), "b.csv", &[row("1@c.us", Outcome::Done, 10)]);
    assert_eq!(review(&[a.clone(), b.clone()], false).outcomes.done, 1);
    assert_eq!(review(&[b.clone(), a.clone()], false).outcomes.failed, 1);
    let r = review(&[a.clone(), a], false);
    assert_eq!((r.rows, r.duplicate_rows, r.outcomes.total), (1, 1, 1));
}

#[test]
fn the_verdict_is_resend_before_rejected_before_ok() {
    let dir = tempfile::tempdir().unwrap();
    let ok = file(
        dir.path(),
        "ok.csv",
        &[
            row("1@c.us", Outcome::Done, 1),
            row("2@c.us", Outcome::Already, 2),
        ],
    );
    let r = review(std::slice::from_ref(&ok), false);
    assert_eq!((r.status, r.exit_code, r.rerun.sends), ("ok", 0, 0));

    let rejected = file(dir.path(), "r.csv", &[row("3@c.us", Outcome::Rejected, 3)]);
    let r = review(&[ok.clone(), rejected.clone()], false);
    assert_eq!((r.status, r.exit_code), ("rejected", 1));
    assert_eq!((r.rerun.sends, r.rerun.sends_with_retry_rejected), (0, 1));
    let r = review(&[ok.clone(), rejected.clone()], true);
    assert_eq!(
        (r.status, r.exit_code),
        ("resend", 3),
        "--retry-rejected sends it again"
    );

    for outcome in [Outcome::Failed, Outcome::Aborted] {
        let f = file(dir.path(), "f.csv", &[row("4@c.us", outcome, 4)]);
        let r = review(&[ok.clone(), rejected.clone(), f], false);
        assert_eq!(
            (r.status, r.exit_code, r.rerun.sends),
            ("resend", 3, 1),
            "{outcome}"
        );
        assert_eq!(r.rerun.sends_with_retry_rejected, 2);
    }
}

#[test]
fn a_torn_tail_is_not_trusted_and_counts_as_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        dir.path(),
        "t.csv",
        &[
            row("1@c.us", Outcome::Done, 1),
            row("2@c.us", Outcome::Done, 2),
        ],
    );
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    let r = review(std::slice::from_ref(&path), false);
    assert_eq!(r.outcomes.total, 1, "the torn row is not read");
    let torn = r.files[0].torn.expect("reported");
    assert_eq!(torn.line, 3);
    assert_eq!((r.rerun.torn, r.rerun.sends, r.exit_code), (1, 1, 3));
    assert_eq!(
        std::fs::read(&path).unwrap().len(),
        bytes.len() - 5,
        "the file is left as it is"
    );
}

#[test]
fn an_unreadable_file_names_itself_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let e = load(&[missing]).unwrap_err();
    assert!(e.to_string().contains("missing.csv: cannot read it"), "{e}");
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "name,phone\nx,1\n").unwrap();
    let e = load(&[other]).unwrap_err();
    assert!(
        e.to_string().contains("not a greenbatch results file"),
        "{e}"
    );
}

#[test]
fn errors_are_counted_per_text_and_people_are_needed_for_rejected_then_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = vec![
        row("1@c.us", Outcome::Aborted, 1),
        row("2@c.us", Outcome::Rejected, 2),
        row("3@c.us", Outcome::Rejected, 3),
        row("4@c.us", Outcome::Done, 4),
    ];
    rows[0].error = "instance not authorized".into();
    rows[1].error = "removeGroupParticipant false".into();
    rows[2].error = "removeGroupParticipant false".into();
    let r = review(&[file(dir.path(), "e.csv", &rows)], false);
    let errors: Vec<(&str, &str, u64)> = r
        .errors
        .iter()
        .map(|e| (e.outcome, e.error.as_str(), e.count))
        .collect();
    assert_eq!(
        errors,
        [
            ("rejected", "removeGroupParticipant false", 2),
            ("aborted", "instance not authorized", 1)
        ]
    );
    let people: Vec<&str> = r
        .needs_person
        .iter()
        .map(|n| n.participant_id.as_str())
        .collect();
    assert_eq!(people, ["2@c.us", "3@c.us", "1@c.us"]);
}

#[test]
fn server_text_stays_text_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = row("1@c.us", Outcome::Rejected, 1);
    bad.error = "PLACEHOLDER".into();
    let path = file(dir.path(), "x.csv", &[bad]);
    // The writer blanks control characters itself; a file edited by hand (or
    // by another tool) may still hold them, so they are put back here.
    let raw = "\x1b[31m<script>alert(1)</script> [x](http://evil) | \u{202e}cba\x07";
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("PLACEHOLDER", raw);
    std::fs::write(&path, text).unwrap();
    let r = review(&[path], false);
    assert_eq!(r.errors.len(), 1);

    let mut text = Vec::new();
    text::render(&r, Palette::PLAIN, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(!text.contains('\x1b') && !text.contains('\u{202e}') && !text.contains('\x07'));
    assert!(
        text.contains("<script>alert(1)</script> [x](http://evil) | cba"),
        "text shows what was said, minus the escapes: {text}"
    );

    let mut md = Vec::new();
    markdown::render(&r, &mut md).unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.contains("| `<script>alert(1)</script> [x](http://evil) \\| cba ` |"),
        "{md}"
    );
    assert!(!md.contains('\x1b'));

    let page = html::render(&r);
    assert!(
        !page.contains("<script"),
        "no script, and the server's one is escaped"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains('\x1b') && !page.contains('\u{202e}'));
}

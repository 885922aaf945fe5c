//! Reading results files from memory: the header, the latest row per
//! operation, torn last lines and corrupt middles.

use super::read::{ScanError, scan};
use super::row::HEADER_LINE;
use super::writer::ResultsWriter;
use super::writer::tests::sample;
use crate::manifest::model::OpId;
use crate::runner::Outcome;

/// A file holding the header and one row per outcome, each for its own op.
fn file_with(outcomes: &[Outcome]) -> (Vec<u8>, Vec<OpId>) {
    let mut w = ResultsWriter::new(Vec::new(), true).unwrap();
    let mut ids = Vec::new();
    for (i, &outcome) in outcomes.iter().enumerate() {
        let mut row = sample(outcome);
        row.op_id = OpId::parse(&format!("{:016x}", i + 1)).unwrap();
        ids.push(row.op_id);
        w.append(&row).unwrap();
    }
    (w.into_inner().unwrap(), ids)
}

#[test]
fn empty_input_needs_a_header_and_has_no_rows() {
    let s = scan(&b""[..], 0).unwrap();
    assert!(s.needs_header);
    assert_eq!((s.keep, s.prior.rows, s.prior.torn), (0, 0, None));
}

#[test]
fn blank_lines_only_are_replaced_by_a_header() {
    let s = scan(&b"\n\n"[..], 2).unwrap();
    assert!(s.needs_header);
    assert_eq!(s.keep, 0);
    assert_eq!(s.prior.torn.map(|t| t.bytes), Some(2));
}

#[test]
fn header_only_is_kept() {
    let s = scan(HEADER_LINE.as_bytes(), 0).unwrap();
    assert!(!s.needs_header);
    assert_eq!(s.keep, HEADER_LINE.len() as u64);
    assert!(s.prior.latest.is_empty());
}

#[test]
fn the_latest_row_per_op_wins_and_rerun_rules_apply() {
    let (mut bytes, ids) = file_with(&[Outcome::Failed, Outcome::Rejected, Outcome::Aborted]);
    let mut w = ResultsWriter::new(&mut bytes, false).unwrap();
    let mut again = sample(Outcome::Done);
    again.op_id = ids[0];
    w.append(&again).unwrap();
    drop(w);
    let s = scan(bytes.as_slice(), 0).unwrap();
    assert_eq!(s.keep, bytes.len() as u64);
    assert_eq!(s.prior.rows, 4);
    assert_eq!(s.prior.latest.len(), 3);
    assert_eq!(s.prior.outcome(ids[0]), Some(Outcome::Done));
    assert!(s.prior.is_settled(ids[0], true));
    assert!(s.prior.is_settled(ids[1], false));
    assert!(
        !s.prior.is_settled(ids[1], true),
        "--retry-rejected resends it"
    );
    assert!(!s.prior.is_settled(ids[2], false), "aborted is resent");
    let unknown = OpId::parse("00000000000000ff").unwrap();
    assert!(!s.prior.is_settled(unknown, false), "no row: sent");
}

#[test]
fn a_last_line_without_newline_is_torn_even_if_it_parses() {
    let (bytes, ids) = file_with(&[Outcome::Done, Outcome::Done]);
    let last_start = bytes[..bytes.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    for cut in [bytes.len() - 1, last_start + 20, last_start + 1] {
        let s = scan(&bytes[..cut], 0).unwrap();
        let torn = s.prior.torn.clone().expect("torn");
        assert_eq!(torn.line, 3);
        assert_eq!(torn.offset, last_start as u64);
        assert_eq!(torn.bytes, (cut - last_start) as u64);
        assert_eq!(s.keep, last_start as u64);
        assert!(!s.needs_header);
        assert_eq!(s.prior.outcome(ids[0]), Some(Outcome::Done));
        assert_eq!(s.prior.outcome(ids[1]), None, "not trusted");
        assert!(torn.to_string().starts_with("line 3: an unfinished row of"));
    }
}

#[test]
fn a_garbled_last_line_with_newline_is_torn() {
    let (mut bytes, ids) = file_with(&[Outcome::Done]);
    let len = bytes.len();
    bytes.extend_from_slice(b"\0\0\0\0\0\0\n");
    let s = scan(bytes.as_slice(), 0).unwrap();
    assert_eq!(s.prior.torn.as_ref().unwrap().bytes, 7);
    assert_eq!(s.keep, len as u64);
    assert_eq!(s.prior.outcome(ids[0]), Some(Outcome::Done));
}

#[test]
fn a_torn_header_is_rewritten() {
    for cut in [1, 10, HEADER_LINE.len() - 1] {
        let s = scan(&HEADER_LINE.as_bytes()[..cut], 0).unwrap();
        assert!(s.needs_header);
        assert_eq!(s.keep, 0);
        assert_eq!(s.prior.torn.unwrap().bytes, cut as u64);
    }
}

#[test]
fn a_bad_line_before_the_last_is_corrupt_and_names_it() {
    let (bytes, _) = file_with(&[Outcome::Done, Outcome::Done, Outcome::Done]);
    let text = String::from_utf8(bytes).unwrap();
    let cases = [
        (",done,", ",finished,", "bad outcome `finished`"),
        ("true,done", "false,done", "bad ok `false`"),
        (".123Z", "", "bad finished_at"),
        ("0000000000000002,", "zz,", "bad op_id `zz`"),
        (",remove,", ",remove,extra,", "14 columns, expected 13"),
    ];
    for (from, to, what) in cases {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[2] = lines[2].replacen(from, to, 1);
        let edited = lines.join("\n") + "\n";
        match scan(edited.as_bytes(), 0) {
            Err(ScanError::Corrupt { line, what: got }) => {
                assert_eq!(line, 3);
                assert!(got.starts_with(what), "{got} vs {what}");
            }
            other => panic!("{from}: {other:?}"),
        }
    }
}

#[test]
fn a_foreign_header_is_refused() {
    for text in ["name,phone\nann,1\n", "op_id,source\n", "op_id\nmore\n"] {
        match scan(text.as_bytes(), 0) {
            Err(ScanError::HeaderMismatch { found }) => {
                assert!(text.starts_with(&found), "{found}")
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn many_rows_cost_one_map_entry_each() {
    let mut w = ResultsWriter::new(Vec::new(), true).unwrap();
    let mut row = sample(Outcome::Done);
    for i in 0..20_000u64 {
        row.op_id = OpId::parse(&format!("{:016x}", i % 10_000)).unwrap();
        row.outcome = if i < 10_000 {
            Outcome::Failed
        } else {
            Outcome::Done
        };
        w.append(&row).unwrap();
    }
    let bytes = w.into_inner().unwrap();
    let s = scan(bytes.as_slice(), 0).unwrap();
    assert_eq!(s.prior.rows, 20_000);
    assert_eq!(s.prior.latest.len(), 10_000);
    assert!(s.prior.latest.values().all(|&o| o == Outcome::Done));
}

#[test]
fn the_file_format_is_pinned() {
    // The columns and encodings are a contract with other tools: a change
    // here must be deliberate.
    let mut w = ResultsWriter::new(Vec::new(), true).unwrap();
    let cells = [
        (Outcome::Done, "", Some(200), "instance \u{1b}[2J one"),
        (Outcome::Already, "", Some(200), "@max"),
        (
            Outcome::Rejected,
            "participant not found",
            Some(200),
            "default",
        ),
        (
            Outcome::Failed,
            "HTTP 502: \"Bad Gateway\"\r\n, then timed out",
            Some(502),
            "a,b",
        ),
        (Outcome::Aborted, "instance refused: 401", None, "+1"),
    ];
    for (i, (outcome, error, status, instance)) in cells.into_iter().enumerate() {
        let mut row = sample(outcome);
        row.op_id = OpId::parse(&format!("{:016x}", 0xabc0 + i)).unwrap();
        row.error = error.into();
        row.http_status = status;
        row.instance = instance.into();
        row.attempts = i as u32;
        w.append(&row).unwrap();
    }
    insta::assert_snapshot!(String::from_utf8(w.into_inner().unwrap()).unwrap());
}

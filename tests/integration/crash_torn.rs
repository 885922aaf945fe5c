//! A results file cut by a crash at any byte: a real run's file is cut at
//! every byte offset of its last three rows. Whatever the cut, the reader
//! keeps exactly the whole rows before it, reports the rest as a torn line
//! and never trusts it; a rerun of the real binary says so on stderr, records
//! exactly the operations whose rows were cut again (`already`, from the
//! live state, or `done`), and sends nothing else.
//!
//! `cargo test` reruns the binary at a dozen cuts; `GREENBATCH_CRASH_SWEEP=full`
//! reruns it at every cut.

use std::collections::BTreeSet;
use std::fs;

use greenbatch::report::results;

use crate::reliability_support::*;
use crate::support::*;

const OPS: usize = 9;

/// The byte offsets just past each line's newline, the header's included.
fn line_ends(bytes: &[u8]) -> Vec<usize> {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect()
}

/// For a file cut at `cut`: the whole rows left, and where a torn line starts.
fn split(ends: &[usize], cut: usize) -> (usize, Option<usize>) {
    let whole_lines = ends.iter().filter(|e| **e <= cut).count();
    let torn = (!ends.contains(&cut)).then(|| ends[whole_lines - 1]);
    (whole_lines - 1, torn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_file_cut_at_any_byte_is_detected_and_never_trusted() {
    let sb = sandbox(state(OPS)).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", &manifest(OPS));
    let path = dir.path().join("m.results.csv");
    let env = default_env(&sb, WA_MAIN);
    let args = ["run", manifest.to_str().unwrap(), "--rate", "unlimited"];
    let out = greenbatch(&args, &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let whole = fs::read(&path).unwrap();
    let ends = line_ends(&whole);
    assert_eq!(ends.len(), OPS + 1, "a header and a row per operation");
    let participants: Vec<String> = rows(&path)
        .into_iter()
        .map(|r| r.participant_id.to_string())
        .collect();
    let first_cut = ends[ends.len() - 4];

    // The reader at every cut.
    let probe = dir.path().join("probe.csv");
    for cut in first_cut..=whole.len() {
        fs::write(&probe, &whole[..cut]).unwrap();
        let prior = results::peek(&probe).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
        let (kept, torn_at) = split(&ends, cut);
        assert_eq!(prior.rows as usize, kept, "cut {cut}");
        assert_eq!(prior.torn.is_some(), torn_at.is_some(), "cut {cut}");
        if let Some(torn) = &prior.torn {
            assert_eq!(Some(torn.offset as usize), torn_at, "cut {cut}");
            assert_eq!(torn.bytes as usize, cut - torn.offset as usize, "cut {cut}");
        }
        let (file, reopened) = results::open(&probe).unwrap();
        drop(file);
        assert_eq!(reopened.rows, prior.rows);
        let left = fs::read(&probe).unwrap();
        let expected_len = torn_at.unwrap_or(cut);
        assert_eq!(
            left,
            whole[..expected_len],
            "cut {cut}: cut back to whole rows"
        );
    }

    // The binary at a selection of cuts (every cut in the full sweep).
    let cuts: Vec<usize> = if std::env::var("GREENBATCH_CRASH_SWEEP").is_ok_and(|v| v == "full") {
        (first_cut..whole.len()).collect()
    } else {
        let last = ends[ends.len() - 2];
        let before = ends[ends.len() - 3];
        vec![
            first_cut,
            first_cut + 1,
            before - 1,
            before,
            before + 1,
            before + 20,
        ]
        .into_iter()
        .chain([last, last + 1, last + 17, whole.len() - 2, whole.len() - 1])
        .collect()
    };
    for &cut in &cuts {
        fs::write(&path, &whole[..cut]).unwrap();
        let (kept, torn_at) = split(&ends, cut);
        let torn = torn_at.is_some();
        let expected: BTreeSet<String> = participants[kept..].iter().cloned().collect();
        let before = sb.ledger().len();
        let out = greenbatch(&args, &env).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "cut {cut}: {err}");
        assert_eq!(err.contains("unfinished row"), torn, "cut {cut}: {err}");
        let sent: Vec<String> = sb.ledger()[before..]
            .iter()
            .map(who)
            .filter(|p| !p.is_empty())
            .collect();
        let sent_set: BTreeSet<String> = sent.iter().cloned().collect();
        assert_eq!(sent.len(), sent_set.len(), "cut {cut}: each once");
        // The live state shows the cut operations already hold, so they may
        // be recorded `already` from a read instead of being sent again.
        assert!(sent_set.is_subset(&expected), "cut {cut}: {sent_set:?}");
        let after = rows(&path);
        assert_eq!(after.len(), OPS, "cut {cut}: one row per operation again");
        let again: BTreeSet<String> = after[kept..]
            .iter()
            .map(|r| r.participant_id.to_string())
            .collect();
        assert_eq!(
            again, expected,
            "cut {cut}: new rows for exactly the cut ones"
        );
        assert!(
            after.iter().all(|r| r.outcome.is_ok()),
            "cut {cut}: {after:?}"
        );
    }
    assert_eq!(members(&sb.state()), expected_members(OPS));
    eprintln!(
        "torn results: reader at {} cuts, binary at {} cuts",
        whole.len() + 1 - first_cut,
        cuts.len()
    );
}

//! Reading a results file: the header check and the torn-last-line rule in
//! [`scan_rows`], shared by the rerun's reader ([`scan`]: the latest outcome
//! per `op_id`) and `report`'s (whole rows).
//!
//! For a rerun only three columns are looked at (`op_id`, `ok`, `outcome`) plus
//! `finished_at` as a completeness check, split in place by [`Tokens`] (the
//! records the `csv` crate would read, split by hand), so a million rows
//! cost 16 bytes each until [`Latest`] keeps one entry per operation. The
//! last line is judged apart from the rest: if the file
//! does not end with a newline, or the last line is not a whole row, a crash
//! cut it off; it is reported as [`TornLine`] and not trusted. A bad line
//! anywhere before it means the file was edited or is not ours: an error.

use std::fmt;
use std::io::{self, Read};

use super::latest::{Latest, LatestBuilder};
use super::row::{COL_FINISHED_AT, COL_OK, COL_OP_ID, COL_OUTCOME, HEADER, HEADER_LINE, bool_str};
use crate::manifest::model::OpId;
use crate::records::{At, Fields, Tokens};
use crate::runner::Outcome;
use crate::sanitise;

/// What earlier runs recorded in a results file.
#[derive(Debug, Default, Clone)]
pub struct PriorResults {
    /// The outcome of the latest row of each operation.
    pub latest: Latest,
    /// Whole rows read (several may belong to one operation).
    pub rows: u64,
    /// An unfinished last line that was ignored and cut away; the caller warns.
    pub torn: Option<TornLine>,
    /// The permission bits of an existing file that others could read (not
    /// 0600); the caller may warn. The file is left as the user set it.
    pub loose_mode: Option<u32>,
    /// The file already held its header: an earlier run opened it (and may
    /// have been stopped before it wrote a row).
    pub had_header: bool,
}

impl PriorResults {
    /// Whether a rerun skips `id`: its latest row says `done` or `already`,
    /// or `rejected` unless `retry_rejected`.
    pub fn is_settled(&self, id: OpId, retry_rejected: bool) -> bool {
        self.latest
            .get(&id)
            .is_some_and(|o| o.is_settled(retry_rejected))
    }

    /// The outcome of `id`'s latest row, if it has one.
    pub fn outcome(&self, id: OpId) -> Option<Outcome> {
        self.latest.get(&id).copied()
    }
}

/// The unfinished last line of a results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornLine {
    /// Its line number, counting from 1.
    pub line: u64,
    /// The byte where it started; the file is cut back to this length.
    pub offset: u64,
    /// How many bytes it had.
    pub bytes: u64,
}

impl fmt::Display for TornLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: an unfinished row of {} bytes (cut off by a crash?) was ignored and \
             removed; its operation counts as not yet run",
            self.line, self.bytes
        )
    }
}

/// What [`scan`] found: the prior results, how many leading bytes are valid
/// and stay, and whether the header still has to be written.
#[derive(Debug)]
pub(crate) struct Scan {
    pub prior: PriorResults,
    pub keep: u64,
    pub needs_header: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ScanError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error("line {line}: {what}")]
    Corrupt { line: u64, what: String },
    #[error("first line is `{found}`")]
    HeaderMismatch { found: String },
}

/// A line seen but not yet known to be the last one.
enum Pending<T> {
    Header,
    /// The start of the header without its end: torn if it is the last line.
    HeaderPrefix(String),
    Row(Result<T, String>),
}

/// A row is rarely shorter than this; it sizes the rows kept for a file's length.
const SHORT_ROW_BYTES: u64 = 128;
/// The most rows reserved for up front.
const MAX_RESERVE: u64 = 4_000_000;

/// Reads a whole results file from `input`, which is about `len` bytes long.
pub(crate) fn scan(input: impl Read, len: u64) -> Result<Scan, ScanError> {
    let mut prior = PriorResults::default();
    let mut latest = LatestBuilder::default();
    let mut first = true;
    let rows = scan_rows(input, parse_row, |(id, outcome)| {
        if std::mem::take(&mut first) {
            // Growing by doubling would copy a million rows several times;
            // the cap bounds what a huge file makes us reserve.
            let guess = (len / SHORT_ROW_BYTES).min(MAX_RESERVE);
            latest.reserve(guess as usize);
        }
        latest.push(id, outcome);
    })?;
    prior.latest = latest.build();
    prior.rows = rows.rows;
    prior.torn = rows.torn;
    prior.had_header = !rows.needs_header;
    Ok(Scan {
        prior,
        keep: rows.keep,
        needs_header: rows.needs_header,
    })
}

/// What [`scan_rows`] found besides the rows themselves.
#[derive(Debug)]
pub(crate) struct Rows {
    /// Whole rows handed over.
    pub rows: u64,
    pub torn: Option<TornLine>,
    /// How many leading bytes are valid.
    pub keep: u64,
    pub needs_header: bool,
}

/// Reads a results file from `input`, decoding each row with `parse` and
/// handing it to `take` in file order. The last line is handed over only
/// once it is known to be whole; a bad line before it is an error.
pub(crate) fn scan_rows<T>(
    input: impl Read,
    parse: impl Fn(&dyn Fields) -> Result<T, String>,
    mut take: impl FnMut(T),
) -> Result<Rows, ScanError> {
    let mut reader = Tokens::new(input);
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    let mut commit = |seen: Pending<T>, line: u64| -> Result<(), ScanError> {
        match seen {
            Pending::Header => Ok(()),
            Pending::HeaderPrefix(found) => Err(ScanError::HeaderMismatch { found }),
            Pending::Row(Ok(row)) => {
                take(row);
                rows += 1;
                Ok(())
            }
            Pending::Row(Err(what)) => Err(ScanError::Corrupt { line, what }),
        }
    };
    let mut pending: Option<(Pending<T>, u64, u64)> = None;
    let mut first = true;
    let mut read = |fields: &dyn Fields, at: At| {
        let next = if std::mem::take(&mut first) {
            first_line(fields)
        } else {
            Ok(Pending::Row(parse(fields)))
        };
        next.map(|n| (n, at.line, at.byte))
    };
    while let Some(next) = reader.next_with(&mut record, &mut read)? {
        if let Some((seen, line, _)) = pending.replace(next?) {
            commit(seen, line)?;
        }
    }
    let (total, ends_with_newline) = (reader.total, reader.last == Some(b'\n'));
    let torn = |line: u64, offset: u64| TornLine {
        line,
        offset,
        bytes: total - offset,
    };
    let (torn, keep, needs_header) = match pending {
        // Empty, or blank lines only: nothing of value to keep.
        None => ((total > 0).then(|| torn(1, 0)), 0, true),
        Some((last @ (Pending::Header | Pending::Row(Ok(_))), line, _)) if ends_with_newline => {
            commit(last, line)?;
            (None, total, false)
        }
        Some((Pending::HeaderPrefix(found), _, _)) if ends_with_newline => {
            return Err(ScanError::HeaderMismatch { found });
        }
        Some((Pending::Header | Pending::HeaderPrefix(_), line, offset)) => {
            (Some(torn(line, offset)), 0, true)
        }
        Some((Pending::Row(_), line, offset)) => (Some(torn(line, offset)), offset, false),
    };
    Ok(Rows {
        rows,
        torn,
        keep,
        needs_header,
    })
}

fn first_line<T>(record: &dyn Fields) -> Result<Pending<T>, ScanError> {
    let all = (0..record.count()).map(|i| record.field(i));
    if all.clone().eq(HEADER.iter().map(|h| h.as_bytes())) {
        return Ok(Pending::Header);
    }
    let found = show(&all.collect::<Vec<_>>().join(&b','), 80);
    if HEADER_LINE.starts_with(found.as_str()) {
        Ok(Pending::HeaderPrefix(found))
    } else {
        // Enough to recognise the file; not enough to show a secret that
        // a file given by mistake (a token file, /proc/self/environ) holds.
        Err(ScanError::HeaderMismatch {
            found: sanitise::quote_start(&found).into_owned(),
        })
    }
}

/// The op_id and outcome of a row, or what is wrong with it.
fn parse_row(record: &dyn Fields) -> Result<(OpId, Outcome), String> {
    if record.count() != HEADER.len() {
        return Err(format!(
            "{} columns, expected {}",
            record.count(),
            HEADER.len()
        ));
    }
    let bad = |i: usize| format!("bad {} `{}`", HEADER[i], show(record.field(i), 40));
    let id = OpId::parse_bytes(record.field(COL_OP_ID)).ok_or_else(|| bad(COL_OP_ID))?;
    let outcome = Outcome::ALL
        .into_iter()
        .find(|o| o.as_str().as_bytes() == record.field(COL_OUTCOME))
        .ok_or_else(|| bad(COL_OUTCOME))?;
    if record.field(COL_OK) != bool_str(outcome.is_ok()).as_bytes() {
        return Err(bad(COL_OK));
    }
    if !is_time(record.field(COL_FINISHED_AT)) {
        return Err(bad(COL_FINISHED_AT));
    }
    Ok((id, outcome))
}

/// Whether `cell` is a whole RFC 3339 time: the form greenbatch writes
/// (`2026-11-20T10:00:00.123Z`, or without the fraction) checked byte by
/// byte, anything else by humantime. A row cut inside its time fails this.
fn is_time(cell: &[u8]) -> bool {
    const SHAPE: &[u8; 24] = b"0000-00-00T00:00:00.000Z";
    let written = |len: usize| {
        cell.len() == len
            && cell[..len - 1].iter().zip(SHAPE).all(|(&c, &s)| {
                if s == b'0' {
                    c.is_ascii_digit()
                } else {
                    c == s
                }
            })
            && cell[len - 1] == b'Z'
    };
    if written(24) || written(20) {
        let num = |a: usize, b: usize| {
            cell[a..b]
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
        };
        // Month, day, hours, minutes, seconds in range (leap seconds aside).
        return (1..=12).contains(&num(5, 7))
            && (1..=31).contains(&num(8, 10))
            && num(11, 13) < 24
            && num(14, 16) < 60
            && num(17, 19) < 61;
    }
    std::str::from_utf8(cell).is_ok_and(|t| humantime::parse_rfc3339(t).is_ok())
}

/// Bytes from the file made fit for an error message: at most `max` characters.
fn show(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    sanitise::terminal(&text).chars().take(max).collect()
}

#[cfg(test)]
mod time_tests {
    use super::is_time;

    #[test]
    fn a_time_is_whole_or_refused_like_humantime_says() {
        let mut rng = fastrand::Rng::with_seed(9);
        for _ in 0..2000 {
            let t = std::time::SystemTime::UNIX_EPOCH
                + std::time::Duration::from_millis(rng.u64(0..253_402_300_799_000));
            let written = humantime::format_rfc3339_millis(t).to_string();
            assert!(is_time(written.as_bytes()), "{written}");
            let seconds = humantime::format_rfc3339_seconds(t).to_string();
            assert!(is_time(seconds.as_bytes()), "{seconds}");
            // Cut anywhere, as a torn row is: never a time.
            for cut in 0..written.len() {
                let torn = &written.as_bytes()[..cut];
                assert_eq!(
                    is_time(torn),
                    std::str::from_utf8(torn).is_ok_and(|t| humantime::parse_rfc3339(t).is_ok()),
                    "{}",
                    String::from_utf8_lossy(torn)
                );
            }
        }
        for bad in [
            "2026-13-01T00:00:00Z",
            "2026-11-20T25:00:00.000Z",
            "2026-11-20 10:00:00Z",
            "x",
        ] {
            assert!(!is_time(bad.as_bytes()), "{bad}");
        }
    }
}

//! One row of the results file: its columns, how it is encoded (sanitised
//! cells, RFC 3339 times) and how a full row is decoded again.

use std::io::Write;
use std::time::SystemTime;

use compact_str::CompactString;

use crate::greenapi::{Action, Platform};
use crate::manifest::model::{OpId, Operation};
use crate::runner::Outcome;
use crate::sanitise::{self, cell, clip, uncell};

/// The columns, in order. Part of the file's contract: never reorder them.
pub const HEADER: [&str; 13] = [
    "op_id",
    "source",
    "action",
    "platform",
    "instance",
    "chat_id",
    "participant_id",
    "ok",
    "outcome",
    "error",
    "http_status",
    "attempts",
    "finished_at",
];

/// The header as it stands on the first line of the file.
pub(crate) const HEADER_LINE: &str = "op_id,source,action,platform,instance,chat_id,participant_id,ok,outcome,error,http_status,attempts,finished_at\n";

/// The positions of the columns a rerun reads.
pub(crate) const COL_OP_ID: usize = 0;
pub(crate) const COL_OK: usize = 7;
pub(crate) const COL_OUTCOME: usize = 8;
pub(crate) const COL_FINISHED_AT: usize = 12;

/// An `error` cell longer than this (in bytes) is cut, so one huge error body
/// cannot bloat the file; the cut is marked with `…`.
pub const MAX_ERROR_BYTES: usize = 1000;

/// How one operation ended in this run. `ok` is not stored: it is
/// `outcome.is_ok()`. There is no field for a token or a URL, and the caller
/// passes error texts through `Token::scrub` before they get here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub op_id: OpId,
    /// The manifest location, `cleanup.csv:14`.
    pub source: String,
    pub action: Action,
    pub platform: Platform,
    /// The instance's name in the configuration.
    pub instance: String,
    pub chat_id: CompactString,
    pub participant_id: CompactString,
    pub outcome: Outcome,
    /// The API's error text or the failure's; empty when there was none.
    pub error: String,
    /// The last HTTP status seen, if any answer arrived.
    pub http_status: Option<u16>,
    /// Requests sent for this operation in this run (0 if never sent).
    pub attempts: u32,
    /// Written with millisecond precision.
    pub finished_at: SystemTime,
}

impl ResultRow {
    /// The row for `op`, finished now.
    pub fn new(
        op: &Operation,
        outcome: Outcome,
        error: impl Into<String>,
        http_status: Option<u16>,
        attempts: u32,
    ) -> ResultRow {
        ResultRow {
            op_id: op.op_id,
            source: op.source.to_string(),
            action: op.action,
            platform: op.platform,
            instance: op.instance.to_string(),
            chat_id: op.chat_id.clone(),
            participant_id: op.participant_id.clone(),
            outcome,
            error: error.into(),
            http_status,
            attempts,
            finished_at: SystemTime::now(),
        }
    }

    /// Decodes a full row, undoing the cell escaping; the error names the
    /// first column that is wrong. Reruns do not need this (they read two
    /// columns); tools and tests that want whole rows do.
    pub fn from_record(record: &csv::StringRecord) -> Result<ResultRow, String> {
        decode(record.len(), |i| Ok(&record[i]))
    }

    /// [`ResultRow::from_record`] for a record not yet checked to be UTF-8.
    pub fn from_byte_record(record: &csv::ByteRecord) -> Result<ResultRow, String> {
        ResultRow::from_fields(record)
    }

    /// [`ResultRow::from_record`] for fields however held.
    pub(crate) fn from_fields(record: &dyn crate::records::Fields) -> Result<ResultRow, String> {
        decode(record.count(), |i| {
            std::str::from_utf8(record.field(i)).map_err(|_| format!("{} is not UTF-8", HEADER[i]))
        })
    }
}

/// A row from its `len` fields, `field(i)` giving the i-th as text.
fn decode<'r>(
    len: usize,
    field: impl Fn(usize) -> Result<&'r str, String>,
) -> Result<ResultRow, String> {
    if len != HEADER.len() {
        return Err(format!("{len} columns, expected {}", HEADER.len()));
    }
    let f = &field;
    let text = |i: usize| f(i).map(|t| uncell(t).to_owned());
    let bad = |i: usize| match f(i) {
        Ok(t) => format!("bad {} `{}`", HEADER[i], clip(&sanitise::terminal(t), 40)),
        Err(e) => e,
    };
    let outcome: Outcome = f(COL_OUTCOME)?.parse().map_err(|_| bad(COL_OUTCOME))?;
    if f(COL_OK)? != bool_str(outcome.is_ok()) {
        return Err(bad(COL_OK));
    }
    Ok(ResultRow {
        op_id: OpId::parse(f(COL_OP_ID)?).ok_or_else(|| bad(COL_OP_ID))?,
        source: text(1)?,
        action: f(2)?.parse().map_err(|_| bad(2))?,
        platform: f(3)?.parse().map_err(|_| bad(3))?,
        instance: text(4)?,
        chat_id: text(5)?.into(),
        participant_id: text(6)?.into(),
        outcome,
        error: text(9)?,
        http_status: match f(10)? {
            "" => None,
            s => Some(s.parse().map_err(|_| bad(10))?),
        },
        attempts: f(11)?.parse().map_err(|_| bad(11))?,
        finished_at: humantime::parse_rfc3339(f(COL_FINISHED_AT)?)
            .map_err(|_| bad(COL_FINISHED_AT))?,
    })
}

pub(crate) fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Writes `row` as one record. The numbers and the time are formatted into
/// stack buffers without `fmt`'s machinery (it was 5 % of the engine's
/// instructions at full speed); `_scratch` is kept for the callers' sake.
pub(crate) fn write_row<W: Write>(
    out: &mut csv::Writer<W>,
    row: &ResultRow,
    _scratch: &mut String,
) -> csv::Result<()> {
    out.write_field(hex16(row.op_id.digest()))?;
    out.write_field(cell(&row.source).as_bytes())?;
    out.write_field(row.action.as_str())?;
    out.write_field(row.platform.as_str())?;
    out.write_field(cell(&row.instance).as_bytes())?;
    out.write_field(cell(&row.chat_id).as_bytes())?;
    out.write_field(cell(&row.participant_id).as_bytes())?;
    out.write_field(bool_str(row.outcome.is_ok()))?;
    out.write_field(row.outcome.as_str())?;
    // Free text from servers: masked last, after the clip and the cell rule.
    let error = clip(&row.error, MAX_ERROR_BYTES);
    out.write_field(crate::secret::mask(&cell(&error)).as_bytes())?;
    let mut number = itoa::Buffer::new();
    match row.http_status {
        Some(status) => out.write_field(number.format(status))?,
        None => out.write_field(b"")?,
    }
    out.write_field(number.format(row.attempts))?;
    out.write_field(rfc3339_millis(row.finished_at))?;
    out.write_record(None::<&[u8]>)
}

/// `id` as 16 lowercase hex digits, as `{:016x}` writes it.
fn hex16(id: u64) -> [u8; 16] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 16];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = DIGITS[((id >> (60 - 4 * i)) & 0xf) as usize];
    }
    out
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`, as `humantime::format_rfc3339_millis`
/// writes it (times before 1970 as 1970-01-01T00:00:00.000Z).
pub(crate) fn rfc3339_millis(t: SystemTime) -> [u8; 24] {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let millis = since.subsec_millis();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, value: u64, width: usize| {
        let mut v = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year as u64 % 10_000, 4);
    put(5, u64::from(month), 2);
    put(8, u64::from(day), 2);
    put(11, rest / 3600, 2);
    put(14, rest / 60 % 60, 2);
    put(17, rest % 60, 2);
    put(20, u64::from(millis), 3);
    out
}

/// The Gregorian date of `days` since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod encode_tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn hex_and_time_are_what_fmt_and_humantime_write() {
        let mut rng = fastrand::Rng::with_seed(3);
        for id in [0, 1, u64::MAX, 0x0123_4567_89ab_cdef]
            .into_iter()
            .chain((0..1000).map(|_| rng.u64(..)))
        {
            assert_eq!(
                std::str::from_utf8(&hex16(id)).unwrap(),
                format!("{id:016x}")
            );
        }
        let cases = [
            0u64,
            1,
            59,
            86_399,
            86_400,
            951_782_400,
            1_709_164_800,
            4_102_444_799,
            253_402_300_799,
        ];
        let random: Vec<u64> = (0..2000).map(|_| rng.u64(0..253_402_300_799)).collect();
        for secs in cases.into_iter().chain(random) {
            let t = SystemTime::UNIX_EPOCH + Duration::from_millis(secs * 1000 + rng.u64(0..1000));
            let expected = humantime::format_rfc3339_millis(t).to_string();
            assert_eq!(
                std::str::from_utf8(&rfc3339_millis(t)).unwrap(),
                expected,
                "{secs}"
            );
        }
    }
}

//! One row of the results file: its columns, how it is encoded (sanitised
//! cells, RFC 3339 times) and how a full row is decoded again.

use std::fmt::Write as _;
use std::io::Write;
use std::time::SystemTime;

use crate::greenapi::{Action, Platform};
use crate::manifest::model::{OpId, Operation};
use crate::report::sanitise::{self, cell, clip, uncell};
use crate::runner::Outcome;

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
    pub chat_id: String,
    pub participant_id: String,
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
        decode(record.len(), |i| {
            std::str::from_utf8(&record[i]).map_err(|_| format!("{} is not UTF-8", HEADER[i]))
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
        chat_id: text(5)?,
        participant_id: text(6)?,
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

/// Writes `row` as one record. `scratch` is reused between rows so that the
/// numbers and the time need no allocation of their own.
pub(crate) fn write_row<W: Write>(
    out: &mut csv::Writer<W>,
    row: &ResultRow,
    scratch: &mut String,
) -> csv::Result<()> {
    scratch.clear();
    let _ = write!(scratch, "{}", row.op_id);
    out.write_field(scratch.as_bytes())?;
    out.write_field(cell(&row.source).as_bytes())?;
    out.write_field(row.action.as_str())?;
    out.write_field(row.platform.as_str())?;
    out.write_field(cell(&row.instance).as_bytes())?;
    out.write_field(cell(&row.chat_id).as_bytes())?;
    out.write_field(cell(&row.participant_id).as_bytes())?;
    out.write_field(bool_str(row.outcome.is_ok()))?;
    out.write_field(row.outcome.as_str())?;
    out.write_field(cell(&clip(&row.error, MAX_ERROR_BYTES)).as_bytes())?;
    scratch.clear();
    if let Some(status) = row.http_status {
        let _ = write!(scratch, "{status}");
    }
    out.write_field(scratch.as_bytes())?;
    scratch.clear();
    let _ = write!(scratch, "{}", row.attempts);
    out.write_field(scratch.as_bytes())?;
    scratch.clear();
    let _ = write!(
        scratch,
        "{}",
        humantime::format_rfc3339_millis(row.finished_at)
    );
    out.write_field(scratch.as_bytes())?;
    out.write_record(None::<&[u8]>)
}

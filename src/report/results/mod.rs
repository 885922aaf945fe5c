//! The results journal: one CSV row per operation finished, appended and
//! flushed as each finishes, so a crash loses at most what was in flight, and
//! the file a rerun reads to send only what is left. Its format is a contract
//! that other tools rely on.
//!
//! - Columns: [`HEADER`], exactly. `ok` is `true` or `false`, `outcome` one of
//!   the [`Outcome`](crate::runner::Outcome) names, `http_status` empty when
//!   no answer came, `finished_at` RFC 3339 UTC with milliseconds.
//! - Cells from users or servers (`source`, `instance`, `chat_id`,
//!   `participant_id`, `error`) go through [`sanitise::cell`]: single line,
//!   and a `'` before anything a spreadsheet would run as a formula. That
//!   includes MAX group IDs (`'-10000000000000`); [`sanitise::uncell`] gives
//!   the exact value back. `error` is cut at [`MAX_ERROR_BYTES`].
//! - Never a token or a URL: a row has no field for either.
//! - Created with mode 0600; an existing looser file is used with a warning.
//! - One run at a time: [`open`] takes an exclusive `flock` before reading;
//!   if another holder keeps it through a 0.1 s grace, [`OpenError::Locked`]
//!   (exit 75). The kernel drops the lock when the process dies, so a crash
//!   never leaves a stale lock.
//! - A torn last line (no final newline, or not a whole row) is reported in
//!   [`PriorResults::torn`], not trusted, and cut away before appending; a bad
//!   line before the last is [`OpenError::Corrupt`].
//!
//! [`sanitise::cell`]: crate::sanitise::cell
//! [`sanitise::uncell`]: crate::sanitise::uncell

mod error;
mod file;
mod latest;
mod read;
mod row;
mod writer;

pub use error::OpenError;
pub use file::{
    ReadResults, ResultsFile, RowsRead, SyncPolicy, open, open_with, peek, read_existing, read_rows,
};
pub(crate) use file::{lock as lock_exclusive, lock_shared};
pub use latest::Latest;
pub use read::{PriorResults, TornLine};
pub use row::{HEADER, MAX_ERROR_BYTES, ResultRow};
pub use writer::ResultsWriter;

/// Reads results-file bytes as [`open`] would, without a file: what earlier
/// runs recorded, or why the bytes are refused. The fuzz target's entry point.
pub fn scan_bytes(bytes: &[u8]) -> Result<PriorResults, String> {
    read::scan(bytes, bytes.len() as u64)
        .map(|scan| scan.prior)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;

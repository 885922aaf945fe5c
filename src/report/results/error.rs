//! Why a results file cannot be used, and the exit code each reason means.

use std::io;
use std::path::{Path, PathBuf};

use super::read::ScanError;
use crate::exit;

/// Why a results file could not be opened. Nothing has been sent when this
/// happens; [`OpenError::exit_code`] says how the run ends.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "results file {} is in use by another greenbatch run; wait for it to end, \
         or choose another --results path",
        shown(path)
    )]
    Locked { path: PathBuf },
    #[error("cannot use results file {}", shown(path))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "results file {}, line {line}: {what}; the file was edited or is not a greenbatch \
         results file: repair or delete that line, or choose another --results path",
        shown(path)
    )]
    Corrupt {
        path: PathBuf,
        line: u64,
        what: String,
    },
    #[error(
        "{} is not a greenbatch results file (its first line is `{found}`); \
         choose another --results path",
        shown(path)
    )]
    HeaderMismatch { path: PathBuf, found: String },
    /// A symbolic link, not a regular file, someone else's, or writable by
    /// others: its `done` rows could have been planted to make a rerun skip
    /// operations.
    #[error(
        "results file {} {why}: its rows could have been written by someone else, and a rerun skips what they say is done; {hint}",
        shown(path)
    )]
    Untrusted {
        path: PathBuf,
        why: String,
        hint: String,
    },
}

/// A path as messages show it: control characters escaped (a default
/// results path comes from the manifest's name, which may be someone else's).
fn shown(path: &Path) -> String {
    crate::sanitise::escaped(&path.display().to_string()).into_owned()
}

impl OpenError {
    /// 75 when another run holds the file, 2 (unusable path) otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            OpenError::Locked { .. } => exit::LOCKED,
            _ => exit::USAGE,
        }
    }
}

impl OpenError {
    pub(crate) fn untrusted(path: &Path, refusal: crate::trusted_file::Refusal) -> OpenError {
        match refusal {
            crate::trusted_file::Refusal::Io(source) => OpenError::Io {
                path: path.to_owned(),
                source,
            },
            other => OpenError::Untrusted {
                path: path.to_owned(),
                hint: other.hint(path),
                why: other.to_string(),
            },
        }
    }

    pub(crate) fn from_scan(path: &Path, err: ScanError) -> OpenError {
        let path = path.to_owned();
        match err {
            ScanError::Io(source) => OpenError::Io { path, source },
            ScanError::Corrupt { line, what } => OpenError::Corrupt { path, line, what },
            ScanError::HeaderMismatch { found } => OpenError::HeaderMismatch { path, found },
        }
    }
}

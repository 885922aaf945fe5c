//! Opening a manifest: a file or standard input, its format, and a size cap
//! enforced both up front (file metadata) and while reading, so neither a
//! huge file nor an endless pipe can exhaust memory.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::diagnostic::Diagnostic;

/// The default size cap of a manifest: 64 MiB.
pub const DEFAULT_MAX_SIZE: u64 = crate::defaults::MAX_MANIFEST_SIZE;

/// How a manifest is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Csv,
    Yaml,
    /// A spreadsheet's own file (`.xlsx`, `.xlsm`, `.xls`, `.ods`), whose
    /// kind its bytes tell.
    Workbook,
}

impl InputFormat {
    /// The format a file name's extension tells (`.csv`, `.txt`, `.tsv`,
    /// `.yaml`, `.yml`, `.xlsx`, `.xlsm`, `.xls`, `.ods`).
    pub fn from_path(path: &Path) -> Option<InputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            // `.txt` and `.tsv`: what spreadsheets save delimited text as.
            "csv" | "txt" | "tsv" => Some(InputFormat::Csv),
            "yaml" | "yml" => Some(InputFormat::Yaml),
            "xlsx" | "xlsm" | "xls" | "ods" => Some(InputFormat::Workbook),
            _ => None,
        }
    }
}

/// The name a manifest is shown under: its path as given (control
/// characters shown escaped, since it is printed everywhere), or `<stdin>`.
pub(crate) fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_owned()
    } else {
        crate::sanitise::escaped(&path.display().to_string()).into_owned()
    }
}

pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A reader that fails once more than `remaining` bytes were asked of it.
pub(crate) struct Capped<R> {
    inner: R,
    remaining: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Ask for one byte past the cap so that reaching it exactly is fine
        // and exceeding it is seen.
        let want = buf
            .len()
            .min(usize::try_from(self.remaining.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.remaining {
            return Err(io::Error::other(TooLarge(self.cap)));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// The error a [`Capped`] reader fails with.
#[derive(Debug, thiserror::Error)]
#[error("is larger than the limit of {0} bytes")]
pub(crate) struct TooLarge(pub u64);

/// The diagnostic for a manifest over the cap.
pub(crate) fn too_large(cap: u64) -> Diagnostic {
    Diagnostic::error(
        None,
        format!("the file is larger than the limit of {cap} bytes"),
    )
    .hint("raise the limit with --max-manifest-size if the file is really meant to be this big")
}

/// The diagnostic for a read error, recognising the cap.
pub(crate) fn read_error(err: &io::Error, cap: u64) -> Diagnostic {
    if err.get_ref().is_some_and(|e| e.is::<TooLarge>()) {
        too_large(cap)
    } else {
        Diagnostic::error(None, format!("cannot read the file: {err}"))
    }
}

/// Opens `path` (`-` for standard input) behind the size cap.
pub(crate) fn open(path: &Path, cap: u64) -> Result<Capped<Box<dyn Read>>, Diagnostic> {
    let inner: Box<dyn Read> = if is_stdin(path) {
        Box::new(io::stdin().lock())
    } else {
        let cannot =
            |e: io::Error| Diagnostic::error(None, format!("cannot open {}: {e}", path.display()));
        let file = File::open(path).map_err(cannot)?;
        let meta = file.metadata().map_err(cannot)?;
        if meta.is_dir() {
            return Err(Diagnostic::error(
                None,
                format!("{} is a directory", path.display()),
            ));
        }
        if meta.is_file() && meta.len() > cap {
            return Err(too_large(cap));
        }
        Box::new(io::BufReader::with_capacity(256 * 1024, file))
    };
    Ok(Capped {
        inner,
        remaining: cap,
        cap,
    })
}

/// Reads all of `path` (`-` for standard input) within the cap.
pub(crate) fn read_all(path: &Path, cap: u64) -> Result<Vec<u8>, Diagnostic> {
    let mut reader = open(path, cap)?;
    let mut buf = Vec::new();
    reader
        .read_to_end(&mut buf)
        .map_err(|e| read_error(&e, cap))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_allows_exactly_its_size() {
        let mut ok = Capped {
            inner: &b"12345"[..],
            remaining: 5,
            cap: 5,
        };
        let mut buf = Vec::new();
        assert_eq!(ok.read_to_end(&mut buf).unwrap(), 5);
        let mut over = Capped {
            inner: &b"123456"[..],
            remaining: 5,
            cap: 5,
        };
        let err = over.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(
            read_error(&err, 5)
                .message
                .contains("larger than the limit of 5 bytes")
        );
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(
            InputFormat::from_path(Path::new("a.CSV")),
            Some(InputFormat::Csv)
        );
        assert_eq!(
            InputFormat::from_path(Path::new("a.yml")),
            Some(InputFormat::Yaml)
        );
        // What spreadsheets save delimited text as.
        assert_eq!(
            InputFormat::from_path(Path::new("a.txt")),
            Some(InputFormat::Csv)
        );
        assert_eq!(
            InputFormat::from_path(Path::new("a.tsv")),
            Some(InputFormat::Csv)
        );
        assert_eq!(
            InputFormat::from_path(Path::new("bans.XLSX")),
            Some(InputFormat::Workbook)
        );
        assert_eq!(
            InputFormat::from_path(Path::new("bans.ods")),
            Some(InputFormat::Workbook)
        );
        assert_eq!(InputFormat::from_path(Path::new("a.json")), None);
    }
}

//! Physical line numbers of CSV records.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

/// A run of line-break bytes (`\r`, `\n`) in the input.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: u64,
    end: u64,
    newlines: u32,
}

/// Physical line numbers. The csv crate's own `Position::line()` miscounts
/// after CRLF and blank lines, and its byte position points at the line break
/// before a record, so the record's line is that of the first byte after the
/// run of line breaks it points into. Runs are kept only until the records
/// behind them are read, which bounds this to the reader's buffer.
#[derive(Debug, Default)]
pub(super) struct Lines {
    runs: VecDeque<Run>,
    open: Option<Run>,
    offset: u64,
    /// Line breaks before the runs still kept.
    before: u64,
}

impl Lines {
    fn see(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\n' || b == b'\r' {
                let at = self.offset + i as u64;
                let run = self.open.get_or_insert(Run {
                    start: at,
                    end: at,
                    newlines: 0,
                });
                run.end = at + 1;
                run.newlines += u32::from(b == b'\n');
                i += 1;
                continue;
            }
            if let Some(run) = self.open.take() {
                self.runs.push_back(run);
            }
            // The bytes of a line are skipped in bulk to its end.
            match memchr::memchr2(b'\n', b'\r', &bytes[i..]) {
                Some(k) => i += k,
                None => break,
            }
        }
        self.offset += bytes.len() as u64;
    }

    /// The 1-based line of the record the csv crate places at byte `pos`.
    pub(super) fn line_at(&mut self, pos: u64) -> u32 {
        while let Some(run) = self.runs.front().copied() {
            if run.start <= pos {
                self.before += u64::from(run.newlines);
                self.runs.pop_front();
            } else {
                break;
            }
        }
        u32::try_from(self.before + 1).unwrap_or(u32::MAX)
    }
}

/// Passes bytes through to the csv reader, noting the line breaks.
pub(super) struct Counting<R> {
    pub(super) inner: R,
    pub(super) lines: Rc<RefCell<Lines>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.lines.borrow_mut().see(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_lines_survive_crlf_blank_lines_and_quoted_breaks() {
        let input = "\u{feff}a,b\r\nx,y\r\n\r\n\r\nz,w\r\n\"q\r\nq\",e\r\n\nlast,1\n";
        let lines = Rc::new(RefCell::new(Lines::default()));
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(16)
            .from_reader(Counting {
                inner: input.as_bytes(),
                lines: lines.clone(),
            });
        let mut rec = csv::ByteRecord::new();
        let mut got = Vec::new();
        while r.read_byte_record(&mut rec).unwrap() {
            got.push(lines.borrow_mut().line_at(rec.position().unwrap().byte()));
        }
        assert_eq!(got, [1, 2, 5, 6, 9]);
    }
}

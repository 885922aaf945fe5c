//! A byte-level reader of CSV records, for the two files greenbatch reads by
//! the million: manifests and the results file. The input is streamed
//! through a fixed buffer and each record is split where its commas and line
//! ends are, copying a field only when it spans two reads or is quoted.
//!
//! It reads exactly what the `csv` crate reads with greenbatch's settings
//! (no headers, flexible, `,`, `"` with `""`, any of `\n`, `\r`, `\r\n` ends
//! a record, empty lines skipped), records and positions alike: it follows
//! `csv-core`'s own state machine, and a test holds the two to the same
//! records on any input. Why not the `csv` crate: its general machine was a
//! third of a rerun's instructions over a million-row file and a sixth of a
//! manifest's validation, and most bytes of either file are plain field
//! bytes that `memchr` skips in bulk. It also tells each record's physical
//! line, which the `csv` crate's position does not (it points at the line
//! break before the record and miscounts after blank lines).

use std::io::{self, Read};

/// Where a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    /// The `csv` crate's position: its line (1 plus the `\n`s before the
    /// end of the previous record) and byte (just after that end).
    pub line: u64,
    pub byte: u64,
    /// The 1-based physical line of the record's first byte.
    pub physical: u64,
}

/// A record's fields, however they are held.
pub(crate) trait Fields {
    fn count(&self) -> usize;
    fn field(&self, i: usize) -> &[u8];
}

impl Fields for csv::ByteRecord {
    fn count(&self) -> usize {
        self.len()
    }
    fn field(&self, i: usize) -> &[u8] {
        &self[i]
    }
}

/// The most fields a line is split into in place; a line with more goes
/// through a `csv::ByteRecord`.
const MAX_IN_PLACE: usize = 16;

/// A plain line's fields, as ranges of the line itself: no copy.
struct InPlace<'a> {
    line: &'a [u8],
    /// `ranges[i]` is field `i` (the line is within the buffer, so its
    /// offsets fit in 32 bits); the ranges live in [`Tokens`], reused, so
    /// that no per-record array is built and moved.
    ranges: &'a [(u32, u32)],
}

impl Fields for InPlace<'_> {
    fn count(&self) -> usize {
        self.ranges.len()
    }
    fn field(&self, i: usize) -> &[u8] {
        let (from, to) = self.ranges[i];
        &self.line[from as usize..to as usize]
    }
}

/// Calls `found` with the index of each `,` in `line`, in order, until it
/// says stop. Eight bytes at a time: a word's commas are found with the
/// exact zero-byte test, which beats a vector search restarted per comma
/// on fields this short.
fn each_comma(line: &[u8], mut found: impl FnMut(usize) -> bool) {
    const COMMAS: u64 = 0x2c2c_2c2c_2c2c_2c2c;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut chunks = line.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ COMMAS;
        // The high bit of each byte that was a comma (now zero), exactly.
        let mut zero = !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
        while zero != 0 {
            if !found(base + zero.trailing_zeros() as usize / 8) {
                return;
            }
            zero &= zero - 1;
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b',' && !found(base + i) {
            return;
        }
    }
}

/// How much is read at a time.
const CHUNK: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    /// A `"` inside a quoted field: a second one, or its end.
    QuoteInQuoted,
}

/// The records of a reader.
pub(crate) struct Tokens<R> {
    input: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    /// Bytes before `buf[0]`.
    consumed: u64,
    /// Lines started so far (1 plus the `\n`s consumed).
    line: u64,
    /// The physical line of the record under way.
    physical: u64,
    state: State,
    /// Where the current field's bytes in `buf` begin, while they are there.
    from: Option<usize>,
    /// The current field's bytes saved so far (across reads, or unescaped).
    field: Vec<u8>,
    /// The fields of the line split in place.
    ranges: [(u32, u32); MAX_IN_PLACE],
    saved: bool,
    /// The last byte of the input, and how many bytes there were.
    pub last: Option<u8>,
    pub total: u64,
}

impl<R: Read> Tokens<R> {
    pub(crate) fn new(input: R) -> Tokens<R> {
        Tokens {
            input,
            buf: vec![0; CHUNK].into_boxed_slice(),
            pos: 0,
            len: 0,
            consumed: 0,
            line: 1,
            physical: 1,
            state: State::StartRecord,
            from: None,
            field: Vec::new(),
            ranges: [(0, 0); MAX_IN_PLACE],
            saved: false,
            last: None,
            total: 0,
        }
    }

    /// Reads the next chunk, saving the current field's bytes first;
    /// `false` at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if let Some(from) = self.from {
            self.field.extend_from_slice(&self.buf[from..self.len]);
            self.saved = true;
            self.from = Some(0);
        }
        self.consumed += self.len as u64;
        self.pos = 0;
        self.len = 0;
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.len = n;
                    self.last = Some(self.buf[n - 1]);
                    self.total += n as u64;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Starts a field whose bytes begin at `at`.
    fn begin_field(&mut self, at: usize) {
        self.field.clear();
        self.saved = false;
        self.from = Some(at);
    }

    /// Ends the current field at `to` (exclusive) and adds it to `record`.
    fn end_field(&mut self, record: &mut csv::ByteRecord, to: usize) {
        match (self.from.take(), self.saved) {
            (Some(from), false) => record.push_field(&self.buf[from..to]),
            (Some(from), true) => {
                self.field.extend_from_slice(&self.buf[from..to]);
                record.push_field(&self.field);
            }
            (None, _) => record.push_field(&self.field),
        }
        self.field.clear();
        self.saved = false;
    }

    /// The common case in one go: the record is one whole line in the
    /// buffer, with no quote and no `\r` in it (a row without an error text,
    /// or with one that has no comma): split at its commas, found in bulk.
    /// `false` leaves everything to the state machine.
    fn plain_line(&mut self, record: &mut csv::ByteRecord) -> bool {
        let rest = &self.buf[self.pos..self.len];
        let Some(end) = memchr::memchr(b'\n', rest) else {
            return false;
        };
        let line = &rest[..end];
        if line.is_empty() || memchr::memchr2(b'"', b'\r', line).is_some() {
            return false;
        }
        let mut from = 0;
        for comma in memchr::memchr_iter(b',', line) {
            record.push_field(&line[from..comma]);
            from = comma + 1;
        }
        record.push_field(&line[from..]);
        self.physical = self.line;
        self.pos += end + 1;
        self.line += 1;
        true
    }

    /// Hands the next record to `take` with its (line, byte) position and
    /// returns what `take` made of it; `None` when the input holds no more.
    /// A plain line is handed over in place, without a copy; any other
    /// record through `record`.
    pub(crate) fn next_with<T>(
        &mut self,
        record: &mut csv::ByteRecord,
        take: &mut dyn FnMut(&dyn Fields, At) -> T,
    ) -> io::Result<Option<T>> {
        let (line, byte) = (self.line, self.consumed + self.pos as u64);
        if let Some((end, fields)) = self.split_in_place() {
            let physical = line;
            let made = take(
                &fields,
                At {
                    line,
                    byte,
                    physical,
                },
            );
            self.pos += end + 1;
            self.line += 1;
            return Ok(Some(made));
        }
        if !self.next(record)? {
            return Ok(None);
        }
        let p = record.position().expect("set by next");
        let at = At {
            line: p.line(),
            byte: p.byte(),
            physical: self.physical,
        };
        Ok(Some(take(&*record, at)))
    }

    /// The record at `pos` split in place, when it is a whole plain line of
    /// at most [`MAX_IN_PLACE`] fields in the buffer; with its length.
    fn split_in_place(&mut self) -> Option<(usize, InPlace<'_>)> {
        let rest = &self.buf[self.pos..self.len];
        let end = memchr::memchr(b'\n', rest)?;
        let line = &rest[..end];
        if line.is_empty() || memchr::memchr2(b'"', b'\r', line).is_some() {
            return None;
        }
        let ranges = &mut self.ranges;
        let (mut count, mut from) = (0, 0);
        let mut room = true;
        each_comma(line, |comma| {
            if count + 1 == MAX_IN_PLACE {
                room = false;
                return false;
            }
            ranges[count] = (from as u32, comma as u32);
            count += 1;
            from = comma + 1;
            true
        });
        if !room {
            return None;
        }
        ranges[count] = (from as u32, line.len() as u32);
        count += 1;
        let fields = InPlace {
            line,
            ranges: &ranges[..count],
        };
        Some((end, fields))
    }

    /// Reads the next record into `record`, positioned where the `csv`
    /// crate positions it (just after the previous record's terminator);
    /// `false` when the input holds no more.
    pub(crate) fn next(&mut self, record: &mut csv::ByteRecord) -> io::Result<bool> {
        record.clear();
        let mut position = csv::Position::new();
        position
            .set_byte(self.consumed + self.pos as u64)
            .set_line(self.line);
        record.set_position(Some(position));
        self.state = State::StartRecord;
        if self.plain_line(record) {
            return Ok(true);
        }
        loop {
            if self.pos == self.len && !self.fill()? {
                // The end of the input ends the record that is under way.
                return Ok(match self.state {
                    State::StartRecord => false,
                    _ => {
                        if self.state == State::StartField {
                            // After a final comma: one more, empty field.
                            self.begin_field(self.pos);
                        }
                        self.end_field(record, self.pos);
                        true
                    }
                });
            }
            match self.state {
                State::StartRecord => match self.buf[self.pos] {
                    b'\n' => {
                        self.line += 1;
                        self.pos += 1;
                    }
                    b'\r' => self.pos += 1,
                    _ => {
                        self.physical = self.line;
                        self.state = State::StartField;
                    }
                },
                State::StartField => {
                    if self.buf[self.pos] == b'"' {
                        self.pos += 1;
                        self.begin_field(self.pos);
                        self.state = State::InQuoted;
                    } else {
                        self.begin_field(self.pos);
                        self.state = State::InField;
                    }
                }
                State::InField => {
                    let rest = &self.buf[self.pos..self.len];
                    let i = memchr::memchr3(b',', b'\n', b'\r', rest)
                        .map_or(self.len, |at| self.pos + at);
                    self.pos = i;
                    if i == self.len {
                        continue;
                    }
                    let b = self.buf[i];
                    self.end_field(record, i);
                    self.pos = i + 1;
                    if b == b',' {
                        self.state = State::StartField;
                    } else {
                        self.line += u64::from(b == b'\n');
                        return Ok(true);
                    }
                }
                State::InQuoted => {
                    let mut i = self.pos;
                    loop {
                        let rest = &self.buf[i..self.len];
                        i = memchr::memchr2(b'"', b'\n', rest).map_or(self.len, |at| i + at);
                        if i < self.len && self.buf[i] == b'\n' {
                            self.line += 1;
                            i += 1;
                            continue;
                        }
                        break;
                    }
                    self.pos = i;
                    if i == self.len {
                        continue;
                    }
                    // A quote: save the field so far, without it.
                    let from = self.from.take().unwrap_or(i);
                    self.field.extend_from_slice(&self.buf[from..i]);
                    self.saved = true;
                    self.pos = i + 1;
                    self.state = State::QuoteInQuoted;
                }
                State::QuoteInQuoted => {
                    let b = self.buf[self.pos];
                    match b {
                        b'"' => {
                            self.field.push(b'"');
                            self.pos += 1;
                            self.from = Some(self.pos);
                            self.state = State::InQuoted;
                        }
                        b',' => {
                            self.end_field(record, self.pos);
                            self.pos += 1;
                            self.state = State::StartField;
                        }
                        b'\n' | b'\r' => {
                            self.end_field(record, self.pos);
                            self.pos += 1;
                            self.line += u64::from(b == b'\n');
                            return Ok(true);
                        }
                        _ => {
                            // Bytes after the closing quote join the field.
                            self.from = Some(self.pos);
                            self.state = State::InField;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record (fields and position) the `csv` crate reads from `data`.
    fn by_csv(data: &[u8]) -> Vec<(Vec<Vec<u8>>, u64, u64)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut record = csv::ByteRecord::new();
        let mut out = vec![];
        while reader.read_byte_record(&mut record).unwrap() {
            let p = record.position().unwrap();
            out.push((
                record.iter().map(<[u8]>::to_vec).collect(),
                p.byte(),
                p.line(),
            ));
        }
        out
    }

    /// The physical line of the record the `csv` crate places at `byte`:
    /// that of the first byte after the line breaks there, counted by hand.
    fn physical_line(data: &[u8], byte: u64) -> u64 {
        let mut k = byte as usize;
        while k < data.len() && matches!(data[k], b'\r' | b'\n') {
            k += 1;
        }
        1 + data[..k].iter().filter(|b| **b == b'\n').count() as u64
    }

    /// A reader that hands out at most `.1` bytes a read.
    struct Dribble<'a>(&'a [u8], usize);

    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// The same from [`Tokens`], reading `chunk` bytes at a time.
    fn by_tokens(data: &[u8], chunk: usize) -> Vec<(Vec<Vec<u8>>, u64, u64)> {
        let mut tokens = Tokens::new(Dribble(data, chunk));
        let mut record = csv::ByteRecord::new();
        let mut out = vec![];
        while tokens.next(&mut record).unwrap() {
            let p = record.position().unwrap();
            out.push((
                record.iter().map(<[u8]>::to_vec).collect(),
                p.byte(),
                p.line(),
            ));
        }
        assert_eq!(tokens.total, data.len() as u64);
        assert_eq!(tokens.last, data.last().copied());
        out
    }

    /// The same through [`Tokens::next_with`], in place where it can; each
    /// record's physical line is checked against one counted by hand.
    fn by_fields(data: &[u8], chunk: usize) -> Vec<(Vec<Vec<u8>>, u64, u64)> {
        let mut tokens = Tokens::new(Dribble(data, chunk));
        let mut record = csv::ByteRecord::new();
        let mut out = vec![];
        let mut take = |f: &dyn Fields, at: At| {
            assert_eq!(
                at.physical,
                physical_line(data, at.byte),
                "{:?} at byte {}",
                String::from_utf8_lossy(data),
                at.byte
            );
            (
                (0..f.count())
                    .map(|i| f.field(i).to_vec())
                    .collect::<Vec<_>>(),
                at.byte,
                at.line,
            )
        };
        while let Some(r) = tokens.next_with(&mut record, &mut take).unwrap() {
            out.push(r);
        }
        out
    }

    fn same(data: &[u8]) {
        let expected = by_csv(data);
        for chunk in [1, 7, CHUNK] {
            assert_eq!(
                by_fields(data, chunk),
                expected,
                "{:?} by fields, chunks of {chunk}",
                String::from_utf8_lossy(data)
            );
        }
        for chunk in [1, 2, 3, 7, 64, CHUNK] {
            assert_eq!(
                by_tokens(data, chunk),
                expected,
                "{:?} in chunks of {chunk}",
                String::from_utf8_lossy(data)
            );
        }
    }

    #[test]
    fn physical_lines_survive_crlf_blank_lines_and_quoted_breaks() {
        let input = "\u{feff}a,b\r\nx,y\r\n\r\n\r\nz,w\r\n\"q\r\nq\",e\r\n\nlast,1\n";
        for chunk in [1, 3, CHUNK] {
            let mut tokens = Tokens::new(Dribble(input.as_bytes(), chunk));
            let mut record = csv::ByteRecord::new();
            let mut got = vec![];
            while let Some(line) = tokens
                .next_with(&mut record, &mut |_, at| at.physical)
                .unwrap()
            {
                got.push(line);
            }
            assert_eq!(got, [1, 2, 5, 6, 9], "chunks of {chunk}");
        }
    }

    #[test]
    fn commas_are_found_exactly() {
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..2000 {
            let len = rng.usize(0..40);
            let line: Vec<u8> = (0..len)
                .map(|_| [b',', b'a', 0x80, 0xac, 0x2d, 0x2b, 0][rng.usize(0..7)])
                .collect();
            let mut seen = vec![];
            each_comma(&line, |i| {
                seen.push(i);
                true
            });
            let expected: Vec<usize> = line
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b',')
                .map(|(i, _)| i)
                .collect();
            assert_eq!(seen, expected, "{line:?}");
        }
    }

    #[test]
    fn reads_what_the_csv_crate_reads() {
        for case in [
            "",
            "\n",
            "\n\n\r\n",
            "a",
            "a,b",
            "a,b\n",
            "a,b\r\nc\r\n",
            "a\rb\r",
            "a,\n,\n,,",
            "\"q\",x\n",
            "\"a,b\",\"c\"\"d\"\n",
            "\"multi\nline\",z\n",
            "\"x\"y,z\n",
            "\"unterminated",
            "\"a\"\"",
            "\"\"\n",
            "a\"b,c\n",
            "\n\na,b\n\nc\n",
            "x,\"\r\n\"\r\n",
            "op_id,source\n0123456789abcdef,m.csv:2\n0123456789abc",
        ] {
            same(case.as_bytes());
        }
    }

    #[test]
    fn reads_what_the_csv_crate_reads_on_random_bytes() {
        let mut rng = fastrand::Rng::with_seed(7);
        let alphabet = b"ab,\"\n\r x";
        for _ in 0..5_000 {
            let len = rng.usize(0..40);
            let data: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.usize(0..alphabet.len())])
                .collect();
            same(&data);
        }
    }
}

//! A byte-level reader of the results file's records: the file is streamed
//! through a fixed buffer and each record is split where its commas and line
//! ends are, copying a field only when it spans two reads or is quoted.
//!
//! It reads exactly what the `csv` crate reads with greenbatch's settings
//! (no headers, flexible, `,`, `"` with `""`, any of `\n`, `\r`, `\r\n` ends
//! a record, empty lines skipped), records and positions alike: it follows
//! `csv-core`'s own state machine, and a test holds the two to the same
//! records on any input. Why not the `csv` crate: its general machine was a
//! third of a rerun's instructions over a million-row file, and most bytes
//! of a results file are plain field bytes that a table lookup skips.

use std::io::{self, Read};

/// Bytes a plain field runs over: everything but `,`, `\n` and `\r`.
static STOPS_FIELD: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

/// Bytes a quoted field runs over: everything but `"` and `\n` (counted).
static STOPS_QUOTED: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

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
    state: State,
    /// Where the current field's bytes in `buf` begin, while they are there.
    from: Option<usize>,
    /// The current field's bytes saved so far (across reads, or unescaped).
    field: Vec<u8>,
    saved: bool,
    /// The last byte of the input, and how many bytes there were.
    pub last: Option<u8>,
    pub total: u64,
}

impl<R: Read> Tokens<R> {
    pub fn new(input: R) -> Tokens<R> {
        Tokens {
            input,
            buf: vec![0; CHUNK].into_boxed_slice(),
            pos: 0,
            len: 0,
            consumed: 0,
            line: 1,
            state: State::StartRecord,
            from: None,
            field: Vec::new(),
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

    /// Reads the next record into `record`, positioned where the `csv`
    /// crate positions it (just after the previous record's terminator);
    /// `false` when the input holds no more.
    pub fn next(&mut self, record: &mut csv::ByteRecord) -> io::Result<bool> {
        record.clear();
        let mut position = csv::Position::new();
        position
            .set_byte(self.consumed + self.pos as u64)
            .set_line(self.line);
        record.set_position(Some(position));
        self.state = State::StartRecord;
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
                    _ => self.state = State::StartField,
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
                    let mut i = self.pos;
                    while i < self.len && !STOPS_FIELD[self.buf[i] as usize] {
                        i += 1;
                    }
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
                        while i < self.len && !STOPS_QUOTED[self.buf[i] as usize] {
                            i += 1;
                        }
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

    /// The same from [`Tokens`], reading `chunk` bytes at a time.
    fn by_tokens(data: &[u8], chunk: usize) -> Vec<(Vec<Vec<u8>>, u64, u64)> {
        struct Dribble<'a>(&'a [u8], usize);
        impl Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
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

    fn same(data: &[u8]) {
        let expected = by_csv(data);
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

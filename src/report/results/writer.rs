//! The journal writer over any sink: one row per finished operation, handed
//! to the sink as soon as it is written, so a crash loses at most the rows
//! still in flight. It knows nothing of files, locks or fsync
//! ([`super::ResultsFile`] adds those), so tests can write into a `Vec<u8>`.

use std::io::{self, Write};

use super::row::{HEADER_LINE, ResultRow, write_row};

/// Appends result rows to `W`. The `csv::Writer` inside is the only buffer:
/// each row is encoded into it and then flushed to `W` in one `write`, which
/// for a file is one system call and no fsync.
pub struct ResultsWriter<W: Write> {
    csv: csv::Writer<W>,
    scratch: String,
    rows: u64,
}

impl<W: Write> ResultsWriter<W> {
    /// A writer appending to `sink`, which writes the header line first when
    /// `write_header` (the sink is a new or empty file).
    pub fn new(mut sink: W, write_header: bool) -> io::Result<ResultsWriter<W>> {
        if write_header {
            sink.write_all(HEADER_LINE.as_bytes())?;
            sink.flush()?;
        }
        Ok(ResultsWriter {
            csv: csv::WriterBuilder::new()
                .has_headers(false)
                // Room for a batch of rows, so a batch is one write.
                .buffer_capacity(64 * 1024)
                .from_writer(sink),
            scratch: String::with_capacity(64),
            rows: 0,
        })
    }

    /// Writes one row and flushes it to the sink.
    pub fn append(&mut self, row: &ResultRow) -> io::Result<()> {
        self.append_all(std::slice::from_ref(row))
    }

    /// Writes rows that finished together and flushes them to the sink at
    /// once: for a file, one system call for the batch instead of one per
    /// row, and nothing left behind in this writer when it returns.
    pub fn append_all(&mut self, rows: &[ResultRow]) -> io::Result<()> {
        for row in rows {
            write_row(&mut self.csv, row, &mut self.scratch)?;
            self.rows += 1;
        }
        self.csv.flush()
    }

    /// Rows appended by this writer.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The sink. Every appended row has already reached it.
    pub fn get_ref(&self) -> &W {
        self.csv.get_ref()
    }

    /// The sink back, after a final flush.
    pub fn into_inner(self) -> io::Result<W> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::greenapi::{Action, Platform};
    use crate::manifest::model::OpId;
    use crate::report::results::HEADER;
    use crate::runner::Outcome;

    pub(crate) fn sample(outcome: Outcome) -> ResultRow {
        let chat = "-10000000000000";
        ResultRow {
            op_id: OpId::new(
                Platform::Max,
                "3100309139",
                Action::Remove,
                chat,
                "10000001",
            ),
            source: "cleanup.csv:14".into(),
            action: Action::Remove,
            platform: Platform::Max,
            instance: "default".into(),
            chat_id: chat.into(),
            participant_id: "10000001".into(),
            outcome,
            error: "=cmd|' /C calc'!A0\nsecond line".into(),
            http_status: Some(200),
            attempts: 2,
            finished_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_000_000_123),
        }
    }

    #[test]
    fn writes_the_header_once_then_one_flushed_line_per_row() {
        let mut w = ResultsWriter::new(Vec::new(), true).unwrap();
        assert_eq!(w.get_ref().as_slice(), HEADER_LINE.as_bytes());
        w.append(&sample(Outcome::Done)).unwrap();
        let after_one = w.get_ref().len();
        assert!(w.get_ref().ends_with(b"\n"), "flushed per row");
        w.append(&sample(Outcome::Failed)).unwrap();
        assert!(w.get_ref().len() > after_one);
        assert_eq!(w.rows(), 2);
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(HEADER.join(",") + "\n", HEADER_LINE);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let expected = "cleanup.csv:14,remove,max,default,'-10000000000000,10000001,\
             true,done,'=cmd|' /C calc'!A0 second line,200,2,2026-11-18T11:06:40.123Z";
        let op_id = sample(Outcome::Done).op_id;
        assert_eq!(lines[1], format!("{op_id},{expected}"));
        assert!(lines[2].contains(",false,failed,"));
    }

    #[test]
    fn a_batch_is_flushed_whole_and_reads_like_single_rows() {
        let rows = [sample(Outcome::Done), sample(Outcome::Failed)];
        let mut one = ResultsWriter::new(Vec::new(), true).unwrap();
        for row in &rows {
            one.append(row).unwrap();
        }
        let mut batch = ResultsWriter::new(Vec::new(), true).unwrap();
        batch.append_all(&rows).unwrap();
        assert_eq!(batch.rows(), 2);
        assert_eq!(
            batch.get_ref(),
            one.get_ref(),
            "flushed, byte for byte the same"
        );
        batch.append_all(&[]).unwrap();
        assert_eq!(batch.rows(), 2);
    }

    #[test]
    fn no_header_when_appending_to_an_existing_file() {
        let mut w = ResultsWriter::new(Vec::new(), false).unwrap();
        w.append(&sample(Outcome::Aborted)).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert!(!text.starts_with("op_id"));
        assert_eq!(text.lines().count(), 1);
    }

    #[test]
    fn rows_round_trip_except_for_control_characters() {
        let mut rows = vec![sample(Outcome::Done), sample(Outcome::Rejected)];
        rows[1].http_status = None;
        rows[1].error = "'already quoted, with \"quotes\"".into();
        rows[1].source = "@odd name.csv:3".into();
        let mut w = ResultsWriter::new(Vec::new(), true).unwrap();
        for row in &rows {
            w.append(row).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let back: Vec<ResultRow> = reader
            .records()
            .map(|r| ResultRow::from_record(&r.unwrap()).unwrap())
            .collect();
        let mut expected = rows.clone();
        expected[0].error = expected[0].error.replace('\n', " ");
        assert_eq!(back, expected);
    }

    #[test]
    fn a_huge_error_is_cut_at_a_character_boundary() {
        let mut row = sample(Outcome::Failed);
        row.error = "é".repeat(2000);
        let mut w = ResultsWriter::new(Vec::new(), false).unwrap();
        w.append(&row).unwrap();
        let bytes = w.into_inner().unwrap();
        let record = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice())
            .records()
            .next()
            .unwrap()
            .unwrap();
        let error = ResultRow::from_record(&record).unwrap().error;
        assert!(error.len() <= super::super::row::MAX_ERROR_BYTES + '…'.len_utf8());
        assert!(error.ends_with("é…"));
    }
}

//! What spreadsheets write as "CSV" or "text": the encoding (UTF-8 with or
//! without a BOM, UTF-16 with its BOM, Excel's "Unicode Text") and the
//! separator (`,`, `;` where the decimal mark is a comma, a tab), found
//! from the file's start and made into the comma-separated UTF-8 the
//! reader takes. A plain comma-separated UTF-8 file is left to stream as
//! it is (the common case, and the one a million rows come in); the others
//! are read whole (within the size cap) and converted, their line numbers
//! kept, so every diagnostic still points at the line a person sees.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// What the start of a CSV manifest says about the whole of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// Comma-separated UTF-8: read as it streams.
    Plain,
    /// To convert: its encoding when not UTF-8, and its separator.
    Convert {
        encoding: Option<&'static Encoding>,
        separator: u8,
    },
    /// Not text greenbatch can read: why, and what to do.
    Unreadable { message: String, hint: String },
}

/// Reads the file's first bytes (`head`; the whole file when `complete`).
pub(crate) fn sniff(head: &[u8], complete: bool) -> Sniffed {
    let encoding = match Encoding::for_bom(head) {
        Some((e, _)) if e == UTF_16LE || e == UTF_16BE => Some(e),
        _ => None,
    };
    let text: Cow<'_, str> = match encoding {
        Some(e) => e.decode_with_bom_removal(head).0,
        None => match std::str::from_utf8(head) {
            Ok(t) => Cow::Borrowed(t),
            // A character cut at the end of the head is no fault.
            Err(e) if e.error_len().is_none() && !complete => {
                Cow::Borrowed(std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default())
            }
            // A stray byte is the reader's to name with its line; a file
            // full of them is in another encoding.
            Err(_) if invalid_sequences(head) < 3 => return Sniffed::Plain,
            Err(_) => return unreadable(head),
        },
    };
    let separator = separator(text.trim_start_matches('\u{feff}'));
    match (encoding, separator) {
        (None, b',') => Sniffed::Plain,
        (encoding, separator) => Sniffed::Convert {
            encoding,
            separator,
        },
    }
}

/// What was sniffed, with the separator `--delimiter` forces instead of
/// the one the header suggested; the encoding is still the file's.
pub(crate) fn forced(sniffed: Sniffed, delimiter: Option<u8>) -> Sniffed {
    match (sniffed, delimiter) {
        (sniffed, None) => sniffed,
        (unreadable @ Sniffed::Unreadable { .. }, _) => unreadable,
        // Comma-separated UTF-8 streams as it is.
        (Sniffed::Plain | Sniffed::Convert { encoding: None, .. }, Some(b',')) => Sniffed::Plain,
        (Sniffed::Plain, Some(separator)) => Sniffed::Convert {
            encoding: None,
            separator,
        },
        (Sniffed::Convert { encoding, .. }, Some(separator)) => Sniffed::Convert {
            encoding,
            separator,
        },
    }
}

/// How many byte sequences of `bytes` are no UTF-8.
fn invalid_sequences(mut bytes: &[u8]) -> usize {
    let mut n = 0;
    while let Err(e) = std::str::from_utf8(bytes) {
        n += 1;
        match e.error_len() {
            Some(len) => bytes = &bytes[e.valid_up_to() + len..],
            None => break,
        }
    }
    n
}

/// The separator of the header line: the one of `,` `;` and tab that
/// splits it into the most known columns (`action`, `chat_id`, …), a comma
/// when none does (the reader then says what is missing).
fn separator(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let known = |sep: char| {
        header
            .split(sep)
            .filter(|f| super::csv::is_column(f.trim().trim_matches('"')))
            .count()
    };
    let mut best = (b',', known(','));
    for (byte, sep) in [(b';', ';'), (b'\t', '\t')] {
        let n = known(sep);
        if n > best.1 {
            best = (byte, n);
        }
    }
    best.0
}

/// A file that is neither UTF-8 nor UTF-16: what it looks like, and the
/// `iconv` line that makes it readable.
fn unreadable(bytes: &[u8]) -> Sniffed {
    if bytes.contains(&0) {
        return Sniffed::Unreadable {
            message: "contains a NUL byte: this looks like a binary file, not a CSV manifest".into(),
            hint: "a manifest is UTF-8 or UTF-16 text (a workbook must be saved as CSV first); check that the right file was given".into(),
        };
    }
    // Cyrillic text in Windows-1251 is mostly bytes 0xC0..=0xFF; western
    // text in Windows-1252 has few of them.
    let high = bytes.iter().filter(|b| **b >= 0x80).count();
    let cyrillic = bytes.iter().filter(|b| **b >= 0xC0).count();
    let guess = if high > 0 && cyrillic * 10 >= high * 7 {
        "CP1251"
    } else {
        "CP1252"
    };
    Sniffed::Unreadable {
        message: format!(
            "is not UTF-8 text: it looks like a single-byte encoding such as {guess} (Windows {})",
            if guess == "CP1251" {
                "Cyrillic"
            } else {
                "Western"
            }
        ),
        hint: format!(
            "convert it to UTF-8, e.g. `iconv -f {guess} -t UTF-8 FILE > FILE.utf8.csv`, or save it from the spreadsheet as \"CSV UTF-8\""
        ),
    }
}

/// `bytes` (the whole file) as comma-separated UTF-8 with each record on
/// the line it started on; and how the file was read, for a note.
pub(crate) fn convert(
    bytes: &[u8],
    encoding: Option<&'static Encoding>,
    separator: u8,
) -> (Vec<u8>, String) {
    let text: Cow<'_, str> = match encoding {
        Some(e) => e.decode_with_bom_removal(bytes).0,
        None => String::from_utf8_lossy(bytes),
    };
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut builder = csv::WriterBuilder::new();
    builder
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'));
    let mut out: Vec<u8> = Vec::with_capacity(text.len() + 64);
    // Each record's line is told by where it ends (the reader's own start
    // position comes before the blank lines it skips): the newlines up to
    // its end, less its own and its terminator's. What lies between
    // records is written as that many empty lines.
    let bytes = text.as_bytes();
    let (mut at, mut newlines, mut line) = (0usize, 0u64, 1u64);
    let mut record = csv::ByteRecord::new();
    // A record the reader cannot split stops the conversion there: what
    // came before is kept, and the reader names the rest's first line.
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        let end = (reader.position().byte() as usize).clamp(at, bytes.len());
        newlines += memchr::memchr_iter(b'\n', &bytes[at..end]).count() as u64;
        at = end;
        let inside = record
            .iter()
            .map(|f| memchr::memchr_iter(b'\n', f).count() as u64)
            .sum::<u64>();
        let terminated = u64::from(end > 0 && bytes[end - 1] == b'\n');
        let starts = (1 + newlines).saturating_sub(inside + terminated).max(line);
        // Blank lines, as blank as they were (an empty record would be a
        // row of one empty field).
        out.extend((line..starts).map(|_| b'\n'));
        line = line.max(starts);
        let mut w = builder.from_writer(std::mem::take(&mut out));
        let _ = w.write_byte_record(&record);
        out = w.into_inner().unwrap_or_default();
        line += 1 + inside;
    }
    let converted = out;
    let how = match (encoding, separator) {
        (Some(e), s) => format!("read as {} text, separated by {}", e.name(), shown(s)),
        (None, s) => format!(
            "read as separated by {}, as spreadsheets write where the decimal mark is a comma",
            shown(s)
        ),
    };
    (converted, how)
}

fn shown(separator: u8) -> &'static str {
    match separator {
        b';' => "semicolons (`;`)",
        b'\t' => "tabs",
        b'|' => "bars (`|`)",
        _ => "commas",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn the_separator_is_the_one_that_names_the_columns() {
        assert_eq!(
            sniff(b"action,chat_id,participant_id\n", true),
            Sniffed::Plain
        );
        assert_eq!(
            sniff(b"\xEF\xBB\xBFaction;chat_id;participant_id\r\n", true),
            Sniffed::Convert {
                encoding: None,
                separator: b';'
            }
        );
        assert_eq!(
            sniff(&utf16le("action\tchat_id\tparticipant_id\r\n"), true),
            Sniffed::Convert {
                encoding: Some(UTF_16LE),
                separator: b'\t'
            }
        );
        // A comma inside a semicolon file's values does not fool it.
        assert_eq!(
            sniff(b"action;chat_id;participant_id\nremove;1,2;3\n", true),
            Sniffed::Convert {
                encoding: None,
                separator: b';'
            }
        );
    }

    #[test]
    fn a_forced_separator_overrides_the_header_but_not_the_encoding() {
        let semicolons = sniff(b"action;chat_id;participant_id\n", true);
        assert_eq!(forced(semicolons.clone(), None), semicolons);
        assert_eq!(
            forced(Sniffed::Plain, Some(b'|')),
            Sniffed::Convert {
                encoding: None,
                separator: b'|'
            }
        );
        assert_eq!(forced(semicolons, Some(b',')), Sniffed::Plain);
        let utf16 = sniff(&utf16le("action\tchat_id\tparticipant_id\n"), true);
        assert_eq!(
            forced(utf16, Some(b';')),
            Sniffed::Convert {
                encoding: Some(UTF_16LE),
                separator: b';'
            }
        );
    }

    #[test]
    fn a_conversion_keeps_each_record_on_its_line() {
        let (out, how) = convert(
            b"action;chat_id;participant_id\r\n\r\nremove;\"a;b\";c\r\n",
            None,
            b';',
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "action,chat_id,participant_id\n\nremove,a;b,c\n"
        );
        assert!(how.contains("semicolons"), "{how}");
    }

    #[test]
    fn a_single_byte_file_is_named_with_its_iconv_line() {
        let cp1251 = b"action,chat_id,participant_id\n\xd3\xe4\xe0\xeb\xe8\xf2\xfc,1,2\n";
        match sniff(cp1251, true) {
            Sniffed::Unreadable { message, hint } => {
                assert!(message.contains("CP1251"), "{message}");
                assert!(hint.contains("iconv -f CP1251 -t UTF-8"), "{hint}");
            }
            other => panic!("{other:?}"),
        }
        // A character cut at the end of the head is not an error.
        let euro = "action,chat_id,participant_id\n€".as_bytes();
        assert_eq!(sniff(&euro[..euro.len() - 1], false), Sniffed::Plain);
    }
}

//! The properties the fuzz targets check, in one place: `fuzz/` runs them on
//! generated inputs, and the integration test `fuzz_replay` runs them on the
//! committed seeds and regressions, so a crash found once is checked the same
//! way without cargo-fuzz. Each function panics when its property breaks.
//! `delimited` and `workbook` cover what spreadsheets write: the separator
//! sniffing and UTF-16 conversion, and calamine's workbook input.
#![doc(hidden)]

use crate::greenapi::Action;
use crate::greenapi::client::RawAnswer;
use crate::manifest::{InputFormat, Loaded, Rejected, load_bytes, load_bytes_with, text};
use crate::report::results::scan_bytes;
use crate::runner::classify::{Verdict, classify};

/// The environment the manifest targets load with: `default` configured,
/// no token (validation needs none).
fn env(k: &str) -> Option<String> {
    match k {
        "GREEN_API_URL" => Some("http://127.0.0.1:7700".to_owned()),
        "GREEN_API_ID_INSTANCE" => Some("1101000001".to_owned()),
        _ => None,
    }
}

/// The longest a diagnostic may be shown: a huge value in the input is cut,
/// never echoed whole (a 100 kB ID once came back as a 100 kB error line).
const MAX_DIAGNOSTIC: usize = 2048;

/// Any bytes as a manifest: loaded, or refused with at least one error;
/// every operation's line lies inside the input; every diagnostic is short
/// and free of control characters.
pub fn manifest(data: &[u8], format: InputFormat) {
    let lines = data.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    loaded_or_refused(load_bytes("f", data, format, &env), lines);
}

/// Any bytes as delimited text, the first byte picking a separator to
/// force (or none): the sniffing and the UTF-16 and separator conversion
/// never panic and make UTF-8, and the manifest loads or is refused as
/// [`manifest`] says. A lone CR ends a line here too (the conversion
/// reads it as a spreadsheet's old line end).
pub fn delimited(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let delimiter = [None, Some(b','), Some(b';'), Some(b'\t'), Some(b'|')][usize::from(pick) % 5];
    for complete in [true, false] {
        let sniffed = text::forced(text::sniff(rest, complete), delimiter);
        if let text::Sniffed::Convert {
            encoding,
            separator,
        } = sniffed
        {
            let (converted, how) = text::convert(rest, encoding, separator);
            assert!(std::str::from_utf8(&converted).is_ok(), "not UTF-8");
            assert!(!how.is_empty());
        }
    }
    let breaks = rest
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && rest.get(i + 1) != Some(&b'\n')))
        .count();
    let result = load_bytes_with("f", rest, InputFormat::Csv, delimiter, &env);
    loaded_or_refused(result, breaks as u32 + 1);
}

/// Any bytes as a workbook (calamine's input): loaded, or refused with at
/// least one error, never a panic or a grid too big for memory; every
/// operation is at a cell of a sheet.
pub fn workbook(data: &[u8]) {
    let result = load_bytes("f.xlsx", data, InputFormat::Workbook, &env);
    if let Ok(loaded) = &result {
        assert!(loaded.operations.iter().all(|o| o.source.cell.is_some()));
    }
    loaded_or_refused(result, u32::MAX);
}

/// What every manifest, whatever its format, must be: loaded with each
/// operation's line at most `lines`, or refused with an error; its
/// diagnostics short and free of control characters.
fn loaded_or_refused(result: Result<Loaded, Rejected>, lines: u32) {
    let diagnostics = match result {
        Ok(loaded) => {
            assert!(loaded.operations.iter().all(|o| o.source.line <= lines));
            loaded.diagnostics
        }
        Err(rejected) => {
            assert!(rejected.diagnostics.iter().any(|d| d.is_error()));
            rejected.diagnostics
        }
    };
    for d in &diagnostics {
        let shown = d.to_string();
        assert!(
            shown.len() <= MAX_DIAGNOSTIC,
            "a {} byte diagnostic",
            shown.len()
        );
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "control characters in {shown:?}"
        );
    }
}

/// Any bytes as a results file: read, or refused with a short message; a
/// torn line ends the input, and the rows counted cover every operation kept.
pub fn results(data: &[u8]) {
    match scan_bytes(data) {
        Ok(prior) => {
            assert!(prior.rows >= prior.latest.len() as u64);
            if let Some(torn) = prior.torn {
                assert_eq!(torn.offset + torn.bytes, data.len() as u64);
            }
        }
        Err(why) => {
            assert!(!why.trim().is_empty(), "refused without a reason");
            assert!(why.len() <= MAX_DIAGNOSTIC, "a {} byte refusal", why.len());
        }
    }
}

/// Any answer to any action: classified, and the text kept for results and
/// messages stays short whatever the body's size. The first three bytes pick
/// the action and a status clustered where the classifier decides.
pub fn answer(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let action = Action::ALL[data[0] as usize % 4];
    let status = match data[1] % 4 {
        0 => 200,
        1 => 400 + u16::from(data[2] % 100),
        2 => 500 + u16::from(data[2] % 100),
        _ => u16::from_be_bytes([data[1], data[2]]) % 1000,
    };
    let answer = Ok(RawAnswer {
        status,
        body: data[3..].to_vec(),
        retry_after: None,
    });
    let text = match classify(action, &answer) {
        Verdict::Done => String::new(),
        Verdict::Rejected { error } => error,
        Verdict::Transient { reason, .. } | Verdict::Fatal { reason } => reason,
    };
    assert!(text.len() < 1024, "{} bytes", text.len());
}

//! Workbook manifests: a sheet's rows go through the CSV reader's own
//! column logic ([`super::csv::columns`], [`super::csv::Columns::row`]),
//! so a workbook has the same columns, aliases and diagnostics as a CSV
//! file, each diagnostic pointing at its cell (`bans.xlsx:Sheet1!B14`).
//!
//! What the cells hold becomes text through [`crate::workbook::cell`]: a
//! cell a spreadsheet may have changed (a long number, a fraction, a date)
//! is an error at that cell when its column is one greenbatch reads, and
//! nothing at all when it is not.

use std::borrow::Cow;

use super::Diagnostic;
use super::csv::{self, Flow};
use super::validate::{SheetPlace, Validator};
use crate::records::Fields;
use crate::workbook::{self, Row, cell};

/// One row's cells as text, in the shape the CSV reader takes.
struct Texts<'a>(Vec<Cow<'a, str>>);

impl Fields for Texts<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn field(&self, i: usize) -> &[u8] {
        self.0[i].as_bytes()
    }
}

/// Reads the workbook in `bytes` (its sheet `wanted`, else the first) into
/// `v`; `max_size` is the manifest's size cap, which bounds what a zipped
/// workbook may unpack to.
pub(super) fn read(bytes: &[u8], wanted: Option<&str>, max_size: u64, v: &mut Validator) {
    let sheet = match workbook::open(bytes, wanted, max_size) {
        Ok(sheet) => sheet,
        Err(p) => {
            let d = Diagnostic::error(None, format!("{} {}", v.file, p.message)).hint(p.hint);
            return v.report(d);
        }
    };
    v.sheet = Some(SheetPlace::new(sheet.name.clone(), sheet.first_column()));
    let mut rows = sheet.rows();
    let Some(header) = rows.next() else {
        let d = Diagnostic::error(v.at(1), format!("sheet `{}` is empty", sheet.name)).hint(
            "the first row names the columns: action, chat_id, participant_id and optionally instance",
        );
        return v.report(d);
    };
    // Cells right of the header's last are in no column, as in CSV: a
    // row is read as wide as the header, however far its cells go.
    let width = header.width();
    let header_row = header.number;
    let header: Vec<Vec<u8>> = (0..width)
        .map(|i| {
            cell::text(header.get(i))
                .unwrap_or_default()
                .into_owned()
                .into_bytes()
        })
        .collect();
    let Some(columns) = csv::columns(&header, header_row, v) else {
        return;
    };
    let first = sheet.first_column();
    let named: Vec<(&'static str, usize)> = columns.named().collect();
    if let Some(place) = v.sheet.as_mut() {
        place.set_columns(
            named
                .iter()
                .map(|(name, i)| (*name, first.saturating_add(*i as u32))),
        );
    }
    for row in rows {
        let Some(texts) = texts(&row, width, &named, v) else {
            continue;
        };
        if let Flow::Stop = columns.row(&texts, row.number, v) {
            break;
        }
    }
}

/// A row's cells as text; `None` when a cell of a column greenbatch reads
/// holds what cannot be one (reported at that cell). Cells of the other
/// columns are read as nothing: whatever they hold is not used.
fn texts<'c>(
    row: &Row<'c>,
    width: usize,
    named: &[(&'static str, usize)],
    v: &mut Validator,
) -> Option<Texts<'c>> {
    let mut out = Vec::with_capacity(width);
    let mut refused = false;
    for i in 0..width {
        match cell::text(row.get(i)) {
            Ok(t) => out.push(t),
            Err(p) => {
                if let Some((field, _)) = named.iter().find(|(_, at)| *at == i) {
                    let d = Diagnostic::error(v.at(row.number), p.message)
                        .field(*field)
                        .hint(p.hint);
                    v.report(d);
                    refused = true;
                }
                out.push(Cow::Borrowed(""));
            }
        }
    }
    (!refused).then_some(Texts(out))
}

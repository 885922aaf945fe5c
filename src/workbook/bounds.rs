//! What a workbook may cost before calamine opens it. The size cap bounds
//! a file's packed bytes only, and calamine holds some things whole:
//!
//! - a zipped workbook's parts unpack, all of them, to at most
//!   [`UNPACK_FACTOR`] times `--max-manifest-size`, judged from the sizes
//!   its zip directory declares (the zip reader stops each part at its
//!   declared size, so a part that lies only cuts itself short): a 3 MB
//!   `.xlsx` with 3 GB of shared strings took 12 GB before any cell was
//!   read;
//! - an `.ods` is laid out whole, every sheet, as calamine's grid, where a
//!   cell repeated across a row (`number-columns-repeated`) or two cells
//!   a million rows apart unfold into millions of cells: an 831-byte file
//!   took 5.7 GB. Its `content.xml` is read once, streaming, to add up
//!   what that grid will hold, within the same bound.
//!
//! An `.xls` (a compound file, not a zip) is left to calamine, which lays
//! it out whole with no bound of its own; the README says so.

use std::io::{BufReader, Cursor};

use calamine::Data;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::Problem;

/// How many times `--max-manifest-size` a workbook may take unpacked or
/// laid out. XML spreadsheets pack five to ten times.
const UNPACK_FACTOR: u64 = 16;

/// What calamine keeps for an `.ods` cell: its value and its formula.
const CELL_BYTES: u64 = (size_of::<Data>() + size_of::<String>()) as u64;

/// The rows and columns calamine's `.ods` reader stops repeats at.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// Refuses the workbook in `bytes` when it would take more than
/// [`UNPACK_FACTOR`] times `max_size` unpacked or, an `.ods`, laid out.
pub(super) fn check(bytes: &[u8], max_size: u64) -> Result<(), Problem> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let cap = max_size.saturating_mul(UNPACK_FACTOR);
    let mut total = 0u64;
    for i in 0..zip.len() {
        // A part that cannot be listed is calamine's to report.
        if let Ok(part) = zip.by_index_raw(i) {
            total = total.saturating_add(part.size());
        }
        if total > cap {
            return Err(too_big("unpacks to more than", cap));
        }
    }
    // An OpenDocument spreadsheet keeps its sheets in content.xml; a
    // broken one is calamine's to report.
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(());
    };
    match ods_layout(BufReader::new(content), cap) {
        Some(bytes) if bytes > cap => Err(too_big("lays its sheets out in more than", cap)),
        _ => Ok(()),
    }
}

/// The refusal of a workbook that would take more than `cap`.
fn too_big(what: &str, cap: u64) -> Problem {
    Problem {
        message: format!(
            "{what} {} ({UNPACK_FACTOR} times --max-manifest-size): a list of people is far smaller",
            crate::words::size(cap)
        ),
        hint: "check that the right file was given; if it is, raise --max-manifest-size, or save it as .xlsx (read cell by cell) or \"CSV UTF-8\"".to_owned(),
    }
}

/// One sheet's layout so far: its rows, and the span of those that hold
/// something (calamine's grid runs from the first to the last of them,
/// between the leftmost and the rightmost cell that holds something).
struct Table {
    rows: u64,
    first: Option<u64>,
    end: u64,
    left: u64,
    right: u64,
    /// The text of the rows that hold something, once per repeat.
    text: u64,
}

/// One row so far: its repeats, where its cells reach, and their text.
#[derive(Default)]
struct Row {
    repeats: u64,
    columns: u64,
    first: Option<u64>,
    end: u64,
    text: u64,
}

/// One cell so far: its repeats, whether calamine keeps a value or a
/// formula for it, and the text it holds.
struct OdsCell {
    repeats: u64,
    holds: bool,
    text: u64,
}

/// About how many bytes calamine's `.ods` reader will hold for the
/// sheets in `content`: each row's cells as read (up to the last that
/// holds something), then each sheet's grid, repeats unfolded. Stops as
/// soon as it passes `cap`; `None` when the XML cannot be read (calamine
/// reports that).
fn ods_layout(content: impl std::io::BufRead, cap: u64) -> Option<u64> {
    let mut reader = Reader::from_reader(content);
    reader.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    let (mut total, mut table, mut row, mut cell) = (0u64, None::<Table>, Row::default(), None);
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => match e.name().as_ref() {
                "table:table" => {
                    table = Some(Table {
                        rows: 0,
                        first: None,
                        end: 0,
                        left: u64::MAX,
                        right: 0,
                        text: 0,
                    })
                }
                "table:table-row" => {
                    let left = MAX_ROWS.saturating_sub(table.as_ref().map_or(0, |t| t.rows));
                    row = Row {
                        repeats: repeats(&e, "table:number-rows-repeated").min(left),
                        ..Row::default()
                    };
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let left = MAX_COLUMNS.saturating_sub(row.columns);
                    cell = Some(OdsCell {
                        repeats: repeats(&e, "table:number-columns-repeated").min(left),
                        holds: holds(&e),
                        text: attr_text(&e),
                    });
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some(c) = &mut cell {
                    c.text = c.text.saturating_add(t.len() as u64);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    if let Some(c) = cell.take() {
                        row.cell(&c);
                    }
                }
                "table:table-row" => {
                    total = total.saturating_add(row.end.saturating_mul(CELL_BYTES) + row.text);
                    if let Some(t) = &mut table {
                        t.row(&row);
                    }
                }
                "table:table" => {
                    total = total.saturating_add(table.take().map_or(0, |t| t.grid()));
                }
                _ => {}
            },
            Event::Eof => return Some(total),
            _ => {}
        }
        let open = table.as_ref().map_or(0, Table::grid);
        if total.saturating_add(open) > cap {
            return Some(total.saturating_add(open));
        }
        buf.clear();
    }
}

impl Row {
    /// A cell read: calamine keeps every cell up to the last that holds
    /// something, and a value's text once per repeat.
    fn cell(&mut self, c: &OdsCell) {
        if c.holds {
            self.first.get_or_insert(self.columns);
            self.end = self.columns + c.repeats;
            self.text = self.text.saturating_add(c.repeats.saturating_mul(c.text));
        }
        self.columns += c.repeats;
    }
}

impl Table {
    /// A row read: a row that holds something widens the grid and carries
    /// it down to its last repeat.
    fn row(&mut self, row: &Row) {
        if let Some(first) = row.first {
            self.first.get_or_insert(self.rows);
            self.end = self.rows + row.repeats;
            self.left = self.left.min(first);
            self.right = self.right.max(row.end);
            self.text = self
                .text
                .saturating_add(row.repeats.saturating_mul(row.text));
        }
        self.rows += row.repeats;
    }

    /// The bytes of this sheet's grid as laid out so far.
    fn grid(&self) -> u64 {
        let Some(first) = self.first else { return 0 };
        let cells = (self.end - first).saturating_mul(self.right.saturating_sub(self.left));
        cells.saturating_mul(CELL_BYTES).saturating_add(self.text)
    }
}

/// A repeat count (1 when not given or not a number).
fn repeats(e: &BytesStart<'_>, name: &str) -> u64 {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
}

/// Whether calamine keeps a value or a formula for the cell: a value
/// type, a value or a formula given (erring towards yes).
fn holds(e: &BytesStart<'_>) -> bool {
    e.attributes().with_checks(false).flatten().any(|a| {
        matches!(
            a.key.as_ref(),
            "office:value-type"
                | "office:value"
                | "office:string-value"
                | "office:date-value"
                | "office:time-value"
                | "office:boolean-value"
                | "table:formula"
        )
    })
}

/// The text a cell's attributes give calamine to keep: its string value
/// and its formula.
fn attr_text(e: &BytesStart<'_>) -> u64 {
    e.attributes()
        .with_checks(false)
        .flatten()
        .filter(|a| matches!(a.key.as_ref(), "office:string-value" | "table:formula"))
        .map(|a| a.value.len() as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `content.xml` of one sheet with `rows` (each a row's XML).
    fn content(rows: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="S">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        )
    }

    fn layout(rows: &str) -> u64 {
        ods_layout(content(rows).as_bytes(), u64::MAX).unwrap()
    }

    const X: &str =
        r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;
    const EMPTY: &str = "<table:table-cell/>";

    #[test]
    fn a_small_sheet_costs_its_cells() {
        // Two rows of two cells: read once (4 cells) and laid out (4).
        let row = format!("<table:table-row>{X}{X}</table:table-row>");
        assert_eq!(layout(&row.repeat(2)), 8 * CELL_BYTES + 8);
    }

    #[test]
    fn trailing_blank_rows_and_cells_cost_nothing() {
        // What LibreOffice writes after the last used cell.
        let rows = format!(
            "<table:table-row>{X}<table:table-cell table:number-columns-repeated=\"1023\"/></table:table-row><table:table-row table:number-rows-repeated=\"1048575\">{EMPTY}</table:table-row>"
        );
        assert_eq!(layout(&rows), 2 * CELL_BYTES + 2);
    }

    #[test]
    fn cells_far_apart_unfold_into_the_grid_between_them() {
        let rows = format!(
            "<table:table-row>{X}</table:table-row><table:table-row table:number-rows-repeated=\"1000000\">{EMPTY}</table:table-row><table:table-row><table:table-cell table:number-columns-repeated=\"90\"/>{X}</table:table-row>"
        );
        // 1,000,002 rows by 91 columns in the grid, 1 + 91 cells read.
        let grid = 1_000_002 * 91;
        assert_eq!(layout(&rows), (grid + 92) * CELL_BYTES + 2 + 2);
        // And a cap far below stops the reading early.
        assert!(ods_layout(content(&rows).as_bytes(), 1 << 20).unwrap() > 1 << 20);
    }

    #[test]
    fn a_repeated_value_counts_its_text_each_time() {
        let rows = r#"<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="5" office:value-type="string" office:string-value="abcd"/></table:table-row>"#;
        // Read: 5 cells of 4 bytes; grid: 3 x 5 cells, 3 x 20 bytes.
        assert_eq!(layout(rows), 5 * CELL_BYTES + 20 + 15 * CELL_BYTES + 60);
    }
}

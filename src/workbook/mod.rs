//! Workbooks as moderators keep their lists (`.xlsx`, `.xlsm`, `.xls`,
//! `.ods`), opened with calamine: the sheet to read (the first one a person
//! sees, or the one named), and its rows as the cells a spreadsheet shows,
//! each with the row and column a person finds it by.
//!
//! The kind of workbook is told by its bytes, not its name: an `.xls` that
//! is really an `.xlsx` (a common rename) is read all the same. What a cell
//! holds becomes text through [`cell`], which refuses the numbers a
//! spreadsheet may have changed rather than guess them.

mod bounds;
pub(crate) mod cell;

use std::io::Cursor;
use std::sync::Arc;

use calamine::{Data, Reader, SheetType, SheetVisible, Sheets, open_workbook_auto_from_rs};

/// Why a workbook cannot be read, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) message: String,
    pub(crate) hint: String,
}

/// One sheet's used cells, kept sparse: a stray cell at XFD1048576 costs
/// one cell, not the seventeen billion a dense grid up to it would.
pub(crate) struct Sheet {
    pub(crate) name: Arc<str>,
    /// Each cell that holds something: (row, column) from 0, in row order.
    cells: Vec<((u32, u32), Data)>,
    first_column: u32,
}

/// What an unused cell holds.
static EMPTY: Data = Data::Empty;

/// One row of a [`Sheet`] that holds something.
pub(crate) struct Row<'s> {
    /// The row as a spreadsheet numbers it (1 for the first).
    pub(crate) number: u32,
    cells: &'s [((u32, u32), Data)],
    first_column: u32,
}

/// The hint for a file calamine cannot open.
const SAVE_HINT: &str = "save it from the spreadsheet as .xlsx or .ods (or as \"CSV UTF-8\"), and check that the right file was given";

/// The most cells that hold something a sheet may have: sixteen columns
/// of every row Excel has (1,048,576), far beyond any list of people, and
/// a bound on memory (about 40 bytes a cell) that the file's size alone is
/// not: a small compressed `.xlsx` can unpack to billions of cells.
const MAX_CELLS: usize = 16 * 1_048_576;

/// Opens the workbook in `bytes` and reads its sheet `wanted`, or the
/// first sheet a person sees when none is named. `max_size` is the
/// file's own cap (`--max-manifest-size`), which also bounds what a zipped
/// workbook may unpack to and what an `.ods` lays out ([`bounds`]).
pub(crate) fn open(bytes: &[u8], wanted: Option<&str>, max_size: u64) -> Result<Sheet, Problem> {
    bounds::check(bytes, max_size)?;
    open_capped(bytes, wanted, MAX_CELLS)
}

/// Opens the workbook, refusing a sheet with more than `cap` cells that
/// hold something.
fn open_capped(bytes: &[u8], wanted: Option<&str>, cap: usize) -> Result<Sheet, Problem> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| Problem {
        message: format!("is not a workbook that can be read ({e})"),
        hint: SAVE_HINT.to_owned(),
    })?;
    let name = pick(&book, wanted)?;
    let cannot = |e: &dyn std::fmt::Display| Problem {
        message: format!("sheet `{name}` cannot be read ({e})"),
        hint: SAVE_HINT.to_owned(),
    };
    let mut cells = match &mut book {
        // Excel's formats stream their cells: no grid is built at all.
        Sheets::Xlsx(x) => {
            let mut reader = x.worksheet_cells_reader(&name).map_err(|e| cannot(&e))?;
            let mut cells = Vec::new();
            while let Some(c) = reader.next_cell().map_err(|e| cannot(&e))? {
                let data = Data::from(c.get_value().clone());
                if !cell::is_blank(&data) {
                    if cells.len() == cap {
                        return Err(too_many(&name, cap));
                    }
                    cells.push((c.get_position(), data));
                }
            }
            cells
        }
        other => {
            let range = other.worksheet_range(&name).map_err(|e| cannot(&e))?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            range
                .used_cells()
                .filter(|(_, _, d)| !cell::is_blank(d))
                .take(cap.saturating_add(1))
                .map(|(r, c, d)| ((r0 + r as u32, c0 + c as u32), d.clone()))
                .collect::<Vec<_>>()
        }
    };
    if cells.len() > cap {
        return Err(too_many(&name, cap));
    }
    cells.sort_by_key(|(at, _)| *at);
    let first_column = cells.iter().map(|((_, c), _)| *c).min().unwrap_or(0);
    Ok(Sheet {
        name: Arc::from(name),
        cells,
        first_column,
    })
}

/// The error for a sheet with more than `cap` cells that hold something.
fn too_many(name: &str, cap: usize) -> Problem {
    Problem {
        message: format!("sheet `{name}` holds more than {cap} cells with something in them"),
        hint: "a list of people is far smaller: check that the right file and sheet were given (`--sheet`, or a desired-state file's `members_sheet`)".to_owned(),
    }
}

/// The sheet to read: `wanted`, else the first visible worksheet (a chart
/// or a hidden sheet is not what a person means by "the first sheet").
fn pick(book: &Sheets<Cursor<&[u8]>>, wanted: Option<&str>) -> Result<String, Problem> {
    let sheets = book.sheets_metadata();
    let names = || {
        sheets
            .iter()
            .map(|s| format!("`{}`", s.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(wanted) = wanted {
        return match sheets.iter().find(|s| s.name == wanted) {
            Some(s) => Ok(s.name.clone()),
            None => Err(Problem {
                message: format!("has no sheet `{wanted}`; its sheets are {}", names()),
                hint: "give one of these names, exactly as its tab shows it (`--sheet`, or a desired-state file's `members_sheet`)".to_owned(),
            }),
        };
    }
    let worksheet = |s: &&calamine::Sheet| s.typ == SheetType::WorkSheet;
    sheets
        .iter()
        .filter(worksheet)
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| sheets.iter().find(worksheet))
        .map(|s| s.name.clone())
        .ok_or_else(|| Problem {
            message: "has no worksheet".to_owned(),
            hint: SAVE_HINT.to_owned(),
        })
}

impl Sheet {
    /// The column of the sheet's first used cell (0 for A): rows start there.
    pub(crate) fn first_column(&self) -> u32 {
        self.first_column
    }

    /// Each row that holds anything, in order. Empty rows are left out, as
    /// blank lines are in a CSV file.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.cells
            .chunk_by(|((a, _), _), ((b, _), _)| a == b)
            .map(|cells| Row {
                number: cells[0].0.0.saturating_add(1),
                cells,
                first_column: self.first_column,
            })
    }
}

impl<'s> Row<'s> {
    /// How many cells from the sheet's first column to this row's last.
    pub(crate) fn width(&self) -> usize {
        self.cells
            .last()
            .map_or(0, |((_, c), _)| (c - self.first_column) as usize + 1)
    }

    /// The cell `i` columns right of the sheet's first (empty when unused).
    pub(crate) fn get(&self, i: usize) -> &'s Data {
        let column = self.first_column.saturating_add(i as u32);
        match self.cells.binary_search_by_key(&column, |((_, c), _)| *c) {
            Ok(at) => &self.cells[at].1,
            Err(_) => &EMPTY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sheet with more cells than the cap is refused while it is read,
    /// before the rest is unpacked (a small file can hold billions).
    #[test]
    fn a_sheet_over_the_cell_cap_is_refused() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for r in 0..4u32 {
            for c in 0..3u16 {
                ws.write_string(r, c, "x").unwrap();
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(open_capped(&bytes, None, 12).unwrap().cells.len(), 12);
        let refused = open_capped(&bytes, None, 11).err().expect("over the cap");
        assert!(
            refused.message.contains("holds more than 11 cells"),
            "{}",
            refused.message
        );
    }
}

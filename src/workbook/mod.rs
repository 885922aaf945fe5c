//! Workbooks as moderators keep their lists (`.xlsx`, `.xlsm`, `.xls`,
//! `.ods`), opened with calamine: the sheet to read (the first one a person
//! sees, or the one named), and its rows as the cells a spreadsheet shows,
//! each with the row and column a person finds it by.
//!
//! The kind of workbook is told by its bytes, not its name: an `.xls` that
//! is really an `.xlsx` (a common rename) is read all the same. What a cell
//! holds becomes text through [`cell`], which refuses the numbers a
//! spreadsheet may have changed rather than guess them.

pub(crate) mod cell;

use std::io::Cursor;
use std::sync::Arc;

use calamine::{Data, Range, Reader, SheetType, SheetVisible, Sheets, open_workbook_auto_from_rs};

/// Why a workbook cannot be read, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) message: String,
    pub(crate) hint: String,
}

/// One sheet's cells.
pub(crate) struct Sheet {
    pub(crate) name: Arc<str>,
    range: Range<Data>,
}

/// The hint for a file calamine cannot open.
const SAVE_HINT: &str = "save it from the spreadsheet as .xlsx or .ods (or as \"CSV UTF-8\"), and check that the right file was given";

/// Opens the workbook in `bytes` and reads its sheet `wanted`, or the
/// first sheet a person sees when none is named.
pub(crate) fn open(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, Problem> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| Problem {
        message: format!("is not a workbook that can be read ({e})"),
        hint: SAVE_HINT.to_owned(),
    })?;
    let name = pick(&book, wanted)?;
    let range = book.worksheet_range(&name).map_err(|e| Problem {
        message: format!("sheet `{name}` cannot be read ({e})"),
        hint: SAVE_HINT.to_owned(),
    })?;
    Ok(Sheet {
        name: Arc::from(name),
        range,
    })
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
                hint: "give --sheet one of these names, exactly as the tab shows it".to_owned(),
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
        self.range.start().map_or(0, |(_, c)| c)
    }

    /// Each row that holds anything, with its number as the spreadsheet
    /// shows it (1 for the first row); cells from [`Sheet::first_column`].
    /// Empty rows are left out, as blank lines are in a CSV file.
    pub(crate) fn rows(&self) -> impl Iterator<Item = (u32, &[Data])> {
        let first = self.range.start().map_or(0, |(r, _)| r);
        self.range
            .rows()
            .enumerate()
            .filter(|(_, cells)| cells.iter().any(|c| !cell::is_blank(c)))
            .map(move |(i, cells)| {
                let row = first.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
                (row.saturating_add(1), cells)
            })
    }
}

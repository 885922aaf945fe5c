//! A `members_file` that is a workbook: its first sheet, or the one the
//! group's `members_sheet` names, holds either a header row naming
//! `participant_id` (an export saved as a workbook: this group's rows when
//! it names `chat_id` too) or, without one, an ID in each row's first
//! cell. Each ID comes with its cell (`allowed.xlsx:Sheet1!A3`); a cell
//! the spreadsheet may have changed (a long number turned into a float)
//! is handed back refused, never rounded.

use std::sync::Arc;

use calamine::Data;

use super::{Column, Listed, column, none_of_this_group};
use crate::diagnostic::{Cell, Source};
use crate::sanitise::uncell;
use crate::workbook::{self, cell};

/// The IDs of the workbook in `bytes`, shown as `file`, on its sheet
/// `wanted` (the first without one); `chat` is the group's canonical ID,
/// when valid; `cap` is the file's size cap, which bounds what it may
/// unpack to.
pub(super) fn read(
    bytes: &[u8],
    (file, wanted): (&Arc<str>, Option<&str>),
    chat: Option<&str>,
    cap: u64,
) -> Result<Listed, String> {
    let sheet =
        workbook::open(bytes, wanted, cap).map_err(|p| format!("{}; {}", p.message, p.hint))?;
    let first = sheet.first_column();
    let at = |row: u32, i: usize| Source {
        file: file.clone(),
        line: row,
        cell: Some(Arc::new(Cell {
            sheet: sheet.name.clone(),
            column: first.saturating_add(i as u32),
        })),
    };
    let text = |c: &Data| cell::text(c).map(|t| t.trim().to_owned());
    let mut rows = sheet.rows().peekable();
    let header: Vec<Option<Column>> = match rows.peek() {
        Some(row) => (0..row.width())
            .map(|i| column(&text(row.get(i)).unwrap_or_default()))
            .collect(),
        None => Vec::new(),
    };
    let find = |want| header.iter().position(|c| *c == Some(want));
    let Some(participant) = find(Column::Participant) else {
        // No header: an ID in each row's first cell, `#` notes aside.
        return Ok(rows
            .filter_map(|row| {
                let found = text(row.get(0));
                let skip = found
                    .as_ref()
                    .is_ok_and(|t| t.is_empty() || t.starts_with('#'));
                (!skip).then(|| (found, at(row.number, 0)))
            })
            .collect());
    };
    let chat_col = find(Column::Chat);
    rows.next();
    let (mut out, mut others) = (Vec::new(), 0usize);
    for row in rows {
        if let (Some(c), Some(chat)) = (chat_col, chat)
            && text(row.get(c)).is_ok_and(|t| uncell(&t).trim() != chat)
        {
            others += 1;
            continue;
        }
        match text(row.get(participant)) {
            Ok(id) if id.is_empty() => {}
            found => out.push((found, at(row.number, participant))),
        }
    }
    none_of_this_group(out.is_empty(), others, chat)?;
    Ok(out)
}

//! Where a finding in a workbook is: the sheet, and the column of the field
//! it is about, so that `bans.xlsx:Sheet1!B14` leads a person to the cell.
//! A CSV or YAML manifest has none of this and keeps its `file:line`.

use std::sync::Arc;

use crate::diagnostic::{Cell, Diagnostic};

/// The sheet a workbook manifest is read from, and where its columns are.
#[derive(Debug, Clone)]
pub(crate) struct SheetPlace {
    /// The sheet's first used column: where a finding about no column
    /// (the header missing one) points.
    first: Arc<Cell>,
    /// Each field the header names (`chat_id`, …) and its column, made
    /// once and shared by every row.
    columns: Vec<(&'static str, Arc<Cell>)>,
}

impl SheetPlace {
    /// The sheet `name`, whose used cells start at column `first_column`.
    pub(crate) fn new(name: Arc<str>, first_column: u32) -> SheetPlace {
        SheetPlace {
            first: Arc::new(Cell {
                sheet: name,
                column: first_column,
            }),
            columns: Vec::new(),
        }
    }

    /// Says where the header put each field.
    pub(crate) fn set_columns(&mut self, named: impl Iterator<Item = (&'static str, u32)>) {
        self.columns = named
            .map(|(field, column)| {
                let cell = Cell {
                    sheet: self.first.sheet.clone(),
                    column,
                };
                (field, Arc::new(cell))
            })
            .collect();
    }

    /// The cell of `field`, when the header names it.
    fn column_of(&self, field: &str) -> Option<&Arc<Cell>> {
        self.columns
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, c)| c)
    }

    /// The cell a row's finding points at until its field is known: the
    /// participant's, where an operation is said to be.
    pub(crate) fn row_cell(&self) -> Arc<Cell> {
        self.column_of("participant_id")
            .unwrap_or(&self.first)
            .clone()
    }

    /// Points `d`, when it is about a field of this sheet's rows, at that
    /// field's cell.
    pub(crate) fn aim(&self, d: &mut Diagnostic, file: &str) {
        let Some(at) = d.location.as_mut() else {
            return;
        };
        if &*at.file != file {
            return;
        }
        if let (Some(cell), Some(column)) = (
            at.cell.as_mut(),
            d.field.as_deref().and_then(|f| self.column_of(f)),
        ) {
            *cell = column.clone();
        }
    }
}

//! Diagnostics: every problem, warning and note found in a manifest or an
//! instances file, each with its place, the field, what is wrong and a hint.
//!
//! Validation collects them all before deciding, so a user fixes a manifest in
//! one round instead of one error per attempt.

use std::fmt;

use serde::Serialize;

/// Where an operation was written: the manifest's name and the line (CSV row
/// or YAML item), shown as `cleanup.csv:14`; in a workbook the cell, shown
/// as `bans.xlsx:Sheet1!B14`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    pub file: Arc<str>,
    /// The line; in a workbook, the row (1 for the sheet's first).
    pub line: u32,
    /// In a workbook: the sheet and the column, which a spreadsheet user
    /// finds a cell by (its row is `line`). Shared: a column's cells are
    /// one allocation, and a diagnostic stays small.
    pub cell: Option<Arc<Cell>>,
}

/// A workbook cell's sheet and column; its row is the [`Source`]'s line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cell {
    pub sheet: Arc<str>,
    /// 0 for column A.
    pub column: u32,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cell {
            None => write!(f, "{}:{}", self.file, self.line),
            Some(cell) => write!(f, "{}:{}", self.file, cell.at(self.line)),
        }
    }
}

impl Cell {
    /// The cell as a spreadsheet's formula bar names it: `Sheet1!B14`, the
    /// sheet quoted as spreadsheets quote it when it is more than letters,
    /// digits and `_` (`'Bans 2026'!B14`).
    pub fn at(&self, row: u32) -> String {
        let plain = self.sheet.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !self.sheet.starts_with(|c: char| c.is_ascii_digit());
        let sheet = match plain {
            true => self.sheet.to_string(),
            false => format!("'{}'", self.sheet.replace('\'', "''")),
        };
        format!("{sheet}!{}{row}", column_letters(self.column))
    }
}

/// `A` for 0, `Z` for 25, `AA` for 26: a spreadsheet's column names.
pub(crate) fn column_letters(mut column: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

use crate::colour::{self, Tone};
use std::sync::Arc;

/// How serious a diagnostic is: any `Error` rejects the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    /// The lowercase word printed before the message.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding, printed as `cleanup.csv:14: error: chat_id: … \n  hint: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file and line; `None` when the finding is about a whole file or the
    /// environment.
    pub location: Option<Source>,
    /// The column or key concerned (`chat_id`, `instance`, …).
    pub field: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(location: Option<Source>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            location,
            field: None,
            message: clip(shown(message.into())),
            hint: None,
        }
    }

    /// A warning at `location`.
    pub fn warning(location: Option<Source>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(location, message)
        }
    }

    /// A note at `location`.
    pub fn note(location: Option<Source>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Note,
            ..Diagnostic::error(location, message)
        }
    }

    /// The same diagnostic about `field`.
    pub fn field(mut self, field: impl Into<String>) -> Diagnostic {
        self.field = Some(shown(field.into()));
        self
    }

    /// The same diagnostic with a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(clip(shown(hint.into())));
        self
    }

    /// True for an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The longest message or hint kept, in bytes. Messages quote what the user
/// wrote; a 100 kB ID or 20,000 unknown keys must not become a 100 kB line.
const MAX_TEXT: usize = 600;

/// Messages quote what a manifest or an instances file says: its control
/// characters and escape sequences are shown (`\u{1b}`), never obeyed, in
/// the text and the JSON alike.
fn shown(text: String) -> String {
    match crate::sanitise::escaped(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(safe) => safe,
    }
}

fn clip(text: String) -> String {
    match crate::sanitise::clip(&text, MAX_TEXT) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(cut) => cut,
    }
}

/// Diagnostics are shown on stderr, so they take stderr's colour (none
/// unless [`colour::init`] turned it on).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paint = colour::stderr();
        if let Some(at) = &self.location {
            write!(f, "{}: ", paint.paint(Tone::Strong, at))?;
        }
        let tone = match self.severity {
            Severity::Error => Tone::Error,
            Severity::Warning => Tone::Warning,
            Severity::Note => Tone::Note,
        };
        write!(f, "{}: ", paint.paint(tone, self.severity.as_str()))?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        // A message may quote a file or an answer: the last check for a token.
        f.write_str(&crate::secret::mask(&self.message))?;
        if let Some(hint) = &self.hint {
            let hint = crate::secret::mask(hint);
            write!(f, "\n  {}: {hint}", paint.paint(Tone::Strong, "hint"))?;
        }
        Ok(())
    }
}

/// The stable JSON shape of a diagnostic (`validate --format json`).
impl Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Diagnostic", 7)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("file", &self.location.as_ref().map(|l| &*l.file))?;
        st.serialize_field("line", &self.location.as_ref().map(|l| l.line))?;
        // Only a workbook's findings have a cell: the JSON of every other
        // file stays as it was.
        match self
            .location
            .as_ref()
            .and_then(|l| Some((l.cell.as_ref()?, l.line)))
        {
            Some((cell, row)) => st.serialize_field("cell", &cell.at(row))?,
            None => st.skip_field("cell")?,
        }
        st.serialize_field("field", &self.field)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("hint", &self.hint)?;
        st.end()
    }
}

/// A manifest that cannot run: every error found, with the warnings and notes
/// beside them. Its exit code is 2 and nothing was sent.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Rejected {
    /// The manifest as the user named it (`-` reads as `<stdin>`).
    pub manifest_name: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Rejected {
    /// How many of the diagnostics are errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        let n = self.error_count();
        write!(
            f,
            "{}: {n} problem{}; nothing was sent",
            self.manifest_name,
            if n == 1 { "" } else { "s" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_and_hints_are_clipped() {
        let d = Diagnostic::error(None, "é".repeat(1000)).hint("x".repeat(1000));
        assert_eq!(d.message.len(), MAX_TEXT + "…".len());
        assert!(d.message.ends_with("é…"));
        assert_eq!(d.hint.unwrap().len(), MAX_TEXT + "…".len());
    }

    #[test]
    fn quoted_control_characters_are_shown_escaped() {
        let d = Diagnostic::error(None, "unknown action `r\x1b[2Jemove`")
            .field("col\x1b]8;;http://x\x07")
            .hint("not `\u{202e}x`");
        assert_eq!(d.message, "unknown action `r\\u{1b}[2Jemove`");
        assert_eq!(d.field.as_deref(), Some("col\\u{1b}]8;;http://x\\u{7}"));
        assert_eq!(d.hint.as_deref(), Some("not `\\u{202e}x`"));
    }

    #[test]
    fn displays_place_field_message_and_hint() {
        let d = Diagnostic::error(
            Some(Source {
                file: "cleanup.csv".into(),
                line: 14,
                cell: None,
            }),
            "`x` is not a valid ID",
        )
        .field("chat_id")
        .hint("a whatsapp group ID looks like `120363043968066561@g.us`");
        assert_eq!(
            d.to_string(),
            "cleanup.csv:14: error: chat_id: `x` is not a valid ID\n  hint: a whatsapp group ID looks like `120363043968066561@g.us`"
        );
        assert_eq!(Diagnostic::warning(None, "w").to_string(), "warning: w");
    }

    #[test]
    fn a_workbook_cell_is_named_as_a_spreadsheet_names_it() {
        let at = |sheet: &str, column, line| Source {
            file: "bans.xlsx".into(),
            line,
            cell: Some(Arc::new(Cell {
                sheet: sheet.into(),
                column,
            })),
        };
        assert_eq!(at("Sheet1", 1, 14).to_string(), "bans.xlsx:Sheet1!B14");
        assert_eq!(
            at("Bans 2026", 0, 2).to_string(),
            "bans.xlsx:'Bans 2026'!A2"
        );
        assert_eq!(at("it's", 25, 3).to_string(), "bans.xlsx:'it''s'!Z3");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        let json = serde_json::to_value(Diagnostic::error(Some(at("S", 2, 9)), "x")).unwrap();
        assert_eq!(
            (json["line"].as_u64(), json["cell"].as_str()),
            (Some(9), Some("S!C9"))
        );
        let plain = serde_json::to_value(Diagnostic::error(None, "x")).unwrap();
        assert!(plain.get("cell").is_none(), "{plain}");
    }
}

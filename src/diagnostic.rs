//! Diagnostics: every problem, warning and note found in a manifest or an
//! instances file, each with its place, the field, what is wrong and a hint.
//!
//! Validation collects them all before deciding, so a user fixes a manifest in
//! one round instead of one error per attempt.

use std::fmt;

use serde::Serialize;

/// Where an operation was written: the manifest's name and the line (CSV row
/// or YAML item), shown as `cleanup.csv:14`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    pub file: Arc<str>,
    pub line: u32,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
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
        let mut st = s.serialize_struct("Diagnostic", 6)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("file", &self.location.as_ref().map(|l| &*l.file))?;
        st.serialize_field("line", &self.location.as_ref().map(|l| l.line))?;
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
}

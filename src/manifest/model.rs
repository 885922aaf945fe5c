//! The validated operation every later stage works on, and its stable identity.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::greenapi::{Action, Platform};

/// A stable identity for an operation: a digest of (platform, idInstance,
/// action, chat, participant). It does not depend on the manifest line, so
/// reordering or inserting rows never changes it, and the results file uses it
/// to recognise finished work on a rerun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct OpId(u64);

impl OpId {
    /// XXH3 is a specified, platform-independent algorithm, so an ID written by
    /// one build is recognised by any other; fields are length-prefixed so no
    /// two different tuples hash the same bytes.
    pub fn new(
        platform: Platform,
        id_instance: &str,
        action: Action,
        chat_id: &str,
        participant_id: &str,
    ) -> OpId {
        let mut h = Xxh3::new();
        for part in [
            platform.as_str(),
            id_instance,
            action.as_str(),
            chat_id,
            participant_id,
        ] {
            h.update(&(part.len() as u32).to_le_bytes());
            h.update(part.as_bytes());
        }
        OpId(h.digest())
    }

    /// Parses the 16 hex digits written by [`fmt::Display`].
    pub fn parse(s: &str) -> Option<OpId> {
        (s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(s, 16).ok().map(OpId))
            .flatten()
    }
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl From<OpId> for String {
    fn from(id: OpId) -> String {
        id.to_string()
    }
}

impl TryFrom<String> for OpId {
    type Error = String;
    fn try_from(s: String) -> Result<OpId, String> {
        OpId::parse(&s).ok_or_else(|| format!("`{s}` is not an op_id (16 hex digits)"))
    }
}

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

/// One validated operation: canonical IDs, a known action, a configured instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub op_id: OpId,
    pub source: Source,
    pub action: Action,
    pub platform: Platform,
    /// The instance's name in the configuration (`default` unless the manifest says otherwise).
    pub instance: Arc<str>,
    pub chat_id: String,
    pub participant_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_id_is_stable_and_distinguishes_fields() {
        let a = OpId::new(
            Platform::WhatsApp,
            "1101",
            Action::Remove,
            "1@g.us",
            "7@c.us",
        );
        assert_eq!(
            a,
            OpId::new(
                Platform::WhatsApp,
                "1101",
                Action::Remove,
                "1@g.us",
                "7@c.us"
            )
        );
        assert_ne!(
            a,
            OpId::new(Platform::WhatsApp, "1101", Action::Add, "1@g.us", "7@c.us")
        );
        assert_ne!(
            a,
            OpId::new(
                Platform::WhatsApp,
                "1102",
                Action::Remove,
                "1@g.us",
                "7@c.us"
            )
        );
        assert_ne!(
            OpId::new(Platform::Max, "1", Action::Remove, "-12", "3"),
            OpId::new(Platform::Max, "1", Action::Remove, "-1", "23")
        );
        // Pinned: results files written today must be recognised by later builds.
        assert_eq!(a.to_string().len(), 16);
        assert_eq!(OpId::parse(&a.to_string()), Some(a));
        assert_eq!(OpId::parse("xyz"), None);
    }
}

//! The validated operation every later stage works on, and its stable identity.

use compact_str::CompactString;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::diagnostic::Source;
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
        let parts = [
            platform.as_str(),
            id_instance,
            action.as_str(),
            chat_id,
            participant_id,
        ];
        // One-shot XXH3 over the same bytes the streaming hasher was fed
        // (same digest, pinned by a test) is several times faster on inputs
        // this short; real IDs fit the stack buffer.
        let len: usize = parts.iter().map(|p| 4 + p.len()).sum();
        let mut stack = [0u8; 256];
        let mut heap = Vec::new();
        let buf: &mut [u8] = if len <= stack.len() {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap
        };
        let mut at = 0;
        for part in parts {
            buf[at..at + 4].copy_from_slice(&(part.len() as u32).to_le_bytes());
            buf[at + 4..at + 4 + part.len()].copy_from_slice(part.as_bytes());
            at += 4 + part.len();
        }
        OpId(xxh3_64(buf))
    }

    /// The digest itself.
    pub fn digest(self) -> u64 {
        self.0
    }

    /// [`OpId::parse`] over bytes, in one pass.
    pub fn parse_bytes(s: &[u8]) -> Option<OpId> {
        if s.len() != 16 {
            return None;
        }
        let mut v = 0u64;
        for &b in s {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return None,
            };
            v = (v << 4) | u64::from(d);
        }
        Some(OpId(v))
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

/// A map keyed by [`OpId`]. The IDs are XXH3 digests already, so the map
/// uses them as they are: hashing them again (SipHash) was a tenth of the
/// time a rerun spends reading a million-row results file.
pub type OpIdMap<V> = HashMap<OpId, V, BuildHasherDefault<OpIdHasher>>;

/// The hasher of [`OpIdMap`]: passes an `OpId`'s digest through.
#[derive(Debug, Default, Clone, Copy)]
pub struct OpIdHasher(u64);

impl Hasher for OpIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not used by `OpId` (it writes one u64); kept correct for any key.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
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
    /// Held inline up to 24 bytes (every person ID and every group ID but a
    /// legacy WhatsApp one), so a million operations are not two million
    /// allocations.
    pub chat_id: CompactString,
    pub participant_id: CompactString,
}

/// `chat_id: *`: every group the row's instance is in, as `greenbatch
/// groups` lists them, listed when the job runs ([`crate::job`] expands the
/// row into one operation per group).
pub const EVERY_GROUP: &str = "*";

impl Operation {
    /// Whether the operation stands for every group of its instance.
    pub fn is_every_group(&self) -> bool {
        self.chat_id == EVERY_GROUP
    }

    /// `action` on `participant_id` in `chat_id` through the instance
    /// `name` (`id_instance` on `platform`), read at `source`; its op_id is
    /// the digest of exactly these, so an operation built in memory (a
    /// sync's) and the same one read from a manifest are one operation to
    /// the results file.
    pub fn new(
        name: &Arc<str>,
        platform: Platform,
        id_instance: &str,
        action: Action,
        chat_id: &str,
        participant_id: &str,
        source: Source,
    ) -> Operation {
        Operation {
            op_id: OpId::new(platform, id_instance, action, chat_id, participant_id),
            source,
            action,
            platform,
            instance: name.clone(),
            chat_id: CompactString::from(chat_id),
            participant_id: CompactString::from(participant_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_ids_parse_alike_from_text_and_bytes() {
        let mut rng = fastrand::Rng::with_seed(5);
        let mut cases: Vec<String> = (0..500).map(|_| format!("{:016x}", rng.u64(..))).collect();
        cases.extend(
            [
                "0123456789ABCDEF",
                "0123456789abcdeg",
                "123",
                "",
                "0123456789abcdef0",
                "+123456789abcdef",
            ]
            .map(String::from),
        );
        for c in cases {
            assert_eq!(OpId::parse_bytes(c.as_bytes()), OpId::parse(&c), "{c}");
        }
    }

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

    #[test]
    fn op_id_values_are_pinned() {
        // Computed by the streaming hasher this function used first; results
        // files written since then hold these values.
        let wa = OpId::new(
            Platform::WhatsApp,
            "1101000001",
            Action::Remove,
            "120363043968066561@g.us",
            "79001234561@c.us",
        );
        assert_eq!(wa.to_string(), "fbefede973076e8a");
        let max = OpId::new(
            Platform::Max,
            "3100000001",
            Action::Promote,
            "-10000000000000",
            "10000000",
        );
        assert_eq!(max.to_string(), "c52d2cc223cc0102");
        let long = "7".repeat(300);
        let big = OpId::new(Platform::WhatsApp, &long, Action::Add, &long, &long);
        assert_eq!(big.to_string(), "ae64675a17cefcfa");
    }
}

//! Duplicates and contradictions between operations on the same (instance,
//! chat, participant), found in one pass with a compact table.
//!
//! The table is keyed by a 64-bit XXH3 digest of the triple instead of the
//! strings themselves, which keeps it near 40 bytes per distinct triple on
//! million-row manifests. A collision needs two different triples among
//! billions to share a digest; its only effect would be a spurious report.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_64;

use crate::greenapi::Action;

/// What the table found for a new operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// First time, or a sensible follow-up of the previous operation.
    Fresh,
    /// The same action on the same triple already appears on this line.
    Duplicate(u32),
    /// Contradicts the previous operation on the triple (its action and line),
    /// for the reason given as a hint.
    Contradicts(Action, u32, &'static str),
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    last: Action,
    last_line: u32,
    /// The first line of each action on this triple, 0 when not seen.
    first: [u32; 4],
}

/// The keys are digests already, so hashing them again would only cost time.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The per-triple history of a manifest.
#[derive(Default)]
pub(crate) struct Conflicts {
    seen: HashMap<u64, Seen, BuildHasherDefault<Identity>>,
    /// The key's bytes, reused: one-shot hashing of a buffer is several
    /// times faster than a streaming hasher on inputs this short.
    buf: Vec<u8>,
}

fn slot(a: Action) -> usize {
    match a {
        Action::Remove => 0,
        Action::Add => 1,
        Action::Promote => 2,
        Action::Demote => 3,
    }
}

/// Why `next` cannot follow `prev` on the same participant, if it cannot.
fn contradiction(prev: Action, next: Action) -> Option<&'static str> {
    use Action::*;
    if next == prev.inverse() {
        return Some("the second undoes the first; keep the one you mean");
    }
    match (prev, next) {
        (Remove, Promote | Demote) => Some("after the removal they are no longer a member"),
        (Add, Demote) => Some("a participant just added is not an admin"),
        (Promote | Demote, Add) => {
            Some("add is for someone not in the group, but promote and demote need a member")
        }
        _ => None,
    }
}

impl Conflicts {
    /// Records `action` on the triple at `line` and says how it relates to
    /// what came before.
    pub(crate) fn record(
        &mut self,
        instance: &str,
        chat: &str,
        participant: &str,
        action: Action,
        line: u32,
    ) -> Verdict {
        self.buf.clear();
        for part in [instance, chat, participant] {
            self.buf
                .extend_from_slice(&(part.len() as u32).to_le_bytes());
            self.buf.extend_from_slice(part.as_bytes());
        }
        let key = xxh3_64(&self.buf);
        let s = match self.seen.entry(key) {
            Entry::Vacant(v) => {
                let mut first = [0; 4];
                first[slot(action)] = line;
                v.insert(Seen {
                    last: action,
                    last_line: line,
                    first,
                });
                return Verdict::Fresh;
            }
            Entry::Occupied(o) => o.into_mut(),
        };
        if s.first[slot(action)] != 0 {
            return Verdict::Duplicate(s.first[slot(action)]);
        }
        let verdict = match contradiction(s.last, action) {
            Some(why) => Verdict::Contradicts(s.last, s.last_line, why),
            None => Verdict::Fresh,
        };
        s.first[slot(action)] = line;
        s.last = action;
        s.last_line = line;
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    #[test]
    fn finds_duplicates_and_contradictions() {
        let mut c = Conflicts::default();
        assert_eq!(c.record("default", "g", "p", Add, 2), Verdict::Fresh);
        assert_eq!(c.record("default", "g", "p", Promote, 3), Verdict::Fresh);
        assert_eq!(c.record("default", "g", "p", Add, 4), Verdict::Duplicate(2));
        assert!(matches!(
            c.record("default", "g", "p", Demote, 5),
            Verdict::Contradicts(Promote, 3, _)
        ));
        assert_eq!(c.record("other", "g", "p", Demote, 6), Verdict::Fresh);
        assert_eq!(c.record("default", "g", "q", Remove, 7), Verdict::Fresh);
        assert!(matches!(
            c.record("default", "g", "q", Promote, 8),
            Verdict::Contradicts(Remove, 7, _)
        ));
        assert_eq!(c.record("default", "g2", "r", Promote, 9), Verdict::Fresh);
        assert_eq!(c.record("default", "g2", "r", Remove, 10), Verdict::Fresh);
    }
}

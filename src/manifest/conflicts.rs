//! Duplicates and contradictions between operations on the same (instance,
//! chat, participant), judged once every row is read.
//!
//! Each operation is noted as a 16-byte entry (a 64-bit XXH3 digest of the
//! triple, its number, its action) appended to one vector; at the end the
//! vector is sorted by digest and only triples noted more than once are
//! judged, in the order they were noted. A hash table written as rows come
//! was 45 % of a million-row validation: each new triple a random write
//! into a 64 MB table, most of them page faults; appending and sorting
//! touch memory in order. A collision needs two different triples among
//! billions to share a digest; its only effect would be a spurious report.

use xxhash_rust::xxh3::xxh3_64;

use crate::greenapi::Action;

/// How an operation that is not new relates to the earlier ones on its
/// triple, by their numbers (the order they were noted in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The same action on the same triple was first noted as this operation.
    Duplicate(u32),
    /// Contradicts the previous operation on the triple (its action and
    /// number), for the reason given as a hint.
    Contradicts(Action, u32, &'static str),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u64,
    seq: u32,
    action: Action,
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

/// The operations of a manifest, noted for judging.
#[derive(Default)]
pub(crate) struct Conflicts {
    entries: Vec<Entry>,
    /// The key's bytes, reused: one-shot hashing of a buffer is several
    /// times faster than a streaming hasher on inputs this short.
    buf: Vec<u8>,
}

impl Conflicts {
    /// Room for `n` operations.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.entries.reserve(n);
    }

    /// Notes `action` on the triple as operation number `seq` (numbers
    /// grow as operations are noted).
    pub(crate) fn note(
        &mut self,
        instance: &str,
        chat: &str,
        participant: &str,
        action: Action,
        seq: u32,
    ) {
        self.buf.clear();
        for part in [instance, chat, participant] {
            self.buf
                .extend_from_slice(&(part.len() as u32).to_le_bytes());
            self.buf.extend_from_slice(part.as_bytes());
        }
        let key = xxh3_64(&self.buf);
        self.entries.push(Entry { key, seq, action });
    }

    /// Judges each operation against those noted before it on its triple:
    /// the ones that are neither the first nor a sensible follow-up of the
    /// previous one, in the order noted. An
    /// action is remembered once per triple (a repeat is a duplicate of the
    /// first), and a contradicting one still becomes the triple's last.
    pub(crate) fn judge(mut self) -> Vec<(u32, Verdict)> {
        self.entries.sort_unstable_by_key(|e| (e.key, e.seq));
        let mut out = Vec::new();
        for run in self.entries.chunk_by(|a, b| a.key == b.key) {
            let [first, rest @ ..] = run else { continue };
            if rest.is_empty() {
                continue;
            }
            let mut last = first.action;
            let mut firsts: [Option<u32>; 4] = [None; 4];
            firsts[slot(first.action)] = Some(first.seq);
            for e in rest {
                if let Some(at) = firsts[slot(e.action)] {
                    out.push((e.seq, Verdict::Duplicate(at)));
                    continue;
                }
                if let Some(why) = contradiction(last, e.action) {
                    let at = firsts[slot(last)].expect("the last action was noted");
                    out.push((e.seq, Verdict::Contradicts(last, at, why)));
                }
                firsts[slot(e.action)] = Some(e.seq);
                last = e.action;
            }
        }
        out.sort_unstable_by_key(|(seq, _)| *seq);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    /// The verdict of each noted operation, in order (numbers from 0);
    /// `None` for a fresh one.
    fn judged(ops: &[(&str, &str, &str, Action)]) -> Vec<Option<Verdict>> {
        let mut c = Conflicts::default();
        for (seq, (i, g, p, a)) in ops.iter().enumerate() {
            c.note(i, g, p, *a, seq as u32);
        }
        let mut out = vec![None; ops.len()];
        for (seq, v) in c.judge() {
            out[seq as usize] = Some(v);
        }
        out
    }

    #[test]
    fn finds_duplicates_and_contradictions() {
        let got = judged(&[
            ("default", "g", "p", Add),
            ("default", "g", "p", Promote),
            ("default", "g", "p", Add),
            ("default", "g", "p", Demote),
            ("other", "g", "p", Demote),
            ("default", "g", "q", Remove),
            ("default", "g", "q", Promote),
            ("default", "g2", "r", Promote),
            ("default", "g2", "r", Remove),
        ]);
        assert_eq!(got[..3], [None, None, Some(Verdict::Duplicate(0))]);
        assert!(matches!(got[3], Some(Verdict::Contradicts(Promote, 1, _))));
        assert_eq!(got[4..6], [None, None]);
        assert!(matches!(got[6], Some(Verdict::Contradicts(Remove, 5, _))));
        assert_eq!(got[7..], [None, None]);
    }

    #[test]
    fn a_contradicting_action_becomes_the_last_and_repeats_are_duplicates_of_it() {
        let got = judged(&[
            ("i", "g", "p", Promote),
            ("i", "g", "p", Demote),
            ("i", "g", "p", Demote),
            ("i", "g", "p", Add),
        ]);
        assert_eq!(got[0], None);
        assert!(matches!(got[1], Some(Verdict::Contradicts(Promote, 0, _))));
        assert_eq!(got[2], Some(Verdict::Duplicate(1)));
        assert!(matches!(got[3], Some(Verdict::Contradicts(Demote, 1, _))));
    }

    /// A triple's last action and the first operation of each action.
    type History = (Action, [Option<u32>; 4]);

    /// The judge against the table it replaced (a map from triple to its
    /// history, judged as each operation came), on random operations.
    #[test]
    fn judges_as_a_running_table_would() {
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..300 {
            let ops: Vec<(String, String, String, Action)> = (0..rng.usize(1..40))
                .map(|_| {
                    (
                        format!("i{}", rng.u8(0..2)),
                        format!("g{}", rng.u8(0..3)),
                        format!("p{}", rng.u8(0..3)),
                        Action::ALL[rng.usize(0..4)],
                    )
                })
                .collect();
            let mut table: std::collections::HashMap<(&str, &str, &str), History> =
                Default::default();
            let mut expected = Vec::new();
            for (seq, (i, g, p, a)) in ops.iter().enumerate() {
                let seq = seq as u32;
                let verdict = match table.get_mut(&(&**i, &**g, &**p)) {
                    None => {
                        let mut firsts = [None; 4];
                        firsts[slot(*a)] = Some(seq);
                        table.insert((i, g, p), (*a, firsts));
                        None
                    }
                    Some((_, firsts)) if firsts[slot(*a)].is_some() => {
                        Some(Verdict::Duplicate(firsts[slot(*a)].expect("checked")))
                    }
                    Some((last, firsts)) => {
                        let v = contradiction(*last, *a).map(|why| {
                            Verdict::Contradicts(*last, firsts[slot(*last)].expect("noted"), why)
                        });
                        firsts[slot(*a)] = Some(seq);
                        *last = *a;
                        v
                    }
                };
                expected.push(verdict);
            }
            let borrowed: Vec<(&str, &str, &str, Action)> = ops
                .iter()
                .map(|(i, g, p, a)| (&**i, &**g, &**p, *a))
                .collect();
            assert_eq!(judged(&borrowed), expected, "{ops:?}");
        }
    }
}

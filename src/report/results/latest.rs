//! The latest outcome of each operation a results file records, built in
//! bulk once the file is read and only looked up after.
//!
//! A hash map filled row by row was most of a million-row rerun's reading:
//! each new `op_id` a random write into a 34 MB table, most of them a TLB
//! miss or a page fault. Here rows are appended in file order, sorted once
//! by `op_id` (a stable sort keeps file order within one operation, so its
//! last row wins), and indexed by the top bits of the `op_id`: XXH3 digests
//! are uniform, so each slot of the index covers about one entry, and a
//! lookup is two memory reads.

use crate::manifest::model::OpId;
use crate::runner::Outcome;

/// The most index bits: 2^24 slots (128 MB of index) past 16 million operations.
const MAX_BITS: u32 = 24;

/// The rows of a results file, in file order, to become a [`Latest`].
#[derive(Debug, Default)]
pub(super) struct LatestBuilder {
    rows: Vec<(OpId, Outcome)>,
}

impl LatestBuilder {
    pub(super) fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
    }

    /// A row of `id`, later than every row pushed before.
    pub(super) fn push(&mut self, id: OpId, outcome: Outcome) {
        self.rows.push((id, outcome));
    }

    pub(super) fn build(self) -> Latest {
        let mut entries = self.rows;
        entries.sort_by_key(|(id, _)| *id);
        // Keep the last row of each operation.
        let mut kept = 0;
        for i in 0..entries.len() {
            if entries.get(i + 1).is_none_or(|next| next.0 != entries[i].0) {
                entries[kept] = entries[i];
                kept += 1;
            }
        }
        entries.truncate(kept);
        entries.shrink_to_fit();
        let bits = (entries.len().max(2).next_power_of_two().trailing_zeros()).min(MAX_BITS);
        // index[p] is the first entry whose slot is p or more.
        let slots = 1usize << bits;
        let mut index = Vec::with_capacity(slots + 1);
        let mut at = 0;
        for p in 0..slots {
            while at < entries.len() && slot(entries[at].0, bits) < p {
                at += 1;
            }
            index.push(at);
        }
        index.push(entries.len());
        Latest {
            entries,
            index,
            bits,
        }
    }
}

fn slot(id: OpId, bits: u32) -> usize {
    (id.digest() >> (64 - bits)) as usize
}

/// The latest outcome of each operation, by `op_id`.
#[derive(Debug, Clone)]
pub struct Latest {
    /// One entry per operation, sorted by `op_id`.
    entries: Vec<(OpId, Outcome)>,
    /// `index[p]..index[p + 1]` are the entries whose top `bits` bits are `p`.
    index: Vec<usize>,
    bits: u32,
}

impl Default for Latest {
    fn default() -> Latest {
        LatestBuilder::default().build()
    }
}

impl Latest {
    pub fn get(&self, id: &OpId) -> Option<&Outcome> {
        let p = slot(*id, self.bits);
        let (from, to) = (self.index[p], self.index[p + 1]);
        self.entries[from..to]
            .iter()
            .find(|(e, _)| e == id)
            .map(|(_, outcome)| outcome)
    }

    /// How many operations have a row.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Each operation's latest outcome, in `op_id` order.
    pub fn values(&self) -> impl Iterator<Item = &Outcome> {
        self.entries.iter().map(|(_, outcome)| outcome)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Random rows, several per operation, against a map filled in order.
    #[test]
    fn the_last_row_of_each_operation_wins_as_in_a_map() {
        let mut rng = fastrand::Rng::with_seed(21);
        let outcomes = [
            Outcome::Done,
            Outcome::Already,
            Outcome::Rejected,
            Outcome::Failed,
            Outcome::Aborted,
        ];
        for n in [0, 1, 2, 3, 17, 1000, 20_000] {
            // Few distinct IDs for the small cases, so repeats are common;
            // some share their top bits, so a slot holds several.
            let ids: Vec<OpId> = (0..n.max(1) / 2 + 1)
                .map(|i| {
                    let top = if i % 3 == 0 {
                        0xabcd_0000_0000_0000
                    } else {
                        rng.u64(..)
                    };
                    OpId::parse(&format!("{:016x}", top | rng.u64(..1 << 20))).expect("hex")
                })
                .collect();
            let mut builder = LatestBuilder::default();
            let mut map = HashMap::new();
            for _ in 0..n {
                let id = ids[rng.usize(..ids.len())];
                let outcome = outcomes[rng.usize(..outcomes.len())];
                builder.push(id, outcome);
                map.insert(id, outcome);
            }
            let latest = builder.build();
            assert_eq!(latest.len(), map.len(), "{n} rows");
            for id in &ids {
                assert_eq!(latest.get(id), map.get(id), "{id} of {n} rows");
            }
            for _ in 0..100 {
                let absent = OpId::parse(&format!("{:016x}", rng.u64(..))).expect("hex");
                assert_eq!(latest.get(&absent), map.get(&absent));
            }
            let mut values: Vec<_> = latest.values().copied().collect();
            let mut expected: Vec<_> = map.values().copied().collect();
            values.sort_by_key(|o| o.as_str());
            expected.sort_by_key(|o| o.as_str());
            assert_eq!(values, expected);
        }
    }

    #[test]
    fn an_empty_file_knows_no_operation() {
        let latest = Latest::default();
        assert!(latest.is_empty());
        let id = OpId::parse("ffffffffffffffff").expect("hex");
        assert_eq!(latest.get(&id), None);
    }
}

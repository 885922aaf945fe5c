//! A run's outcomes per group, for the summary: which groups the run
//! touched and how each fared, so that it can name them (by subject,
//! where a read told one) instead of leaving the moderator to look the IDs
//! up in the results file.

use std::collections::{BTreeMap, HashMap};

use compact_str::CompactString;

use crate::runner::Outcome;

/// Outcomes finished in this run, per group ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupCounts {
    /// Each group's place in `groups`.
    slots: HashMap<CompactString, usize>,
    /// In the order the groups first finished an operation.
    groups: Vec<(CompactString, BTreeMap<Outcome, u64>)>,
}

impl GroupCounts {
    /// One more operation of `chat` ended `outcome`.
    pub fn record(&mut self, chat: &str, outcome: Outcome) {
        let slot = match self.slots.get(chat) {
            Some(slot) => *slot,
            None => {
                self.groups.push((chat.into(), BTreeMap::new()));
                self.slots.insert(chat.into(), self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        *self.groups[slot].1.entry(outcome).or_default() += 1;
    }

    /// How many groups finished an operation.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups, those with the most operations not settled ok first
    /// (what needs a person), then in the order they first finished one.
    pub fn worst_first(&self) -> Vec<(&str, &BTreeMap<Outcome, u64>)> {
        let mut all: Vec<(&str, &BTreeMap<Outcome, u64>)> = self
            .groups
            .iter()
            .map(|(chat, counts)| (chat.as_str(), counts))
            .collect();
        let not_ok = |counts: &BTreeMap<Outcome, u64>| -> u64 {
            counts
                .iter()
                .filter(|(o, _)| !o.is_ok())
                .map(|(_, n)| n)
                .sum()
        };
        all.sort_by_key(|(_, counts)| std::cmp::Reverse(not_ok(counts)));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_needing_a_person_come_first_then_the_order_they_finished() {
        let mut g = GroupCounts::default();
        g.record("a@g.us", Outcome::Done);
        g.record("b@g.us", Outcome::Done);
        g.record("c@g.us", Outcome::Rejected);
        g.record("b@g.us", Outcome::Failed);
        g.record("c@g.us", Outcome::Aborted);
        let order: Vec<&str> = g.worst_first().into_iter().map(|(c, _)| c).collect();
        assert_eq!(order, ["c@g.us", "b@g.us", "a@g.us"]);
        assert_eq!(g.worst_first()[1].1[&Outcome::Done], 1);
        assert_eq!(g.len(), 3);
    }
}

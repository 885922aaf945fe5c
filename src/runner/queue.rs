//! An instance's work: chains of operations in manifest order, and what the
//! read-ahead needs to know about them.
//!
//! A chain is the operations on one (chat, participant), in manifest order,
//! so those keep their order while everything else runs in parallel. Every
//! operation has a position in the order the send lane will reach it, and
//! the queue counts how many have been dispatched (sent, or settled without
//! sending). A read ahead is worth its request only for a group whose last
//! operation the send lane will reach after the read lands: [`Queue::pick_read`]
//! picks the nearest such group, so reads run just ahead of the sends and
//! never hold them up.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::manifest::Operation;

/// The queue of one instance.
pub(crate) struct Queue {
    chains: Mutex<VecDeque<Vec<Operation>>>,
    /// Operations dispatched so far, in the order the lane reached them.
    dispatched: AtomicU64,
    reads: Mutex<ReadPlan>,
}

/// Groups ordered by the position of their last operation, with those
/// already read (or not worth reading) crossed out.
struct ReadPlan {
    /// `(last position, chat)`, ascending.
    groups: Vec<(u64, String)>,
    /// Skip pointers over crossed-out groups: `next[i]` is `i` while group
    /// `i` is open, else a later index to look at (path-compressed).
    next: Vec<usize>,
}

impl ReadPlan {
    fn new(mut groups: Vec<(u64, String)>) -> ReadPlan {
        groups.sort();
        let next = (0..=groups.len()).collect();
        ReadPlan { groups, next }
    }

    /// The first open group at or after `i` (`groups.len()` when none).
    fn open_from(&mut self, i: usize) -> usize {
        let mut root = i;
        while self.next[root] != root {
            root = self.next[root];
        }
        let mut at = i;
        while self.next[at] != root {
            let after = self.next[at];
            self.next[at] = root;
            at = after;
        }
        root
    }

    fn cross_out(&mut self, i: usize) {
        self.next[i] = i + 1;
    }
}

impl Queue {
    pub(crate) fn new(ops: Vec<Operation>) -> Queue {
        let chains = chains(ops);
        let mut last: HashMap<&str, u64> = HashMap::new();
        let mut position = 0u64;
        for chain in &chains {
            for op in chain {
                last.insert(&op.chat_id, position);
                position += 1;
            }
        }
        let groups = last
            .into_iter()
            .map(|(chat, at)| (at, chat.to_owned()))
            .collect();
        Queue {
            reads: Mutex::new(ReadPlan::new(groups)),
            chains: Mutex::new(chains),
            dispatched: AtomicU64::new(0),
        }
    }

    /// The next chain to work on.
    pub(crate) fn pop(&self) -> Option<Vec<Operation>> {
        self.chains
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }

    /// One more operation was sent or settled unsent.
    pub(crate) fn dispatched(&self) {
        self.dispatched.fetch_add(1, Ordering::Relaxed);
    }

    /// The nearest group worth reading ahead: one whose last operation
    /// comes at least `ahead` dispatches from now and that `skip` does not
    /// rule out (already read). It is crossed out, as are the skipped ones.
    /// `None`: no group is worth it, now or later.
    pub(crate) fn pick_read(&self, ahead: f64, skip: &dyn Fn(&str) -> bool) -> Option<String> {
        let mut plan = self.reads.lock().unwrap_or_else(|e| e.into_inner());
        let reached = self.dispatched.load(Ordering::Relaxed) as f64 + ahead.max(0.0);
        let from = plan
            .groups
            .partition_point(|(last, _)| (*last as f64) < reached);
        let mut i = plan.open_from(from);
        while i < plan.groups.len() {
            plan.cross_out(i);
            if !skip(&plan.groups[i].1) {
                return Some(plan.groups[i].1.clone());
            }
            i = plan.open_from(i);
        }
        None
    }
}

/// Groups operations by (chat, participant), keeping manifest order within
/// each group and the order of first appearance between groups.
fn chains(ops: Vec<Operation>) -> VecDeque<Vec<Operation>> {
    // Keyed by a digest rather than copies of both IDs, which would double
    // their memory on a large manifest. A collision would only chain two
    // unrelated operations (ordering them), never change what is sent.
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut chains: Vec<Vec<Operation>> = Vec::new();
    for op in ops {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for part in [op.chat_id.as_bytes(), b"\n", op.participant_id.as_bytes()] {
            hasher.update(part);
        }
        let key = hasher.digest();
        match index.get(&key) {
            Some(&i) => chains[i].push(op),
            None => {
                index.insert(key, chains.len());
                chains.push(vec![op]);
            }
        }
    }
    chains.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::greenapi::{Action, Platform};
    use crate::manifest::{OpId, Source};

    fn op(line: u32, action: Action, chat: &str, participant: &str) -> Operation {
        Operation {
            op_id: OpId::new(Platform::WhatsApp, "1", action, chat, participant),
            source: Source {
                file: "m.csv".into(),
                line,
                cell: None,
            },
            action,
            platform: Platform::WhatsApp,
            instance: "default".into(),
            chat_id: chat.into(),
            participant_id: participant.into(),
        }
    }

    #[test]
    fn operations_on_one_participant_stay_in_manifest_order() {
        let g = "1@g.us";
        let ops = vec![
            op(2, Action::Add, g, "7@c.us"),
            op(3, Action::Remove, g, "8@c.us"),
            op(4, Action::Promote, g, "7@c.us"),
            op(5, Action::Remove, g, "9@c.us"),
            op(6, Action::Remove, g, "7@c.us"),
        ];
        let q = Queue::new(ops);
        let mut lines = vec![];
        while let Some(chain) = q.pop() {
            lines.push(chain.iter().map(|o| o.source.line).collect::<Vec<_>>());
        }
        assert_eq!(lines, vec![vec![2, 4, 6], vec![3], vec![5]]);
    }

    #[test]
    fn reads_go_just_ahead_of_the_sends() {
        // 10 groups of one removal each, then one group of 5.
        let mut ops: Vec<_> = (0..10)
            .map(|i| op(i + 2, Action::Remove, &format!("{i}@g.us"), "7@c.us"))
            .collect();
        ops.extend((0..5).map(|i| op(20 + i, Action::Remove, "big@g.us", &format!("8{i}@c.us"))));
        let q = Queue::new(ops);
        let none = |_: &str| false;
        // The lane will have dispatched 2.5 operations when the read lands:
        // groups 0, 1 and 2 are out of reach.
        assert_eq!(q.pick_read(2.5, &none).as_deref(), Some("3@g.us"));
        for _ in 0..6 {
            q.dispatched();
        }
        // Groups 4..=8 are now out of reach; group 9 is next, then the big one.
        assert_eq!(q.pick_read(2.5, &none).as_deref(), Some("9@g.us"));
        let read = |c: &str| c == "big@g.us";
        assert_eq!(q.pick_read(2.5, &read), None, "already read");
        assert_eq!(q.pick_read(2.5, &none), None, "nothing left worth reading");
    }

    #[test]
    fn a_group_whose_last_operation_is_far_off_is_read_even_if_its_first_is_near() {
        let g = "1@g.us";
        let ops: Vec<_> = (0..300)
            .map(|i| op(i + 2, Action::Remove, g, &format!("79000{i:05}@c.us")))
            .collect();
        let q = Queue::new(ops);
        assert_eq!(q.pick_read(2.5, &|_| false).as_deref(), Some(g));
        assert_eq!(q.pick_read(2.5, &|_| false), None, "read once");
    }
}

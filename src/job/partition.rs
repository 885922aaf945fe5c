//! Which of a job's operations earlier rows of its results file settle,
//! and which groups an earlier run may have left half done.

use std::sync::Arc;

use crate::manifest::Operation;
use crate::report::results::PriorResults;
use crate::report::tally::Tally;
use crate::runner::Outcome;
use crate::runner::engine::GroupSet;

/// Operations that may have been on the wire, or answered but not yet
/// recorded, when an earlier run stopped, past its last recorded one: the
/// workers' requests in flight plus what the results writer had not written
/// yet (up to 9 seen under load).
const UNRECORDED_SLACK: usize = 16;

/// Splits off the operations the results file already settles, counting
/// them, and names the groups to read before sending, because an earlier
/// run of this file may have left operations there applied but unrecorded:
/// those of pending operations up to [`UNRECORDED_SLACK`] + `concurrency`
/// past the last recorded one (the run dispatched in manifest order), or
/// the first that many when the file has a header but no row yet.
pub(super) fn partition(
    ops: Vec<Operation>,
    prior: &PriorResults,
    retry_rejected: bool,
    concurrency: usize,
) -> (Vec<Operation>, Tally, GroupSet) {
    let mut tally = Tally {
        total: ops.len() as u64,
        ..Tally::default()
    };
    let window = concurrency + UNRECORDED_SLACK;
    // Instances run side by side, each through its own operations in
    // manifest order: positions and horizons are per instance (a run has
    // few instances, compared by pointer).
    let mut instances: Vec<(&Arc<str>, usize, Option<usize>)> = Vec::new();
    let mut position = Vec::with_capacity(ops.len());
    // Each operation's prior outcome, looked up once: on a million-row rerun
    // each lookup is a cache miss in a map of a million entries.
    let outcomes: Vec<Option<Outcome>> = ops.iter().map(|op| prior.outcome(op.op_id)).collect();
    for (op, outcome) in ops.iter().zip(&outcomes) {
        let slot = match instances
            .iter()
            .position(|(i, ..)| Arc::ptr_eq(i, &op.instance))
        {
            Some(slot) => slot,
            None => {
                instances.push((&op.instance, 0, None));
                instances.len() - 1
            }
        };
        let (_, next, last) = &mut instances[slot];
        position.push((slot, *next));
        if outcome.is_some() {
            *last = Some(*next);
        }
        *next += 1;
    }
    let horizons: Vec<Option<usize>> = instances
        .iter()
        .map(|(_, _, last)| match last {
            Some(i) => Some(i + window),
            None if prior.had_header => Some(window - 1),
            None => None,
        })
        .collect();
    let settled = |o: &Option<Outcome>| o.is_some_and(|o| o.is_settled(retry_rejected));
    let mut resumed = GroupSet::new();
    for ((op, &(slot, at)), outcome) in ops.iter().zip(&position).zip(&outcomes) {
        let suspect = horizons[slot].is_some_and(|h| at <= h);
        if suspect && !settled(outcome) {
            resumed.insert((op.instance.clone(), op.chat_id.to_string()));
        }
    }
    drop(position);
    let mut to_send = Vec::with_capacity(ops.len());
    for (op, outcome) in ops.into_iter().zip(outcomes) {
        match outcome {
            Some(outcome) if outcome.is_settled(retry_rejected) => tally.record_earlier(outcome),
            _ => to_send.push(op),
        }
    }
    (to_send, tally, resumed)
}

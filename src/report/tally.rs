//! Counting outcomes, and the exit code that sums up a run.

use std::collections::BTreeMap;

use super::group_counts::GroupCounts;
use crate::exit;
use crate::runner::Outcome;

/// How a run was interrupted, if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    Sigint,
    Sigterm,
}

/// Outcomes of a run: those finished now and those settled by earlier runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Finished in this run.
    pub now: BTreeMap<Outcome, u64>,
    /// Skipped because the results file already settled them.
    pub earlier: BTreeMap<Outcome, u64>,
    /// Requests sent in this run, retries included.
    pub requests: u64,
    /// Operations of the manifest in all.
    pub total: u64,
    /// Answers that were HTTP 429 (each slowed its pace down).
    pub throttled: u64,
    /// Outages: times every request of an (instance, method) failed alike
    /// and its requests were held while it was probed.
    pub outages: u64,
    /// Operations finished now that needed more than one request.
    pub retried: u64,
    /// The instances refused in this run, each with its (scrubbed) reason.
    pub refused: Vec<(String, String)>,
    /// The `*` rows not expanded, per instance: their lines, and why (their
    /// groups could not be listed). Each counts in `total`, not started.
    pub unexpanded: Vec<(String, Vec<u32>, String)>,
    /// This run's outcomes per group, for the summary to name the groups.
    pub groups: GroupCounts,
}

impl Tally {
    pub fn record(&mut self, outcome: Outcome, attempts: u32) {
        *self.now.entry(outcome).or_default() += 1;
        self.requests += u64::from(attempts);
        self.retried += u64::from(attempts > 1);
    }

    pub fn record_earlier(&mut self, outcome: Outcome) {
        *self.earlier.entry(outcome).or_default() += 1;
    }

    /// Operations with this outcome, now or earlier.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.now.get(&outcome).copied().unwrap_or(0)
            + self.earlier.get(&outcome).copied().unwrap_or(0)
    }

    pub fn finished_now(&self) -> u64 {
        self.now.values().sum()
    }

    pub fn skipped(&self) -> u64 {
        self.earlier.values().sum()
    }

    /// Operations neither finished now nor settled earlier (interrupted before sending).
    pub fn not_started(&self) -> u64 {
        self.total
            .saturating_sub(self.finished_now() + self.skipped())
    }

    /// The exit code: the first of 130/143, 4, 3, 1 that applies, else 0.
    pub fn exit_code(&self, interrupt: Option<Interrupt>) -> u8 {
        match interrupt {
            Some(Interrupt::Sigint) => exit::SIGINT,
            Some(Interrupt::Sigterm) => exit::SIGTERM,
            None if self.count(Outcome::Aborted) > 0 => exit::INSTANCE_REFUSED,
            None if self.count(Outcome::Failed) > 0 || self.not_started() > 0 => exit::FAILED,
            None if self.count(Outcome::Rejected) > 0 => exit::REJECTED,
            None => exit::SUCCESS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(now: &[Outcome], earlier: &[Outcome]) -> Tally {
        let mut t = Tally {
            total: (now.len() + earlier.len()) as u64,
            ..Tally::default()
        };
        now.iter().for_each(|o| t.record(*o, 1));
        earlier.iter().for_each(|o| t.record_earlier(*o));
        t
    }

    #[test]
    fn exit_code_takes_the_first_that_applies() {
        use Outcome::*;
        assert_eq!(tally(&[Done, Already], &[Done]).exit_code(None), 0);
        assert_eq!(
            tally(&[Done], &[Rejected]).exit_code(None),
            1,
            "rejected earlier still counts"
        );
        assert_eq!(tally(&[Rejected, Failed], &[]).exit_code(None), 3);
        assert_eq!(tally(&[Rejected, Failed, Aborted], &[]).exit_code(None), 4);
        assert_eq!(
            tally(&[Aborted], &[]).exit_code(Some(Interrupt::Sigint)),
            130
        );
        assert_eq!(tally(&[], &[]).exit_code(Some(Interrupt::Sigterm)), 143);
        let mut t = tally(&[Done], &[]);
        t.total = 2;
        assert_eq!(
            t.exit_code(None),
            3,
            "an operation never sent is left for a rerun"
        );
    }
}

//! The retry budget: a token bucket, one per instance, that lets retries add
//! only a fraction to the load the first attempts make (the scheme of the AWS
//! SDKs and Finagle). When an instance fails everything, its operations stop
//! being retried after the budget runs dry and end `failed` at once, instead
//! of multiplying the load on a server that is already struggling; a rerun
//! picks them up.
//!
//! - It starts with a reserve, so a small run can still retry a few times.
//! - Each first attempt deposits a fraction of a retry (10% by default: in a
//!   storm, retries add at most about a tenth to the requests sent).
//! - Each retry withdraws one; none is allowed when less than one is left.
//! - A retry that got a definite answer (not transient) is refunded: it
//!   proved the server works, so only retries that fail again are spent.
//! - The balance never exceeds a maximum, so a long healthy run cannot bank
//!   enough for a storm later.
//!
//! Lock-free: the balance is an atomic count of thousandths of a retry,
//! shared through an `Arc` by all workers of an instance.

use std::sync::atomic::{AtomicU64, Ordering};

/// One retry, in the thousandths the balance counts.
const RETRY: u64 = 1000;

/// A shared allowance of retries for one instance.
#[derive(Debug)]
pub struct RetryBudget {
    /// Thousandths of a retry.
    balance: AtomicU64,
    deposit: u64,
    max: u64,
}

impl Default for RetryBudget {
    /// A reserve of 10 retries, 10% earned per first attempt, at most 100 banked.
    fn default() -> RetryBudget {
        RetryBudget::new(10, 10, 100)
    }
}

impl RetryBudget {
    /// A budget holding `reserve` retries at first, earning `percent`% of a
    /// retry per first attempt, and holding at most `max` retries (at least
    /// the reserve).
    pub fn new(reserve: u32, percent: u32, max: u32) -> RetryBudget {
        let max = u64::from(max.max(reserve)) * RETRY;
        RetryBudget {
            balance: AtomicU64::new(u64::from(reserve) * RETRY),
            deposit: u64::from(percent) * RETRY / 100,
            max,
        }
    }

    /// Called for each operation's first request.
    pub fn on_first_attempt(&self) {
        self.add(self.deposit);
    }

    /// Withdraws one retry if the balance holds one; `false` means do not retry.
    pub fn try_retry(&self) -> bool {
        self.balance
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| {
                b.checked_sub(RETRY)
            })
            .is_ok()
    }

    /// Called when a retry got a definite (non-transient) answer: its cost comes back.
    pub fn on_retry_answered(&self) {
        self.add(RETRY);
    }

    /// Retries the balance currently allows (whole ones).
    pub fn available(&self) -> u64 {
        self.balance.load(Ordering::Acquire) / RETRY
    }

    fn add(&self, amount: u64) {
        let _ = self
            .balance
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| {
                Some(b.saturating_add(amount).min(self.max))
            });
    }
}

//! When to try a transient failure again and how long to wait first: a plain
//! [`RetryPolicy`] value (attempts, exponential backoff with full jitter), the
//! server's `Retry-After`, and a per-instance [`RetryBudget`] that stops a
//! retry storm when everything fails. No clocks or sleeping here: callers
//! pass the randomness and the time, so every number is testable.
//!
//! Full jitter (a uniform delay between zero and the exponential ceiling)
//! spreads retries of many operations that failed together, instead of
//! sending them back in the same instant. A `Retry-After` from the server is a
//! floor: the delay is the larger of it and the jittered backoff.

mod budget;

use std::time::{Duration, SystemTime};

pub use budget::RetryBudget;

/// The longest `Retry-After` honoured; anything longer is cut to this so one
/// odd header cannot stall a run for hours.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// How many times an operation is tried and how the waits between grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests sent at most per operation, the first one included (`--max-attempts`).
    pub max_attempts: u32,
    /// The ceiling of the first retry's delay; it doubles for each further retry.
    pub base: Duration,
    /// The highest ceiling.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: crate::defaults::MAX_ATTEMPTS,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }
}

/// What to do after a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send again after this delay.
    Retry(Duration),
    /// Stop: the operation ends `failed` with this reason beside its last error.
    GiveUp(GiveUp),
}

/// Why an operation is not retried any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GiveUp {
    #[error("gave up after {0} attempts")]
    Attempts(u32),
    #[error("retry budget exhausted (too many failures on this instance; a rerun will retry)")]
    Budget,
}

impl RetryPolicy {
    /// Whether another request may follow `attempts` requests already sent.
    pub fn allows_another(&self, attempts: u32) -> bool {
        attempts < self.max_attempts
    }

    /// The upper bound of the delay before retry number `retry` (1 for the
    /// first retry, which follows the first attempt): `min(cap, base·2^(retry-1))`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1);
        let grown = 1u32
            .checked_shl(doublings)
            .and_then(|factor| self.base.checked_mul(factor))
            .unwrap_or(Duration::MAX);
        grown.min(self.cap)
    }

    /// A uniformly random delay in `[0, ceiling(retry)]`.
    pub fn backoff(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        let ceiling = u64::try_from(self.ceiling(retry).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.u64(0..=ceiling))
    }

    /// The delay before retry number `retry`: the jittered backoff, or the
    /// server's `Retry-After` (at most [`MAX_RETRY_AFTER`]) if that is longer.
    pub fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        rng: &mut fastrand::Rng,
    ) -> Duration {
        let backoff = self.backoff(retry, rng);
        retry_after.map_or(backoff, |ra| backoff.max(ra.min(MAX_RETRY_AFTER)))
    }

    /// The decision after the `attempts`-th request failed transiently: no
    /// more attempts left, no budget left on the instance, or retry after a
    /// delay (one retry is then withdrawn from `budget`).
    pub fn decide(
        &self,
        attempts: u32,
        retry_after: Option<Duration>,
        budget: &RetryBudget,
        rng: &mut fastrand::Rng,
    ) -> Decision {
        if !self.allows_another(attempts) {
            Decision::GiveUp(GiveUp::Attempts(attempts))
        } else if !budget.try_retry() {
            Decision::GiveUp(GiveUp::Budget)
        } else {
            Decision::Retry(self.delay(attempts, retry_after, rng))
        }
    }

    /// The jittered delays of every retry the policy allows, in order.
    pub fn delays<'a>(&self, rng: &'a mut fastrand::Rng) -> impl Iterator<Item = Duration> + 'a {
        let policy = *self;
        (1..policy.max_attempts).map(move |retry| policy.backoff(retry, rng))
    }
}

/// A `Retry-After` header value as a delay from `now`: delta-seconds
/// (`120`; a fraction such as `1.5` is tolerated) or an HTTP-date (a date in
/// the past means no wait). At most [`MAX_RETRY_AFTER`]. `None` when the
/// value is neither, so the caller falls back to its own backoff.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let delay = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        value.parse().map_or(MAX_RETRY_AFTER, Duration::from_secs)
    } else if value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        Duration::try_from_secs_f64(value.parse().ok()?).ok()?
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests;

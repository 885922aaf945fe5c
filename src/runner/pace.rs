//! Pacing: never more than the pace in any one-second window, no catch-up
//! burst after a stall, slower after a 429, and back to speed gradually.
//!
//! Each (instance, method) has its own [`Pacer`], since GREEN-API's limits are
//! per instance and per method. The base is a governor GCRA limiter with a
//! burst of one: a permit every `1/rate` seconds, and a stall earns no credit.
//! Slowing down is done by taking several permits per request (the
//! `slowdown` factor), which keeps the same no-burst guarantee at a fraction
//! of the pace; a `Retry-After` pauses the pacer outright.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

/// The largest slowdown: one request per sixteen permits.
pub const MAX_SLOWDOWN: u32 = 16;
/// Successes in a row that earn one step back towards full pace.
const RECOVER_AFTER: u32 = 20;

/// The pace of one (instance, method).
#[derive(Debug)]
pub struct Pacer {
    limiter: Option<DefaultDirectRateLimiter>,
    slowdown: AtomicU32,
    successes: AtomicU32,
    paused_until: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer at `rate` requests per second; `None` sends as fast as the
    /// workers can (for benchmarks against a local server only).
    pub fn new(rate: Option<f64>) -> Pacer {
        let limiter = rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .and_then(|r| Quota::with_period(Duration::from_secs_f64(1.0 / r)))
            .map(RateLimiter::direct);
        Pacer {
            limiter,
            slowdown: AtomicU32::new(1),
            successes: AtomicU32::new(0),
            paused_until: Mutex::new(None),
        }
    }

    /// Waits until this pacer lets one more request go.
    pub async fn acquire(&self) {
        loop {
            let pause = *self.paused_until.lock().expect("pacer lock");
            match pause {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => break,
            }
        }
        if let Some(limiter) = &self.limiter {
            for _ in 0..self.slowdown.load(Ordering::Relaxed) {
                limiter.until_ready().await;
            }
        }
    }

    /// A 429 arrived: halve the pace (down to 1/[`MAX_SLOWDOWN`]) and, when
    /// the server said how long to wait, pause for that long. Returns the new
    /// slowdown factor.
    pub fn throttled(&self, retry_after: Option<Duration>) -> u32 {
        self.successes.store(0, Ordering::Relaxed);
        if let Some(wait) = retry_after {
            let until = Instant::now() + wait;
            let mut paused = self.paused_until.lock().expect("pacer lock");
            if paused.is_none_or(|p| p < until) {
                *paused = Some(until);
            }
        }
        let previous = self
            .slowdown
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                Some((f * 2).min(MAX_SLOWDOWN))
            })
            .expect("always Some");
        (previous * 2).min(MAX_SLOWDOWN)
    }

    /// A request went through without a 429: after [`RECOVER_AFTER`] in a
    /// row, step the slowdown back by one. Returns the factor when it changed.
    pub fn succeeded(&self) -> Option<u32> {
        if self.slowdown.load(Ordering::Relaxed) == 1 {
            return None;
        }
        if self.successes.fetch_add(1, Ordering::Relaxed) + 1 < RECOVER_AFTER {
            return None;
        }
        self.successes.store(0, Ordering::Relaxed);
        let previous = self
            .slowdown
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                Some(f.saturating_sub(1).max(1))
            })
            .expect("always Some");
        Some(previous.saturating_sub(1).max(1))
    }

    /// The current slowdown factor (1 is full pace).
    pub fn slowdown(&self) -> u32 {
        self.slowdown.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_down_on_429_and_recovers_gradually() {
        let p = Pacer::new(Some(10.0));
        assert_eq!(p.throttled(None), 2);
        assert_eq!(p.throttled(None), 4);
        for _ in 0..5 {
            p.throttled(None);
        }
        assert_eq!(p.slowdown(), MAX_SLOWDOWN);
        let mut steps = vec![];
        for _ in 0..(RECOVER_AFTER * 20) {
            if let Some(f) = p.succeeded() {
                steps.push(f);
            }
        }
        assert_eq!(steps, (1..MAX_SLOWDOWN).rev().collect::<Vec<_>>());
        assert_eq!(p.succeeded(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_pauses_the_pacer() {
        let p = Pacer::new(None);
        p.throttled(Some(Duration::from_secs(3)));
        let start = Instant::now();
        p.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(3));
    }
}

//! Pacing: never more than the pace in any one-second window, no catch-up
//! burst after a stall, slower after a 429, and back to speed gradually.
//!
//! Each (instance, method) has its own [`Pacer`], since GREEN-API's limits are
//! per instance and per method. The schedule is a governor GCRA limiter with
//! a burst of one, one cell per `1/rate` plus a small [guard](GUARD_SHARE):
//! a stall earns no credit, so nothing bursts after it. GCRA schedules from
//! its theoretical times, though, so a request that left late may be followed
//! by an on-time one (at a pace equal to the server's limit that put 11
//! requests in one second); hence a second rule on top: never less than
//! `1/rate` after the previous request *actually* left. Slowing down takes
//! several cells per request (the `slowdown` factor); a `Retry-After` pauses
//! the pacer outright. The limiter runs on tokio's clock, so paced code is
//! testable with paused time.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::time::Instant;

/// The largest slowdown: one request per sixteen periods.
pub const MAX_SLOWDOWN: u32 = 16;
/// Successes in a row that earn one step back towards full pace.
const RECOVER_AFTER: u32 = 20;
/// Added to each spacing, as a share of the period (at most [`MAX_GUARD`]):
/// what arrives at the server is spaced by the send times plus the jitter of
/// getting each request onto the wire, and at a pace equal to the limit even
/// a millisecond of it is a 429. With timers that wake a little late, the
/// achieved pace is about 98 % of the rate.
const GUARD_SHARE: f64 = 0.01;
const MAX_GUARD: Duration = Duration::from_millis(20);

/// governor's clock, read from tokio's: time since the pacer was made.
#[derive(Debug, Clone)]
struct TokioClock(Instant);

impl Clock for TokioClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

/// The pace of one (instance, method).
#[derive(Debug)]
pub struct Pacer {
    /// The schedule at full pace (guard included); `None` when unpaced.
    limiter: Option<(Limiter, TokioClock)>,
    /// `1/rate`: the least spacing between two real sends.
    base: Duration,
    /// When the last request left. Held while a request waits for its turn,
    /// so waiters go one at a time, in order.
    last_sent: tokio::sync::Mutex<Option<Instant>>,
    slowdown: AtomicU32,
    successes: AtomicU32,
    /// When the slowdown last grew: 429s answering requests sent before
    /// then reflect the old pace and do not slow down again.
    slowed_at: Mutex<Option<Instant>>,
    paused_until: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer at `rate` requests per second; `None` sends as fast as the
    /// workers can (for benchmarks against a local server only).
    pub fn new(rate: Option<f64>) -> Pacer {
        let base = rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        let limiter = base
            .map(|b| b + b.mul_f64(GUARD_SHARE).min(MAX_GUARD))
            .and_then(Quota::with_period)
            .map(|quota| {
                let clock = TokioClock(Instant::now());
                (RateLimiter::direct_with_clock(quota, clock.clone()), clock)
            });
        Pacer {
            limiter,
            base: base.unwrap_or_default(),
            last_sent: tokio::sync::Mutex::new(None),
            slowdown: AtomicU32::new(1),
            successes: AtomicU32::new(0),
            slowed_at: Mutex::new(None),
            paused_until: Mutex::new(None),
        }
    }

    /// Waits until this pacer lets one more request go. A waiter dropped
    /// midway may cost the pace a slot, never add a burst.
    pub async fn acquire(&self) {
        loop {
            let pause = *self.paused_until.lock().expect("pacer lock");
            match pause {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => break,
            }
        }
        let Some((limiter, clock)) = &self.limiter else {
            return;
        };
        let mut last = self.last_sent.lock().await;
        let factor = self.slowdown.load(Ordering::Relaxed);
        for _ in 0..factor {
            while let Err(not_until) = limiter.check() {
                tokio::time::sleep(not_until.wait_time_from(clock.now())).await;
            }
        }
        if let Some(at) = *last {
            tokio::time::sleep_until(at + self.base * factor).await;
        }
        *last = Some(Instant::now());
    }

    /// A 429 arrived: halve the pace (down to 1/[`MAX_SLOWDOWN`]) and, when
    /// the server said how long to wait, pause for that long. Returns the new
    /// slowdown factor.
    pub fn throttled(&self, retry_after: Option<Duration>) -> u32 {
        self.successes.store(0, Ordering::Relaxed);
        let now = Instant::now();
        if let Some(wait) = retry_after {
            let until = now + wait;
            let mut paused = self.paused_until.lock().expect("pacer lock");
            if paused.is_none_or(|p| p < until) {
                *paused = Some(until);
            }
        }
        // The requests in flight when the first 429 came were sent at the
        // old pace: their 429s are the same news, not a reason to halve the
        // pace once per request. One more halving per second at most.
        let mut slowed_at = self.slowed_at.lock().expect("pacer lock");
        if slowed_at.is_some_and(|at| now.duration_since(at) < Duration::from_secs(1)) {
            return self.slowdown();
        }
        *slowed_at = Some(now);
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

    #[tokio::test(start_paused = true)]
    async fn slows_down_on_429_and_recovers_gradually() {
        let p = Pacer::new(Some(10.0));
        assert_eq!(p.throttled(None), 2);
        assert_eq!(
            p.throttled(None),
            2,
            "a second 429 at once is the same news"
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(p.throttled(None), 4);
        for _ in 0..5 {
            tokio::time::advance(Duration::from_secs(1)).await;
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
    async fn spacing_counts_from_the_real_send_and_a_stall_earns_nothing() {
        let p = Pacer::new(Some(10.0));
        let start = Instant::now();
        p.acquire().await;
        p.acquire().await;
        let gap = start.elapsed();
        assert!(gap >= Duration::from_millis(100), "{gap:?}");
        assert!(gap <= Duration::from_millis(103), "{gap:?}");
        // A stall: the next request goes at once, the one after a period later.
        tokio::time::advance(Duration::from_secs(5)).await;
        let after = Instant::now();
        p.acquire().await;
        assert_eq!(after.elapsed(), Duration::ZERO);
        p.acquire().await;
        assert!(after.elapsed() >= Duration::from_millis(100));
        // Slowed down twice over: twice the spacing.
        p.throttled(None);
        let slowed = Instant::now();
        p.acquire().await;
        p.acquire().await;
        assert!(
            slowed.elapsed() >= Duration::from_millis(300),
            "{:?}",
            slowed.elapsed()
        );
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

//! Pacing: never more than the pace in any one-second window, no catch-up
//! burst after a stall, slower after a 429 in proportion to what it says,
//! back to speed gradually, and held while the server is down.
//!
//! Each (instance, method) has its own [`Pacer`], since GREEN-API's limits are
//! per instance and per method. The schedule is a governor GCRA limiter with
//! a burst of one, one cell per `1/rate` plus a small [guard](GUARD_SHARE):
//! a stall earns no credit, so nothing bursts after it. GCRA schedules from
//! its theoretical times, though, so a request that left late may be followed
//! by an on-time one (at a pace equal to the server's limit that put 11
//! requests in one second); hence a second rule on top: never less than one
//! period of the *current* pace after the previous request actually left.
//! The current pace is the [`adapt`]ive one (429s lower it in proportion);
//! a `Retry-After` pauses the pacer outright; an [`outage`] holds every
//! request but one probe. The limiter runs on tokio's clock, so paced code
//! is testable with paused time.

pub mod adapt;
pub mod outage;

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::sync::Notify;
use tokio::time::Instant;

use adapt::Adaptive;
pub use adapt::Throttle;
use outage::{Failure, Gate, Health};

/// Added to each spacing, as a share of the period (at most [`MAX_GUARD`]):
/// what arrives at the server is spaced by the send times plus the jitter of
/// getting each request onto the wire, and at a pace equal to the limit even
/// a millisecond of it is a 429. With timers that wake a little late, the
/// achieved pace is about 98 % of the rate.
const GUARD_SHARE: f64 = 0.01;
const MAX_GUARD: Duration = Duration::from_millis(20);
/// The window over which the server counts, and over which the pacer counts
/// what it sent to read a 429.
const WINDOW: Duration = Duration::from_secs(1);

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

/// Why a request may not leave at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GaveUp(pub String);

/// What the pacer learned from an answer, for the events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// An outage began: requests wait for a probe.
    OutageBegan,
    /// The server answers again after this long.
    OutageEnded(Duration),
}

/// One request that left, as the pacer remembers it to read a 429.
#[derive(Debug, Clone, Copy)]
struct Sent {
    at: Instant,
    /// A 429 refused it.
    refused: bool,
    /// When its answer (or failure) came; `None` while on the wire.
    answered: Option<Instant>,
}

/// The pace of one (instance, method).
#[derive(Debug)]
pub struct Pacer {
    /// The schedule at the chosen pace (guard included); `None` when unpaced.
    limiter: Option<(Limiter, TokioClock)>,
    /// The guard added to every spacing.
    guard: Duration,
    /// How many send times are kept: half a minute's worth at the pace.
    history: usize,
    patience: Duration,
    state: Mutex<State>,
    /// Waiters take turns in order; held across the wait for a slot.
    turn: tokio::sync::Mutex<()>,
    /// Foreground waiters: background ones (read-ahead) yield to them.
    foreground: AtomicUsize,
    /// Woken when an outage ends or the foreground queue empties.
    wake: Notify,
}

#[derive(Debug)]
struct State {
    adapt: Option<Adaptive>,
    last_sent: Option<Instant>,
    /// The latest requests (see [`Sent`]), oldest first.
    recent: VecDeque<Sent>,
    paused_until: Option<Instant>,
    /// How long `Retry-After`s have paused this pacer in all: counted
    /// against the outage patience.
    paused_total: Duration,
    health: Health,
    rng: fastrand::Rng,
}

impl Pacer {
    /// A pacer at `rate` requests per second; `None` sends as fast as the
    /// workers can (for benchmarks against a local server only). An outage
    /// is waited out for [`crate::defaults::OUTAGE_PATIENCE`].
    pub fn new(rate: Option<f64>) -> Pacer {
        Pacer::with_patience(rate, crate::defaults::OUTAGE_PATIENCE)
    }

    /// A pacer that waits out an outage for at most `patience` (zero: never).
    pub fn with_patience(rate: Option<f64>, patience: Duration) -> Pacer {
        let rate = rate.filter(|r| r.is_finite() && *r > 0.0);
        let base = rate.map(|r| Duration::from_secs_f64(1.0 / r));
        let guard = base.map_or(Duration::ZERO, |b| b.mul_f64(GUARD_SHARE).min(MAX_GUARD));
        let limiter = base
            .map(|b| b + guard)
            .and_then(Quota::with_period)
            .map(|quota| {
                let clock = TokioClock(Instant::now());
                (RateLimiter::direct_with_clock(quota, clock.clone()), clock)
            });
        Pacer {
            limiter,
            guard,
            history: rate.map_or(32, |r| (r * 30.0).ceil().clamp(32.0, 512.0) as usize),
            patience,
            state: Mutex::new(State {
                adapt: rate.map(Adaptive::new),
                last_sent: None,
                recent: VecDeque::new(),
                paused_until: None,
                paused_total: Duration::ZERO,
                health: Health::default(),
                rng: fastrand::Rng::new(),
            }),
            turn: tokio::sync::Mutex::new(()),
            foreground: AtomicUsize::new(0),
            wake: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until this pacer lets one more request go and returns the
    /// moment it left; `Err` when an outage outlasted the patience. A waiter
    /// dropped midway may cost the pace a slot, never add a burst.
    pub async fn acquire(&self) -> Result<Instant, GaveUp> {
        self.foreground.fetch_add(1, Ordering::AcqRel);
        let result = self.take(false).await;
        if self.foreground.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.wake.notify_waiters();
        }
        result
    }

    /// As [`acquire`](Pacer::acquire), but yields to every foreground
    /// waiter: reads ahead never delay the reads a refusal needs.
    pub async fn acquire_background(&self) -> Result<Instant, GaveUp> {
        self.take(true).await
    }

    async fn take(&self, background: bool) -> Result<Instant, GaveUp> {
        loop {
            let probe = self.admitted(background).await?;
            let turn = if background {
                // Out of the queue while waiting for a slot, so that a
                // foreground request arriving meanwhile goes first.
                let ready = {
                    let s = self.lock();
                    match (s.last_sent, &s.adapt) {
                        (Some(at), Some(adapt)) => Some(at + adapt.period() + self.guard * 2),
                        _ => None,
                    }
                };
                if let Some(ready) = ready.filter(|r| *r > Instant::now()) {
                    tokio::time::sleep_until(ready).await;
                    continue;
                }
                match self.turn.try_lock() {
                    Ok(turn) if self.foreground.load(Ordering::Acquire) == 0 => turn,
                    _ => {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                }
            } else {
                self.turn.lock().await
            };
            if let Some((limiter, clock)) = &self.limiter {
                while let Err(not_until) = limiter.check() {
                    tokio::time::sleep(not_until.wait_time_from(clock.now())).await;
                }
            }
            let next = {
                let s = self.lock();
                match (s.last_sent, &s.adapt) {
                    (Some(at), Some(adapt)) => Some(at + adapt.period().max(self.guard)),
                    _ => None,
                }
            };
            if let Some(next) = next {
                tokio::time::sleep_until(next).await;
            }
            // The server may have gone down (or asked for a pause) while this
            // request waited for its slot: look again before it leaves.
            let now = Instant::now();
            let mut s = self.lock();
            if s.paused_until.is_some_and(|p| p > now) || (s.health.is_down() && !probe) {
                drop(s);
                drop(turn);
                continue;
            }
            s.last_sent = Some(now);
            // Kept by count, not age: a 429 may answer long after its
            // request left (a stall, a slow server), and it is read against
            // the second before it left.
            s.recent.push_back(Sent {
                at: now,
                refused: false,
                answered: None,
            });
            if s.recent.len() > self.history {
                s.recent.pop_front();
            }
            return Ok(now);
        }
    }

    /// Waits out a `Retry-After` pause and an outage; `true` when this
    /// request is to leave as the outage's probe.
    async fn admitted(&self, background: bool) -> Result<bool, GaveUp> {
        loop {
            let now = Instant::now();
            let wait = {
                let mut s = self.lock();
                match s.paused_until {
                    // Each Retry-After is at most 10 minutes, but a server
                    // that keeps asking must not hold a run for ever: its
                    // pauses count against the outage patience (not with
                    // `0s`, which is about outages alone).
                    Some(until)
                        if until > now
                            && !self.patience.is_zero()
                            && s.paused_total > self.patience =>
                    {
                        return Err(GaveUp(format!(
                            "the server asked to wait {} in all (Retry-After), longer than the outage patience of {}; a rerun will retry",
                            humantime::format_duration(Duration::from_secs(
                                s.paused_total.as_secs()
                            )),
                            humantime::format_duration(self.patience)
                        )));
                    }
                    Some(until) if until > now => Some(until),
                    _ => match s.health.gate(now, self.patience) {
                        Gate::Go => None,
                        Gate::Probe => return Ok(true),
                        Gate::Wait(until) => Some(until),
                        Gate::GiveUp(why) => return Err(GaveUp(why)),
                    },
                }
            };
            match wait {
                None if background && self.foreground.load(Ordering::Acquire) > 0 => {
                    let notified = self.wake.notified();
                    if self.foreground.load(Ordering::Acquire) > 0 {
                        // Looked at again now and then, in case a wake-up was missed.
                        let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
                    }
                }
                None => return Ok(false),
                Some(until) => {
                    let notified = self.wake.notified();
                    tokio::select! {
                        _ = tokio::time::sleep_until(until) => {}
                        _ = notified => {}
                    }
                }
            }
        }
    }

    /// A 429 answered the request that left at `sent_at`; `retry_after` is
    /// the server's own wait, honoured exactly.
    pub fn throttled(&self, sent_at: Instant, retry_after: Option<Duration>) -> Throttle {
        let now = Instant::now();
        let mut s = self.lock();
        // The server answered: whatever else, it is up.
        let ended = s.health.answered(now);
        let mut paused = None;
        if let Some(wait) = retry_after {
            let until = now + wait;
            if s.paused_until.is_none_or(|p| p < until) {
                let from = s.paused_until.filter(|p| *p > now).unwrap_or(now);
                s.paused_total += until - from;
                s.paused_until = Some(until);
                paused = Some(wait).filter(|w| !w.is_zero());
            }
        }
        s.settle(sent_at, now, true);
        let admitted = s.admitted_before(sent_at);
        let mut throttle = match &mut s.adapt {
            Some(adapt) => adapt.throttled(sent_at, now, admitted),
            None => Throttle {
                news: false,
                rate: f64::INFINITY,
                paused: None,
            },
        };
        throttle.paused = paused;
        drop(s);
        if ended.is_some() {
            self.wake.notify_waiters();
        }
        throttle
    }

    /// An answer that is not a transient failure (nor a 429) to the request
    /// that left at `sent_at`. Returns the pace when it changed, and the end
    /// of an outage.
    pub fn answered(&self, sent_at: Instant) -> (Option<f64>, Option<Change>) {
        let now = Instant::now();
        let mut s = self.lock();
        s.settle(sent_at, now, false);
        let ended = s.health.answered(now);
        let rate = s.adapt.as_mut().and_then(Adaptive::succeeded);
        drop(s);
        if ended.is_some() {
            self.wake.notify_waiters();
        }
        (rate, ended.map(Change::OutageEnded))
    }

    /// A transient failure (5xx, timeout, lost connection) of the request
    /// that left at `sent_at`: is it the server's news or this request's bad luck?
    pub fn failed(&self, sent_at: Instant, reason: &str) -> Failure {
        let now = Instant::now();
        let mut s = self.lock();
        s.settle(sent_at, now, false);
        let jitter = s.rng.f64();
        if self.patience.is_zero() {
            return Failure::Scattered;
        }
        s.health.failed(now, reason, jitter)
    }

    /// The pace now in requests per second (`None`: unpaced).
    pub fn rate(&self) -> Option<f64> {
        self.lock().adapt.as_ref().map(Adaptive::rate)
    }

    /// Whether the server is taken to be down.
    pub fn is_down(&self) -> bool {
        self.lock().health.is_down()
    }
}

impl State {
    /// Records the end of the request that left at `sent_at`.
    fn settle(&mut self, sent_at: Instant, now: Instant, refused: bool) {
        if let Some(sent) = self.recent.iter_mut().rev().find(|s| s.at == sent_at) {
            sent.refused |= refused;
            sent.answered.get_or_insert(now);
        }
    }

    /// How many requests the server may have counted in the second before
    /// one that left at `sent_at`: those not refused that left in that
    /// second, or left earlier but were answered in it or later (a slow or
    /// stalled server may count a request whenever it gets to it). `None`
    /// when that second is not wholly on record.
    fn admitted_before(&self, sent_at: Instant) -> Option<u32> {
        let oldest = self.recent.front()?.at;
        if sent_at.saturating_duration_since(oldest) < WINDOW {
            return None;
        }
        let counted = self
            .recent
            .iter()
            .filter(|s| s.at < sent_at && !s.refused)
            .filter(|s| {
                // Left in that second, or answered in it or after: a server
                // counts a request somewhere between the two.
                sent_at.duration_since(s.at) < WINDOW
                    || s.answered.is_none_or(|a| a + WINDOW > sent_at)
            })
            .count();
        Some(counted as u32)
    }
}

#[cfg(test)]
mod tests;

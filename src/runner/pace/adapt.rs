//! How the pace answers 429s: in proportion, as TCP's congestion control
//! and the AWS SDKs' adaptive retry mode do, rather than halving for good.
//!
//! - A 429 is news about the pace at which the request left. Requests sent
//!   before the last slow-down reflect the old pace: their 429s are the same
//!   news and change nothing (one decrease per round trip, as TCP reduces
//!   once per window).
//! - How much to slow down depends on what the 429 says. The pacer counts the
//!   requests it sent in the second before the refused one that were not
//!   refused themselves: the server admitted about that many. When that is
//!   about the pace, the limit *is* the pace and the 429 is arrival jitter at
//!   the edge: a 3 % nudge. When it is far below, the server's limit (or the
//!   share left by another client of the same instance) is lower: jump
//!   straight to it. Without a second of history, a 10 % step.
//! - Back up in the shape of CUBIC: quickly to just under the pace that was
//!   refused (the *ceiling*), then hold there for a while, then probe above
//!   it by 1 % per success. A probe that is refused doubles the hold (up to
//!   [`MAX_HOLD`] successes), so a server whose limit is below the pace is
//!   asked less and less often; a probe that reaches the chosen pace forgets
//!   the ceiling.
//!
//! Pure arithmetic over counts and times the caller passes in, so every
//! step is unit-tested without a clock.

use std::time::Duration;

use tokio::time::Instant;

/// The step down after a 429 when nothing better is known.
const BETA: f64 = 0.9;
/// The step down when the server admitted about the pace: jitter at the edge.
const EDGE_BETA: f64 = 0.97;
/// Where the recovery stops below the ceiling, as a share of it.
const PLATEAU: f64 = 0.97;
/// Below the estimated limit, as a share of it, when jumping to it.
const UNDER: f64 = 0.98;
/// Successes that climb from the step down back to the plateau.
const RECOVER: f64 = 8.0;
/// Successes at the plateau before the first probe above it.
const BASE_HOLD: u32 = 20;
/// The longest hold.
pub const MAX_HOLD: u32 = 640;
/// Each probing success raises the pace by this share.
const PROBE: f64 = 0.01;
/// The pace never falls below this share of the chosen one.
const FLOOR: f64 = 1.0 / 16.0;

/// The adaptive pace of one (instance, method), in requests per second.
#[derive(Debug, Clone)]
pub struct Adaptive {
    /// The chosen pace: never exceeded.
    target: f64,
    rate: f64,
    /// The pace a 429 last refused, while it is remembered.
    ceiling: Option<f64>,
    hold: u32,
    /// Successes since the last 429.
    streak: u32,
    /// When the pace last went down: 429s of requests sent before are old news.
    decreased_at: Option<Instant>,
}

/// What a 429 did to the pace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    /// False when it was old news (the request left before the last slow-down).
    pub news: bool,
    /// The pace now, in requests per second.
    pub rate: f64,
    /// The 429's `Retry-After` made the pacer wait this long from now
    /// (`None`: it asked for no wait, or for one already kept).
    pub paused: Option<Duration>,
}

impl Adaptive {
    pub fn new(target: f64) -> Adaptive {
        Adaptive {
            target,
            rate: target,
            ceiling: None,
            hold: BASE_HOLD,
            streak: 0,
            decreased_at: None,
        }
    }

    /// The pace now, in requests per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The spacing between two requests at the pace now.
    pub fn period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }

    /// A 429 answered a request that left at `sent_at`; `admitted` is how
    /// many requests of this pacer left in the second before it and were not
    /// refused, or `None` when the pacer has been sending for less than a
    /// second.
    pub fn throttled(&mut self, sent_at: Instant, now: Instant, admitted: Option<u32>) -> Throttle {
        if self.decreased_at.is_some_and(|at| sent_at <= at) {
            return Throttle {
                news: false,
                rate: self.rate,
                paused: None,
            };
        }
        let before = self.rate;
        let mut next = before * BETA;
        if let Some(n) = admitted {
            // The server's window held about n of ours, plus perhaps one
            // that arrival jitter moved in: its limit is n or n + 1 a second.
            let estimate = f64::from(n) + 1.0;
            if estimate >= before * PLATEAU {
                next = before * EDGE_BETA;
            } else if f64::from(n.max(1)) * UNDER < next {
                next = f64::from(n.max(1)) * UNDER;
            }
        }
        let at_plateau = match self.ceiling {
            Some(c) => before >= c * PLATEAU * 0.999,
            None => before >= self.target * 0.999,
        };
        if at_plateau && self.decreased_at.is_some() {
            // A probe (or the plateau itself) was refused: wait longer next time.
            self.hold = (self.hold * 2).min(MAX_HOLD);
        }
        self.ceiling = Some(before);
        self.rate = next.max(self.target * FLOOR).min(self.target);
        self.streak = 0;
        self.decreased_at = Some(now);
        Throttle {
            news: true,
            rate: self.rate,
            paused: None,
        }
    }

    /// A request of this pacer went through without a 429. Returns the pace
    /// when it changed.
    pub fn succeeded(&mut self) -> Option<f64> {
        self.streak = self.streak.saturating_add(1);
        if self.rate >= self.target {
            return None;
        }
        let before = self.rate;
        let ceiling = self.ceiling.unwrap_or(self.target);
        let plateau = (ceiling * PLATEAU).min(self.target);
        if self.rate < plateau {
            let step = ceiling * (PLATEAU - BETA) / RECOVER;
            self.rate = (self.rate + step.max(self.target * 0.002)).min(plateau);
        } else if self.streak >= self.hold {
            self.rate = (self.rate * (1.0 + PROBE)).min(self.target);
            if self.rate >= self.target {
                self.ceiling = None;
            }
        }
        (self.rate != before).then_some(self.rate)
    }

    /// Successes the pacer waits at its plateau before probing.
    pub fn hold(&self) -> u32 {
        self.hold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        // Instants only compared with each other: any base will do.
        static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *BASE.get_or_init(Instant::now) + Duration::from_millis(ms)
    }

    #[test]
    fn jitter_at_the_edge_costs_a_nudge_and_recovers() {
        let mut a = Adaptive::new(10.0);
        let t = a.throttled(at(5000), at(5200), Some(9));
        assert!(t.news);
        assert!((t.rate - 9.7).abs() < 1e-9, "{}", t.rate);
        // Straight at the plateau (0.97 of 10): hold, then probe back to 10.
        let mut successes = 0;
        while a.rate() < 10.0 {
            a.succeeded();
            successes += 1;
            assert!(successes < 100, "never recovers");
        }
        assert_eq!(successes, BASE_HOLD + 3, "hold, then three 1 % probes");
        assert_eq!(a.ceiling, None, "the ceiling is forgotten at the pace");
    }

    #[test]
    fn old_news_changes_nothing() {
        let mut a = Adaptive::new(10.0);
        a.throttled(at(1000), at(1200), None);
        let rate = a.rate();
        let t = a.throttled(at(1100), at(1250), None);
        assert!(!t.news);
        assert_eq!(t.rate, rate);
        let t = a.throttled(at(1300), at(1450), None);
        assert!(t.news, "a request sent after the slow-down is news");
    }

    #[test]
    fn without_history_a_429_is_a_ten_percent_step() {
        let mut a = Adaptive::new(10.0);
        let t = a.throttled(at(0), at(100), None);
        assert!((t.rate - 9.0).abs() < 1e-9);
        // Within 10 % at once, and back at the plateau within RECOVER successes.
        for _ in 0..RECOVER as u32 {
            a.succeeded();
        }
        assert!((a.rate() - 9.7).abs() < 1e-6, "{}", a.rate());
    }

    #[test]
    fn a_limit_far_below_the_pace_is_found_in_one_step() {
        let mut a = Adaptive::new(10.0);
        // The server let 5 through in the second before: its limit is about 5.
        let t = a.throttled(at(2000), at(2150), Some(5));
        assert!((t.rate - 4.9).abs() < 1e-9, "{}", t.rate);
    }

    #[test]
    fn refused_probes_wait_longer_and_longer() {
        let mut a = Adaptive::new(10.0);
        let mut now = 0;
        let mut t = |a: &mut Adaptive, n| {
            now += 10_000;
            a.throttled(at(now), at(now + 100), Some(n))
        };
        t(&mut a, 5); // 4.9, ceiling 10
        let mut holds = vec![];
        for _ in 0..5 {
            // Climb to the plateau and probe until the server refuses at ~5.
            let mut guard = 0;
            while a.rate() < 5.05 {
                a.succeeded();
                guard += 1;
                assert!(guard < 2000);
            }
            t(&mut a, 5);
            holds.push(a.hold());
        }
        assert_eq!(holds[0], BASE_HOLD, "the first climb was a recovery");
        assert!(holds.windows(2).all(|w| w[1] >= w[0]), "{holds:?}");
        assert!(*holds.last().unwrap() >= 4 * BASE_HOLD, "{holds:?}");
    }

    #[test]
    fn the_pace_never_leaves_its_bounds() {
        let mut a = Adaptive::new(2.0);
        for i in 0..100 {
            a.throttled(at(i * 10_000), at(i * 10_000 + 1), Some(0));
        }
        assert!((a.rate() - 2.0 * FLOOR).abs() < 1e-9);
        for _ in 0..100_000 {
            a.succeeded();
        }
        assert_eq!(a.rate(), 2.0);
    }
}

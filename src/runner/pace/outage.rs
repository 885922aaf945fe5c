//! Outages: when every request of an (instance, method) fails alike, that is
//! the server's news, not each operation's. A circuit breaker in the manner
//! of Hystrix and resilience4j:
//!
//! - **Up**: requests flow. [`TRIP_AFTER`] transient failures in a row, with
//!   no answer in between, trip it.
//! - **Down**: nothing is sent but one probe at a time, at growing, jittered
//!   intervals (1 s doubling to 30 s, each drawn from its upper half, so
//!   instances that failed together do not probe together). The operations
//!   that wait are not charged an attempt.
//! - Any answer that is not a transient failure (a success, a refusal, even a
//!   429) brings it back **up**, and the waiting requests go on at the pace.
//! - After the *patience* (`--outage-patience`) without an answer the outage
//!   is final: the requests still waiting give up and their operations end
//!   `failed`, for a rerun.
//!
//! Pure state over times the caller passes in; the pacer does the waiting.

use std::time::Duration;

use tokio::time::Instant;

/// Transient failures in a row that make an outage. A few scattered
/// failures stay each operation's business, retried within its attempts.
pub const TRIP_AFTER: u32 = 5;
/// The first probe's interval; it doubles per failed probe up to [`MAX_PROBE`].
const FIRST_PROBE: Duration = Duration::from_secs(1);
const MAX_PROBE: Duration = Duration::from_secs(30);

/// The health of one (instance, method).
#[derive(Debug, Clone)]
pub enum Health {
    Up {
        /// Transient failures since the last answer.
        failures: u32,
    },
    Down {
        since: Instant,
        /// Probes that failed so far.
        probes: u32,
        /// When the next probe may leave.
        probe_at: Instant,
        /// A probe is on the wire.
        probing: bool,
        /// The last failure's text, for the operations that give up.
        last: String,
    },
}

/// What the breaker says to a request that wants to leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Go (the pacer's own spacing still applies).
    Go,
    /// Go as the probe of an outage.
    Probe,
    /// Wait until then (or until the breaker changes).
    Wait(Instant),
    /// The outage outlasted the patience: give up with this text.
    GiveUp(String),
}

/// What a transient failure meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// One operation's bad luck: retry it as usual.
    Scattered,
    /// This failure made the outage (the caller says so once); the first
    /// probe leaves after `next_try`.
    Tripped { next_try: Duration },
    /// Part of an outage already known: not the operation's fault. When it
    /// was the outage's probe that failed, the next leaves after `next_try`.
    During { next_try: Option<Duration> },
}

impl Default for Health {
    fn default() -> Health {
        Health::Up { failures: 0 }
    }
}

impl Health {
    /// Whether a request may leave `now`, waiting at most `patience` in an outage.
    pub fn gate(&mut self, now: Instant, patience: Duration) -> Gate {
        match self {
            Health::Up { .. } => Gate::Go,
            Health::Down {
                since,
                probe_at,
                probing,
                last,
                ..
            } => {
                if now.duration_since(*since) >= patience {
                    return Gate::GiveUp(format!(
                        "{last} (every request failed for {}: gave up waiting; a rerun will retry)",
                        humantime::format_duration(round_secs(now.duration_since(*since)))
                    ));
                }
                if *probing || now < *probe_at {
                    // While a probe is out, look again a little later.
                    let until = if *probing {
                        now + FIRST_PROBE
                    } else {
                        *probe_at
                    };
                    let give_up_at = *since + patience;
                    return Gate::Wait(until.min(give_up_at));
                }
                *probing = true;
                Gate::Probe
            }
        }
    }

    /// A transient failure arrived (`jitter` in `[0, 1)` draws the next probe time).
    pub fn failed(&mut self, now: Instant, reason: &str, jitter: f64) -> Failure {
        match self {
            Health::Up { failures } => {
                *failures += 1;
                if *failures < TRIP_AFTER {
                    return Failure::Scattered;
                }
                let next_try = probe_interval(0, jitter);
                *self = Health::Down {
                    since: now,
                    probes: 0,
                    probe_at: now + next_try,
                    probing: false,
                    last: reason.to_owned(),
                };
                Failure::Tripped { next_try }
            }
            Health::Down {
                probes,
                probe_at,
                probing,
                last,
                ..
            } => {
                let mut next_try = None;
                if *probing {
                    *probing = false;
                    *probes += 1;
                    let wait = probe_interval(*probes, jitter);
                    *probe_at = now + wait;
                    next_try = Some(wait);
                }
                reason.clone_into(last);
                Failure::During { next_try }
            }
        }
    }

    /// An answer that is not a transient failure: the server works. Returns
    /// how long the outage lasted, if there was one.
    pub fn answered(&mut self, now: Instant) -> Option<Duration> {
        let lasted = match self {
            Health::Down { since, .. } => Some(now.duration_since(*since)),
            Health::Up { .. } => None,
        };
        *self = Health::Up { failures: 0 };
        lasted
    }

    pub fn is_down(&self) -> bool {
        matches!(self, Health::Down { .. })
    }
}

/// The wait before probe number `probes + 1`: the upper half of
/// `min(30 s, 1 s · 2^probes)`.
fn probe_interval(probes: u32, jitter: f64) -> Duration {
    let ceiling = FIRST_PROBE
        .checked_mul(1u32.checked_shl(probes.min(16)).unwrap_or(u32::MAX))
        .unwrap_or(MAX_PROBE)
        .min(MAX_PROBE);
    ceiling.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

fn round_secs(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATIENCE: Duration = Duration::from_secs(300);

    #[test]
    fn scattered_failures_do_not_trip_it() {
        let mut h = Health::default();
        let t0 = Instant::now();
        for _ in 0..TRIP_AFTER - 1 {
            assert_eq!(h.failed(t0, "HTTP 502", 0.5), Failure::Scattered);
        }
        h.answered(t0);
        for _ in 0..TRIP_AFTER - 1 {
            assert_eq!(h.failed(t0, "HTTP 502", 0.5), Failure::Scattered);
        }
        assert_eq!(h.gate(t0, PATIENCE), Gate::Go);
        assert!(matches!(
            h.failed(t0, "HTTP 502", 0.5),
            Failure::Tripped { .. }
        ));
        assert!(h.is_down());
    }

    #[test]
    fn one_probe_per_step_at_growing_intervals() {
        let mut h = Health::default();
        let t0 = Instant::now();
        for _ in 0..TRIP_AFTER {
            h.failed(t0, "HTTP 502 Bad Gateway", 0.0);
        }
        // Nothing leaves before the first probe time (the upper half of 1 s).
        assert_eq!(
            h.gate(t0, PATIENCE),
            Gate::Wait(t0 + Duration::from_millis(500))
        );
        let mut now = t0 + Duration::from_millis(500);
        let mut gaps = vec![];
        for _ in 0..7 {
            assert_eq!(h.gate(now, PATIENCE), Gate::Probe);
            // Only one probe at a time.
            assert!(matches!(h.gate(now, PATIENCE), Gate::Wait(_)));
            let Failure::During {
                next_try: Some(said),
            } = h.failed(now, "HTTP 502 Bad Gateway", 0.0)
            else {
                panic!("a failed probe says when the next leaves")
            };
            let Gate::Wait(next) = h.gate(now, PATIENCE) else {
                panic!("waits after a failed probe")
            };
            assert_eq!(
                next.duration_since(now),
                said,
                "the wait said is the wait kept"
            );
            gaps.push(next.duration_since(now).as_millis());
            now = next;
        }
        assert_eq!(gaps, [1000, 2000, 4000, 8000, 15000, 15000, 15000]);
        assert_eq!(h.answered(now), Some(now.duration_since(t0)));
        assert_eq!(h.gate(now, PATIENCE), Gate::Go);
    }

    #[test]
    fn an_outage_longer_than_the_patience_gives_up() {
        let mut h = Health::default();
        let t0 = Instant::now();
        for _ in 0..TRIP_AFTER {
            h.failed(t0, "HTTP 502 Bad Gateway", 0.9);
        }
        let patience = Duration::from_secs(20);
        let late = t0 + Duration::from_secs(19);
        assert_eq!(h.gate(late, patience), Gate::Probe);
        h.failed(late, "HTTP 502 Bad Gateway", 0.9);
        let Gate::Wait(until) = h.gate(late, patience) else {
            panic!("still waiting")
        };
        assert_eq!(until, t0 + patience, "the wait ends when the patience does");
        let Gate::GiveUp(why) = h.gate(t0 + patience, patience) else {
            panic!("gives up")
        };
        assert!(
            why.starts_with("HTTP 502 Bad Gateway (every request failed for 20s"),
            "{why}"
        );
    }

    #[test]
    fn probe_intervals_are_jittered_in_the_upper_half_of_a_doubling_ceiling() {
        // The ceiling: 1 s, doubled per failed probe, held at 30 s.
        let ceilings = [1, 2, 4, 8, 16, 30, 30, 30];
        let jitters = [0.0, 0.3, 0.7, 0.999];
        for (probes, &secs) in (0u32..).zip(&ceilings) {
            let drawn: Vec<Duration> = jitters.iter().map(|&j| probe_interval(probes, j)).collect();
            // Each draw lands where its jitter puts it in the upper half:
            // half the ceiling at 0, just under the ceiling at 0.999.
            for (&j, d) in jitters.iter().zip(&drawn) {
                let expected = f64::from(secs) * (0.5 + 0.5 * j);
                assert!(
                    (d.as_secs_f64() - expected).abs() < 1e-6,
                    "probe {probes}, jitter {j}: {d:?}, not {expected} s"
                );
            }
            // So instances that failed together probe apart.
            assert!(
                drawn.windows(2).all(|w| w[0] < w[1]),
                "probe {probes}: {drawn:?}"
            );
        }
        // Long outages stay at the cap, without overflowing.
        for probes in [8, 16, 17, 31, 32, u32::MAX] {
            assert_eq!(probe_interval(probes, 0.0), MAX_PROBE / 2, "{probes}");
            assert_eq!(probe_interval(probes, 1.0), MAX_PROBE, "{probes}");
        }
    }
}

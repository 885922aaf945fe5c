//! Rate limits per (instance, method) over a sliding one-second window of
//! accepted requests, as GREEN-API documents them: a request beyond the limit
//! is refused with 429 and does not count.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::greenapi::{Method, Platform};

/// The window over which a rate in requests per second is counted.
const WINDOW: Duration = Duration::from_secs(1);

/// Accepted-request times per (instance, method).
#[derive(Debug, Default)]
pub(crate) struct RateWindows {
    accepted: HashMap<(String, Method), VecDeque<Instant>>,
}

impl RateWindows {
    /// Admits a request at `now` when fewer than `limit` were accepted in
    /// the second before it, and counts it; refuses it otherwise.
    pub(super) fn admit(
        &mut self,
        instance: &str,
        method: Method,
        limit: u32,
        now: Instant,
    ) -> bool {
        let times = self
            .accepted
            .entry((instance.to_owned(), method))
            .or_default();
        while times
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() < limit as usize {
            times.push_back(now);
            true
        } else {
            false
        }
    }
}

/// The limit for `method` on an instance: its own override, else the
/// sandbox-wide one, else the documented ceiling.
pub(crate) fn limit_for(
    method: Method,
    platform: Platform,
    instance_rates: &HashMap<Method, u32>,
    global_rates: &HashMap<Method, u32>,
) -> u32 {
    instance_rates
        .get(&method)
        .or_else(|| global_rates.get(&method))
        .copied()
        .unwrap_or_else(|| super::spec::documented_limit(method, platform))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides() {
        let mut w = RateWindows::default();
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let m = Method::RemoveAdmin;
        assert!(w.admit("1", m, 2, at(0)));
        assert!(w.admit("1", m, 2, at(400)));
        assert!(!w.admit("1", m, 2, at(900)), "third within a second");
        assert!(
            w.admit("2", m, 2, at(900)),
            "other instances are unaffected"
        );
        assert!(
            w.admit("1", m, 2, at(1000)),
            "the first has left the window"
        );
        assert!(!w.admit("1", m, 2, at(1300)));
        assert!(w.admit("1", m, 2, at(1400)));
    }

    #[test]
    fn overrides_beat_the_documented_rate() {
        let none = HashMap::new();
        let one = HashMap::from([(Method::GetGroupData, 5)]);
        let two = HashMap::from([(Method::GetGroupData, 7)]);
        let m = Method::GetGroupData;
        assert_eq!(limit_for(m, Platform::WhatsApp, &none, &none), 1);
        assert_eq!(limit_for(m, Platform::WhatsApp, &none, &one), 5);
        assert_eq!(limit_for(m, Platform::WhatsApp, &two, &one), 7);
    }
}

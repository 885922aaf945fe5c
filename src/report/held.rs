//! What is waiting, said while it waits: an instance held by an outage
//! (every request fails; one probe now and then) or by the server's own
//! `Retry-After`. The bar shows each hold with the time to its next try,
//! counting down; off a terminal one line says when a wait starts and one
//! when it ends, so a cron log shows where a long quiet stretch went.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::greenapi::Method;
use crate::words::secs;

/// Why an (instance, method) sends nothing for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    /// Every request fails: held, probed now and then.
    Outage,
    /// A 429 asked for this wait.
    Asked(Duration),
}

#[derive(Debug, Clone)]
struct Hold {
    why: Why,
    /// When the next request may leave.
    next_try: Instant,
}

/// The holds of a run, shared with the bar's template (which reads them at
/// each redraw, so the countdown moves between events).
#[derive(Debug, Clone, Default)]
pub(crate) struct Holds(Arc<Mutex<HoldMap>>);

/// Each held (instance, method), in a steady order for the bar.
type HoldMap = BTreeMap<(Arc<str>, Method), Hold>;

impl Holds {
    fn map(&self) -> std::sync::MutexGuard<'_, HoldMap> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `instance`'s `method` sends nothing until `now + next_try`.
    pub(crate) fn hold(&self, instance: &Arc<str>, method: Method, why: Why, next_try: Duration) {
        let hold = Hold {
            why,
            next_try: Instant::now() + next_try,
        };
        self.map().insert((instance.clone(), method), hold);
    }

    /// The hold is over; `true` when there was one.
    pub(crate) fn release(&self, instance: &Arc<str>, method: Method) -> bool {
        self.map().remove(&(instance.clone(), method)).is_some()
    }

    /// What the bar shows after the counts: `""` when nothing waits.
    pub(crate) fn render(&self, now: Instant) -> String {
        self.map()
            .iter()
            .map(|((instance, method), hold)| {
                let left = secs(hold.next_try.saturating_duration_since(now));
                match hold.why {
                    Why::Outage => format!(
                        "; {instance} held: every {method} request fails, next try in {left}"
                    ),
                    Why::Asked(wait) => format!(
                        "; {instance} waits {} as the server asked, {left} left",
                        secs(wait)
                    ),
                }
            })
            .collect()
    }
}

/// The line off a terminal when the server asks for a wait.
pub(crate) fn wait_began(instance: &str, method: Method, wait: Duration) -> String {
    format!(
        "{instance}: waiting {} before more {method} requests, as the server asked (HTTP 429 with Retry-After)",
        secs(wait)
    )
}

/// The line off a terminal when that wait is over.
pub(crate) fn wait_ended(instance: &str, method: Method) -> String {
    format!("{instance}: the server's wait is over; going on with its {method} requests")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_count_down_and_go() {
        let holds = Holds::default();
        let wa: Arc<str> = "wa-main".into();
        let now = Instant::now();
        assert_eq!(holds.render(now), "");
        holds.hold(
            &wa,
            Method::RemoveGroupParticipant,
            Why::Outage,
            Duration::from_secs(12),
        );
        holds.hold(
            &wa,
            Method::AddGroupParticipant,
            Why::Asked(Duration::from_secs(60)),
            Duration::from_secs(60),
        );
        // Half a second more than 2 s: the holds began a moment after `now`.
        let shown = holds.render(now + Duration::from_millis(2500));
        assert!(
            shown.contains(
                "wa-main held: every removeGroupParticipant request fails, next try in 10 s"
            ),
            "{shown}"
        );
        assert!(
            shown.contains("wa-main waits 1 min as the server asked, 58 s left"),
            "{shown}"
        );
        assert!(holds.release(&wa, Method::RemoveGroupParticipant));
        assert!(!holds.release(&wa, Method::RemoveGroupParticipant));
        assert!(!holds.render(now).contains("held"));
    }
}

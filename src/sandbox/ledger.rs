//! The ledger: one entry per API request the sandbox received, so tests can
//! count requests, rate windows, duplicates and what changed. It never holds
//! a token, only whether the token matched.
//!
//! It is a ring: the most recent [`DEFAULT_CAPACITY`] entries (configurable)
//! are kept, the oldest dropped past that, so a sandbox left running under
//! load cannot grow without bound; [`LedgerTotals`] counts every request
//! ever recorded, dropped ones included.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Entries kept by default: more than any test or benchmark sends (the
/// scale benchmark's largest run is a million operations).
pub const DEFAULT_CAPACITY: usize = 1_000_000;

/// The recent entries and the totals of all.
#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    entries: VecDeque<LedgerEntry>,
    capacity: usize,
    totals: LedgerTotals,
}

/// Counts over every request recorded since the start (or the last reset),
/// including those the ring no longer holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerTotals {
    /// Requests recorded.
    pub requests: u64,
    /// Of those, dropped from the ring to make room.
    pub dropped: u64,
    /// Of those, requests that changed the state.
    pub changed: u64,
    /// Requests per method name as written in the path (`""` when none).
    pub by_method: BTreeMap<String, u64>,
    /// The ring's size.
    pub capacity: usize,
}

impl Ledger {
    pub(crate) fn new(capacity: usize) -> Ledger {
        let capacity = capacity.max(1);
        Ledger {
            // Grown as needed: a million slots up front would be 100+ MB
            // for a sandbox that sees ten requests.
            entries: VecDeque::new(),
            capacity,
            totals: LedgerTotals {
                capacity,
                ..LedgerTotals::default()
            },
        }
    }

    /// Records `entry`, dropping the oldest when the ring is full.
    pub(crate) fn push(&mut self, entry: LedgerEntry) {
        let totals = &mut self.totals;
        totals.requests += 1;
        totals.changed += u64::from(entry.changed);
        *totals
            .by_method
            .entry(entry.method.clone().unwrap_or_default())
            .or_default() += 1;
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            totals.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    /// The entries kept, in arrival order.
    pub(crate) fn entries(&self) -> Vec<LedgerEntry> {
        let mut out: Vec<LedgerEntry> = self.entries.iter().cloned().collect();
        out.sort_by_key(|e| e.seq);
        out
    }

    pub(crate) fn totals(&self) -> LedgerTotals {
        self.totals.clone()
    }
}

/// One request as the sandbox saw and answered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Arrival order, from 0.
    pub seq: u64,
    /// Arrival, in seconds since the sandbox started.
    pub at_secs: f64,
    /// Arrival, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// The HTTP verb.
    pub verb: String,
    /// The idInstance in the path, when the path had one.
    pub instance: Option<String>,
    /// The method name in the path, as written (possibly unknown).
    pub method: Option<String>,
    /// Whether the path carried the `/v3` prefix.
    pub v3: bool,
    /// Whether the token matched the instance's; `None` when not checked.
    pub token_ok: Option<bool>,
    /// The query string after the path (`group=true`), when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The body: parsed JSON, or the raw text as a string, or null when empty.
    pub body: Value,
    /// The HTTP status answered; `None` when no answer was sent.
    pub status: Option<u16>,
    /// The answer's body (cut after 1 KiB, marked `…`), when one was sent.
    pub answer: Option<String>,
    /// Whether the request changed the state.
    pub changed: bool,
    /// The injected fault's `kind`, if any. A real rate-limit refusal is not
    /// a fault: it shows as a plain 429.
    pub fault: Option<String>,
    /// When the request met the rate limiter, in seconds since the sandbox
    /// started (after any injected latency): the instant its sliding second
    /// counts, admitted or refused. `None` when it never got that far (or
    /// limits are off).
    #[serde(default)]
    pub limited_at_secs: Option<f64>,
}

impl LedgerEntry {
    /// The body's field `name` as text, if present.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

/// The body as the ledger keeps it.
pub(crate) fn body_value(raw: &[u8]) -> Value {
    if raw.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(raw)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(raw).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, method: &str, changed: bool) -> LedgerEntry {
        LedgerEntry {
            seq,
            at_secs: 0.0,
            at_unix_ms: 0,
            verb: "POST".into(),
            instance: None,
            method: Some(method.into()),
            v3: false,
            token_ok: None,
            query: None,
            body: Value::Null,
            status: Some(200),
            answer: None,
            changed,
            fault: None,
            limited_at_secs: None,
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_and_counts_them_all() {
        let mut ledger = Ledger::new(3);
        for seq in 0..5 {
            ledger.push(entry(seq, if seq % 2 == 0 { "a" } else { "b" }, seq == 4));
        }
        let kept: Vec<u64> = ledger.entries().iter().map(|e| e.seq).collect();
        assert_eq!(kept, [2, 3, 4]);
        let t = ledger.totals();
        assert_eq!((t.requests, t.dropped, t.changed, t.capacity), (5, 2, 1, 3));
        assert_eq!(t.by_method["a"], 3);
        assert_eq!(t.by_method["b"], 2);
    }
}

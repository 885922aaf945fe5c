//! The ledger: one entry per API request the sandbox received, so tests can
//! count requests, rate windows, duplicates and what changed. It never holds
//! a token, only whether the token matched.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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

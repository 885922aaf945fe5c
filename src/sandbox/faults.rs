//! Fault injection: which requests fail, how, and the deterministic choice.
//!
//! A rule names the fault and selects requests (by method, instance,
//! probability, the first N or every Nth match, or a time window). The
//! probability is not drawn from a generator whose state depends on arrival
//! order: it hashes (seed, rule, instance, method, body, how many times this
//! exact body was seen before), so the k-th attempt of an operation has the
//! same fate in every run with the same seed, however requests interleave.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::greenapi::Method;

/// What goes wrong with a selected request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// HTTP 429, with a `Retry-After` header (seconds) when given.
    TooManyRequests {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// HTTP 500.
    ServerError,
    /// HTTP 502 `Bad Gateway`.
    BadGateway,
    /// HTTP 499 `Client Closed Request`.
    ClientClosed,
    /// Answers normally, `ms` milliseconds late.
    Latency { ms: u64 },
    /// Never answers (until the sandbox shuts down).
    Hang,
    /// Resets the connection (RST) before applying anything.
    Reset,
    /// Applies the change, then closes the connection without answering.
    DropAfterApply,
    /// A 200 whose body is not JSON.
    Garbage,
    /// A 200 with `{"code":401,"description":"Unauthorized"}`.
    #[serde(rename = "embedded_401")]
    Embedded401,
}

impl Fault {
    /// The name the ledger records.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::TooManyRequests { .. } => "too_many_requests",
            Fault::ServerError => "server_error",
            Fault::BadGateway => "bad_gateway",
            Fault::ClientClosed => "client_closed",
            Fault::Latency { .. } => "latency",
            Fault::Hang => "hang",
            Fault::Reset => "reset",
            Fault::DropAfterApply => "drop_after_apply",
            Fault::Garbage => "garbage",
            Fault::Embedded401 => "embedded_401",
        }
    }

    /// Whether `apply: true` means something for this fault.
    fn may_apply(&self) -> bool {
        !matches!(
            self,
            Fault::Reset | Fault::DropAfterApply | Fault::Latency { .. }
        )
    }
}

/// One fault rule. Every selector given must agree for the rule to fire; a
/// rule without selectors fires on every request it matches. The first
/// firing rule in the list wins, but every matching rule counts the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The fault to inject.
    pub fault: Fault,
    /// Only this method (its API name); all methods when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only this idInstance; all instances when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Fires with this probability (0..=1), decided by the seeded hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Fires on the first N matching requests only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_n: Option<u64>,
    /// Fires on every Nth matching request (the Nth, 2Nth, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_nth: Option<u64>,
    /// Fires only between these seconds since the sandbox started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<[f64; 2]>,
    /// An outage: fires for this many seconds after the first matching request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_secs: Option<f64>,
    /// Apply the change before failing (for status, garbage and hang faults).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub apply: bool,
}

impl FaultRule {
    /// A rule that injects `fault` into every request.
    pub fn always(fault: Fault) -> FaultRule {
        FaultRule {
            fault,
            method: None,
            instance: None,
            probability: None,
            first_n: None,
            every_nth: None,
            between: None,
            for_secs: None,
            apply: false,
        }
    }

    /// Restricts the rule to one method.
    pub fn for_method(mut self, method: Method) -> FaultRule {
        self.method = Some(method.name().to_owned());
        self
    }

    /// Checks the rule's values; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        if let Some(m) = &self.method
            && Method::from_name(m).is_none()
        {
            return Err(format!("unknown method `{m}`"));
        }
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(format!("probability {p} is not between 0 and 1"));
        }
        if self.every_nth == Some(0) {
            return Err("every_nth must be at least 1".into());
        }
        if let Some([a, b]) = self.between
            && (a.is_nan() || b.is_nan() || a > b)
        {
            return Err(format!("between [{a}, {b}] is not an interval"));
        }
        if self.for_secs.is_some_and(|s| s.is_nan() || s < 0.0) {
            return Err("for_secs must not be negative".into());
        }
        if self.apply && !self.fault.may_apply() {
            return Err(format!(
                "`apply` has no meaning for `{}`",
                self.fault.name()
            ));
        }
        Ok(())
    }
}

/// The fate chosen for one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fate {
    pub fault: Fault,
    pub apply: bool,
}

#[derive(Debug, Clone, Default)]
struct Counter {
    matched: u64,
    first_at: Option<f64>,
}

/// The rules in force plus the counters that selectors need.
#[derive(Debug, Clone)]
pub(crate) struct FaultPlan {
    seed: u64,
    rules: Vec<FaultRule>,
    counters: Vec<Counter>,
    seen: HashMap<u64, u32>,
}

impl FaultPlan {
    pub fn new(seed: u64, rules: Vec<FaultRule>) -> FaultPlan {
        let counters = vec![Counter::default(); rules.len()];
        FaultPlan {
            seed,
            rules,
            counters,
            seen: HashMap::new(),
        }
    }

    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Chooses the fate of a request arriving `now` seconds after start.
    pub fn decide(
        &mut self,
        now: f64,
        instance: &str,
        method: Method,
        body: &[u8],
    ) -> Option<Fate> {
        if self.rules.is_empty() {
            return None;
        }
        let key = hash_parts(0, &[instance.as_bytes(), method.name().as_bytes(), body]);
        let seen = self.seen.entry(key).or_insert(0);
        let attempt = *seen;
        *seen += 1;
        let mut fate = None;
        for (index, rule) in self.rules.iter().enumerate() {
            let matches = rule.method.as_deref().is_none_or(|m| m == method.name())
                && rule.instance.as_deref().is_none_or(|i| i == instance);
            if !matches {
                continue;
            }
            let counter = &mut self.counters[index];
            let n = counter.matched;
            counter.matched += 1;
            let first_at = *counter.first_at.get_or_insert(now);
            let fires = rule.first_n.is_none_or(|first| n < first)
                && rule
                    .every_nth
                    .is_none_or(|every| (n + 1).is_multiple_of(every))
                && rule.between.is_none_or(|[a, b]| a <= now && now < b)
                && rule.for_secs.is_none_or(|d| now < first_at + d)
                && rule.probability.is_none_or(|p| {
                    let attempt = attempt.to_le_bytes();
                    let index = (index as u64).to_le_bytes();
                    let parts: [&[u8]; 5] = [
                        &index,
                        instance.as_bytes(),
                        method.name().as_bytes(),
                        body,
                        &attempt,
                    ];
                    unit(hash_parts(self.seed, &parts)) < p
                });
            if fires && fate.is_none() {
                fate = Some(Fate {
                    fault: rule.fault.clone(),
                    apply: rule.apply,
                });
            }
        }
        fate
    }
}

/// Hashes length-prefixed parts, so that ("ab", "c") and ("a", "bc") differ.
fn hash_parts(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut bytes = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
    for part in parts {
        bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        bytes.extend_from_slice(part);
    }
    xxh3_64_with_seed(&bytes, seed)
}

/// A hash as a number in [0, 1).
fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(p: f64) -> FaultRule {
        FaultRule {
            probability: Some(p),
            ..FaultRule::always(Fault::BadGateway)
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_fates_in_any_order() {
        let bodies: Vec<String> = (0..50).map(|i| format!("{{\"n\":{i}}}")).collect();
        let fates = |order: &mut dyn Iterator<Item = usize>| {
            let mut plan = FaultPlan::new(7, vec![rule(0.5)]);
            let mut out = vec![None; bodies.len()];
            for i in order {
                out[i] = plan.decide(0.0, "1", Method::RemoveAdmin, bodies[i].as_bytes());
            }
            out
        };
        let forward = fates(&mut (0..50));
        assert_eq!(forward, fates(&mut (0..50).rev()));
        let fired = forward.iter().filter(|f| f.is_some()).count();
        assert!((10..=40).contains(&fired), "{fired} of 50 at p=0.5");
    }

    #[test]
    fn first_n_and_every_nth_count_matching_requests() {
        let mut plan = FaultPlan::new(
            1,
            vec![
                FaultRule {
                    first_n: Some(2),
                    ..FaultRule::always(Fault::Hang).for_method(Method::AddGroupParticipant)
                },
                FaultRule {
                    every_nth: Some(3),
                    ..FaultRule::always(Fault::ServerError)
                },
            ],
        );
        let names: Vec<_> = (0..6)
            .map(|_| {
                plan.decide(0.0, "1", Method::AddGroupParticipant, b"{}")
                    .map(|f| f.fault.name())
            })
            .collect();
        assert_eq!(
            names,
            [
                Some("hang"),
                Some("hang"),
                Some("server_error"),
                None,
                None,
                Some("server_error")
            ]
        );
        assert_eq!(plan.decide(0.0, "1", Method::RemoveAdmin, b"{}"), None);
    }

    #[test]
    fn an_outage_lasts_from_the_first_match() {
        let mut plan = FaultPlan::new(
            1,
            vec![FaultRule {
                for_secs: Some(2.0),
                ..FaultRule::always(Fault::BadGateway)
            }],
        );
        assert!(plan.decide(5.0, "1", Method::RemoveAdmin, b"").is_some());
        assert!(plan.decide(6.9, "1", Method::RemoveAdmin, b"").is_some());
        assert!(plan.decide(7.0, "1", Method::RemoveAdmin, b"").is_none());
    }

    #[test]
    fn checks_values() {
        assert!(rule(1.5).check().is_err());
        assert!(
            FaultRule {
                apply: true,
                ..FaultRule::always(Fault::Reset)
            }
            .check()
            .is_err()
        );
        assert!(
            FaultRule {
                method: Some("kick".into()),
                ..FaultRule::always(Fault::Hang)
            }
            .check()
            .is_err()
        );
    }
}

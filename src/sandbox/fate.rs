//! The deterministic choice of a request's fault. The probability is not
//! drawn from a generator whose state depends on arrival order: it hashes
//! (seed, rule, instance, method, body, how many times this exact body was
//! seen before), so the k-th attempt of an operation has the same fate in
//! every run with the same seed, however requests interleave. `first_n`,
//! `every_nth` and outages count matching requests, so under concurrency
//! they follow arrival order.

use std::collections::HashMap;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::faults::{Fault, FaultRule};
use crate::greenapi::Method;

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
    pub(super) fn new(seed: u64, rules: Vec<FaultRule>) -> FaultPlan {
        let counters = vec![Counter::default(); rules.len()];
        FaultPlan {
            seed,
            rules,
            counters,
            seen: HashMap::new(),
        }
    }

    pub(super) fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    pub(super) fn seed(&self) -> u64 {
        self.seed
    }

    /// Chooses the fate of a request arriving `now` seconds after start.
    pub(super) fn decide(
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
                && rule.after_n.is_none_or(|after| n >= after)
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
    fn after_n_lets_the_first_requests_through() {
        let mut plan = FaultPlan::new(1, vec![FaultRule::always(Fault::Hang).after(2)]);
        let fired: Vec<bool> = (0..4)
            .map(|_| plan.decide(0.0, "1", Method::RemoveAdmin, b"{}").is_some())
            .collect();
        assert_eq!(fired, [false, false, true, true]);
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
    fn windows_and_instance_filters_select() {
        let mut plan = FaultPlan::new(
            1,
            vec![
                FaultRule::always(Fault::ServerError)
                    .for_instance("2")
                    .during(1.0, 2.0),
            ],
        );
        assert!(plan.decide(0.5, "2", Method::RemoveAdmin, b"").is_none());
        assert!(plan.decide(1.5, "2", Method::RemoveAdmin, b"").is_some());
        assert!(plan.decide(1.5, "1", Method::RemoveAdmin, b"").is_none());
        assert!(plan.decide(2.0, "2", Method::RemoveAdmin, b"").is_none());
    }

    #[test]
    fn rules_read_from_yaml_refuse_stray_fields() {
        let ok: Vec<FaultRule> =
            yaml_serde::from_str("- fault: { kind: latency, ms: 5 }\n  first_n: 1\n").unwrap();
        assert_eq!(ok[0], FaultRule::always(Fault::Latency { ms: 5 }).first(1));
        for bad in [
            "- fault: { kind: hang, ms: 3 }\n",
            "- fault: { kind: latency }\n",
            "- fault: { kind: explode }\n",
            "- fault: { kind: hang }\n  firstn: 1\n",
        ] {
            assert!(
                yaml_serde::from_str::<Vec<FaultRule>>(bad).is_err(),
                "{bad}"
            );
        }
    }
}

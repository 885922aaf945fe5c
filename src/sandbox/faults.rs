//! Fault injection rules: what goes wrong ([`Fault`]) and which requests it
//! hits ([`FaultRule`]: by method, instance, probability, the first N or
//! every Nth match, or a time window). `fate` makes the choice.

use serde::{Deserialize, Serialize};

use crate::greenapi::Method;

/// What goes wrong with a selected request. Written `{kind: hang}`,
/// `{kind: latency, ms: 300}`, `{kind: too_many_requests, retry_after: 2}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "RawFault")]
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

    /// The fault whose [`Fault::name`] is `name`, with its parameters.
    fn from_parts(name: &str, retry_after: Option<u64>, ms: Option<u64>) -> Result<Fault, String> {
        let fault = match name {
            "too_many_requests" => Fault::TooManyRequests { retry_after },
            "server_error" => Fault::ServerError,
            "bad_gateway" => Fault::BadGateway,
            "client_closed" => Fault::ClientClosed,
            "latency" => Fault::Latency {
                ms: ms.ok_or("a latency fault needs `ms`")?,
            },
            "hang" => Fault::Hang,
            "reset" => Fault::Reset,
            "drop_after_apply" => Fault::DropAfterApply,
            "garbage" => Fault::Garbage,
            "embedded_401" => Fault::Embedded401,
            other => return Err(format!("unknown fault kind `{other}`")),
        };
        let stray = match fault {
            Fault::TooManyRequests { .. } => ms.map(|_| "ms"),
            Fault::Latency { .. } => retry_after.map(|_| "retry_after"),
            _ => ms.map(|_| "ms").or(retry_after.map(|_| "retry_after")),
        };
        match stray {
            Some(field) => Err(format!("`{field}` has no meaning for `{name}`")),
            None => Ok(fault),
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

/// A fault as written, checked field by field: serde's tagged enums let
/// stray fields of unit variants (`{kind: hang, ms: 3}`) pass silently.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFault {
    kind: String,
    #[serde(default)]
    retry_after: Option<u64>,
    #[serde(default)]
    ms: Option<u64>,
}

impl TryFrom<RawFault> for Fault {
    type Error = String;

    fn try_from(raw: RawFault) -> Result<Fault, String> {
        Fault::from_parts(&raw.kind, raw.retry_after, raw.ms)
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
    /// Fires only once N matching requests went by: with `hang`, the sandbox
    /// answers exactly N requests and then freezes, which lets a crash test
    /// kill a client after a known number of answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_n: Option<u64>,
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
            after_n: None,
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

    /// Restricts the rule to one instance.
    pub fn for_instance(mut self, id_instance: &str) -> FaultRule {
        self.instance = Some(id_instance.to_owned());
        self
    }

    /// Fires with probability `p`, decided by the seeded hash.
    pub fn with_probability(mut self, p: f64) -> FaultRule {
        self.probability = Some(p);
        self
    }

    /// Fires on the first `n` matching requests only.
    pub fn first(mut self, n: u64) -> FaultRule {
        self.first_n = Some(n);
        self
    }

    /// Fires only after the first `n` matching requests.
    pub fn after(mut self, n: u64) -> FaultRule {
        self.after_n = Some(n);
        self
    }

    /// Fires on every `n`th matching request.
    pub fn every(mut self, n: u64) -> FaultRule {
        self.every_nth = Some(n);
        self
    }

    /// Fires only between these seconds since the sandbox started.
    pub fn during(mut self, from_secs: f64, until_secs: f64) -> FaultRule {
        self.between = Some([from_secs, until_secs]);
        self
    }

    /// An outage: fires for `secs` seconds after the first matching request.
    pub fn lasting(mut self, secs: f64) -> FaultRule {
        self.for_secs = Some(secs);
        self
    }

    /// Applies the change before failing (status, garbage and hang faults).
    pub fn applying(mut self) -> FaultRule {
        self.apply = true;
        self
    }

    /// Checks the rule's values; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        if let Some(m) = &self.method
            && super::spec::method_named(m).is_none()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_values() {
        let p = FaultRule {
            probability: Some(1.5),
            ..FaultRule::always(Fault::BadGateway)
        };
        assert!(p.check().is_err());
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

    #[test]
    fn every_fault_round_trips_through_yaml() {
        let all = [
            Fault::TooManyRequests {
                retry_after: Some(2),
            },
            Fault::TooManyRequests { retry_after: None },
            Fault::ServerError,
            Fault::BadGateway,
            Fault::ClientClosed,
            Fault::Latency { ms: 300 },
            Fault::Hang,
            Fault::Reset,
            Fault::DropAfterApply,
            Fault::Garbage,
            Fault::Embedded401,
        ];
        for fault in all {
            let yaml = yaml_serde::to_string(&fault).unwrap();
            assert!(yaml.contains(fault.name()), "{yaml}");
            assert_eq!(
                yaml_serde::from_str::<Fault>(&yaml).unwrap(),
                fault,
                "{yaml}"
            );
        }
    }
}

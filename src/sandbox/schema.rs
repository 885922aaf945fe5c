//! The sandbox state file's YAML shape, exactly as written: instances, groups,
//! rate limits, faults and the seed. Unknown fields are refused so that a typo
//! in a state file is an error instead of a silently ignored setting.
//! `load` checks the meaning (IDs, references, duplicates).
//! `state_reference.yaml` beside this file shows every field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::faults::FaultRule;
use crate::greenapi::Platform;

/// A whole state file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StateFile {
    pub instances: Vec<InstanceSpec>,
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
    #[serde(default)]
    pub limits: LimitsSpec,
    #[serde(default)]
    pub faults: Vec<FaultRule>,
    /// The seed that fixes the fate of every fault rule with a probability.
    #[serde(default)]
    pub seed: Option<u64>,
    /// How long every answer takes after the request is admitted.
    #[serde(default)]
    pub latency: Option<Latency>,
    /// How long every request takes to reach the server before it is
    /// admitted: the request leg of a distant link.
    #[serde(default)]
    pub latency_in: Option<Latency>,
}

/// A delay of `ms` milliseconds (± `jitter` of that, drawn per request from
/// the seed). As `latency`, a service time: every API answer leaves that long
/// after the request was admitted and counted against the rate limit, as a
/// real server's work takes time after its gateway counted the request. As
/// `latency_in`, the request leg: every request waits that long *before* it
/// is admitted, as on a distant link, so requests sent evenly can reach the
/// limiter bunched.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Latency {
    pub ms: u64,
    /// A share of `ms`, between 0 and 1: `0.5` spreads answers over 50 %..150 %.
    #[serde(default)]
    pub jitter: f64,
}

impl Latency {
    /// The delay of the request numbered `seq`, with `seed`.
    pub(crate) fn of(&self, seed: u64, seq: u64) -> std::time::Duration {
        let unit = (xxhash_rust::xxh3::xxh3_64_with_seed(&seq.to_le_bytes(), seed) >> 11) as f64
            / (1u64 << 53) as f64;
        let share = 1.0 + self.jitter.clamp(0.0, 1.0) * (2.0 * unit - 1.0);
        std::time::Duration::from_secs_f64(self.ms as f64 / 1000.0 * share)
    }
}

/// One instance: a logged-in messenger account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstanceSpec {
    pub id_instance: String,
    pub token: String,
    pub platform: Platform,
    pub state: InstanceState,
    /// The instance's own number (a person ID of its platform).
    pub wid: String,
    /// The people `addGroupParticipant` may add; absent means everyone.
    #[serde(default)]
    pub contacts: Option<Vec<String>>,
    /// Requests left before the plan's quota answers 466; absent means no quota.
    #[serde(default)]
    pub quota: Option<u64>,
    /// Per-method rate overrides in requests per second, keyed by method name.
    #[serde(default)]
    pub rates: BTreeMap<String, u32>,
}

/// The `stateInstance` values GREEN-API documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InstanceState {
    Authorized,
    NotAuthorized,
    Blocked,
    Starting,
    YellowCard,
    SleepMode,
    Suspended,
}

impl InstanceState {
    /// The value `getStateInstance` answers.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Authorized => "authorized",
            InstanceState::NotAuthorized => "notAuthorized",
            InstanceState::Blocked => "blocked",
            InstanceState::Starting => "starting",
            InstanceState::YellowCard => "yellowCard",
            InstanceState::SleepMode => "sleepMode",
            InstanceState::Suspended => "suspended",
        }
    }
}

/// One group and its members.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupSpec {
    pub id: String,
    pub platform: Platform,
    #[serde(default)]
    pub subject: String,
    pub owner: String,
    #[serde(default)]
    pub participants: Vec<ParticipantSpec>,
    /// WhatsApp: list every member by linked ID alone, as groups that hide
    /// numbers do.
    #[serde(default)]
    pub hide_numbers: bool,
}

/// A member, written either as a bare ID or as `{id, admin}`.
#[derive(Debug, Clone)]
pub(crate) enum ParticipantSpec {
    Plain(String),
    Full(FullParticipant),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FullParticipant {
    pub id: String,
    #[serde(default)]
    pub admin: bool,
    /// WhatsApp: the member's linked ID (`…@lid`); derived from the number when absent.
    #[serde(default)]
    pub lid: Option<String>,
    /// WhatsApp: `getGroupData` lists this member by the linked ID alone.
    #[serde(default)]
    pub hidden: bool,
    /// `getGroupData` leaves this member out (`size` still counts them).
    #[serde(default)]
    pub unlisted: bool,
}

// By hand rather than `untagged`, so that a typo inside `{id, admin}` is
// reported by name instead of as "did not match any variant".
impl<'de> Deserialize<'de> for ParticipantSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ParticipantSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a participant ID or `{id, admin}`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ParticipantSpec::Plain(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                FullParticipant::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ParticipantSpec::Full)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl ParticipantSpec {
    pub(super) fn id(&self) -> &str {
        match self {
            ParticipantSpec::Plain(id) => id,
            ParticipantSpec::Full(p) => &p.id,
        }
    }

    pub(super) fn admin(&self) -> bool {
        matches!(self, ParticipantSpec::Full(p) if p.admin)
    }

    pub(super) fn full(&self) -> Option<&FullParticipant> {
        match self {
            ParticipantSpec::Plain(_) => None,
            ParticipantSpec::Full(p) => Some(p),
        }
    }
}

/// Rate limits for every instance: on or off, and per-method overrides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsSpec {
    /// `false` switches rate limiting off (engine-overhead benchmarks).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Per-method rates in requests per second, keyed by method name.
    #[serde(default)]
    pub rates: BTreeMap<String, u32>,
}

impl Default for LimitsSpec {
    fn default() -> Self {
        LimitsSpec {
            enabled: true,
            rates: BTreeMap::new(),
        }
    }
}

fn yes() -> bool {
    true
}

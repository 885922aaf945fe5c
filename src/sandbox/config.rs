//! What a sandbox starts from: the state, the seed, the fault rules and the
//! rate limits, with builder-style overrides for tests, benchmarks and the
//! demo. Data only: reading and checking a state is [`super::load`]'s.

use std::collections::HashMap;
use std::path::PathBuf;

use super::faults::FaultRule;
use super::schema::Latency;
use super::world::World;
use crate::greenapi::{Method, Platform};
use crate::secret::Token;

/// Why a state file was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read sandbox state {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("sandbox state is not valid YAML for its schema: {0}")]
    Yaml(String),
    #[error("sandbox state: {0}")]
    Invalid(String),
}

/// An instance's credentials, for tests and the demo to point a client at.
#[derive(Debug, Clone)]
pub struct InstanceCredentials {
    pub id_instance: String,
    pub token: Token,
    pub platform: Platform,
}

/// Everything a sandbox starts from.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub(crate) world: World,
    pub(crate) seed: u64,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) limits_enabled: bool,
    pub(crate) rates: HashMap<Method, u32>,
    pub(crate) latency: Option<Latency>,
    /// The request leg: a delay before admission.
    pub(crate) latency_in: Option<Latency>,
    /// How many ledger entries are kept (the most recent).
    pub(crate) ledger_capacity: usize,
}

impl SandboxConfig {
    /// Fixes the seed that decides probabilistic faults.
    pub fn with_seed(mut self, seed: u64) -> SandboxConfig {
        self.seed = seed;
        self
    }

    /// Replaces the fault rules (each is checked when the sandbox starts).
    pub fn with_faults(mut self, rules: Vec<FaultRule>) -> SandboxConfig {
        self.faults = rules;
        self
    }

    /// Sets the rate of `method` for every instance without its own override.
    pub fn with_rate(mut self, method: Method, per_second: u32) -> SandboxConfig {
        self.rates.insert(method, per_second);
        self
    }

    /// Gives every answer a service time of `ms` milliseconds ± `jitter`
    /// (a share of it), after the request is admitted.
    pub fn with_latency(mut self, ms: u64, jitter: f64) -> SandboxConfig {
        self.latency = Some(Latency { ms, jitter });
        self
    }

    /// Delays every request by `ms` milliseconds ± `jitter` (a share of it)
    /// *before* it is admitted to the rate window: the request leg of a
    /// distant link, where evenly sent requests can arrive bunched.
    pub fn with_latency_in(mut self, ms: u64, jitter: f64) -> SandboxConfig {
        self.latency_in = Some(Latency { ms, jitter });
        self
    }

    /// Keeps at most `entries` ledger entries (the most recent); the
    /// totals still count every request. At least 1.
    pub fn with_ledger_capacity(mut self, entries: usize) -> SandboxConfig {
        self.ledger_capacity = entries.max(1);
        self
    }

    /// Switches rate limiting on (the state file's `limits: {enabled: false}` undone).
    pub fn with_rate_limits(mut self) -> SandboxConfig {
        self.limits_enabled = true;
        self
    }

    /// Switches rate limiting off, for measuring the engine's own overhead.
    pub fn without_rate_limits(mut self) -> SandboxConfig {
        self.limits_enabled = false;
        self
    }

    /// The instances and their credentials, in idInstance order.
    pub fn instances(&self) -> Vec<InstanceCredentials> {
        self.world
            .instances
            .values()
            .map(|i| InstanceCredentials {
                id_instance: i.id.clone(),
                token: Token::new(i.token.clone()),
                platform: i.platform,
            })
            .collect()
    }

    /// Checks the fault rules; the message names the rule.
    pub(crate) fn check_faults(rules: &[FaultRule]) -> Result<(), ConfigError> {
        for (i, rule) in rules.iter().enumerate() {
            rule.check()
                .map_err(|e| ConfigError::Invalid(format!("faults[{i}]: {e}")))?;
        }
        Ok(())
    }
}

//! What a sandbox starts from: the state (read from YAML and checked), the
//! seed, the fault rules and the rate limits, with builder-style overrides
//! for tests, benchmarks and the demo.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::faults::FaultRule;
use super::load::build;
use super::schema::{Latency, StateFile};
use super::world::World;
use crate::greenapi::{Method, Platform};
use crate::secret::Token;

/// The built-in state that examples, the demo and tests use.
const DEFAULT_STATE: &str = include_str!("default_state.yaml");

/// The largest state file read: far above any real one (the reference state
/// is a few kB), small enough that reading it cannot exhaust memory.
pub const MAX_STATE_FILE: u64 = 16 << 20;

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
    /// How many ledger entries are kept (the most recent).
    pub(crate) ledger_capacity: usize,
}

impl SandboxConfig {
    /// The built-in state (`src/sandbox/default_state.yaml`).
    pub fn default_state() -> SandboxConfig {
        SandboxConfig::from_yaml(DEFAULT_STATE).expect("the built-in sandbox state is valid")
    }

    /// A state from YAML text.
    pub fn from_yaml(text: &str) -> Result<SandboxConfig, ConfigError> {
        let file: StateFile = yaml_serde::from_str(text).map_err(|e| {
            // The parser quotes values whole: a token file given as the
            // state would be printed.
            ConfigError::Yaml(crate::report::sanitise::short_quotes(&e.to_string()).into_owned())
        })?;
        build(file)
    }

    /// A state from a YAML file of at most [`MAX_STATE_FILE`] bytes (read
    /// with that bound, so `/dev/zero` or a huge file fails at once).
    pub fn from_file(path: &Path) -> Result<SandboxConfig, ConfigError> {
        use std::io::Read;
        let read_err = |source| ConfigError::Read {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_err)?;
        let mut bytes = Vec::new();
        file.take(MAX_STATE_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
        if bytes.len() as u64 > MAX_STATE_FILE {
            return Err(ConfigError::Invalid(format!(
                "{} is larger than {} MiB; a state file describes a few instances and groups",
                path.display(),
                MAX_STATE_FILE >> 20
            )));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| ConfigError::Yaml(format!("{} is not UTF-8 text", path.display())))?;
        SandboxConfig::from_yaml(&text)
    }

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

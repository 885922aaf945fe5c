//! What a sandbox starts from: the state (read from YAML and checked), the
//! seed, the fault rules and the rate limits, with builder-style overrides
//! for tests, benchmarks and the demo.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::faults::FaultRule;
use super::schema::{InstanceState, StateFile};
use super::world::{Group, Instance, World};
use crate::greenapi::ids::{self, IdKind};
use crate::greenapi::{Method, Platform};
use crate::secret::Token;

/// The built-in state that examples, the demo and tests use.
const DEFAULT_STATE: &str = include_str!("default_state.yaml");

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
}

impl SandboxConfig {
    /// The built-in state (`src/sandbox/default_state.yaml`).
    pub fn default_state() -> SandboxConfig {
        SandboxConfig::from_yaml(DEFAULT_STATE).expect("the built-in sandbox state is valid")
    }

    /// A state from YAML text.
    pub fn from_yaml(text: &str) -> Result<SandboxConfig, ConfigError> {
        let file: StateFile =
            yaml_serde::from_str(text).map_err(|e| ConfigError::Yaml(e.to_string()))?;
        build(file)
    }

    /// A state from a YAML file.
    pub fn from_file(path: &Path) -> Result<SandboxConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
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

fn build(file: StateFile) -> Result<SandboxConfig, ConfigError> {
    let mut problems = Vec::new();
    let mut world = World::default();
    let bad_id = |what: String, platform: Platform, kind: IdKind, id: &str| {
        if ids::kind_of(platform, id) == Some(kind) {
            return None;
        }
        // State files hold canonical IDs only: a loosely written number that
        // `check` would normalise is still refused here.
        let problem = ids::check(platform, kind, id)
            .err()
            .unwrap_or(ids::IdProblem::Malformed);
        Some(format!(
            "{what} `{id}` {problem}; {}",
            problem.hint(platform, kind)
        ))
    };
    for (i, spec) in file.instances.into_iter().enumerate() {
        let at = format!("instances[{i}]");
        if spec.id_instance.is_empty() || !spec.id_instance.bytes().all(|b| b.is_ascii_digit()) {
            problems.push(format!(
                "{at}: id_instance `{}` is not digits",
                spec.id_instance
            ));
        }
        if spec.token.trim().is_empty() {
            problems.push(format!("{at}: token is empty"));
        }
        problems.extend(bad_id(
            format!("{at}: wid"),
            spec.platform,
            IdKind::Person,
            &spec.wid,
        ));
        for c in spec.contacts.iter().flatten() {
            problems.extend(bad_id(
                format!("{at}: contact"),
                spec.platform,
                IdKind::Person,
                c,
            ));
        }
        let rates = method_rates(&spec.rates, &format!("{at}: rates"), &mut problems);
        let instance = Instance {
            id: spec.id_instance.clone(),
            token: spec.token,
            platform: spec.platform,
            state: spec.state,
            wid: spec.wid,
            contacts: spec.contacts.map(|c| c.into_iter().collect()),
            quota: spec.quota,
            rates,
        };
        if world
            .instances
            .insert(spec.id_instance.clone(), instance)
            .is_some()
        {
            problems.push(format!(
                "{at}: id_instance `{}` appears twice",
                spec.id_instance
            ));
        }
    }
    for (i, spec) in file.groups.into_iter().enumerate() {
        let at = format!("groups[{i}]");
        let p = spec.platform;
        problems.extend(bad_id(format!("{at}: id"), p, IdKind::Group, &spec.id));
        problems.extend(bad_id(
            format!("{at}: owner"),
            p,
            IdKind::Person,
            &spec.owner,
        ));
        let mut group = Group::new(spec.id.clone(), p, spec.subject, spec.owner.clone());
        let mut seen = HashSet::new();
        for member in &spec.participants {
            problems.extend(bad_id(
                format!("{at}: participant"),
                p,
                IdKind::Person,
                member.id(),
            ));
            if !seen.insert(member.id()) {
                problems.push(format!("{at}: participant `{}` appears twice", member.id()));
            }
            // The owner is always an admin, whatever the file says.
            group.insert(member.id(), member.admin() || member.id() == spec.owner);
        }
        if !seen.contains(spec.owner.as_str()) {
            problems.push(format!(
                "{at}: owner `{}` is not among the participants",
                spec.owner
            ));
        }
        if world.groups.insert((p, spec.id.clone()), group).is_some() {
            problems.push(format!("{at}: group `{}` appears twice", spec.id));
        }
    }
    let rates = method_rates(&file.limits.rates, "limits: rates", &mut problems);
    for (i, rule) in file.faults.iter().enumerate() {
        if let Err(e) = rule.check() {
            problems.push(format!("faults[{i}]: {e}"));
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError::Invalid(problems.join("; ")));
    }
    Ok(SandboxConfig {
        world,
        seed: file.seed.unwrap_or(0),
        faults: file.faults,
        limits_enabled: file.limits.enabled,
        rates,
    })
}

fn method_rates(
    raw: &BTreeMap<String, u32>,
    at: &str,
    problems: &mut Vec<String>,
) -> HashMap<Method, u32> {
    let mut rates = HashMap::new();
    for (name, &rate) in raw {
        match Method::from_name(name) {
            Some(m) => {
                rates.insert(m, rate);
            }
            None => problems.push(format!(
                "{at}: unknown method `{name}`; methods are named as in the API, like `getGroupData`"
            )),
        }
    }
    rates
}

impl InstanceState {
    /// The 400 text a method call gets from an instance in this state, or
    /// `None` when the instance can work.
    pub(crate) fn refusal(self) -> Option<&'static str> {
        match self {
            InstanceState::Authorized => None,
            InstanceState::Starting => Some("instance in starting process try later"),
            InstanceState::NotAuthorized => Some("instance account not authorized"),
            InstanceState::Blocked | InstanceState::Suspended => {
                Some("Instance account is expired or blocked")
            }
            InstanceState::YellowCard | InstanceState::SleepMode => {
                Some("instance is starting or not authorized")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
instances:
  - { id_instance: "1", token: "t", platform: max, state: starting, wid: "10" }
groups:
  - { id: "-5", platform: max, owner: "10", participants: ["10", { id: "11", admin: true }] }
"#;

    #[test]
    fn the_default_state_loads() {
        let config = SandboxConfig::default_state();
        assert_eq!(config.instances().len(), 3);
        assert_eq!(config.world.groups.len(), 5);
    }

    #[test]
    fn the_owner_is_always_an_admin() {
        let config = SandboxConfig::from_yaml(MINIMAL).unwrap();
        let group = &config.world.groups[&(Platform::Max, "-5".to_owned())];
        assert_eq!(group.members(), vec![("10", true), ("11", true)]);
    }

    #[test]
    fn refuses_unknown_fields_and_bad_values() {
        let typo = MINIMAL.replace("state: starting", "state: starting, quotta: 3");
        let err = SandboxConfig::from_yaml(&typo).unwrap_err().to_string();
        assert!(err.contains("quotta"), "{err}");
        let bad = MINIMAL.replace("wid: \"10\"", "wid: \"79001234565@c.us\"");
        let err = SandboxConfig::from_yaml(&bad).unwrap_err().to_string();
        assert!(err.contains("instances[0]: wid"), "{err}");
        let rate = format!("{MINIMAL}limits: {{ rates: {{ kick: 3 }} }}\n");
        let err = SandboxConfig::from_yaml(&rate).unwrap_err().to_string();
        assert!(err.contains("`kick`"), "{err}");
        let fault = format!("{MINIMAL}faults: [{{ fault: {{ kind: hang }}, probability: 2 }}]\n");
        let err = SandboxConfig::from_yaml(&fault).unwrap_err().to_string();
        assert!(err.contains("faults[0]"), "{err}");
    }
}

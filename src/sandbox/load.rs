//! Turning a parsed state file into the sandbox's world, checking what the
//! schema cannot: canonical IDs of the right platform and kind, known method
//! names, no duplicates, owners among the participants. Every problem is
//! reported at once, each with its place in the file.

use std::collections::{BTreeMap, HashMap, HashSet};

use std::path::Path;

use super::config::{ConfigError, SandboxConfig};
use super::schema::{GroupSpec, InstanceSpec, InstanceState, ParticipantSpec, StateFile};
use super::spec::{self, Kind};
use super::world::{Group, Listing, SandboxInstance, World, linked_id};
use crate::greenapi::{Method, Platform};

/// The built-in state that examples, the demo and tests use.
const DEFAULT_STATE: &str = include_str!("default_state.yaml");

/// The largest state file read: far above any real one (the reference state
/// is a few kB), small enough that reading it cannot exhaust memory.
pub(super) const MAX_STATE_FILE: u64 = 16 << 20;

/// Reading a state: the constructors that parse and check one.
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
            ConfigError::Yaml(crate::sanitise::short_quotes(&e.to_string()).into_owned())
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
}

pub(crate) fn build(file: StateFile) -> Result<SandboxConfig, ConfigError> {
    let mut problems = Vec::new();
    let mut world = World::default();
    for (i, spec) in file.instances.into_iter().enumerate() {
        add_instance(&format!("instances[{i}]"), spec, &mut world, &mut problems);
    }
    for (i, spec) in file.groups.into_iter().enumerate() {
        add_group(&format!("groups[{i}]"), spec, &mut world, &mut problems);
    }
    let rates = method_rates(&file.limits.rates, "limits: rates", &mut problems);
    for (name, latency) in [("latency", &file.latency), ("latency_in", &file.latency_in)] {
        if let Some(l) = latency
            && !(0.0..=1.0).contains(&l.jitter)
        {
            problems.push(format!(
                "{name}: jitter {} is not between 0 and 1",
                l.jitter
            ));
        }
    }
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
        latency: file.latency,
        latency_in: file.latency_in,
        ledger_capacity: super::ledger::DEFAULT_CAPACITY,
    })
}

/// What is wrong with `id` as a `kind` of `platform`, said as `what`.
/// State files hold canonical IDs only: a loosely written number that
/// the client would normalise is refused here.
fn bad_id(what: String, platform: Platform, kind: Kind, id: &str) -> Option<String> {
    spec::id_problem(platform, kind, id).map(|problem| format!("{what} `{id}` {problem}"))
}

/// Checks the instance at `at` and adds it to the world, its problems to
/// `problems`; it is added even with problems, so that a duplicate of it is
/// found too.
fn add_instance(at: &str, spec: InstanceSpec, world: &mut World, problems: &mut Vec<String>) {
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
        Kind::Person,
        &spec.wid,
    ));
    for c in spec.contacts.iter().flatten() {
        problems.extend(bad_id(
            format!("{at}: contact"),
            spec.platform,
            Kind::Person,
            c,
        ));
    }
    let rates = method_rates(&spec.rates, &format!("{at}: rates"), problems);
    let instance = SandboxInstance {
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

/// Checks the group at `at` and adds it, with its participants, to the
/// world; its problems go to `problems`, all of them, so one fix round
/// settles the file.
fn add_group(at: &str, spec: GroupSpec, world: &mut World, problems: &mut Vec<String>) {
    let p = spec.platform;
    problems.extend(bad_id(format!("{at}: id"), p, Kind::Group, &spec.id));
    problems.extend(bad_id(format!("{at}: owner"), p, Kind::Person, &spec.owner));
    let mut group = Group::new(spec.id.clone(), p, spec.subject, spec.owner.clone());
    let mut seen = HashSet::new();
    if spec.hide_numbers && p != Platform::WhatsApp {
        problems.push(format!("{at}: hide_numbers is for WhatsApp groups"));
    }
    for member in &spec.participants {
        let id = member.id();
        problems.extend(bad_id(format!("{at}: participant"), p, Kind::Person, id));
        if spec::is_lid(id) {
            problems.push(format!(
                "{at}: participant `{id}` is a linked ID; write the number and give `lid: {id}`"
            ));
        }
        if !seen.insert(id) {
            problems.push(format!("{at}: participant `{id}` appears twice"));
        }
        let (lid, listing) = listed(at, p, spec.hide_numbers, member, problems);
        if let Some(lid) = &lid
            && let Some(other) = world.persons.insert(lid.clone(), id.to_owned())
            && other != id
        {
            problems.push(format!(
                "{at}: lid `{lid}` belongs to both `{other}` and `{id}`"
            ));
        }
        // The owner is always an admin, whatever the file says.
        group.insert_listed(id, member.admin() || id == spec.owner, lid, listing);
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

/// A participant's linked ID and how the group's list shows it. Only
/// WhatsApp has linked IDs and hides numbers; a WhatsApp member without a
/// `lid` gets one made from its number, as every WhatsApp member has one.
fn listed(
    at: &str,
    p: Platform,
    hide_numbers: bool,
    member: &ParticipantSpec,
    problems: &mut Vec<String>,
) -> (Option<String>, Listing) {
    let id = member.id();
    let full = member.full();
    let lid = match (p, full.and_then(|f| f.lid.clone())) {
        (Platform::WhatsApp, Some(lid)) if spec::is_lid(&lid) => Some(lid),
        (Platform::WhatsApp, Some(lid)) => {
            problems.push(format!(
                "{at}: participant `{id}`: lid `{lid}` is not a linked ID like `123456789012345@lid`"
            ));
            None
        }
        (Platform::WhatsApp, None) => Some(linked_id(id)),
        (Platform::Max, Some(_)) => {
            problems.push(format!("{at}: participant `{id}`: MAX members have no lid"));
            None
        }
        (Platform::Max, None) => None,
    };
    let hidden = hide_numbers || full.is_some_and(|f| f.hidden);
    if hidden && p != Platform::WhatsApp {
        problems.push(format!(
            "{at}: participant `{id}`: only WhatsApp hides numbers"
        ));
    }
    let listing = match (full.is_some_and(|f| f.unlisted), hidden) {
        (true, _) => Listing::Unlisted,
        (false, true) => Listing::Hidden,
        (false, false) => Listing::Shown,
    };
    (lid, listing)
}

fn method_rates(
    raw: &BTreeMap<String, u32>,
    at: &str,
    problems: &mut Vec<String>,
) -> HashMap<Method, u32> {
    let mut rates = HashMap::new();
    for (name, &rate) in raw {
        match super::spec::method_named(name) {
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
    fn the_reference_state_loads() {
        let config = SandboxConfig::from_yaml(include_str!("state_reference.yaml")).unwrap();
        assert_eq!((config.seed, config.faults.len()), (42, 5));
        assert_eq!(config.rates[&Method::RemoveGroupParticipant], 20);
        let leg = config.latency_in.expect("the reference has a request leg");
        assert_eq!((leg.ms, leg.jitter), (150, 0.5));
    }

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
        let leg = format!("{MINIMAL}latency_in: {{ ms: 150, jitter: 1.5 }}\n");
        let err = SandboxConfig::from_yaml(&leg).unwrap_err().to_string();
        assert!(err.contains("latency_in: jitter 1.5"), "{err}");
    }
}

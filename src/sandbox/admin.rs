//! The sandbox's own endpoints under `/__sandbox/`, outside the API's paths:
//!
//! - `GET /__sandbox/ledger`: the API requests kept (the most recent, up to
//!   the ledger's capacity), as a JSON array;
//! - `GET /__sandbox/ledger/totals`: counts over every request, dropped
//!   ones included;
//! - `GET /__sandbox/state`: instances (without tokens) and groups;
//! - `GET /__sandbox/messages`: every `sendMessage` accepted, in order;
//! - `GET /__sandbox/faults`, `PUT /__sandbox/faults`: the fault rules in
//!   force; a PUT body is a YAML or JSON list of rules and replaces them;
//! - `PUT /__sandbox/instances/{idInstance}/state`: the body (`starting`,
//!   `"blocked"`, ...) becomes the instance's state;
//! - `POST /__sandbox/reset`: back to the initial state, ledger cleared.

use serde_json::json;

use super::config::SandboxConfig;
use super::fate::FaultPlan;
use super::faults::FaultRule;
use super::reply::Reply;
use super::schema::InstanceState;
use super::shared::Shared;

/// The prefix that marks the sandbox's own endpoints.
pub(crate) const PREFIX: &str = "/__sandbox/";

pub(crate) fn handle(shared: &Shared, verb: &str, path: &str, body: &[u8]) -> Reply {
    let endpoint = path.strip_prefix(PREFIX).unwrap_or_default();
    match (verb, endpoint) {
        ("GET", "ledger") => Reply::json(200, &json!(shared.lock().ledger.entries())),
        ("GET", "ledger/totals") => Reply::json(200, &json!(shared.lock().ledger.totals())),
        ("GET", "state") => Reply::json(200, &json!(shared.snapshot())),
        ("GET", "messages") => Reply::json(200, &json!(shared.lock().messages)),
        ("GET", "faults") => Reply::json(200, &json!(shared.lock().faults.rules())),
        ("PUT", "faults") => match parse_rules(body) {
            Ok(rules) => {
                let count = rules.len();
                set_faults(shared, rules);
                Reply::json(200, &json!({ "faults": count }))
            }
            Err(e) => Reply::text(400, e),
        },
        ("PUT", p) if p.starts_with("instances/") && p.ends_with("/state") => {
            let id = &p["instances/".len()..p.len() - "/state".len()];
            let state = std::str::from_utf8(body)
                .ok()
                .and_then(|text| yaml_serde::from_str::<InstanceState>(text.trim()).ok());
            match state {
                Some(state) if shared.set_instance_state(id, state) => {
                    Reply::json(200, &json!({ "stateInstance": state.as_str() }))
                }
                Some(_) => Reply::text(404, "Not Found"),
                None => Reply::text(400, "Bad Request: the body must be a state like `starting`"),
            }
        }
        ("POST", "reset") => {
            shared.reset();
            Reply::json(200, &json!({ "reset": true }))
        }
        _ => Reply::text(404, "Not Found"),
    }
}

/// Replaces the fault rules, keeping the seed; the counters start afresh.
pub(crate) fn set_faults(shared: &Shared, rules: Vec<FaultRule>) {
    let mut inner = shared.lock();
    let seed = inner.faults.seed();
    inner.faults = FaultPlan::new(seed, rules);
}

fn parse_rules(body: &[u8]) -> Result<Vec<FaultRule>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "fault rules are not UTF-8".to_owned())?;
    let rules: Vec<FaultRule> = yaml_serde::from_str(text)
        .map_err(|e| format!("fault rules are not a YAML or JSON list of rules: {e}"))?;
    SandboxConfig::check_faults(&rules).map_err(|e| e.to_string())?;
    Ok(rules)
}

//! Before sending anything: is the instance authorized, and what is its own number?

use crate::greenapi::Method;
use crate::greenapi::client::{Client, Endpoint};
use crate::greenapi::response::{StateInstance, parse_wid};
use crate::runner::classify::{Verdict, classify_status};

/// What the preflight learned about an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preflight {
    /// Authorized; its own ID when `getSettings` told it.
    Ready { own: Option<String> },
    /// It cannot moderate: not authorized, or its credentials are refused.
    Refused(String),
    /// The state could not be read (the server or the network failed): the
    /// run goes on and lets the operations' own answers decide.
    Unknown(String),
}

/// Asks `getStateInstance`, then `getSettings` for the own number. One call
/// of each per run cannot exceed their limits, so they are not paced.
pub async fn preflight(client: &Client, endpoint: &Endpoint) -> Preflight {
    let answer = client
        .call(endpoint, Method::GetStateInstance, &serde_json::Value::Null)
        .await;
    let state = match answer {
        Err(e) => return Preflight::Unknown(e.to_string()),
        Ok(a) if a.status == 200 => match serde_json::from_slice::<StateInstance>(&a.body) {
            Ok(state) => state,
            Err(_) => {
                return Preflight::Unknown("getStateInstance answered something unreadable".into());
            }
        },
        Ok(a) => {
            return match classify_status(a.status, &a.body, a.retry_after) {
                Verdict::Fatal { reason } => Preflight::Refused(reason),
                Verdict::Transient { reason, .. } | Verdict::Rejected { error: reason } => {
                    Preflight::Unknown(reason)
                }
                Verdict::Done => unreachable!("a non-200 status is never done"),
            };
        }
    };
    if !state.is_authorized() {
        return Preflight::Refused(format!(
            "the instance's state is `{}`, not `authorized`: check it in the GREEN-API console",
            state.state_instance
        ));
    }
    let own = match client
        .call(endpoint, Method::GetSettings, &serde_json::Value::Null)
        .await
    {
        Ok(a) if a.status == 200 => parse_wid(&a.body),
        _ => None,
    };
    Preflight::Ready { own }
}

//! Reading an API request: the path `[/v3]/waInstance{id}/{method}/{token}`
//! and the JSON body with its group and participant fields, validated the way
//! the real service answers 400 `Validation failed`.

use serde_json::Value;

use super::spec::Kind as IdKind;
use crate::greenapi::{Method, Platform};

/// The parts of an API path. `token` must never be logged or recorded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    pub v3: bool,
    pub instance: &'a str,
    pub method: &'a str,
    pub token: &'a str,
}

/// Splits an API path; `None` when it does not have the API's shape.
pub(crate) fn parse_path(path: &str) -> Option<Route<'_>> {
    let (v3, rest) = match path.strip_prefix("/v3/") {
        Some(rest) => (true, rest),
        None => (false, path.strip_prefix('/')?),
    };
    let mut parts = rest.split('/');
    let instance = parts.next()?.strip_prefix("waInstance")?;
    let method = parts.next()?;
    let token = parts.next()?;
    let plausible = !instance.is_empty()
        && instance.bytes().all(|b| b.is_ascii_digit())
        && !method.is_empty()
        && !token.is_empty();
    (plausible && parts.next().is_none()).then_some(Route {
        v3,
        instance,
        method,
        token,
    })
}

/// What a participant method or `getGroupData` is about.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub group: String,
    /// `None` for `getGroupData`.
    pub participant: Option<String>,
}

/// Reads a POST body for `method` on `platform`; the error is the 400 text.
pub(crate) fn parse_body(platform: Platform, method: Method, raw: &[u8]) -> Result<Target, String> {
    let value: Value =
        serde_json::from_slice(raw).map_err(|e| format!("Bad Request: JSON parse error: {e}"))?;
    let Value::Object(map) = value else {
        return Err("Validation failed: the body must be a JSON object".into());
    };
    let field = |name: &str, kind: IdKind| -> Result<String, String> {
        match map.get(name) {
            None | Some(Value::Null) => Err(format!("Validation failed: `{name}` is required")),
            Some(Value::String(s)) => match super::spec::id_problem(platform, kind, s) {
                None => Ok(s.clone()),
                Some(problem) => Err(format!("Validation failed: `{name}` {problem}")),
            },
            Some(_) => Err(format!("Validation failed: `{name}` must be a string")),
        }
    };
    let group = field(super::spec::group_field(platform), IdKind::Group)?;
    let participant = match method {
        Method::GetGroupData => None,
        _ => Some(field(super::spec::PARTICIPANT_FIELD, IdKind::Person)?),
    };
    Ok(Target { group, participant })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_both_path_variants() {
        assert_eq!(
            parse_path("/v3/waInstance31/setGroupAdmin/tok"),
            Some(Route {
                v3: true,
                instance: "31",
                method: "setGroupAdmin",
                token: "tok"
            })
        );
        assert!(!parse_path("/waInstance11/getStateInstance/t").unwrap().v3);
        for bad in [
            "/",
            "/waInstance/x/t",
            "/waInstanceab/x/t",
            "/waInstance1/x",
            "/waInstance1/x/t/extra",
            "/v4/waInstance1/x/t",
            "/waInstance1//t",
        ] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn validates_fields_by_platform() {
        let wa = |b: &str| parse_body(Platform::WhatsApp, Method::RemoveAdmin, b.as_bytes());
        assert!(wa(r#"{"groupId":"1203@g.us","participantChatId":"79001234565@c.us"}"#).is_ok());
        let err = |r: Result<Target, String>| r.unwrap_err();
        assert!(err(wa("{")).starts_with("Bad Request"));
        assert!(err(wa("[]")).starts_with("Validation failed"));
        assert!(err(wa(r#"{"groupId":"1203@g.us"}"#)).contains("participantChatId"));
        assert!(
            err(wa(
                r#"{"groupId":1203,"participantChatId":"79001234565@c.us"}"#
            ))
            .contains("string")
        );
        assert!(err(wa(r#"{"chatId":"-100","participantChatId":"10000000"}"#)).contains("groupId"));
        assert!(
            err(wa(
                r#"{"groupId":"-100","participantChatId":"79001234565@c.us"}"#
            ))
            .contains("max")
        );
        let max = |b: &str| parse_body(Platform::Max, Method::GetGroupData, b.as_bytes());
        assert_eq!(
            max(r#"{"chatId":"-100"}"#),
            Ok(Target {
                group: "-100".into(),
                participant: None
            })
        );
        assert!(err(max(r#"{"chatId":"10000000"}"#)).contains("person ID"));
    }
}

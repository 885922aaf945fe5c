//! The answers GREEN-API gives, parsed leniently: older answers lack fields,
//! MAX keys participants by `chatId` where WhatsApp uses `id`, and a body may
//! be anything at all when a proxy or a fault stands in the way.

use serde::{Deserialize, Serialize};

use super::Action;

/// What a 200 answer to a participant method says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionAnswer {
    /// The JSON object with the action's flag and perhaps an `error` text.
    Flag { flag: bool, error: Option<String> },
    /// `{"code": 401, "description": "Unauthorized"}` inside a 200: the Go SDK
    /// reads this as a 401, and so do we.
    EmbeddedError { code: u16, description: String },
    /// Valid JSON without the flag, or not JSON: the answer proves nothing.
    Unrecognised,
}

/// Reads a 200 body of `action`'s method.
pub fn parse_action_answer(action: Action, body: &[u8]) -> ActionAnswer {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return ActionAnswer::Unrecognised;
    };
    let error = match map.get("error") {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(serde_json::Value::Null) | None => None,
        Some(serde_json::Value::String(_)) => None,
        Some(other) => Some(other.to_string()),
    };
    match map.get(action.answer_flag()) {
        Some(serde_json::Value::Bool(flag)) => ActionAnswer::Flag { flag: *flag, error },
        _ => match (map.get("code").and_then(|c| c.as_u64()), error) {
            (Some(code), _) if (100..600).contains(&code) => ActionAnswer::EmbeddedError {
                code: code as u16,
                description: map
                    .get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("")
                    .to_owned(),
            },
            // An `error` text alone is still a definite refusal.
            (_, Some(error)) => ActionAnswer::Flag {
                flag: false,
                error: Some(error),
            },
            _ => ActionAnswer::Unrecognised,
        },
    }
}

/// `getGroupData`'s answer, as far as moderation needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupData {
    #[serde(default, alias = "chatId", rename = "groupId")]
    pub group_id: String,
    #[serde(default, deserialize_with = "lenient_id")]
    pub owner: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub participants: Vec<Participant>,
    /// How many members the group has. The list may be shorter (a public
    /// report says `getGroupData` does not always list every member), so a
    /// number missing from it proves nothing unless the two agree.
    #[serde(
        default,
        deserialize_with = "lenient_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub size: Option<u64>,
    /// WhatsApp: empty when the instance is not an admin of the group.
    #[serde(
        default,
        rename = "groupInviteLink",
        skip_serializing_if = "Option::is_none"
    )]
    pub invite_link: Option<String>,
}

/// One participant in a [`GroupData`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// `79001234565@c.us`, or `…@lid` in groups that hide numbers; MAX: digits.
    #[serde(default, alias = "chatId", deserialize_with = "lenient_id")]
    pub id: String,
    /// WhatsApp's linked ID (`123456789012345@lid`), when the answer gives it.
    #[serde(
        default,
        deserialize_with = "lenient_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub lid: Option<String>,
    #[serde(default, rename = "isAdmin")]
    pub is_admin: bool,
    #[serde(default, rename = "isSuperAdmin")]
    pub is_super_admin: bool,
}

impl GroupData {
    /// The participant with this ID (or linked ID), if listed.
    pub fn participant(&self, id: &str) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|p| p.id == id || p.lid.as_deref() == Some(id))
    }
}

/// Reads a 200 answer of `getGroupData`. An answer without participants that
/// names an error, or names no group at all, means the group was not found
/// (or is not visible to the instance).
pub fn parse_group_data(body: &[u8]) -> Result<GroupData, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "the group's data is not JSON".to_owned())?;
    let error = value
        .get("error")
        .and_then(|e| e.as_str())
        .filter(|e| !e.is_empty());
    let data: GroupData = serde_json::from_value(value.clone())
        .map_err(|e| format!("the group's data is malformed: {e}"))?;
    match error {
        Some(error) if data.participants.is_empty() => Err(format!("group not found ({error})")),
        None if data.participants.is_empty() && data.group_id.is_empty() => {
            Err("group not found".to_owned())
        }
        _ => Ok(data),
    }
}

/// `getSettings`'s answer: the instance's own ID, when it has one.
pub fn parse_wid(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let wid = value.get("wid")?.as_str()?.trim();
    (!wid.is_empty()).then(|| wid.to_owned())
}

/// IDs arrive as strings, but MAX has been seen to send numbers: accept both.
fn lenient_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(i64),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Id::deserialize(d)? {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
        Id::Other(_) => String::new(),
    })
}

/// An optional ID: a string, a number, or anything else read as absent.
fn lenient_opt_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let id = lenient_id(d)?;
    Ok((!id.trim().is_empty()).then_some(id))
}

/// A count as a number or a numeric string; anything else is unknown.
fn lenient_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        N(u64),
        S(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Count::deserialize(d)? {
        Count::N(n) => Some(n),
        Count::S(s) => s.trim().parse().ok(),
        Count::Other(_) => None,
    })
}

/// `getStateInstance`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateInstance {
    #[serde(rename = "stateInstance")]
    pub state_instance: String,
}

impl StateInstance {
    /// Only an authorized instance can moderate.
    pub fn is_authorized(&self) -> bool {
        self.state_instance == "authorized"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flags_and_errors() {
        let a = |b: &str| parse_action_answer(Action::Promote, b.as_bytes());
        assert_eq!(
            a(r#"{"setGroupAdmin":true}"#),
            ActionAnswer::Flag {
                flag: true,
                error: None
            }
        );
        assert_eq!(
            a(r#"{"setGroupAdmin":true,"error":"participant not found"}"#),
            ActionAnswer::Flag {
                flag: true,
                error: Some("participant not found".into())
            }
        );
        assert_eq!(
            a(r#"{"setGroupAdmin":false,"error":""}"#),
            ActionAnswer::Flag {
                flag: false,
                error: None
            }
        );
        assert_eq!(
            a(r#"{"code":401,"description":"Unauthorized"}"#),
            ActionAnswer::EmbeddedError {
                code: 401,
                description: "Unauthorized".into()
            }
        );
        assert_eq!(
            a(r#"{"removeParticipant":true}"#),
            ActionAnswer::Unrecognised
        );
        assert_eq!(a(r#"{"setGroupAdmin":"true"}"#), ActionAnswer::Unrecognised);
        assert_eq!(a("<html>"), ActionAnswer::Unrecognised);
    }

    #[test]
    fn group_data_is_lenient_on_both_platforms() {
        let wa: GroupData = serde_json::from_str(
            r#"{"groupId":"1@g.us","owner":"7@c.us","participants":[{"id":"7@c.us","lid":"x@lid","isAdmin":true,"isSuperAdmin":true},{"id":"8@c.us"}]}"#,
        )
        .unwrap();
        assert!(wa.participant("7@c.us").unwrap().is_super_admin);
        assert!(
            wa.participant("x@lid").unwrap().is_super_admin,
            "by its linked ID"
        );
        assert!(!wa.participant("8@c.us").unwrap().is_admin);
        assert_eq!(wa.participant("8@c.us").unwrap().lid, None);
        assert_eq!(wa.size, None);
        let sized: GroupData =
            serde_json::from_str(r#"{"groupId":"1@g.us","size":"7","participants":[]}"#).unwrap();
        assert_eq!(sized.size, Some(7));
        let odd: GroupData =
            serde_json::from_str(r#"{"size":[1],"participants":[{"id":"7@c.us","lid":5}]}"#)
                .unwrap();
        assert_eq!(odd.size, None);
        assert_eq!(odd.participants[0].lid.as_deref(), Some("5"));
        let max: GroupData = serde_json::from_str(
            r#"{"chatId":"-100","owner":39888725,"participants":[{"chatId":10000000,"isAdmin":true}]}"#,
        )
        .unwrap();
        assert_eq!(max.group_id, "-100");
        assert_eq!(max.owner, "39888725");
        assert!(max.participant("10000000").unwrap().is_admin);
        let bare: GroupData = serde_json::from_str("{}").unwrap();
        assert!(bare.participants.is_empty());
    }

    #[test]
    fn group_data_answers_that_name_no_group_are_errors() {
        assert!(
            parse_group_data(br#"{"error":"item-not-found"}"#)
                .unwrap_err()
                .contains("item-not-found")
        );
        assert!(parse_group_data(b"{}").is_err());
        assert!(parse_group_data(b"<html>").is_err());
        assert!(parse_group_data(br#"{"groupId":"1@g.us","participants":"x"}"#).is_err());
        let g = parse_group_data(
            br#"{"groupId":"1@g.us","groupInviteLink":"","participants":[{"id":"7@c.us"}]}"#,
        )
        .unwrap();
        assert_eq!(g.invite_link.as_deref(), Some(""));
    }

    #[test]
    fn settings_give_the_wid() {
        assert_eq!(
            parse_wid(br#"{"wid":"79001234567@c.us","typeAccount":""}"#).as_deref(),
            Some("79001234567@c.us")
        );
        assert_eq!(parse_wid(br#"{"wid":""}"#), None);
        assert_eq!(parse_wid(b"nope"), None);
    }
}

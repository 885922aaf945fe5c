//! `sendMessage` (`GREEN-API.md` §7): the messages instances were asked to
//! send, kept so that tests and `demo` can see what a moderators' chat
//! would read (`GET /__sandbox/messages`). The real service queues a
//! message until the instance is authorized; the sandbox records it at
//! once, marked `queued` when the instance could not send it yet.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::spec::{self, Kind};
use crate::greenapi::Platform;

/// One message as an instance was asked to send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub id_instance: String,
    pub chat_id: String,
    pub message: String,
    pub id_message: String,
    /// The instance was not authorized: the service holds it for 24 hours.
    pub queued: bool,
}

/// The longest text each platform takes, in characters (§7).
fn max_chars(platform: Platform) -> usize {
    match platform {
        Platform::WhatsApp => 20_000,
        Platform::Max => 4_000,
    }
}

/// Reads a `sendMessage` body: `chatId` a person or a group of the
/// platform, `message` a non-empty text within the platform's length.
pub(crate) fn parse(platform: Platform, raw: &[u8]) -> Result<(String, String), String> {
    let value: Value =
        serde_json::from_slice(raw).map_err(|e| format!("Bad Request: JSON parse error: {e}"))?;
    let chat = match value.get("chatId") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => return Err("Validation failed: `chatId` is required".into()),
        Some(_) => return Err("Validation failed: `chatId` must be a string".into()),
    };
    if spec::id_problem(platform, Kind::Person, &chat).is_some()
        && spec::id_problem(platform, Kind::Group, &chat).is_some()
    {
        return Err(format!(
            "Validation failed: `chatId` {}",
            spec::id_problem(platform, Kind::Person, &chat).unwrap_or_default()
        ));
    }
    let text = match value.get("message") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => return Err("Validation failed: `message` is empty".into()),
        _ => return Err("Validation failed: `message` is required".into()),
    };
    if text.chars().count() > max_chars(platform) {
        return Err(format!(
            "Validation failed: `message` is longer than {} characters",
            max_chars(platform)
        ));
    }
    Ok((chat, text))
}

/// The message ID the platform answers with: 20 hex digits on WhatsApp,
/// digits on MAX.
pub(crate) fn id_for(platform: Platform, seq: usize) -> String {
    match platform {
        Platform::WhatsApp => format!("3EB0{seq:016X}"),
        Platform::Max => format!("27{seq:011}"),
    }
}

/// The answer to an accepted message.
pub(crate) fn answer(id_message: &str) -> Value {
    json!({ "idMessage": id_message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_goes_to_a_person_or_a_group_within_the_platform_s_length() {
        let body = |chat: &str, text: &str| json!({ "chatId": chat, "message": text }).to_string();
        let wa = Platform::WhatsApp;
        assert!(parse(wa, body("120363043968066561@g.us", "hi").as_bytes()).is_ok());
        assert!(parse(wa, body("79001234567@c.us", "hi").as_bytes()).is_ok());
        assert!(
            parse(wa, body("-10000000000000", "hi").as_bytes()).is_err(),
            "a MAX group"
        );
        assert!(parse(wa, body("79001234567@c.us", "").as_bytes()).is_err());
        let max = Platform::Max;
        assert!(parse(max, body("-10000000000000", "hi").as_bytes()).is_ok());
        assert!(parse(max, body("10000000", &"x".repeat(4_000)).as_bytes()).is_ok());
        assert!(parse(max, body("10000000", &"x".repeat(4_001)).as_bytes()).is_err());
        assert!(parse(max, br#"{"message":"hi"}"#).is_err(), "no chatId");
        assert_eq!(id_for(wa, 1).len(), 20);
        assert!(id_for(max, 7).bytes().all(|b| b.is_ascii_digit()));
    }
}

//! The two messengers GREEN-API drives, and what differs between them on the wire.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A GREEN-API platform. IDs of one platform are never valid on the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// WhatsApp: `…@c.us` people, `…@g.us` groups, paths without a prefix.
    #[serde(alias = "wa")]
    WhatsApp,
    /// MAX: positive digit people, negative digit groups, paths under `/v3`.
    #[serde(alias = "v3")]
    Max,
}

impl Platform {
    /// Every platform, for tables and tests.
    pub const ALL: [Platform; 2] = [Platform::WhatsApp, Platform::Max];

    /// The lowercase name used in manifests, results and the environment.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::WhatsApp => "whatsapp",
            Platform::Max => "max",
        }
    }

    /// The JSON field that names the group in request bodies.
    pub fn group_field(self) -> &'static str {
        match self {
            Platform::WhatsApp => "groupId",
            Platform::Max => "chatId",
        }
    }

    /// The JSON field that names the participant in request bodies (the same on both).
    pub fn participant_field(self) -> &'static str {
        "participantChatId"
    }

    /// The path prefix before `waInstance…`. MAX documents `/v3` as optional;
    /// sending it is always correct, so the client always does.
    pub fn path_prefix(self) -> &'static str {
        match self {
            Platform::WhatsApp => "",
            Platform::Max => "/v3",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "whatsapp" | "wa" => Ok(Platform::WhatsApp),
            "max" | "v3" => Ok(Platform::Max),
            other => Err(format!(
                "unknown platform `{other}` (expected `whatsapp` or `max`)"
            )),
        }
    }
}

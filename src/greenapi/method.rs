//! The API methods the tool uses, their HTTP verbs and documented rate limits.

use std::fmt;

use super::Platform;

/// A GREEN-API method this project calls (or the sandbox answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    RemoveGroupParticipant,
    AddGroupParticipant,
    SetGroupAdmin,
    RemoveAdmin,
    GetGroupData,
    GetStateInstance,
    /// The instance's settings, whose `wid` is its own number: the runner
    /// needs it to know whether the instance administers a group and never to
    /// remove or demote itself. Not in `GREEN-API.md`; documented publicly as
    /// `GET …/getSettings/…` answering `{"wid": "79001234567@c.us", …}`.
    GetSettings,
    /// The chats the instance knows (`GET …/getContacts/…?group=true` for
    /// its groups, `GREEN-API.md` §6): what `greenbatch groups` lists.
    GetContacts,
    /// A text message to a chat (`POST …/sendMessage/…`, body `{"chatId",
    /// "message"}`, answer `{"idMessage"}`, `GREEN-API.md` §7): a job's
    /// notice to the moderators' chat (`--notify`).
    SendMessage,
}

impl Method {
    /// Every method, for tables and tests.
    pub const ALL: [Method; 9] = [
        Method::RemoveGroupParticipant,
        Method::AddGroupParticipant,
        Method::SetGroupAdmin,
        Method::RemoveAdmin,
        Method::GetGroupData,
        Method::GetStateInstance,
        Method::GetSettings,
        Method::GetContacts,
        Method::SendMessage,
    ];

    /// The name as it stands in the URL path.
    pub fn name(self) -> &'static str {
        match self {
            Method::RemoveGroupParticipant => "removeGroupParticipant",
            Method::AddGroupParticipant => "addGroupParticipant",
            Method::SetGroupAdmin => "setGroupAdmin",
            Method::RemoveAdmin => "removeAdmin",
            Method::GetGroupData => "getGroupData",
            Method::GetStateInstance => "getStateInstance",
            Method::GetSettings => "getSettings",
            Method::GetContacts => "getContacts",
            Method::SendMessage => "sendMessage",
        }
    }

    /// The method whose path name is `name` (case-sensitive, as the API is).
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }

    /// `getStateInstance`, `getSettings` and `getContacts` are GETs; every
    /// other method is a POST with a JSON body.
    pub fn is_get(self) -> bool {
        matches!(
            self,
            Method::GetStateInstance | Method::GetSettings | Method::GetContacts
        )
    }

    /// The query string the project sends with this method, if any: it asks
    /// `getContacts` for groups only.
    pub fn query(self) -> Option<&'static str> {
        match self {
            Method::GetContacts => Some("group=true"),
            _ => None,
        }
    }

    /// The documented ceiling in requests per second, per instance and per
    /// method (`GREEN-API.md` section 4). A runner paces well below it.
    pub fn documented_rate(self, platform: Platform) -> u32 {
        use Method::*;
        match (self, platform) {
            (
                RemoveGroupParticipant | AddGroupParticipant | SetGroupAdmin | RemoveAdmin,
                Platform::WhatsApp,
            ) => 10,
            (
                RemoveGroupParticipant | AddGroupParticipant | SetGroupAdmin | RemoveAdmin,
                Platform::Max,
            ) => 1,
            (GetGroupData, Platform::WhatsApp) => 1,
            (GetGroupData, Platform::Max) => 10,
            (GetStateInstance, _) => 1,
            // Not in the documented table: as slow as getStateInstance.
            (GetSettings, _) => 1,
            // WhatsApp documents 1/s; MAX has no row: as slow.
            (GetContacts, _) => 1,
            // No row (§7): one notice per job, as slow as the reads.
            (SendMessage, _) => 1,
        }
    }

    /// The path after `apiUrl`: `[/v3]/waInstance{id}/{method}/{token}`.
    ///
    /// The result holds the token: it is for building a request and must never
    /// be logged, shown or stored. Use [`Method::redacted_path`] for messages.
    pub fn path(self, platform: Platform, id_instance: &str, token: &str) -> String {
        format!(
            "{}/waInstance{}/{}/{}",
            platform.path_prefix(),
            id_instance,
            self.name(),
            token
        )
    }

    /// The same path with the token replaced by `***`, safe to show.
    pub fn redacted_path(self, platform: Platform, id_instance: &str) -> String {
        self.path(platform, id_instance, "***")
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::from_name(m.name()), Some(m));
        }
        assert_eq!(Method::from_name("RemoveGroupParticipant"), None);
    }

    #[test]
    fn paths_follow_the_documented_shape() {
        assert_eq!(
            Method::RemoveGroupParticipant.path(Platform::WhatsApp, "7105187566", "tok"),
            "/waInstance7105187566/removeGroupParticipant/tok"
        );
        assert_eq!(
            Method::SetGroupAdmin.path(Platform::Max, "3100309139", "tok"),
            "/v3/waInstance3100309139/setGroupAdmin/tok"
        );
        assert!(
            !Method::SetGroupAdmin
                .redacted_path(Platform::Max, "1")
                .contains("tok")
        );
    }

    #[test]
    fn rate_table_matches_the_documentation() {
        assert_eq!(
            Method::RemoveGroupParticipant.documented_rate(Platform::WhatsApp),
            10
        );
        assert_eq!(
            Method::RemoveGroupParticipant.documented_rate(Platform::Max),
            1
        );
        assert_eq!(Method::GetGroupData.documented_rate(Platform::WhatsApp), 1);
        assert_eq!(Method::GetGroupData.documented_rate(Platform::Max), 10);
        assert_eq!(Method::GetStateInstance.documented_rate(Platform::Max), 1);
        assert_eq!(Method::GetContacts.documented_rate(Platform::WhatsApp), 1);
        assert!(Method::GetContacts.is_get());
        assert_eq!(Method::GetContacts.query(), Some("group=true"));
    }
}

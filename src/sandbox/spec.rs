//! The sandbox's own copy of the API facts it checks requests against,
//! written out from `GREEN-API.md` (§1, §2, §4, §6) rather than taken from
//! the client's `greenapi` module: a wrong field name or rate in the client
//! would otherwise pass on both sides. A test holds the two copies equal.

use crate::greenapi::{Method, Platform};

/// The documented limit of `method` on `platform`, requests per second.
pub(crate) fn documented_limit(method: Method, platform: Platform) -> u32 {
    use Method::*;
    use Platform::*;
    match (method, platform) {
        // §4: the participant methods.
        (AddGroupParticipant | RemoveGroupParticipant, WhatsApp) => 10,
        (AddGroupParticipant | RemoveGroupParticipant, Max) => 1,
        (SetGroupAdmin | RemoveAdmin, WhatsApp) => 10,
        (SetGroupAdmin | RemoveAdmin, Max) => 1,
        // §4: reads are the other way round.
        (GetGroupData, WhatsApp) => 1,
        (GetGroupData, Max) => 10,
        (GetStateInstance, _) => 1,
        // §6: getContacts is 1/s (WhatsApp's row; MAX is documented under /v3 too).
        (GetContacts, _) => 1,
        // §6: no row for getSettings; treated as 1/s.
        (GetSettings, _) => 1,
    }
}

/// The body field naming the group (§1).
pub(crate) fn group_field(platform: Platform) -> &'static str {
    match platform {
        Platform::WhatsApp => "groupId",
        Platform::Max => "chatId",
    }
}

/// The body field naming the participant (§1).
pub(crate) const PARTICIPANT_FIELD: &str = "participantChatId";

/// The boolean a participant method answers with (§2).
pub(crate) fn answer_flag(method: Method) -> Option<&'static str> {
    Some(match method {
        Method::RemoveGroupParticipant => "removeParticipant",
        Method::AddGroupParticipant => "addParticipant",
        Method::SetGroupAdmin => "setGroupAdmin",
        Method::RemoveAdmin => "removeAdmin",
        Method::GetGroupData
        | Method::GetStateInstance
        | Method::GetSettings
        | Method::GetContacts => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::greenapi::Action;

    /// The client's facts and the sandbox's agree: if one side is wrong,
    /// this names it, rather than both passing together.
    #[test]
    fn the_client_and_the_sandbox_read_the_same_documentation() {
        for platform in [Platform::WhatsApp, Platform::Max] {
            for method in Method::ALL {
                assert_eq!(
                    method.documented_rate(platform),
                    documented_limit(method, platform),
                    "{method} on {platform}"
                );
            }
            assert_eq!(platform.group_field(), group_field(platform));
            assert_eq!(platform.participant_field(), PARTICIPANT_FIELD);
        }
        for action in Action::ALL {
            assert_eq!(
                Some(action.answer_flag()),
                answer_flag(action.method()),
                "{action:?}"
            );
        }
    }
}

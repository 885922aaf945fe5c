//! The sandbox's own copy of the API facts it checks requests against,
//! written out from `GREEN-API.md` (§1, §2, §4, §6) rather than taken from
//! the client's `greenapi` module: a wrong method name, verb, ID rule, field
//! name or rate in the client would otherwise pass on both sides. A test
//! holds the two copies equal, so a mistake must be made twice, differently,
//! to pass. (`Method` and `Platform` are only the enums that name things.)

use crate::greenapi::{Method, Platform};

/// The method a path names (§1, §6), as written in the documentation.
pub(crate) fn method_named(name: &str) -> Option<Method> {
    Some(match name {
        "removeGroupParticipant" => Method::RemoveGroupParticipant,
        "addGroupParticipant" => Method::AddGroupParticipant,
        "setGroupAdmin" => Method::SetGroupAdmin,
        "removeAdmin" => Method::RemoveAdmin,
        "getGroupData" => Method::GetGroupData,
        "getStateInstance" => Method::GetStateInstance,
        "getSettings" => Method::GetSettings,
        "getContacts" => Method::GetContacts,
        "sendMessage" => Method::SendMessage,
        _ => return None,
    })
}

/// The HTTP verb of `method` (§1: `getStateInstance` is a GET; §6:
/// `getSettings` and `getContacts` too; the rest are POSTs with a body).
pub(crate) fn verb(method: Method) -> &'static str {
    match method {
        Method::GetStateInstance | Method::GetSettings | Method::GetContacts => "GET",
        Method::RemoveGroupParticipant
        | Method::AddGroupParticipant
        | Method::SetGroupAdmin
        | Method::RemoveAdmin
        | Method::GetGroupData
        | Method::SendMessage => "POST",
    }
}

/// Whether an ID names a person or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Person,
    Group,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Group => "group",
        }
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// What `id` is on `platform`, by the documented formats (§1, §6): on
/// WhatsApp a person is an international number (5 to 15 digits, no
/// leading zero) `@c.us` or a linked ID (digits, 5 to 24) `@lid`, a group
/// digits `@g.us` or a legacy `creator-time@g.us`; on MAX a person is a
/// positive integer and a group a negative one.
pub(crate) fn id_kind(platform: Platform, id: &str) -> Option<Kind> {
    match platform {
        Platform::WhatsApp => {
            if let Some(n) = id.strip_suffix("@c.us") {
                let ok = digits(n) && (5..=15).contains(&n.len()) && !n.starts_with('0');
                return ok.then_some(Kind::Person);
            }
            if let Some(n) = id.strip_suffix("@lid") {
                return (digits(n) && (5..=24).contains(&n.len())).then_some(Kind::Person);
            }
            let g = id.strip_suffix("@g.us")?;
            let ok = match g.split_once('-') {
                Some((creator, time)) => digits(creator) && digits(time),
                None => digits(g),
            };
            ok.then_some(Kind::Group)
        }
        Platform::Max => match id.strip_prefix('-') {
            Some(n) => (digits(n) && !n.starts_with('0')).then_some(Kind::Group),
            None => (digits(id) && !id.starts_with('0')).then_some(Kind::Person),
        },
    }
}

/// Whether `id` is a WhatsApp linked ID.
pub(crate) fn is_lid(id: &str) -> bool {
    id.strip_suffix("@lid")
        .is_some_and(|n| digits(n) && (5..=24).contains(&n.len()))
}

/// Why `id` is no `kind` ID of `platform`, in the sandbox's words (`None`
/// when it is one).
pub(crate) fn id_problem(platform: Platform, kind: Kind, id: &str) -> Option<String> {
    let found = id_kind(platform, id);
    if found == Some(kind) {
        return None;
    }
    let other = match platform {
        Platform::WhatsApp => Platform::Max,
        Platform::Max => Platform::WhatsApp,
    };
    Some(match found {
        _ if id.trim().is_empty() => "is empty".to_owned(),
        Some(f) => format!(
            "is a {} ID where a {} is expected",
            f.as_str(),
            kind.as_str()
        ),
        None if id_kind(other, id).is_some() => {
            format!("is a {other} ID, not valid on this platform")
        }
        None => format!(
            "is not a valid ID (a {platform} {} ID looks like `{}`)",
            kind.as_str(),
            example(platform, kind)
        ),
    })
}

fn example(platform: Platform, kind: Kind) -> &'static str {
    match (platform, kind) {
        (Platform::WhatsApp, Kind::Person) => "79001234565@c.us",
        (Platform::WhatsApp, Kind::Group) => "120363043968066561@g.us",
        (Platform::Max, Kind::Person) => "10000000",
        (Platform::Max, Kind::Group) => "-10000000000000",
    }
}

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
        // §7: no row for sendMessage; treated as 1/s.
        (SendMessage, _) => 1,
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
        | Method::GetContacts
        | Method::SendMessage => return None,
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
        for method in Method::ALL {
            assert_eq!(method_named(method.name()), Some(method), "{method}");
            assert_eq!(verb(method) == "GET", method.is_get(), "{method}");
        }
    }

    /// The client's ID rules and the sandbox's say the same of every ID a
    /// manifest or an answer can hold, and of near misses.
    #[test]
    fn the_client_and_the_sandbox_read_ids_alike() {
        use crate::greenapi::ids::{self, IdKind};
        let mut samples: Vec<String> = [
            "79001234565@c.us",
            "123456789012345@lid",
            "120363043968066561@g.us",
            "79876543210-1587570015@g.us",
            "10000000",
            "-10000000000000",
            "07900123456@c.us",
            "1234@c.us",
            "1234567890123456@c.us",
            "12@lid",
            "-0100",
            "0100",
            "1-@g.us",
            "-1-@g.us",
            "abc@g.us",
            "",
            "+7 900 123-45-65",
        ]
        .map(str::to_owned)
        .to_vec();
        let mut rng = fastrand::Rng::with_seed(21);
        let alphabet = ["1", "0", "7", "-", "@c.us", "@g.us", "@lid", "a", " "];
        for _ in 0..20_000 {
            samples.push(
                (0..rng.usize(1..8))
                    .map(|_| alphabet[rng.usize(..alphabet.len())])
                    .collect(),
            );
        }
        for platform in [Platform::WhatsApp, Platform::Max] {
            for id in &samples {
                let client = ids::kind_of(platform, id).map(|k| k == IdKind::Person);
                let sandbox = id_kind(platform, id).map(|k| k == Kind::Person);
                assert_eq!(client, sandbox, "{platform} {id:?}");
                assert_eq!(ids::is_lid(id), is_lid(id), "{id:?}");
            }
        }
    }
}

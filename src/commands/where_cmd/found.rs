//! Where each participant is, among the groups read: the groups whose list
//! names them (by number or by linked ID alike) with their role there, and
//! the groups whose list cannot prove them absent (it hides some numbers, or
//! is shorter than the group: `GREEN-API.md` §6), which a listing must not
//! pass off as "not there". Pure functions over [`GroupState`].

use super::asked::Asked;
use crate::commands::reading::Target;
use crate::desired::export::role;
use crate::greenapi::{Action, Platform};
use crate::runner::live::GroupState;
use crate::runner::live::predict::Goal;

/// A group that was read, with its instance's platform.
pub(crate) struct Read<'t> {
    pub target: &'t Target,
    pub platform: Platform,
    pub state: &'t GroupState,
}

/// A group where a participant is.
pub(crate) struct Found<'a> {
    pub group: &'a Target,
    /// The participant's ID on the group's platform, as looked for.
    pub participant_id: &'a str,
    /// `owner`, `admin` or `member`.
    pub role: &'static str,
}

/// A group whose list neither names a participant nor proves them absent.
pub(crate) struct Unsure<'a> {
    pub group: &'a Target,
    pub participant_id: &'a str,
    pub why: String,
}

/// What the groups read say about one participant.
pub(crate) struct Whereabouts<'a> {
    pub asked: &'a Asked,
    /// How many groups read are of a platform the participant's ID fits.
    pub searched: usize,
    pub found: Vec<Found<'a>>,
    pub unsure: Vec<Unsure<'a>>,
}

/// Each participant's whereabouts in `read`, in the order both were given.
pub(crate) fn search<'a>(asked: &'a [Asked], read: &[Read<'a>]) -> Vec<Whereabouts<'a>> {
    asked.iter().map(|a| whereabouts(a, read)).collect()
}

fn whereabouts<'a>(asked: &'a Asked, read: &[Read<'a>]) -> Whereabouts<'a> {
    let mut w = Whereabouts {
        asked,
        searched: 0,
        found: Vec::new(),
        unsure: Vec::new(),
    };
    for r in read {
        let Some(id) = asked.id_on(r.platform) else {
            continue;
        };
        w.searched += 1;
        if let Some(member) = r.state.member(id) {
            w.found.push(Found {
                group: r.target,
                participant_id: id,
                role: role(&member),
            });
        } else if let Goal::Unproven(why) = r.state.goal(Action::Add, id) {
            w.unsure.push(Unsure {
                group: r.target,
                participant_id: id,
                why,
            });
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::greenapi::response::parse_group_data;

    fn target(chat: &str, body: &str) -> Target {
        let data = parse_group_data(body.as_bytes()).unwrap();
        Target {
            instance: "wa".into(),
            chat: chat.into(),
            subject: Some("S".into()),
            state: Ok(GroupState::new(&data, None)),
        }
    }

    fn asked(id: &str) -> Asked {
        Asked {
            given: id.into(),
            ids: vec![(Platform::WhatsApp, id.into())],
        }
    }

    #[test]
    fn a_member_is_found_by_number_or_linked_id_with_their_role() {
        let whole = target(
            "1@g.us",
            r#"{"groupId": "1@g.us", "owner": "79000000001@c.us", "size": 3, "participants": [
                {"id": "79000000001@c.us", "isAdmin": true, "isSuperAdmin": true},
                {"id": "79000000002@c.us", "lid": "100000000000002@lid", "isAdmin": true},
                {"id": "100000000000003@lid"}]}"#,
        );
        let state = whole.state.as_ref().unwrap();
        let read = [Read {
            target: &whole,
            platform: Platform::WhatsApp,
            state,
        }];
        let role_of = |id: &str| {
            let a = asked(id);
            let w = search(std::slice::from_ref(&a), &read);
            (w[0].found.first().map(|f| f.role), w[0].unsure.len())
        };
        assert_eq!(role_of("79000000001@c.us"), (Some("owner"), 0));
        assert_eq!(role_of("79000000002@c.us"), (Some("admin"), 0));
        assert_eq!(role_of("100000000000002@lid"), (Some("admin"), 0));
        assert_eq!(role_of("100000000000003@lid"), (Some("member"), 0));
        // One member is listed by linked ID alone: a number not listed
        // may be theirs, so the list cannot tell.
        assert_eq!(role_of("79000000009@c.us"), (None, 1));
        let max = Asked {
            given: "10000000".into(),
            ids: vec![(Platform::Max, "10000000".into())],
        };
        let w = search(std::slice::from_ref(&max), &read);
        assert_eq!(
            w[0].searched, 0,
            "a WhatsApp group is not searched for a MAX ID"
        );
    }
}

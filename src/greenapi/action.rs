//! The four participant actions and how each maps onto an API method and answer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Method;

/// What a manifest asks to do to one participant of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Remove,
    Add,
    Promote,
    Demote,
}

impl Action {
    /// Every action, in the order summaries list them.
    pub const ALL: [Action; 4] = [Action::Remove, Action::Add, Action::Promote, Action::Demote];

    /// The lowercase name used in manifests and results.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Remove => "remove",
            Action::Add => "add",
            Action::Promote => "promote",
            Action::Demote => "demote",
        }
    }

    /// The API method that performs this action.
    pub fn method(self) -> Method {
        match self {
            Action::Remove => Method::RemoveGroupParticipant,
            Action::Add => Method::AddGroupParticipant,
            Action::Promote => Method::SetGroupAdmin,
            Action::Demote => Method::RemoveAdmin,
        }
    }

    /// The boolean field of a 200 answer that tells whether the action took effect.
    pub fn answer_flag(self) -> &'static str {
        match self {
            Action::Remove => "removeParticipant",
            Action::Add => "addParticipant",
            Action::Promote => "setGroupAdmin",
            Action::Demote => "removeAdmin",
        }
    }

    /// The action that undoes this one (`remove` undoes `add`, and so on).
    pub fn inverse(self) -> Action {
        match self {
            Action::Remove => Action::Add,
            Action::Add => Action::Remove,
            Action::Promote => Action::Demote,
            Action::Demote => Action::Promote,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = ();

    /// Accepts the action names and, as aliases, the API's method names;
    /// case and surrounding spaces do not matter.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = super::ids::trim(s);
        Action::ALL
            .into_iter()
            .find(|a| {
                s.eq_ignore_ascii_case(a.as_str()) || s.eq_ignore_ascii_case(a.method().name())
            })
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_method_aliases() {
        assert_eq!("remove".parse(), Ok(Action::Remove));
        assert_eq!(" Promote ".parse(), Ok(Action::Promote));
        assert_eq!("removeGroupParticipant".parse(), Ok(Action::Remove));
        assert_eq!("addGroupParticipant".parse(), Ok(Action::Add));
        assert_eq!("setGroupAdmin".parse(), Ok(Action::Promote));
        assert_eq!("removeAdmin".parse(), Ok(Action::Demote));
        assert_eq!("kick".parse::<Action>(), Err(()));
    }

    #[test]
    fn inverse_is_an_involution() {
        for a in Action::ALL {
            assert_eq!(a.inverse().inverse(), a);
            assert_ne!(a.inverse(), a);
        }
    }
}

//! What a group's live state says about an operation, before and after it is
//! sent: whether its goal already holds, whether it would be refused and why,
//! and the guards that never let a run remove or demote the group's owner or
//! the instance's own number. Pure functions over [`GroupState`].

use std::collections::HashMap;

use crate::greenapi::Action;
use crate::greenapi::response::GroupData;

/// A member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Role {
    admin: bool,
    owner: bool,
}

/// A group as the runner knows it: read with `getGroupData`, then kept up to
/// date with the operations that succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupState {
    members: HashMap<String, Role>,
    /// The instance's own ID, when `getSettings` told it.
    own: Option<String>,
    /// Whether the instance administers the group, when that is known.
    instance_admin: Option<bool>,
}

/// What the state predicts for an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prediction {
    /// It will change something.
    Change,
    /// Its goal holds already: nothing to send.
    Already(String),
    /// Never to be sent: it would remove or demote the owner or the instance itself.
    Guard(String),
    /// The API will most likely refuse it, for this reason.
    Refused(String),
}

impl GroupState {
    /// Reads `data`; `own` is the instance's own ID, if known.
    pub fn new(data: &GroupData, own: Option<&str>) -> GroupState {
        let members: HashMap<String, Role> = data
            .participants
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    Role {
                        admin: p.is_admin || p.is_super_admin,
                        owner: p.is_super_admin || p.id == data.owner,
                    },
                )
            })
            .collect();
        let instance_admin = match own.map(|o| members.get(o)) {
            Some(Some(role)) => Some(role.admin),
            Some(None) => Some(false),
            // WhatsApp shows the invite link only to admins.
            None => data.invite_link.as_ref().map(|link| !link.is_empty()),
        };
        GroupState {
            members,
            own: own.map(str::to_owned),
            instance_admin,
        }
    }

    /// Whether `action`'s goal holds for `participant`.
    pub fn goal_holds(&self, action: Action, participant: &str) -> bool {
        let role = self.members.get(participant);
        match action {
            Action::Remove => role.is_none(),
            Action::Add => role.is_some(),
            Action::Promote => role.is_some_and(|r| r.admin),
            Action::Demote => role.is_some_and(|r| !r.admin),
        }
    }

    /// Records that `action` on `participant` took effect.
    pub fn apply(&mut self, action: Action, participant: &str) {
        match action {
            Action::Remove => {
                self.members.remove(participant);
            }
            Action::Add => {
                self.members.entry(participant.to_owned()).or_insert(Role {
                    admin: false,
                    owner: false,
                });
            }
            Action::Promote | Action::Demote => {
                if let Some(role) = self.members.get_mut(participant) {
                    role.admin = action == Action::Promote;
                }
            }
        }
    }

    /// What sending `action` for `participant` would do.
    pub fn predict(&self, action: Action, participant: &str) -> Prediction {
        let role = self.members.get(participant);
        let is_self = self.own.as_deref() == Some(participant);
        let not_admin = self.instance_admin == Some(false);
        use Prediction::*;
        match action {
            Action::Remove | Action::Demote if is_self => {
                Guard(format!("{participant} is this instance's own number"))
            }
            Action::Remove | Action::Demote if role.is_some_and(|r| r.owner) => {
                Guard(format!("{participant} is the group's owner"))
            }
            Action::Remove if role.is_none() => Already("not a member of the group".into()),
            Action::Add if role.is_some() => Already("already a member of the group".into()),
            Action::Promote | Action::Demote if role.is_none() => {
                Refused("not a member of the group".into())
            }
            Action::Promote if role.is_some_and(|r| r.admin) => Already("already an admin".into()),
            Action::Demote if role.is_some_and(|r| !r.admin) => Already("not an admin".into()),
            _ if not_admin => Refused("this instance is not an admin of the group".into()),
            _ => Change,
        }
    }

    /// Why an operation the API refused did not work, as far as the state tells.
    pub fn explain(&self, action: Action, participant: &str) -> String {
        match self.predict(action, participant) {
            Prediction::Refused(why) | Prediction::Guard(why) | Prediction::Already(why) => why,
            Prediction::Change => "the group's state does not explain it".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::greenapi::response::Participant;
    use Prediction::*;

    fn group(own_admin: bool) -> GroupState {
        let p = |id: &str, admin, sup| Participant {
            id: id.into(),
            is_admin: admin,
            is_super_admin: sup,
        };
        let data = GroupData {
            group_id: "1@g.us".into(),
            owner: "700@c.us".into(),
            subject: String::new(),
            participants: vec![
                p("700@c.us", true, true),
                p("701@c.us", own_admin, false),
                p("702@c.us", true, false),
                p("703@c.us", false, false),
            ],
            invite_link: None,
        };
        GroupState::new(&data, Some("701@c.us"))
    }

    #[test]
    fn predicts_every_case() {
        let g = group(true);
        assert_eq!(g.predict(Action::Remove, "703@c.us"), Change);
        assert_eq!(
            g.predict(Action::Remove, "799@c.us"),
            Already("not a member of the group".into())
        );
        assert_eq!(
            g.predict(Action::Add, "703@c.us"),
            Already("already a member of the group".into())
        );
        assert_eq!(g.predict(Action::Add, "799@c.us"), Change);
        assert_eq!(g.predict(Action::Promote, "703@c.us"), Change);
        assert_eq!(
            g.predict(Action::Promote, "702@c.us"),
            Already("already an admin".into())
        );
        assert_eq!(
            g.predict(Action::Promote, "799@c.us"),
            Refused("not a member of the group".into())
        );
        assert_eq!(g.predict(Action::Demote, "702@c.us"), Change);
        assert_eq!(
            g.predict(Action::Demote, "703@c.us"),
            Already("not an admin".into())
        );
        assert_eq!(
            g.predict(Action::Demote, "799@c.us"),
            Refused("not a member of the group".into())
        );
    }

    #[test]
    fn guards_the_owner_and_the_instance_itself() {
        let g = group(true);
        assert!(matches!(g.predict(Action::Remove, "700@c.us"), Guard(w) if w.contains("owner")));
        assert!(matches!(g.predict(Action::Demote, "700@c.us"), Guard(w) if w.contains("owner")));
        assert!(
            matches!(g.predict(Action::Remove, "701@c.us"), Guard(w) if w.contains("own number"))
        );
        assert!(
            matches!(g.predict(Action::Demote, "701@c.us"), Guard(w) if w.contains("own number"))
        );
        assert_eq!(
            g.predict(Action::Promote, "700@c.us"),
            Already("already an admin".into())
        );
    }

    #[test]
    fn an_instance_that_is_not_admin_is_refused() {
        let g = group(false);
        let refused = Refused("this instance is not an admin of the group".into());
        assert_eq!(g.predict(Action::Remove, "703@c.us"), refused);
        assert_eq!(g.predict(Action::Add, "799@c.us"), refused);
        assert_eq!(
            g.predict(Action::Remove, "799@c.us"),
            Already("not a member of the group".into())
        );
        let mut data = GroupData {
            participants: vec![],
            invite_link: Some(String::new()),
            ..GroupData::default()
        };
        data.group_id = "1@g.us".into();
        assert_eq!(
            GroupState::new(&data, None).predict(Action::Add, "799@c.us"),
            refused,
            "no invite link: not admin"
        );
        data.invite_link = None;
        assert_eq!(
            GroupState::new(&data, None).predict(Action::Add, "799@c.us"),
            Change,
            "unknown: let the API decide"
        );
    }

    #[test]
    fn applied_operations_update_the_state() {
        let mut g = group(true);
        g.apply(Action::Add, "799@c.us");
        assert!(g.goal_holds(Action::Add, "799@c.us"));
        assert_eq!(g.predict(Action::Promote, "799@c.us"), Change);
        g.apply(Action::Promote, "799@c.us");
        assert!(g.goal_holds(Action::Promote, "799@c.us"));
        g.apply(Action::Remove, "799@c.us");
        assert!(g.goal_holds(Action::Remove, "799@c.us"));
        assert_eq!(
            g.explain(Action::Remove, "703@c.us"),
            "the group's state does not explain it"
        );
        assert_eq!(
            g.explain(Action::Promote, "799@c.us"),
            "not a member of the group"
        );
    }
}

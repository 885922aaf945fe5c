//! What a group's live state says about an operation, before and after it is
//! sent: whether its goal already holds, whether it would be refused and why,
//! and the guards that never let a run remove or demote the group's owner or
//! the instance's own number. Pure functions over [`GroupState`].
//!
//! A member may be known by two names on WhatsApp: the number
//! (`79001234565@c.us`) and the linked ID (`123456789012345@lid`), and
//! groups that hide numbers list some members by the linked ID alone;
//! `getGroupData` has also been seen to list fewer members than its `size`.
//! So a name missing from the list is proof of absence only when the list
//! is complete: as long as `size` (where given) and naming every member in
//! the form asked about. Otherwise the prediction is to send, and the
//! answer decides.

use std::collections::{HashMap, HashSet};

use crate::greenapi::Action;
use crate::greenapi::ids;
use crate::greenapi::response::GroupData;

/// One member as the state knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    /// Every name the member is known by (number, linked ID).
    names: Vec<String>,
    admin: bool,
    owner: bool,
}

impl Member {
    fn has_number(&self) -> bool {
        self.names.iter().any(|n| !ids::is_lid(n))
    }
    fn has_lid(&self) -> bool {
        self.names.iter().any(|n| ids::is_lid(n))
    }
}

/// A group as the runner knows it: read with `getGroupData`, then kept up to
/// date with the operations that succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupState {
    members: Vec<Option<Member>>,
    /// Every name of every present member, to its slot in `members`.
    names: HashMap<String, usize>,
    /// Present members.
    listed: u64,
    /// The member count the group reported, kept up to date; `None` when
    /// the answer did not say.
    size: Option<u64>,
    /// Present members known by no number / by no linked ID.
    without_number: u64,
    without_lid: u64,
    /// The owner as the answer names them.
    owner: Option<String>,
    /// The instance's own ID, when `getSettings` told it.
    own: Option<String>,
    /// Whether the instance administers the group, when that is known.
    instance_admin: Option<bool>,
    /// The group's subject as the read told it (raw, untrusted), for the
    /// people who read the output; never used to decide anything.
    subject: Option<String>,
    /// Participants whose state here may be out of date (an operation on
    /// them was on the wire while the group was read): predicted as
    /// unknown until a fresh read.
    uncertain: HashSet<String>,
}

/// What the state predicts for an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Prediction {
    /// It will change something (or the state cannot tell: send, and let the answer decide).
    Change,
    /// Its goal holds already: nothing to send.
    Already(String),
    /// Never to be sent: it would remove or demote the owner or the instance itself.
    Guard(String),
    /// The API will most likely refuse it, for this reason.
    Refused(String),
}

/// What a fresh read says about an operation's goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Goal {
    /// It holds: the operation is settled.
    Holds,
    /// It does not, for this reason.
    Not(String),
    /// The list cannot tell (incomplete, or names the member another way).
    Unproven(String),
}

/// The guards that need no group state: never remove or demote the
/// instance's own number, nor the creator a legacy group ID names.
pub(crate) fn static_guard(
    action: Action,
    chat: &str,
    participant: &str,
    own: Option<&str>,
) -> Option<String> {
    if !matches!(action, Action::Remove | Action::Demote) {
        return None;
    }
    if own == Some(participant) {
        return Some(format!("{participant} is this instance's own number"));
    }
    if ids::legacy_group_owner(chat).as_deref() == Some(participant) {
        return Some(format!(
            "{participant} created the group (its ID names them) and is its owner"
        ));
    }
    None
}

impl GroupState {
    /// Reads `data`; `own` is the instance's own ID, if known.
    pub(crate) fn new(data: &GroupData, own: Option<&str>) -> GroupState {
        let owner = (!data.owner.is_empty()).then(|| data.owner.clone());
        let mut state = GroupState {
            members: Vec::with_capacity(data.participants.len()),
            names: HashMap::with_capacity(data.participants.len() * 2),
            listed: 0,
            size: data.size,
            without_number: 0,
            without_lid: 0,
            owner,
            own: own.map(str::to_owned),
            instance_admin: None,
            subject: (!data.subject.trim().is_empty()).then(|| data.subject.clone()),
            uncertain: HashSet::new(),
        };
        for p in &data.participants {
            let mut names = Vec::with_capacity(2);
            for name in [Some(&p.id), p.lid.as_ref()].into_iter().flatten() {
                if !name.is_empty() && !names.contains(name) {
                    names.push(name.clone());
                }
            }
            if names.is_empty() || names.iter().any(|n| state.names.contains_key(n)) {
                continue; // nameless, or listed twice: the first entry stands
            }
            let owner = p.is_super_admin || names.iter().any(|n| Some(n) == state.owner.as_ref());
            state.insert(Member {
                names,
                admin: p.is_admin || p.is_super_admin,
                owner,
            });
        }
        state.instance_admin = match own {
            Some(o) => Some(state.find(o).is_some_and(|m| m.admin)),
            // WhatsApp shows the invite link only to admins.
            None => data.invite_link.as_ref().map(|link| !link.is_empty()),
        };
        state
    }

    fn insert(&mut self, member: Member) {
        let slot = self.members.len();
        for name in &member.names {
            self.names.insert(name.clone(), slot);
        }
        self.listed += 1;
        self.without_number += u64::from(!member.has_number());
        self.without_lid += u64::from(!member.has_lid());
        self.members.push(Some(member));
    }

    fn find(&self, participant: &str) -> Option<&Member> {
        let slot = *self.names.get(participant)?;
        self.members[slot].as_ref()
    }

    /// Whether a name missing from the list proves that `participant` is
    /// not a member: the list is as long as the group and names every member
    /// in the form `participant` is written in.
    fn proves_absence(&self, participant: &str) -> bool {
        let whole = self.size.is_none_or(|size| size <= self.listed);
        let named = if ids::is_lid(participant) {
            self.without_lid == 0
        } else {
            self.without_number == 0
        };
        whole && named
    }

    /// Why the list cannot prove that `participant` is absent.
    fn why_unproven(&self, participant: &str) -> String {
        let mut gaps = Vec::new();
        if let Some(size) = self.size.filter(|&s| s > self.listed) {
            gaps.push(format!("it lists {} of {size} members", self.listed));
        }
        let (hidden, form) = if ids::is_lid(participant) {
            (self.without_lid, "without a linked ID")
        } else {
            (self.without_number, "only by linked ID, without a number")
        };
        if hidden > 0 {
            gaps.push(format!("{hidden} listed {form}"));
        }
        format!(
            "not listed, but the group's list is incomplete ({}): it cannot tell",
            gaps.join("; ")
        )
    }

    /// Whether `participant` is the group's owner, as far as the state tells.
    fn is_owner(&self, participant: &str) -> bool {
        self.find(participant).is_some_and(|m| m.owner)
            || self.owner.as_deref() == Some(participant)
    }

    /// What a fresh read says about `action`'s goal for `participant`.
    pub(crate) fn goal(&self, action: Action, participant: &str) -> Goal {
        let member = self.find(participant);
        let absent = || match self.proves_absence(participant) {
            true => Goal::Not("not a member of the group".into()),
            false => Goal::Unproven(self.why_unproven(participant)),
        };
        match (action, member) {
            (Action::Remove, Some(_)) => Goal::Not("still a member of the group".into()),
            (Action::Remove, None) if self.proves_absence(participant) => Goal::Holds,
            (Action::Remove, None) => Goal::Unproven(self.why_unproven(participant)),
            (Action::Add, Some(_)) => Goal::Holds,
            (Action::Promote, Some(m)) if m.admin => Goal::Holds,
            (Action::Promote, Some(_)) => Goal::Not("a member, not an admin".into()),
            (Action::Demote, Some(m)) if !m.admin => Goal::Holds,
            (Action::Demote, Some(_)) => Goal::Not("still an admin".into()),
            (_, None) => absent(),
        }
    }

    /// Whether `action`'s goal is proven to hold for `participant`.
    #[cfg(test)]
    pub(crate) fn goal_holds(&self, action: Action, participant: &str) -> bool {
        self.goal(action, participant) == Goal::Holds
    }

    /// Records that `action` on `participant` took effect.
    pub(crate) fn apply(&mut self, action: Action, participant: &str) {
        self.forget_uncertainty(participant);
        let slot = self.names.get(participant).copied();
        match (action, slot) {
            (Action::Remove, Some(slot)) => {
                if let Some(m) = self.members[slot].take() {
                    for name in &m.names {
                        self.names.remove(name);
                    }
                    self.listed -= 1;
                    self.without_number -= u64::from(!m.has_number());
                    self.without_lid -= u64::from(!m.has_lid());
                    self.size = self.size.map(|s| s.saturating_sub(1));
                }
            }
            // An unlisted member left: the count shrinks, the list cannot say who.
            (Action::Remove, None) => self.size = self.size.map(|s| s.saturating_sub(1)),
            (Action::Add, None) => {
                self.insert(Member {
                    names: vec![participant.to_owned()],
                    admin: false,
                    owner: false,
                });
                self.size = self.size.map(|s| s + 1);
            }
            (Action::Add, Some(_)) => {}
            (Action::Promote | Action::Demote, Some(slot)) => {
                if let Some(m) = self.members[slot].as_mut() {
                    m.admin = action == Action::Promote;
                }
            }
            (Action::Promote | Action::Demote, None) => {}
        }
    }

    /// Marks `participant` as possibly changed in a way this state does not show.
    pub(crate) fn mark_uncertain(&mut self, participant: &str) {
        let names = self.find(participant).map(|m| m.names.clone());
        self.uncertain.insert(participant.to_owned());
        self.uncertain.extend(names.into_iter().flatten());
    }

    fn forget_uncertainty(&mut self, participant: &str) {
        if self.uncertain.is_empty() {
            return;
        }
        let names = self.find(participant).map(|m| m.names.clone());
        self.uncertain.remove(participant);
        for name in names.iter().flatten() {
            self.uncertain.remove(name);
        }
    }

    /// What sending `action` for `participant` would do.
    pub(crate) fn predict(&self, action: Action, participant: &str) -> Prediction {
        use Prediction::*;
        let guarded = matches!(action, Action::Remove | Action::Demote);
        if guarded && self.own.as_deref() == Some(participant) {
            return Guard(format!("{participant} is this instance's own number"));
        }
        if guarded && self.is_owner(participant) {
            return Guard(format!("{participant} is the group's owner"));
        }
        if self.uncertain.contains(participant) {
            return Change;
        }
        let member = self.find(participant);
        let proven_absent = member.is_none() && self.proves_absence(participant);
        let not_admin = self.instance_admin == Some(false);
        match (action, member) {
            (Action::Remove, None) if proven_absent => Already("not a member of the group".into()),
            (Action::Add, Some(_)) => Already("already a member of the group".into()),
            (Action::Promote | Action::Demote, None) if proven_absent => {
                Refused("not a member of the group".into())
            }
            (Action::Promote, Some(m)) if m.admin => Already("already an admin".into()),
            (Action::Demote, Some(m)) if !m.admin => Already("not an admin".into()),
            // Not listed, and the list cannot prove it: send, the answer decides.
            (Action::Remove | Action::Promote | Action::Demote, None) => Change,
            _ if not_admin => Refused("this instance is not an admin of the group".into()),
            _ => Change,
        }
    }

    /// Why an operation the API refused did not work, as far as the state tells.
    pub(crate) fn explain(&self, action: Action, participant: &str) -> String {
        match self.predict(action, participant) {
            Prediction::Refused(why) | Prediction::Guard(why) | Prediction::Already(why) => why,
            Prediction::Change => match self.goal(action, participant) {
                Goal::Unproven(why) => why,
                _ => "the group's state does not explain it".into(),
            },
        }
    }
}

#[cfg(test)]
#[path = "predict_tests.rs"]
mod tests;

#[path = "roster.rs"]
mod roster;
pub(crate) use roster::Listed;

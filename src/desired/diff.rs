//! The diff: what must change in one group for it to match what the file
//! wants, computed from the group's live state.
//!
//! - add the wanted members who are missing (with `members` unmanaged, the
//!   wanted admins are the wanted members), and promote the wanted admins
//!   who are not admins;
//! - with `remove_others`, remove the members nobody wants; with
//!   `demote_others`, demote the admins nobody wants as admins;
//! - never the owner, the instance itself, or a protected participant;
//! - a member the list names only by a linked ID (`…@lid`) cannot be
//!   matched to a wanted number, so it is never removed or demoted unless
//!   the file names that linked ID; those left alone are counted;
//! - a wanted member the list neither shows nor proves absent (it hides
//!   numbers or leaves members out) is not added: the answer to an add of
//!   someone already there is a bare `false`, so a sync would fail on them
//!   every night; they are counted too.
//!
//! Members listed under IDs that are no person IDs of the platform are
//! left alone too: no request could name them.
//!
//! A member is known by every name the list gives (number and linked ID),
//! and the operations name them by number when the list shows one.

use std::collections::HashSet;

use serde::Serialize;

use super::model::DesiredGroup;
use crate::greenapi::{Action, ids};
use crate::runner::live::GroupState;
use crate::runner::live::predict::Goal;

/// What one group needs, and whom it leaves alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Changes {
    pub remove: Vec<String>,
    pub demote: Vec<String>,
    pub add: Vec<String>,
    pub promote: Vec<String>,
    /// Members listed only by a linked ID the file does not name, whom the
    /// file would otherwise remove or demote.
    pub linked_only: Vec<String>,
    /// Protected members whom the file would otherwise remove or demote.
    pub protected: Vec<String>,
    /// Wanted members (or admins) the list cannot show: not added.
    pub unproven: Vec<String>,
    /// Members listed under an ID that is no person ID of the platform: no
    /// request could name them, so a sync leaves them alone.
    pub unusable: Vec<String>,
    /// The group's current member count (`size`, or the list's length).
    pub members: u64,
    /// Members the list leaves out (`size` counts them): nobody can tell
    /// who they are, so a sync never touches them.
    pub unlisted: u64,
    /// Members the list names only by a linked ID, wanted or not.
    pub listed_by_linked_id: u64,
}

impl Changes {
    /// Whether nothing is to be sent.
    pub(crate) fn is_empty(&self) -> bool {
        self.remove.is_empty()
            && self.demote.is_empty()
            && self.add.is_empty()
            && self.promote.is_empty()
    }

    /// How many operations the changes are.
    pub(crate) fn len(&self) -> usize {
        self.remove.len() + self.demote.len() + self.add.len() + self.promote.len()
    }

    /// The operations in the order they are written and run: removals,
    /// demotions, additions, promotions (a member added and promoted is
    /// added first; the runner keeps one participant's operations in order).
    pub(crate) fn operations(&self) -> impl Iterator<Item = (Action, &str)> {
        self.remove
            .iter()
            .map(|p| (Action::Remove, p.as_str()))
            .chain(self.demote.iter().map(|p| (Action::Demote, p.as_str())))
            .chain(self.add.iter().map(|p| (Action::Add, p.as_str())))
            .chain(self.promote.iter().map(|p| (Action::Promote, p.as_str())))
    }
}

/// What `group` needs, given its live `state`; `protect` holds canonical
/// IDs that are never removed or demoted.
pub(crate) fn diff(group: &DesiredGroup, state: &GroupState, protect: &HashSet<String>) -> Changes {
    let admins: HashSet<&str> = group.admins.iter().map(String::as_str).collect();
    // With members unmanaged, the wanted admins are the members wanted.
    let wanted: Vec<&str> = match &group.members {
        Some(members) => members.iter().map(String::as_str).collect(),
        None => group.admins.iter().map(String::as_str).collect(),
    };
    let wanted_set: HashSet<&str> = wanted.iter().copied().collect();
    let owner = state.owner();
    let legacy_owner = ids::legacy_group_owner(&group.chat_id);
    let own = state.own();
    let mut c = Changes {
        members: state.member_count(),
        unlisted: state.member_count().saturating_sub(state.listed_count()),
        ..Changes::default()
    };
    let mut found: HashSet<&str> = HashSet::new();
    for m in state.listed() {
        c.listed_by_linked_id += u64::from(m.number().is_none());
        let named = |set: &HashSet<&str>| m.names.iter().any(|n| set.contains(n.as_str()));
        for n in m.names {
            if wanted_set.contains(n.as_str()) || admins.contains(n.as_str()) {
                found.insert(n);
            }
        }
        let untouchable = m.owner
            || m.names.iter().any(|n| {
                Some(n.as_str()) == owner
                    || Some(n) == legacy_owner.as_ref()
                    || Some(n.as_str()) == own
            });
        if untouchable {
            continue;
        }
        if ids::kind_of(group.platform, m.id()) != Some(ids::IdKind::Person) {
            c.unusable.push(m.id().to_owned());
            continue;
        }
        let is_wanted = named(&wanted_set) || named(&admins);
        let unwanted_member = group.members.is_some() && group.remove_others && !is_wanted;
        let unwanted_admin = m.admin && group.demote_others && !named(&admins);
        if !unwanted_member && !unwanted_admin {
            if m.admin || !named(&admins) {
                continue;
            }
            // A wanted admin who is a plain member.
            c.promote.push(m.id().to_owned());
            continue;
        }
        if m.names.iter().any(|n| protect.contains(n)) {
            c.protected.push(m.id().to_owned());
            continue;
        }
        // Listed only by a linked ID the file does not name: it may be one
        // of the wanted numbers.
        if m.number().is_none() && !is_wanted {
            c.linked_only.push(m.id().to_owned());
            continue;
        }
        if unwanted_member {
            c.remove.push(m.id().to_owned());
        } else {
            c.demote.push(m.id().to_owned());
        }
    }
    // Wanted members (and admins) the list does not show.
    let mut seen: HashSet<&str> = HashSet::new();
    let missing = wanted
        .iter()
        .copied()
        .chain(group.admins.iter().map(String::as_str));
    for id in missing {
        if found.contains(id) || !seen.insert(id) {
            continue;
        }
        match state.goal(Action::Add, id) {
            Goal::Holds => {}
            Goal::Not(_) => {
                c.add.push(id.to_owned());
                if admins.contains(id) {
                    c.promote.push(id.to_owned());
                }
            }
            Goal::Unproven(_) => c.unproven.push(id.to_owned()),
        }
    }
    c
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;

//! The members a [`GroupState`] lists, for whoever needs the list rather
//! than one prediction: `export` writes it out, `sync` compares it with the
//! desired state, and `where` looks one member up. Read-only views; the
//! state's rules on what a missing name proves stay in [`GroupState::goal`].

use super::{GroupState, Member};

/// One listed member as the state knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Listed<'a> {
    /// Every name the member is known by: the number and the linked ID
    /// (WhatsApp), or a linked ID alone when the group hides the number.
    pub names: &'a [String],
    pub admin: bool,
    pub owner: bool,
}

impl<'a> Listed<'a> {
    fn of(m: &'a Member) -> Listed<'a> {
        Listed {
            names: &m.names,
            admin: m.admin,
            owner: m.owner,
        }
    }

    /// The member's number (`…@c.us`, or a MAX ID), if the list shows one.
    pub(crate) fn number(&self) -> Option<&'a str> {
        self.names
            .iter()
            .map(String::as_str)
            .find(|n| !crate::greenapi::ids::is_lid(n))
    }

    /// The name to write or send: the number when shown, else the linked ID.
    pub(crate) fn id(&self) -> &'a str {
        self.number().unwrap_or(&self.names[0])
    }
}

impl GroupState {
    /// The present members, in the order the group listed them (those
    /// added since the read last).
    pub(crate) fn listed(&self) -> impl Iterator<Item = Listed<'_>> {
        self.members.iter().flatten().map(Listed::of)
    }

    /// The listed member `participant` names, by number or by linked ID
    /// alike; `None` when the list does not name them (which proves absence
    /// only as [`GroupState::goal`] says).
    pub(crate) fn member(&self, participant: &str) -> Option<Listed<'_>> {
        self.find(participant).map(Listed::of)
    }

    /// How many members the group has: its `size`, or the list's length
    /// when that is longer or `size` is not given.
    pub(crate) fn member_count(&self) -> u64 {
        self.size.map_or(self.listed, |s| s.max(self.listed))
    }

    /// How many members the list names.
    pub(crate) fn listed_count(&self) -> u64 {
        self.listed
    }

    /// The owner as the answer names them, if it does.
    pub(crate) fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The instance's own ID, when the preflight told it.
    pub(crate) fn own(&self) -> Option<&str> {
        self.own.as_deref()
    }

    /// Whether the instance administers the group, when that is known.
    pub(crate) fn instance_admin(&self) -> Option<bool> {
        self.instance_admin
    }

    /// The group's subject as the read told it (raw: show it through
    /// [`crate::subjects`]), when it was not blank.
    pub(crate) fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }
}

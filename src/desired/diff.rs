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
//! The ban rules come first, whatever `members` and `remove_others` say
//! (a `*` entry has only them): a member a rule names by ID is removed,
//! even as an admin; one a number prefix matches is removed unless an
//! admin. Never the owner, the instance itself or a protected participant
//! (protect wins, also over a rule naming them under another name), and a
//! member listed only by a linked ID cannot be matched by a number or a
//! prefix. Each removal keeps its rule, and each member spared is counted
//! with the rule and the reason.
//!
//! A member is known by every name the list gives (number and linked ID),
//! and the operations name them by number when the list shows one.

use std::collections::HashSet;

use serde::Serialize;

use super::model::{Ban, BanRule, DesiredGroup};
use crate::greenapi::{Action, Platform, ids};
use crate::runner::live::GroupState;
use crate::runner::live::predict::Goal;
use crate::runner::live::predict::Listed;

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
    /// The removals a ban rule sends (they are in `remove` too), each with
    /// the rule: the dry run and its JSON say why they go.
    pub(crate) banned: Vec<Banned>,
    /// Members a ban rule matches (or cannot judge) whom it leaves alone.
    pub(crate) spared: Vec<Spared>,
}

/// A member removed by a ban rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Banned {
    pub participant: String,
    /// The rule as written: the ID, or `+23480*`.
    pub rule: String,
    /// The rule's line in the desired-state file.
    pub line: u32,
}

/// A member the ban rules leave alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Spared {
    pub participant: String,
    pub reason: SpareReason,
    /// The rule that matched and its line; none for a member listed only
    /// by linked ID, whom no number rule can match.
    pub rule: Option<String>,
    pub line: Option<u32>,
}

/// Why a ban rule leaves a member alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SpareReason {
    /// An admin matched by a prefix: only a rule naming them removes one.
    Admin,
    /// The group's owner, whom nobody can remove.
    Owner,
    /// The instance itself, which a sync never removes.
    Own,
    /// A protected participant: protect wins.
    Protected,
    /// Listed only by a linked ID: numbers and prefixes cannot see them.
    LinkedOnly,
}

impl SpareReason {
    /// `1 admin`, `2 protected members`, as the plan counts them.
    pub(crate) fn counted(self, n: usize) -> String {
        let s = if n == 1 { "" } else { "s" };
        match self {
            SpareReason::Admin => format!("{n} admin{s}"),
            SpareReason::Owner => "the owner".to_owned(),
            SpareReason::Own => "the instance itself".to_owned(),
            SpareReason::Protected => format!("{n} protected member{s}"),
            SpareReason::LinkedOnly => format!("{n} member{s} listed only by linked ID"),
        }
    }
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
        let is_own = m.names.iter().any(|n| Some(n.as_str()) == own);
        let untouchable = m.owner
            || is_own
            || m.names
                .iter()
                .any(|n| Some(n.as_str()) == owner || Some(n) == legacy_owner.as_ref());
        let ban = ban_of(&group.banned, &m, group.platform);
        if untouchable {
            if let Some(b) = ban {
                let why = if is_own {
                    SpareReason::Own
                } else {
                    SpareReason::Owner
                };
                c.spare(m.id(), why, Some(b));
            }
            continue;
        }
        if ids::kind_of(group.platform, m.id()) != Some(ids::IdKind::Person) {
            c.unusable.push(m.id().to_owned());
            continue;
        }
        if apply_ban(&mut c, group, &m, ban, protect) {
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
        // Never added when banned (the load refuses a file that wants
        // whom it bans; the ban wins should one get here).
        let names = [id.to_owned()];
        let number = (!ids::is_lid(id)).then_some(id);
        let banned = group
            .banned
            .iter()
            .any(|b| b.rule.matches(&names, number, group.platform));
        if found.contains(id) || banned || !seen.insert(id) {
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
    // Spared by a ban, but removed by `remove_others`: not left alone.
    let removed: HashSet<&str> = c.remove.iter().map(String::as_str).collect();
    let spared = std::mem::take(&mut c.spared);
    c.spared = spared
        .into_iter()
        .filter(|s| !removed.contains(s.participant.as_str()))
        .collect();
    c
}

impl Changes {
    fn spare(&mut self, id: &str, reason: SpareReason, ban: Option<&Ban>) {
        self.spared.push(Spared {
            participant: id.to_owned(),
            reason,
            rule: ban.map(|b| b.rule.shown()),
            line: ban.map(|b| b.line),
        });
    }
}

/// The rule that bans member `m`: the first naming them by ID, else the
/// first prefix matching their number.
fn ban_of<'b>(bans: &'b [Ban], m: &Listed<'_>, platform: Platform) -> Option<&'b Ban> {
    let hits = |b: &&Ban| b.rule.matches(m.names, m.number(), platform);
    let by_id = |b: &&Ban| matches!(b.rule, BanRule::Id(_));
    bans.iter()
        .filter(by_id)
        .find(hits)
        .or_else(|| bans.iter().find(hits))
}

/// Applies `ban` (the rule that matched `m`, if any) to a member whom a
/// sync may remove: removes them, or counts them left alone. `true` when
/// nothing else is to be decided about them (removed, or protected).
fn apply_ban(
    c: &mut Changes,
    group: &DesiredGroup,
    m: &Listed<'_>,
    ban: Option<&Ban>,
    protect: &HashSet<String>,
) -> bool {
    let Some(b) = ban else {
        // A number rule cannot see a member whose number is hidden.
        let numbers_ruled = group
            .banned
            .iter()
            .any(|b| !matches!(&b.rule, BanRule::Id(id) if ids::is_lid(id)));
        if m.number().is_none() && numbers_ruled {
            c.spare(m.id(), SpareReason::LinkedOnly, None);
        }
        return false;
    };
    if m.names.iter().any(|n| protect.contains(n)) {
        c.spare(m.id(), SpareReason::Protected, Some(b));
        return true;
    }
    if m.admin && matches!(b.rule, BanRule::Prefix(_)) {
        // Other rules (`remove_others`, `demote_others`) still apply.
        c.spare(m.id(), SpareReason::Admin, Some(b));
        return false;
    }
    c.remove.push(m.id().to_owned());
    c.banned.push(Banned {
        participant: m.id().to_owned(),
        rule: b.rule.shown(),
        line: b.line,
    });
    true
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;

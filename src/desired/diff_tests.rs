use super::*;
use crate::greenapi::Platform;
use crate::greenapi::response::{GroupData, Participant};
use crate::manifest::Source;

const OWNER: &str = "79000000000@c.us";
const SELF: &str = "79000000001@c.us";

fn p(id: &str, admin: bool) -> Participant {
    Participant {
        id: id.into(),
        lid: None,
        is_admin: admin,
        is_super_admin: id == OWNER,
    }
}

fn lid_only(lid: &str, admin: bool) -> Participant {
    Participant {
        lid: Some(lid.into()),
        ..p(lid, admin)
    }
}

/// Owner and self (both admins), admin 10, members 11..=13.
fn state_with(extra: Vec<Participant>, size: Option<u64>) -> GroupState {
    let mut participants = vec![
        p(OWNER, true),
        p(SELF, true),
        p("79000000010@c.us", true),
        p("79000000011@c.us", false),
        p("79000000012@c.us", false),
        p("79000000013@c.us", false),
    ];
    participants.extend(extra);
    let data = GroupData {
        group_id: "1@g.us".into(),
        owner: OWNER.into(),
        participants,
        size,
        ..GroupData::default()
    };
    GroupState::new(&data, Some(SELF))
}

fn state() -> GroupState {
    state_with(Vec::new(), None)
}

fn n(k: u32) -> String {
    format!("790000000{k:02}@c.us")
}

fn group(members: Option<&[u32]>, admins: &[u32], remove: bool, demote: bool) -> DesiredGroup {
    DesiredGroup {
        source: Source {
            file: "d.yaml".into(),
            line: 3,
        },
        instance: "default".into(),
        platform: Platform::WhatsApp,
        chat_id: "1@g.us".into(),
        members: members.map(|m| m.iter().map(|k| n(*k)).collect()),
        admins: admins.iter().map(|k| n(*k)).collect(),
        remove_others: remove,
        demote_others: demote,
    }
}

fn ids(ks: &[u32]) -> Vec<String> {
    ks.iter().map(|k| n(*k)).collect()
}

fn none() -> HashSet<String> {
    HashSet::new()
}

#[test]
fn members_only_adds_the_missing_and_leaves_the_rest() {
    let c = diff(
        &group(Some(&[11, 20]), &[], false, false),
        &state(),
        &none(),
    );
    assert_eq!(c.add, ids(&[20]));
    assert!(c.remove.is_empty() && c.promote.is_empty() && c.demote.is_empty());
    assert_eq!(c.members, 6);
}

#[test]
fn remove_others_removes_the_unwanted_but_never_owner_or_self() {
    let c = diff(&group(Some(&[11, 20]), &[], true, false), &state(), &none());
    assert_eq!(
        c.remove,
        ids(&[10, 12, 13]),
        "the admin 10 too, not owner or self"
    );
    assert_eq!(c.add, ids(&[20]));
    assert!(c.demote.is_empty());
    let ops: Vec<_> = c.operations().map(|(a, _)| a).collect();
    assert_eq!(
        ops,
        [Action::Remove, Action::Remove, Action::Remove, Action::Add]
    );
}

#[test]
fn admins_alone_promote_and_add_but_remove_nobody() {
    // Members unmanaged: wanted admins are the members wanted.
    let c = diff(&group(None, &[11, 21], false, false), &state(), &none());
    assert_eq!(c.promote, ids(&[11, 21]));
    assert_eq!(
        c.add,
        ids(&[21]),
        "an admin who is not a member is added first"
    );
    assert!(c.remove.is_empty() && c.demote.is_empty());
    let ops: Vec<_> = c.operations().collect();
    let add = ops.iter().position(|o| *o == (Action::Add, n(21).as_str()));
    let promote = ops
        .iter()
        .position(|o| *o == (Action::Promote, n(21).as_str()));
    assert!(add < promote, "{ops:?}");
}

#[test]
fn demote_others_demotes_other_admins_but_never_owner_or_self() {
    let c = diff(&group(None, &[11], false, true), &state(), &none());
    assert_eq!(c.demote, ids(&[10]));
    assert_eq!(c.promote, ids(&[11]));
    assert!(c.remove.is_empty() && c.add.is_empty());
    // Without demote_others, other admins stay.
    let c = diff(&group(None, &[11], false, false), &state(), &none());
    assert!(c.demote.is_empty());
}

#[test]
fn members_and_admins_with_both_flags() {
    let c = diff(
        &group(Some(&[10, 11, 22]), &[11, 22], true, true),
        &state(),
        &none(),
    );
    assert_eq!(c.remove, ids(&[12, 13]));
    assert_eq!(c.demote, ids(&[10]), "a wanted member, not a wanted admin");
    assert_eq!(c.add, ids(&[22]));
    assert_eq!(c.promote, ids(&[11, 22]));
    // An unwanted admin is removed, not demoted first.
    let c = diff(&group(Some(&[11]), &[], true, true), &state(), &none());
    assert_eq!(c.remove, ids(&[10, 12, 13]));
    assert!(c.demote.is_empty());
}

#[test]
fn what_already_holds_is_not_changed() {
    let c = diff(
        &group(Some(&[10, 11, 12, 13]), &[10], true, true),
        &state(),
        &none(),
    );
    assert!(c.is_empty(), "{c:?}");
    assert_eq!(c.len(), 0);
}

#[test]
fn protected_members_are_neither_removed_nor_demoted() {
    let protect: HashSet<String> = [n(10), n(12)].into_iter().collect();
    let c = diff(&group(Some(&[11]), &[], true, true), &state(), &protect);
    assert_eq!(c.remove, ids(&[13]));
    assert_eq!(c.protected, ids(&[10, 12]));
    let c = diff(&group(None, &[], false, true), &state(), &protect);
    assert!(c.demote.is_empty());
    assert_eq!(c.protected, ids(&[10]));
}

#[test]
fn members_listed_only_by_linked_id_are_left_alone_unless_named() {
    let hidden = "100000000000099@lid";
    let hidden_admin = "100000000000098@lid";
    let s = state_with(
        vec![lid_only(hidden, false), lid_only(hidden_admin, true)],
        None,
    );
    let c = diff(&group(Some(&[11]), &[], true, true), &s, &none());
    assert_eq!(c.remove, ids(&[10, 12, 13]));
    assert_eq!(c.linked_only, [hidden, hidden_admin]);
    assert!(!c.remove.iter().any(|r| r.ends_with("@lid")));
    assert!(c.demote.is_empty());
    // Named by the file: kept as a member, and demoted as an unwanted admin.
    let mut g = group(Some(&[11]), &[], true, true);
    g.members
        .as_mut()
        .unwrap()
        .extend([hidden.to_owned(), hidden_admin.to_owned()]);
    let c = diff(&g, &s, &none());
    assert!(c.linked_only.is_empty(), "{c:?}");
    assert_eq!(c.demote, [hidden_admin]);
    assert!(!c.remove.iter().any(|r| r.ends_with("@lid")));
}

#[test]
fn a_wanted_number_the_list_cannot_show_is_not_added() {
    let s = state_with(vec![lid_only("100000000000099@lid", false)], None);
    let c = diff(&group(Some(&[11, 30]), &[30], false, false), &s, &none());
    assert!(c.add.is_empty() && c.promote.is_empty(), "{c:?}");
    assert_eq!(c.unproven, ids(&[30]));
    // The list is shorter than the group: the same.
    let s = state_with(Vec::new(), Some(8));
    let c = diff(&group(Some(&[11, 30]), &[], true, false), &s, &none());
    assert_eq!(c.unproven, ids(&[30]));
    assert_eq!((c.members, c.unlisted), (8, 2));
    assert_eq!(c.remove, ids(&[10, 12, 13]), "the listed extras still go");
}

#[test]
fn a_member_is_matched_by_either_name() {
    let mut both = p("79000000040@c.us", true);
    both.lid = Some("100000000000040@lid".into());
    let s = state_with(vec![both], None);
    let mut g = group(Some(&[10, 11, 12, 13]), &[10], true, true);
    g.members
        .as_mut()
        .unwrap()
        .push("100000000000040@lid".into());
    g.admins.push("100000000000040@lid".into());
    let c = diff(&g, &s, &none());
    assert!(c.is_empty(), "named by its linked ID: {c:?}");
    // Not wanted: removed by its number.
    let c = diff(
        &group(Some(&[10, 11, 12, 13]), &[], true, false),
        &s,
        &none(),
    );
    assert_eq!(c.remove, ["79000000040@c.us"]);
}

#[test]
fn the_creator_a_legacy_group_id_names_is_never_removed() {
    let data = GroupData {
        group_id: "79000000050-1587570015@g.us".into(),
        participants: vec![p("79000000050@c.us", false), p(SELF, true)],
        ..GroupData::default()
    };
    let s = GroupState::new(&data, Some(SELF));
    let mut g = group(Some(&[]), &[], true, true);
    g.chat_id = "79000000050-1587570015@g.us".into();
    let c = diff(&g, &s, &none());
    assert!(c.is_empty(), "{c:?}");
}

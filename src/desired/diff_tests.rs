use super::*;
use crate::desired::model::{Ban, BanRule};
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
            cell: None,
        },
        instance: "default".into(),
        platform: Platform::WhatsApp,
        chat_id: "1@g.us".into(),
        members: members.map(|m| m.iter().map(|k| n(*k)).collect()),
        admins: admins.iter().map(|k| n(*k)).collect(),
        remove_others: remove,
        demote_others: demote,
        banned: Vec::new(),
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

fn id_ban(id: &str, line: u32) -> Ban {
    Ban {
        rule: BanRule::Id(id.to_owned()),
        line,
    }
}

fn prefix_ban(digits: &str, line: u32) -> Ban {
    Ban {
        rule: BanRule::Prefix(digits.to_owned()),
        line,
    }
}

fn spared(c: &Changes) -> Vec<(String, SpareReason, Option<String>)> {
    c.spared
        .iter()
        .map(|s| (s.participant.clone(), s.reason, s.rule.clone()))
        .collect()
}

#[test]
fn a_ban_by_id_removes_even_an_admin_in_an_unmanaged_group() {
    let mut g = group(None, &[], false, false);
    g.banned = vec![id_ban(&n(10), 3), id_ban(&n(12), 4)];
    let c = diff(&g, &state(), &none());
    assert_eq!(c.remove, ids(&[10, 12]));
    assert_eq!(c.add, Vec::<String>::new());
    let rules: Vec<_> = c.banned.iter().map(|b| (b.rule.clone(), b.line)).collect();
    assert_eq!(rules, vec![(n(10), 3), (n(12), 4)]);
    assert!(c.spared.is_empty(), "{c:?}");
}

#[test]
fn a_prefix_removes_members_and_spares_admins_owner_self_and_the_protected() {
    let mut g = group(None, &[], false, false);
    // Matches everyone here: the owner, self, admin 10, members 11..=13.
    g.banned = vec![prefix_ban("790000000", 4)];
    let protect: HashSet<String> = [n(12)].into();
    let c = diff(&g, &state(), &protect);
    assert_eq!(c.remove, ids(&[11, 13]));
    let rule = Some("+790000000*".to_owned());
    assert_eq!(
        spared(&c),
        vec![
            (OWNER.to_owned(), SpareReason::Owner, rule.clone()),
            (SELF.to_owned(), SpareReason::Own, rule.clone()),
            (n(10), SpareReason::Admin, rule.clone()),
            (n(12), SpareReason::Protected, rule.clone()),
        ]
    );
    assert!(c.protected.is_empty(), "counted once, as spared: {c:?}");
    assert!(
        c.banned
            .iter()
            .all(|b| b.line == 4 && b.rule == "+790000000*")
    );
}

#[test]
fn an_id_ban_beats_a_prefix_and_names_its_own_rule() {
    let mut g = group(None, &[], false, false);
    g.banned = vec![prefix_ban("7900000001", 4), id_ban(&n(11), 9)];
    let c = diff(&g, &state(), &none());
    assert_eq!(c.remove, ids(&[11, 12, 13]));
    assert_eq!((c.banned[0].rule.as_str(), c.banned[0].line), (&*n(11), 9));
    assert_eq!(c.banned[1].rule, "+7900000001*");
}

#[test]
fn a_member_listed_only_by_linked_id_is_matched_by_that_id_alone() {
    let hidden = "100000000000077@lid";
    let other = "100000000000078@lid";
    let s = state_with(vec![lid_only(hidden, false), lid_only(other, false)], None);
    let mut g = group(None, &[], false, false);
    g.banned = vec![prefix_ban("7", 4), id_ban(hidden, 5)];
    let c = diff(&g, &s, &none());
    assert_eq!(c.remove, vec![n(11), n(12), n(13), hidden.to_owned()]);
    let linked: Vec<_> = spared(&c)
        .into_iter()
        .filter(|s| s.1 == SpareReason::LinkedOnly)
        .collect();
    assert_eq!(
        linked,
        vec![(other.to_owned(), SpareReason::LinkedOnly, None)]
    );
}

#[test]
fn bans_by_linked_id_alone_do_not_count_hidden_members() {
    let s = state_with(vec![lid_only("100000000000078@lid", false)], None);
    let mut g = group(None, &[], false, false);
    g.banned = vec![id_ban("100000000000077@lid", 5)];
    let c = diff(&g, &s, &none());
    assert!(c.remove.is_empty() && c.spared.is_empty(), "{c:?}");
}

#[test]
fn an_admin_spared_by_a_prefix_is_still_removed_by_remove_others() {
    let mut g = group(Some(&[20]), &[], true, false);
    g.banned = vec![prefix_ban("7900000001", 4)];
    let c = diff(&g, &state(), &none());
    assert_eq!(c.remove, ids(&[10, 11, 12, 13]));
    assert_eq!(c.banned.len(), 3, "10 goes by remove_others: {c:?}");
    assert!(
        !c.spared.iter().any(|s| s.participant == n(10)),
        "removed, not left alone: {c:?}"
    );
}

#[test]
fn a_banned_id_is_never_added() {
    let mut g = group(Some(&[11, 20]), &[], false, false);
    g.banned = vec![id_ban(&n(20), 3)];
    let c = diff(&g, &state(), &none());
    assert!(c.add.is_empty(), "{c:?}");
}

#[test]
fn a_prefix_never_matches_on_max() {
    let data = GroupData {
        group_id: "-100".into(),
        owner: "1000".into(),
        participants: vec![p("1000", true), p("2348000", false)],
        ..GroupData::default()
    };
    let s = GroupState::new(&data, Some("1000"));
    let mut g = group(None, &[], false, false);
    g.platform = Platform::Max;
    g.chat_id = "-100".into();
    g.banned = vec![prefix_ban("23480", 4)];
    let c = diff(&g, &s, &none());
    assert!(c.remove.is_empty() && c.spared.is_empty(), "{c:?}");
    g.banned = vec![id_ban("2348000", 5)];
    assert_eq!(diff(&g, &s, &none()).remove, vec!["2348000".to_owned()]);
}

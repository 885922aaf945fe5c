use super::*;
use crate::greenapi::response::Participant;
use Prediction::*;

fn p(id: &str, admin: bool, sup: bool) -> Participant {
    Participant {
        id: id.into(),
        lid: None,
        is_admin: admin,
        is_super_admin: sup,
    }
}

fn data(participants: Vec<Participant>) -> GroupData {
    GroupData {
        group_id: "1@g.us".into(),
        owner: "700@c.us".into(),
        participants,
        ..GroupData::default()
    }
}

fn group(own_admin: bool) -> GroupState {
    let d = data(vec![
        p("700@c.us", true, true),
        p("701@c.us", own_admin, false),
        p("702@c.us", true, false),
        p("703@c.us", false, false),
    ]);
    GroupState::new(&d, Some("701@c.us"))
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
    assert!(matches!(g.predict(Action::Remove, "701@c.us"), Guard(w) if w.contains("own number")));
    assert!(matches!(g.predict(Action::Demote, "701@c.us"), Guard(w) if w.contains("own number")));
    assert_eq!(
        g.predict(Action::Promote, "700@c.us"),
        Already("already an admin".into())
    );
}

#[test]
fn static_guards_need_no_read() {
    let own = Some("701@c.us");
    assert!(static_guard(Action::Remove, "1@g.us", "701@c.us", own).is_some());
    assert!(static_guard(Action::Promote, "1@g.us", "701@c.us", own).is_none());
    let legacy = "79876543210-1587570015@g.us";
    let why = static_guard(Action::Demote, legacy, "79876543210@c.us", None).unwrap();
    assert!(why.contains("created the group"), "{why}");
    assert!(static_guard(Action::Remove, legacy, "79876543211@c.us", None).is_none());
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
    let mut d = GroupData {
        invite_link: Some(String::new()),
        ..data(vec![])
    };
    assert_eq!(
        GroupState::new(&d, None).predict(Action::Add, "799@c.us"),
        refused,
        "no invite link: not admin"
    );
    d.invite_link = None;
    assert_eq!(
        GroupState::new(&d, None).predict(Action::Add, "799@c.us"),
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

/// A group that hides numbers: one member listed by linked ID alone, one by
/// both names, and a `size` that counts them all.
fn hiding(size: Option<u64>) -> GroupState {
    let mut both = p("703@c.us", false, false);
    both.lid = Some("500000000000003@lid".into());
    let d = GroupData {
        size,
        ..data(vec![
            p("700@c.us", true, true),
            p("701@c.us", true, false),
            both,
            p("500000000000004@lid", false, false),
        ])
    };
    GroupState::new(&d, Some("701@c.us"))
}

#[test]
fn a_number_missing_from_a_list_that_hides_numbers_proves_nothing() {
    let g = hiding(Some(4));
    // 79…@c.us may be the member listed only as 500000000000004@lid.
    assert_eq!(g.predict(Action::Remove, "799@c.us"), Change);
    assert_eq!(g.predict(Action::Promote, "799@c.us"), Change);
    assert_eq!(g.predict(Action::Demote, "799@c.us"), Change);
    assert!(
        matches!(g.goal(Action::Remove, "799@c.us"), Goal::Unproven(w) if w.contains("1 listed only by linked ID"))
    );
    assert!(!g.goal_holds(Action::Remove, "799@c.us"));
    // Either name of a member listed with both finds them.
    assert_eq!(g.predict(Action::Remove, "500000000000003@lid"), Change);
    assert_eq!(
        g.predict(Action::Add, "500000000000003@lid"),
        Already("already a member of the group".into())
    );
    assert_eq!(g.predict(Action::Promote, "500000000000004@lid"), Change);
    // A linked ID missing from a list where not every member shows one proves nothing either.
    assert_eq!(g.predict(Action::Remove, "500000000000009@lid"), Change);
}

#[test]
fn a_list_shorter_than_its_size_proves_nothing() {
    let d = GroupData {
        size: Some(6),
        ..data(vec![p("700@c.us", true, true), p("701@c.us", true, false)])
    };
    let g = GroupState::new(&d, Some("701@c.us"));
    assert_eq!(g.predict(Action::Remove, "799@c.us"), Change);
    let why = g.explain(Action::Remove, "799@c.us");
    assert!(why.contains("lists 2 of 6 members"), "{why}");
    let whole = GroupState::new(&GroupData { size: Some(2), ..d }, Some("701@c.us"));
    assert_eq!(
        whole.predict(Action::Remove, "799@c.us"),
        Already("not a member of the group".into())
    );
}

#[test]
fn removing_by_either_name_removes_the_member() {
    let mut g = hiding(Some(4));
    g.apply(Action::Remove, "703@c.us");
    assert!(g.find("500000000000003@lid").is_none());
    g.apply(Action::Remove, "500000000000004@lid");
    // Now every member is listed by number and the list is whole.
    assert_eq!(
        g.predict(Action::Remove, "799@c.us"),
        Already("not a member of the group".into())
    );
}

#[test]
fn an_uncertain_participant_is_sent_until_read_again() {
    let mut g = group(true);
    g.mark_uncertain("799@c.us");
    g.mark_uncertain("702@c.us");
    assert_eq!(g.predict(Action::Remove, "799@c.us"), Change);
    assert_eq!(g.predict(Action::Promote, "702@c.us"), Change);
    // Guards hold whatever is uncertain.
    g.mark_uncertain("700@c.us");
    assert!(matches!(g.predict(Action::Remove, "700@c.us"), Guard(_)));
    g.apply(Action::Remove, "799@c.us");
    assert_eq!(
        g.predict(Action::Remove, "799@c.us"),
        Already("not a member of the group".into())
    );
}

//! Every documented answer row, against the built-in state.

use serde_json::json;

use super::*;
use crate::sandbox::SandboxConfig;

const WA: &str = "1101000001";
const MAX: &str = "3100000001";
const MARKET: &str = "120363043968066561@g.us";
const OLD_FRIENDS: &str = "79876543210-1587570015@g.us";
const CITY: &str = "-10000000000000";
const NEIGHBOURS: &str = "-10000000000001";

fn world() -> World {
    SandboxConfig::default_state().world
}

fn act(w: &mut World, inst: &str, m: Method, g: &str, who: &str) -> (Value, bool) {
    let a = w.act(inst, m, g, who);
    (a.body, a.changed)
}

#[test]
fn remove_answers_each_row() {
    let mut w = world();
    let m = Method::RemoveGroupParticipant;
    let yes = (json!({"removeParticipant": true}), true);
    let no = (json!({"removeParticipant": false}), false);
    assert_eq!(act(&mut w, WA, m, MARKET, "79001234561@c.us"), yes);
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79001234561@c.us"),
        no,
        "no longer a member"
    );
    assert_eq!(
        act(&mut w, WA, m, "1203@g.us", "79001234562@c.us"),
        no,
        "unknown group"
    );
    assert_eq!(
        act(&mut w, WA, m, OLD_FRIENDS, "79876543201@c.us"),
        no,
        "not admin"
    );
    assert_eq!(act(&mut w, WA, m, MARKET, "79990000001@c.us"), no, "itself");
    assert_eq!(
        act(&mut w, "1101000002", m, MARKET, "79990000001@c.us"),
        no,
        "the owner"
    );
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79001234560@c.us"),
        yes,
        "an admin"
    );
    let g = &w.groups[&(Platform::WhatsApp, MARKET.to_owned())];
    assert!(g.members().iter().all(|(id, _)| *id != "79001234560@c.us"));
}

#[test]
fn add_answers_each_row() {
    let mut w = world();
    let m = Method::AddGroupParticipant;
    let yes = (json!({"addParticipant": true}), true);
    let no = (json!({"addParticipant": false}), false);
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79001234562@c.us"),
        no,
        "already a member"
    );
    assert_eq!(
        act(&mut w, WA, m, OLD_FRIENDS, "79001111111@c.us"),
        no,
        "not admin"
    );
    assert_eq!(act(&mut w, WA, m, MARKET, "79001111111@c.us"), yes);
    w.instances.get_mut(WA).unwrap().contacts = Some(HashSet::from(["79002222222@c.us".into()]));
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79003333333@c.us"),
        no,
        "not a contact"
    );
    assert_eq!(act(&mut w, WA, m, MARKET, "79002222222@c.us"), yes);
    assert_eq!(act(&mut w, MAX, m, CITY, "10000099"), yes);
}

#[test]
fn promote_answers_each_row() {
    let mut w = world();
    let m = Method::SetGroupAdmin;
    let err = |e: &str| (json!({"setGroupAdmin": false, "error": e}), false);
    assert_eq!(
        act(&mut w, WA, m, "1203@g.us", "79001234562@c.us"),
        err("failed to set group admin")
    );
    assert_eq!(
        act(&mut w, WA, m, OLD_FRIENDS, "79876543201@c.us"),
        err("you have to be group admin to change settings")
    );
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79009999999@c.us"),
        err("participant not found")
    );
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79001234560@c.us"),
        err("failed to set group admin")
    );
    assert_eq!(
        act(&mut w, MAX, m, CITY, "10000001"),
        (json!({"setGroupAdmin": true}), true)
    );
    assert_eq!(
        act(&mut w, MAX, m, CITY, "10000001"),
        err("failed to set group admin")
    );
}

#[test]
fn demote_answers_each_row() {
    let mut w = world();
    let m = Method::RemoveAdmin;
    let no = (json!({"removeAdmin": false}), false);
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79001234560@c.us"),
        (json!({"removeAdmin": true}), true)
    );
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79001234560@c.us"),
        no,
        "no longer admin"
    );
    assert_eq!(
        act(&mut w, WA, m, MARKET, "79009999999@c.us"),
        no,
        "not a member"
    );
    assert_eq!(
        act(&mut w, WA, m, "1203@g.us", "79001234560@c.us"),
        no,
        "unknown group"
    );
    assert_eq!(
        act(&mut w, "1101000002", m, MARKET, "79990000001@c.us"),
        no,
        "the owner"
    );
    assert_eq!(
        act(&mut w, WA, m, OLD_FRIENDS, "79876543210@c.us"),
        no,
        "not admin"
    );
    assert_eq!(
        act(&mut w, MAX, m, CITY, "10009999"),
        (
            json!({"removeAdmin": false, "error": "participant not found"}),
            false
        )
    );
    assert_eq!(act(&mut w, MAX, m, NEIGHBOURS, "20000000"), no);
}

#[test]
fn group_data_follows_each_platform_shape() {
    let w = world();
    let wa = w.group_data(WA, MARKET);
    assert_eq!(wa["groupId"], MARKET);
    assert_eq!(wa["size"], 32);
    assert_eq!(
        wa["participants"][0],
        json!({"id": "79990000001@c.us", "lid": linked_id("79990000001@c.us"), "isAdmin": true, "isSuperAdmin": true})
    );
    assert!(crate::sandbox::spec::is_lid(&linked_id("79990000001@c.us")));
    assert!(
        wa["groupInviteLink"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(
        w.group_data(WA, OLD_FRIENDS)["groupInviteLink"],
        "",
        "not admin there"
    );
    let max = w.group_data(MAX, CITY);
    assert_eq!(max["chatId"], CITY);
    assert_eq!(
        max["participants"][1],
        json!({"chatId": "10000000", "isAdmin": false, "isSuperAdmin": false})
    );
    assert!(max.get("groupInviteLink").is_none());
    assert_eq!(w.group_data(MAX, "-1"), json!({"error": "item-not-found"}));
    assert_eq!(
        w.group_data(WA, CITY),
        json!({"error": "item-not-found"}),
        "other platform"
    );
}

#[test]
fn hidden_and_unlisted_members_are_counted_and_named_by_linked_id() {
    let config = SandboxConfig::from_yaml(
        r#"
instances:
  - { id_instance: "1", token: "t", platform: whatsapp, state: authorized, wid: "79990000001@c.us" }
groups:
  - id: "1@g.us"
    platform: whatsapp
    owner: "79990000001@c.us"
    participants:
      - { id: "79990000001@c.us", admin: true }
      - { id: "79001000001@c.us", lid: "100000000000001@lid" }
      - { id: "79001000002@c.us", lid: "100000000000002@lid", hidden: true }
      - { id: "79001000003@c.us", unlisted: true }
"#,
    )
    .unwrap();
    let mut w = config.world;
    let data = w.group_data("1", "1@g.us");
    assert_eq!(data["size"], 4, "size counts every member");
    let listed: Vec<(&str, &str)> = data["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["lid"].as_str().unwrap()))
        .collect();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[1], ("79001000001@c.us", "100000000000001@lid"));
    assert_eq!(
        listed[2],
        ("100000000000002@lid", "100000000000002@lid"),
        "hidden"
    );
    let m = Method::RemoveGroupParticipant;
    let yes = (json!({"removeParticipant": true}), true);
    // A hidden member is removed by number, a shown one by linked ID, an unlisted one too.
    assert_eq!(act(&mut w, "1", m, "1@g.us", "79001000002@c.us"), yes);
    assert_eq!(act(&mut w, "1", m, "1@g.us", "100000000000001@lid"), yes);
    assert_eq!(act(&mut w, "1", m, "1@g.us", "79001000003@c.us"), yes);
    let data = w.group_data("1", "1@g.us");
    assert_eq!(data["size"], 1);
    // A linked ID nobody has cannot be added.
    let add = Method::AddGroupParticipant;
    assert_eq!(
        act(&mut w, "1", add, "1@g.us", "100000000000009@lid"),
        (json!({"addParticipant": false}), false)
    );
    // A known person's linked ID adds them, under their number.
    assert_eq!(
        act(&mut w, "1", add, "1@g.us", "100000000000002@lid"),
        (json!({"addParticipant": true}), true)
    );
    assert!(
        w.groups[&(Platform::WhatsApp, "1@g.us".to_owned())]
            .members()
            .contains(&("79001000002@c.us", false))
    );
}

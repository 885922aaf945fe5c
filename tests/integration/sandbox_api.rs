//! The sandbox answers every documented row of GREEN-API.md over HTTP, on
//! both platforms and both MAX path variants, with the documented statuses.

use serde_json::json;

use crate::sandbox_support::*;
use crate::support::{MAX_MAIN, WA_MAIN, WA_SECOND};

#[tokio::test]
async fn whatsapp_answers_each_participant_row() {
    let api = Api::unlimited().await;
    let rm = "removeGroupParticipant";
    let answer = |a: Answer| (a.status, a.json());
    let t = |flag: &str, ok: bool| (200, json!({ flag: ok }));
    assert_eq!(
        answer(api.act(WA_MAIN, rm, MARKET, "79001234561@c.us").await),
        t("removeParticipant", true)
    );
    assert!(!api.is_member(MARKET, "79001234561@c.us"));
    assert_eq!(
        answer(api.act(WA_MAIN, rm, MARKET, "79001234561@c.us").await),
        t("removeParticipant", false)
    );
    assert_eq!(
        answer(api.act(WA_MAIN, rm, OLD_FRIENDS, "79876543201@c.us").await),
        t("removeParticipant", false)
    );
    assert!(
        api.is_member(OLD_FRIENDS, "79876543201@c.us"),
        "not admin there: unchanged"
    );
    assert_eq!(
        answer(api.act(WA_SECOND, rm, MARKET, "79990000001@c.us").await),
        t("removeParticipant", false)
    );

    let add = "addGroupParticipant";
    assert_eq!(
        answer(api.act(WA_MAIN, add, MARKET, "79001234561@c.us").await),
        t("addParticipant", true)
    );
    assert!(api.is_member(MARKET, "79001234561@c.us"));
    assert_eq!(
        answer(api.act(WA_MAIN, add, MARKET, "79001234561@c.us").await),
        t("addParticipant", false)
    );
    assert_eq!(
        answer(api.act(WA_MAIN, add, OLD_FRIENDS, "79001111111@c.us").await),
        t("addParticipant", false)
    );

    let promote = "setGroupAdmin";
    assert_eq!(
        answer(api.act(WA_MAIN, promote, MARKET, "79001234562@c.us").await),
        t("setGroupAdmin", true)
    );
    assert!(api.is_admin(MARKET, "79001234562@c.us"));
    let err = |e: &str| (200, json!({"setGroupAdmin": false, "error": e}));
    assert_eq!(
        answer(api.act(WA_MAIN, promote, MARKET, "79001234562@c.us").await),
        err("failed to set group admin")
    );
    assert_eq!(
        answer(api.act(WA_MAIN, promote, MARKET, "79009999999@c.us").await),
        err("participant not found")
    );
    assert_eq!(
        answer(
            api.act(WA_MAIN, promote, "1203@g.us", "79001234562@c.us")
                .await
        ),
        err("failed to set group admin")
    );
    assert_eq!(
        answer(
            api.act(WA_MAIN, promote, OLD_FRIENDS, "79876543201@c.us")
                .await
        ),
        err("you have to be group admin to change settings")
    );

    let demote = "removeAdmin";
    assert_eq!(
        answer(api.act(WA_MAIN, demote, MARKET, "79001234562@c.us").await),
        t("removeAdmin", true)
    );
    assert!(!api.is_admin(MARKET, "79001234562@c.us") && api.is_member(MARKET, "79001234562@c.us"));
    assert_eq!(
        answer(api.act(WA_MAIN, demote, MARKET, "79001234562@c.us").await),
        t("removeAdmin", false)
    );
    assert_eq!(
        answer(api.act(WA_MAIN, demote, MARKET, "79009999999@c.us").await),
        t("removeAdmin", false)
    );
    assert_eq!(
        answer(api.act(WA_SECOND, demote, MARKET, "79990000001@c.us").await),
        t("removeAdmin", false)
    );
    assert!(
        api.is_admin(MARKET, "79990000001@c.us"),
        "the owner stays admin"
    );

    // Removing an admin drops the flag: re-added, they come back as a member.
    api.act(WA_MAIN, rm, MARKET, "79001234560@c.us").await;
    api.act(WA_MAIN, add, MARKET, "79001234560@c.us").await;
    assert!(api.is_member(MARKET, "79001234560@c.us") && !api.is_admin(MARKET, "79001234560@c.us"));
}

#[tokio::test]
async fn max_answers_on_both_path_variants() {
    let api = Api::unlimited().await;
    for (v3, who) in [(true, "10000001"), (false, "10000002")] {
        let path = |m: &str| api.path(MAX_MAIN, m, v3);
        let body = json!({"chatId": CITY, "participantChatId": who}).to_string();
        let a = api
            .send("POST", &path("setGroupAdmin"), &body)
            .await
            .unwrap();
        assert_eq!(
            (a.status, a.json()),
            (200, json!({"setGroupAdmin": true})),
            "v3={v3}"
        );
        let a = api.send("POST", &path("removeAdmin"), &body).await.unwrap();
        assert_eq!(a.json(), json!({"removeAdmin": true}));
        let a = api
            .send("POST", &path("removeGroupParticipant"), &body)
            .await
            .unwrap();
        assert_eq!(a.json(), json!({"removeParticipant": true}));
        assert!(!api.is_member(CITY, who));
        let a = api
            .send("POST", &path("addGroupParticipant"), &body)
            .await
            .unwrap();
        assert_eq!(a.json(), json!({"addParticipant": true}));
        let a = api
            .send("GET", &path("getStateInstance"), "")
            .await
            .unwrap();
        assert_eq!(a.json(), json!({"stateInstance": "authorized"}));
    }
    let a = api.act(MAX_MAIN, "removeAdmin", CITY, "10009999").await;
    assert_eq!(
        a.json(),
        json!({"removeAdmin": false, "error": "participant not found"})
    );
    let a = api
        .act(MAX_MAIN, "setGroupAdmin", NEIGHBOURS, "20000001")
        .await;
    assert_eq!(
        a.json(),
        json!({"setGroupAdmin": false, "error": "you have to be group admin to change settings"})
    );
}

#[tokio::test]
async fn get_group_data_has_each_platform_shape() {
    let api = Api::unlimited().await;
    let wa = api
        .call(
            WA_MAIN,
            "getGroupData",
            &json!({"groupId": BOOK_CLUB}).to_string(),
        )
        .await;
    let wa = wa.json();
    assert_eq!(wa["groupId"], BOOK_CLUB);
    assert_eq!(wa["owner"], "79005550000@c.us");
    assert_eq!(wa["size"], 23);
    assert_eq!(
        wa["participants"][0],
        json!({"id": "79005550000@c.us", "lid": wa["participants"][0]["lid"], "isAdmin": true, "isSuperAdmin": true})
    );
    assert!(
        wa["participants"][0]["lid"]
            .as_str()
            .unwrap()
            .ends_with("@lid")
    );
    assert!(wa["creation"].is_u64() && !wa["groupInviteLink"].as_str().unwrap().is_empty());
    let old = api
        .call(
            WA_MAIN,
            "getGroupData",
            &json!({"groupId": OLD_FRIENDS}).to_string(),
        )
        .await;
    assert_eq!(old.json()["groupInviteLink"], "", "not an admin there");
    let max = api
        .call(
            MAX_MAIN,
            "getGroupData",
            &json!({"chatId": CITY}).to_string(),
        )
        .await;
    let max = max.json();
    assert_eq!(
        (max["chatId"].as_str(), max["size"].as_u64()),
        (Some(CITY), Some(21))
    );
    assert_eq!(
        max["participants"][0],
        json!({"chatId": "39888725", "isAdmin": true, "isSuperAdmin": true})
    );
    let parsed: greenbatch::greenapi::response::GroupData = serde_json::from_value(max).unwrap();
    assert!(
        parsed.participant("10000019").is_some(),
        "the client's lenient parser reads it"
    );
    let unknown = api
        .call(
            MAX_MAIN,
            "getGroupData",
            &json!({"chatId": "-1"}).to_string(),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.json()),
        (200, json!({"error": "item-not-found"}))
    );
}

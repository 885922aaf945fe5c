//! The sandbox's error answers: routing (404, 403, 401, 405), bad bodies
//! (400), instance states (400) and quota (466); none changes anything.

use greenbatch::sandbox::{InstanceState, SandboxConfig};
use serde_json::json;

use crate::sandbox_support::*;
use crate::support::{MAX_MAIN, WA_MAIN};

#[tokio::test]
async fn routing_answers_404_403_401_405() {
    let api = Api::unlimited().await;
    let token = api.sb.instance(WA_MAIN).unwrap().token.expose().to_owned();
    let body = json!({"groupId": MARKET, "participantChatId": "79001234561@c.us"}).to_string();
    let cases = [
        (
            "POST",
            format!("/waInstance{WA_MAIN}/kickParticipant/{token}"),
            404,
            "Not Found",
        ),
        (
            "POST",
            format!("/waInstance{WA_MAIN}/removeGroupParticipant"),
            404,
            "Not Found",
        ),
        (
            "POST",
            format!("/v3/waInstance{WA_MAIN}/removeGroupParticipant/{token}"),
            404,
            "Not Found",
        ),
        ("POST", "/anything".to_owned(), 404, "Not Found"),
        (
            "POST",
            format!("/waInstance9999999999/removeGroupParticipant/{token}"),
            403,
            "Forbidden",
        ),
        (
            "POST",
            format!(
                "/waInstance{WA_MAIN}/removeGroupParticipant/{}",
                "0".repeat(50)
            ),
            401,
            "Unauthorized",
        ),
        (
            "POST",
            format!("/waInstance{MAX_MAIN}/removeGroupParticipant/{token}"),
            401,
            "Unauthorized",
        ),
        (
            "GET",
            format!("/waInstance{WA_MAIN}/removeGroupParticipant/{token}"),
            405,
            "Method Not Allowed",
        ),
        (
            "POST",
            format!("/waInstance{WA_MAIN}/getStateInstance/{token}"),
            405,
            "Method Not Allowed",
        ),
    ];
    for (verb, path, status, text) in cases {
        let a = api.send(verb, &path, &body).await.unwrap();
        assert_eq!(
            (a.status, a.text.as_str()),
            (status, text),
            "{verb} {}",
            path.replace(&token, "***")
        );
    }
    assert!(api.is_member(MARKET, "79001234561@c.us"), "nothing changed");
    assert!(api.sb.ledger().iter().all(|e| !e.changed));
}

#[tokio::test]
async fn bad_bodies_are_400_and_change_nothing() {
    let api = Api::unlimited().await;
    let rm = "removeGroupParticipant";
    let cases = [
        (WA_MAIN, "{\"groupId\": ", "Bad Request"),
        (WA_MAIN, "", "Bad Request"),
        (WA_MAIN, "[1, 2]", "Validation failed"),
        (
            WA_MAIN,
            r#"{"groupId": "120363043968066561@g.us"}"#,
            "Validation failed",
        ),
        (
            WA_MAIN,
            r#"{"participantChatId": "79001234561@c.us"}"#,
            "Validation failed",
        ),
        (
            WA_MAIN,
            r#"{"groupId": 120363043968066561, "participantChatId": "79001234561@c.us"}"#,
            "Validation failed",
        ),
        (
            WA_MAIN,
            r#"{"chatId": "120363043968066561@g.us", "participantChatId": "79001234561@c.us"}"#,
            "Validation failed",
        ),
        (
            WA_MAIN,
            r#"{"groupId": "-10000000000000", "participantChatId": "10000001"}"#,
            "Validation failed",
        ),
        (
            WA_MAIN,
            r#"{"groupId": "120363043968066561@g.us", "participantChatId": "120363043968066561@g.us"}"#,
            "Validation failed",
        ),
        (
            WA_MAIN,
            r#"{"groupId": "120363043968066561@g.us", "participantChatId": "+7 900 123-45-61"}"#,
            "Validation failed",
        ),
        (
            MAX_MAIN,
            r#"{"chatId": -10000000000000, "participantChatId": "10000001"}"#,
            "Validation failed",
        ),
        (
            MAX_MAIN,
            r#"{"chatId": "-10000000000000", "participantChatId": 10000001}"#,
            "Validation failed",
        ),
        (
            MAX_MAIN,
            r#"{"groupId": "-10000000000000", "participantChatId": "10000001"}"#,
            "Validation failed",
        ),
        (
            MAX_MAIN,
            r#"{"chatId": "120363043968066561@g.us", "participantChatId": "79001234561@c.us"}"#,
            "Validation failed",
        ),
    ];
    for (instance, body, text) in cases {
        let a = api.call(instance, rm, body).await;
        assert_eq!(a.status, 400, "{body}: {}", a.text);
        assert!(a.text.starts_with(text), "{body}: {}", a.text);
    }
    assert!(api.is_member(MARKET, "79001234561@c.us") && api.is_member(CITY, "10000001"));
    assert!(
        api.sb
            .ledger()
            .iter()
            .all(|e| e.status == Some(400) && !e.changed)
    );
}

#[tokio::test]
async fn instance_states_answer_as_documented() {
    let cases = [
        (
            InstanceState::NotAuthorized,
            "notAuthorized",
            "instance account not authorized",
        ),
        (
            InstanceState::Starting,
            "starting",
            "instance in starting process try later",
        ),
        (
            InstanceState::Blocked,
            "blocked",
            "Instance account is expired",
        ),
    ];
    let api = Api::unlimited().await;
    for (state, name, text) in cases {
        assert!(api.sb.set_instance_state(WA_MAIN, state));
        let a = api
            .send("GET", &api.path(WA_MAIN, "getStateInstance", false), "")
            .await
            .unwrap();
        assert_eq!((a.status, a.json()), (200, json!({"stateInstance": name})));
        for method in ["removeGroupParticipant", "getGroupData"] {
            let a = api.act(WA_MAIN, method, MARKET, "79001234561@c.us").await;
            assert_eq!(a.status, 400);
            assert!(a.text.starts_with(text), "{name}: {}", a.text);
        }
    }
    assert!(api.is_member(MARKET, "79001234561@c.us"));
    assert!(
        api.sb
            .set_instance_state(WA_MAIN, InstanceState::Authorized)
    );
    let over_http = api
        .admin("PUT", &format!("instances/{MAX_MAIN}/state"), "starting")
        .await;
    assert_eq!(
        (over_http.status, over_http.json()),
        (200, json!({"stateInstance": "starting"}))
    );
    let a = api.act(MAX_MAIN, "removeAdmin", CITY, "10000001").await;
    assert_eq!(
        (a.status, a.text.as_str()),
        (400, "instance in starting process try later")
    );
    assert_eq!(
        api.admin("PUT", "instances/1/state", "starting")
            .await
            .status,
        404
    );
    assert_eq!(
        api.admin("PUT", &format!("instances/{MAX_MAIN}/state"), "asleep")
            .await
            .status,
        400
    );
    assert_eq!(
        api.act(
            WA_MAIN,
            "removeGroupParticipant",
            MARKET,
            "79001234561@c.us"
        )
        .await
        .status,
        200
    );
}

const SMALL: &str = r#"
instances:
  - id_instance: "1101000009"
    token: "0123456789abcdef0123456789abcdef0123456789abcdef01"
    platform: whatsapp
    state: authorized
    wid: "79990000009@c.us"
    quota: 2
    contacts: ["79001000001@c.us", "79001000002@c.us"]
groups:
  - id: "120363000000000001@g.us"
    platform: whatsapp
    owner: "79990000009@c.us"
    participants: ["79990000009@c.us"]
limits: { enabled: false }
"#;

#[tokio::test]
async fn quota_and_contacts_from_the_state_file() {
    let api = Api::start(SandboxConfig::from_yaml(SMALL).unwrap()).await;
    let (id, g) = ("1101000009", "120363000000000001@g.us");
    let add = "addGroupParticipant";
    assert_eq!(
        api.act(id, add, g, "79001999999@c.us").await.json(),
        json!({"addParticipant": false})
    );
    assert_eq!(
        api.act(id, add, g, "79001000001@c.us").await.json(),
        json!({"addParticipant": true})
    );
    let over = api.act(id, add, g, "79001000002@c.us").await;
    assert_eq!(over.status, 466);
    assert!(over.json()["invokeStatus"].is_object(), "{}", over.text);
    assert!(!api.is_member(g, "79001000002@c.us"));
    let state = api
        .send("GET", &api.path(id, "getStateInstance", false), "")
        .await
        .unwrap();
    assert_eq!(
        state.status, 200,
        "getStateInstance is not counted against the quota"
    );
    assert_eq!(api.sb.state().instances[0].quota_left, Some(0));
}

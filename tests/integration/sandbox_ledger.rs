//! The ledger and state endpoints, the reset, and that no token ever shows.

use greenbatch::sandbox::{LedgerEntry, StateSnapshot};
use serde_json::json;

use crate::sandbox_support::*;
use crate::support::{MAX_MAIN, WA_MAIN};

#[tokio::test]
async fn the_ledger_records_every_request_without_tokens() {
    let api = Api::unlimited().await;
    api.act(
        WA_MAIN,
        "removeGroupParticipant",
        MARKET,
        "79001234561@c.us",
    )
    .await;
    api.act(MAX_MAIN, "removeAdmin", CITY, "10000001").await;
    let wrong_token = format!("/waInstance{WA_MAIN}/getGroupData/{}", "ab".repeat(25));
    api.send("POST", &wrong_token, "{}").await.unwrap();
    api.send("GET", &api.path(MAX_MAIN, "getStateInstance", false), "")
        .await
        .unwrap();

    let over_http: Vec<LedgerEntry> =
        serde_json::from_str(&api.admin("GET", "ledger", "").await.text).unwrap();
    let ledger = api.sb.ledger();
    assert_eq!(over_http, ledger);
    assert_eq!(
        ledger.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    let first = &ledger[0];
    assert_eq!(
        (
            first.instance.as_deref(),
            first.method.as_deref(),
            first.verb.as_str(),
            first.v3
        ),
        (Some(WA_MAIN), Some("removeGroupParticipant"), "POST", false)
    );
    assert_eq!(
        first.body,
        json!({"groupId": MARKET, "participantChatId": "79001234561@c.us"})
    );
    assert_eq!(
        (first.status, first.changed, first.token_ok),
        (Some(200), true, Some(true))
    );
    assert_eq!(
        first.answer.as_deref(),
        Some(r#"{"removeParticipant":true}"#)
    );
    assert!(ledger[1].v3 && ledger[1].field("chatId") == Some(CITY) && !ledger[1].changed);
    assert_eq!(
        (ledger[2].status, ledger[2].token_ok),
        (Some(401), Some(false))
    );
    assert_eq!(
        (ledger[3].verb.as_str(), ledger[3].body.clone()),
        ("GET", serde_json::Value::Null)
    );
    assert!(
        ledger
            .windows(2)
            .all(|w| w[0].at_secs <= w[1].at_secs && w[0].at_unix_ms <= w[1].at_unix_ms)
    );

    let everything = format!(
        "{} {} {:?} {:?}",
        api.admin("GET", "ledger", "").await.text,
        api.admin("GET", "state", "").await.text,
        ledger,
        api.sb.state()
    );
    for instance in api.sb.instances() {
        assert!(
            !everything.contains(instance.token.expose()),
            "{}'s token leaked",
            instance.id_instance
        );
    }
    assert!(
        !everything.contains(&"ab".repeat(25)),
        "a wrong token leaked"
    );
}

#[tokio::test]
async fn state_follows_changes_and_reset_restores_it() {
    let api = Api::unlimited().await;
    let initial: StateSnapshot =
        serde_json::from_str(&api.admin("GET", "state", "").await.text).unwrap();
    assert_eq!(initial, api.sb.state());
    assert_eq!(initial.instances.len(), 3);
    assert!(initial.group(MARKET).unwrap().is_member("79001234561@c.us"));

    api.act(
        WA_MAIN,
        "removeGroupParticipant",
        MARKET,
        "79001234561@c.us",
    )
    .await;
    api.act(WA_MAIN, "setGroupAdmin", MARKET, "79001234562@c.us")
        .await;
    let changed: StateSnapshot =
        serde_json::from_str(&api.admin("GET", "state", "").await.text).unwrap();
    let market = changed.group(MARKET).unwrap();
    assert!(!market.is_member("79001234561@c.us") && market.is_admin("79001234562@c.us"));

    assert_eq!(api.admin("POST", "reset", "").await.status, 200);
    assert_eq!(api.sb.state(), initial);
    assert!(api.sb.ledger().is_empty());
    api.send("GET", &api.path(WA_MAIN, "getStateInstance", false), "")
        .await
        .unwrap();
    assert_eq!(api.sb.ledger()[0].seq, 0, "numbered afresh");
    assert_eq!(api.admin("GET", "nothing", "").await.status, 404);
}

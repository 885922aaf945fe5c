//! Fault injection: every mode, what it does to the state, and that the same
//! seed gives the same fates.

use std::time::Duration;

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig};
use serde_json::json;

use crate::sandbox_support::*;
use crate::support::WA_MAIN;

const RM: &str = "removeGroupParticipant";
const WHO: &str = "79001234561@c.us";

async fn with_faults(rules: Vec<FaultRule>) -> Api {
    Api::start(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_faults(rules),
    )
    .await
}

fn once(fault: Fault) -> FaultRule {
    FaultRule::always(fault)
        .for_method(Method::RemoveGroupParticipant)
        .first(1)
}

#[tokio::test]
async fn status_faults_answer_and_change_nothing() {
    let cases = [
        (
            Fault::TooManyRequests {
                retry_after: Some(3),
            },
            429,
            Some("3"),
        ),
        (Fault::TooManyRequests { retry_after: None }, 429, None),
        (Fault::ServerError, 500, None),
        (Fault::BadGateway, 502, None),
        (Fault::ClientClosed, 499, None),
    ];
    for (fault, status, retry_after) in cases {
        let name = fault.name();
        let api = with_faults(vec![once(fault)]).await;
        let a = api.act(WA_MAIN, RM, MARKET, WHO).await;
        assert_eq!(
            (a.status, a.retry_after.as_deref()),
            (status, retry_after),
            "{name}"
        );
        assert!(api.is_member(MARKET, WHO), "{name}");
        let entry = &api.sb.ledger()[0];
        assert_eq!(
            (entry.fault.as_deref(), entry.status, entry.changed),
            (Some(name), Some(status), false)
        );
        // The rule fired once; the retry goes through.
        assert_eq!(
            api.act(WA_MAIN, RM, MARKET, WHO).await.json(),
            json!({"removeParticipant": true})
        );
    }
}

#[tokio::test]
async fn a_fault_can_apply_the_change_first() {
    let api = with_faults(vec![once(Fault::BadGateway).applying()]).await;
    assert_eq!(api.act(WA_MAIN, RM, MARKET, WHO).await.status, 502);
    assert!(!api.is_member(MARKET, WHO));
    assert!(api.sb.ledger()[0].changed);
    assert_eq!(
        api.act(WA_MAIN, RM, MARKET, WHO).await.json(),
        json!({"removeParticipant": false})
    );
}

#[tokio::test]
async fn odd_200_bodies() {
    let api = with_faults(vec![once(Fault::Garbage)]).await;
    let a = api.act(WA_MAIN, RM, MARKET, WHO).await;
    assert_eq!(a.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&a.text).is_err(),
        "{}",
        a.text
    );
    assert!(api.is_member(MARKET, WHO));

    let api = with_faults(vec![once(Fault::Embedded401)]).await;
    let a = api.act(WA_MAIN, RM, MARKET, WHO).await;
    assert_eq!(
        (a.status, a.json()),
        (200, json!({"code": 401, "description": "Unauthorized"}))
    );
    assert!(api.is_member(MARKET, WHO));
}

#[tokio::test]
async fn latency_delays_a_normal_answer() {
    let api = with_faults(vec![once(Fault::Latency { ms: 300 })]).await;
    let start = std::time::Instant::now();
    let a = api.act(WA_MAIN, RM, MARKET, WHO).await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(a.json(), json!({"removeParticipant": true}));
    assert_eq!(api.sb.ledger()[0].fault.as_deref(), Some("latency"));
}

#[tokio::test]
async fn a_hang_is_cut_by_the_client_and_by_shutdown() {
    let mut api = with_faults(vec![once(Fault::Hang)]).await;
    api.http = client(Duration::from_millis(300));
    let err = api.try_act(WA_MAIN, RM, MARKET, WHO).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(api.is_member(MARKET, WHO));
    let entry = &api.sb.ledger()[0];
    assert_eq!((entry.status, entry.fault.as_deref()), (None, Some("hang")));
    // A second hanging request still in flight does not hold up shutdown.
    api.sb
        .set_faults(vec![FaultRule::always(Fault::Hang)])
        .unwrap();
    let stuck = {
        let (http, url) = (client(Duration::from_secs(30)), api.sb.api_url());
        let path = api.path(WA_MAIN, "getStateInstance", false);
        tokio::spawn(async move { http.get(format!("{url}{path}")).send().await })
    };
    for _ in 0..1000 {
        if api.sb.ledger().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(api.sb.ledger()[1].fault.as_deref(), Some("hang"));
    tokio::time::timeout(Duration::from_secs(10), api.sb.shutdown())
        .await
        .expect("shutdown ends in bounded time");
    assert!(
        stuck.await.unwrap().is_err(),
        "the hanging request got no answer"
    );
}

#[tokio::test]
async fn reset_fails_the_request_and_changes_nothing() {
    let api = with_faults(vec![once(Fault::Reset)]).await;
    let err = api.try_act(WA_MAIN, RM, MARKET, WHO).await.unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err}");
    assert!(api.is_member(MARKET, WHO));
    let entry = &api.sb.ledger()[0];
    assert_eq!(
        (entry.status, entry.changed, entry.fault.as_deref()),
        (None, false, Some("reset"))
    );
    assert_eq!(
        api.act(WA_MAIN, RM, MARKET, WHO).await.status,
        200,
        "the next connection works"
    );
}

#[tokio::test]
async fn drop_after_apply_loses_the_answer_but_not_the_change() {
    let api = with_faults(vec![once(Fault::DropAfterApply)]).await;
    let err = api.try_act(WA_MAIN, RM, MARKET, WHO).await.unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err}");
    assert!(!api.is_member(MARKET, WHO), "applied");
    let entry = &api.sb.ledger()[0];
    assert_eq!((entry.status, entry.changed), (None, true));
    assert_eq!(
        api.act(WA_MAIN, RM, MARKET, WHO).await.json(),
        json!({"removeParticipant": false})
    );
}

/// The fates of 24 distinct additions sent concurrently, by participant.
async fn fates(seed: u64) -> Vec<(String, Option<String>)> {
    let rule = FaultRule::always(Fault::ServerError).with_probability(0.5);
    let config = SandboxConfig::default_state()
        .without_rate_limits()
        .with_faults(vec![rule]);
    let api = Api::start(config.with_seed(seed)).await;
    let url = format!(
        "{}{}",
        api.sb.api_url(),
        api.path(WA_MAIN, "addGroupParticipant", false)
    );
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..24 {
        let body = json!({"groupId": MARKET, "participantChatId": format!("7900555{n:04}@c.us")});
        let request = api.http.post(&url).body(body.to_string());
        calls.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    while let Some(status) = calls.join_next().await {
        assert!(matches!(status.unwrap(), Ok(200 | 500)));
    }
    let mut out: Vec<_> = api
        .sb
        .ledger()
        .into_iter()
        .map(|e| (e.field("participantChatId").unwrap().to_owned(), e.fault))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_same_seed_gives_the_same_fates() {
    let first = fates(11).await;
    assert_eq!(first.len(), 24);
    let failed = first.iter().filter(|(_, f)| f.is_some()).count();
    assert!((1..24).contains(&failed), "{failed} of 24 at p=0.5");
    assert_eq!(first, fates(11).await);
    assert_ne!(first, fates(12).await);
}

#[tokio::test]
async fn faults_change_at_runtime_over_http() {
    let api = Api::unlimited().await;
    let rules = "- fault: { kind: bad_gateway }\n  method: getGroupData\n  first_n: 1\n";
    assert_eq!(api.admin("PUT", "faults", rules).await.status, 200);
    let listed = api.admin("GET", "faults", "").await.json();
    assert_eq!(listed[0]["fault"]["kind"], "bad_gateway");
    let body = json!({"groupId": MARKET}).to_string();
    assert_eq!(api.call(WA_MAIN, "getGroupData", &body).await.status, 502);
    assert_eq!(api.call(WA_MAIN, "getGroupData", &body).await.status, 200);
    let bad = api
        .admin(
            "PUT",
            "faults",
            "- fault: { kind: hang }\n  probabilty: 1\n",
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("probabilty"), "{}", bad.text);
    let json_rules = r#"[{"fault": {"kind": "too_many_requests", "retry_after": 1}}]"#;
    assert_eq!(api.admin("PUT", "faults", json_rules).await.status, 200);
    assert_eq!(
        api.call(WA_MAIN, "getGroupData", &body)
            .await
            .retry_after
            .as_deref(),
        Some("1")
    );
}

//! Rate limits per instance and method over a sliding one-second window: a
//! request beyond the limit gets 429 and changes nothing.

use std::time::{Duration, Instant};

use greenbatch::greenapi::Method;
use greenbatch::sandbox::SandboxConfig;
use serde_json::json;

use crate::sandbox_support::*;
use crate::support::{MAX_MAIN, WA_MAIN, WA_SECOND};

/// Sends removals of `people` one after another; the statuses in order and
/// whether the whole burst fitted in well under a second (otherwise the
/// window may have slid during it and the counts prove nothing).
async fn burst(api: &Api, instance: &str, group: &str, people: &[String]) -> (Vec<u16>, bool) {
    let start = Instant::now();
    let mut statuses = Vec::new();
    for who in people {
        statuses.push(
            api.act(instance, "removeGroupParticipant", group, who)
                .await
                .status,
        );
    }
    (statuses, start.elapsed() < Duration::from_millis(800))
}

#[tokio::test]
async fn the_window_admits_exactly_the_limit_then_slides() {
    // A bounded number of rounds: a stalled machine may stretch a burst past
    // the window, which the round detects and repeats instead of failing.
    for _round in 0..3 {
        let api = Api::start(SandboxConfig::default_state()).await;
        let people: Vec<String> = (61..=73).map(|n| format!("790012345{n}@c.us")).collect();
        let (statuses, fitted) = burst(&api, WA_MAIN, MARKET, &people).await;
        if !fitted {
            continue;
        }
        assert_eq!(
            statuses[..10],
            [200; 10],
            "the documented 10/s for WhatsApp"
        );
        assert_eq!(statuses[10..], [429; 3]);
        for (who, status) in people.iter().zip(&statuses) {
            assert_eq!(api.is_member(MARKET, who), *status == 429, "{who}");
        }
        let ledger = api.sb.ledger();
        assert!(
            ledger
                .iter()
                .filter(|e| e.status == Some(429))
                .all(|e| !e.changed)
        );
        assert_eq!(ledger.iter().filter(|e| e.changed).count(), 10);
        // Other instances and other methods have windows of their own.
        assert_eq!(
            api.act(WA_SECOND, "removeGroupParticipant", MARKET, &people[10])
                .await
                .status,
            200
        );
        assert_eq!(
            api.act(WA_MAIN, "setGroupAdmin", MARKET, &people[11])
                .await
                .status,
            200
        );
        // Once the window has passed, the instance is admitted again.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(
            api.act(WA_MAIN, "removeGroupParticipant", MARKET, &people[12])
                .await
                .status,
            200
        );
        assert!(!api.is_member(MARKET, &people[12]));
        return;
    }
    panic!("no burst fitted in a second in three rounds");
}

#[tokio::test]
async fn max_allows_one_participant_call_per_second() {
    for _round in 0..3 {
        let api = Api::start(SandboxConfig::default_state()).await;
        let people: Vec<String> = (10..13).map(|n| format!("100000{n}")).collect();
        let (statuses, fitted) = burst(&api, MAX_MAIN, CITY, &people).await;
        if fitted {
            assert_eq!(statuses, [200, 429, 429]);
            assert!(api.is_member(CITY, &people[1]) && api.is_member(CITY, &people[2]));
            return;
        }
    }
    panic!("no burst fitted in a second in three rounds");
}

#[tokio::test]
async fn rates_are_overridable_and_can_be_switched_off() {
    let yaml = r#"
instances:
  - { id_instance: "1", token: "t", platform: max, state: authorized, wid: "10", rates: { getGroupData: 2 } }
  - { id_instance: "2", token: "u", platform: max, state: authorized, wid: "20" }
groups:
  - { id: "-5", platform: max, owner: "10", participants: ["10"] }
limits: { rates: { getGroupData: 3 } }
"#;
    for _round in 0..3 {
        let api = Api::start(SandboxConfig::from_yaml(yaml).unwrap()).await;
        let body = json!({"chatId": "-5"}).to_string();
        let start = Instant::now();
        let mut own = Vec::new();
        let mut global = Vec::new();
        for _ in 0..4 {
            own.push(api.call("1", "getGroupData", &body).await.status);
            global.push(api.call("2", "getGroupData", &body).await.status);
        }
        if start.elapsed() < Duration::from_millis(800) {
            assert_eq!(own, [200, 200, 429, 429], "the instance's own override");
            assert_eq!(global, [200, 200, 200, 429], "the sandbox-wide override");
            break;
        }
        assert!(_round < 2, "no burst fitted in a second in three rounds");
    }
    let api = Api::start(
        SandboxConfig::default_state()
            .with_rate(Method::GetGroupData, 1)
            .without_rate_limits(),
    )
    .await;
    let body = json!({"chatId": CITY}).to_string();
    for _ in 0..30 {
        assert_eq!(api.call(MAX_MAIN, "getGroupData", &body).await.status, 200);
    }
}

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

#[tokio::test]
async fn a_request_leg_shifts_the_admission() {
    // The request meets the rate window (and is admitted) 300 ms after it
    // was sent: `at_secs` is the sending, `limited_at_secs` the admission.
    let api = Api::start(SandboxConfig::default_state().with_latency_in(300, 0.0)).await;
    let start = Instant::now();
    let who = "79001234561@c.us";
    assert_eq!(
        api.act(WA_MAIN, "removeGroupParticipant", MARKET, who)
            .await
            .status,
        200
    );
    assert!(start.elapsed() >= Duration::from_millis(300));
    let ledger = api.sb.ledger();
    let shift = ledger[0].limited_at_secs.expect("limits are on") - ledger[0].at_secs;
    assert!(
        (0.299..1.0).contains(&shift),
        "admitted {shift} s after it was sent"
    );
}

#[tokio::test]
async fn a_jittered_request_leg_bunches_evenly_sent_requests() {
    // Ten removals sent 100 ms apart over a leg of 0 to 400 ms (drawn from
    // the seed, so the same every run): some reach the limiter closer
    // together than they left, as on a distant link, and some overtake.
    let api = std::sync::Arc::new(
        Api::start(SandboxConfig::default_state().with_latency_in(200, 1.0)).await,
    );
    let mut sends = Vec::new();
    for n in 61..71 {
        let api = api.clone();
        sends.push(tokio::spawn(async move {
            let who = format!("790012345{n}@c.us");
            api.act(WA_MAIN, "removeGroupParticipant", MARKET, &who)
                .await
                .status
        }));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for send in sends {
        send.await.unwrap();
    }
    let mut ledger = api.sb.ledger();
    ledger.sort_by_key(|e| e.seq);
    let sent: Vec<f64> = ledger.iter().map(|e| e.at_secs).collect();
    let met: Vec<f64> = ledger
        .iter()
        .map(|e| e.limited_at_secs.expect("limits are on"))
        .collect();
    for (s, m) in sent.iter().zip(&met) {
        assert!((0.0..0.5).contains(&(m - s)), "a leg of {} s", m - s);
    }
    let least_sent = sent
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::MAX, f64::min);
    let mut sorted = met.clone();
    sorted.sort_by(f64::total_cmp);
    let least_met = sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::MAX, f64::min);
    assert!(
        least_met + 0.05 < least_sent,
        "bunched: {least_met:.3} s apart at the limiter, {least_sent:.3} s when sent: {met:?}"
    );
    assert!(
        met.windows(2).any(|w| w[1] < w[0]),
        "a later request overtakes: {met:?}"
    );
}

//! The retry maths with fixed seeds: bounds, cap, growth, `Retry-After`,
//! and the budget's exhaustion and refill.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::*;

const MS: Duration = Duration::from_millis(1);

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base: 100 * MS,
        cap: 1000 * MS,
    }
}

#[test]
fn ceilings_double_from_base_up_to_the_cap() {
    let p = policy();
    let ceilings: Vec<u64> = (1..=6).map(|r| p.ceiling(r).as_millis() as u64).collect();
    assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
    assert_eq!(p.ceiling(0), 100 * MS, "retry 0 is read as the first");
    assert_eq!(p.ceiling(u32::MAX), p.cap, "no overflow");
    let huge = RetryPolicy {
        base: Duration::MAX,
        cap: Duration::MAX,
        ..p
    };
    assert_eq!(huge.ceiling(40), Duration::MAX);
}

#[test]
fn jittered_delays_stay_within_their_ceiling_and_spread_out() {
    let p = policy();
    let mut rng = fastrand::Rng::with_seed(7);
    for retry in 1..=6 {
        let delays: Vec<Duration> = (0..500).map(|_| p.backoff(retry, &mut rng)).collect();
        let ceiling = p.ceiling(retry);
        assert!(delays.iter().all(|&d| d <= ceiling));
        // Full jitter: draws land in both the lower and the upper quarter.
        assert!(delays.iter().any(|&d| d < ceiling / 4));
        assert!(delays.iter().any(|&d| d > ceiling * 3 / 4));
    }
}

#[test]
fn the_same_seed_gives_the_same_delays() {
    let p = policy();
    let a: Vec<Duration> = p.delays(&mut fastrand::Rng::with_seed(42)).collect();
    let b: Vec<Duration> = p.delays(&mut fastrand::Rng::with_seed(42)).collect();
    assert_eq!(a, b);
    assert_eq!(a.len(), 4, "five attempts are four retries");
    let c: Vec<Duration> = p.delays(&mut fastrand::Rng::with_seed(43)).collect();
    assert_ne!(a, c);
}

#[test]
fn retry_after_is_a_floor_and_is_capped() {
    let p = policy();
    let mut rng = fastrand::Rng::with_seed(1);
    for _ in 0..100 {
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(5)), &mut rng),
            Duration::from_secs(5)
        );
        assert!(p.delay(4, Some(MS), &mut rng) <= p.ceiling(4));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(86_400)), &mut rng),
            MAX_RETRY_AFTER
        );
    }
}

#[test]
fn decisions_stop_at_max_attempts_then_at_an_empty_budget() {
    let p = policy();
    let mut rng = fastrand::Rng::with_seed(3);
    let budget = RetryBudget::new(2, 0, 2);
    assert!(matches!(p.decide(1, None, &budget, &mut rng), Decision::Retry(d) if d <= 100 * MS));
    assert_eq!(
        p.decide(5, None, &budget, &mut rng),
        Decision::GiveUp(GiveUp::Attempts(5))
    );
    assert_eq!(
        budget.available(),
        1,
        "giving up for attempts costs nothing"
    );
    let with_ra = p.decide(2, Some(Duration::from_secs(3)), &budget, &mut rng);
    assert_eq!(with_ra, Decision::Retry(Duration::from_secs(3)));
    assert_eq!(
        p.decide(2, None, &budget, &mut rng),
        Decision::GiveUp(GiveUp::Budget)
    );
    assert_eq!(
        GiveUp::Budget.to_string().split(" (").next(),
        Some("retry budget exhausted")
    );
    assert_eq!(GiveUp::Attempts(5).to_string(), "gave up after 5 attempts");
}

#[test]
fn the_budget_runs_dry_refills_from_first_attempts_and_is_capped() {
    let b = RetryBudget::new(3, 10, 5);
    assert!((0..3).all(|_| b.try_retry()));
    assert!(!b.try_retry(), "reserve spent");
    for _ in 0..9 {
        b.on_first_attempt();
    }
    assert!(!b.try_retry(), "nine tenths is not a retry");
    b.on_first_attempt();
    assert!(b.try_retry(), "ten first attempts earn one retry");
    assert!(!b.try_retry());
    b.on_retry_answered();
    assert_eq!(b.available(), 1, "an answered retry is refunded");
    for _ in 0..1000 {
        b.on_first_attempt();
    }
    assert_eq!(b.available(), 5, "never more than the maximum");
    assert_eq!(
        RetryBudget::new(10, 10, 1).available(),
        10,
        "the maximum is at least the reserve"
    );
}

#[test]
fn in_a_storm_retries_add_about_a_tenth() {
    // 10,000 operations on a dead server, five attempts each allowed.
    let p = policy();
    let budget = RetryBudget::default();
    let mut rng = fastrand::Rng::with_seed(9);
    let mut requests = 0u32;
    for _ in 0..10_000 {
        budget.on_first_attempt();
        let mut attempts = 1;
        requests += 1;
        while let Decision::Retry(_) = p.decide(attempts, None, &budget, &mut rng) {
            attempts += 1;
            requests += 1;
        }
    }
    assert!(requests <= 10_000 + 1_000 + 10, "{requests}");
    assert!(requests >= 10_000 + 1_000 - 1, "{requests}");
}

#[test]
fn the_budget_is_shared_safely_between_threads() {
    let budget = Arc::new(RetryBudget::new(1000, 0, 1000));
    let granted: u32 = (0..4)
        .map(|_| {
            let b = Arc::clone(&budget);
            std::thread::spawn(move || (0..400).filter(|_| b.try_retry()).count() as u32)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .sum();
    assert_eq!(granted, 1000);
    assert_eq!(budget.available(), 0);
}

#[test]
fn retry_after_values_parse_as_seconds_or_dates() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let secs = |s| Some(Duration::from_secs(s));
    assert_eq!(parse_retry_after("120", now), secs(120));
    assert_eq!(parse_retry_after(" 0 ", now), secs(0));
    assert_eq!(
        parse_retry_after("1.5", now),
        Some(Duration::from_millis(1500))
    );
    assert_eq!(parse_retry_after("86400", now), Some(MAX_RETRY_AFTER));
    assert_eq!(
        parse_retry_after("99999999999999999999999", now),
        Some(MAX_RETRY_AFTER)
    );
    let in_30s = httpdate::fmt_http_date(now + Duration::from_secs(30));
    assert_eq!(parse_retry_after(&in_30s, now), secs(30));
    let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
    assert_eq!(parse_retry_after(&past, now), secs(0));
    let next_week = httpdate::fmt_http_date(now + Duration::from_secs(7 * 86_400));
    assert_eq!(parse_retry_after(&next_week, now), Some(MAX_RETRY_AFTER));
    for bad in [
        "",
        "-5",
        "soon",
        "1.2.3",
        ".",
        "5s",
        "Tue, 99 Nov 2026 00:00:00 GMT",
    ] {
        assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
    }
}

use std::sync::Arc;

use super::outage::TRIP_AFTER;
use super::*;

#[tokio::test(start_paused = true)]
async fn spacing_counts_from_the_real_send_and_a_stall_earns_nothing() {
    let p = Pacer::new(Some(10.0));
    let start = Instant::now();
    p.acquire().await.unwrap();
    p.acquire().await.unwrap();
    let gap = start.elapsed();
    assert!(gap >= Duration::from_millis(100), "{gap:?}");
    assert!(gap <= Duration::from_millis(103), "{gap:?}");
    // A stall: the next request goes at once, the one after a period later.
    tokio::time::advance(Duration::from_secs(5)).await;
    let after = Instant::now();
    p.acquire().await.unwrap();
    assert_eq!(after.elapsed(), Duration::ZERO);
    p.acquire().await.unwrap();
    assert!(after.elapsed() >= Duration::from_millis(100));
}

#[tokio::test(start_paused = true)]
async fn a_429_slows_the_spacing_in_proportion() {
    let p = Pacer::new(Some(10.0));
    let first = p.acquire().await.unwrap();
    let t = p.throttled(first, None);
    assert!(t.news);
    assert!(
        (t.rate - 9.0).abs() < 1e-9,
        "no history: a 10 % step, {}",
        t.rate
    );
    // The same news again changes nothing.
    assert!(!p.throttled(first, None).news);
    let a = p.acquire().await.unwrap();
    let b = p.acquire().await.unwrap();
    let gap = b.duration_since(a);
    assert!(gap >= Duration::from_secs_f64(1.0 / 9.0), "{gap:?}");
    assert!(gap <= Duration::from_millis(115), "{gap:?}");
    // Successes climb back.
    for _ in 0..10 {
        p.answered(Instant::now());
    }
    assert!(p.rate().unwrap() > 9.6, "{:?}", p.rate());
}

#[tokio::test(start_paused = true)]
async fn a_429_after_a_second_of_sending_reads_what_the_server_admitted() {
    let p = Pacer::new(Some(10.0));
    // Ten requests at the pace, then one refused: the server let about 10
    // through in its second, so the limit is the pace: a nudge.
    let mut last = p.acquire().await.unwrap();
    for _ in 0..11 {
        last = p.acquire().await.unwrap();
    }
    let t = p.throttled(last, None);
    assert!((t.rate - 9.7).abs() < 1e-9, "{}", t.rate);
}

#[tokio::test(start_paused = true)]
async fn retry_after_pauses_the_pacer() {
    let p = Pacer::new(None);
    let sent = p.acquire().await.unwrap();
    p.throttled(sent, Some(Duration::from_secs(3)));
    let start = Instant::now();
    p.acquire().await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn retry_after_pauses_count_against_the_outage_patience() {
    let p = Pacer::with_patience(None, Duration::from_secs(10));
    let sent = p.acquire().await.unwrap();
    p.throttled(sent, Some(Duration::from_secs(6)));
    let start = Instant::now();
    let sent = p.acquire().await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(6),
        "the first is waited out"
    );
    p.throttled(sent, Some(Duration::from_secs(6)));
    let why = p.acquire().await.unwrap_err();
    assert!(why.0.contains("longer than the outage patience"), "{why}");
    // With `0s` (outages are never waited out), Retry-After still is.
    let q = Pacer::with_patience(None, Duration::ZERO);
    for _ in 0..3 {
        let sent = q.acquire().await.unwrap();
        q.throttled(sent, Some(Duration::from_secs(6)));
    }
    let start = Instant::now();
    q.acquire().await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(6));
}

#[tokio::test(start_paused = true)]
async fn an_outage_holds_every_request_but_one_probe() {
    let p = Arc::new(Pacer::new(Some(10.0)));
    for _ in 0..TRIP_AFTER - 1 {
        let sent = p.acquire().await.unwrap();
        assert_eq!(p.failed(sent, "HTTP 502"), Failure::Scattered);
    }
    let sent = p.acquire().await.unwrap();
    assert!(matches!(
        p.failed(sent, "HTTP 502"),
        Failure::Tripped { .. }
    ));
    let down_at = Instant::now();
    // Three waiters: exactly one leaves, as the probe, within the first interval.
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.acquire().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let finished: Vec<bool> = waiters.iter().map(|w| w.is_finished()).collect();
    assert_eq!(finished.iter().filter(|f| **f).count(), 1, "{finished:?}");
    // The probe fails: nobody else leaves for the next (longer) interval.
    assert!(matches!(
        p.failed(Instant::now(), "HTTP 502"),
        Failure::During { next_try: Some(_) }
    ));
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(waiters.iter().filter(|w| w.is_finished()).count(), 1);
    // The next probe succeeds: the others go on at the pace.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(waiters.iter().filter(|w| w.is_finished()).count(), 2);
    let (_, change) = p.answered(Instant::now());
    assert!(matches!(change, Some(Change::OutageEnded(d)) if d > Duration::from_secs(1)));
    let mut sent = vec![];
    for w in waiters {
        sent.push(w.await.unwrap().unwrap());
    }
    sent.sort();
    assert!(sent[0] > down_at);
    assert!(
        sent[2].duration_since(sent[1]) >= Duration::from_millis(100),
        "at the pace"
    );
}

#[tokio::test(start_paused = true)]
async fn pacers_that_fail_together_probe_apart() {
    // Eight instances go down alike: each pacer's first probe leaves in the
    // upper half of the first second after it tripped, at a time of its
    // own drawing (the same for all would be a thundering herd).
    let mut waits = vec![];
    for _ in 0..8 {
        let p = Pacer::new(Some(10.0));
        for _ in 0..TRIP_AFTER {
            let sent = p.acquire().await.unwrap();
            p.failed(sent, "HTTP 502");
        }
        let tripped = Instant::now();
        let probe = p.acquire().await.unwrap();
        waits.push(probe.duration_since(tripped));
    }
    for wait in &waits {
        // (Paused timers fire on the millisecond.)
        assert!(
            *wait >= Duration::from_millis(500) && *wait <= Duration::from_millis(1001),
            "{waits:?}"
        );
    }
    assert!(waits.iter().any(|w| *w != waits[0]), "{waits:?}");
}

#[tokio::test(start_paused = true)]
async fn an_outage_beyond_the_patience_gives_up() {
    let p = Pacer::with_patience(Some(10.0), Duration::from_secs(10));
    for _ in 0..TRIP_AFTER {
        let sent = p.acquire().await.unwrap();
        p.failed(sent, "HTTP 502 Bad Gateway");
    }
    let start = Instant::now();
    loop {
        match p.acquire().await {
            Ok(sent) => assert!(matches!(
                p.failed(sent, "HTTP 502 Bad Gateway"),
                Failure::During { .. }
            )),
            Err(GaveUp(why)) => {
                assert!(why.contains("every request failed for 10s"), "{why}");
                break;
            }
        }
    }
    let waited = start.elapsed();
    assert!(waited <= Duration::from_secs(10), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn no_patience_means_no_outage() {
    let p = Pacer::with_patience(Some(10.0), Duration::ZERO);
    for _ in 0..TRIP_AFTER * 3 {
        let sent = p.acquire().await.unwrap();
        assert_eq!(p.failed(sent, "HTTP 502"), Failure::Scattered);
    }
    assert!(!p.is_down());
}

#[tokio::test(start_paused = true)]
async fn background_requests_yield_to_foreground_ones() {
    let p = Arc::new(Pacer::new(Some(1.0)));
    p.acquire().await.unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let bg = {
        let (p, order) = (p.clone(), order.clone());
        tokio::spawn(async move {
            p.acquire_background().await.unwrap();
            order.lock().unwrap().push("background");
        })
    };
    tokio::task::yield_now().await;
    let fg = {
        let (p, order) = (p.clone(), order.clone());
        tokio::spawn(async move {
            p.acquire().await.unwrap();
            order.lock().unwrap().push("foreground");
        })
    };
    fg.await.unwrap();
    bg.await.unwrap();
    assert_eq!(*order.lock().unwrap(), ["foreground", "background"]);
}

#[tokio::test(start_paused = true)]
async fn requests_still_unanswered_count_as_admitted() {
    // Ten requests leave at the pace and stall; four more leave after the
    // stall and the last is refused. The server may have counted the stalled
    // ten whenever it got to them: that is the limit at the edge, a nudge,
    // not a limit of four.
    let p = Pacer::new(Some(10.0));
    let mut stalled = vec![];
    for _ in 0..10 {
        stalled.push(p.acquire().await.unwrap());
    }
    tokio::time::advance(Duration::from_secs(4)).await;
    let mut last = p.acquire().await.unwrap();
    for _ in 0..4 {
        last = p.acquire().await.unwrap();
    }
    let t = p.throttled(last, None);
    assert!((t.rate - 9.7).abs() < 1e-9, "{}", t.rate);
    // Had they been answered before, the server had room for only four.
    let q = Pacer::new(Some(10.0));
    for _ in 0..10 {
        let sent = q.acquire().await.unwrap();
        q.answered(sent);
    }
    tokio::time::advance(Duration::from_secs(4)).await;
    let mut last = q.acquire().await.unwrap();
    for _ in 0..4 {
        q.answered(last);
        last = q.acquire().await.unwrap();
    }
    let t = q.throttled(last, None);
    assert!(t.rate < 5.0, "{}", t.rate);
}

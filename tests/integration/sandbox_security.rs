//! The sandbox against a web page in a browser on the same machine and
//! against unbounded growth: a request addressed to another host (DNS
//! rebinding) or sent by another site's page (`Origin`, `Sec-Fetch-Site`)
//! is refused before it does anything, admin and API endpoints alike; the
//! ledger keeps the most recent entries with totals for all; the state file
//! is read with a size bound.

use std::time::{Duration, Instant};

use greenbatch::sandbox::SandboxConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::sandbox_support::*;
use crate::support::{WA_MAIN, greenbatch_std};

/// One raw HTTP/1.1 request with exactly these headers; the status and body.
async fn raw(addr: std::net::SocketAddr, verb: &str, path: &str, headers: &str) -> (u16, String) {
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{verb} {path} HTTP/1.1\r\n{headers}Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_string(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_other_hosts_or_from_other_sites_are_refused() {
    let api = Api::unlimited().await;
    let addr = api.sb.addr();
    api.act(
        WA_MAIN,
        "removeGroupParticipant",
        MARKET,
        "79001234561@c.us",
    )
    .await;
    assert!(!api.is_member(MARKET, "79001234561@c.us"));
    let remove = api.path(WA_MAIN, "removeGroupParticipant", false);
    let hostile = [
        "Host: evil.example\r\n".to_owned(),
        format!("Host: rebound.evil.example:{}\r\n", addr.port()),
        format!("Host: {addr}\r\nOrigin: https://evil.example\r\n"),
        format!("Host: {addr}\r\nOrigin: null\r\n"),
        format!("Host: {addr}\r\nSec-Fetch-Site: cross-site\r\n"),
        String::new(),
    ];
    for headers in &hostile {
        for (verb, path) in [
            ("POST", "/__sandbox/reset"),
            ("GET", "/__sandbox/ledger"),
            ("PUT", "/__sandbox/faults"),
            ("POST", remove.as_str()),
        ] {
            let (status, answer) = raw(addr, verb, path, headers).await;
            assert_eq!(status, 403, "{headers:?} {verb} {path}: {answer}");
            assert!(answer.contains("Forbidden"), "{answer}");
        }
    }
    assert!(
        !api.is_member(MARKET, "79001234561@c.us"),
        "no reset happened"
    );
    assert_eq!(api.sb.ledger().len(), 1, "refused requests did nothing");
    // The same requests addressed to loopback, as a client or a local page.
    for headers in [
        format!("Host: {addr}\r\n"),
        format!(
            "Host: localhost:{}\r\nOrigin: http://localhost:3000\r\n",
            addr.port()
        ),
        format!("Host: {addr}\r\nSec-Fetch-Site: same-origin\r\n"),
    ] {
        let (status, answer) = raw(addr, "GET", "/__sandbox/ledger", &headers).await;
        assert_eq!(status, 200, "{headers:?}: {answer}");
    }
    let (status, _) = raw(
        addr,
        "POST",
        "/__sandbox/reset",
        &format!("Host: {addr}\r\n"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(api.is_member(MARKET, "79001234561@c.us"), "reset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_keeps_the_most_recent_entries_and_counts_them_all() {
    let api = Api::start(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_ledger_capacity(5),
    )
    .await;
    for _ in 0..8 {
        api.call(WA_MAIN, "getStateInstance", "").await;
    }
    api.act(
        WA_MAIN,
        "removeGroupParticipant",
        MARKET,
        "79001234561@c.us",
    )
    .await;
    let kept: Vec<u64> = api.sb.ledger().iter().map(|e| e.seq).collect();
    assert_eq!(kept, [4, 5, 6, 7, 8]);
    let totals = api.sb.ledger_totals();
    assert_eq!(
        (
            totals.requests,
            totals.dropped,
            totals.changed,
            totals.capacity
        ),
        (9, 4, 1, 5)
    );
    assert_eq!(totals.by_method["getStateInstance"], 8);
    assert_eq!(totals.by_method["removeGroupParticipant"], 1);
    let over_http: serde_json::Value = api.admin("GET", "ledger/totals", "").await.json();
    assert_eq!(over_http["requests"], 9);
    assert_eq!(over_http["dropped"], 4);
    let ledger: Vec<serde_json::Value> =
        serde_json::from_str(&api.admin("GET", "ledger", "").await.text).unwrap();
    assert_eq!(ledger.len(), 5);
    api.admin("POST", "reset", "").await;
    assert_eq!(
        api.sb.ledger_totals().requests,
        0,
        "a reset clears the totals"
    );
}

#[test]
fn the_state_file_is_read_with_a_size_bound() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(64 << 20).unwrap();
    for state in [big.to_str().unwrap(), "/dev/zero"] {
        let started = Instant::now();
        let out = greenbatch_std()
            .args(["sandbox", "--listen", "127.0.0.1:0", "--state", state])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{state}: {err}");
        assert!(err.contains("larger than 16 MiB"), "{state}: {err}");
        assert!(started.elapsed() < Duration::from_secs(20), "{state}");
    }
    let out = greenbatch_std()
        .args(["sandbox", "--ledger-capacity", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

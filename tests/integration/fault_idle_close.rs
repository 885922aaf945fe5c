//! Idle keep-alive connections closed by the server, which the sandbox
//! cannot do itself: a TCP proxy in front of it closes every connection that
//! stays quiet for 80 to 250 ms, at the pace's own rhythm, so the client
//! keeps meeting pooled connections that the server has just closed. Every
//! operation must still end once, in its true outcome, without a storm.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::reliability_support::*;
use crate::support::*;

const OPS: usize = 30;

/// A proxy to `upstream` that closes idle connections; it counts them.
async fn idle_closer(upstream: std::net::SocketAddr) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let closed = Arc::new(AtomicUsize::new(0));
    let counter = closed.clone();
    tokio::spawn(async move {
        let mut rng = fastrand::Rng::with_seed(5);
        while let Ok((client, _)) = listener.accept().await {
            let idle = Duration::from_millis(rng.u64(80..250));
            let counter = counter.clone();
            tokio::spawn(async move {
                if pump(client, upstream, idle).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    (url, closed)
}

/// Copies both ways until either side closes (false) or nothing moves for
/// `idle` (true: the proxy closes, as a server's keep-alive timeout does).
async fn pump(mut client: TcpStream, upstream: std::net::SocketAddr, idle: Duration) -> bool {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return false;
    };
    let (mut a, mut b) = (vec![0u8; 16384], vec![0u8; 16384]);
    loop {
        tokio::select! {
            r = client.read(&mut a) => match r {
                Ok(n) if n > 0 => if server.write_all(&a[..n]).await.is_err() { return false },
                _ => return false,
            },
            r = server.read(&mut b) => match r {
                Ok(n) if n > 0 => if client.write_all(&b[..n]).await.is_err() { return false },
                _ => return false,
            },
            _ = tokio::time::sleep(idle) => return true,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_while_idle_lose_and_repeat_nothing() {
    let sb = sandbox(state(OPS)).await;
    let (url, closed) = idle_closer(sb.addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", &manifest(OPS));
    let mut env = default_env(&sb, WA_MAIN);
    env.retain(|(k, _)| k != "GREEN_API_URL");
    env.push(("GREEN_API_URL".into(), url));
    // One request per method every 330 ms, three methods on one connection:
    // the gaps straddle the proxy's idle timeouts.
    let args = [
        "run",
        manifest.to_str().unwrap(),
        "--rate",
        "3/s",
        "--concurrency",
        "1",
    ];
    let out = greenbatch(&args, &env).await;
    let ledger = acts(&sb.ledger());
    check_final_rows(&rows(&dir.path().join("m.results.csv")), OPS);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(members(&sb.state()), expected_members(OPS));
    for (p, n) in sends(&ledger) {
        assert!(n <= 2, "{p} sent {n} times");
    }
    let closed = closed.load(Ordering::SeqCst);
    assert!(closed >= 3, "the proxy closed idle connections: {closed}");
    eprintln!(
        "idle close: {closed} connections closed idle, {} requests for {OPS} operations",
        ledger.len()
    );
}

//! The HTTP client alone, without the engine: N removal POSTs with
//! C in flight on one thread (as `greenbatch run` sends them), through
//! reqwest configured as greenbatch's client is, or through hyper-util's
//! pooled client directly. `benches/run.sh overhead` puts both beside `wrk`
//! and `greenbatch run`, so the engine's own cost and what a change of
//! client could save are measured, not guessed (issue 14).
//!
//! `cargo run --release --example http_clients -- reqwest|hyper URL N C`
//! (URL on loopback; every request is answered or the run fails).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const BODY: &str =
    r#"{"groupId":"120363043900000000@g.us","participantChatId":"79000000000@c.us"}"#;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [which, url, n, c] = args.as_slice() else {
        anyhow::bail!("usage: http_clients reqwest|hyper URL N C");
    };
    let (n, c): (usize, usize) = (n.parse()?, c.parse()?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let done = runtime.block_on(async {
        match which.as_str() {
            "reqwest" => with_reqwest(url, n, c).await,
            "hyper" => with_hyper(url, n, c).await,
            other => anyhow::bail!("unknown client `{other}`"),
        }
    })?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(done == n, "{done} of {n} answered 200");
    println!(
        "{which}: {n} requests in {secs:.2} s, {:.0}/s",
        n as f64 / secs
    );
    Ok(())
}

/// Runs `c` workers that take request numbers until `n` are taken; each
/// returns how many of its requests were answered 200.
async fn workers<F, Fut>(n: usize, c: usize, send: F) -> anyhow::Result<usize>
where
    F: Fn() -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let next = Arc::new(AtomicUsize::new(0));
    let local = tokio::task::LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..c {
        let (next, send) = (next.clone(), send.clone());
        handles.push(local.spawn_local(async move {
            let mut ok = 0;
            while next.fetch_add(1, Ordering::Relaxed) < n {
                ok += usize::from(send().await?);
            }
            anyhow::Ok(ok)
        }));
    }
    local
        .run_until(async {
            let mut total = 0;
            for h in handles {
                total += h.await??;
            }
            Ok(total)
        })
        .await
}

/// reqwest as `greenapi::Client::new` builds it.
async fn with_reqwest(url: &str, n: usize, c: usize) -> anyhow::Result<usize> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(30))
        .no_proxy()
        .user_agent("greenbatch-bench")
        .build()?;
    let url = reqwest::Url::parse(url)?;
    workers(n, c, move || {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let answer = client
                .post(url)
                .header("content-type", "application/json")
                .body(BODY)
                .send()
                .await?;
            let ok = answer.status() == 200;
            answer.bytes().await?;
            Ok(ok)
        }
    })
    .await
}

async fn with_hyper(url: &str, n: usize, c: usize) -> anyhow::Result<usize> {
    let client: Client<_, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let uri: hyper::Uri = url.parse()?;
    workers(n, c, move || {
        let (client, uri) = (client.clone(), uri.clone());
        async move {
            let request = hyper::Request::post(uri)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from_static(BODY.as_bytes())))?;
            let answer = client.request(request).await?;
            let ok = answer.status() == 200;
            answer.into_body().collect().await?;
            Ok(ok)
        }
    })
    .await
}

//! The accept loop and each connection's life. The loop is written by hand
//! (tokio listener + hyper's HTTP/1 connection) rather than left to a
//! framework, because faults need control of the TCP connection itself: a
//! handler can reset it (SO_LINGER 0, then close: an RST) or close it without
//! answering, while keep-alive works normally for every other request.
//!
//! Listening on loopback keeps other machines out, but not a web page open
//! in a browser on this machine: through DNS rebinding (a name of the page's
//! that starts resolving to 127.0.0.1) or a plain cross-site form post, it
//! could read the ledger, reset the state or change groups. So every request
//! must be addressed to a loopback host (`Host`), and one a browser marks as
//! coming from another site (`Origin`, `Sec-Fetch-Site`) is refused: 403,
//! before anything is read or recorded.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::reply::{Decision, Kill, Reply};
use super::shared::Shared;
use super::{admin, api};

/// How long in-flight requests may take to finish once shutdown begins.
const GRACE: Duration = Duration::from_secs(2);
/// The largest request body read; the API's bodies are tiny.
const MAX_BODY: usize = 1 << 20;

/// One connection's kill switch, handed to every request on it.
#[derive(Clone, Default)]
struct ConnCtl {
    killed: CancellationToken,
    reset: Arc<AtomicBool>,
}

impl ConnCtl {
    fn kill(&self, how: Kill) {
        self.reset.store(how == Kill::Reset, Ordering::SeqCst);
        self.killed.cancel();
    }
}

/// Accepts connections until shutdown, then waits (bounded) for them to end.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shared.shutdown.cancelled() => break,
        };
        match accepted {
            Ok((stream, _)) => {
                let shared = shared.clone();
                let alive = alive.clone();
                tokio::spawn(async move {
                    if let Err(e) = serve_connection(stream, shared).await {
                        tracing::debug!("sandbox connection: {e}");
                    }
                    drop(alive);
                });
            }
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!("sandbox accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    drop(listener);
    drop(alive);
    let _ = tokio::time::timeout(GRACE + Duration::from_secs(1), all_done.recv()).await;
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    // A second handle on the same socket, to set SO_LINGER after hyper has
    // taken the stream; the socket closes when both handles are gone.
    let std_stream = stream.into_std()?;
    let control = socket2::Socket::from(std_stream.try_clone()?);
    let stream = TcpStream::from_std(std_stream)?;
    let ctl = ConnCtl::default();
    let service = {
        let (shared, ctl) = (shared.clone(), ctl.clone());
        service_fn(move |req| {
            let (shared, ctl) = (shared.clone(), ctl.clone());
            async move { Ok::<_, Infallible>(respond(shared, ctl, req).await) }
        })
    };
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = ctl.killed.cancelled() => {}
        _ = shared.shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = ctl.killed.cancelled() => {}
                _ = tokio::time::sleep(GRACE) => {}
            }
        }
    }
    if ctl.reset.load(Ordering::SeqCst) {
        control.set_linger(Some(Duration::ZERO))?;
    }
    Ok(())
}

async fn respond(shared: Arc<Shared>, ctl: ConnCtl, req: Request<Incoming>) -> Response<Body> {
    if let Err(why) = addressed_here(req.headers()) {
        return Reply::text(403, format!("Forbidden: {why}")).into_response();
    }
    let verb = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let body = match axum::body::to_bytes(Body::new(req.into_body()), MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return Reply::text(400, "Bad Request: unreadable body").into_response(),
    };
    if path.starts_with(admin::PREFIX) {
        return admin::handle(&shared, &verb, &path, &body).into_response();
    }
    match api::handle(&shared, &verb, &path, query.as_deref(), &body).await {
        Decision::Answer(reply) => reply.into_response(),
        Decision::Kill(how) => {
            ctl.kill(how);
            std::future::pending().await
        }
        Decision::Hang => {
            shared.shutdown.cancelled().await;
            ctl.kill(Kill::Drop);
            std::future::pending().await
        }
    }
}

/// Whether a request is addressed to this machine's loopback and not sent
/// by a page of another site; the reason when not.
fn addressed_here(headers: &hyper::HeaderMap) -> Result<(), &'static str> {
    use hyper::header::{HOST, ORIGIN};
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or("the sandbox answers only requests with a Host header")?;
    if !is_loopback_authority(host) {
        return Err(
            "the sandbox answers only requests addressed to a loopback host (127.0.0.1, [::1], localhost)",
        );
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let local = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .is_some_and(|(_, authority)| is_loopback_authority(authority));
        if !local {
            return Err("the sandbox refuses requests from web pages of other sites");
        }
    }
    if headers
        .get("sec-fetch-site")
        .is_some_and(|s| s.as_bytes().eq_ignore_ascii_case(b"cross-site"))
    {
        return Err("the sandbox refuses requests from web pages of other sites");
    }
    Ok(())
}

/// `host[:port]` naming this machine: a loopback address, `localhost`, or a
/// name under `.localhost` (which resolvers keep on loopback, RFC 6761).
fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((ip, rest)) if rest.is_empty() || rest.starts_with(':') => {
                return ip
                    .parse::<std::net::Ipv6Addr>()
                    .is_ok_and(|ip| ip.is_loopback());
            }
            _ => return false,
        },
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let host = host.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Binds `addr`, refusing anything but loopback: the sandbox's tokens are
/// public, so it must never be reachable from another machine.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the sandbox listens on loopback only, not {}; try 127.0.0.1:0",
                addr.ip()
            ),
        ));
    }
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> hyper::HeaderMap {
        let mut map = hyper::HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn only_loopback_hosts_and_no_other_site_s_pages() {
        for host in [
            "127.0.0.1:7700",
            "127.8.9.1",
            "[::1]:80",
            "[::1]",
            "localhost:9",
            "LOCALHOST",
            "app.localhost:1",
        ] {
            assert_eq!(
                addressed_here(&headers(&[("host", host)])),
                Ok(()),
                "{host}"
            );
        }
        for host in [
            "evil.example",
            "evil.example:7700",
            "127.0.0.1.evil.example",
            "10.0.0.1",
            "[::2]:1",
            "[::1]x",
            "localhost.evil.example",
        ] {
            assert!(
                addressed_here(&headers(&[("host", host)])).is_err(),
                "{host}"
            );
        }
        assert!(addressed_here(&headers(&[])).is_err(), "no Host");
        let ok = [("host", "127.0.0.1:1"), ("origin", "http://localhost:3000")];
        assert_eq!(addressed_here(&headers(&ok)), Ok(()));
        for origin in [
            "https://evil.example",
            "null",
            "http://127.0.0.1.evil.example",
        ] {
            let h = headers(&[("host", "127.0.0.1:1"), ("origin", origin)]);
            assert!(addressed_here(&h).is_err(), "{origin}");
        }
        let h = headers(&[("host", "127.0.0.1:1"), ("sec-fetch-site", "cross-site")]);
        assert!(addressed_here(&h).is_err());
    }
}

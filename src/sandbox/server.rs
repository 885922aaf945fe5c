//! The accept loop and each connection's life. The loop is written by hand
//! (tokio listener + hyper's HTTP/1 connection) rather than left to a
//! framework, because faults need control of the TCP connection itself: a
//! handler can reset it (SO_LINGER 0, then close: an RST) or close it without
//! answering, while keep-alive works normally for every other request.

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

use super::reply::{Kill, Outcome, Reply};
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
    let verb = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let body = match axum::body::to_bytes(Body::new(req.into_body()), MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return Reply::text(400, "Bad Request: unreadable body").into_response(),
    };
    if path.starts_with(admin::PREFIX) {
        return admin::handle(&shared, &verb, &path, &body).into_response();
    }
    match api::handle(&shared, &verb, &path, &body).await {
        Outcome::Answer(reply) => reply.into_response(),
        Outcome::Kill(how) => {
            ctl.kill(how);
            std::future::pending().await
        }
        Outcome::Hang => {
            shared.shutdown.cancelled().await;
            ctl.kill(Kill::Drop);
            std::future::pending().await
        }
    }
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

//! Connection-level behaviour over raw TCP: keep-alive serves several
//! requests on one connection, a reset is an RST, and a drop is a clean close
//! without an answer.

use std::time::Duration;

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, Sandbox, SandboxConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::sandbox_support::*;
use crate::support::WA_MAIN;

fn request(api: &Api, method: &str) -> String {
    let path = api.path(WA_MAIN, method, false);
    if method == "getStateInstance" {
        return format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    }
    let body = format!(r#"{{"groupId":"{MARKET}","participantChatId":"79001234561@c.us"}}"#);
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Reads until `needle` appears in what arrived, or the connection ends.
async fn read_until(conn: &mut TcpStream, needle: &str) -> std::io::Result<String> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf))
            .await
            .expect("an answer or a close in time")?;
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&seen).into_owned())
}

async fn api_with(rules: Vec<FaultRule>) -> Api {
    Api::start(
        SandboxConfig::default_state()
            .without_rate_limits()
            .with_faults(rules),
    )
    .await
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let api = api_with(vec![]).await;
    let mut conn = TcpStream::connect(api.sb.addr()).await.unwrap();
    for _ in 0..3 {
        conn.write_all(request(&api, "getStateInstance").as_bytes())
            .await
            .unwrap();
        let answer = read_until(&mut conn, "authorized\"}").await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    assert_eq!(api.sb.ledger().len(), 3);
}

#[tokio::test]
async fn reset_is_an_rst_and_drop_a_silent_close() {
    let rm = || FaultRule::always(Fault::Reset).for_method(Method::RemoveGroupParticipant);
    let api = api_with(vec![rm()]).await;
    let mut conn = TcpStream::connect(api.sb.addr()).await.unwrap();
    conn.write_all(request(&api, "getStateInstance").as_bytes())
        .await
        .unwrap();
    read_until(&mut conn, "authorized\"}").await.unwrap();
    conn.write_all(request(&api, "removeGroupParticipant").as_bytes())
        .await
        .unwrap();
    let err = read_until(&mut conn, "HTTP/1.1").await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");

    api.sb
        .set_faults(vec![FaultRule {
            fault: Fault::DropAfterApply,
            ..rm()
        }])
        .unwrap();
    let mut conn = TcpStream::connect(api.sb.addr()).await.unwrap();
    conn.write_all(request(&api, "removeGroupParticipant").as_bytes())
        .await
        .unwrap();
    assert_eq!(
        read_until(&mut conn, "HTTP/1.1").await.unwrap(),
        "",
        "closed, unanswered"
    );
    assert!(!api.is_member(MARKET, "79001234561@c.us"));
}

#[test]
fn starts_from_synchronous_code_on_a_given_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let config = SandboxConfig::default_state();
    let sb = Sandbox::start_on(runtime.handle(), config, "127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(sb.api_url().starts_with("http://127.0.0.1:"));
    let path = format!(
        "/waInstance{WA_MAIN}/getStateInstance/{}",
        sb.instance(WA_MAIN).unwrap().token.expose()
    );
    let url = format!("{}{path}", sb.api_url());
    let status = runtime.block_on(async {
        client(Duration::from_secs(10))
            .get(url)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status.as_u16(), 200);
    assert_eq!(sb.ledger().len(), 1);
    let refused = Sandbox::start_on(
        runtime.handle(),
        SandboxConfig::default_state(),
        "0.0.0.0:0".parse().unwrap(),
    );
    assert_eq!(
        refused.err().map(|e| e.kind()),
        Some(std::io::ErrorKind::InvalidInput),
        "loopback only"
    );
    runtime.block_on(sb.shutdown());
}

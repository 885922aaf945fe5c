//! A gateway that echoes the request line into its answers ("Cannot POST
//! /waInstance…/{token}") never gets the token onto the screen or into the
//! results file: the client scrubs every answer body once, before anything
//! clips it, in the raw, percent-encoded and JSON-escaped forms, so
//! `plan --live` (text and JSON), `run --dry-run --live` and `run` are safe
//! by construction. A token placed across the classifier's 300-byte clip
//! must not leave a piece either.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::support::*;

/// Letters and digits, no period: no 12 characters of it occur by chance.
const SENTINEL: &str = "q7Xw9Zk2Lm4Np6Rs8Tv0Yb3Hd5Jf1Gc7Qe9Wu2Io4Pa6Sz8Kx";
const ECHO_GROUP: &str = "120363043968066561@g.us";
const OK_GROUP: &str = "120363043968066562@g.us";

/// Whether any 12 consecutive characters of the sentinel are in `text`,
/// raw or in the encoded forms the server writes.
fn leaks(text: &str) -> bool {
    (0..=SENTINEL.len() - 12).any(|i| {
        let piece = &SENTINEL[i..i + 12];
        text.contains(piece)
            || text.contains(&percent_encoded(piece))
            || text.contains(&json_escaped(piece))
    })
}

fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02x}")).collect()
}

fn json_escaped(text: &str) -> String {
    text.bytes().map(|b| format!("\\u{:04x}", b)).collect()
}

/// `padding` characters, then the echoed request line: places the token
/// across the classifier's 300-byte clip.
fn straddling(verb: &Method, path: &str) -> String {
    let before_token = path.len() - SENTINEL.len();
    let pad = 300 - 20 - before_token - "Cannot  ".len() - verb.as_str().len();
    format!("{} Cannot {verb} {path}", "x".repeat(pad))
}

fn answer(verb: &Method, uri: &Uri, body: &[u8]) -> Response {
    let path = uri.path();
    if path.contains("/getStateInstance/") {
        return r#"{"stateInstance":"authorized"}"#.into_response();
    }
    if path.contains("/getSettings/") {
        return r#"{"wid":"79990000009@c.us"}"#.into_response();
    }
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    if path.contains("/getGroupData/") {
        if json["groupId"] == ECHO_GROUP {
            return (StatusCode::BAD_REQUEST, straddling(verb, path)).into_response();
        }
        let members: Vec<_> = (1..=4)
            .map(|n| serde_json::json!({"id": format!("7900123456{n}@c.us"), "isAdmin": false}))
            .collect();
        let group = serde_json::json!({"groupId": OK_GROUP, "owner": "79990000001@c.us", "participants": members});
        return group.to_string().into_response();
    }
    let line = format!("Cannot {verb} {path}");
    // The request line with only its last segment (the token) encoded.
    let (head, token) = line.rsplit_once('/').unwrap();
    match json["participantChatId"].as_str().unwrap_or_default() {
        "79001234561@c.us" => (StatusCode::BAD_REQUEST, line).into_response(),
        "79001234562@c.us" => {
            let error = straddling(verb, path);
            serde_json::json!({"removeParticipant": false, "error": error})
                .to_string()
                .into_response()
        }
        "79001234563@c.us" => (
            StatusCode::BAD_GATEWAY,
            format!("{head}/{}", percent_encoded(token)),
        )
            .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            format!(r#"{{"message":"{head}/{}"}}"#, json_escaped(token)),
        )
            .into_response(),
    }
}

async fn echo_server() -> (String, Arc<AtomicUsize>) {
    fake_server(|verb, uri, body| answer(&verb, &uri, &body)).await
}

fn assert_clean(what: &str, out: &std::process::Output) {
    for (name, text) in [("stdout", stdout(out)), ("stderr", stderr(out))] {
        assert!(
            !leaks(&text),
            "{what}: the token leaked into {name}:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_request_lines_never_show_the_token() {
    let (url, hits) = echo_server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("action,chat_id,participant_id\n");
    text.push_str(&format!("remove,{ECHO_GROUP},79001234569@c.us\n"));
    for n in 1..=4 {
        text.push_str(&format!("remove,{OK_GROUP},7900123456{n}@c.us\n"));
    }
    let manifest = write(dir.path(), "m.csv", &text);
    let m = manifest.to_str().unwrap();
    let env = env_for(&url, SENTINEL);

    let plan = greenbatch(&["plan", m, "--live"], &env).await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert_clean("plan --live", &plan);
    assert!(
        stdout(&plan).contains("/getGroupData/***"),
        "the echo is shown, scrubbed: {}",
        stdout(&plan)
    );
    let json = greenbatch(&["plan", m, "--live", "--format", "json"], &env).await;
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    assert_clean("plan --live --format json", &json);
    assert!(
        stdout(&json).contains("/getGroupData/***"),
        "{}",
        stdout(&json)
    );
    let dry = greenbatch(&["run", m, "--dry-run", "--live"], &env).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert_clean("run --dry-run --live", &dry);
    assert!(
        stdout(&dry).contains("/getGroupData/***"),
        "{}",
        stdout(&dry)
    );

    let run = greenbatch(
        &[
            "run",
            m,
            "--rate",
            "unlimited",
            "--max-attempts",
            "2",
            "-vvv",
            "--progress",
            "always",
        ],
        &env,
    )
    .await;
    assert_clean("run", &run);
    assert!(matches!(run.status.code(), Some(1 | 3)), "{}", stderr(&run));
    let results = std::fs::read_to_string(dir.path().join("m.results.csv")).unwrap();
    assert!(
        !leaks(&results),
        "the token leaked into the results:\n{results}"
    );
    let rows = rows(&dir.path().join("m.results.csv"));
    for n in 1..=4 {
        let p = format!("7900123456{n}@c.us");
        let row = rows.iter().rev().find(|r| r.participant_id == p).unwrap();
        let scrubbed = "removeGroupParticipant/***";
        assert!(
            row.error.contains(scrubbed),
            "{p}: the echo was recorded, scrubbed: {row:?}"
        );
    }
    assert!(hits.load(Ordering::SeqCst) > 10, "the server was used");
}

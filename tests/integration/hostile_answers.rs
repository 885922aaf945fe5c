//! Hostile server answers: a local axum server answers each operation with
//! something a real server should never send (a body over the size cap,
//! wrong JSON types, a missing flag, invalid UTF-8, terminal escapes, a
//! spreadsheet formula, a flood of newlines). Every operation still ends in
//! one sane row: rejected or failed as the answer deserves, never `done`,
//! and no control character or leading formula reaches the results file or
//! the terminal, at any log level.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use greenbatch::runner::Outcome;

use crate::support::*;

const GROUP: &str = "120363043968066561@g.us";
const ESC: &str = "\u{1b}";

/// The answers, by the participant's last two digits, and the outcome each
/// deserves.
fn answers() -> Vec<(u8, u16, Vec<u8>, Outcome)> {
    let huge = format!(
        "{{\"removeParticipant\":false,\"error\":\"{}\"}}",
        "A".repeat(200_000)
    );
    vec![
        (11, 200, huge.into_bytes(), Outcome::Failed),
        (12, 200, br#"{"removeParticipant":"yes"}"#.to_vec(), Outcome::Failed),
        (13, 200, br#"{"removeParticipant":1}"#.to_vec(), Outcome::Failed),
        (14, 200, b"{}".to_vec(), Outcome::Failed),
        (15, 200, b"[true]".to_vec(), Outcome::Failed),
        (16, 200, b"\xff\xfe\x00garbage\x1b[2J".to_vec(), Outcome::Failed),
        (
            17,
            200,
            br#"{"removeParticipant":false,"error":"\u001b[31mred\u001b[0m \u001b]0;owned\u0007 \u001b[2J\r\nline"}"#
                .to_vec(),
            Outcome::Rejected,
        ),
        (
            18,
            200,
            br#"{"removeParticipant":true,"error":"=HYPERLINK(\"http://x.invalid\",\"click\")"}"#
                .to_vec(),
            Outcome::Rejected,
        ),
        (19, 400, b"=cmd|' /C calc'!A0\n\x1b[1mBad Request\x1b[0m".to_vec(), Outcome::Rejected),
        (20, 500, b"\x1b[5mInternal\x07\x08\x7f\r\n\r\n+SUM(1)".to_vec(), Outcome::Failed),
        (21, 200, br#"{"removeParticipant":null,"error":null}"#.to_vec(), Outcome::Failed),
        (22, 200, "\n".repeat(10_000).into_bytes(), Outcome::Failed),
        (23, 200, br#"{"removeParticipant":false,"error":"@SUM(1)\u2028\u202eevil"}"#.to_vec(), Outcome::Rejected),
    ]
}

async fn server() -> (String, Arc<AtomicUsize>) {
    let table: HashMap<String, (u16, Vec<u8>)> = answers()
        .into_iter()
        .map(|(n, status, body, _)| (format!("790012345{n}@c.us"), (status, body)))
        .collect();
    let table = Arc::new(table);
    fake_server(move |_, uri, body| answer(&table, &uri, &body)).await
}

fn answer(table: &HashMap<String, (u16, Vec<u8>)>, uri: &Uri, body: &[u8]) -> Response {
    let path = uri.path();
    if path.contains("/getStateInstance/") {
        return r#"{"stateInstance":"authorized"}"#.into_response();
    }
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    if path.contains("/getGroupData/") {
        // Everyone is a plain member: every refusal is a real one.
        let participants: Vec<_> = table
            .keys()
            .map(|id| serde_json::json!({"id": id, "isAdmin": false, "isSuperAdmin": false}))
            .collect();
        let group = serde_json::json!({"groupId": GROUP, "owner": "79990000001@c.us", "participants": participants});
        return group.to_string().into_response();
    }
    let who = json["participantChatId"].as_str().unwrap_or_default();
    let (status, body) = table
        .get(who)
        .cloned()
        .unwrap_or((404, b"Not Found".to_vec()));
    (StatusCode::from_u16(status).unwrap(), body).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_are_classified_and_sanitised() {
    let (url, hits) = server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("action,chat_id,participant_id\n");
    for (n, ..) in answers() {
        text.push_str(&format!("remove,{GROUP},790012345{n}@c.us\n"));
    }
    let manifest = write(dir.path(), "m.csv", &text);
    let env = env_for(&url, &"ab".repeat(25));
    let args = [
        "run",
        manifest.to_str().unwrap(),
        "--rate",
        "unlimited",
        "--max-attempts",
        "2",
        // Every answer is odd: an outage to the breaker. Here each answer is
        // to be classified on its own, so none is waited out.
        "--outage-patience",
        "0s",
    ];
    for verbosity in ["-q", "-v", "-vvv"] {
        let _ = std::fs::remove_file(dir.path().join("m.results.csv"));
        let mut args = args.to_vec();
        args.push(verbosity);
        let out = greenbatch(&args, &env).await;
        assert_eq!(out.status.code(), Some(3), "some failed: {}", stderr(&out));
        for (name, bytes) in [("stderr", &out.stderr), ("stdout", &out.stdout)] {
            let text = String::from_utf8_lossy(bytes);
            let bad = text.chars().find(|c| c.is_control() && *c != '\n');
            assert_eq!(bad, None, "{verbosity} {name}: {text}");
            assert!(
                !text.contains('\u{202e}'),
                "{verbosity} {name}: bidi override"
            );
            assert!(
                text.len() < 200_000,
                "{verbosity} {name}: {} bytes",
                text.len()
            );
        }
        let results = std::fs::read_to_string(dir.path().join("m.results.csv")).unwrap();
        assert!(
            !results.contains(ESC) && !results.contains('\r'),
            "{results}"
        );
        assert!(
            !results.contains('\u{202e}'),
            "bidi override stored: {results}"
        );
        let rows = rows(&dir.path().join("m.results.csv"));
        assert_eq!(rows.len(), answers().len(), "one row each");
        for (n, _, _, expected) in answers() {
            let p = format!("790012345{n}@c.us");
            let row = rows.iter().find(|r| r.participant_id == p).unwrap();
            assert_eq!(row.outcome, expected, "{p}: {row:?}");
            assert!(!row.error.is_empty(), "{p}: says why");
            assert!(row.error.len() < 1000, "{p}: {} bytes", row.error.len());
        }
        // The cells as stored, before `'` is taken off again.
        let mut raw = csv::Reader::from_reader(results.as_bytes());
        let error_col = raw
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "error")
            .unwrap();
        for record in raw.records() {
            let cell = record.unwrap()[error_col].trim_start().to_owned();
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a formula leads: {cell}"
            );
        }
    }
    assert!(hits.load(Ordering::SeqCst) >= answers().len() * 3);
}

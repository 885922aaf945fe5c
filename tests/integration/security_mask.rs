//! Issue 20, items 1 and 2: a hostile server echoes the token in every way
//! it was seen to leak (split by an escape sequence, a bidi control, any
//! control or white space; cut at any length from 12; upper-cased;
//! percent-encoded once and twice; base64 at each alignment; hex; HTML
//! entities; UTF-16LE; an invalid byte between halves; halves in a JSON
//! array; a cut echo in `{"code":…,"description"}` and in a redirect's
//! body), in group reads and in moderation answers, and no window of 12 of
//! the token's characters, in any of those forms, reaches stdout, stderr
//! (text and JSON logs at -vvv), the results file or any `report` format.
//! The check is made on the final text.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use crate::support::*;

/// Letters and digits only: no 12 of its characters occur by chance.
const TOKEN: &str = "k3Fq8Zr1Wm5Tx9Lb2Vn6Hc0Pd4Sj7Gy3Ua8Ek1Ro5Xi9Mw2Nt6";
const WINDOW: usize = 12;

/// The echoes, each a body the server puts the token in.
fn echoes(token: &str) -> Vec<(String, String)> {
    let (a, b) = token.split_at(25);
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, sep) in [
        ("esc", "\x1b[0m"),
        ("rlo", "\u{202e}"),
        ("newline", "\n"),
        ("tab", "\t"),
        ("cr", "\r"),
        ("nul", "\u{0}"),
        ("del", "\u{7f}"),
        ("space", " "),
        ("bell", "\u{7}"),
        ("nbsp", "\u{a0}"),
    ] {
        out.push((
            format!("split by {name}"),
            format!("Cannot POST /x/{a}{sep}{b}"),
        ));
    }
    for len in [12, 20, 30, 40] {
        out.push((
            format!("cut at {len}"),
            format!("Cannot POST /x/{}", &token[..len]),
        ));
    }
    out.push(("upper".into(), token.to_uppercase()));
    out.push(("lower".into(), token.to_lowercase()));
    let pct: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
    out.push(("percent".into(), pct.clone()));
    out.push(("percent twice".into(), pct.replace('%', "%25")));
    for prefix in ["", "x", "xy"] {
        out.push((
            format!("base64 after {} bytes", prefix.len()),
            base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{token}")),
        ));
    }
    out.push((
        "hex".into(),
        token.bytes().map(|b| format!("{b:02x}")).collect(),
    ));
    out.push((
        "html entities".into(),
        token.bytes().map(|b| format!("&#x{b:x};")).collect(),
    ));
    out.push((
        "json array of halves".into(),
        serde_json::json!({ "error": [a, b] }).to_string(),
    ));
    out.push((
        "json error, 30 characters".into(),
        serde_json::json!({ "removeParticipant": false, "error": format!("no /x/{}", &token[5..35]) })
            .to_string(),
    ));
    out
}

/// Bodies that are not text: UTF-16LE, and an invalid byte between halves.
fn binary_echoes(token: &str) -> Vec<(String, Vec<u8>)> {
    let (a, b) = token.split_at(25);
    let utf16: Vec<u8> = format!("Cannot POST /x/{token}")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut invalid = format!("Cannot POST /x/{a}").into_bytes();
    invalid.extend_from_slice(&[0xff, 0xc0]);
    invalid.extend_from_slice(b.as_bytes());
    vec![
        ("utf-16le".into(), utf16),
        ("invalid utf-8 between halves".into(), invalid),
    ]
}

/// Every body, text or not, indexed as the server picks them.
fn bodies() -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = echoes(TOKEN)
        .into_iter()
        .map(|(n, b)| (n, b.into_bytes()))
        .collect();
    all.extend(binary_echoes(TOKEN));
    all
}

/// Strips terminal escape sequences; what is left is what a person sees.
fn without_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}

fn alnum_lower(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect()
}

/// `text` with %XX, \uXXXX and &#x..; decoded (percent twice).
fn decoded(text: &str) -> String {
    let mut t = text.replace("&amp;", "&");
    for _ in 0..2 {
        let mut out = String::new();
        let bytes = t.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let hex = |s: &[u8]| {
                std::str::from_utf8(s)
                    .ok()
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
            };
            if bytes[i] == b'%'
                && i + 3 <= bytes.len()
                && let Some(v) = hex(&bytes[i + 1..i + 3])
            {
                out.push(char::from_u32(v).unwrap_or('?'));
                i += 3;
            } else if bytes[i..].starts_with(b"\\u")
                && i + 6 <= bytes.len()
                && let Some(v) = hex(&bytes[i + 2..i + 6])
            {
                out.push(char::from_u32(v).unwrap_or('?'));
                i += 6;
            } else if bytes[i..].starts_with(b"&#x")
                && let Some(end) = bytes[i..].iter().position(|c| *c == b';')
                && let Some(v) = hex(&bytes[i + 3..i + end])
            {
                out.push(char::from_u32(v).unwrap_or('?'));
                i += end + 1;
            } else {
                let c = t[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
        t = out;
    }
    t
}

/// Whether `text` shows 12 characters of the token in any form: raw (any
/// case, anything between them), hex, base64 at any alignment, decoded.
fn leaks(text: &str) -> bool {
    let seen = without_escapes(text);
    let views = [
        alnum_lower(seen.as_bytes()),
        alnum_lower(decoded(&seen).as_bytes()),
    ];
    let mut forms = vec![
        alnum_lower(TOKEN.as_bytes()),
        alnum_lower(
            TOKEN
                .bytes()
                .flat_map(|b| format!("{b:02x}").into_bytes())
                .collect::<Vec<_>>()
                .as_slice(),
        ),
    ];
    for skip in 0..3 {
        let b = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&TOKEN.as_bytes()[skip..]);
        forms.push(alnum_lower(&b.as_bytes()[..b.len() - 3]));
    }
    views.iter().any(|view| {
        forms.iter().any(|form| {
            form.windows(WINDOW)
                .any(|w| view.windows(WINDOW).any(|v| v == w))
        })
    })
}

const GROUP: &str = "120363000000000001@g.us";

/// Echo `k` for a participant `7900000{k:04}@c.us`, or a group `…{k:02}@g.us`
/// beyond the first; a 502 for even `k` (retried, and logged at -v), 400
/// for odd.
fn answer(uri: &Uri, body: &[u8], bodies: &[(String, Vec<u8>)]) -> Response {
    let path = uri.path();
    if path.contains("/getStateInstance/") {
        return r#"{"stateInstance":"authorized"}"#.into_response();
    }
    if path.contains("/getSettings/") {
        return r#"{"wid":"79990000009@c.us"}"#.into_response();
    }
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let pick = |k: usize| {
        let status = if k.is_multiple_of(2) {
            StatusCode::BAD_GATEWAY
        } else {
            StatusCode::BAD_REQUEST
        };
        (status, bodies[k % bodies.len()].1.clone()).into_response()
    };
    if path.contains("/getGroupData/") {
        let group = json["groupId"].as_str().unwrap_or_default();
        if group == GROUP {
            let members: Vec<_> = (0..bodies.len())
                .map(|k| serde_json::json!({"id": format!("7900000{k:04}@c.us"), "isAdmin": false}))
                .collect();
            return serde_json::json!({"groupId": GROUP, "owner": "79990000001@c.us", "participants": members})
                .to_string()
                .into_response();
        }
        // Refused outright (a 502 would be retried, one group after
        // another, for as long as a plan's retry policy allows).
        let k: usize = group[16..18].parse().unwrap_or(0);
        return (StatusCode::BAD_REQUEST, bodies[k % bodies.len()].1.clone()).into_response();
    }
    if path.contains("/getContacts/") {
        return pick(1);
    }
    let who = json["participantChatId"].as_str().unwrap_or_default();
    let k: usize = who.get(7..11).and_then(|d| d.parse().ok()).unwrap_or(0);
    pick(k)
}

async fn server() -> (String, Arc<AtomicUsize>) {
    let all = Arc::new(bodies());
    fake_server(move |_, uri, body| answer(&uri, &body, &all)).await
}

/// The token as wa-main's at `url`: a server of the test's own, without
/// limits.
fn unlimited_env(url: &str) -> Vec<(String, String)> {
    let mut env = env_for(url, TOKEN);
    env.push(("GREEN_API_LIMITS".into(), "unlimited".into()));
    env
}

fn assert_clean(what: &str, out: &std::process::Output) {
    for (name, text) in [("stdout", stdout(out)), ("stderr", stderr(out))] {
        assert!(
            !leaks(&text),
            "{what}: the token leaked into {name}:\n{text}"
        );
    }
}

#[test]
fn the_check_sees_every_echo() {
    // The leak check must see each body as the server sends it, or the
    // test below could not fail.
    for (name, body) in bodies() {
        let text = String::from_utf8_lossy(&body);
        assert!(leaks(&text), "{name}: {text:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_echo_of_the_token_reaches_any_output() {
    let (url, hits) = server().await;
    let n = bodies().len();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("action,chat_id,participant_id\n");
    for k in 0..n {
        text.push_str(&format!("remove,{GROUP},7900000{k:04}@c.us\n"));
    }
    // Groups whose reads echo, for the live plans.
    for k in 0..n {
        text.push_str(&format!(
            "remove,1203630000000000{k:02}@g.us,79001234567@c.us\n"
        ));
    }
    let manifest = write(dir.path(), "m.csv", &text);
    let m = manifest.to_str().unwrap();
    let env = unlimited_env(&url);

    for args in [
        vec!["plan", m, "--live", "--outage-patience", "0s"],
        vec![
            "plan",
            m,
            "--live",
            "--format",
            "json",
            "--outage-patience",
            "0s",
        ],
        vec!["run", m, "--dry-run", "--live", "--outage-patience", "0s"],
    ] {
        let out = greenbatch(&args, &env).await;
        assert_clean(&args.join(" "), &out);
        assert!(
            stdout(&out).contains("***"),
            "the echoes are shown, masked: {}",
            stdout(&out)
        );
    }
    for format in ["text", "json"] {
        let results = dir.path().join(format!("{format}.results.csv"));
        let out = greenbatch(
            &[
                "run",
                m,
                "--results",
                results.to_str().unwrap(),
                "--max-attempts",
                "2",
                "--outage-patience",
                "0s",
                "--no-live",
                "-vvv",
                "--log-format",
                format,
                "--progress",
                "always",
            ],
            &env,
        )
        .await;
        assert_clean(&format!("run -vvv --log-format {format}"), &out);
        assert!(stderr(&out).contains("retrying"), "{}", stderr(&out));
        let written = std::fs::read_to_string(&results).unwrap();
        assert!(
            !leaks(&written),
            "the token leaked into the results:\n{written}"
        );
        assert_eq!(rows(&results).len(), 2 * n, "a row for each operation");
        for report in ["text", "json", "markdown", "html"] {
            let out = greenbatch(
                &["report", results.to_str().unwrap(), "--format", report],
                &env,
            )
            .await;
            assert_clean(&format!("report --format {report}"), &out);
            // Without the token in the environment too: the file alone.
            let bare = greenbatch(
                &["report", results.to_str().unwrap(), "--format", report],
                &[],
            )
            .await;
            assert_clean(&format!("report --format {report}, no token known"), &bare);
        }
    }
    for args in [vec!["groups"], vec!["export", "--all"]] {
        let out = greenbatch(&args, &env).await;
        assert_clean(&args.join(" "), &out);
    }
    assert!(hits.load(Ordering::SeqCst) > 4 * n, "the server was used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_and_an_embedded_401_that_echo_are_masked_too() {
    // Both refuse the instance: each gets a run of its own.
    for (name, status, body) in [
        (
            "redirect",
            302u16,
            format!("Found: /waInstance1/x/{}", &TOKEN[..40]),
        ),
        (
            "embedded 401",
            200,
            serde_json::json!({"code": 401, "description": format!("no /x/{}", &TOKEN[3..33])})
                .to_string(),
        ),
    ] {
        let (url, _) = fake_server(move |_, uri, _| {
            if uri.path().contains("/getStateInstance/") {
                return r#"{"stateInstance":"authorized"}"#.into_response();
            }
            let mut r = (StatusCode::from_u16(status).unwrap(), body.clone()).into_response();
            r.headers_mut()
                .insert("location", "http://127.0.0.1:9/elsewhere".parse().unwrap());
            r
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let manifest = write(
            dir.path(),
            "m.csv",
            &format!("action,chat_id,participant_id\nremove,{GROUP},79000000001@c.us\n"),
        );
        let out = greenbatch(
            &[
                "run",
                manifest.to_str().unwrap(),
                "--no-live",
                "-vvv",
                "--progress",
                "never",
            ],
            &unlimited_env(&url),
        )
        .await;
        assert_clean(name, &out);
        assert_eq!(out.status.code(), Some(4), "{name}: {}", stderr(&out));
        let results = dir.path().join("m.results.csv");
        let written = std::fs::read_to_string(&results).unwrap();
        assert!(!leaks(&written), "{name}: {written}");
        let report = greenbatch(&["report", results.to_str().unwrap()], &[]).await;
        assert_clean(name, &report);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_file_given_by_mistake_is_never_printed() {
    // Issue 20, item 4: a file whose first line is the token, given where a
    // results file, a manifest or a sandbox state belongs; and the
    // environment itself. With the token known (in the environment) and not.
    let dir = tempfile::tempdir().unwrap();
    let tok = write(dir.path(), "tok", &format!("{TOKEN}\n"));
    let t = tok.to_str().unwrap();
    let known = vec![("GREEN_API_TOKEN_INSTANCE".to_owned(), TOKEN.to_owned())];
    for env in [&known, &Vec::new()] {
        for args in [
            vec!["report", t],
            vec!["validate", t, "--input-format", "csv"],
            vec!["sandbox", "--state", t],
            vec!["report", "/proc/self/environ"],
        ] {
            let out = greenbatch(&args, env).await;
            let what = format!("{} (token known: {})", args.join(" "), !env.is_empty());
            assert_ne!(out.status.code(), Some(0), "{what}");
            assert_clean(&what, &out);
            assert!(!stderr(&out).is_empty(), "{what}: says why");
        }
    }
}

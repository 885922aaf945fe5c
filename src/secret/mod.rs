//! The apiTokenInstance, kept where it cannot leak by accident.
//!
//! The token sits in the URL path of every request, so any URL the tool builds
//! is a secret too. This type has no `Display`, a redacting `Debug`, and no
//! `Serialize`: the only way out is [`Token::expose`], which the HTTP client
//! calls when it builds a request, and [`Token::scrub`], which removes the
//! token from any text before that text is shown, logged or stored.
//!
//! A server may echo the request line into its answer ("Cannot POST
//! /waInstance…/{token}"), raw or percent-encoded (`%64%37…`) or with JSON
//! `\u00XX` escapes: [`Token::scrub_bytes`] finds the token in any mix of
//! those forms, so the client can scrub every answer once, before anything
//! parses, clips or shows it.
//!
//! A panic message is text the tool did not plan to show: every token made
//! is remembered, and [`install_panic_hook`] replaces the standard hook with
//! one that scrubs them all from the message before printing it; `main`
//! scrubs the error it prints the same way (a worker's panic reaches it as a
//! tokio `JoinError`, outside the hook).

mod mask;

use std::borrow::Cow;
use std::fmt;
use std::sync::Mutex;

pub use mask::{WINDOW, mask};

/// Every non-empty token made in this process, for the panic hook.
static KNOWN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// An apiTokenInstance.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token read from the environment or a token file. Surrounding
    /// white space (a trailing newline in a file) is not part of it.
    pub fn new(raw: impl Into<String>) -> Token {
        let raw = raw.into();
        let trimmed = raw.trim();
        let token = Token(if trimmed.len() == raw.len() {
            raw
        } else {
            trimmed.to_owned()
        });
        if !token.0.is_empty()
            && let Ok(mut known) = KNOWN.lock()
            && !known.contains(&token.0)
        {
            known.push(token.0.clone());
            mask::learn(&token.0);
        }
        token
    }

    /// The token itself, for building a request URL and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the token, in any of the forms
    /// [`Token::scrub_bytes`] finds, replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        match self.scrub_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => text.to_owned(),
            Cow::Owned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// `bytes` with every occurrence of the token replaced by `***`, whether
    /// written raw, percent-encoded (`%35%65`, either case), with JSON
    /// `\u0035` escapes, or any mix of these. Borrowed when there is none.
    pub fn scrub_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        scrub_in(bytes, self.0.as_bytes())
    }
}

/// One byte of the decoded view of a text, and where it came from.
struct Unit {
    byte: u8,
    start: usize,
    end: usize,
}

/// The byte at `at` of `bytes`, decoding `%XX` and `\u00XX`.
fn unit_at(bytes: &[u8], at: usize) -> Unit {
    let hex = |i: usize| -> Option<u8> {
        let h = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        Some(h(*bytes.get(i)?)? << 4 | h(*bytes.get(i + 1)?)?)
    };
    if bytes[at] == b'%'
        && let Some(byte) = hex(at + 1)
    {
        return Unit {
            byte,
            start: at,
            end: at + 3,
        };
    }
    if bytes[at..].starts_with(b"\\u00")
        && let Some(byte) = hex(at + 4)
    {
        return Unit {
            byte,
            start: at,
            end: at + 6,
        };
    }
    Unit {
        byte: bytes[at],
        start: at,
        end: at + 1,
    }
}

fn scrub_in<'a>(bytes: &'a [u8], token: &[u8]) -> Cow<'a, [u8]> {
    if token.is_empty() || bytes.is_empty() {
        return Cow::Borrowed(bytes);
    }
    let encoded = bytes.iter().any(|b| *b == b'%' || *b == b'\\');
    if !encoded {
        // The common case: only the raw form can be there.
        if !bytes.windows(token.len()).any(|w| w == token) {
            return Cow::Borrowed(bytes);
        }
    }
    let units: Vec<Unit> = {
        let mut units = Vec::with_capacity(bytes.len());
        let mut at = 0;
        while at < bytes.len() {
            let unit = unit_at(bytes, at);
            at = unit.end;
            units.push(unit);
        }
        units
    };
    let mut out: Vec<u8> = Vec::new();
    let (mut copied, mut i, mut found) = (0, 0, false);
    while i + token.len() <= units.len() {
        if units[i..i + token.len()]
            .iter()
            .zip(token)
            .all(|(u, t)| u.byte == *t)
        {
            let (start, end) = (units[i].start, units[i + token.len() - 1].end);
            out.extend_from_slice(&bytes[copied..start]);
            out.extend_from_slice(b"***");
            copied = end;
            i += token.len();
            found = true;
        } else {
            i += 1;
        }
    }
    if !found {
        return Cow::Borrowed(bytes);
    }
    out.extend_from_slice(&bytes[copied..]);
    Cow::Owned(out)
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// `text` with every token made so far replaced by `***`, whole or in
/// pieces of [`WINDOW`] characters or more, in any form [`mask`] knows.
pub fn scrub_all(text: &str) -> String {
    let known = KNOWN.lock().map(|k| k.clone()).unwrap_or_default();
    let scrubbed = known.iter().fold(text.to_owned(), |t, token| {
        match scrub_in(t.as_bytes(), token.as_bytes()) {
            Cow::Borrowed(_) => t,
            Cow::Owned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        }
    });
    mask(&scrubbed).into_owned()
}

/// Learns the tokens the environment holds for GREEN-API
/// (`GREEN_API_TOKEN_INSTANCE`, and any `GREEN_API_*` or `GREENBATCH_*`
/// variable whose name says TOKEN), so that every command masks them, even
/// one that never sends (`report`, `validate` of a token file given by
/// mistake). Called once by `main`.
pub fn learn_environment() {
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let ours = name.starts_with("GREEN_API_") || name.starts_with("GREENBATCH_");
        if ours && name.contains("TOKEN") {
            let _ = Token::new(value.to_string_lossy());
        }
    }
}

/// Replaces the standard panic hook with one that prints the same facts
/// (message and place) with every known token scrubbed, and asks for a bug
/// report. Called once by `main`.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("{}", panic_report(&payload, &place));
    }));
}

/// The text the panic hook prints.
fn panic_report(payload: &str, place: &str) -> String {
    scrub_all(&format!(
        "greenbatch panicked at {place}: {payload}\n\
         this is a bug; please report it with the command that was run"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_itself() {
        let t = Token::new("d75b3a66374942c5b3c019c698abc2067e151558acbd412345\n");
        assert_eq!(
            t.expose(),
            "d75b3a66374942c5b3c019c698abc2067e151558acbd412345"
        );
        assert_eq!(format!("{t:?}"), "Token(***)");
        assert_eq!(format!("{:?}", Some(t.clone())), "Some(Token(***))");
        assert_eq!(
            t.scrub("GET /waInstance1/x/d75b3a66374942c5b3c019c698abc2067e151558acbd412345"),
            "GET /waInstance1/x/***"
        );
    }

    #[test]
    fn encoded_forms_are_scrubbed_too() {
        let t = Token::new("ab12cd34ef56ab12cd34ef56");
        let raw = b"Cannot POST /waInstance1/x/ab12cd34ef56ab12cd34ef56 end".as_slice();
        assert_eq!(&*t.scrub_bytes(raw), b"Cannot POST /waInstance1/x/*** end");
        let pct: String = t.expose().bytes().map(|b| format!("%{b:02X}")).collect();
        assert_eq!(t.scrub(&format!("x/{pct}/y")), "x/***/y");
        assert_eq!(t.scrub(&format!("x/{}", pct.to_lowercase())), "x/***");
        // A mix: some characters encoded, some JSON-escaped, some raw.
        assert_eq!(t.scrub("\\u0061b12%63d34ef56ab12cd34ef5%36!"), "***!");
        assert_eq!(
            t.scrub("twice ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56"),
            "twice ******"
        );
        let plain = b"nothing here %zz \\u00".as_slice();
        assert!(matches!(t.scrub_bytes(plain), Cow::Borrowed(_)));
        assert!(matches!(t.scrub_bytes(b"ab12cd34"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_panic_message_never_shows_a_token() {
        let sentinel = "9a11c9a11c9a11c9a11c9a11c9a11c9a11c9a11c9a11c9a11c";
        let _t = Token::new(sentinel);
        let url = format!("http://127.0.0.1/waInstance1/removeGroupParticipant/{sentinel}");
        let report = panic_report(&format!("called `Result::unwrap()` on {url}"), "src/x.rs:1");
        assert!(!report.contains(sentinel), "{report}");
        assert!(report.contains("removeGroupParticipant/***"), "{report}");
        assert!(report.starts_with("greenbatch panicked at src/x.rs:1: "));
    }
}

//! The apiTokenInstance, kept where it cannot leak by accident.
//!
//! The token sits in the URL path of every request, so any URL the tool builds
//! is a secret too. This type has no `Display`, a redacting `Debug`, and no
//! `Serialize`: the only way out is [`Token::expose`], which the HTTP client
//! calls when it builds a request, and [`Token::scrub`], which removes the
//! token from any text before that text is shown, logged or stored.
//!
//! A panic message is text the tool did not plan to show: every token made
//! is remembered, and [`install_panic_hook`] replaces the standard hook with
//! one that scrubs them all from the message before printing it.

use std::fmt;
use std::sync::Mutex;

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
        }
        token
    }

    /// The token itself, for building a request URL and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the token replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// `text` with every token made so far replaced by `***`.
pub fn scrub_all(text: &str) -> String {
    let known = KNOWN.lock().map(|k| k.clone()).unwrap_or_default();
    known
        .iter()
        .fold(text.to_owned(), |t, token| t.replace(token.as_str(), "***"))
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

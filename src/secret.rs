//! The apiTokenInstance, kept where it cannot leak by accident.
//!
//! The token sits in the URL path of every request, so any URL the tool builds
//! is a secret too. This type has no `Display`, a redacting `Debug`, and no
//! `Serialize`: the only way out is [`Token::expose`], which the HTTP client
//! calls when it builds a request, and [`Token::scrub`], which removes the
//! token from any text before that text is shown, logged or stored.

use std::fmt;

/// An apiTokenInstance.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token read from the environment or a token file. Surrounding
    /// white space (a trailing newline in a file) is not part of it.
    pub fn new(raw: impl Into<String>) -> Token {
        let raw = raw.into();
        let trimmed = raw.trim();
        Token(if trimmed.len() == raw.len() {
            raw
        } else {
            trimmed.to_owned()
        })
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
        assert_eq!(
            t.scrub("GET /waInstance1/x/d75b3a66374942c5b3c019c698abc2067e151558acbd412345"),
            "GET /waInstance1/x/***"
        );
    }
}

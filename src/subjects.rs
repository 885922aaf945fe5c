//! Groups by their names. A moderator knows "Book club", not
//! `120363169960827018@g.us`, so wherever a read has told a group's
//! subject (`getGroupData`'s `subject`, `getContacts`' `name`), a person
//! reads the group as `Book club (120363169960827018@g.us)`, and the ID
//! alone where no read told it. [`label`] is that one form, for plans,
//! sync output, the summary and `report`; machine outputs add a `subject`
//! field beside the ID instead, and results files never hold one.
//!
//! A subject is untrusted text: anyone who administers a group sets it,
//! and it arrives from the network. So it is shown the way `groups` and
//! `where` show it ([`crate::sanitise::escaped`]: escape sequences,
//! newlines and bidi controls written out, never obeyed), clipped to
//! [`MAX_SHOWN`], and each format escapes it further for its own syntax.

use std::collections::HashMap;

use crate::sanitise;

/// The most of a subject shown, in bytes: WhatsApp allows 100 characters
/// (200 bytes of Cyrillic); a longer one is a server's or an attacker's.
pub const MAX_SHOWN: usize = 200;

/// The subjects reads have told, by group ID. A group ID names one group
/// whichever instance reads it (the platforms' IDs never meet), so the
/// instance is not part of the key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subjects {
    by_chat: HashMap<String, String>,
}

impl Subjects {
    /// Remembers `subject` for `chat`; a blank one tells nothing and is
    /// not kept. A later read wins: a group may have been renamed.
    pub fn learn(&mut self, chat: &str, subject: &str) {
        if !subject.trim().is_empty() {
            self.by_chat.insert(chat.to_owned(), subject.to_owned());
        }
    }

    /// Every subject of `other`, over those known here.
    pub fn extend(&mut self, other: Subjects) {
        self.by_chat.extend(other.by_chat);
    }

    /// What a read told of `chat`, raw (show it through [`shown`] or [`label`]).
    pub fn get(&self, chat: &str) -> Option<&str> {
        self.by_chat.get(chat).map(String::as_str)
    }

    /// How many groups have a subject.
    pub fn len(&self) -> usize {
        self.by_chat.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_chat.is_empty()
    }
}

/// `subject` fit to show, in text or in a JSON `subject` field: escaped,
/// clipped; `None` when it is blank. Showing a shown subject again changes
/// nothing, so a value stored shown (the review's) may be labelled.
pub fn shown(subject: &str) -> Option<String> {
    let subject = subject.trim();
    if subject.is_empty() {
        return None;
    }
    let escaped = sanitise::escaped(subject);
    Some(sanitise::clip(&escaped, MAX_SHOWN).into_owned())
}

/// The group as a person reads it: `Book club (120363169960827018@g.us)`,
/// or `chat` alone when no subject is known. `chat` is shown as given
/// (IDs are validated, or made fit to show by the caller).
pub fn label(chat: &str, subject: Option<&str>) -> String {
    match subject.and_then(shown) {
        Some(subject) => format!("{subject} ({chat})"),
        None => chat.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "120363169960827018@g.us";

    #[test]
    fn a_group_is_its_subject_then_its_id_or_the_id_alone() {
        assert_eq!(label(G, Some("Book club")), format!("Book club ({G})"));
        assert_eq!(label(G, None), G);
        assert_eq!(label(G, Some("  ")), G, "a blank subject tells nothing");
        assert_eq!(
            label("-10000000000000", Some("Городской чат")),
            "Городской чат (-10000000000000)"
        );
    }

    #[test]
    fn a_hostile_subject_is_shown_not_obeyed() {
        let hostile = "\u{1b}[2J\u{1b}]8;;http://x\u{7}Evil | <script>\nnext\u{202e}";
        let shown = label(G, Some(hostile));
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert!(!shown.contains('\u{202e}'), "{shown:?}");
        assert_eq!(
            shown,
            format!(
                "\\u{{1b}}[2J\\u{{1b}}]8;;http://x\\u{{7}}Evil | <script>\\u{{a}}next\\u{{202e}} ({G})"
            )
        );
        let long = "x".repeat(1000);
        assert_eq!(
            label(G, Some(&long)).len(),
            MAX_SHOWN + "… ()".len() + G.len()
        );
        for raw in [hostile, &long, &"я".repeat(300)] {
            let once = super::shown(raw).unwrap();
            assert_eq!(
                super::shown(&once).as_deref(),
                Some(once.as_str()),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn the_latest_read_wins_and_blanks_are_not_kept() {
        let mut s = Subjects::default();
        s.learn(G, "Old name");
        s.learn(G, "Book club");
        s.learn("x@g.us", "");
        assert_eq!(
            (s.get(G), s.get("x@g.us"), s.len()),
            (Some("Book club"), None, 1)
        );
    }
}

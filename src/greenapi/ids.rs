//! The ID formats of each platform: what a person and a group look like, how a
//! loosely written WhatsApp phone number is normalised, and which platform an
//! ID betrays.
//!
//! WhatsApp: people `79001234565@c.us` (international number, digits only)
//! or `123456789012345@lid` (a linked ID, which hides the number; see
//! `GREEN-API.md` §6), groups `120363043968066561@g.us` or legacy
//! `79876543210-1587570015@g.us`.
//! MAX: people are positive integers as strings (`"10000000"`), groups negative
//! ones (`"-10000000000000"`, whose length may grow).

use std::borrow::Cow;
use std::fmt;

use super::Platform;

/// Whether an ID names a person or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Person,
    Group,
}

impl IdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Person => "person",
            IdKind::Group => "group",
        }
    }
}

/// Why an ID was not accepted for a platform and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    /// Nothing was written.
    Empty,
    /// A valid ID of the right platform, but a group where a person was
    /// expected or the reverse.
    WrongKind { expected: IdKind },
    /// A valid ID of the other platform.
    OtherPlatform { found: Platform },
    /// Fits no format at all.
    Malformed,
}

impl IdProblem {
    /// A hint that shows the expected spelling.
    pub fn hint(&self, platform: Platform, expected: IdKind) -> String {
        format!(
            "a {} {} ID looks like `{}`",
            platform,
            expected.as_str(),
            example(platform, expected)
        )
    }
}

impl fmt::Display for IdProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdProblem::Empty => f.write_str("is empty"),
            IdProblem::WrongKind { expected } => {
                let found = match expected {
                    IdKind::Person => IdKind::Group,
                    IdKind::Group => IdKind::Person,
                };
                write!(
                    f,
                    "is a {} ID where a {} is expected",
                    found.as_str(),
                    expected.as_str()
                )
            }
            IdProblem::OtherPlatform { found } => {
                write!(f, "is a {found} ID, not valid on this platform")
            }
            IdProblem::Malformed => f.write_str("is not a valid ID"),
        }
    }
}

/// An accepted ID, possibly rewritten into its canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked<'a> {
    pub id: Cow<'a, str>,
    /// True when the input was rewritten (for example `+7 900 123-45-65` to
    /// `79001234565@c.us`); validators report this as a note.
    pub normalised: bool,
}

/// The canonical example of each format, used in hints.
pub fn example(platform: Platform, kind: IdKind) -> &'static str {
    match (platform, kind) {
        (Platform::WhatsApp, IdKind::Person) => "79001234565@c.us",
        (Platform::WhatsApp, IdKind::Group) => "120363043968066561@g.us",
        (Platform::Max, IdKind::Person) => "10000000",
        (Platform::Max, IdKind::Group) => "-10000000000000",
    }
}

/// `s.trim()`, skipping its walk over Unicode whitespace when both ends are
/// printable ASCII (never whitespace): a manifest's IDs and actions almost
/// always are, and the walk was 7 % of a million-row validation.
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Checks `raw` as an ID of `kind` on `platform`, normalising what can be
/// normalised without guessing. Surrounding spaces are ignored.
pub fn check(platform: Platform, kind: IdKind, raw: &str) -> Result<Checked<'_>, IdProblem> {
    let trimmed = trim(raw);
    if trimmed.is_empty() {
        return Err(IdProblem::Empty);
    }
    if let Some(found) = kind_of(platform, trimmed) {
        return if found == kind {
            let normalised = trimmed.len() != raw.len();
            Ok(Checked {
                id: Cow::Borrowed(trimmed),
                normalised,
            })
        } else {
            Err(IdProblem::WrongKind { expected: kind })
        };
    }
    if platform == Platform::WhatsApp
        && kind == IdKind::Person
        && let Some(phone) = normalise_phone(trimmed)
    {
        return Ok(Checked {
            id: Cow::Owned(phone),
            normalised: true,
        });
    }
    let other = match platform {
        Platform::WhatsApp => Platform::Max,
        Platform::Max => Platform::WhatsApp,
    };
    if kind_of(other, trimmed).is_some() {
        return Err(IdProblem::OtherPlatform { found: other });
    }
    Err(IdProblem::Malformed)
}

/// What kind of ID `id` is on `platform`, if it is a canonical one at all.
pub fn kind_of(platform: Platform, id: &str) -> Option<IdKind> {
    match platform {
        Platform::WhatsApp => {
            if let Some(user) = id.strip_suffix("@c.us") {
                is_phone_digits(user).then_some(IdKind::Person)
            } else if let Some(lid) = id.strip_suffix("@lid") {
                is_lid_digits(lid).then_some(IdKind::Person)
            } else if let Some(group) = id.strip_suffix("@g.us") {
                let ok = match group.split_once('-') {
                    Some((owner, created)) => is_digits(owner) && is_digits(created),
                    None => is_digits(group),
                };
                ok.then_some(IdKind::Group)
            } else {
                None
            }
        }
        Platform::Max => {
            if let Some(abs) = id.strip_prefix('-') {
                is_positive_integer(abs).then_some(IdKind::Group)
            } else {
                is_positive_integer(id).then_some(IdKind::Person)
            }
        }
    }
}

/// Whether `id` is a WhatsApp linked ID (`123456789012345@lid`): a person
/// whose number the group does not show.
pub fn is_lid(id: &str) -> bool {
    id.strip_suffix("@lid").is_some_and(is_lid_digits)
}

/// The owner a legacy WhatsApp group ID names: `79876543210-1587570015@g.us`
/// was created by `79876543210@c.us`, and nobody can remove a group's
/// creator (`GREEN-API.md` §6). `None` for every other ID.
pub fn legacy_group_owner(group: &str) -> Option<String> {
    let (owner, created) = group.strip_suffix("@g.us")?.split_once('-')?;
    (is_phone_digits(owner) && is_digits(created)).then(|| format!("{owner}@c.us"))
}

/// The platform an ID can only belong to, if it tells. Bare digits are a MAX
/// person or a WhatsApp phone number written loosely, so they tell nothing.
pub fn platform_of(id: &str) -> Option<Platform> {
    let id = id.trim();
    if kind_of(Platform::WhatsApp, id).is_some() {
        Some(Platform::WhatsApp)
    } else if kind_of(Platform::Max, id) == Some(IdKind::Group) {
        Some(Platform::Max)
    } else {
        None
    }
}

/// `+7 900 123-45-65`, `(7) 900.123.45.65` or `79001234565` as `79001234565@c.us`.
fn normalise_phone(raw: &str) -> Option<String> {
    let body = raw.strip_prefix('+').unwrap_or(raw);
    let mut digits = String::with_capacity(body.len() + 5);
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => return None,
        }
    }
    is_phone_digits(&digits).then(|| digits + "@c.us")
}

/// International numbers: no leading zero, at most 15 digits (E.164); at least
/// 5, since no country's numbers are shorter.
fn is_phone_digits(s: &str) -> bool {
    (5..=15).contains(&s.len()) && is_positive_integer(s)
}

/// Linked IDs are opaque digits (15 in every one seen); accept any length a
/// number of that kind can plausibly have, nothing else.
fn is_lid_digits(s: &str) -> bool {
    (5..=24).contains(&s.len()) && is_digits(s)
}

fn is_positive_integer(s: &str) -> bool {
    is_digits(s) && !s.starts_with('0')
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use IdKind::*;
    use Platform::*;

    fn ok(p: Platform, k: IdKind, raw: &str) -> (String, bool) {
        let c = check(p, k, raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        (c.id.into_owned(), c.normalised)
    }

    #[test]
    fn the_quick_trim_trims_as_str_trim_does() {
        let mut rng = fastrand::Rng::with_seed(14);
        let alphabet = [
            " ", "\t", "\u{a0}", "\u{3000}", "\u{feff}", "a", "7", "@", "é", "\n", "x y",
        ];
        for _ in 0..5000 {
            let s: String = (0..rng.usize(0..6))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            assert_eq!(trim(&s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn accepts_the_documented_examples() {
        assert_eq!(
            ok(WhatsApp, Person, "79001234565@c.us"),
            ("79001234565@c.us".into(), false)
        );
        assert!(!ok(WhatsApp, Group, "120363043968066561@g.us").1);
        assert!(!ok(WhatsApp, Group, "79876543210-1587570015@g.us").1);
        assert!(!ok(Max, Person, "10000000").1);
        assert!(!ok(Max, Group, "-10000000000000").1);
        assert!(
            !ok(Max, Group, "-100000000000000000000").1,
            "length may grow"
        );
    }

    #[test]
    fn linked_ids_are_whatsapp_people() {
        assert_eq!(
            ok(WhatsApp, Person, "123456789012345@lid"),
            ("123456789012345@lid".into(), false)
        );
        assert!(is_lid("123456789012345@lid"));
        assert!(!is_lid("79001234565@c.us"));
        assert_eq!(platform_of("123456789012345@lid"), Some(WhatsApp));
        assert_eq!(
            check(Max, Person, "123456789012345@lid"),
            Err(IdProblem::OtherPlatform { found: WhatsApp })
        );
        assert_eq!(
            check(WhatsApp, Person, "12ab@lid"),
            Err(IdProblem::Malformed)
        );
        assert_eq!(
            check(WhatsApp, Group, "123456789012345@lid"),
            Err(IdProblem::WrongKind { expected: Group })
        );
    }

    #[test]
    fn legacy_group_ids_name_their_creator() {
        assert_eq!(
            legacy_group_owner("79876543210-1587570015@g.us").as_deref(),
            Some("79876543210@c.us")
        );
        assert_eq!(legacy_group_owner("120363043968066561@g.us"), None);
        assert_eq!(legacy_group_owner("-10000000000000"), None);
    }

    #[test]
    fn normalises_loose_whatsapp_numbers() {
        for raw in [
            "+7 900 123-45-65",
            "79001234565",
            "(7) 900.123.45.65",
            " 79001234565@c.us ",
        ] {
            assert_eq!(
                ok(WhatsApp, Person, raw),
                ("79001234565@c.us".into(), true),
                "{raw}"
            );
        }
    }

    #[test]
    fn names_each_problem() {
        assert_eq!(check(WhatsApp, Person, "  "), Err(IdProblem::Empty));
        assert_eq!(
            check(WhatsApp, Person, "120363043968066561@g.us"),
            Err(IdProblem::WrongKind { expected: Person })
        );
        assert_eq!(
            check(WhatsApp, Group, "79001234565@c.us"),
            Err(IdProblem::WrongKind { expected: Group })
        );
        assert_eq!(
            check(Max, Person, "-10000000000000"),
            Err(IdProblem::WrongKind { expected: Person })
        );
        assert_eq!(
            check(Max, Person, "79001234565@c.us"),
            Err(IdProblem::OtherPlatform { found: WhatsApp })
        );
        assert_eq!(
            check(WhatsApp, Group, "-10000000000000"),
            Err(IdProblem::OtherPlatform { found: Max })
        );
        assert_eq!(check(Max, Person, "0100"), Err(IdProblem::Malformed));
        assert_eq!(
            check(WhatsApp, Person, "7900abc@c.us"),
            Err(IdProblem::Malformed)
        );
        assert_eq!(check(WhatsApp, Group, "1-@g.us"), Err(IdProblem::Malformed));
    }

    #[test]
    fn platform_is_told_only_by_unambiguous_ids() {
        assert_eq!(platform_of("79001234565@c.us"), Some(WhatsApp));
        assert_eq!(platform_of("1203630@g.us"), Some(WhatsApp));
        assert_eq!(platform_of("-10000000000000"), Some(Max));
        assert_eq!(platform_of("10000000"), None);
    }
}

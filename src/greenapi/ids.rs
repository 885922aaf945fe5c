//! The ID formats of each platform: what a person and a group look like, how a
//! loosely written WhatsApp phone number is normalised (only with its country
//! code: `+7 900 123-45-65`, never `8 900 123-45-65`), which numbers are
//! doubtful ([`phone`]), the cell guard greenbatch's own CSV files put before
//! an ID, and which platform an ID betrays.
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

mod phone;

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
    /// A phone number written loosely (spaces, dashes, parentheses, dots)
    /// without `+` or `00`: perhaps the national form, whose digits read as
    /// an international number would be someone else's (`8 900 123-45-65`
    /// is +7 900 123-45-65, not 89001234565@c.us). The hint is the form the
    /// digits suggest, if any.
    National { hint: String },
    /// Fits no format at all.
    Malformed,
}

impl IdProblem {
    /// A hint that shows the expected spelling.
    pub fn hint(&self, platform: Platform, expected: IdKind) -> String {
        if let IdProblem::National { hint } = self {
            return hint.clone();
        }
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
            IdProblem::National { .. } => {
                f.write_str("is written without its country code (no `+` or `00` first)")
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
    /// `79001234565@c.us`); validators report [`Checked::note`].
    pub normalised: bool,
    /// True when a cell guard (`'-10000000000000`) was taken off.
    pub unguarded: bool,
    /// Accepted, but likely not the person meant: validators report
    /// [`Checked::doubt`] as a warning. A flag, and the words only when
    /// asked: a million-row manifest checks a million numbers.
    pub doubtful: bool,
}

/// Why an accepted ID is doubtful, and what was probably meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doubt {
    pub message: String,
    pub hint: String,
}

impl<'a> Checked<'a> {
    /// `id`, accepted on `platform`, marked doubtful if it is a WhatsApp
    /// number possible in no country.
    #[inline]
    fn new(platform: Platform, id: Cow<'a, str>, normalised: bool) -> Checked<'a> {
        let doubtful = whatsapp_digits(platform, &id).is_some_and(|d| !phone::is_possible(d));
        Checked {
            id,
            normalised,
            unguarded: false,
            doubtful,
        }
    }

    /// Why this ID is doubtful, when it is.
    #[inline]
    pub fn doubt(&self) -> Option<Doubt> {
        if !self.doubtful {
            return None;
        }
        self.explain_doubt()
    }

    #[cold]
    fn explain_doubt(&self) -> Option<Doubt> {
        let digits = self.id.strip_suffix("@c.us")?;
        let (message, hint) = phone::doubt(&self.id, digits)?;
        Some(Doubt { message, hint })
    }

    /// What validators say about reading `raw` as this ID: `None` when it
    /// was written canonically (surrounding spaces aside).
    #[inline]
    pub fn note(&self, raw: &str) -> Option<String> {
        if !self.normalised {
            return None;
        }
        self.rewritten_from(raw)
    }

    #[cold]
    fn rewritten_from(&self, raw: &str) -> Option<String> {
        let shown = trim(raw);
        if self.id == shown {
            return None;
        }
        let mut note = format!("`{shown}` is read as `{}`", self.id);
        if self.unguarded {
            note.push_str(
                " (a leading `'` before `-`, `+`, `=` or `@` is the cell guard greenbatch's CSV files write, so that a spreadsheet shows text)",
            );
        }
        Some(note)
    }
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
/// normalised without guessing. Surrounding spaces and a cell guard
/// ([`unguard`]) are ignored; a WhatsApp number whose digits are possible
/// in no country is accepted as [`Checked::doubtful`]. Linked IDs are not
/// numbers and are never doubted.
pub fn check(platform: Platform, kind: IdKind, raw: &str) -> Result<Checked<'_>, IdProblem> {
    let trimmed = trim(raw);
    let (id, unguarded) = match unguard(trimmed) {
        Some(bare) => (bare, true),
        None => (trimmed, false),
    };
    let mut c = check_unguarded(platform, kind, id, unguarded || id.len() != raw.len())?;
    c.unguarded = unguarded;
    Ok(c)
}

/// The ID inside a cell guard: `'-10000000000000` is what greenbatch's CSV
/// files (results, `export`) write for `-10000000000000`, so that a
/// spreadsheet shows text instead of running a formula
/// ([`crate::sanitise::cell`]). One `'` before `-`, `+`, `=` or
/// `@`, nothing else: a value that merely starts with `'` is not guarded.
fn unguard(id: &str) -> Option<&str> {
    id.strip_prefix('\'')
        .filter(|rest| rest.starts_with(['-', '+', '=', '@']))
}

/// [`check`] of a trimmed, unguarded `id`; `rewritten` when spaces or a
/// guard were taken off it already.
#[inline]
fn check_unguarded(
    platform: Platform,
    kind: IdKind,
    id: &str,
    rewritten: bool,
) -> Result<Checked<'_>, IdProblem> {
    if id.is_empty() {
        return Err(IdProblem::Empty);
    }
    let checked = |id, normalised| Checked::new(platform, id, normalised);
    if let Some(found) = kind_of(platform, id) {
        return if found == kind {
            Ok(checked(Cow::Borrowed(id), rewritten))
        } else {
            Err(IdProblem::WrongKind { expected: kind })
        };
    }
    if platform == Platform::WhatsApp && kind == IdKind::Person {
        match normalise_phone(id) {
            Phone::Number(phone) => return Ok(checked(Cow::Owned(phone), true)),
            Phone::National { digits } => {
                return Err(IdProblem::National {
                    hint: phone::national_hint(id, &digits),
                });
            }
            Phone::NotOne => {}
        }
    }
    let other = match platform {
        Platform::WhatsApp => Platform::Max,
        Platform::Max => Platform::WhatsApp,
    };
    if kind_of(other, id).is_some() {
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
/// A cell guard is looked through, as [`check`] does.
pub fn platform_of(id: &str) -> Option<Platform> {
    let id = id.trim();
    let id = unguard(id).unwrap_or(id);
    if kind_of(Platform::WhatsApp, id).is_some() {
        Some(Platform::WhatsApp)
    } else if kind_of(Platform::Max, id) == Some(IdKind::Group) {
        Some(Platform::Max)
    } else {
        None
    }
}

/// The digits of a WhatsApp phone-number ID (`79001234565@c.us`); `None`
/// for linked IDs, groups and MAX.
fn whatsapp_digits(platform: Platform, id: &str) -> Option<&str> {
    (platform == Platform::WhatsApp)
        .then(|| id.strip_suffix("@c.us"))
        .flatten()
}

/// What a non-canonical person ID written on WhatsApp is as a phone number.
enum Phone {
    /// The canonical ID it stands for.
    Number(String),
    /// Written loosely without `+` or `00`: its digits.
    National { digits: String },
    /// Not a phone number at all.
    NotOne,
}

/// `+7 900 123-45-65`, `00 7 (900) 123.45.65` or `79001234565` as
/// `79001234565@c.us`. Plain digits are taken as international, as
/// WhatsApp writes them; separators without `+` or `00` are how people
/// write national numbers, so those are not guessed at.
fn normalise_phone(raw: &str) -> Phone {
    let (international, body) = match raw.strip_prefix('+') {
        Some(body) => (true, body),
        None => match raw.strip_prefix("00") {
            Some(body) => (true, body),
            None => (false, raw),
        },
    };
    let mut digits = String::with_capacity(body.len() + 5);
    let mut loose = false;
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => loose = true,
            _ => return Phone::NotOne,
        }
    }
    if loose && !international {
        // Leading zeros are a national trunk prefix: still a number, to be
        // rewritten by its owner.
        let long_enough = (5..=16).contains(&digits.len());
        return if long_enough {
            Phone::National { digits }
        } else {
            Phone::NotOne
        };
    }
    if is_phone_digits(&digits) {
        Phone::Number(digits + "@c.us")
    } else {
        Phone::NotOne
    }
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
    fn normalises_loose_whatsapp_numbers_that_start_with_plus_or_00() {
        for raw in [
            "+7 900 123-45-65",
            "+7 (900) 123.45.65",
            "00 7 900 123-45-65",
            "0079001234565",
            "79001234565",
            " 79001234565@c.us ",
        ] {
            assert_eq!(
                ok(WhatsApp, Person, raw),
                ("79001234565@c.us".into(), true),
                "{raw}"
            );
        }
        let c = check(WhatsApp, Person, "+7 900 123-45-65").unwrap();
        assert_eq!(
            c.note("+7 900 123-45-65").as_deref(),
            Some("`+7 900 123-45-65` is read as `79001234565@c.us`")
        );
        assert_eq!(c.doubt(), None);
        let spaced = check(WhatsApp, Person, " 79001234565@c.us ").unwrap();
        assert_eq!(spaced.note(" 79001234565@c.us "), None, "spaces alone");
    }

    #[test]
    fn a_loose_number_without_a_country_code_is_refused_with_the_form_it_suggests() {
        let national = |raw: &str| match check(WhatsApp, Person, raw) {
            Err(IdProblem::National { hint }) => hint,
            other => panic!("{raw}: {other:?}"),
        };
        assert_eq!(
            national("8 900 123-45-65"),
            "write it with its country code: +7 900 123-45-65"
        );
        assert_eq!(
            national("8(900)123.45.65"),
            "write it with its country code: +7 900 123-45-65"
        );
        assert!(national("020 7946 0958").contains("+<country code> 20 7946 0958"));
        assert!(national("(7) 900.123.45.65").contains("+(7) 900.123.45.65, if"));
        let p = check(WhatsApp, Person, "8 900 123-45-65").unwrap_err();
        assert_eq!(
            p.to_string(),
            "is written without its country code (no `+` or `00` first)"
        );
        assert_eq!(
            p.hint(WhatsApp, Person),
            "write it with its country code: +7 900 123-45-65"
        );
        assert_eq!(
            check(Max, Person, "8 900 123-45-65"),
            Err(IdProblem::Malformed),
            "MAX IDs are not phone numbers"
        );
    }

    #[test]
    fn a_number_possible_in_no_country_is_accepted_with_a_doubt() {
        for raw in ["89001234565@c.us", "89001234565", "+8 900 123-45-65"] {
            let c = check(WhatsApp, Person, raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(c.id, "89001234565@c.us");
            let doubt = c.doubt().unwrap_or_else(|| panic!("{raw}: no doubt"));
            assert_eq!(
                doubt.message,
                "`89001234565@c.us` is not a possible international number; it looks like a national number (Russia's trunk prefix 8)"
            );
            assert_eq!(
                doubt.hint,
                "did you mean `79001234565@c.us` (+7 900 123-45-65)?"
            );
        }
        for quiet in ["79001234565@c.us", "79001234565", "12125550100@c.us"] {
            assert_eq!(
                check(WhatsApp, Person, quiet).unwrap().doubt(),
                None,
                "{quiet}"
            );
        }
    }

    #[test]
    fn linked_ids_groups_and_max_are_never_doubted_as_numbers() {
        for (p, k, id) in [
            (WhatsApp, Person, "89001234565@lid"),
            (WhatsApp, Group, "89001234565-1587570015@g.us"),
            (WhatsApp, Group, "120363043968066561@g.us"),
            (Max, Person, "89001234565"),
            (Max, Group, "-10000000000000"),
        ] {
            assert_eq!(check(p, k, id).unwrap().doubt(), None, "{id}");
        }
    }

    #[test]
    fn the_cell_guard_of_greenbatch_s_csv_files_is_read_through_with_a_note() {
        let c = check(Max, Group, "'-10000000000077").unwrap();
        assert_eq!(
            (&*c.id, c.normalised, c.unguarded),
            ("-10000000000077", true, true)
        );
        let note = c.note("'-10000000000077").unwrap();
        assert!(
            note.starts_with("`'-10000000000077` is read as `-10000000000077` (a leading `'`"),
            "{note}"
        );
        assert_eq!(
            ok(WhatsApp, Person, " '+7 900 123-45-65"),
            ("79001234565@c.us".into(), true)
        );
        assert_eq!(platform_of("'-10000000000077"), Some(Max));
        // Only one guard, only before what a spreadsheet would run.
        assert_eq!(
            check(Max, Group, "''-10000000000077"),
            Err(IdProblem::Malformed)
        );
        assert_eq!(check(Max, Person, "'10000000"), Err(IdProblem::Malformed));
        assert_eq!(check(Max, Group, "'=1+2"), Err(IdProblem::Malformed));
        assert_eq!(
            check(Max, Person, "'-10000000000077"),
            Err(IdProblem::WrongKind { expected: Person })
        );
        assert_eq!(unguard("'@x"), Some("@x"));
        assert_eq!(unguard("'"), None);
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

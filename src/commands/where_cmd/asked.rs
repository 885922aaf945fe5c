//! The participants `where` looks for, as typed on the command line, checked
//! by the rules manifests use ([`ids::check`]): a loosely written number with
//! its country code becomes `79001234565@c.us`, a cell guard is read through.
//!
//! Bare digits are a WhatsApp number and a MAX ID at once, so a participant
//! is checked on each platform the chosen instances are on and looked for
//! there under the ID it has there; one that fits none of them is a usage
//! error before any request, every such participant named at once.

use crate::diagnostic::{Diagnostic, Severity};
use crate::failure::Failure;
use crate::greenapi::Platform;
use crate::greenapi::ids::{self, IdKind, IdProblem};
use crate::sanitise::escaped;

/// One participant to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Asked {
    /// As typed, spaces around it taken off.
    pub given: String,
    /// Its canonical ID on each platform it is a person ID of.
    pub ids: Vec<(Platform, String)>,
}

impl Asked {
    /// Its ID on `platform`; `None` when it is no person there, so that
    /// platform's groups are not searched for it.
    pub(super) fn id_on(&self, platform: Platform) -> Option<&str> {
        self.ids
            .iter()
            .find(|(p, _)| *p == platform)
            .map(|(_, id)| id.as_str())
    }

    /// Its IDs, each once (a MAX ID and a WhatsApp one may differ or not).
    pub(super) fn distinct_ids(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (_, id) in &self.ids {
            if !out.contains(&id.as_str()) {
                out.push(id);
            }
        }
        out
    }
}

/// Checks every participant on each of `platforms` (those of the chosen
/// instances). Notes (a number rewritten) and warnings (a number possible in
/// no country) are printed unless `quiet`; a participant that fits no
/// platform is an error, all of them in one [`Failure::Rejected`]. The same
/// participant typed twice (in any spelling) is looked for once.
pub(crate) fn check_all(
    given: &[String],
    platforms: &[Platform],
    quiet: u8,
) -> Result<Vec<Asked>, Failure> {
    let mut asked: Vec<Asked> = Vec::new();
    let mut errors = Vec::new();
    for raw in given {
        match check_one(raw, platforms) {
            Ok((one, said)) => {
                if quiet == 0 {
                    said.iter().for_each(|d| eprintln!("{d}"));
                }
                if !asked.iter().any(|a| a.ids == one.ids) {
                    asked.push(one);
                }
            }
            Err(d) => errors.push(d),
        }
    }
    match errors.is_empty() {
        true => Ok(asked),
        false => Err(crate::job::rejected(&errors)),
    }
}

/// One participant on each platform, with what to say about its spelling;
/// or the error when it fits none.
fn check_one(raw: &str, platforms: &[Platform]) -> Result<(Asked, Vec<Diagnostic>), Diagnostic> {
    let mut ids = Vec::new();
    let mut said = Vec::new();
    let mut problems = Vec::new();
    for &platform in platforms {
        match ids::check(platform, IdKind::Person, raw) {
            Ok(c) => {
                if let Some(note) = c.note(raw) {
                    said.push(Diagnostic::note(None, note).field("PARTICIPANT"));
                }
                if let Some(doubt) = c.doubt() {
                    let d = Diagnostic::warning(None, doubt.message).hint(doubt.hint);
                    said.push(d.field("PARTICIPANT"));
                }
                ids.push((platform, c.id.into_owned()));
            }
            Err(problem) => problems.push((platform, problem)),
        }
    }
    if ids.is_empty() {
        return Err(unfit(raw, &problems));
    }
    let given = ids::trim(raw).to_owned();
    if ids.iter().any(|(_, id)| *id == given) {
        // Bare digits are a MAX ID as typed: "read as …@c.us" would
        // suggest that the WhatsApp reading is the one meant.
        said.retain(|d| d.severity != Severity::Note);
    }
    Ok((Asked { given, ids }, said))
}

/// The error for a participant that is no person ID on any chosen
/// platform: the one platform's own problem and hint, or (with both) the
/// national-number hint if that was the trouble, else both examples.
fn unfit(raw: &str, problems: &[(Platform, IdProblem)]) -> Diagnostic {
    let shown = escaped(ids::trim(raw)).into_owned();
    let national = problems
        .iter()
        .find(|(_, p)| matches!(p, IdProblem::National { .. }));
    let (message, hint) = match (problems, national) {
        ([(platform, problem)], _) | (_, Some((platform, problem))) => (
            match problem {
                IdProblem::Empty => "a participant is empty".to_owned(),
                p => format!("`{shown}` {p}"),
            },
            problem.hint(*platform, IdKind::Person),
        ),
        _ => (
            format!("`{shown}` is no person ID of whatsapp or max"),
            format!(
                "a whatsapp person ID looks like `{}` (or `+7 900 123-45-65`, or `123456789012345@lid`), a max one like `{}`",
                ids::example(Platform::WhatsApp, IdKind::Person),
                ids::example(Platform::Max, IdKind::Person)
            ),
        ),
    };
    Diagnostic::error(None, message)
        .field("PARTICIPANT")
        .hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Platform::*;

    fn ids_of(raw: &str, platforms: &[Platform]) -> Vec<(Platform, String)> {
        check_one(raw, platforms).unwrap().0.ids
    }

    #[test]
    fn a_loose_number_is_read_as_manifests_read_it() {
        assert_eq!(
            ids_of("+7 900 123-45-65", &[WhatsApp, Max]),
            vec![(WhatsApp, "79001234565@c.us".to_owned())],
            "a `+` number is no MAX ID"
        );
        assert_eq!(
            ids_of(" 79001234565 ", &[WhatsApp, Max]),
            vec![
                (WhatsApp, "79001234565@c.us".to_owned()),
                (Max, "79001234565".to_owned())
            ],
            "bare digits fit both"
        );
        assert_eq!(
            ids_of("123456789012345@lid", &[WhatsApp]),
            vec![(WhatsApp, "123456789012345@lid".to_owned())]
        );
        let (_, said) = check_one("+7 900 123-45-65", &[WhatsApp]).unwrap();
        assert!(
            said[0]
                .to_string()
                .contains("is read as `79001234565@c.us`")
        );
        let (_, said) = check_one("39888725", &[WhatsApp, Max]).unwrap();
        assert!(said.is_empty(), "a MAX ID as typed: {said:?}");
    }

    #[test]
    fn a_participant_that_fits_no_chosen_platform_is_named_with_a_hint() {
        let err =
            |raw: &str, platforms: &[Platform]| check_one(raw, platforms).unwrap_err().to_string();
        let max_only = err("79001234565@c.us", &[Max]);
        assert!(max_only.contains("is a whatsapp ID"), "{max_only}");
        let national = err("8 900 123-45-65", &[WhatsApp, Max]);
        assert!(
            national.contains("+7 900 123-45-65") && national.contains("country code"),
            "{national}"
        );
        let group = err("120363043968066561@g.us", &[WhatsApp]);
        assert!(group.contains("where a person is expected"), "{group}");
        let neither = err("nobody", &[WhatsApp, Max]);
        assert!(
            neither.contains("`nobody` is no person ID of whatsapp or max"),
            "{neither}"
        );
        let all = check_all(&["nobody".into(), "10000000".into(), "x".into()], &[Max], 0);
        let Err(Failure::Rejected(text)) = all else {
            panic!("{all:?}")
        };
        assert!(text.contains("`nobody`") && text.contains("`x`"), "{text}");
    }

    #[test]
    fn the_same_participant_twice_is_looked_for_once() {
        let given = ["+7 900 123-45-65".to_owned(), "79001234565@c.us".to_owned()];
        let asked = check_all(&given, &[WhatsApp], 1).unwrap();
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].given, "+7 900 123-45-65");
    }
}

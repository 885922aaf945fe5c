//! The message a job leaves in the moderators' chat (`--notify`): what ran,
//! the counts, the exit code in words, the rows that need a person, and
//! the results file; `report --format markdown` in short, as plain text.
//!
//! It is read back from the results file (what greenbatch writes,
//! greenbatch reads back), so it says what the file says. Plain text, at
//! most [`MAX_CHARS`] characters (MAX's limit), one line per item, no
//! control characters; the token is masked like everywhere else.

use std::fmt::Write;

use super::review::Review;
use crate::exit;
use crate::sanitise;
use crate::subjects::{Subjects, label};

/// MAX takes at most 4,000 characters; WhatsApp 20,000 (`GREEN-API.md` §7).
pub(crate) const MAX_CHARS: usize = 4_000;

/// The rows that need a person listed, at most.
const LISTED: usize = 10;

/// The notice for a job over `what` (a manifest or desired file's name)
/// through `instance`, that ended with `code`, its results file `results`;
/// groups are named by the subjects the job's reads told (`subjects`).
pub(crate) fn text(
    review: &Review,
    what: &str,
    instance: &str,
    code: u8,
    results: &str,
    subjects: &Subjects,
) -> String {
    let one = |t: &str| sanitise::terminal(t).into_owned();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "greenbatch: {} via `{}`: {} (exit {code})",
        one(what),
        one(instance),
        exit::meaning(code)
    );
    let c = &review.outcomes;
    let counts: Vec<String> = [
        ("done", c.done),
        ("already", c.already),
        ("rejected", c.rejected),
        ("failed", c.failed),
        ("aborted", c.aborted),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(name, n)| format!("{name} {n}"))
    .collect();
    let _ = writeln!(
        out,
        "{} operation{}: {}",
        c.total,
        if c.total == 1 { "" } else { "s" },
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        }
    );
    for r in &review.refused {
        let _ = writeln!(
            out,
            "instance `{}` refused: {}",
            one(&r.instance),
            one(&r.reason)
        );
    }
    let total = review.needs_person_total();
    if total > 0 {
        let _ = writeln!(out, "needs a person:");
        for n in review.needs_person.iter().take(LISTED) {
            let why = if n.error.is_empty() {
                String::new()
            } else {
                format!(": {}", one(&n.error))
            };
            let _ = writeln!(
                out,
                "- {} {} in {} ({}){why}",
                n.action,
                one(&n.participant_id),
                label(&one(&n.chat_id), subjects.get(&n.chat_id)),
                n.outcome
            );
        }
        if total > LISTED {
            let _ = writeln!(out, "and {} more", total - LISTED);
        }
    }
    let _ = write!(out, "results: {}", one(results));
    fit(out)
}

/// `text` cut to [`MAX_CHARS`] at a line's end, saying so.
fn fit(text: String) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text;
    }
    const CUT: &str = "\n(cut: `greenbatch report` the results file for the rest)";
    let room = MAX_CHARS - CUT.chars().count();
    let end = text.char_indices().nth(room).map_or(text.len(), |(i, _)| i);
    let end = text[..end].rfind('\n').unwrap_or(end);
    format!("{}{CUT}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_notice_is_cut_at_a_line_end_within_the_limit() {
        let long: String = (0..400)
            .map(|i| format!("line {i} of a long notice\n"))
            .collect();
        let cut = fit(long.clone());
        assert!(cut.chars().count() <= MAX_CHARS, "{}", cut.chars().count());
        assert!(cut.ends_with("the results file for the rest)"));
        assert!(long.starts_with(cut.split("\n(cut").next().unwrap()));
        assert_eq!(fit("short".into()), "short");
    }
}

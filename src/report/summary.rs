//! The summary printed when a run ends.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::tally::{Interrupt, Tally};
use crate::colour::{self, Palette, Tone};
use crate::runner::Outcome;
use crate::sanitise;
use crate::subjects::{self, Subjects};

/// The most groups the summary names; `report` lists them all.
const GROUPS_LISTED: usize = 10;

/// The end-of-run summary: counts per outcome (now and from earlier runs),
/// elapsed time, achieved rate, the groups this run touched (by their
/// `subjects` where a read told them) and where the results are.
pub(crate) fn render(
    tally: &Tally,
    subjects: &Subjects,
    elapsed: Duration,
    results: &Path,
    interrupt: Option<Interrupt>,
) -> String {
    let mut out = String::new();
    // Printed on stdout, so in stdout's colour.
    let paint = colour::stdout();
    let secs = elapsed.as_secs_f64();
    let _ = match interrupt {
        Some(_) => writeln!(
            out,
            "interrupted after {}",
            humantime::format_duration(round(elapsed))
        ),
        None => writeln!(
            out,
            "finished in {}",
            humantime::format_duration(round(elapsed))
        ),
    };
    for outcome in Outcome::ALL {
        let now = tally.now.get(&outcome).copied().unwrap_or(0);
        let earlier = tally.earlier.get(&outcome).copied().unwrap_or(0);
        if now + earlier == 0 {
            continue;
        }
        let name = paint.paint(outcome.tone(), outcome.as_str());
        let _ = match (now, earlier) {
            (_, 0) => writeln!(out, "  {name:<9}{now}"),
            (0, _) => writeln!(out, "  {name:<9}{earlier} (all from earlier runs)"),
            _ => writeln!(
                out,
                "  {name:<9}{} ({earlier} from earlier runs)",
                now + earlier
            ),
        };
    }
    if tally.not_started() > 0 {
        let _ = writeln!(
            out,
            "  {:<9}{} (a rerun sends them)",
            "not sent",
            tally.not_started()
        );
    }
    let rate = if secs > 0.0 {
        tally.requests as f64 / secs
    } else {
        0.0
    };
    // A rate over a request or two in a blink is noise, not news.
    let rate = match crate::words::rate_worth_saying(tally.requests, secs) {
        true => format!(", {rate:.1} requests/s"),
        false => String::new(),
    };
    let _ = writeln!(
        out,
        "  {}, {} sent{rate}",
        plural(tally.total, "operation"),
        plural(tally.requests, "request")
    );
    if tally.retried > 0 {
        let _ = writeln!(
            out,
            "  {} needed retries",
            plural(tally.retried, "operation")
        );
    }
    if tally.throttled > 0 {
        let _ = writeln!(
            out,
            "  {} HTTP 429 (too many requests): the pace was slowed down",
            plural(tally.throttled, "answer")
        );
    }
    if tally.outages > 0 {
        let _ = writeln!(
            out,
            "  {}: every request failed, so requests were held and probed",
            plural(tally.outages, "outage")
        );
    }
    groups(tally, subjects, paint, &mut out);
    for (instance, reason) in &tally.refused {
        let line = format!(
            "  instance `{}` refused: {}{}",
            sanitise::escaped(instance),
            sanitise::terminal(reason),
            refusal_hint(instance, reason)
        );
        let _ = writeln!(out, "{}", paint.paint(Tone::Bad, &line));
    }
    for (instance, lines, reason) in &tally.unexpanded {
        let lines: Vec<String> = lines.iter().map(u32::to_string).collect();
        let line = format!(
            "  `*` of instance `{}` (line{} {}) not expanded, nothing sent for it: {}; a rerun lists the groups again",
            sanitise::escaped(instance),
            if lines.len() == 1 { "" } else { "s" },
            lines.join(", "),
            sanitise::terminal(reason),
        );
        let _ = writeln!(out, "{}", paint.paint(Tone::Bad, &line));
    }
    let _ = writeln!(
        out,
        "  results: {}",
        sanitise::escaped(&results.display().to_string())
    );
    let earlier: u64 = tally.earlier.values().sum();
    if tally.total > 0 && earlier == tally.total && interrupt.is_none() {
        let _ = writeln!(
            out,
            "  nothing was sent: earlier rows of the results file settle every operation; `greenbatch run --fresh` sends them again"
        );
    }
    out
}

/// `  in Book club (120363169960827018@g.us): done 2, rejected 1`: a line
/// per group this run finished operations in, those needing a person first,
/// at most [`GROUPS_LISTED`].
fn groups(tally: &Tally, subjects: &Subjects, paint: Palette, out: &mut String) {
    let groups = tally.groups.worst_first();
    for (chat, counts) in groups.iter().take(GROUPS_LISTED) {
        let counts: Vec<String> = counts
            .iter()
            .map(|(o, n)| format!("{} {n}", paint.paint(o.tone(), o.as_str())))
            .collect();
        let group = subjects::label(&sanitise::escaped(chat), subjects.get(chat));
        let _ = writeln!(out, "  in {group}: {}", counts.join(", "));
    }
    if groups.len() > GROUPS_LISTED {
        let more = (groups.len() - GROUPS_LISTED) as u64;
        let _ = writeln!(
            out,
            "  … and {more} more group{} (greenbatch report lists them all)",
            crate::words::s(more)
        );
    }
}

/// Where to look, for the refusals a configuration causes: the
/// environment's `default` instance names its variables.
fn refusal_hint(instance: &str, reason: &str) -> String {
    let env = instance == "default";
    if reason.contains("HTTP 401") {
        match env {
            true => ": check GREEN_API_TOKEN_INSTANCE".into(),
            false => format!(
                ": check the token of instance `{}` in the instances file",
                sanitise::escaped(instance)
            ),
        }
    } else if reason.contains("HTTP 403") {
        match env {
            true => ": check GREEN_API_ID_INSTANCE and GREEN_API_URL".into(),
            false => format!(
                ": check the id_instance and api_url of instance `{}`",
                sanitise::escaped(instance)
            ),
        }
    } else {
        String::new()
    }
}

use crate::words::plural;

/// Milliseconds are noise in a summary.
fn round(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64 / 100 * 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_outcomes_now_and_earlier() {
        let mut t = Tally {
            total: 5,
            ..Tally::default()
        };
        t.record(Outcome::Done, 2);
        t.record(Outcome::Rejected, 1);
        t.record_earlier(Outcome::Done);
        let text = render(
            &t,
            &Subjects::default(),
            Duration::from_millis(1234),
            Path::new("x.results.csv"),
            None,
        );
        assert_eq!(
            text,
            "finished in 1s 200ms\n  done     2 (1 from earlier runs)\n  rejected 1\n  not sent 2 (a rerun sends them)\n  5 operations, 3 requests sent\n  1 operation needed retries\n  results: x.results.csv\n"
        );
    }

    #[test]
    fn a_run_that_earlier_rows_settle_whole_names_fresh() {
        let mut t = Tally {
            total: 2,
            ..Tally::default()
        };
        t.record_earlier(Outcome::Done);
        t.record_earlier(Outcome::Already);
        let text = render(
            &t,
            &Subjects::default(),
            Duration::ZERO,
            Path::new("x.results.csv"),
            None,
        );
        assert!(text.ends_with("  results: x.results.csv\n  nothing was sent: earlier rows of the results file settle every operation; `greenbatch run --fresh` sends them again\n"), "{text}");
        t.record(Outcome::Done, 1);
        t.total = 3;
        let text = render(
            &t,
            &Subjects::default(),
            Duration::ZERO,
            Path::new("x.results.csv"),
            None,
        );
        assert!(!text.contains("--fresh"), "{text}");
    }

    #[test]
    fn groups_are_named_by_their_subjects_the_worst_first() {
        let mut t = Tally {
            total: 14,
            ..Tally::default()
        };
        let book = "120363169960827018@g.us";
        let market = "120363043968066561@g.us";
        for (chat, outcome) in [
            (market, Outcome::Done),
            (book, Outcome::Done),
            (book, Outcome::Rejected),
        ] {
            t.record(outcome, 1);
            t.groups.record(chat, outcome);
        }
        for k in 0..11 {
            t.groups
                .record(&format!("1203630000000000{k:02}@g.us"), Outcome::Done);
        }
        let mut subjects = Subjects::default();
        subjects.learn(book, "Book club");
        subjects.learn(market, "\u{1b}[2JMarket\nnext");
        let text = render(&t, &subjects, Duration::ZERO, Path::new("x.csv"), None);
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  in ") || l.contains("more"))
            .collect();
        assert_eq!(
            lines[0],
            format!("  in Book club ({book}): done 1, rejected 1")
        );
        assert_eq!(
            lines[1],
            format!("  in \\u{{1b}}[2JMarket\\u{{a}}next ({market}): done 1"),
            "a subject is shown, not obeyed"
        );
        assert_eq!(
            lines[2], "  in 120363000000000000@g.us: done 1",
            "no subject: the ID alone"
        );
        assert_eq!(lines.len(), 11);
        assert_eq!(
            lines[10],
            "  … and 3 more groups (greenbatch report lists them all)"
        );
    }
}

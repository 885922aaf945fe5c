//! Log lines in a person's words: what a moderator reads at 7 a.m. in a
//! terminal or a cron log. One line per event, no timestamp and no module
//! path (cron and journald stamp lines themselves), led by the level as a
//! word and the instance's name:
//!
//! ```text
//! warning: wa-main: cannot connect to 7105.api.greenapi.com (connection refused); every removeGroupParticipant request fails: holding them and trying again in 1 s
//! ```
//!
//! Events say `instance`, `host` and `reason` as fields; this format puts
//! them into the sentence (the host, never the URL: its path holds the
//! token). `-v` and `--log-format json` keep tracing's full structured form.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::colour::Tone;

/// The plain-words event format (see the module docs).
pub(crate) struct Human;

/// The fields this format reads; the others are left to `-v`.
#[derive(Default)]
struct Said {
    message: String,
    instance: Option<String>,
    host: Option<String>,
    reason: Option<String>,
}

impl Visit for Said {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.keep(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.keep(field, format!("{value:?}"));
    }
}

impl Said {
    fn keep(&mut self, field: &Field, value: String) {
        match field.name() {
            "message" => self.message = value,
            "instance" => self.instance = Some(value),
            "host" => self.host = Some(value),
            "reason" => self.reason = Some(value),
            _ => {}
        }
    }
}

impl<S, N> FormatEvent<S, N> for Human
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut said = Said::default();
        event.record(&mut said);
        let (word, tone) = level_word(*event.metadata().level());
        let palette = crate::colour::stderr();
        write!(writer, "{}: ", palette.paint(tone, word))?;
        writeln!(writer, "{}", sentence(&said))
    }
}

/// The level as a word a person reads, and its colour.
fn level_word(level: Level) -> (&'static str, Tone) {
    match level {
        Level::ERROR => ("error", Tone::Error),
        Level::WARN => ("warning", Tone::Warning),
        Level::INFO => ("note", Tone::Note),
        Level::DEBUG => ("debug", Tone::Dim),
        Level::TRACE => ("trace", Tone::Dim),
    }
}

/// `instance: reason; message`, each part when the event has it.
fn sentence(said: &Said) -> String {
    let mut line = String::new();
    if let Some(instance) = &said.instance {
        line.push_str(instance);
        line.push_str(": ");
    }
    if let Some(reason) = said.reason.as_deref().filter(|r| !r.is_empty()) {
        line.push_str(&plain_reason(reason, said.host.as_deref()));
        line.push_str("; ");
    }
    line.push_str(&said.message);
    line
}

/// A transport failure said with the host it concerns: `cannot connect:
/// connection refused` becomes `cannot connect to HOST (connection
/// refused)`. Other reasons (an HTTP status, the API's own words) are
/// already plain and stay as they are.
pub(crate) fn plain_reason(reason: &str, host: Option<&str>) -> String {
    let Some(host) = host else {
        return reason.to_owned();
    };
    if let Some(cause) = reason.strip_prefix("cannot connect: ") {
        return format!("cannot connect to {host} ({})", parenthesised(cause));
    }
    if let Some(rest) = reason.strip_prefix("no answer within the timeout") {
        return format!("no answer from {host} within the timeout{rest}");
    }
    if let Some(cause) = reason.strip_prefix("connection lost before the answer: ") {
        return format!(
            "the connection to {host} broke before the answer ({})",
            parenthesised(cause)
        );
    }
    reason.to_owned()
}

/// `cause (more)` → `cause) (more`: a cause with a note after it (the
/// outage's "every request failed for 3s…") keeps the note outside the
/// parentheses the host's sentence puts around the cause.
fn parenthesised(cause: &str) -> String {
    match cause.find(" (") {
        Some(at) if cause.ends_with(')') => {
            format!("{}){}", &cause[..at], &cause[at..cause.len() - 1])
        }
        _ => cause.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_reasons_name_the_host() {
        assert_eq!(
            plain_reason(
                "cannot connect: connection refused",
                Some("7105.api.greenapi.com")
            ),
            "cannot connect to 7105.api.greenapi.com (connection refused)"
        );
        assert_eq!(
            plain_reason(
                "cannot connect: connection refused (every request failed for 3s: gave up waiting; a rerun will retry)",
                Some("127.0.0.1:7700")
            ),
            "cannot connect to 127.0.0.1:7700 (connection refused) (every request failed for 3s: gave up waiting; a rerun will retry)"
        );
        assert_eq!(
            plain_reason("no answer within the timeout", Some("h")),
            "no answer from h within the timeout"
        );
        assert_eq!(
            plain_reason("HTTP 502 Bad Gateway", Some("h")),
            "HTTP 502 Bad Gateway"
        );
        assert_eq!(
            plain_reason("cannot connect: refused", None),
            "cannot connect: refused"
        );
    }
}

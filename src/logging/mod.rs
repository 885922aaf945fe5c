//! tracing set-up: quiet by default, on stderr, in a person's words
//! ([`human`]) or tracing's structured text with `-v`, JSON with
//! `--log-format json`; GREENBATCH_LOG as a full filter override.

mod human;

use tracing_subscriber::EnvFilter;

use crate::cli::{LogArgs, LogFormat};

/// The environment variable that overrides `-v`/`-q` with a tracing filter.
pub const ENV: &str = "GREENBATCH_LOG";

/// The filter `-v`/`-q` ask for: warnings by default.
pub fn default_filter(verbose: u8, quiet: u8) -> &'static str {
    match (verbose, quiet) {
        (_, q) if q > 0 => "error",
        (0, _) => "warn",
        (1, _) => "greenbatch=info,warn",
        (2, _) => "greenbatch=debug,info",
        _ => "greenbatch=trace,debug",
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// One plain sentence per event (the default).
    Human,
    /// tracing's text: timestamp, level, module path, fields.
    Structured,
    Json,
}

/// The style the flags ask for: plain words unless `-v`, a filter of
/// one's own (`GREENBATCH_LOG`: someone debugging) or JSON is asked for.
pub fn style(args: &LogArgs, filter_from_env: bool) -> Style {
    match args.log_format {
        LogFormat::Json => Style::Json,
        LogFormat::Text if args.verbose > 0 || filter_from_env => Style::Structured,
        LogFormat::Text => Style::Human,
    }
}

/// Installs the global subscriber. Log lines go to stderr, through
/// [`crate::report`]'s writer when a progress bar is drawn, so they never tear it.
pub fn init(args: &LogArgs) {
    let from_env = EnvFilter::try_from_env(ENV).ok();
    let style = style(args, from_env.is_some());
    let filter =
        from_env.unwrap_or_else(|| EnvFilter::new(default_filter(args.verbose, args.quiet)));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::report::term::StderrAroundBar);
    let _ = match style {
        Style::Human => builder.event_format(human::Human).try_init(),
        Style::Structured => builder
            .with_ansi(crate::colour::stderr().is_on())
            .try_init(),
        Style::Json => builder.json().try_init(),
    };
}

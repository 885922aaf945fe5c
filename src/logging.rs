//! tracing set-up: quiet by default, on stderr, text or JSON, with
//! GREENBATCH_LOG as a full filter override.

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

/// Installs the global subscriber. Log lines go to stderr, through
/// [`crate::report`]'s writer when a progress bar is drawn, so they never tear it.
pub fn init(args: &LogArgs) {
    let filter = EnvFilter::try_from_env(ENV)
        .unwrap_or_else(|_| EnvFilter::new(default_filter(args.verbose, args.quiet)));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::report::term::StderrAroundBar);
    let _ = match args.log_format {
        LogFormat::Text => builder
            .with_ansi(crate::colour::stderr().is_on())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

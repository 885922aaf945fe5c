//! What the user typed: the clap definitions of every command and flag.
//!
//! The names here are a contract that users' scripts rely on; add to them,
//! never rename. Doc comments are the `--help` text.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::report::term::ProgressMode;
pub use crate::runner::rate::Rate;

/// Bulk group moderation for GREEN-API (WhatsApp and MAX): remove, add,
/// promote and demote participants from a CSV or YAML manifest, paced within
/// each instance's rate limits, retried, and resumable from a results file.
///
/// Credentials for the instance named `default` come from GREEN_API_URL,
/// GREEN_API_ID_INSTANCE, GREEN_API_TOKEN_INSTANCE and GREEN_API_PLATFORM;
/// more instances from `--instances FILE`. A token is never accepted on the
/// command line.
#[derive(Debug, Parser)]
#[command(
    name = "greenbatch",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub log: LogArgs,
}

/// Logging: quiet by default, on stderr; GREENBATCH_LOG takes a tracing filter
/// (for example `greenbatch=debug`) and overrides -v and -q.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less output: -q hides warnings, -qq also the final summary.
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
    /// Log line format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local, stateful GREEN-API emulator for tests and rehearsals.
    Sandbox(SandboxArgs),
    /// Run every operation of a manifest, paced, retried and recorded in a
    /// results file; a rerun sends only what is left.
    Run(RunArgs),
    /// Show the whole job on the embedded sandbox: a run with retries, then a
    /// rerun that sends nothing.
    Demo(DemoArgs),
}

/// `greenbatch run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The manifest: a .csv, .yaml or .yml file, or `-` for standard input.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// Where outcomes are appended, one row per operation [default: the
    /// manifest's path with its extension replaced by `.results.csv`].
    #[arg(long, value_name = "PATH")]
    pub results: Option<PathBuf>,
    #[command(flatten)]
    pub manifest_args: ManifestArgs,
    /// Pace of each moderation method per instance, like `5/s`, `0.5/s` or
    /// `30/m`; at most the documented limit (WhatsApp 10/s, MAX 1/s) [default:
    /// the instance's `rate`, else half the documented limit].
    #[arg(long, value_name = "N/s")]
    pub rate: Option<Rate>,
    /// Requests in flight per instance, at most.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Requests per operation, at most, before a transient failure ends it `failed`.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
    /// How long one request may take, answer included; GREEN-API has been
    /// seen to hang for over a minute.
    #[arg(long, value_name = "DURATION", default_value = "90s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Send operations again that an earlier run recorded as `rejected`.
    #[arg(long)]
    pub retry_rejected: bool,
    /// Validate and print the plan; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// When to draw the progress bar on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// `greenbatch demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo writes its manifest and results [default: a new
    /// directory under the system's temporary directory].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// When to draw the progress bar on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// `greenbatch sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port. Loopback only.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// YAML state (instances, groups, limits, faults); the built-in default when absent.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Seed for probabilistic faults; overrides the state file's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// A duration such as `90s`, `2m` or `500ms`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration ({e}); try `30s` or `2m`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

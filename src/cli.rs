//! What the user typed: the clap definitions of every command and flag.
//!
//! The names here are a contract that users' scripts rely on; add to them,
//! never rename. Doc comments are the `--help` text.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Switch rate limits off (for measuring a client's own overhead).
    #[arg(long)]
    pub no_rate_limits: bool,
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

//! `greenbatch completions SHELL`: the completion script clap_complete
//! writes from the same definitions as `--help`, so it never lags behind.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit;

/// Prints the script for the shell asked for.
pub(super) fn execute(args: CompletionsArgs) -> anyhow::Result<u8> {
    io::stdout().lock().write_all(&script(args.shell))?;
    Ok(exit::SUCCESS)
}

/// The completion script for `shell`.
pub(super) fn script(shell: clap_complete::Shell) -> Vec<u8> {
    // Written to memory first: clap_complete gives up with a panic on a
    // failed write, and `completions bash | head` is no reason to panic.
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "greenbatch", &mut out);
    out
}

//! One module per command: each turns its parsed arguments into work and
//! returns the exit code that sums up that work.

mod completions;
mod demo;
mod export;
mod groups;
mod live;
mod man;
mod output;
mod plan;
mod reading;
mod report;
mod report_live;
mod run;
mod sandbox;
mod sync;
mod undo;
mod validate;
mod where_cmd;

use crate::cli::{Cli, Command};
use crate::exit;
use crate::failure::Failure;

/// Runs the command `cli` names and returns its exit code. Every command
/// takes `-q`'s count as it is (`quiet`: 1 hides warnings, notes and
/// progress, 2 the summary too), and says what it does with each.
pub fn execute(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Sandbox(args) => sandbox::execute(args),
        Command::Validate(args) => validate::execute(args, cli.log.quiet),
        Command::Plan(args) => plan::execute(args, cli.log.quiet),
        Command::Run(args) => run::execute(args, cli.log.quiet),
        Command::Demo(args) => demo::execute(args, cli.log.quiet),
        Command::Report(args) => report::execute(args, cli.color, cli.log.quiet),
        Command::Undo(args) => undo::execute(args, cli.log.quiet),
        Command::Completions(args) => completions::execute(args),
        Command::Man(args) => man::execute(args),
        Command::Groups(args) => groups::execute(args, cli.log.quiet),
        Command::Export(args) => export::execute(args, cli.log.quiet),
        Command::Sync(args) => sync::execute(args, cli.log.quiet),
        Command::Where(args) => where_cmd::execute(args, cli.log.quiet),
    }
}

/// `--shard` resolved, `auto` from the job engine's environment (`env`):
/// a usage error naming what to set when it cannot be.
fn shard_of(
    arg: Option<crate::shard::ShardArg>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<crate::shard::Shard>, Failure> {
    arg.map(|a| a.resolve(env))
        .transpose()
        .map_err(Failure::Usage)
}

/// The text `main` prints for an error that ended a command early, with
/// every token of the process scrubbed (a worker's panic message arrives
/// inside tokio's `JoinError`, which the panic hook's scrub never saw) and
/// control characters from paths or values shown escaped.
pub fn error_text(err: &anyhow::Error) -> String {
    let text = crate::secret::scrub_all(&format!("{err:#}"));
    crate::sanitise::escaped_lines(&text).into_owned()
}

/// The exit code for an error that ended a command early: a [`Failure`]'s
/// own; anything else stopped the tool before it could finish its work (the
/// results file holds what finished, and a rerun goes on from there).
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<Failure>() {
        Some(failure) => failure.exit_code(),
        None => exit::FAILED,
    }
}

/// Prints the error that ended a command early on stderr, the one place
/// such errors are printed: `error: ` and its text, or diagnostics that
/// say `error:` themselves as they are, or nothing for problems that were
/// said as they were found. Every token of the process is scrubbed.
pub fn print_error(err: &anyhow::Error) {
    match err.downcast_ref::<Failure>() {
        Some(Failure::Reported(_)) => {}
        // Each diagnostic escaped its own values and may be coloured.
        Some(Failure::Rejected(text)) => eprint!("{}", crate::secret::scrub_all(text)),
        _ => eprintln!(
            "{}: {}",
            crate::colour::stderr().paint(crate::colour::Tone::Error, "error"),
            error_text(err)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_task_s_join_error_is_printed_without_the_token() {
        let sentinel = "7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a";
        let token = crate::secret::Token::new(sentinel);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let joined = runtime.block_on(async move {
            tokio::spawn(async move {
                let url = format!(
                    "http://127.0.0.1/waInstance1/getGroupData/{}",
                    token.expose()
                );
                panic!("worker failed on {url}");
            })
            .await
        });
        let err = anyhow::Error::from(joined.unwrap_err());
        assert!(
            format!("{err:#}").contains(sentinel),
            "the JoinError carries it"
        );
        let text = error_text(&err);
        assert!(!text.contains(sentinel), "{text}");
        assert!(text.contains("getGroupData/***"), "{text}");
    }
}

//! The `greenbatch` binary: parse arguments, set up logging, hand off to the
//! command, and turn its result into an exit code.

use std::process::ExitCode;

use clap::Parser;
use greenbatch::colour;
use greenbatch::{cli::Cli, commands, logging};

fn main() -> ExitCode {
    greenbatch::secret::install_panic_hook();
    greenbatch::secret::learn_environment();
    let cli = Cli::parse();
    colour::init(cli.color);
    logging::init(&cli.log);
    match commands::execute(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            commands::print_error(&err);
            ExitCode::from(commands::exit_code_of(&err))
        }
    }
}

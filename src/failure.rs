//! Why a command ended before its work was done, with the exit code each
//! reason means (nextest's `process_exit_code()` pattern): commands return
//! a [`Failure`] and `main` prints it, in one place and through the token
//! scrubber, instead of each command printing its own `error:` line.

use crate::exit;
use crate::report::results::OpenError;

/// A command's early end. Anything else that ends a command early (an I/O
/// error writing its output, a task that panicked) exits 3: the results
/// file holds what finished, and a rerun goes on from there.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// What the user typed or wrote is wrong; nothing was sent. Exit 2.
    #[error("{0}")]
    Usage(String),
    /// The input was rejected with one diagnostic per problem, each saying
    /// `error:` itself, as the text to print whole. Exit 2.
    #[error("{0}")]
    Rejected(String),
    /// Another greenbatch holds a file this one needs. Exit 75.
    #[error("{0}")]
    Locked(String),
    /// The results file cannot be used; its own code (75 or 2).
    #[error(transparent)]
    Results(#[from] OpenError),
    /// The problems were printed as they were found (a command that reads
    /// several instances says each one's); only the code is left to give.
    #[error("")]
    Reported(u8),
}

impl Failure {
    /// The exit code this failure ends the process with (README's table).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) | Failure::Rejected(_) => exit::USAGE,
            Failure::Locked(_) => exit::LOCKED,
            Failure::Results(e) => e.exit_code(),
            Failure::Reported(code) => *code,
        }
    }

    /// Shorthand for the most common failure.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::Usage(message.into())
    }
}

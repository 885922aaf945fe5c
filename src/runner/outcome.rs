//! The final outcome of an operation, as recorded in the results file.

use std::fmt;
use std::str::FromStr;

/// How an operation ended. The names are written to the results CSV and are
/// part of its contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The API answered 200 with the flag true and no error.
    Done,
    /// The goal already held (for example, the participant had already left); nothing needed doing.
    Already,
    /// A definite refusal: the flag false, an error text, a validation error. Never retried.
    Rejected,
    /// Transient failures outlasted the retries; a rerun may fix it.
    Failed,
    /// Not attempted or not finished because its instance was refused or the run was interrupted.
    Aborted,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Done,
        Outcome::Already,
        Outcome::Rejected,
        Outcome::Failed,
        Outcome::Aborted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Already => "already",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
            Outcome::Aborted => "aborted",
        }
    }

    /// The results file's `ok` column: the goal holds.
    pub fn is_ok(self) -> bool {
        matches!(self, Outcome::Done | Outcome::Already)
    }

    /// Whether a rerun skips an operation whose latest row has this outcome.
    /// How the outcome is painted: ok, needs a person, or a rerun sends it.
    pub fn tone(self) -> crate::colour::Tone {
        use crate::colour::Tone;
        match self {
            Outcome::Done | Outcome::Already => Tone::Good,
            Outcome::Rejected => Tone::Bad,
            Outcome::Failed | Outcome::Aborted => Tone::Retry,
        }
    }

    pub fn is_settled(self, retry_rejected: bool) -> bool {
        match self {
            Outcome::Done | Outcome::Already => true,
            Outcome::Rejected => !retry_rejected,
            Outcome::Failed | Outcome::Aborted => false,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown outcome `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_rerun_rules_hold() {
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse(), Ok(o));
        }
        assert!(Outcome::Done.is_settled(true));
        assert!(Outcome::Rejected.is_settled(false));
        assert!(!Outcome::Rejected.is_settled(true));
        assert!(!Outcome::Failed.is_settled(false));
        assert!(!Outcome::Aborted.is_settled(false));
    }
}

//! The exit codes, the one place they are defined. Scripts rely on them.

/// Every operation `done` or `already`.
pub(crate) const SUCCESS: u8 = 0;
/// Finished; some operations `rejected`, none left retryable.
pub(crate) const REJECTED: u8 = 1;
/// Invalid usage or manifest; nothing sent.
pub(crate) const USAGE: u8 = 2;
/// Finished; some operations `failed`, and a rerun may fix them.
pub(crate) const FAILED: u8 = 3;
/// An instance was refused (authorization, quota, state): its operations `aborted`.
pub(crate) const INSTANCE_REFUSED: u8 = 4;
/// Another run holds the results file (BSD `EX_TEMPFAIL`).
pub(crate) const LOCKED: u8 = 75;
/// Interrupted by SIGINT.
pub(crate) const SIGINT: u8 = 130;
/// Interrupted by SIGTERM.
pub(crate) const SIGTERM: u8 = 143;

/// What `code` means, in words a moderator reads (a `--notify` message).
pub(crate) fn meaning(code: u8) -> &'static str {
    match code {
        SUCCESS => "every operation done",
        REJECTED => "some operations were refused by the API; a person should look",
        USAGE => "the input was not valid; nothing was sent",
        FAILED => "some operations failed for now; a rerun sends them",
        INSTANCE_REFUSED => "an instance was refused (authorization, quota or state)",
        LOCKED => "another run held the results file",
        SIGINT | SIGTERM => "interrupted; a rerun goes on where it stopped",
        _ => "ended",
    }
}

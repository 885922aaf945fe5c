//! `greenbatch sandbox`: serve the emulator until Ctrl-C.

use crate::cli::SandboxArgs;

pub fn execute(_args: SandboxArgs) -> anyhow::Result<u8> {
    anyhow::bail!("the sandbox is being built (issue 2)")
}

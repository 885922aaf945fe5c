//! `greenbatch sandbox`: serve the emulator until Ctrl-C or SIGTERM, after
//! printing how to point a client at it.

use std::io::Write;

use anyhow::Context;

use crate::cli::SandboxArgs;
use crate::exit;
use crate::failure::Failure;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

pub(super) fn execute(args: SandboxArgs) -> anyhow::Result<u8> {
    let mut config = match &args.state {
        Some(path) => SandboxConfig::from_file(path).map_err(|e| Failure::Usage(e.to_string()))?,
        None => SandboxConfig::default_state(),
    };
    if let Some(seed) = args.seed {
        config = config.with_seed(seed);
    }
    if args.no_rate_limits {
        config = config.without_rate_limits();
    }
    if let Some(latency) = args.latency {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        config = config.with_latency(ms, args.latency_jitter);
    }
    if let Some(latency) = args.latency_in {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        config = config.with_latency_in(ms, args.latency_in_jitter);
    }
    config = config.with_ledger_capacity(args.ledger_capacity);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut stop = Stop::watch()?;
        let handle = Sandbox::start(config, args.listen)
            .await
            .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", args.listen)))?;
        print_instructions(&handle, &mut std::io::stdout().lock())
            .context("cannot write to stdout")?;
        stop.requested().await;
        handle.shutdown().await;
        Ok(exit::SUCCESS)
    })
}

/// The built-in state's instances as `examples/manifests/instances.yaml`
/// names them: its `token_env` variable for each.
pub(crate) const EXAMPLE_INSTANCES: [(&str, &str); 3] = [
    ("1101000001", "GREEN_API_SANDBOX_WA_MAIN_TOKEN"),
    ("1101000002", "GREEN_API_SANDBOX_WA_SECOND_TOKEN"),
    ("3100000001", "GREEN_API_SANDBOX_MAX_MAIN_TOKEN"),
];
/// Where that file says the sandbox is.
const EXAMPLE_LISTEN: &str = "127.0.0.1:7700";

/// The exports that make `examples/manifests/instances.yaml` (and the
/// example manifests and desired file that name its instances) work
/// against this sandbox as they are, when it serves the built-in state.
fn example_instances(handle: &SandboxHandle, out: &mut impl Write) -> std::io::Result<()> {
    let instances = handle.instances();
    let tokens: Vec<String> = EXAMPLE_INSTANCES
        .iter()
        .filter_map(|(id, var)| {
            let i = instances.iter().find(|i| i.id_instance == *id)?;
            Some(format!("{var}={}", i.token.expose()))
        })
        .collect();
    if tokens.len() != EXAMPLE_INSTANCES.len() {
        return Ok(());
    }
    writeln!(out)?;
    let listening = handle.api_url().ends_with(EXAMPLE_LISTEN);
    match listening {
        true => writeln!(
            out,
            "For examples/manifests/instances.yaml (wa-main, wa-second, max-main):"
        )?,
        false => writeln!(
            out,
            "For examples/manifests/instances.yaml (wa-main, wa-second, max-main), which names {EXAMPLE_LISTEN}, start the sandbox with --listen {EXAMPLE_LISTEN}, then:"
        )?,
    }
    writeln!(out, "export {}", tokens.join(" "))
}

/// The apiUrl, every instance's credentials, and ready-to-paste exports for
/// the first one. The tokens are the sandbox's own, worthless elsewhere,
/// which is why showing them here is fine.
fn print_instructions(handle: &SandboxHandle, out: &mut impl Write) -> std::io::Result<()> {
    let url = handle.api_url();
    writeln!(out, "GREEN-API sandbox listening")?;
    writeln!(out, "apiUrl: {url}")?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<12} {:<9} apiTokenInstance",
        "idInstance", "platform"
    )?;
    for i in handle.instances() {
        writeln!(
            out,
            "{:<12} {:<9} {}",
            i.id_instance,
            i.platform.as_str(),
            i.token.expose()
        )?;
    }
    if let Some(first) = handle.instances().first() {
        writeln!(out)?;
        writeln!(out, "Point greenbatch at the first instance:")?;
        // Limits other than the documented ones must be declared, or the
        // client paces by the documented table.
        let limits = handle
            .declared_limits(&first.id_instance)
            .map(|l| format!(" GREEN_API_LIMITS={l}"))
            .unwrap_or_default();
        writeln!(
            out,
            "export GREEN_API_URL={url} GREEN_API_ID_INSTANCE={} GREEN_API_TOKEN_INSTANCE={} GREEN_API_PLATFORM={}{limits}",
            first.id_instance,
            first.token.expose(),
            first.platform.as_str()
        )?;
    }
    example_instances(handle, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Inspect: {url}/__sandbox/ledger and {url}/__sandbox/state. Ctrl-C stops."
    )?;
    out.flush()
}

/// Ctrl-C (SIGINT) and SIGTERM, watched from the moment this is created:
/// the handlers must be in place before the instructions are printed, or a
/// script that signals right after reading them would kill the process.
struct Stop {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Stop {
    fn watch() -> anyhow::Result<Stop> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stop {
                int: signal(SignalKind::interrupt()).context("cannot watch SIGINT")?,
                term: signal(SignalKind::terminate()).context("cannot watch SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Stop {})
    }

    async fn requested(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

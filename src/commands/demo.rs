//! `greenbatch demo`: the whole job on the embedded sandbox. It starts the
//! sandbox on a free loopback port with a few transient faults injected, runs
//! an example manifest through the real `run` path (progress bar, retries,
//! results file), then runs it again to show that nothing is sent twice.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::cli::{DemoArgs, ManifestArgs, RunArgs};
use crate::greenapi::Method;
use crate::sandbox::{Fault, FaultRule, Sandbox, SandboxConfig, SandboxHandle};

use super::run::{Prepared, prepare};
use super::session::drive;

/// The manifest the demo runs: the WhatsApp cleanup example, shipped inside
/// the binary so the demo works from any directory.
const MANIFEST_NAME: &str = "whatsapp-cleanup.csv";
const MANIFEST: &str = include_str!("../../examples/manifests/whatsapp-cleanup.csv");
/// The sandbox instance that plays `default`.
const INSTANCE: &str = "1101000001";

pub fn execute(args: DemoArgs, quiet: u8) -> anyhow::Result<u8> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("greenbatch-demo-{}", std::process::id())),
    };
    // Private like the results file: the demo's directory is under the
    // shared temporary directory by default.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    let manifest = dir.join(MANIFEST_NAME);
    write_private(&manifest, MANIFEST)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config(), "127.0.0.1:0".parse()?).await?;
        let outcome = demo(&sandbox, &manifest, args.progress, quiet).await;
        sandbox.shutdown().await;
        outcome
    })
}

/// Writes `text` to `path`, creating it with mode 0600.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}

/// The default state with transient faults on removals, so retries show.
fn config() -> SandboxConfig {
    let sometimes = |fault, probability| FaultRule {
        probability: Some(probability),
        ..FaultRule::always(fault).for_method(Method::RemoveGroupParticipant)
    };
    SandboxConfig::default_state()
        .with_seed(2026)
        .with_faults(vec![
            sometimes(
                Fault::TooManyRequests {
                    retry_after: Some(1),
                },
                0.15,
            ),
            sometimes(Fault::BadGateway, 0.15),
        ])
}

async fn demo(
    sandbox: &SandboxHandle,
    manifest: &Path,
    progress: crate::cli::ProgressMode,
    quiet: u8,
) -> anyhow::Result<u8> {
    let credentials = sandbox
        .instance(INSTANCE)
        .ok_or_else(|| anyhow::anyhow!("the sandbox has no instance {INSTANCE}"))?;
    let (url, id, token) = (
        sandbox.api_url(),
        credentials.id_instance.clone(),
        credentials.token.clone(),
    );
    let env = move |key: &str| match key {
        "GREEN_API_URL" => Some(url.clone()),
        "GREEN_API_ID_INSTANCE" => Some(id.clone()),
        "GREEN_API_TOKEN_INSTANCE" => Some(token.expose().to_owned()),
        "GREEN_API_PLATFORM" => Some("whatsapp".to_owned()),
        _ => None,
    };
    let results: PathBuf = manifest.with_extension("results.csv");
    let _ = std::fs::remove_file(&results);
    let args = RunArgs {
        manifest: manifest.to_owned(),
        results: Some(results.clone()),
        manifest_args: ManifestArgs::default(),
        rate: None,
        concurrency: 8,
        max_attempts: 5,
        timeout: std::time::Duration::from_secs(10),
        outage_patience: crate::runner::pace::DEFAULT_PATIENCE,
        retry_rejected: false,
        dry_run: false,
        live: false,
        no_preflight: false,
        no_live: false,
        progress,
    };
    println!(
        "sandbox GREEN-API listening on {} (rate limits enforced; some 429s and 502s injected)",
        sandbox.api_url()
    );
    println!(
        "instance `default` is sandbox instance {INSTANCE}; manifest: {}\n",
        manifest.display()
    );
    let mut code = 0;
    for (round, title) in [
        (1, "first run"),
        (2, "rerun over the same results file: nothing is sent twice"),
    ] {
        println!("== {title}");
        let sent_before = sandbox.ledger().len();
        let session = match prepare(&args, &env, quiet)? {
            Prepared::Ready(session) => session,
            Prepared::Exit(code) => return Ok(code),
        };
        let (tally, interrupt) = drive(*session, true).await?;
        code = tally.exit_code(interrupt);
        let seen = &sandbox.ledger()[sent_before..];
        let reads = seen
            .iter()
            .filter(|e| e.method.as_deref().is_some_and(|m| m.starts_with("get")))
            .count();
        println!(
            "  the sandbox saw {} requests ({} moderation, {reads} state reads)\n",
            seen.len(),
            seen.len() - reads
        );
        if interrupt.is_some() || round == 2 {
            break;
        }
    }
    println!("results: {}", results.display());
    Ok(code)
}

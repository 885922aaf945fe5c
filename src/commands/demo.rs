//! `greenbatch demo`: the whole job on the embedded sandbox. It starts the
//! sandbox on a free loopback port with a few transient faults injected, runs
//! an example manifest through the real `run` path (progress bar, retries,
//! results file), then runs it again to show that nothing is sent twice.
//!
//! It writes only into a directory it has just created: a fresh, randomly
//! named one under the temporary directory (or `--dir`, which must not exist
//! yet), mode 0700, so nobody can have planted a link or a results file in
//! it; its files are created new, never following a link.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::cli::DemoArgs;
use crate::greenapi::Method;
use crate::job::{Job, JobConfig};
use crate::manifest::LoadOptions;
use crate::sandbox::{Fault, FaultRule, Sandbox, SandboxConfig, SandboxHandle};

use crate::failure::Failure;
use crate::sanitise;

/// The manifest the demo runs: the WhatsApp cleanup example, shipped inside
/// the binary so the demo works from any directory.
const MANIFEST_NAME: &str = "whatsapp-cleanup.csv";
const MANIFEST: &str = include_str!("../../examples/manifests/whatsapp-cleanup.csv");
/// The sandbox instance that plays `default`.
const INSTANCE: &str = "1101000001";

pub(super) fn execute(args: DemoArgs, quiet: u8) -> anyhow::Result<u8> {
    let dir = fresh_dir(args.dir.as_deref())?;
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

/// A directory just created for the demo, mode 0700: `asked` (its parents
/// made as needed; refused if it exists already), or a new randomly named
/// one under the temporary directory, which is shared with other users.
fn fresh_dir(asked: Option<&Path>) -> anyhow::Result<PathBuf> {
    let Some(dir) = asked else {
        let made = tempfile::Builder::new()
            .prefix("greenbatch-demo-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()?;
        return Ok(made.keep());
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(dir.to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Failure::Usage(format!(
            "{} exists already; the demo writes only into a directory it creates: name a new one, or leave --dir out",
            sanitise::escaped(&dir.display().to_string())
        ))
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// Writes `text` to a new file at `path`, mode 0600: never an existing
/// file, never through a symbolic link.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
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
    // `run`'s own defaults, but a shorter wait for an answer: the sandbox
    // is on loopback, and the demo should not sit out an injected hang.
    let config = JobConfig {
        timeout: std::time::Duration::from_secs(10),
        progress,
        quiet,
        ..JobConfig::default()
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
        let sent_before = sandbox.ledger_totals().requests;
        let job = Job::from_manifest(
            manifest,
            &LoadOptions::default(),
            Some(&results),
            config.clone(),
            &env,
        )?;
        let ran = job.drive(true).await?;
        code = ran.exit_code();
        // Sequence numbers count every request: this round's start from there.
        let seen: Vec<_> = sandbox
            .ledger()
            .into_iter()
            .filter(|e| e.seq >= sent_before)
            .collect();
        let reads = seen
            .iter()
            .filter(|e| e.method.as_deref().is_some_and(|m| m.starts_with("get")))
            .count();
        println!(
            "  the sandbox saw {} requests ({} moderation, {reads} state reads)\n",
            seen.len(),
            seen.len() - reads
        );
        if ran.interrupt.is_some() || round == 2 {
            break;
        }
    }
    println!("results: {}", results.display());
    Ok(code)
}

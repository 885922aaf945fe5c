//! `greenbatch export CHAT_ID... | --all`: read groups and write their
//! members, as the export CSV or as a desired-state file that a sync leaves
//! unchanged ([`crate::desired::export`] writes both).
//!
//! A group named on the command line is read by the one configured
//! instance of its platform, or by `--instance`; with `--all`, every group
//! `greenbatch groups` lists, each by the first instance that lists it.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use super::reading::{self, ReadProgress};
use crate::cli::{ExportArgs, ExportFormat};
use crate::desired::export::{Exported, write_csv, write_yaml};
use crate::exit;
use crate::failure::Failure;
use crate::greenapi::ids::{self, IdKind};
use crate::runner::retry::RetryPolicy;
use crate::sanitise::escaped;

/// Exports the groups; exit 4 when an instance was refused, 3 when a group
/// could not be read (the others are written), else 0.
pub(super) fn execute(args: ExportArgs, quiet: u8) -> anyhow::Result<u8> {
    let env = |k: &str| std::env::var(k).ok();
    let chats = group_ids(&args.chats)?;
    let read = &args.read;
    let chosen = reading::choose(read, &chats, &env, quiet)?;
    let named = readers(&chats, &chosen, read.instance.is_some())?;
    let used: Vec<Arc<str>> = if args.all {
        chosen.names.clone()
    } else {
        let mut used: Vec<Arc<str>> = Vec::new();
        for (name, _) in &named {
            if !used.contains(name) {
                used.push(name.clone());
            }
        }
        used
    };
    let setups = crate::job::reading_setups(&chosen.instances, &used, read.rate)?;
    let (client, runtime) = reading::client_and_runtime(read.timeout)?;
    let (targets, mut code) = runtime.block_on(async {
        let retry = RetryPolicy::default();
        let conns = reading::connect(
            &client,
            &setups,
            &used,
            retry,
            crate::defaults::OUTAGE_PATIENCE,
        )
        .await;
        let (wanted, code) = match args.all {
            true => reading::listed(&client, &conns, "exported", quiet).await,
            false => {
                let wanted = named.into_iter().map(|(n, c)| (n, c, None)).collect();
                (wanted, exit::SUCCESS)
            }
        };
        let code = reading::say_refusals(&conns, code);
        let progress = ReadProgress::new(read.progress, quiet, wanted.len() as u64);
        let targets = reading::read_all(conns, &used, wanted, &progress).await;
        progress.finish();
        (targets, code)
    });
    let readable = exportable(&targets, &chosen.instances, quiet, &mut code);
    let write = |out: &mut dyn Write| -> io::Result<()> {
        match args.format {
            ExportFormat::Csv => write_csv(out, &readable),
            ExportFormat::Yaml => {
                let when = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
                write_yaml(out, &readable, &when.to_string())
            }
        }
    };
    match &args.output {
        Some(path) => write_file(path, &write)?,
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
        }
    }
    Ok(code)
}

/// The group IDs on the command line, trimmed; anything else is a usage
/// error naming every one of them.
fn group_ids(given: &[String]) -> Result<Vec<String>, Failure> {
    let bad: Vec<String> = given
        .iter()
        .filter(|c| {
            ids::platform_of(c).is_none_or(|p| ids::kind_of(p, c.trim()) != Some(IdKind::Group))
        })
        .map(|c| format!("`{}` is not a group ID", escaped(c)))
        .collect();
    if !bad.is_empty() {
        return Err(Failure::Usage(format!(
            "{}; a whatsapp group ID looks like `120363043968066561@g.us`, a max one like `-10000000000000`",
            bad.join(", ")
        )));
    }
    Ok(given.iter().map(|c| c.trim().to_owned()).collect())
}

/// Which chosen instance reads each named group: the one of its platform.
/// None or several is a usage error (`chosen_one`: `--instance` was given).
fn readers(
    chats: &[String],
    chosen: &reading::Chosen,
    chosen_one: bool,
) -> Result<Vec<(Arc<str>, String)>, Failure> {
    let mut named: Vec<(Arc<str>, String)> = Vec::new();
    let mut problems = Vec::new();
    for chat in chats {
        let platform = ids::platform_of(chat).expect("checked by group_ids");
        let fits: Vec<&Arc<str>> = chosen
            .names
            .iter()
            .filter(|n| {
                chosen
                    .instances
                    .get(n)
                    .is_some_and(|i| i.platform == platform)
            })
            .collect();
        match fits.as_slice() {
            [one] => named.push(((*one).clone(), chat.clone())),
            [] => problems.push(format!(
                "`{chat}` is a {platform} group, and no {} instance is {platform}",
                if chosen_one { "chosen" } else { "configured" }
            )),
            many => problems.push(format!(
                "`{chat}` could be read by {}: say which with --instance NAME",
                many.iter()
                    .map(|n| format!("`{}`", escaped(n)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    match problems.is_empty() {
        true => Ok(named),
        false => Err(Failure::Usage(problems.join("\n"))),
    }
}

/// The groups that were read, ready to write; each that was not is said
/// on stderr and makes the exit code 3 (unless it is worse already).
fn exportable<'t>(
    targets: &'t [reading::Target],
    instances: &crate::instances::Instances,
    quiet: u8,
    code: &mut u8,
) -> Vec<Exported<'t>> {
    let mut readable = Vec::new();
    for t in targets {
        match &t.state {
            Ok(state) => {
                let platform = instances.get(&t.instance).expect("chosen").platform;
                let g = Exported {
                    instance: &t.instance,
                    platform,
                    chat_id: &t.chat,
                    subject: t.subject.as_deref(),
                    state,
                };
                let skipped = g.members().1;
                if skipped > 0 && quiet == 0 {
                    eprintln!(
                        "warning: group {}: {skipped} members are listed under IDs that are no {platform} person IDs; left out",
                        t.chat
                    );
                }
                readable.push(g);
            }
            Err(e) => {
                reading::say_unread(t, e);
                if *code == exit::SUCCESS {
                    *code = exit::FAILED;
                }
            }
        }
    }
    readable
}

/// Writes `path` whole or not at all (see [`super::output::replace_private`]).
fn write_file(path: &Path, write: &dyn Fn(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    super::output::replace_private(path, write).map_err(|e| {
        let shown = escaped(&path.display().to_string()).into_owned();
        Failure::Usage(format!("cannot write {shown}: {e}")).into()
    })
}

//! `greenbatch where PARTICIPANT...`: which groups someone is in. Every
//! group the chosen instances list (`getContacts`, each group by the first
//! instance listing it, as `export --all` reads them) is read at
//! `getGroupData`'s pace with the reading progress bar, and each
//! participant is looked up in each group of a platform their ID fits.
//!
//! 1. Check the participants ([`asked`]): one that fits no chosen
//!    instance's platform is a usage error (exit 2) before any request.
//! 2. Read the groups of the instances some participant could be in
//!    ([`super::reading`]); a MAX instance is not read for WhatsApp numbers.
//! 3. Look each participant up ([`found`]) and write the listing ([`show`]).
//!
//! Exit 0 when every group was read (found or not); 3 when a listing or a
//! group could not be read (each named on stderr); 4 when an instance was
//! refused.

mod asked;
mod found;
mod show;

use std::io::{self, Write};
use std::sync::Arc;

use super::reading::{self, Chosen, ReadProgress, Target};
use crate::cli::{ListFormat, ReadArgs, WhereArgs};
use crate::exit;
use crate::greenapi::Platform;
use crate::runner::retry::RetryPolicy;
use found::Read;

/// Looks the participants up; the exit code as the module says.
pub(super) fn execute(args: WhereArgs, quiet: u8) -> anyhow::Result<u8> {
    let env = |k: &str| std::env::var(k).ok();
    let read = &args.read;
    // A participant's ID may tell an unset GREEN_API_PLATFORM, as a
    // group's does for `export`.
    let chosen = reading::choose(read, &args.participants, &env, quiet)?;
    let asked = asked::check_all(&args.participants, &platforms(&chosen), quiet)?;
    let used: Vec<Arc<str>> = (chosen.names.iter())
        .filter(|n| {
            asked
                .iter()
                .any(|a| a.id_on(platform(&chosen, n)).is_some())
        })
        .cloned()
        .collect();
    let (targets, mut code) = read_groups(read, &chosen, &used, quiet)?;
    let mut readable = Vec::new();
    let mut not_read = Vec::new();
    for t in &targets {
        match &t.state {
            Ok(state) => readable.push(Read {
                target: t,
                platform: platform(&chosen, &t.instance),
                state,
            }),
            Err(e) => {
                reading::say_unread(t, e);
                not_read.push((t, e.as_str()));
            }
        }
    }
    if !not_read.is_empty() && code == exit::SUCCESS {
        code = exit::FAILED;
    }
    let all = found::search(&asked, &readable);
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        ListFormat::Text => show::text(&mut out, &all)?,
        ListFormat::Csv => {
            let any_read = !readable.is_empty() || code == exit::SUCCESS;
            show::csv(&mut out, &all, any_read)?
        }
        ListFormat::Json => show::json(&mut out, &all, readable.len(), &not_read)?,
    }
    out.flush()?;
    Ok(code)
}

/// The platforms of the chosen instances, each once.
fn platforms(chosen: &Chosen) -> Vec<Platform> {
    Platform::ALL
        .into_iter()
        .filter(|p| chosen.names.iter().any(|n| platform(chosen, n) == *p))
        .collect()
}

fn platform(chosen: &Chosen, name: &str) -> Platform {
    chosen.instances.get(name).expect("chosen").platform
}

/// Every group `used`'s instances list, read: preflight, listing, the
/// reads at `getGroupData`'s pace with the progress view. The code is 4
/// when an instance was refused, 3 when a listing failed, else 0.
fn read_groups(
    read: &ReadArgs,
    chosen: &Chosen,
    used: &[Arc<str>],
    quiet: u8,
) -> anyhow::Result<(Vec<Target>, u8)> {
    let setups = crate::job::reading_setups(&chosen.instances, used, read.rate)?;
    let (client, runtime) = reading::client_and_runtime(read.timeout)?;
    Ok(runtime.block_on(async {
        let retry = RetryPolicy::default();
        let conns = reading::connect(
            &client,
            &setups,
            used,
            retry,
            crate::defaults::OUTAGE_PATIENCE,
        )
        .await;
        let (wanted, code) = reading::listed(&client, &conns, "read", quiet).await;
        let code = reading::say_refusals(&conns, code);
        let progress = ReadProgress::new(read.progress, quiet, wanted.len() as u64);
        let targets = reading::read_all(conns, used, wanted, &progress).await;
        progress.finish();
        (targets, code)
    }))
}

//! `report --live`: the subjects of the groups a report names, read from
//! the API, since results files hold IDs only. Each instance is asked once
//! for the groups it knows (`getContacts`, one request for all of them);
//! a group it does not list (MAX may list none) is read with
//! `getGroupData`, at that method's pace, by the instance its rows name,
//! or else a configured one of its platform.
//!
//! Names are a help, not the report: whatever fails (no instance
//! configured, a refusal, a read) is a warning, the groups concerned are
//! shown by ID, and the exit code stays the report's, which a cron check
//! relies on.

use std::sync::Arc;

use super::reading::{self, Connection, ReadProgress, Wanted};
use crate::cli::ReportReads;
use crate::colour::{self, Tone};
use crate::greenapi::client::Client;
use crate::job;
use crate::report::review::Review;
use crate::runner::retry::RetryPolicy;
use crate::sanitise::escaped;
use crate::subjects::Subjects;

/// The subjects of `review`'s groups, as far as reads could tell them;
/// what could not be read is said on stderr (unless `quiet`).
pub(super) fn subjects(review: &Review, reads: &ReportReads, quiet: u8) -> Subjects {
    let mut warnings = Vec::new();
    let subjects = match read(review, reads, quiet, &mut warnings) {
        Ok(subjects) => subjects,
        Err(e) => {
            warnings.push(format!(
                "the groups' names cannot be read, so they are shown by ID: {}",
                e.to_string().trim_end()
            ));
            Subjects::default()
        }
    };
    if quiet == 0 {
        let warning = colour::stderr().paint(Tone::Warning, "warning");
        for w in warnings {
            eprintln!("{warning}: report --live: {w}");
        }
    }
    subjects
}

/// Reads the subjects; an error only when no read can start at all.
fn read(
    review: &Review,
    reads: &ReportReads,
    quiet: u8,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Subjects> {
    if review.by_group.is_empty() {
        return Ok(Subjects::default());
    }
    let env = |k: &str| std::env::var(k).ok();
    let read = reads.read_args();
    let chats: Vec<String> = review.by_group.iter().map(|g| g.chat_id.clone()).collect();
    let chosen = reading::choose(&read, &chats, &env, quiet)?;
    // Each group to the instance that reads it: the one its rows name when
    // that is configured (and chosen), else the first of its platform.
    let platform_of = |name: &str| chosen.instances.get(name).map(|i| i.platform.as_str());
    let mut by: Vec<(Arc<str>, String)> = Vec::new();
    let mut orphans = 0;
    for g in &review.by_group {
        let named = chosen.names.iter().find(|n| ***n == *g.instance);
        let reader = named.or_else(|| {
            let same = |n: &&Arc<str>| platform_of(n) == Some(g.platform);
            chosen.names.iter().find(same)
        });
        match reader {
            Some(name) => by.push((name.clone(), g.chat_id.clone())),
            None => orphans += 1,
        }
    }
    if orphans > 0 {
        warnings.push(format!(
            "{} of no configured instance's platform, shown by ID",
            crate::words::plural(orphans as u64, "group")
        ));
    }
    let mut used: Vec<Arc<str>> = Vec::new();
    for (name, _) in &by {
        if !used.contains(name) {
            used.push(name.clone());
        }
    }
    let setups = job::reading_setups(&chosen.instances, &used, read.rate)?;
    let (client, runtime) = reading::client_and_runtime(read.timeout)?;
    let retry = RetryPolicy::default();
    Ok(runtime.block_on(async {
        let conns = reading::connect(&client, &setups, &used, retry, reads.outage_patience).await;
        let mut subjects = listed(&client, &conns, warnings).await;
        // A refused instance reads nothing (its warning is said).
        let readable =
            |name: &Arc<str>| conns.iter().any(|c| c.name == *name && c.reader.is_some());
        let wanted: Vec<Wanted> = by
            .into_iter()
            .filter(|(name, chat)| subjects.get(chat).is_none() && readable(name))
            .map(|(name, chat)| (name, chat, None))
            .collect();
        let progress = ReadProgress::new(read.progress, quiet, wanted.len() as u64);
        let targets = reading::read_all(conns, &used, wanted, &progress).await;
        progress.finish();
        let mut unread: Vec<(String, String)> = Vec::new();
        for t in targets {
            match t.state {
                Ok(state) => subjects.learn(&t.chat, state.subject().unwrap_or("")),
                Err(why) => unread.push((t.chat, why)),
            }
        }
        if let Some((chat, why)) = unread.first() {
            warnings.push(format!(
                "{} could not be read, shown by ID (the first, {chat}: {})",
                crate::words::plural(unread.len() as u64, "group"),
                escaped(why)
            ));
        }
        subjects
    }))
}

/// What each instance's `getContacts` tells; a refused instance or a
/// failed listing is a warning (its groups are read one by one, or not).
async fn listed(client: &Client, conns: &[Connection], warnings: &mut Vec<String>) -> Subjects {
    let mut subjects = Subjects::default();
    for conn in conns {
        if let Some(why) = conn.refusal() {
            warnings.push(format!(
                "instance `{}` refused: {}; its groups are shown by ID",
                escaped(&conn.name),
                escaped(why)
            ));
            continue;
        }
        match reading::known_groups(client, conn).await {
            Ok((groups, _)) => {
                for g in groups {
                    subjects.learn(&g.id, &g.subject);
                }
            }
            Err(e) => warnings.push(format!(
                "instance `{}`: getContacts: {}; its groups are read one by one",
                escaped(&conn.name),
                escaped(&e)
            )),
        }
    }
    subjects
}

//! `greenbatch groups`: the groups each instance is in, from `getContacts`,
//! so a group's ID can be found by its name; `--details` reads each group
//! (at `getGroupData`'s pace) for its size, owner and the instance's role.

use std::io::{self, Write};

use serde::Serialize;

use super::reading::{self, Connection, ReadProgress};
use crate::cli::{GroupsArgs, ListFormat};
use crate::desired::export::{instance_role, owner_id};
use crate::exit;
use crate::greenapi::Platform;
use crate::greenapi::client::Client;
use crate::runner::retry::RetryPolicy;
use crate::sanitise::{cell, escaped};

/// One instance's groups, or why they could not be listed.
#[derive(Debug, Serialize)]
struct Listing {
    instance: String,
    platform: Platform,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shown_opt")]
    error: Option<String>,
    groups: Vec<Row>,
}

/// One group.
#[derive(Debug, Serialize)]
struct Row {
    #[serde(serialize_with = "shown")]
    chat_id: String,
    #[serde(serialize_with = "shown")]
    subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details>,
}

/// What `--details` adds, as far as the group could be read.
#[derive(Debug, Default, Serialize)]
struct Details {
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shown_opt")]
    owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shown_opt")]
    error: Option<String>,
}

/// Server text in JSON as in the text output: control characters escaped,
/// so a subject cannot rewrite the terminal of whoever reads the JSON.
fn shown<T: AsRef<str>, S: serde::Serializer>(text: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&escaped(text.as_ref()))
}

fn shown_opt<S: serde::Serializer>(text: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match text {
        Some(t) => shown(t, s),
        None => s.serialize_none(),
    }
}

/// Lists the groups; exit 4 when an instance was refused, 3 when something
/// could not be read, else 0.
pub(super) fn execute(args: GroupsArgs, quiet: u8) -> anyhow::Result<u8> {
    let env = |k: &str| std::env::var(k).ok();
    let read = &args.read;
    let chosen = reading::choose(read, &[], &env, quiet)?;
    let setups = crate::job::reading_setups(&chosen.instances, &chosen.names, read.rate)?;
    let (client, runtime) = reading::client_and_runtime(read.timeout)?;
    let retry = RetryPolicy::default();
    let listings = runtime.block_on(async {
        let conns = reading::connect(
            &client,
            &setups,
            &chosen.names,
            retry,
            crate::defaults::OUTAGE_PATIENCE,
        )
        .await;
        let mut listings = Vec::new();
        for conn in &conns {
            listings.push(list(&client, conn, quiet).await);
        }
        if args.details {
            let total = listings.iter().map(|l| l.groups.len() as u64).sum();
            let progress = ReadProgress::new(read.progress, quiet, total);
            let mut tasks = tokio::task::JoinSet::new();
            let pairs = conns.into_iter().zip(std::mem::take(&mut listings));
            for (k, (conn, listing)) in pairs.enumerate() {
                let progress = progress.clone();
                tasks.spawn(async move { (k, details(conn, listing, &progress).await) });
            }
            let mut all = tasks.join_all().await;
            progress.finish();
            // Back in configuration order.
            all.sort_by_key(|(k, _)| *k);
            listings = all.into_iter().map(|(_, l)| l).collect();
        }
        listings
    });
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        ListFormat::Text => render_text(&listings, args.details, &mut out)?,
        ListFormat::Csv => render_csv(&listings, args.details, &mut out)?,
        ListFormat::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                instances: &'a [Listing],
            }
            serde_json::to_writer_pretty(
                &mut out,
                &Doc {
                    instances: &listings,
                },
            )?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    for l in &listings {
        if let Some(e) = &l.error {
            eprintln!("error: instance `{}`: {}", escaped(&l.instance), escaped(e));
        }
        for g in &l.groups {
            if let Some(e) = g.details.as_ref().and_then(|d| d.error.as_ref()) {
                eprintln!(
                    "error: instance `{}`: group {}: {}",
                    escaped(&l.instance),
                    g.chat_id,
                    escaped(e)
                );
            }
        }
    }
    Ok(code(&listings))
}

/// The exit code: 4 when an instance was refused, 3 when a listing or a
/// group could not be read.
fn code(listings: &[Listing]) -> u8 {
    let refused = listings
        .iter()
        .any(|l| l.error.as_deref().is_some_and(|e| e.starts_with(REFUSED)));
    let failed = listings.iter().any(|l| {
        l.error.is_some()
            || l.groups
                .iter()
                .any(|g| g.details.as_ref().is_some_and(|d| d.error.is_some()))
    });
    if refused {
        exit::INSTANCE_REFUSED
    } else if failed {
        exit::FAILED
    } else {
        exit::SUCCESS
    }
}

/// The start of the error of an instance the preflight refused.
const REFUSED: &str = "refused: ";

async fn list(client: &Client, conn: &Connection, quiet: u8) -> Listing {
    let mut listing = Listing {
        instance: conn.name.to_string(),
        platform: conn.platform,
        error: None,
        groups: Vec::new(),
    };
    if let Some(why) = conn.refusal() {
        listing.error = Some(format!("{REFUSED}{why}"));
        return listing;
    }
    match reading::known_groups(client, conn).await {
        Ok((groups, bad)) => {
            if quiet == 0 && bad > 0 {
                eprintln!(
                    "warning: instance `{}`: {bad} listed groups have IDs that are no {} group IDs; left out",
                    escaped(&conn.name),
                    conn.platform
                );
            }
            if quiet == 0 && groups.is_empty() {
                eprintln!("{}", reading::no_groups_note(&conn.name, conn.platform));
            }
            listing.groups = groups
                .into_iter()
                .map(|g| Row {
                    chat_id: g.id,
                    subject: g.subject,
                    details: None,
                })
                .collect();
        }
        Err(e) => listing.error = Some(format!("getContacts: {e}")),
    }
    listing
}

/// Reads each group of `listing` with `conn`'s reader, in order.
async fn details(conn: Connection, mut listing: Listing, progress: &ReadProgress) -> Listing {
    for row in &mut listing.groups {
        let mut d = Details::default();
        match &conn.reader {
            Some(reader) => match reader.read(&row.chat_id, false).await.0 {
                Ok(state) => {
                    d.size = Some(state.member_count());
                    d.owner = owner_id(&state).map(str::to_owned);
                    d.instance_role = instance_role(&state);
                }
                Err(e) => d.error = Some(e),
            },
            None => d.error = Some("the instance was refused".into()),
        }
        row.details = Some(d);
        progress.read_one();
    }
    listing
}

/// An instance that could not be listed has no listing at all (its error
/// goes to stderr): `0 groups` would say something untrue.
fn render_text(listings: &[Listing], details: bool, out: &mut dyn Write) -> io::Result<()> {
    for l in listings.iter().filter(|l| l.error.is_none()) {
        let n = l.groups.len();
        writeln!(
            out,
            "{} ({}): {n} group{}",
            escaped(&l.instance),
            l.platform,
            if n == 1 { "" } else { "s" }
        )?;
        let width = l.groups.iter().map(|g| g.chat_id.len()).max().unwrap_or(0);
        if details {
            details_table(l, width, out)?;
            continue;
        }
        for g in &l.groups {
            writeln!(out, "  {:<width$}  {}", g.chat_id, escaped(&g.subject))?;
        }
    }
    Ok(())
}

/// `groups --details` as a table under its column headings: the group, its
/// size, the instance's role in it, its owner and its subject.
fn details_table(l: &Listing, width: usize, out: &mut dyn Write) -> io::Result<()> {
    let cells: Vec<[String; 3]> = l
        .groups
        .iter()
        .map(|g| match &g.details {
            Some(Details {
                error: None,
                size,
                instance_role,
                owner,
                ..
            }) => [
                size.map_or("?".to_owned(), |s| s.to_string()),
                instance_role.unwrap_or("?").to_owned(),
                owner
                    .as_deref()
                    .map_or("?".into(), |o| escaped(o).into_owned()),
            ],
            _ => ["?".into(), "?".into(), "(not read)".into()],
        })
        .collect();
    let owner_width = cells
        .iter()
        .map(|c| c[2].chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    writeln!(
        out,
        "  {:<width$}  {:>7}  {:<6}  {:<owner_width$}  subject",
        "group", "members", "role", "owner"
    )?;
    for (g, [size, role, owner]) in l.groups.iter().zip(cells) {
        writeln!(
            out,
            "  {:<width$}  {size:>7}  {role:<6}  {owner:<owner_width$}  {}",
            g.chat_id,
            escaped(&g.subject)
        )?;
    }
    Ok(())
}

/// `instance,chat_id,subject` (and `size,owner,instance_role`): cells as in
/// results files, so a spreadsheet never runs a subject as a formula.
/// Nothing at all, not even the header, when no instance could be listed:
/// a header alone would read as "no groups".
fn render_csv(listings: &[Listing], details: bool, out: &mut dyn Write) -> io::Result<()> {
    if listings.iter().all(|l| l.error.is_some()) {
        return Ok(());
    }
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(&mut *out);
    let mut header = vec!["instance", "chat_id", "subject"];
    if details {
        header.extend(["size", "owner", "instance_role"]);
    }
    w.write_record(&header)?;
    for l in listings {
        for g in &l.groups {
            let mut record = vec![
                cell(&l.instance).into_owned(),
                cell(&g.chat_id).into_owned(),
                cell(&g.subject).into_owned(),
            ];
            if details {
                let d = g.details.as_ref();
                record.push(
                    d.and_then(|d| d.size)
                        .map_or(String::new(), |s| s.to_string()),
                );
                record.push(cell(d.and_then(|d| d.owner.as_deref()).unwrap_or("")).into_owned());
                record.push(d.and_then(|d| d.instance_role).unwrap_or("").to_owned());
            }
            w.write_record(&record)?;
        }
    }
    w.flush()
}

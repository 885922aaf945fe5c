//! A sync's first half: turn each `*` entry into the groups its instance
//! lists, read every group of the desired state (instances at once, each
//! one's groups at `getGroupData`'s pace) and compute what each needs with
//! [`diff`](crate::desired::diff()).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::commands::reading::{self, Connection, ReadProgress};
use crate::desired::{Changes, DesiredGroup, MaxRemovals, diff};
use crate::greenapi::Platform;
use crate::greenapi::client::Client;
use crate::sanitise::escaped;

/// One group's plan.
#[derive(Debug, Clone)]
pub(crate) struct GroupPlan {
    /// The group as the file wants it; for a `*` entry, one of the groups
    /// its instance lists (or the entry itself when none could be listed).
    pub group: DesiredGroup,
    /// The group's subject (raw), from its read, or else from the listing
    /// that named it for a `*` entry.
    pub subject: Option<String>,
    /// The changes, or why the group could not be read.
    pub changes: Result<Changes, String>,
    /// Whether the instance administers the group, when that is known.
    pub instance_admin: Option<bool>,
    /// Removals and demotions that cannot be sent because the instance's
    /// own number is unknown (a sync must never remove the instance
    /// itself): the sync stops before sending anything.
    pub withheld: usize,
    /// Why the instance's own number is unknown, when removals or
    /// demotions need it.
    pub own_unknown: Option<String>,
    /// The instance was refused by its preflight.
    pub refused: bool,
}

impl GroupPlan {
    /// The group as a person reads it: `Book club (120363…@g.us)`.
    pub(crate) fn label(&self) -> String {
        crate::subjects::label(&self.group.chat_id, self.subject.as_deref())
    }

    /// More removals than `limit` allows: the removals and the limit.
    pub(super) fn over(&self, limit: MaxRemovals) -> Option<(u64, u64)> {
        let c = self.changes.as_ref().ok()?;
        let removals = c.remove.len() as u64;
        (!limit.permits(removals, c.members)).then(|| (removals, limit.allowed(c.members)))
    }
}

/// A group of the file to read (with its subject when a `*` entry's
/// listing told it), or a `*` entry whose instance listed none: why, and
/// whether the instance was refused.
pub(crate) enum Entry {
    Group(DesiredGroup, Option<String>),
    Unlisted(DesiredGroup, String, bool),
}

impl Entry {
    fn group(&self) -> &DesiredGroup {
        match self {
            Entry::Group(g, _) | Entry::Unlisted(g, ..) => g,
        }
    }
}

/// The groups to read, in file order: each `*` entry becomes one group per
/// group its instance lists (`getContacts`) that the file does not name
/// for that instance, with only the entry's ban rules. An instance that
/// lists none, or whose listing fails, makes the entry an error naming
/// it: a `*` that silently syncs nothing would let the banned stay.
pub(crate) async fn expand(
    groups: &[DesiredGroup],
    conns: &HashMap<Arc<str>, Connection>,
    client: &Client,
) -> Vec<Entry> {
    let named: HashSet<(&str, &str)> = groups
        .iter()
        .map(|g| (&*g.instance, g.chat_id.as_str()))
        .collect();
    let mut out = Vec::new();
    for g in groups {
        if !g.is_every() {
            out.push(Entry::Group(g.clone(), None));
            continue;
        }
        let conn = &conns[&g.instance];
        if let Some(why) = conn.refusal() {
            let why = format!("the instance was refused: {why}");
            out.push(Entry::Unlisted(g.clone(), why, true));
            continue;
        }
        let name = escaped(&g.instance);
        let listed = match reading::known_groups(client, conn).await {
            Ok((listed, _)) => listed,
            Err(e) => {
                let why = format!(
                    "getContacts failed, so the groups of instance `{name}` are unknown: {}",
                    escaped(&e)
                );
                out.push(Entry::Unlisted(g.clone(), why, false));
                continue;
            }
        };
        if listed.is_empty() {
            let max = match g.platform {
                Platform::Max => "on MAX it may not list groups at all (unconfirmed)",
                Platform::WhatsApp => {
                    "it may not have loaded them yet (it lags by minutes after a change)"
                }
            };
            let why = format!(
                "getContacts lists no groups of instance `{name}`: {max}; name the groups' IDs instead of `*`"
            );
            out.push(Entry::Unlisted(g.clone(), why, false));
            continue;
        }
        for known in listed {
            if named.contains(&(&*g.instance, known.id.as_str())) {
                continue;
            }
            let subject = Some(known.subject).filter(|s| !s.trim().is_empty());
            let group = DesiredGroup {
                chat_id: known.id,
                ..g.clone()
            };
            out.push(Entry::Group(group, subject));
        }
    }
    out
}

/// Reads the groups of `entries` through `conns` (by instance name).
pub(crate) async fn plan(
    entries: Vec<Entry>,
    protect: &HashSet<String>,
    conns: HashMap<Arc<str>, Connection>,
    progress: &ReadProgress,
) -> Vec<GroupPlan> {
    let conns = Arc::new(conns);
    let mut tasks = tokio::task::JoinSet::new();
    // Each instance's groups (their index in the file, their ID), in order.
    type Chats = Vec<(usize, String)>;
    let mut by_instance: Vec<(Arc<str>, Chats)> = Vec::new();
    let readable = entries.iter().enumerate().filter_map(|(k, e)| match e {
        Entry::Group(g, _) => Some((k, g)),
        Entry::Unlisted(..) => None,
    });
    for (k, g) in readable {
        match by_instance.iter_mut().find(|(n, _)| *n == g.instance) {
            Some((_, list)) => list.push((k, g.chat_id.clone())),
            None => by_instance.push((g.instance.clone(), vec![(k, g.chat_id.clone())])),
        }
    }
    for (name, chats) in by_instance {
        let (conns, progress) = (conns.clone(), progress.clone());
        tasks.spawn(async move {
            let conn = &conns[&name];
            let mut out = Vec::with_capacity(chats.len());
            for (k, chat) in chats {
                let read = match &conn.reader {
                    Some(reader) => reader.read(&chat, false).await.0,
                    None => Err(String::new()),
                };
                progress.read_one();
                out.push((k, read));
            }
            out
        });
    }
    let mut reads: HashMap<usize, _> = tasks.join_all().await.into_iter().flatten().collect();
    entries
        .into_iter()
        .enumerate()
        .map(|(k, entry)| {
            let conn = &conns[&entry.group().instance];
            let (group, listed, read) = match entry {
                Entry::Group(g, listed) => {
                    let read = reads.remove(&k).unwrap_or(Err(String::new()));
                    (g, listed, read)
                }
                Entry::Unlisted(g, why, refused) => return unread(g, None, why, refused),
            };
            // The read's subject is the newer; the listing's stands in
            // when the group could not be read.
            let read_subject = read.as_ref().ok().and_then(|l| l.subject());
            let subject = read_subject.map(str::to_owned).or(listed);
            match (read, conn.refusal()) {
                (_, Some(why)) => unread(
                    group,
                    subject,
                    format!("the instance was refused: {why}"),
                    true,
                ),
                (Err(e), None) => unread(group, subject, e, false),
                (Ok(live), None) => {
                    // Computed in full whatever the own number: the
                    // mass-removal guard judges what the file asks.
                    let changes = diff(&group, &live, protect);
                    let needs_own = changes.remove.len() + changes.demote.len();
                    let own_unknown = conn.preflight.own_unknown().filter(|_| needs_own > 0);
                    GroupPlan {
                        group,
                        subject,
                        instance_admin: live.instance_admin(),
                        changes: Ok(changes),
                        withheld: if own_unknown.is_some() { needs_own } else { 0 },
                        own_unknown: own_unknown.map(str::to_owned),
                        refused: false,
                    }
                }
            }
        })
        .collect()
}

/// The plan of a group that could not be read, and why.
fn unread(group: DesiredGroup, subject: Option<String>, why: String, refused: bool) -> GroupPlan {
    GroupPlan {
        group,
        subject,
        changes: Err(why),
        instance_admin: None,
        withheld: 0,
        own_unknown: None,
        refused,
    }
}

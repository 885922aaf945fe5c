//! A sync's first half: read every group of the desired state (instances
//! at once, each one's groups at `getGroupData`'s pace) and compute what
//! each needs with [`diff`](crate::desired::diff()).

use std::collections::HashMap;
use std::sync::Arc;

use crate::commands::reading::{Connection, ReadProgress};
use crate::desired::{Changes, DesiredGroup, DesiredState, MaxRemovals, diff};

/// One group's plan.
#[derive(Debug, Clone)]
pub(crate) struct GroupPlan<'d> {
    pub group: &'d DesiredGroup,
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

impl GroupPlan<'_> {
    /// More removals than `limit` allows: the removals and the limit.
    pub(super) fn over(&self, limit: MaxRemovals) -> Option<(u64, u64)> {
        let c = self.changes.as_ref().ok()?;
        let removals = c.remove.len() as u64;
        (!limit.permits(removals, c.members)).then(|| (removals, limit.allowed(c.members)))
    }
}

/// Reads the groups of `state` through `conns` (by instance name).
pub(crate) async fn plan<'d>(
    state: &'d DesiredState,
    conns: HashMap<Arc<str>, Connection>,
    progress: &ReadProgress,
) -> Vec<GroupPlan<'d>> {
    let conns = Arc::new(conns);
    let mut tasks = tokio::task::JoinSet::new();
    // Each instance's groups (their index in the file, their ID), in order.
    type Chats = Vec<(usize, String)>;
    let mut by_instance: Vec<(Arc<str>, Chats)> = Vec::new();
    for (k, g) in state.groups.iter().enumerate() {
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
    let mut reads: Vec<_> = tasks.join_all().await.into_iter().flatten().collect();
    reads.sort_by_key(|(k, _)| *k);
    reads
        .into_iter()
        .map(|(k, read)| {
            let group = &state.groups[k];
            let conn = &conns[&group.instance];
            let refused = conn.refusal();
            match (read, refused) {
                (_, Some(why)) => GroupPlan {
                    group,
                    changes: Err(format!("the instance was refused: {why}")),
                    instance_admin: None,
                    withheld: 0,
                    own_unknown: None,
                    refused: true,
                },
                (Err(e), None) => GroupPlan {
                    group,
                    changes: Err(e),
                    instance_admin: None,
                    withheld: 0,
                    own_unknown: None,
                    refused: false,
                },
                (Ok(live), None) => {
                    // Computed in full whatever the own number: the
                    // mass-removal guard judges what the file asks.
                    let changes = diff(group, &live, &state.protect);
                    let needs_own = changes.remove.len() + changes.demote.len();
                    let own_unknown = conn.preflight.own_unknown().filter(|_| needs_own > 0);
                    GroupPlan {
                        group,
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

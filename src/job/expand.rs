//! A manifest's `*` rows (`chat_id: *`, every group of the row's instance)
//! made into one operation per group, when the job runs: the instance's
//! groups are listed (`getContacts`, as `greenbatch groups` lists them),
//! and each expanded operation is exactly the one a row naming that group
//! would be (same op_id), with the `*` row as its source. A rerun thus
//! skips the groups already settled and picks up groups joined since.
//!
//! An instance whose groups cannot be listed (after the own reads'
//! retries), or that lists none, leaves its `*` rows unexpanded: nothing is
//! sent for them, the summary says why, and the job exits 3 so that a
//! rerun tries again. Never a silent nothing.
//!
//! The listing names each group too: its subjects are kept
//! ([`Expanded::subjects`]) so that the plan and the summary can name the
//! groups without reading them again.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crate::colour::{self, Tone};
use crate::greenapi::Platform;
use crate::greenapi::client::Client;
use crate::greenapi::contacts::KnownGroup;
use crate::manifest::{OpId, Operation};
use crate::runner::engine::InstanceSetup;
use crate::runner::retry::RetryPolicy;
use crate::sanitise::escaped;
use crate::subjects::Subjects;

/// The `*` rows of one instance that could not be expanded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexpanded {
    pub instance: Arc<str>,
    /// The rows' manifest lines.
    pub lines: Vec<u32>,
    pub reason: String,
}

/// A job's operations with the `*` rows expanded.
#[derive(Debug, Default)]
pub struct Expanded {
    pub ops: Vec<Operation>,
    pub unexpanded: Vec<Unexpanded>,
    /// The subjects the listings told.
    pub subjects: Subjects,
}

/// How own reads are retried and how long an outage is waited out.
#[derive(Debug, Clone, Copy)]
pub struct ListPolicy {
    pub retry: RetryPolicy,
    pub patience: Duration,
}

/// `ops` with every `*` row replaced by one operation per group of its
/// instance, in manifest order; an operation that a `*` row and another
/// row both make runs once, where it first appears. Without `*` rows,
/// `ops` as they are, and nothing is read.
pub async fn expand(
    client: &Client,
    setups: &HashMap<Arc<str>, InstanceSetup>,
    ops: Vec<Operation>,
    policy: ListPolicy,
    quiet: u8,
) -> Expanded {
    let mut wanted: Vec<Arc<str>> = Vec::new();
    for op in ops.iter().filter(|op| op.is_every_group()) {
        if !wanted.contains(&op.instance) {
            wanted.push(op.instance.clone());
        }
    }
    if wanted.is_empty() {
        return Expanded {
            ops,
            ..Expanded::default()
        };
    }
    let listed = list_groups(client, setups, &wanted, policy).await;
    let mut out = Vec::with_capacity(ops.len());
    let mut seen: HashSet<OpId> = HashSet::with_capacity(ops.len());
    let mut unexpanded: Vec<Unexpanded> = Vec::new();
    let mut subjects = Subjects::default();
    for group in listed.values().flatten().flatten() {
        subjects.learn(&group.id, &group.subject);
    }
    for op in ops {
        if !op.is_every_group() {
            if seen.insert(op.op_id) {
                out.push(op);
            }
            continue;
        }
        match &listed[&op.instance] {
            Ok(groups) => {
                for group in groups {
                    let one = Operation::new(
                        &op.instance,
                        op.platform,
                        &setups[&op.instance].endpoint.id_instance,
                        op.action,
                        &group.id,
                        &op.participant_id,
                        op.source.clone(),
                    );
                    if seen.insert(one.op_id) {
                        out.push(one);
                    }
                }
            }
            Err(reason) => match unexpanded.iter_mut().find(|u| u.instance == op.instance) {
                Some(u) => u.lines.push(op.source.line),
                None => unexpanded.push(Unexpanded {
                    instance: op.instance.clone(),
                    lines: vec![op.source.line],
                    reason: reason.clone(),
                }),
            },
        }
    }
    if quiet == 0 {
        say_expanded(&listed, &wanted);
    }
    Expanded {
        ops: out,
        unexpanded,
        subjects,
    }
}

/// Each instance's groups, read side by side, or why they cannot be.
async fn list_groups(
    client: &Client,
    setups: &HashMap<Arc<str>, InstanceSetup>,
    wanted: &[Arc<str>],
    policy: ListPolicy,
) -> HashMap<Arc<str>, Result<Vec<KnownGroup>, String>> {
    let mut tasks = tokio::task::JoinSet::new();
    for name in wanted {
        let setup = setups[name].clone();
        let (client, name) = (client.clone(), name.clone());
        tasks.spawn(async move {
            let reads = setup.own_reads.with(policy.retry, policy.patience);
            let listed = reads.known_groups(&client, &setup.endpoint).await;
            let groups = match listed {
                Ok((groups, _)) if groups.is_empty() => Err(no_groups(setup.endpoint.platform)),
                Ok((groups, _)) => Ok(groups),
                Err(e) => Err(format!("its groups could not be listed (getContacts: {e})")),
            };
            (name, groups)
        });
    }
    tasks.join_all().await.into_iter().collect()
}

/// Why an instance that lists no group has its `*` rows left: an empty
/// list proves nothing (it lags after a change, and MAX may list none).
fn no_groups(platform: Platform) -> String {
    let max = match platform {
        Platform::Max => "; on MAX it may not list groups at all",
        Platform::WhatsApp => "",
    };
    format!(
        "it lists no groups (getContacts may not have loaded them yet{max}); name the groups' IDs instead"
    )
}

/// One note per instance: how many groups its `*` rows run in.
fn say_expanded(listed: &HashMap<Arc<str>, Result<Vec<KnownGroup>, String>>, order: &[Arc<str>]) {
    let note = colour::stderr().paint(Tone::Note, "note");
    for name in order {
        if let Ok(groups) = &listed[name] {
            eprintln!(
                "{note}: `*` is {} group{} of instance `{}`",
                groups.len(),
                if groups.len() == 1 { "" } else { "s" },
                escaped(name)
            );
        }
    }
}

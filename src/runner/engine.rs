//! The scheduler: runs operations concurrently within each instance's limits.
//!
//! Each instance gets `concurrency` workers that take chains from a shared
//! queue. A chain is the operations on one (chat, participant) in manifest
//! order, so those keep their order while everything else runs in parallel.
//! Before any of that, a preflight asks each instance whether it is
//! authorized: a refused instance's operations end `aborted` unsent. What
//! happens to each operation is the [`Worker`](super::worker)'s business.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::event::Event;
use super::live::{Groups, Preflight, Reader, preflight};
use super::pace::Pacer;
use super::retry::{RetryBudget, RetryPolicy};
use super::worker::Worker;
use crate::greenapi::client::{Client, Endpoint};
use crate::greenapi::{Action, Method};
use crate::manifest::Operation;

/// How one instance is driven.
#[derive(Debug, Clone)]
pub struct InstanceSetup {
    pub endpoint: Endpoint,
    /// Requests per second for each moderation method; `None` is unpaced.
    pub rate: Option<f64>,
    /// Requests per second for `getGroupData`; `None` is unpaced.
    pub read_rate: Option<f64>,
}

/// Settings that apply to every instance.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Requests in flight per instance, at most.
    pub concurrency: usize,
    pub retry: RetryPolicy,
    /// Ask each instance's state before sending anything through it.
    pub preflight: bool,
    /// Read the groups' state: skip what already holds, explain refusals.
    pub live: bool,
}

/// An instance's live state during a run.
pub(crate) struct Instance {
    pub name: Arc<str>,
    pub endpoint: Endpoint,
    pub pacers: HashMap<Method, Pacer>,
    pub budget: RetryBudget,
    /// Set once: by the preflight or by the first fatal answer.
    pub refused: OnceLock<String>,
    pub chains: Mutex<VecDeque<Vec<Operation>>>,
    /// How groups are read, when the run uses live state.
    pub reader: Option<Reader>,
    pub groups: Groups,
}

/// Runs `ops` and reports every step on `events`. Returns when every
/// operation has finished or, after `cancel`, when the requests in flight have.
pub async fn run(
    client: Client,
    setups: HashMap<Arc<str>, InstanceSetup>,
    config: EngineConfig,
    ops: Vec<Operation>,
    events: mpsc::Sender<Event>,
    cancel: CancellationToken,
) {
    let mut by_instance: HashMap<Arc<str>, Vec<Operation>> = HashMap::new();
    for op in ops {
        by_instance.entry(op.instance.clone()).or_default().push(op);
    }
    let mut workers = tokio::task::JoinSet::new();
    for (name, ops) in by_instance {
        // Validation guarantees every instance is configured.
        let setup = setups
            .get(&name)
            .unwrap_or_else(|| unreachable!("instance `{name}` has no set-up"));
        let instance = Arc::new(prepare(&client, &name, setup, &config, ops, &events).await);
        for _ in 0..config.concurrency.max(1) {
            let worker = Worker::new(
                client.clone(),
                instance.clone(),
                config.retry,
                events.clone(),
                cancel.clone(),
            );
            workers.spawn(worker.run());
        }
    }
    drop(events);
    while let Some(done) = workers.join_next().await {
        if let Err(e) = done
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

/// Builds an instance's state, after its preflight when asked for.
async fn prepare(
    client: &Client,
    name: &Arc<str>,
    setup: &InstanceSetup,
    config: &EngineConfig,
    ops: Vec<Operation>,
    events: &mpsc::Sender<Event>,
) -> Instance {
    let refused = OnceLock::new();
    let mut own = None;
    if config.preflight {
        match preflight(client, &setup.endpoint).await {
            Preflight::Ready { own: o } => own = o,
            Preflight::Refused(reason) => {
                let _ = refused.set(reason.clone());
                let _ = events
                    .send(Event::InstanceRefused {
                        instance: name.clone(),
                        reason,
                    })
                    .await;
            }
            Preflight::Unknown(reason) => {
                let _ = events
                    .send(Event::PreflightUnknown {
                        instance: name.clone(),
                        reason,
                    })
                    .await;
            }
        }
    }
    let reader = config.live.then(|| Reader {
        client: client.clone(),
        endpoint: setup.endpoint.clone(),
        pacer: Pacer::new(setup.read_rate),
        retry: config.retry,
        own,
    });
    Instance {
        name: name.clone(),
        endpoint: setup.endpoint.clone(),
        pacers: Action::ALL
            .into_iter()
            .map(|a| (a.method(), Pacer::new(setup.rate)))
            .collect(),
        budget: RetryBudget::default(),
        refused,
        chains: Mutex::new(chains(ops)),
        reader,
        groups: Groups::default(),
    }
}

/// Groups operations by (chat, participant), keeping manifest order within
/// each group and the order of first appearance between groups.
fn chains(ops: Vec<Operation>) -> VecDeque<Vec<Operation>> {
    // Keyed by a digest rather than copies of both IDs, which would double
    // their memory on a large manifest. A collision would only chain two
    // unrelated operations (ordering them), never change what is sent.
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut chains: Vec<Vec<Operation>> = Vec::new();
    for op in ops {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for part in [op.chat_id.as_bytes(), b"\n", op.participant_id.as_bytes()] {
            hasher.update(part);
        }
        let key = hasher.digest();
        match index.get(&key) {
            Some(&i) => chains[i].push(op),
            None => {
                index.insert(key, chains.len());
                chains.push(vec![op]);
            }
        }
    }
    chains.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::greenapi::Platform;
    use crate::manifest::{OpId, Source};

    fn op(line: u32, action: Action, participant: &str) -> Operation {
        Operation {
            op_id: OpId::new(Platform::WhatsApp, "1", action, "1@g.us", participant),
            source: Source {
                file: "m.csv".into(),
                line,
            },
            action,
            platform: Platform::WhatsApp,
            instance: "default".into(),
            chat_id: "1@g.us".into(),
            participant_id: participant.into(),
        }
    }

    #[test]
    fn operations_on_one_participant_stay_in_manifest_order() {
        let ops = vec![
            op(2, Action::Add, "7@c.us"),
            op(3, Action::Remove, "8@c.us"),
            op(4, Action::Promote, "7@c.us"),
            op(5, Action::Remove, "9@c.us"),
            op(6, Action::Remove, "7@c.us"),
        ];
        let lines: Vec<Vec<u32>> = chains(ops)
            .into_iter()
            .map(|c| c.iter().map(|o| o.source.line).collect())
            .collect();
        assert_eq!(lines, vec![vec![2, 4, 6], vec![3], vec![5]]);
    }
}

//! The scheduler: runs operations concurrently within each instance's limits.
//!
//! Each instance gets `concurrency` workers that take chains from its
//! [`Queue`]; a chain is the operations on one (chat, participant) in
//! manifest order, so those keep their order while everything else runs in
//! parallel. Before any of that, a preflight asks each instance whether it
//! is authorized: a refused instance's operations end `aborted` unsent.
//!
//! With live state, one more task per instance reads groups *ahead* of the
//! sends, on `getGroupData`'s own lane: only groups that the send lane will
//! reach after the read lands, nearest first, so that a read never holds a
//! send up (see [`Queue::pick_read`]). Reads that explain a refusal go first
//! on that lane. What happens to each operation is the
//! [`Worker`](super::worker)'s business.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::event::Event;
pub(crate) use super::instance::InstanceRun;
use super::live::{Groups, Preflight, Reader, preflight};
use super::pace::Pacer;
use super::queue::Queue;
use super::retry::{RetryBudget, RetryPolicy};
pub use super::setup::InstanceSetup;
use super::worker::Worker;
use crate::greenapi::Action;
use crate::greenapi::client::Client;
use crate::manifest::Operation;

/// (instance, group) pairs.
pub type GroupSet = HashSet<(Arc<str>, String)>;

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
    /// How long an outage (every request failing) is waited out before the
    /// operations left end `failed`; zero: never wait.
    pub outage_patience: Duration,
    /// (instance, group) pairs that an earlier run of this results file
    /// was working on: a crash may have left operations there applied but
    /// unrecorded, so those groups are read before their operations are
    /// sent, and what holds already is not sent twice.
    pub resumed: GroupSet,
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
    let config = Arc::new(config);
    // Instances start together: each one's preflight is its own business.
    let mut instances = tokio::task::JoinSet::new();
    for (name, ops) in by_instance {
        // Validation guarantees every instance is configured.
        let setup = setups
            .get(&name)
            .unwrap_or_else(|| unreachable!("instance `{name}` has no set-up"))
            .clone();
        instances.spawn(drive(
            client.clone(),
            name,
            setup,
            config.clone(),
            ops,
            events.clone(),
            cancel.clone(),
        ));
    }
    drop(events);
    join_all(&mut instances).await;
}

/// Waits for every task of `set`, passing a panic on.
async fn join_all(set: &mut tokio::task::JoinSet<()>) {
    while let Some(done) = set.join_next().await {
        if let Err(e) = done
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

/// One instance's part of the run: its preflight, its workers, its reads ahead.
async fn drive(
    client: Client,
    name: Arc<str>,
    setup: InstanceSetup,
    config: Arc<EngineConfig>,
    ops: Vec<Operation>,
    events: mpsc::Sender<Event>,
    cancel: CancellationToken,
) {
    let instance = Arc::new(prepare(&client, &name, &setup, &config, ops, &events).await);
    let mut readers = tokio::task::JoinSet::new();
    if instance.reader.is_some() && instance.refused.get().is_none() {
        // The first pick is marked before any worker starts, so the
        // operations it serves wait for it rather than send blind.
        let first = first_read(&instance);
        readers.spawn(read_ahead(instance.clone(), first, cancel.clone()));
    }
    let mut workers = tokio::task::JoinSet::new();
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
    drop(events);
    join_all(&mut workers).await;
    // Every operation has its outcome: a read still ahead serves nobody.
    readers.abort_all();
    join_all(&mut readers).await;
}

/// Builds an instance's state, after its preflight when asked for.
async fn prepare(
    client: &Client,
    name: &Arc<str>,
    setup: &InstanceSetup,
    config: &EngineConfig,
    ops: Vec<Operation>,
    events: &mpsc::Sender<Event>,
) -> InstanceRun {
    let refused = OnceLock::new();
    let mut own = None;
    if config.preflight {
        let reads = setup.own_reads.with(config.retry, config.outage_patience);
        match preflight(client, &setup.endpoint, &reads).await {
            Preflight::Ready { own: o } => own = o.ok(),
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
    let patience = config.outage_patience;
    let reader = config.live.then(|| {
        Reader::new(
            client.clone(),
            setup.endpoint.clone(),
            Pacer::with_patience(setup.read_rate, patience),
            config.retry,
            own.clone(),
        )
        .with_events(name.clone(), events.clone())
    });
    InstanceRun {
        name: name.clone(),
        endpoint: setup.endpoint.clone(),
        pacers: Action::ALL
            .into_iter()
            .map(|a| (a.method(), Pacer::with_patience(setup.rate, patience)))
            .collect(),
        send_rate: setup.rate,
        budget: RetryBudget::default(),
        refused,
        queue: Queue::new(ops),
        own,
        reader,
        groups: Groups::default(),
        resumed: config
            .resumed
            .iter()
            .filter(|(i, _)| i == name)
            .map(|(_, chat)| chat.clone())
            .collect(),
    }
}

/// The first group to read ahead, marked as being read.
fn first_read(instance: &InstanceRun) -> Option<String> {
    let reader = instance.reader.as_ref()?;
    // The lane has no slot to wait for yet: only the round trip counts.
    let lag = instance.send_rate? * reader.round_trip().as_secs_f64();
    let chat = instance.queue.pick_read(lag, &|_| false)?;
    instance.groups.expect_read(&chat);
    Some(chat)
}

/// Reads groups ahead of the sends until no group is worth it.
async fn read_ahead(instance: Arc<InstanceRun>, first: Option<String>, cancel: CancellationToken) {
    let Some(reader) = instance.reader.as_ref() else {
        return;
    };
    let mut next = first;
    loop {
        let chat = match next.take() {
            Some(chat) => chat,
            None => {
                if instance.refused.get().is_some() {
                    return;
                }
                let lag = instance.reads_lag(reader);
                let known = |chat: &str| instance.groups.is_known_or_reading(chat);
                match instance.queue.pick_read(lag, &known) {
                    Some(chat) => chat,
                    None => return,
                }
            }
        };
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            _ = instance.groups.refresh(&chat, None, reader, true) => {}
        }
    }
}

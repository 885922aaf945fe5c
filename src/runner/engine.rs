//! The scheduler: runs operations concurrently within each instance's limits.
//!
//! Each instance gets `concurrency` workers that take chains from a shared
//! queue. A chain is the operations on one (chat, participant) in manifest
//! order, so those keep their order while everything else runs in parallel.
//! Every request waits for its (instance, method) [`Pacer`]; every answer goes
//! through [`classify`]; transient failures are retried with backoff within a
//! per-instance retry budget; a fatal answer stops the whole instance, whose
//! remaining operations end `aborted` without being sent. Cancellation stops
//! dispatching, lets requests in flight finish, and records them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::classify::{Verdict, classify};
use super::event::{Event, Finished};
use super::pace::Pacer;
use super::retry::{Decision, RetryBudget, RetryPolicy, parse_retry_after};
use crate::greenapi::client::{Client, Endpoint};
use crate::greenapi::{Action, Method};
use crate::manifest::Operation;

/// How one instance is driven.
#[derive(Debug, Clone)]
pub struct InstanceSetup {
    pub endpoint: Endpoint,
    /// Requests per second for each moderation method; `None` is unpaced.
    pub rate: Option<f64>,
}

/// Settings that apply to every instance.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Requests in flight per instance, at most.
    pub concurrency: usize,
    pub retry: RetryPolicy,
}

/// An instance's live state during a run.
struct Instance {
    name: Arc<str>,
    endpoint: Endpoint,
    pacers: HashMap<Method, Pacer>,
    budget: RetryBudget,
    /// Set once, by the first fatal answer.
    refused: OnceLock<String>,
    chains: Mutex<VecDeque<Vec<Operation>>>,
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
        let Some(setup) = setups.get(&name) else {
            // Validation guarantees every instance is configured.
            unreachable!("instance `{name}` has no set-up");
        };
        let pacers = Action::ALL
            .into_iter()
            .map(|a| (a.method(), Pacer::new(setup.rate)))
            .collect();
        let instance = Arc::new(Instance {
            name: name.clone(),
            endpoint: setup.endpoint.clone(),
            pacers,
            budget: RetryBudget::default(),
            refused: OnceLock::new(),
            chains: Mutex::new(chains(ops)),
        });
        for _ in 0..config.concurrency.max(1) {
            let worker = Worker {
                client: client.clone(),
                instance: instance.clone(),
                retry: config.retry,
                events: events.clone(),
                cancel: cancel.clone(),
                rng: fastrand::Rng::new(),
            };
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

/// Groups operations by (chat, participant), keeping manifest order within
/// each group and the order of first appearance between groups.
fn chains(ops: Vec<Operation>) -> VecDeque<Vec<Operation>> {
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut chains: Vec<Vec<Operation>> = Vec::new();
    for op in ops {
        let key = (op.chat_id.clone(), op.participant_id.clone());
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

struct Worker {
    client: Client,
    instance: Arc<Instance>,
    retry: RetryPolicy,
    events: mpsc::Sender<Event>,
    cancel: CancellationToken,
    rng: fastrand::Rng,
}

impl Worker {
    async fn run(mut self) {
        loop {
            let chain = self.instance.chains.lock().expect("queue lock").pop_front();
            let Some(chain) = chain else { return };
            for op in chain {
                let Some(finished) = self.run_op(op).await else {
                    return;
                };
                if self
                    .events
                    .send(Event::Finished(Box::new(finished)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    }

    /// Sends one operation until it has an outcome. `None`: cancelled before
    /// its first request, so it has no row and a rerun sends it.
    async fn run_op(&mut self, op: Operation) -> Option<Finished> {
        let method = op.action.method();
        let body = serde_json::json!({
            self.instance.endpoint.platform.group_field(): op.chat_id,
            self.instance.endpoint.platform.participant_field(): op.participant_id,
        });
        let mut attempts = 0u32;
        let mut http_status = None;
        let mut lost_before = false;
        let mut retried = false;
        let end = |op, outcome, error: String, attempts, http_status| {
            Some(Finished {
                op,
                outcome,
                error,
                http_status,
                attempts,
                finished_at: SystemTime::now(),
            })
        };
        loop {
            if let Some(reason) = self.instance.refused.get() {
                return end(op, Outcome::Aborted, reason.clone(), attempts, http_status);
            }
            let pacer = &self.instance.pacers[&method];
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => {
                    // Never sent: no row, so a rerun sends it. Sent before: its
                    // last attempt failed transiently, which a rerun retries.
                    if attempts == 0 {
                        return None;
                    }
                    let error = "interrupted before retrying".to_owned();
                    return end(op, Outcome::Failed, error, attempts, http_status);
                }
                _ = pacer.acquire() => {}
            }
            // Another worker may have found the instance refused while this one waited.
            if let Some(reason) = self.instance.refused.get() {
                return end(op, Outcome::Aborted, reason.clone(), attempts, http_status);
            }
            if attempts == 0 {
                self.instance.budget.on_first_attempt();
            } else {
                retried = true;
            }
            attempts += 1;
            let answer = self
                .client
                .call(&self.instance.endpoint, method, &body)
                .await;
            if let Ok(a) = &answer {
                http_status = Some(a.status);
            }
            let verdict = classify(op.action, &answer);
            if retried && !matches!(verdict, Verdict::Transient { .. }) {
                // The server answers again: the retry that proved it is refunded.
                self.instance.budget.on_retry_answered();
            }
            match verdict {
                Verdict::Done => {
                    self.recovered(method, pacer.succeeded()).await;
                    return end(op, Outcome::Done, String::new(), attempts, http_status);
                }
                Verdict::Rejected { mut error } => {
                    self.recovered(method, pacer.succeeded()).await;
                    if lost_before {
                        error.push_str(
                            " (an earlier attempt's answer was lost: it may have applied)",
                        );
                    }
                    return end(op, Outcome::Rejected, error, attempts, http_status);
                }
                Verdict::Fatal { reason } => {
                    if self.instance.refused.set(reason.clone()).is_ok() {
                        let name = self.instance.name.clone();
                        let _ = self
                            .events
                            .send(Event::InstanceRefused {
                                instance: name,
                                reason: reason.clone(),
                            })
                            .await;
                    }
                    return end(op, Outcome::Aborted, reason, attempts, http_status);
                }
                Verdict::Transient {
                    reason,
                    retry_after,
                    throttled,
                    maybe_applied,
                } => {
                    lost_before |= maybe_applied;
                    let retry_after =
                        retry_after.and_then(|v| parse_retry_after(&v, SystemTime::now()));
                    if throttled {
                        let slowdown = pacer.throttled(retry_after);
                        let instance = self.instance.name.clone();
                        let _ = self
                            .events
                            .send(Event::Throttled {
                                instance,
                                method,
                                slowdown,
                            })
                            .await;
                    } else {
                        self.recovered(method, pacer.succeeded()).await;
                    }
                    // A 429 already slowed the pacer down, which is what cuts the
                    // load; the budget guards against failures, so it is not charged.
                    let decision = if throttled && self.retry.allows_another(attempts) {
                        Decision::Retry(self.retry.delay(attempts, retry_after, &mut self.rng))
                    } else {
                        self.retry.decide(
                            attempts,
                            retry_after,
                            &self.instance.budget,
                            &mut self.rng,
                        )
                    };
                    let delay = match decision {
                        Decision::Retry(delay) => delay,
                        Decision::GiveUp(why) => {
                            let error = format!("{reason} ({why})");
                            return end(op, Outcome::Failed, error, attempts, http_status);
                        }
                    };
                    let op_ref: Arc<str> = op.source.to_string().into();
                    let retrying = Event::Retrying {
                        op: op_ref,
                        attempt: attempts,
                        delay,
                        reason: reason.clone(),
                    };
                    let _ = self.events.send(retrying).await;
                    tokio::select! {
                        biased;
                        _ = self.cancel.cancelled() => {
                            let error = format!("{reason} (interrupted before retrying)");
                            return end(op, Outcome::Failed, error, attempts, http_status);
                        }
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    async fn recovered(&self, method: Method, slowdown: Option<u32>) {
        if let Some(slowdown) = slowdown {
            let instance = self.instance.name.clone();
            let _ = self
                .events
                .send(Event::Recovered {
                    instance,
                    method,
                    slowdown,
                })
                .await;
        }
    }
}

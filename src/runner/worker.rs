//! One worker of an instance: takes chains from the instance's queue and
//! carries each operation to its outcome. Every request waits for its
//! (instance, method) [`Pacer`](super::pace::Pacer); every answer goes through
//! [`classify`]; transient failures are retried with backoff within the
//! instance's retry budget; a fatal answer refuses the whole instance.
//!
//! With live state, an operation whose goal already holds ends `already`
//! unsent, and one that would remove or demote the owner or the instance
//! itself ends `rejected` unsent. A `false` or a lost answer is reconciled
//! against a fresh read of the group: if the goal holds, `already`.

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::classify::{Verdict, classify};
use super::engine::Instance;
use super::event::{Event, Finished};
use super::live::Prediction;
use super::retry::{Decision, RetryPolicy, parse_retry_after};
use crate::greenapi::Method;
use crate::greenapi::client::Client;
use crate::manifest::Operation;

pub(crate) struct Worker {
    client: Client,
    instance: Arc<Instance>,
    retry: RetryPolicy,
    events: mpsc::Sender<Event>,
    cancel: CancellationToken,
    rng: fastrand::Rng,
}

/// What a fresh look at the group says after an unclear answer.
enum Reconciled {
    /// The goal holds: the operation is settled.
    Holds,
    /// It does not; the state's explanation.
    Not(String),
    /// The group could not be read (or live state is off).
    Unknown,
}

impl Worker {
    pub fn new(
        client: Client,
        instance: Arc<Instance>,
        retry: RetryPolicy,
        events: mpsc::Sender<Event>,
        cancel: CancellationToken,
    ) -> Worker {
        Worker {
            client,
            instance,
            retry,
            events,
            cancel,
            rng: fastrand::Rng::new(),
        }
    }

    pub async fn run(mut self) {
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

    /// Carries one operation to its outcome. `None`: cancelled before its
    /// first request, so it has no row and a rerun sends it.
    async fn run_op(&mut self, op: Operation) -> Option<Finished> {
        let method = op.action.method();
        let body = serde_json::json!({
            self.instance.endpoint.platform.group_field(): op.chat_id,
            self.instance.endpoint.platform.participant_field(): op.participant_id,
        });
        let (mut attempts, mut http_status, mut lost_before, mut retried) =
            (0u32, None, false, false);
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
        if self.instance.refused.get().is_none() {
            let prediction = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return None,
                p = self.predict(&op) => p,
            };
            match prediction {
                Some(Prediction::Already(why)) => return end(op, Outcome::Already, why, 0, None),
                Some(Prediction::Guard(why)) => {
                    return end(op, Outcome::Rejected, format!("not sent: {why}"), 0, None);
                }
                _ => {}
            }
        }
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
                    return end(op, Outcome::Failed, "interrupted before retrying".into(), attempts, http_status);
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
            let answered_at = Instant::now();
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
                    self.applied(&op).await;
                    return end(op, Outcome::Done, String::new(), attempts, http_status);
                }
                Verdict::Rejected { mut error } => {
                    self.recovered(method, pacer.succeeded()).await;
                    match self.reconcile(&op, answered_at).await {
                        Reconciled::Holds => {
                            let note =
                                format!("{error}, but the group shows the goal already holds");
                            return end(op, Outcome::Already, note, attempts, http_status);
                        }
                        Reconciled::Not(why) => error = format!("{error}: {why}"),
                        Reconciled::Unknown if lost_before => {
                            error.push_str(
                                " (an earlier attempt's answer was lost: it may have applied)",
                            );
                        }
                        Reconciled::Unknown => {}
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
                    if maybe_applied
                        && let Reconciled::Holds = self.reconcile(&op, answered_at).await
                    {
                        // The lost request (or someone else) did it: sending again would only get a `false`.
                        let note = format!("{reason}; the group shows the goal holds");
                        return end(op, Outcome::Already, note, attempts, http_status);
                    }
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
                            return end(
                                op,
                                Outcome::Failed,
                                format!("{reason} ({why})"),
                                attempts,
                                http_status,
                            );
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

    /// What the group's state predicts, when the run uses live state and the
    /// group could be read.
    async fn predict(&self, op: &Operation) -> Option<Prediction> {
        let reader = self.instance.reader.as_ref()?;
        let known = self.instance.groups.get(&op.chat_id, reader).await;
        let state = known.as_ref()?.state.as_ref().ok()?;
        Some(state.predict(op.action, &op.participant_id))
    }

    /// Keeps the group's known state up to date after a success.
    async fn applied(&self, op: &Operation) {
        let Some(reader) = &self.instance.reader else {
            return;
        };
        let mut known = self.instance.groups.get(&op.chat_id, reader).await;
        if let Some(Ok(state)) = known.as_mut().map(|k| k.state.as_mut()) {
            state.apply(op.action, &op.participant_id);
        }
    }

    /// Reads the group again (unless it was read since `answered_at`) and
    /// says whether the operation's goal holds.
    async fn reconcile(&self, op: &Operation, answered_at: Instant) -> Reconciled {
        let Some(reader) = &self.instance.reader else {
            return Reconciled::Unknown;
        };
        // After the first signal only the requests in flight may finish: a
        // read (with its own retries) would keep the run going for longer.
        let known = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => return Reconciled::Unknown,
            known = self.instance.groups.fresh(&op.chat_id, Some(answered_at), reader) => known,
        };
        match known.as_ref().map(|k| &k.state) {
            Some(Ok(state)) if state.goal_holds(op.action, &op.participant_id) => Reconciled::Holds,
            Some(Ok(state)) => Reconciled::Not(state.explain(op.action, &op.participant_id)),
            Some(Err(e)) => Reconciled::Not(e.clone()),
            None => Reconciled::Unknown,
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

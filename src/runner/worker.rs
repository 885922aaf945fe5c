//! One worker of an instance: takes chains from the instance's queue and
//! carries each operation to its outcome. Every request waits for its
//! (instance, method) [`Pacer`](super::pace::Pacer); every answer goes through
//! [`classify`]; transient failures are retried with backoff within the
//! instance's retry budget, except during an outage, which the pacer waits
//! out without charging anyone; a fatal answer refuses the whole instance.
//!
//! An operation is never held up by a read it would have to wait its turn
//! for: it is sent unless the group's state is already known (or a read of
//! it is on the wire), except a removal or demotion on MAX, which waits for
//! its group's read to know the owner. With a known state, an operation
//! whose goal already holds ends `already` unsent. Removing or demoting the
//! instance itself, or an owner the run knows of, ends `rejected` unsent. A `false` or a lost
//! answer is reconciled against a fresh read of the group: if the goal
//! holds, `already`; if the group's list cannot tell, `rejected` with the
//! reason, never `already`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::classify::{Verdict, classify};
use super::event::{Event, Finished};
use super::instance::Instance;
use super::live::predict::static_guard;
use super::live::{Prediction, Reconciled};
use super::pace::outage::Failure;
use super::pace::{Change, GaveUp};
use super::retry::{Decision, RetryPolicy, parse_retry_after};
use crate::greenapi::client::Client;
use crate::greenapi::{Action, Method, Platform};
use crate::manifest::Operation;

/// How long an operation waits for a read of its group that is under way
/// before it is sent anyway.
const WAIT_FOR_READ: Duration = Duration::from_secs(2);

pub(crate) struct Worker {
    client: Client,
    instance: Arc<Instance>,
    retry: RetryPolicy,
    events: mpsc::Sender<Event>,
    cancel: CancellationToken,
    rng: fastrand::Rng,
}

/// Whether `op` must know the group's owner before it is sent: a removal or
/// demotion on MAX (on WhatsApp the service itself never removes the group's
/// creator, `GREEN-API.md` §6, so the answer is read instead).
fn needs_owner(op: &Operation) -> bool {
    op.platform == Platform::Max && matches!(op.action, Action::Remove | Action::Demote)
}

/// What became of an operation before its first request.
enum Before {
    /// Send it.
    Send,
    /// Settled without a request.
    Settled(Outcome, String),
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
            let Some(chain) = self.instance.queue.pop() else {
                return;
            };
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

    /// What the guards and the known state say before anything is sent.
    /// `wait`: how long to wait for a read of the group under way.
    async fn before(&self, op: &Operation, wait: Duration) -> Before {
        let inst = &self.instance;
        let (chat, who) = (&op.chat_id, &op.participant_id);
        if let Some(why) = static_guard(op.action, chat, who, inst.own.as_deref()) {
            return Before::Settled(Outcome::Rejected, format!("not sent: {why}"));
        }
        let Some(reader) = &inst.reader else {
            return Before::Send;
        };
        let resumed = inst.resumed.contains(chat.as_str());
        if (resumed || needs_owner(op)) && wait > Duration::ZERO {
            // Only a read tells who owns a MAX group, and nothing documents
            // that MAX refuses to remove or demote an owner as WhatsApp does
            // its creator's: such an operation waits for its group's read,
            // which on MAX costs a tenth of a send. A group an interrupted
            // run was working on is read first too: what it applied without
            // recording is then `already`, not sent twice.
            inst.groups.refresh(chat, None, reader, false).await;
        }
        match inst.groups.predict(chat, op.action, who, wait).await {
            Some(Prediction::Already(why)) => Before::Settled(Outcome::Already, why),
            Some(Prediction::Guard(why)) => {
                Before::Settled(Outcome::Rejected, format!("not sent: {why}"))
            }
            _ => Before::Send,
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
        // `attempts` counts requests sent; `charged` those that count
        // against --max-attempts (not those an outage failed).
        let (mut attempts, mut charged, mut http_status) = (0u32, 0u32, None);
        let (mut lost_before, mut retried) = (false, false);
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
            let before = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return None,
                b = self.before(&op, WAIT_FOR_READ) => b,
            };
            if let Before::Settled(outcome, why) = before {
                self.instance.queue.dispatched();
                return end(op, outcome, why, 0, None);
            }
        }
        loop {
            if let Some(reason) = self.instance.refused.get() {
                return end(op, Outcome::Aborted, reason.clone(), attempts, http_status);
            }
            let pacer = &self.instance.pacers[&method];
            let sent_at = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => {
                    // Never sent: no row, so a rerun sends it. Sent before: its
                    // last attempt failed transiently, which a rerun retries.
                    if attempts == 0 {
                        return None;
                    }
                    return end(op, Outcome::Failed, "interrupted before retrying".into(), attempts, http_status);
                }
                acquired = pacer.acquire() => match acquired {
                    Ok(at) => at,
                    Err(GaveUp(why)) => return end(op, Outcome::Failed, why, attempts, http_status),
                },
            };
            // Another worker may have found the instance refused while this one waited.
            if let Some(reason) = self.instance.refused.get() {
                return end(op, Outcome::Aborted, reason.clone(), attempts, http_status);
            }
            if attempts == 0 {
                // A read may have landed while this waited for its slot: the
                // slot is spent either way, but a request that cannot change
                // anything is not.
                if let Before::Settled(outcome, why) = self.before(&op, Duration::ZERO).await {
                    self.instance.queue.dispatched();
                    return end(op, outcome, why, 0, None);
                }
                self.instance.budget.on_first_attempt();
                self.instance.queue.dispatched();
            } else {
                retried = true;
            }
            attempts += 1;
            charged += 1;
            let groups = &self.instance.groups;
            groups.sending(&op.chat_id, &op.participant_id);
            let answer = self
                .client
                .call(&self.instance.endpoint, method, &body)
                .await;
            let answered_at = Instant::now();
            if let Ok(a) = &answer {
                http_status = Some(a.status);
            }
            let verdict = classify(op.action, &answer);
            let (holds, maybe_changed) = match &verdict {
                Verdict::Done => (Some(op.action), true),
                Verdict::Transient { maybe_applied, .. } => (None, *maybe_applied),
                _ => (None, false),
            };
            groups.answered(&op.chat_id, &op.participant_id, holds, maybe_changed);
            if retried && !matches!(verdict, Verdict::Transient { .. }) {
                // The server answers again: the retry that proved it is refunded.
                self.instance.budget.on_retry_answered();
            }
            match verdict {
                Verdict::Done => {
                    self.answered(method, sent_at).await;
                    return end(op, Outcome::Done, String::new(), attempts, http_status);
                }
                Verdict::Rejected { mut error } => {
                    self.answered(method, sent_at).await;
                    match self.reconcile(&op, answered_at).await {
                        Reconciled::Holds => {
                            let note =
                                format!("{error}, but the group shows the goal already holds");
                            return end(op, Outcome::Already, note, attempts, http_status);
                        }
                        Reconciled::Not(why) | Reconciled::Unproven(why) => {
                            error = format!("{error}: {why}");
                        }
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
                    self.answered(method, sent_at).await;
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
                    let outage = if throttled {
                        false
                    } else {
                        match pacer.failed(sent_at, &reason) {
                            Failure::Scattered => false,
                            Failure::Tripped => {
                                self.event(Event::OutageBegan {
                                    instance: self.instance.name.clone(),
                                    method,
                                    reason: reason.clone(),
                                })
                                .await;
                                true
                            }
                            Failure::During => true,
                        }
                    };
                    if maybe_applied
                        && let Reconciled::Holds = self.reconcile(&op, answered_at).await
                    {
                        // The lost request (or someone else) did it: sending again would only get a `false`.
                        let note = format!("{reason}; the group shows the goal holds");
                        return end(op, Outcome::Already, note, attempts, http_status);
                    }
                    if outage {
                        // The server's news, not this operation's: no attempt
                        // or budget is charged, and the pacer holds the next
                        // request until a probe gets through.
                        charged -= 1;
                        continue;
                    }
                    let retry_after =
                        retry_after.and_then(|v| parse_retry_after(&v, SystemTime::now()));
                    if throttled {
                        let throttle = pacer.throttled(sent_at, retry_after);
                        self.event(Event::Throttled {
                            instance: self.instance.name.clone(),
                            method,
                            rate: throttle.rate,
                            news: throttle.news,
                        })
                        .await;
                    }
                    // A 429 already slowed the pacer down, which is what cuts the
                    // load; the budget guards against failures, so it is not charged.
                    let decision = if throttled && self.retry.allows_another(charged) {
                        Decision::Retry(self.retry.delay(charged, retry_after, &mut self.rng))
                    } else {
                        self.retry.decide(
                            charged,
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
                    self.event(retrying).await;
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

    /// Reads the group again (unless it was read since `answered_at`) and
    /// says whether the operation's goal holds.
    async fn reconcile(&self, op: &Operation, answered_at: Instant) -> Reconciled {
        let Some(reader) = &self.instance.reader else {
            return Reconciled::Unknown;
        };
        // After the first signal only the requests in flight may finish: a
        // read (with its own retries) would keep the run going for longer.
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => Reconciled::Unknown,
            r = self.instance.groups.reconcile(&op.chat_id, op.action, &op.participant_id, answered_at, reader) => r,
        }
    }

    /// The server answered (not a transient failure): tell the pacer, and
    /// the views what changed.
    async fn answered(&self, method: Method, sent_at: Instant) {
        let (rate, change) = self.instance.pacers[&method].answered(sent_at);
        let instance = self.instance.name.clone();
        if let Some(Change::OutageEnded(lasted)) = change {
            self.event(Event::OutageEnded {
                instance: instance.clone(),
                method,
                lasted,
            })
            .await;
        }
        if let Some(rate) = rate {
            self.event(Event::Recovered {
                instance,
                method,
                rate,
            })
            .await;
        }
    }

    async fn event(&self, event: Event) {
        let _ = self.events.send(event).await;
    }
}

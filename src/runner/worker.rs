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

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::classify::{Verdict, classify};
use super::event::{Event, Finished};
use super::instance::InstanceRun;
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
    instance: Arc<InstanceRun>,
    retry: RetryPolicy,
    events: mpsc::Sender<Event>,
    cancel: CancellationToken,
    rng: fastrand::Rng,
    /// This worker's 429 made its instance wait (`Retry-After`) and said
    /// so; it says when the wait is over too.
    announced_pause: Option<Method>,
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

/// How an operation ends.
enum End {
    /// With a row: its outcome and why.
    Row(Outcome, String),
    /// Cancelled before its first request: no row, so a rerun sends it.
    Unsent,
}

/// A transient failure, handed from judging the answer to the steps that
/// decide whether to send again.
struct Transient {
    reason: String,
    /// The server asked for this much patience.
    retry_after: Option<String>,
    /// HTTP 429: the pace itself must slow down.
    throttled: bool,
    /// The request may have been applied although no answer says so.
    maybe_applied: bool,
}

/// When a request went and its answer came: the pacer measures from the
/// one, and a reconciling read must be newer than the other.
#[derive(Clone, Copy)]
struct Timing {
    sent_at: Instant,
    answered_at: Instant,
}

/// One operation on its way to an outcome: what its requests share, kept
/// across the steps of [`Worker::run_op`] and written into its row.
struct Attempt {
    op: Operation,
    method: Method,
    /// The same for every request, so built once.
    body: serde_json::Value,
    // `attempts` counts requests sent; `charged` those that count
    // against --max-attempts (not those an outage failed).
    attempts: u32,
    charged: u32,
    /// The last HTTP status seen, for the row.
    http_status: Option<u16>,
    /// An earlier request's answer was lost, so it may have applied: a
    /// later `false` then says so.
    lost_before: bool,
    /// A request was sent again: its answer refunds the retry budget.
    retried: bool,
}

impl Attempt {
    fn new(op: Operation, platform: Platform) -> Attempt {
        let body = serde_json::json!({
            platform.group_field(): op.chat_id,
            platform.participant_field(): op.participant_id,
        });
        Attempt {
            method: op.action.method(),
            op,
            body,
            attempts: 0,
            charged: 0,
            http_status: None,
            lost_before: false,
            retried: false,
        }
    }

    /// The operation's row, stamped now; `None` when it gets none.
    fn finish(self, end: End) -> Option<Finished> {
        let End::Row(outcome, error) = end else {
            return None;
        };
        Some(Finished {
            op: self.op,
            outcome,
            error,
            http_status: self.http_status,
            attempts: self.attempts,
            finished_at: SystemTime::now(),
        })
    }
}

impl Worker {
    pub(super) fn new(
        client: Client,
        instance: Arc<InstanceRun>,
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
            announced_pause: None,
        }
    }

    pub(super) async fn run(mut self) {
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
        let mut at = Attempt::new(op, self.instance.endpoint.platform);
        if let ControlFlow::Break(end) = self.first_look(&at).await {
            return at.finish(end);
        }
        loop {
            if let ControlFlow::Break(end) = self.attempt(&mut at).await {
                return at.finish(end);
            }
        }
    }

    /// One request and what its answer leads to; `Continue`: send again.
    /// The steps are apart so that each decides one thing, yet they run in
    /// the order the run's events and rows depend on.
    async fn attempt(&mut self, at: &mut Attempt) -> ControlFlow<End> {
        let sent_at = self.turn(at).await?;
        self.last_look(at).await?;
        let (verdict, answered_at) = self.send(at).await;
        let timing = Timing {
            sent_at,
            answered_at,
        };
        let failure = self.judge(at, verdict, timing).await?;
        let outage = self.outage(at.method, &failure, sent_at).await;
        self.reconcile_lost(at, &failure, answered_at).await?;
        if outage {
            // The server's news, not this operation's: no attempt
            // or budget is charged, and the pacer holds the next
            // request until a probe gets through.
            at.charged -= 1;
            return ControlFlow::Continue(());
        }
        self.retry(at, failure, sent_at).await
    }

    /// The look at the group before the operation queues for its slot, so
    /// that one with nothing to do never spends a slot. A refused instance
    /// skips it: the next step aborts the operation anyway.
    async fn first_look(&self, at: &Attempt) -> ControlFlow<End> {
        if self.instance.refused.get().is_some() {
            return ControlFlow::Continue(());
        }
        let before = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => return ControlFlow::Break(End::Unsent),
            b = self.before(&at.op, WAIT_FOR_READ) => b,
        };
        self.settled(before)
    }

    /// Ends the operation when the look before sending settled it; it
    /// leaves the queue then as if sent, so the queue's count of what is
    /// still to be dispatched stays true.
    fn settled(&self, before: Before) -> ControlFlow<End> {
        match before {
            Before::Send => ControlFlow::Continue(()),
            Before::Settled(outcome, why) => {
                self.instance.queue.dispatched();
                ControlFlow::Break(End::Row(outcome, why))
            }
        }
    }

    /// Ends the operation `aborted` once its instance is refused: the
    /// refusal holds for every request of the instance, so none is sent.
    fn refused(&self) -> ControlFlow<End> {
        match self.instance.refused.get() {
            Some(reason) => ControlFlow::Break(End::Row(Outcome::Aborted, reason.clone())),
            None => ControlFlow::Continue(()),
        }
    }

    /// Waits for the method's pacer to allow a request; gives when it did.
    async fn turn(&self, at: &Attempt) -> ControlFlow<End, Instant> {
        self.refused()?;
        let pacer = &self.instance.pacers[&at.method];
        let sent_at = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => {
                // Never sent: no row, so a rerun sends it. Sent before: its
                // last attempt failed transiently, which a rerun retries.
                if at.attempts == 0 {
                    return ControlFlow::Break(End::Unsent);
                }
                return ControlFlow::Break(End::Row(Outcome::Failed, "interrupted before retrying".into()));
            }
            acquired = pacer.acquire() => match acquired {
                Ok(at) => at,
                Err(GaveUp(why)) => return ControlFlow::Break(End::Row(Outcome::Failed, why)),
            },
        };
        // Another worker may have found the instance refused while this one waited.
        self.refused()?;
        ControlFlow::Continue(sent_at)
    }

    /// Before the first request only: a last look at the group, then the
    /// operation counts as dispatched. A later request is a retry, whose
    /// answer refunds the retry budget.
    async fn last_look(&self, at: &mut Attempt) -> ControlFlow<End> {
        if at.attempts > 0 {
            at.retried = true;
            return ControlFlow::Continue(());
        }
        // A read may have landed while this waited for its slot: the
        // slot is spent either way, but a request that cannot change
        // anything is not.
        self.settled(self.before(&at.op, Duration::ZERO).await)?;
        self.instance.budget.on_first_attempt();
        self.instance.queue.dispatched();
        ControlFlow::Continue(())
    }

    /// Sends the request and classifies its answer; tells the group's view
    /// what the answer may have changed, so that other operations on the
    /// group predict from it. Gives the verdict and when it came.
    async fn send(&self, at: &mut Attempt) -> (Verdict, Instant) {
        at.attempts += 1;
        at.charged += 1;
        let (op, groups) = (&at.op, &self.instance.groups);
        groups.sending(&op.chat_id, &op.participant_id);
        let answer = self
            .client
            .call(&self.instance.endpoint, at.method, &at.body)
            .await;
        let answered_at = Instant::now();
        if let Ok(a) = &answer {
            at.http_status = Some(a.status);
        }
        let verdict = classify(op.action, &answer);
        let (holds, maybe_changed) = match &verdict {
            Verdict::Done => (Some(op.action), true),
            Verdict::Transient { maybe_applied, .. } => (None, *maybe_applied),
            _ => (None, false),
        };
        groups.answered(&op.chat_id, &op.participant_id, holds, maybe_changed);
        if at.retried && !matches!(verdict, Verdict::Transient { .. }) {
            // The server answers again: the retry that proved it is refunded.
            self.instance.budget.on_retry_answered();
        }
        (verdict, answered_at)
    }

    /// Ends the operation on any answer but a transient failure, which it
    /// gives on to the steps that decide whether to send again.
    async fn judge(
        &self,
        at: &mut Attempt,
        verdict: Verdict,
        timing: Timing,
    ) -> ControlFlow<End, Transient> {
        let (method, sent_at) = (at.method, timing.sent_at);
        match verdict {
            Verdict::Done => {
                self.answered(method, sent_at).await;
                ControlFlow::Break(End::Row(Outcome::Done, String::new()))
            }
            Verdict::Rejected { error } => {
                self.answered(method, sent_at).await;
                ControlFlow::Break(self.rejected(at, error, timing.answered_at).await)
            }
            Verdict::Fatal { reason } => {
                self.answered(method, sent_at).await;
                self.refuse(&reason).await;
                ControlFlow::Break(End::Row(Outcome::Aborted, reason))
            }
            Verdict::Transient {
                reason,
                retry_after,
                throttled,
                maybe_applied,
            } => {
                // Remembered for a later `false`, which may then be this
                // run's own change that nobody saw answered.
                at.lost_before |= maybe_applied;
                ControlFlow::Continue(Transient {
                    reason,
                    retry_after,
                    throttled,
                    maybe_applied,
                })
            }
        }
    }

    /// A `false`: the group tells whether the goal holds anyway, or why not.
    async fn rejected(&self, at: &Attempt, mut error: String, answered_at: Instant) -> End {
        match self.reconcile(&at.op, answered_at).await {
            Reconciled::Holds => {
                let note = format!("{error}, but the group shows the goal already holds");
                return End::Row(Outcome::Already, note);
            }
            Reconciled::Not(why) | Reconciled::Unproven(why) => {
                error = format!("{error}: {why}");
            }
            Reconciled::Unknown if at.lost_before => {
                error.push_str(" (an earlier attempt's answer was lost: it may have applied)");
            }
            Reconciled::Unknown => {}
        }
        End::Row(Outcome::Rejected, error)
    }

    /// A fatal answer refuses the whole instance; only the worker that
    /// refuses it first tells the views, so the news comes once.
    async fn refuse(&self, reason: &str) {
        if self.instance.refused.set(reason.to_owned()).is_ok() {
            let name = self.instance.name.clone();
            let _ = self
                .events
                .send(Event::InstanceRefused {
                    instance: name,
                    reason: reason.to_owned(),
                })
                .await;
        }
    }

    /// Whether the failure belongs to an outage of the method, which the
    /// pacer waits out instead of the retry budget paying for it. A 429 is
    /// the server's pace, not an outage.
    async fn outage(&self, method: Method, failure: &Transient, sent_at: Instant) -> bool {
        if failure.throttled {
            return false;
        }
        match self.instance.pacers[&method].failed(sent_at, &failure.reason) {
            Failure::Scattered => false,
            Failure::Tripped { next_try } => {
                self.event(Event::OutageBegan {
                    instance: self.instance.name.clone(),
                    method,
                    reason: failure.reason.clone(),
                    next_try,
                })
                .await;
                true
            }
            Failure::During {
                next_try: Some(next_try),
            } => {
                self.event(Event::Probed {
                    instance: self.instance.name.clone(),
                    method,
                    next_try,
                })
                .await;
                true
            }
            Failure::During { next_try: None } => true,
        }
    }

    /// A failure whose request may have applied: the group tells whether
    /// the goal holds before the operation is sent again.
    async fn reconcile_lost(
        &self,
        at: &Attempt,
        failure: &Transient,
        answered_at: Instant,
    ) -> ControlFlow<End> {
        if failure.maybe_applied
            && let Reconciled::Holds = self.reconcile(&at.op, answered_at).await
        {
            // The lost request (or someone else) did it: sending again would only get a `false`.
            let note = format!("{}; the group shows the goal holds", failure.reason);
            return ControlFlow::Break(End::Row(Outcome::Already, note));
        }
        ControlFlow::Continue(())
    }

    /// Decides whether the operation is sent again and waits the backoff;
    /// `Continue`: send again.
    async fn retry(
        &mut self,
        at: &Attempt,
        failure: Transient,
        sent_at: Instant,
    ) -> ControlFlow<End> {
        let reason = failure.reason;
        let delay = match self
            .backoff(at, failure.throttled, failure.retry_after, sent_at)
            .await
        {
            Decision::Retry(delay) => delay,
            Decision::GiveUp(why) => {
                return ControlFlow::Break(End::Row(Outcome::Failed, format!("{reason} ({why})")));
            }
        };
        let op_ref: Arc<str> = at.op.source.to_string().into();
        let retrying = Event::Retrying {
            op: op_ref,
            attempt: at.attempts,
            delay,
            reason: reason.clone(),
        };
        self.event(retrying).await;
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => {
                let error = format!("{reason} (interrupted before retrying)");
                ControlFlow::Break(End::Row(Outcome::Failed, error))
            }
            _ = tokio::time::sleep(delay) => {
                if let Some(method) = self.announced_pause.take() {
                    let instance = self.instance.name.clone();
                    self.event(Event::PauseEnded { instance, method }).await;
                }
                ControlFlow::Continue(())
            }
        }
    }

    /// Whether and when to send again: a 429 slows the pacer down (and says
    /// so) and is retried within --max-attempts alone.
    async fn backoff(
        &mut self,
        at: &Attempt,
        throttled: bool,
        retry_after: Option<String>,
        sent_at: Instant,
    ) -> Decision {
        let retry_after = retry_after.and_then(|v| parse_retry_after(&v, SystemTime::now()));
        if throttled {
            let throttle = self.instance.pacers[&at.method].throttled(sent_at, retry_after);
            self.event(Event::Throttled {
                instance: self.instance.name.clone(),
                method: at.method,
                rate: throttle.rate,
                news: throttle.news,
            })
            .await;
            if let Some(wait) = throttle.paused {
                self.announced_pause = Some(at.method);
                self.event(Event::Paused {
                    instance: self.instance.name.clone(),
                    method: at.method,
                    wait,
                })
                .await;
            }
        }
        // A 429 already slowed the pacer down, which is what cuts the
        // load; the budget guards against failures, so it is not charged.
        if throttled && self.retry.allows_another(at.charged) {
            Decision::Retry(self.retry.delay(at.charged, retry_after, &mut self.rng))
        } else {
            self.retry.decide(
                at.charged,
                retry_after,
                &self.instance.budget,
                &mut self.rng,
            )
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

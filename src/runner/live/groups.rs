//! Reading groups: paced, retried `getGroupData` calls ([`Reader`]), and a
//! per-instance cache ([`Groups`]) in which each group is read at most once
//! per moment of need and then kept up to date as operations finish.
//!
//! Reads and sends overlap: a group may be read while operations on it are
//! on the wire, and its answer may or may not show them. So the cache keeps,
//! for the length of each read, what every operation on that group did: the
//! snapshot is patched with the effects that are known (a success) and
//! marks the rest *uncertain* (sent, answer not decisive), and an uncertain
//! participant is predicted only by sending again.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

use super::predict::{GroupState, Prediction};
use crate::greenapi::client::{Client, Endpoint};
use crate::greenapi::response::parse_group_data;
use crate::greenapi::{Action, Method};
use crate::runner::call::{CallError, Paced, Watch};
use crate::runner::event::Event;
use crate::runner::pace::{Pacer, Throttle};
use crate::runner::retry::RetryPolicy;

/// What is needed to read a group of one instance.
pub(crate) struct Reader {
    pub client: Client,
    pub endpoint: Endpoint,
    /// The pace of `getGroupData` for this instance.
    pub pacer: Pacer,
    pub retry: RetryPolicy,
    /// The instance's own ID, from the preflight.
    pub own: Option<String>,
    /// Reads that got a 429, for the summary.
    pub throttled: AtomicU64,
    /// A moving average of a read's round trip, in microseconds (0: none yet).
    rtt_us: AtomicU64,
    /// Where reads' 429s are told, when a run listens.
    events: Option<(Arc<str>, mpsc::Sender<Event>)>,
}

/// The round trip assumed before the first read has measured one.
const DEFAULT_RTT: Duration = Duration::from_millis(500);

impl Reader {
    pub(crate) fn new(
        client: Client,
        endpoint: Endpoint,
        pacer: Pacer,
        retry: RetryPolicy,
        own: Option<String>,
    ) -> Reader {
        Reader {
            client,
            endpoint,
            pacer,
            retry,
            own,
            throttled: AtomicU64::new(0),
            rtt_us: AtomicU64::new(0),
            events: None,
        }
    }

    /// Tells `events` of each 429 a read gets, as instance `name`.
    pub(crate) fn with_events(mut self, name: Arc<str>, events: mpsc::Sender<Event>) -> Reader {
        self.events = Some((name, events));
        self
    }

    /// Reads `chat`'s state: retried while the failure is transient (an
    /// outage is waited out, as for sends), an error text when the group
    /// cannot be read. Also returns when the read that answered left.
    /// `background` reads yield to the others.
    pub(crate) async fn read(
        &self,
        chat: &str,
        background: bool,
    ) -> (Result<GroupState, String>, Instant) {
        let body = serde_json::json!({ self.endpoint.platform.group_field(): chat });
        let paced = Paced {
            client: &self.client,
            endpoint: &self.endpoint,
            pacer: &self.pacer,
            retry: self.retry,
        };
        let (answer, sent_at) = paced
            .call(Method::GetGroupData, &body, background, self)
            .await;
        let state = answer.map_err(CallError::into_reason).and_then(|a| {
            parse_group_data(&a.body).map(|data| GroupState::new(&data, self.own.as_deref()))
        });
        let subject = state.as_ref().ok().and_then(GroupState::subject);
        if let (Some((_, events)), Some(subject)) = (&self.events, subject) {
            // Awaited, unlike a 429's log line: a lost subject would leave
            // the group unnamed, and reads are few (at most 10/s).
            let told = Event::Subject {
                chat: chat.to_owned(),
                subject: subject.to_owned(),
            };
            let _ = events.send(told).await;
        }
        (state, sent_at)
    }

    /// How long a read takes from leaving to its answer, as measured so far.
    pub(crate) fn round_trip(&self) -> Duration {
        match self.rtt_us.load(Ordering::Relaxed) {
            0 => DEFAULT_RTT,
            us => Duration::from_micros(us),
        }
    }
}

impl Watch for Reader {
    fn throttled(&self, throttle: Throttle) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        if let Some((name, events)) = &self.events {
            // Never blocks a read; a full channel only loses a log line.
            let _ = events.try_send(Event::Throttled {
                instance: name.clone(),
                method: Method::GetGroupData,
                rate: throttle.rate,
                news: throttle.news,
            });
        }
    }

    fn measured(&self, took: Duration) {
        let us = took.as_micros().min(u128::from(u32::MAX)) as u64;
        let _ = self
            .rtt_us
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(if old == 0 {
                    us.max(1)
                } else {
                    (old * 7 + us) / 8
                })
            });
    }
}

/// A group's state and when the read behind it left.
pub(super) struct Known {
    pub state: Result<GroupState, String>,
    pub sent_at: Instant,
}

/// What a fresh look at the group says about an operation's goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reconciled {
    /// The goal holds: the operation is settled.
    Holds,
    /// It does not; the state's explanation.
    Not(String),
    /// The list cannot tell; why.
    Unproven(String),
    /// The group could not be read (or live state is off).
    Unknown,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    /// One read of a group at a time: a burst of refusals costs one read.
    reading: tokio::sync::Mutex<()>,
    read_done: Notify,
}

#[derive(Default)]
struct SlotState {
    known: Option<Known>,
    /// A read is under way.
    read_started: bool,
    /// Participants with a request on the wire.
    on_wire: HashSet<String>,
    /// During a read: each participant whose request was on the wire, with
    /// the action whose goal now holds when its answer said so.
    touched: HashMap<String, Option<Action>>,
}

/// The groups of one instance.
#[derive(Default)]
pub(crate) struct Groups {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

/// Resets a slot's read marker however the read ends (finished or dropped).
struct ReadMark<'a>(&'a Slot);

impl Drop for ReadMark<'_> {
    fn drop(&mut self) {
        let mut st = lock(&self.0.state);
        st.read_started = false;
        st.touched.clear();
        drop(st);
        self.0.read_done.notify_waiters();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Groups {
    fn slot(&self, chat: &str) -> Arc<Slot> {
        lock(&self.slots)
            .entry(chat.to_owned())
            .or_default()
            .clone()
    }

    /// Whether `chat` was read (or is being read).
    pub(crate) fn is_known_or_reading(&self, chat: &str) -> bool {
        let Some(slot) = lock(&self.slots).get(chat).cloned() else {
            return false;
        };
        let st = lock(&slot.state);
        st.known.is_some() || st.read_started
    }

    /// What the known state predicts for `action` on `participant`. When the
    /// group has not been read but a read is under way, waits for it at most
    /// `wait`; `None` when nothing is known (then the operation is sent).
    pub(crate) async fn predict(
        &self,
        chat: &str,
        action: Action,
        participant: &str,
        wait: Duration,
    ) -> Option<Prediction> {
        let slot = self.slot(chat);
        let deadline = Instant::now() + wait;
        loop {
            let notified = slot.read_done.notified();
            {
                let st = lock(&slot.state);
                match &st.known {
                    Some(known) => {
                        return known
                            .state
                            .as_ref()
                            .ok()
                            .map(|s| s.predict(action, participant));
                    }
                    None if !st.read_started => return None,
                    None => {}
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// A request for `participant` goes on the wire.
    pub(crate) fn sending(&self, chat: &str, participant: &str) {
        let slot = self.slot(chat);
        let mut st = lock(&slot.state);
        st.on_wire.insert(participant.to_owned());
        if st.read_started {
            st.touched.insert(participant.to_owned(), None);
        }
    }

    /// The request for `participant` ended: `holds` names the action whose
    /// goal now holds (the answer was a success), and `maybe_changed` says
    /// that the group may have changed in a way no answer showed.
    pub(crate) fn answered(
        &self,
        chat: &str,
        participant: &str,
        holds: Option<Action>,
        maybe_changed: bool,
    ) {
        let slot = self.slot(chat);
        let mut st = lock(&slot.state);
        st.on_wire.remove(participant);
        if st.read_started {
            st.touched.insert(participant.to_owned(), holds);
        }
        if let Some(Known {
            state: Ok(state), ..
        }) = st.known.as_mut()
        {
            match holds {
                Some(action) => state.apply(action, participant),
                None if maybe_changed => state.mark_uncertain(participant),
                None => {}
            }
        }
    }

    /// Reads `chat` unless a read that left after `since` (or any read, when
    /// `since` is `None`) already answered. `background` reads yield to others.
    pub(crate) async fn refresh(
        &self,
        chat: &str,
        since: Option<Instant>,
        reader: &Reader,
        background: bool,
    ) {
        let slot = self.slot(chat);
        let _one = slot.reading.lock().await;
        let mark = {
            let mut st = lock(&slot.state);
            let fresh = match (&st.known, since) {
                (Some(_), None) => true,
                (Some(known), Some(since)) => known.sent_at >= since,
                (None, _) => false,
            };
            if fresh {
                // Holding `reading`, no other read is under way: a mark left
                // by `expect_read` is moot.
                st.read_started = false;
                return;
            }
            st.read_started = true;
            st.touched = st.on_wire.iter().map(|p| (p.clone(), None)).collect();
            ReadMark(&slot)
        };
        let (mut state, sent_at) = reader.read(chat, background).await;
        let mut st = lock(&slot.state);
        if let Ok(state) = &mut state {
            for (participant, holds) in st.touched.drain() {
                match holds {
                    Some(action) => state.apply(action, &participant),
                    None => state.mark_uncertain(&participant),
                }
            }
        }
        st.known = Some(Known { state, sent_at });
        drop(st);
        drop(mark);
    }

    /// Marks `chat` as being read, so that operations reaching it wait for
    /// the read rather than send blind; the caller reads it next with
    /// [`refresh`](Groups::refresh). Used for the first read ahead, which
    /// starts before any worker does.
    pub(crate) fn expect_read(&self, chat: &str) {
        let slot = self.slot(chat);
        lock(&slot.state).read_started = true;
    }

    /// Reads `chat` again if needed (see [`refresh`](Groups::refresh)) and
    /// says whether `action`'s goal holds for `participant`.
    pub(crate) async fn reconcile(
        &self,
        chat: &str,
        action: Action,
        participant: &str,
        since: Instant,
        reader: &Reader,
    ) -> Reconciled {
        self.refresh(chat, Some(since), reader, false).await;
        let slot = self.slot(chat);
        let st = lock(&slot.state);
        match st.known.as_ref().map(|k| &k.state) {
            Some(Ok(state)) => match state.goal(action, participant) {
                super::predict::Goal::Holds => Reconciled::Holds,
                super::predict::Goal::Not(_) => Reconciled::Not(state.explain(action, participant)),
                super::predict::Goal::Unproven(why) => Reconciled::Unproven(why),
            },
            Some(Err(e)) => Reconciled::Not(e.clone()),
            None => Reconciled::Unknown,
        }
    }
}

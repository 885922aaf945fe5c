//! What every connection of one sandbox shares: the world, the rate windows,
//! the fault plan and the ledger behind one lock (critical sections are short
//! and never await), plus the clock and the shutdown signal. Also the
//! token-free snapshot of the state that tests and `/__sandbox/state` read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::config::SandboxConfig;
use super::fate::FaultPlan;
use super::ledger::Ledger;
use super::limits::RateWindows;
use super::schema::InstanceState;
use super::world::World;
use crate::greenapi::{Method, Platform};

pub(crate) struct Shared {
    pub started: Instant,
    pub started_unix_ms: u64,
    pub initial: SandboxConfig,
    pub seq: AtomicU64,
    pub shutdown: CancellationToken,
    inner: Mutex<Inner>,
}

pub(crate) struct Inner {
    pub world: World,
    pub windows: RateWindows,
    pub faults: FaultPlan,
    pub ledger: Ledger,
    pub limits_enabled: bool,
    pub rates: HashMap<Method, u32>,
    /// Every `sendMessage` accepted, in order.
    pub messages: Vec<super::messages::SentMessage>,
}

impl Shared {
    /// See [`SandboxHandle::declared_limits`](super::SandboxHandle::declared_limits).
    pub(super) fn declared_limits(&self, id_instance: &str) -> Option<String> {
        let inner = self.lock();
        if !inner.limits_enabled {
            return Some("unlimited".to_owned());
        }
        let instance = inner.world.instances.get(id_instance)?;
        let mut pairs: Vec<String> = Method::ALL
            .into_iter()
            .filter_map(|m| {
                let limit =
                    super::limits::limit_for(m, instance.platform, &instance.rates, &inner.rates);
                (limit != super::spec::documented_limit(m, instance.platform))
                    .then(|| format!("{m}={limit}"))
            })
            .collect();
        pairs.sort();
        (!pairs.is_empty()).then(|| pairs.join(","))
    }

    /// The service time of request `seq`, if the sandbox has one.
    pub(super) fn service_time(&self, seq: u64) -> Option<std::time::Duration> {
        self.initial.latency.map(|l| l.of(self.initial.seed, seq))
    }

    /// The request leg of request `seq` (its delay before admission), if
    /// the sandbox has one. Drawn from the same seed as the service time,
    /// salted: the two legs of one request are independent, as on a link.
    pub(super) fn request_leg(&self, seq: u64) -> Option<std::time::Duration> {
        const SALT: u64 = 0x9e37_79b9_7f4a_7c15;
        self.initial
            .latency_in
            .map(|l| l.of(self.initial.seed ^ SALT, seq))
    }
}

impl Inner {
    fn new(config: &SandboxConfig) -> Inner {
        Inner {
            world: config.world.clone(),
            windows: RateWindows::default(),
            faults: FaultPlan::new(config.seed, config.faults.clone()),
            ledger: Ledger::new(config.ledger_capacity),
            limits_enabled: config.limits_enabled,
            messages: Vec::new(),
            rates: config.rates.clone(),
        }
    }
}

impl Shared {
    pub(super) fn new(config: SandboxConfig) -> Shared {
        let started_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Shared {
            started: Instant::now(),
            started_unix_ms,
            inner: Mutex::new(Inner::new(&config)),
            initial: config,
            seq: AtomicU64::new(0),
            shutdown: CancellationToken::new(),
        }
    }

    /// The state, tolerating a poisoned lock: a panic in one request must
    /// not take the whole sandbox down with it.
    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the initial state: groups, quotas, windows, fault counters
    /// and the ledger (numbered from 0 again). Fault rules set at runtime
    /// are kept.
    pub(super) fn reset(&self) {
        let mut inner = self.lock();
        let rules = inner.faults.rules().to_vec();
        let seed = inner.faults.seed();
        *inner = Inner::new(&self.initial);
        inner.faults = FaultPlan::new(seed, rules);
        // Under the lock, so that a request cannot take a number in between.
        self.seq.store(0, Ordering::SeqCst);
    }

    /// False when there is no such instance.
    pub(super) fn set_instance_state(&self, id_instance: &str, state: InstanceState) -> bool {
        match self.lock().world.instances.get_mut(id_instance) {
            Some(instance) => {
                instance.state = state;
                true
            }
            None => false,
        }
    }

    pub(super) fn snapshot(&self) -> StateSnapshot {
        let inner = self.lock();
        let instances = inner
            .world
            .instances
            .values()
            .map(|i| InstanceView {
                id_instance: i.id.clone(),
                platform: i.platform,
                state: i.state,
                wid: i.wid.clone(),
                quota_left: i.quota,
            })
            .collect();
        let groups = inner
            .world
            .groups
            .values()
            .map(|g| GroupView {
                id: g.id.clone(),
                platform: g.platform,
                subject: g.subject.clone(),
                owner: g.owner.clone(),
                participants: g
                    .members()
                    .into_iter()
                    .map(|(id, admin)| ParticipantView {
                        id: id.to_owned(),
                        admin,
                    })
                    .collect(),
            })
            .collect();
        StateSnapshot { instances, groups }
    }
}

/// The sandbox's state at one moment, without tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    pub instances: Vec<InstanceView>,
    pub groups: Vec<GroupView>,
}

/// An instance, without its token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceView {
    pub id_instance: String,
    pub platform: Platform,
    pub state: InstanceState,
    pub wid: String,
    /// Requests left before 466; `None` when the instance has no quota.
    pub quota_left: Option<u64>,
}

/// A group and its members in joining order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupView {
    pub id: String,
    pub platform: Platform,
    pub subject: String,
    pub owner: String,
    pub participants: Vec<ParticipantView>,
}

/// A member and whether they are an admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantView {
    pub id: String,
    pub admin: bool,
}

impl StateSnapshot {
    /// The group with this ID, on either platform.
    pub fn group(&self, id: &str) -> Option<&GroupView> {
        self.groups.iter().find(|g| g.id == id)
    }
}

impl GroupView {
    pub fn is_member(&self, id: &str) -> bool {
        self.participants.iter().any(|p| p.id == id)
    }

    pub fn is_admin(&self, id: &str) -> bool {
        self.participants.iter().any(|p| p.id == id && p.admin)
    }
}

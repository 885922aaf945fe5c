//! An instance's state during a run, shared by its workers and its
//! read-ahead task: pacers, retry budget, queue, what the preflight learned,
//! and the groups' live state.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use super::live::{Groups, Reader};
use super::pace::Pacer;
use super::queue::Queue;
use super::retry::RetryBudget;
use crate::greenapi::Method;
use crate::greenapi::client::Endpoint;

/// An instance's live state during a run.
pub(crate) struct InstanceRun {
    pub name: Arc<str>,
    pub endpoint: Endpoint,
    pub pacers: HashMap<Method, Pacer>,
    /// The pace of the moderation methods, to tell how far the sends are.
    pub send_rate: Option<f64>,
    pub budget: RetryBudget,
    /// Set once: by the preflight or by the first fatal answer.
    pub refused: OnceLock<String>,
    pub queue: Queue,
    /// The instance's own number, from the preflight.
    pub own: Option<String>,
    /// How groups are read, when the run uses live state.
    pub reader: Option<Reader>,
    pub groups: Groups,
    /// Groups read before their operations are sent (see [`EngineConfig::resumed`](super::engine::EngineConfig::resumed)).
    pub resumed: HashSet<String>,
}

impl InstanceRun {
    /// How many operations the send lane dispatches while a read ahead
    /// waits for its slot and comes back: groups nearer than that are
    /// reached by the sends first.
    pub(crate) fn reads_lag(&self, reader: &Reader) -> f64 {
        let Some(send_rate) = self.send_rate else {
            return f64::INFINITY; // unpaced sends outrun any read
        };
        let slot = reader.pacer.rate().map_or(0.0, |r| 1.0 / r);
        (slot + reader.round_trip().as_secs_f64()) * send_rate
    }
}

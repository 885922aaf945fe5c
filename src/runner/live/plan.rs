//! The live plan: every group read once, every operation predicted, nothing
//! changed. `plan --live` and `run --dry-run --live` print it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::predict::Goal;
use super::{Prediction, Preflight, Reader, preflight};
use crate::greenapi::client::Client;
use crate::greenapi::{Action, Platform};
use crate::manifest::{OpId, Operation};
use crate::runner::pace::Pacer;
use crate::runner::retry::RetryPolicy;
use crate::runner::setup::InstanceSetup;
use crate::subjects::Subjects;

/// What the live state predicts for every operation, group by group.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LivePlan {
    pub groups: Vec<LiveGroup>,
}

/// One group of one instance and its operations, in manifest order.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LiveGroup {
    pub instance: String,
    pub platform: Platform,
    pub chat_id: String,
    /// The group's subject (raw), from its read, or else from the listing
    /// that expanded a `*` row; absent from JSON when nothing told it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Why the group (or its instance) could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub operations: Vec<LiveItem>,
}

/// One operation's prediction.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LiveItem {
    pub op_id: OpId,
    pub source: String,
    pub action: Action,
    pub participant_id: String,
    /// `change`, `already`, `refused` or `unknown` (the group could not be
    /// read, or its list cannot tell whether the participant is a member).
    pub prediction: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl LiveGroup {
    /// How many operations have this prediction.
    pub(crate) fn count(&self, prediction: &str) -> usize {
        self.operations
            .iter()
            .filter(|i| i.prediction == prediction)
            .count()
    }
}

/// Reads every group `ops` touch (paced per instance) and predicts each
/// operation, as if the earlier ones of the same group had gone through.
/// `told` holds the subjects a listing already gave (the `*` rows'), for
/// the groups whose read fails.
pub(crate) async fn build(
    client: &Client,
    setups: &HashMap<Arc<str>, InstanceSetup>,
    retry: RetryPolicy,
    ops: &[Operation],
    told: &Subjects,
) -> LivePlan {
    // Groups in order of first appearance, per instance.
    let mut order: Vec<(Arc<str>, String)> = Vec::new();
    let mut members: HashMap<(Arc<str>, String), Vec<&Operation>> = HashMap::new();
    for op in ops {
        let key = (op.instance.clone(), op.chat_id.to_string());
        members.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Vec::new()
        });
        members.get_mut(&key).expect("inserted").push(op);
    }
    let mut readers: HashMap<Arc<str>, Result<Reader, String>> = HashMap::new();
    let mut groups = Vec::with_capacity(order.len());
    for key in order {
        let setup = &setups[&key.0];
        if !readers.contains_key(&key.0) {
            let reads = setup.own_reads.with(retry, setup.own_reads.patience);
            let reader = match preflight(client, &setup.endpoint, &reads).await {
                Preflight::Refused(reason) => Err(reason),
                Preflight::Ready { own } => Ok(reader(client, setup, retry, own.ok())),
                Preflight::Unknown(_) => Ok(reader(client, setup, retry, None)),
            };
            readers.insert(key.0.clone(), reader);
        }
        let state = match &readers[&key.0] {
            Ok(reader) => reader.read(&key.1, false).await.0,
            Err(reason) => Err(reason.clone()),
        };
        let ops = &members[&key];
        let subject = match &state {
            Ok(state) => state.subject(),
            Err(_) => None,
        }
        .or_else(|| told.get(&key.1))
        .map(str::to_owned);
        let (operations, error) = match state {
            Ok(mut state) => {
                let items = ops
                    .iter()
                    .map(|op| {
                        let prediction = state.predict(op.action, &op.participant_id);
                        let unproven =
                            match (&prediction, state.goal(op.action, &op.participant_id)) {
                                (Prediction::Change, Goal::Unproven(why)) => Some(why),
                                _ => None,
                            };
                        if prediction == Prediction::Change {
                            state.apply(op.action, &op.participant_id);
                        }
                        match unproven {
                            // Not listed, and the list cannot prove it: a run sends it.
                            Some(why) => LiveItem {
                                prediction: "unknown",
                                reason: Some(format!(
                                    "{why}: a run sends it and the answer decides"
                                )),
                                ..item(op, Prediction::Change)
                            },
                            None => item(op, prediction),
                        }
                    })
                    .collect();
                (items, None)
            }
            Err(reason) => {
                let unknown = |op: &&Operation| LiveItem {
                    prediction: "unknown",
                    reason: None,
                    ..item(op, Prediction::Change)
                };
                (ops.iter().map(unknown).collect(), Some(reason))
            }
        };
        groups.push(LiveGroup {
            instance: key.0.to_string(),
            platform: setup.endpoint.platform,
            chat_id: key.1,
            subject,
            error,
            operations,
        });
    }
    LivePlan { groups }
}

/// A reader of `setup`'s groups at its read pace, waiting out an outage
/// for the patience of its own reads, for a plan or a listing (a run's
/// engine adds its events).
pub(crate) fn reader(
    client: &Client,
    setup: &InstanceSetup,
    retry: RetryPolicy,
    own: Option<String>,
) -> Reader {
    Reader::new(
        client.clone(),
        setup.endpoint.clone(),
        Pacer::with_patience(setup.read_rate, setup.own_reads.patience),
        retry,
        own,
    )
}

fn item(op: &Operation, prediction: Prediction) -> LiveItem {
    let (name, reason) = match prediction {
        Prediction::Change => ("change", None),
        Prediction::Already(why) => ("already", Some(why)),
        Prediction::Guard(why) | Prediction::Refused(why) => ("refused", Some(why)),
    };
    LiveItem {
        op_id: op.op_id,
        source: op.source.to_string(),
        action: op.action,
        participant_id: op.participant_id.to_string(),
        prediction: name,
        reason,
    }
}

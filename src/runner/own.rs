//! The instance's own reads (`getStateInstance`, `getSettings`,
//! `getContacts`): requests like any other, paced a little under their
//! limits and retried through [`Paced`]. Their pacers are kept for the
//! whole process, one per (instance, method), so that two steps of one
//! command (a sync's reading and its run, say) never put two of them in the
//! same second and earn a 429 of their own making.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use super::call::{CallError, Paced};
use crate::greenapi::client::{Client, Endpoint, RawAnswer};
use crate::greenapi::contacts::{self, KnownGroup};
use crate::greenapi::{Method, Platform};
use crate::runner::limits::{Limit, ServerLimits};
use crate::runner::pace::Pacer;
use crate::runner::rate::READ_SHARE;
use crate::runner::retry::RetryPolicy;

/// How an instance's own reads are paced and retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OwnReads {
    /// `getStateInstance`, `getSettings` and `getContacts`, in requests per
    /// second (`None`: unpaced, for a server without limits).
    pub state: Option<f64>,
    pub settings: Option<f64>,
    pub contacts: Option<f64>,
    pub retry: RetryPolicy,
    /// How long an outage is waited out.
    pub patience: Duration,
}

impl OwnReads {
    /// Each read at [`READ_SHARE`] of its limit on `platform` under `limits`.
    pub fn under(limits: &ServerLimits, platform: Platform) -> OwnReads {
        let pace = |method| match limits.limit(method, platform) {
            Limit::PerSecond(l) => Some(l * READ_SHARE),
            Limit::Unlimited => None,
        };
        OwnReads {
            state: pace(Method::GetStateInstance),
            settings: pace(Method::GetSettings),
            contacts: pace(Method::GetContacts),
            retry: RetryPolicy::default(),
            patience: crate::defaults::OUTAGE_PATIENCE,
        }
    }

    /// The same, retried by `retry` and patient for `patience`.
    pub fn with(self, retry: RetryPolicy, patience: Duration) -> OwnReads {
        OwnReads {
            retry,
            patience,
            ..self
        }
    }

    fn rate(&self, method: Method) -> Option<f64> {
        match method {
            Method::GetStateInstance => self.state,
            Method::GetSettings => self.settings,
            _ => self.contacts,
        }
    }

    /// Sends `method` (a GET without a body) to `endpoint` until a 200
    /// answers or it cannot succeed.
    pub async fn call(
        &self,
        client: &Client,
        endpoint: &Endpoint,
        method: Method,
    ) -> Result<RawAnswer, CallError> {
        let pacer = pacer(endpoint, method, self.rate(method), self.patience);
        let paced = Paced {
            client,
            endpoint,
            pacer: &pacer,
            retry: self.retry,
        };
        paced
            .call(method, &serde_json::Value::Null, false, &())
            .await
            .0
    }
}

impl OwnReads {
    /// The groups `endpoint`'s instance knows (`getContacts`), read as every
    /// own read is, and how many entries were left out for an ID that is no
    /// group ID of its platform. The one reader of the group list: `groups`,
    /// `export --all`, `where` and a manifest's `*` rows all see the same.
    pub async fn known_groups(
        &self,
        client: &Client,
        endpoint: &Endpoint,
    ) -> Result<(Vec<KnownGroup>, usize), String> {
        let answer = self
            .call(client, endpoint, Method::GetContacts)
            .await
            .map_err(CallError::into_reason)?;
        let listed = contacts::parse_contacts(&answer.body)?;
        Ok(contacts::groups(endpoint.platform, &listed))
    }
}

type Key = (String, String, Method);

/// The process's pacers of own reads.
static PACERS: LazyLock<Mutex<HashMap<Key, Arc<Pacer>>>> = LazyLock::new(Mutex::default);

/// The pacer of `method` on `endpoint`'s instance, made at `rate` the first
/// time it is asked for.
fn pacer(endpoint: &Endpoint, method: Method, rate: Option<f64>, patience: Duration) -> Arc<Pacer> {
    let key = (
        endpoint.api_url.clone(),
        endpoint.id_instance.clone(),
        method,
    );
    let mut pacers = PACERS.lock().unwrap_or_else(|e| e.into_inner());
    pacers
        .entry(key)
        .or_insert_with(|| Arc::new(Pacer::with_patience(rate, patience)))
        .clone()
}

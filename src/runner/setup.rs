//! How one instance is driven: its endpoint and the paces of its methods,
//! resolved from the flags and the instance's server limits before a run,
//! a plan or a read starts.

use crate::greenapi::client::Endpoint;
use crate::runner::own::OwnReads;

/// How one instance is driven.
#[derive(Debug, Clone)]
pub struct InstanceSetup {
    pub endpoint: Endpoint,
    /// Requests per second for each moderation method; `None` is unpaced.
    pub rate: Option<f64>,
    /// Requests per second for `getGroupData`; `None` is unpaced.
    pub read_rate: Option<f64>,
    /// The paces of the instance's own reads (its state, settings, contacts).
    pub own_reads: OwnReads,
}

//! A validated desired state: canonical IDs, known instances, one entry per
//! (instance, group).

use std::collections::HashSet;
use std::sync::Arc;

use crate::greenapi::Platform;
use crate::manifest::Source;

/// What a desired-state file asks for, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DesiredState {
    /// The groups in file order.
    pub groups: Vec<DesiredGroup>,
    /// Participants never removed and never demoted, of either platform.
    pub protect: HashSet<String>,
}

/// One group as the file wants it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DesiredGroup {
    /// Where the group's entry starts (`nightly.yaml:12`).
    pub source: Source,
    /// The instance's name in the configuration.
    pub instance: Arc<str>,
    pub platform: Platform,
    pub chat_id: String,
    /// The wanted members (from `members` and `members_file`, in that
    /// order, once each); `None` when membership is not managed.
    pub members: Option<Vec<String>>,
    /// The wanted admins, once each.
    pub admins: Vec<String>,
    /// Remove members who are not wanted.
    pub remove_others: bool,
    /// Demote admins who are not wanted.
    pub demote_others: bool,
}

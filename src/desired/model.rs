//! A validated desired state: canonical IDs, known instances, one entry per
//! (instance, group).

use std::collections::HashSet;
use std::sync::Arc;

use crate::greenapi::Platform;
use crate::manifest::Source;

use crate::manifest::EVERY_GROUP;

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
    /// Who is never a member: the group's own `banned` list, then the
    /// file's top-level one; removed even when membership is unmanaged.
    pub(crate) banned: Vec<Ban>,
}

/// One rule of a ban list, with the line of the desired-state file that
/// says it (messages and the dry run name it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ban {
    pub rule: BanRule,
    pub line: u32,
}

/// Whom a ban rule names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BanRule {
    /// One participant by canonical ID (a number, a linked ID, a MAX ID):
    /// removed even as an admin.
    Id(String),
    /// Every WhatsApp member whose number starts with these digits
    /// (`+23480*`): never an admin, a protected participant, the owner or
    /// the instance itself, and never on MAX, whose IDs are no numbers.
    Prefix(String),
}

impl BanRule {
    /// The rule as the file writes it: the ID, or `+23480*`.
    pub(crate) fn shown(&self) -> String {
        match self {
            BanRule::Id(id) => id.clone(),
            BanRule::Prefix(digits) => format!("+{digits}*"),
        }
    }

    /// Whether the rule names the member known by `names` (`number` is
    /// their number when the list shows one); a prefix only on WhatsApp.
    pub(crate) fn matches(
        &self,
        names: &[String],
        number: Option<&str>,
        platform: Platform,
    ) -> bool {
        match self {
            BanRule::Id(id) => names.iter().any(|n| n == id),
            BanRule::Prefix(digits) => {
                platform == Platform::WhatsApp
                    && number.is_some_and(|n| n.starts_with(digits.as_str()))
            }
        }
    }
}

impl DesiredGroup {
    /// Whether this is a `*` entry (every group of its instance), which a
    /// sync turns into one group per group the instance lists.
    pub(crate) fn is_every(&self) -> bool {
        self.chat_id == EVERY_GROUP
    }
}

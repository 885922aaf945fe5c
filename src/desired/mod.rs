//! Desired membership: a file that says who may be in each group and who
//! should administer it, and the plain, synchronous functions that turn it
//! and the groups' live state into operations.
//!
//! - [`load`] reads and validates a desired-state file (YAML, told apart
//!   from an operations manifest by its top-level `groups:` key) and the
//!   `members_file`s it names, reporting every problem at once with its
//!   `file:line` and a hint, as manifests do;
//! - [`diff()`] compares one wanted group with a [`GroupState`] read from
//!   the group and names the changes, leaving alone whom it must (the
//!   owner, the instance itself, `protect`, and members listed only by a
//!   linked ID the file does not name);
//! - [`MaxRemovals`] is the guard against a mass removal;
//! - [`export`] writes groups as they are: an export CSV, or a desired-state
//!   file that a sync leaves unchanged.
//!
//! Nothing here touches the network: `greenbatch sync` reads the groups and
//! runs the operations through the runner, as `run` does.
//!
//! [`GroupState`]: crate::runner::live::GroupState

mod banned;
mod ctx;
mod diff;
pub(crate) mod export;
mod fields;
mod group;
mod limit;
mod load;
mod members_file;
mod model;

pub(crate) use diff::SpareReason;
pub(crate) use diff::{Changes, diff};
pub(crate) use limit::MaxRemovals;
#[cfg(test)]
pub(crate) use load::load_bytes;
pub(crate) use load::{Loaded, is_desired_state, load};
pub(crate) use model::DesiredGroup;

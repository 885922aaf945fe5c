//! Live state: what the groups and instances really look like, so a run
//! sends only what changes something and knows the truth behind a `false`.
//!
//! - [`preflight`] asks each instance for its state (`getStateInstance`) and
//!   its own number (`getSettings`) before anything is sent, and [`own`]
//!   paces and retries those reads as [`call`] does every read;
//! - [`Groups`] reads groups with `getGroupData`, paced by that method's own
//!   limit: ahead of the sends where a read can land first, and again when
//!   an answer needs explaining (at most once per group per such moment,
//!   however many operations ask); it keeps each state up to date as
//!   operations finish, even those on the wire while it was read;
//! - [`predict`] turns a group's state into a [`Prediction`] per operation,
//!   and never calls a name missing from an incomplete list absent.

mod call;
mod groups;
pub mod own;
pub mod plan;
pub mod predict;
mod preflight;

pub use call::{CallError, Paced, Watch};
pub use groups::{Groups, Reader, Reconciled};
pub use own::OwnReads;
pub use predict::{GroupState, Prediction};
pub use preflight::{Preflight, preflight};

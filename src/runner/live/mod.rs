//! Live state: what the groups and instances really look like, so a run
//! sends only what changes something and knows the truth behind a `false`.
//!
//! - [`preflight`] asks each instance for its state (`getStateInstance`) and
//!   its own number (`getSettings`) before anything is sent, paced and
//!   retried as every read is ([`crate::runner::own`]);
//! - [`Groups`] reads groups with `getGroupData`, paced by that method's own
//!   limit: ahead of the sends where a read can land first, and again when
//!   an answer needs explaining (at most once per group per such moment,
//!   however many operations ask); it keeps each state up to date as
//!   operations finish, even those on the wire while it was read;
//! - [`predict`] turns a group's state into a [`Prediction`] per operation,
//!   and never calls a name missing from an incomplete list absent.

mod groups;
pub(crate) mod plan;
pub(crate) mod predict;
mod preflight;

pub(crate) use groups::{Groups, Reader, Reconciled};
pub(crate) use predict::{GroupState, Prediction};
pub(crate) use preflight::{Preflight, preflight};

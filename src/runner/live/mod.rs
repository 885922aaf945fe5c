//! Live state: what the groups and instances really look like, so a run
//! sends only what changes something and knows the truth behind a `false`.
//!
//! - [`preflight`] asks each instance for its state (`getStateInstance`) and
//!   its own number (`getSettings`) before anything is sent;
//! - [`Groups`] reads each group once with `getGroupData`, paced by that
//!   method's own limit, keeps it up to date as operations succeed, and reads
//!   it again when an answer needs explaining (at most once per group per
//!   such moment, however many operations ask);
//! - [`predict`] turns a group's state into a [`Prediction`] per operation.

mod groups;
pub mod plan;
pub mod predict;
mod preflight;

pub use groups::{Groups, Reader};
pub use predict::{GroupState, Prediction};
pub use preflight::{Preflight, preflight};

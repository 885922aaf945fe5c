//! The engine: schedules operations within each instance's limits, sends
//! them, classifies every answer, retries what is transient, and emits events
//! that the views in [`crate::report`] consume. It never prints.

pub(crate) mod call;
pub(crate) mod classify;
pub mod engine;
pub(crate) mod event;
mod instance;
pub(crate) mod live;
pub mod outcome;
pub(crate) mod own;
pub mod pace;
mod queue;
pub mod retry;
pub mod setup;
mod worker;

pub use outcome::Outcome;

// The pace policy's values (what a server allows, what a user asks) are
// read by the instances file too: they live at the crate root, and keep
// their paths here.
pub use crate::{limits, rate};

//! The one place that knows GREEN-API: platforms, method names and their
//! documented rate limits, request paths and body field names, the ID formats
//! of each platform, and the shapes of the answers.
//!
//! Everything else (the manifest validator, the runner, the sandbox) asks this
//! module instead of spelling a path, a field or a limit itself, so that a fact
//! learned about the API changes in exactly one place. The facts come from
//! `shared/GREEN-API.md` and the public documentation it cites.

mod action;
pub mod client;
pub(crate) mod contacts;
pub mod ids;
mod method;
mod platform;
pub mod response;

pub use action::Action;
pub use method::Method;
pub use platform::Platform;

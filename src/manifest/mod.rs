//! Manifests: the operations a user asks for, read from CSV or YAML and
//! validated as a whole before anything is sent.

pub mod model;

pub use model::{OpId, Operation, Source};

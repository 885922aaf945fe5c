//! greenbatch runs bulk group-moderation jobs against GREEN-API, the HTTP
//! gateway for WhatsApp and MAX accounts.
//!
//! The pipeline: a [`manifest`] is read and validated as a whole; the
//! [`runner`] executes its operations concurrently within each instance's
//! rate limits, retrying what is transient, and emits events; the [`report`]
//! views (progress bar, logs, results CSV, summary) consume them. Everything
//! about the API itself lives in [`greenapi`], and [`sandbox`] is a faithful
//! local emulator of it that tests, benchmarks and `greenbatch demo` use.

pub mod cli;
pub mod commands;
pub mod defaults;
pub mod desired;
pub mod exit;
pub mod fuzzing;
pub mod greenapi;
pub mod instances;
pub mod logging;
pub mod manifest;
pub(crate) mod records;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod sanitise;
pub mod secret;
pub mod trusted_file;

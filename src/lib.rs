#![warn(unreachable_pub)]
//! greenbatch runs bulk group-moderation jobs against GREEN-API, the HTTP
//! gateway for WhatsApp and MAX accounts.
//!
//! The pipeline: a [`manifest`] is read and validated as a whole; the
//! [`runner`] executes its operations concurrently within each instance's
//! rate limits, retrying what is transient, and emits events; the [`report`]
//! views (progress bar, logs, results CSV, summary) consume them. Everything
//! about the API itself lives in [`greenapi`], and [`sandbox`] is a faithful
//! local emulator of it that tests, benchmarks and `greenbatch demo` use.
//!
//! Leaf modules that everyone uses sit at the root, so that no module
//! imports another that imports it back (`python3 scripts/import_cycles.py`
//! checks): [`diagnostic`] (problems with their place), [`input`] (reading
//! a file with a size cap), `yaml_lines`, [`sanitise`] (text made safe to
//! show), [`colour`], [`secret`] (the token and its mask), [`limits`] and
//! [`rate`] (what a server allows and a user asks), [`defaults`],
//! [`subjects`] (groups by their names), and `workbook` (a spreadsheet's
//! sheet and cells, for manifests and members files alike).

pub mod cli;
pub mod colour;
pub mod commands;
pub(crate) mod defaults;
pub(crate) mod desired;
pub(crate) mod diagnostic;
pub(crate) mod exit;
pub(crate) mod failure;
pub mod fuzzing;
pub mod greenapi;
pub(crate) mod input;
pub mod instances;
pub mod job;
pub mod limits;
pub mod logging;
pub mod manifest;
pub mod rate;
pub(crate) mod records;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod sanitise;
pub mod secret;
pub mod shard;
pub mod subjects;
pub(crate) mod trusted_file;
pub(crate) mod words;
pub(crate) mod workbook;
pub(crate) mod yaml_lines;

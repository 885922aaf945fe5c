//! A faithful, stateful GREEN-API emulator on loopback, used by the
//! integration tests, the benchmarks, `greenbatch demo` and `greenbatch
//! sandbox`.
//!
//! It answers the group-moderation methods of both platforms as
//! `GREEN-API.md` documents them, keeps each group's members and admins,
//! enforces the per-instance, per-method rate limits over a sliding window,
//! delays answers by a service time (`latency`) and, on a distant link,
//! requests by a request leg before they meet that window (`latency_in`, so
//! evenly sent requests can arrive bunched), both drawn from a seed,
//! injects faults deterministically from a seed, and records every request in
//! a ledger that never holds a token. Start one with [`Sandbox::start`] (port
//! 0 is fine) and inspect it through the [`SandboxHandle`] or over HTTP under
//! `/__sandbox/` (ledger, state, faults, reset).

mod admin;
mod api;
mod config;
mod contacts;
mod fate;
mod faults;
mod handle;
mod ledger;
mod limits;
mod load;
mod messages;
mod reply;
mod request;
mod schema;
mod server;
mod shared;
mod spec;
mod world;

pub use config::{ConfigError, InstanceCredentials, SandboxConfig};
pub use faults::{Fault, FaultRule};
pub use handle::{Sandbox, SandboxHandle};
pub use ledger::{DEFAULT_CAPACITY as DEFAULT_LEDGER_CAPACITY, LedgerEntry, LedgerTotals};
pub use messages::SentMessage;
pub use schema::InstanceState;
pub use shared::{GroupView, InstanceView, ParticipantView, StateSnapshot};

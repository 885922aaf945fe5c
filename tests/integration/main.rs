//! The integration tests: one binary, a module per concern, every test talking
//! HTTP over loopback to a real local server.

mod sandbox_api;
mod sandbox_cli;
mod sandbox_conn;
mod sandbox_errors;
mod sandbox_faults;
mod sandbox_ledger;
mod sandbox_limits;
mod sandbox_support;

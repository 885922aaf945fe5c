//! The integration tests: one binary, a module per concern, every test talking
//! HTTP over loopback to a real local server.

mod cli_conventions;
mod crash_sweep;
mod crash_torn;
mod demo;
mod exposure;
mod fault_idle_close;
mod fault_matrix;
mod fuzz_replay;
mod hostile_answers;
mod live;
mod logging;
mod manifest;
mod manifest_cli;
mod manifest_examples;
mod manifest_hostile;
mod manifest_instances;
mod manifest_spectrum;
mod manifest_yaml_suite;
mod reliability_support;
mod report;
mod report_browser;
mod results;
mod run_basic;
mod run_faults;
mod run_signals;
mod sandbox_api;
mod sandbox_cli;
mod sandbox_conn;
mod sandbox_errors;
mod sandbox_faults;
mod sandbox_ledger;
mod sandbox_limits;
mod sandbox_support;
mod secrets;
mod support;

//! Starting a sandbox and the handle that inspects, steers and stops it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::task::JoinHandle;

use super::admin;
use super::config::{InstanceCredentials, SandboxConfig};
use super::faults::FaultRule;
use super::ledger::{LedgerEntry, LedgerTotals};
use super::schema::InstanceState;
use super::server::{accept_loop, bind};
use super::shared::{Shared, StateSnapshot};

/// The GREEN-API emulator.
pub struct Sandbox;

impl Sandbox {
    /// Binds `addr` (loopback only; port 0 picks a free port) and serves in
    /// the current tokio runtime until [`SandboxHandle::shutdown`].
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> io::Result<SandboxHandle> {
        Sandbox::start_on(&tokio::runtime::Handle::current(), config, addr)
    }

    /// The same from synchronous code: binds at once and serves on `runtime`.
    pub fn start_on(
        runtime: &tokio::runtime::Handle,
        config: SandboxConfig,
        addr: SocketAddr,
    ) -> io::Result<SandboxHandle> {
        SandboxConfig::check_faults(&config.faults)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let listener = bind(addr)?;
        let addr = listener.local_addr()?;
        let instances = config.instances();
        let shared = Arc::new(Shared::new(config));
        let _entered = runtime.enter();
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let task = runtime.spawn(accept_loop(listener, shared.clone()));
        Ok(SandboxHandle {
            addr,
            instances,
            shared,
            task: Some(task),
        })
    }
}

/// A running sandbox. Dropping it stops the server too, without waiting.
pub struct SandboxHandle {
    addr: SocketAddr,
    instances: Vec<InstanceCredentials>,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl SandboxHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The apiUrl to give a client, like `http://127.0.0.1:PORT`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every instance's credentials, in idInstance order.
    pub fn instances(&self) -> &[InstanceCredentials] {
        &self.instances
    }

    /// One instance's credentials.
    pub fn instance(&self, id_instance: &str) -> Option<&InstanceCredentials> {
        self.instances.iter().find(|i| i.id_instance == id_instance)
    }

    /// The API requests kept (every one, up to the ledger's capacity: the
    /// most recent past it), in arrival order.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.shared.lock().ledger.entries()
    }

    /// Every message an instance was asked to send (`sendMessage`), in order.
    pub fn messages(&self) -> Vec<super::SentMessage> {
        self.shared.lock().messages.clone()
    }

    /// Counts over every API request recorded, dropped ones included.
    pub fn ledger_totals(&self) -> LedgerTotals {
        self.shared.lock().ledger.totals()
    }

    /// The instances (without tokens) and groups as they are now.
    pub fn state(&self) -> StateSnapshot {
        self.shared.snapshot()
    }

    /// Replaces the fault rules; their counters start afresh.
    pub fn set_faults(&self, rules: Vec<FaultRule>) -> Result<(), super::ConfigError> {
        SandboxConfig::check_faults(&rules)?;
        admin::set_faults(&self.shared, rules);
        Ok(())
    }

    /// Changes an instance's state (for example to `starting` mid-run);
    /// false when there is no such instance.
    pub fn set_instance_state(&self, id_instance: &str, state: InstanceState) -> bool {
        self.shared.set_instance_state(id_instance, state)
    }

    /// The limits this sandbox enforces on `id_instance`, in the syntax of
    /// `GREEN_API_LIMITS` (`unlimited`, or `method=N` pairs), or `None` when
    /// they are the documented ones: what a client must be told to pace by
    /// them rather than by the documented table.
    pub fn declared_limits(&self, id_instance: &str) -> Option<String> {
        self.shared.declared_limits(id_instance)
    }

    /// Restores the initial state and clears the ledger.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting, cuts hanging requests, lets the others finish
    /// (bounded by a short grace period) and returns when all is closed.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
    }
}

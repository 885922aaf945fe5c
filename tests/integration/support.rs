//! Shared by the integration tests: a sandbox in-process on port 0, files in
//! a temporary directory, and the real `greenbatch` binary run against them
//! with a bounded time. The one place for the sandbox's instance IDs, the
//! environment for a sandbox or for a server of a test's own, and launching
//! the binary (`greenbatch`, or `greenbatch_std` / `greenbatch_async` for a
//! test that needs the `Command` itself).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, Uri};
use axum::response::Response;

use greenbatch::report::results::ResultRow;
use greenbatch::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

/// The sandbox instances of the default state.
pub const WA_MAIN: &str = "1101000001";
pub const WA_SECOND: &str = "1101000002";
pub const MAX_MAIN: &str = "3100000001";

/// The sandbox's built-in state as text, for tests that add groups to it.
pub const DEFAULT_STATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/sandbox/default_state.yaml"
));

pub async fn sandbox(config: SandboxConfig) -> SandboxHandle {
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts")
}

/// The `GREEN_API_*` variables that make `default` the sandbox instance `id`.
/// When the sandbox enforces other limits than the documented ones (rate
/// limits off, or overridden), `GREEN_API_LIMITS` declares them, as a user
/// would for such a server; otherwise the client paces by the documented
/// table, as it does for a real account.
pub fn default_env(sandbox: &SandboxHandle, id: &str) -> Vec<(String, String)> {
    let c = sandbox.instance(id).expect("known instance");
    let mut env = vec![
        ("GREEN_API_URL".into(), sandbox.api_url()),
        ("GREEN_API_ID_INSTANCE".into(), c.id_instance.clone()),
        (
            "GREEN_API_TOKEN_INSTANCE".into(),
            c.token.expose().to_owned(),
        ),
        ("GREEN_API_PLATFORM".into(), c.platform.as_str().to_owned()),
    ];
    if let Some(limits) = sandbox.declared_limits(id) {
        env.push(("GREEN_API_LIMITS".into(), limits));
    }
    env
}

/// The `GREEN_API_*` variables that make `default` the WhatsApp instance
/// WA_MAIN at `url` (a server of the test's own, not the sandbox) with
/// `token`. A caller that needs more (`GREENBATCH_LOG`, `GREEN_API_LIMITS`)
/// extends the list.
pub fn env_for(url: &str, token: &str) -> Vec<(String, String)> {
    vec![
        ("GREEN_API_URL".into(), url.into()),
        ("GREEN_API_ID_INSTANCE".into(), WA_MAIN.into()),
        ("GREEN_API_TOKEN_INSTANCE".into(), token.into()),
        ("GREEN_API_PLATFORM".into(), "whatsapp".into()),
    ]
}

/// A server of the test's own on a free loopback port, answering every
/// request with `answer` and counting them: returns its URL and the count.
pub async fn fake_server<F>(answer: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(Method, Uri, Bytes) -> Response + Clone + Send + Sync + 'static,
{
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().fallback(move |verb: Method, uri: Uri, body: Bytes| {
        counter.fetch_add(1, Ordering::SeqCst);
        let response = answer(verb, uri, body);
        async move { response }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

/// Writes `text` to `name` in `dir` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The binary under test, for a shell that runs it by path or `PATH`.
pub const BIN: &str = env!("CARGO_BIN_EXE_greenbatch");

/// Whether the caller's variable `name` would change what the binary does:
/// GREEN_API_*, GREENBATCH_LOG, the colour settings, and the job engines'
/// indexes `--shard auto` reads (a test run inside a Slurm or Kubernetes
/// job must not take its shard from there).
fn inherited_setting(name: &str) -> bool {
    name.starts_with("GREEN_API_")
        || name.starts_with("SLURM_ARRAY_")
        || name.starts_with("AWS_BATCH_JOB_ARRAY_")
        || [
            "GREENBATCH_LOG",
            "NO_COLOR",
            "CLICOLOR",
            "CLICOLOR_FORCE",
            "JOB_COMPLETION_INDEX",
            "JOB_COMPLETIONS",
        ]
        .contains(&name)
}

/// The binary as a `std::process::Command`, without the caller's settings
/// (see `inherited_setting`): for tests without a runtime, and (through
/// `assert_cmd::Command::from_std`) for assertions on its output.
pub fn greenbatch_std() -> std::process::Command {
    let mut cmd = std::process::Command::new(BIN);
    for (k, _) in std::env::vars() {
        if inherited_setting(&k) {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// The same as a `tokio::process::Command`, killed when dropped: for a child
/// a test watches while it runs, signals or kills.
pub fn greenbatch_async() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::from(greenbatch_std());
    cmd.kill_on_drop(true);
    cmd
}

/// Runs the binary with `args` and `env` (and nothing of the caller's
/// GREEN_API_*, GREENBATCH_LOG or colour settings), killed if it takes over
/// a minute.
pub async fn greenbatch(args: &[&str], env: &[(String, String)]) -> Output {
    let mut cmd = greenbatch_async();
    cmd.args(args).envs(env.iter().map(|(k, v)| (k, v)));
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("greenbatch finishes within a minute")
        .expect("greenbatch runs")
}

/// The rows of a results file, decoded.
pub fn rows(path: &Path) -> Vec<ResultRow> {
    let mut reader = csv::Reader::from_path(path).expect("results file");
    reader
        .records()
        .map(|r| ResultRow::from_record(&r.expect("whole row")).expect("valid row"))
        .collect()
}

/// The largest number of `times` (seconds) inside any window of `width` seconds.
pub fn max_in_window(times: &[f64], width: f64) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut best = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] >= width {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The moderation requests the sandbox received (the four participant
/// methods), leaving out preflight and group reads.
pub fn sent(sandbox: &SandboxHandle) -> Vec<greenbatch::sandbox::LedgerEntry> {
    const MODERATION: [&str; 4] = [
        "removeGroupParticipant",
        "addGroupParticipant",
        "setGroupAdmin",
        "removeAdmin",
    ];
    sandbox
        .ledger()
        .into_iter()
        .filter(|e| e.method.as_deref().is_some_and(|m| MODERATION.contains(&m)))
        .collect()
}

/// A CSV manifest (`action,chat_id,participant_id`) with these rows.
pub fn csv(rows: &[String]) -> String {
    format!("action,chat_id,participant_id\n{}\n", rows.join("\n"))
}

/// A run of `m.csv` in its own temporary directory.
pub struct Ran {
    pub dir: tempfile::TempDir,
    pub manifest: PathBuf,
    pub out: Output,
}

impl Ran {
    pub fn code(&self) -> Option<i32> {
        self.out.status.code()
    }

    /// Every row of `m.results.csv`.
    pub fn rows(&self) -> Vec<ResultRow> {
        rows(&self.dir.path().join("m.results.csv"))
    }

    /// The latest row of the operation on manifest line `line`.
    pub fn row(&self, line: u32) -> ResultRow {
        let suffix = format!(":{line}");
        self.rows()
            .into_iter()
            .rev()
            .find(|r| r.source.ends_with(&suffix))
            .expect("a row for that line")
    }

    /// Runs the same manifest again, with the same results file.
    pub async fn again(&self, sandbox: &SandboxHandle, id: &str, args: &[&str]) -> Output {
        let mut all = vec!["run", self.manifest.to_str().unwrap()];
        all.extend_from_slice(args);
        greenbatch(&all, &default_env(sandbox, id)).await
    }
}

/// Writes `rows` as `m.csv` in a new temporary directory and runs
/// `greenbatch run m.csv ARGS` with `default` as the sandbox instance `id`.
pub async fn run_rows(sandbox: &SandboxHandle, id: &str, rows: &[String], args: &[&str]) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", &csv(rows));
    let mut all = vec!["run", manifest.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = greenbatch(&all, &default_env(sandbox, id)).await;
    Ran { dir, manifest, out }
}

/// An instances file naming the sandbox's wa-main, wa-second and max-main
/// (as `wa-main`, `wa-second`, `max-main`), tokens in variables, and those
/// variables; the instance named `wrong` gets a wrong token.
pub fn three_instances(
    dir: &Path,
    sb: &SandboxHandle,
    wrong: Option<&str>,
) -> (PathBuf, Vec<(String, String)>) {
    let mut yaml = String::new();
    let mut env = Vec::new();
    for (name, id, platform) in [
        ("wa-main", WA_MAIN, "whatsapp"),
        ("wa-second", WA_SECOND, "whatsapp"),
        ("max-main", MAX_MAIN, "max"),
    ] {
        let var = format!("GREEN_API_{}_TOKEN", name.replace('-', "_").to_uppercase());
        yaml.push_str(&format!(
            "- name: {name}\n  platform: {platform}\n  api_url: {}\n  id_instance: \"{id}\"\n  token_env: {var}\n",
            sb.api_url()
        ));
        if let Some(limits) = sb.declared_limits(id) {
            yaml.push_str(&format!("  limits: \"{limits}\"\n"));
        }
        let token = if wrong == Some(name) {
            "0".repeat(50)
        } else {
            sb.instance(id).unwrap().token.expose().to_owned()
        };
        env.push((var, token));
    }
    (write(dir, "instances.yaml", &yaml), env)
}

/// Every token of the sandbox's default state: none may ever be printed.
pub fn sandbox_tokens(sb: &SandboxHandle) -> Vec<String> {
    [WA_MAIN, WA_SECOND, MAX_MAIN]
        .iter()
        .map(|id| sb.instance(id).unwrap().token.expose().to_owned())
        .collect()
}

//! What `groups`, `export` and `sync` share before they can read a group:
//! the instances (loaded and checked as `run` checks them), their set-ups
//! (from [`crate::job::reading_setups`], as `run` has them, so the pace policy
//! has one home), a preflight and a paced [`Reader`] per instance, the groups an
//! instance knows (`getContacts`), and a progress view while groups are read.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::cli::ReadArgs;
use crate::exit;
use crate::failure::Failure;
use crate::greenapi::Platform;
use crate::greenapi::client::{Client, ClientConfig, Endpoint};
use crate::greenapi::contacts::KnownGroup;
use crate::instances::{self, Instances};
use crate::manifest::Diagnostic;
use crate::report::progress::steady_bar;
use crate::report::term::{ProgressMode, ProgressStyle, progress_style, set_active_bar};
use crate::runner::engine::InstanceSetup;
use crate::runner::live::GroupState;
use crate::runner::live::{self, Preflight, Reader, preflight};
use crate::runner::own::OwnReads;
use crate::runner::retry::RetryPolicy;
use crate::sanitise::escaped;

/// The instances a command may use, checked.
pub(crate) struct Chosen {
    pub instances: Instances,
    /// The names to ask, in configuration order (or the one named).
    pub names: Vec<Arc<str>>,
}

/// Loads the instances (the environment's `default` and `file`) and
/// chooses `only`, or every configured one. `chats` are group IDs the
/// command will read: their platform tells an environment `default` whose
/// GREEN_API_PLATFORM is unset. Warnings are printed; the errors are the
/// [`Failure`], every one of them.
pub(crate) fn choose(
    read: &ReadArgs,
    chats: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    quiet: u8,
) -> Result<Chosen, Failure> {
    let (file, trusted_hosts, only) = (
        read.instances.as_deref(),
        &read.trust_api_host,
        read.instance.as_deref(),
    );
    let mut diags = Vec::new();
    let mut instances = Instances::load(file, env, &mut diags);
    instances.trusted_hosts = trusted_hosts.to_vec();
    let told = chats
        .iter()
        .find_map(|c| crate::greenapi::ids::platform_of(c));
    let mut errors: Vec<Diagnostic> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    if instances.undecided.is_some() {
        match told {
            Some(platform) => {
                let undecided = instances.undecided.take().expect("checked");
                instances.push(
                    undecided.decide(platform),
                    "GREEN_API_TOKEN_INSTANCE".to_owned(),
                );
            }
            None if only == Some(instances::DEFAULT) || instances.is_empty() => {
                errors.push(
                    Diagnostic::error(None, "instance `default` could be whatsapp or max")
                        .field("GREEN_API_PLATFORM")
                        .hint("set GREEN_API_PLATFORM to `whatsapp` or `max`"),
                );
            }
            None => diags.push(
                Diagnostic::warning(
                    None,
                    "instance `default` is left out: it could be whatsapp or max",
                )
                .hint("set GREEN_API_PLATFORM to `whatsapp` or `max`"),
            ),
        }
    }
    let names: Vec<Arc<str>> = match only {
        Some(name) => match instances.get(name) {
            Some(inst) => vec![inst.name.clone()],
            None if errors.is_empty() => {
                let configured: Vec<&str> = instances.iter().map(|i| &*i.name).collect();
                let hint = if name == instances::DEFAULT {
                    errors.append(&mut instances.default_problems.clone());
                    instances::SETTINGS_HINT.to_owned()
                } else if configured.is_empty() {
                    "configure it in an instances file given with --instances".to_owned()
                } else {
                    format!("configured instances: {}", configured.join(", "))
                };
                errors.push(
                    Diagnostic::error(
                        None,
                        format!("instance `{}` is not configured", escaped(name)),
                    )
                    .field("--instance")
                    .hint(hint),
                );
                Vec::new()
            }
            None => Vec::new(),
        },
        None => instances.iter().map(|i| i.name.clone()).collect(),
    };
    if errors.is_empty() && names.is_empty() {
        errors.append(&mut instances.default_problems.clone());
        errors.push(
            Diagnostic::error(None, "no instance is configured").hint(instances::SETTINGS_HINT),
        );
    }
    errors.extend(instances.missing_tokens(names.iter().map(|n| &**n)));
    if quiet == 0 {
        let warnings = diags.iter().filter(|d| !d.is_error());
        for d in warnings.chain(&instances.untrusted_hosts(names.iter().map(|n| &**n))) {
            eprintln!("{d}");
        }
    }
    if !errors.is_empty() {
        return Err(crate::job::rejected(&errors));
    }
    Ok(Chosen { instances, names })
}

/// The client and runtime a reading command works with: requests bounded
/// by `timeout`, a multi-threaded runtime for its instances side by side.
pub(crate) fn client_and_runtime(
    timeout: Duration,
) -> anyhow::Result<(Client, tokio::runtime::Runtime)> {
    let client = Client::new(&ClientConfig {
        timeout,
        ..ClientConfig::default()
    })
    .map_err(|e| Failure::Usage(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    Ok((client, runtime))
}

/// One instance, ready to read groups (or why it is not).
pub(crate) struct Connection {
    pub name: Arc<str>,
    pub platform: Platform,
    pub endpoint: Endpoint,
    pub preflight: Preflight,
    /// `None` when the preflight refused the instance.
    pub reader: Option<Reader>,
    /// How its own reads (`getContacts`) are paced and retried.
    pub own_reads: OwnReads,
}

impl Connection {
    /// Why the instance cannot be read, when it cannot.
    pub(super) fn refusal(&self) -> Option<&str> {
        match &self.preflight {
            Preflight::Refused(why) => Some(why),
            _ => None,
        }
    }
}

/// Says on stderr why each refused instance of `conns` was refused; exit 4
/// when one was, else `code` as it was.
pub(crate) fn say_refusals(conns: &[Connection], code: u8) -> u8 {
    let mut code = code;
    for conn in conns {
        if let Some(why) = conn.refusal() {
            eprintln!(
                "error: instance `{}`: {}",
                escaped(&conn.name),
                escaped(why)
            );
            code = exit::INSTANCE_REFUSED;
        }
    }
    code
}

/// Says on stderr that `target`'s group could not be read, and why.
pub(crate) fn say_unread(target: &Target, why: &str) {
    eprintln!(
        "error: instance `{}`: group {} could not be read: {}",
        escaped(&target.instance),
        target.chat,
        escaped(why)
    );
}

/// Preflights every instance of `setups` at once (`names` order kept) and
/// gives each a reader paced at `getGroupData`'s own rate; the instances'
/// own reads are retried by `retry` and wait out an outage for `patience`.
pub(crate) async fn connect(
    client: &Client,
    setups: &HashMap<Arc<str>, InstanceSetup>,
    names: &[Arc<str>],
    retry: RetryPolicy,
    patience: Duration,
) -> Vec<Connection> {
    let mut tasks = tokio::task::JoinSet::new();
    for (k, name) in names.iter().enumerate() {
        let mut setup = setups[name].clone();
        setup.own_reads.patience = patience;
        let client = client.clone();
        tasks.spawn(async move {
            let reads = setup.own_reads.with(retry, patience);
            (k, preflight(&client, &setup.endpoint, &reads).await, setup)
        });
    }
    let mut done: Vec<(usize, Preflight, InstanceSetup)> = tasks.join_all().await;
    done.sort_by_key(|(k, ..)| *k);
    done.into_iter()
        .map(|(k, preflight, setup)| {
            let own = preflight.own().map(str::to_owned);
            let reader = (!matches!(preflight, Preflight::Refused(_)))
                .then(|| live::plan::reader(client, &setup, retry, own));
            Connection {
                name: names[k].clone(),
                own_reads: setup.own_reads.with(retry, patience),
                platform: setup.endpoint.platform,
                endpoint: setup.endpoint,
                preflight,
                reader,
            }
        })
        .collect()
}

/// The groups `conn`'s instance knows (`getContacts?group=true`), read as
/// every own read is (paced, retried while the failure is transient), and
/// how many entries were left out for an ID that is no group ID of its
/// platform.
pub(crate) async fn known_groups(
    client: &Client,
    conn: &Connection,
) -> Result<(Vec<KnownGroup>, usize), String> {
    conn.own_reads.known_groups(client, &conn.endpoint).await
}

/// The note for an instance whose `getContacts` lists no group.
pub(crate) fn no_groups_note(name: &str, platform: Platform) -> String {
    let max = match platform {
        Platform::Max => "; on MAX it may not list groups at all (unconfirmed)",
        Platform::WhatsApp => "",
    };
    format!(
        "note: instance `{}` lists no groups: getContacts may not have loaded them yet (it lags by minutes after a change){max}; name the groups' IDs instead",
        escaped(name)
    )
}

/// How far the reading of groups has got, on stderr: a bar on a terminal,
/// a plain line every 10 s elsewhere, nothing with -q.
#[derive(Clone)]
pub(crate) struct ReadProgress {
    bar: ProgressBar,
    style: ProgressStyle,
    total: u64,
    lines: Arc<Mutex<(u64, Instant)>>,
}

impl ReadProgress {
    pub(super) fn new(mode: ProgressMode, quiet: u8, total: u64) -> ReadProgress {
        let on_terminal = std::io::stderr().is_terminal();
        let style = progress_style(
            mode,
            on_terminal,
            std::env::var("TERM").ok().as_deref(),
            quiet > 0,
        );
        let bar = match style {
            ProgressStyle::Bar if total > 0 => steady_bar(
                total,
                "{spinner} reading groups [{wide_bar}] {pos}/{len} eta {eta}",
                on_terminal,
            ),
            _ => ProgressBar::hidden(),
        };
        ReadProgress {
            bar,
            style,
            total,
            lines: Arc::new(Mutex::new((0, Instant::now()))),
        }
    }

    /// One more group read.
    pub(super) fn read_one(&self) {
        self.bar.inc(1);
        if self.style == ProgressStyle::Lines {
            let mut at = self.lines.lock().unwrap_or_else(|e| e.into_inner());
            at.0 += 1;
            if at.1.elapsed() >= Duration::from_secs(10) {
                eprintln!("reading groups: {}/{}", at.0, self.total);
                at.1 = Instant::now();
            }
        }
    }

    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
        set_active_bar(None);
    }
}

/// One group read: the instance that read it, and what it said.
pub(crate) struct Target {
    pub instance: Arc<str>,
    pub chat: String,
    pub subject: Option<String>,
    pub state: Result<GroupState, String>,
}

/// A group to read: the instance that reads it, the group, and its
/// subject when the listing said it.
pub(crate) type Wanted = (Arc<str>, String, Option<String>);

/// Every group the instances list (`getContacts`), each to be read by the
/// first instance that lists it (a group listed twice is `verb` once, a
/// note says); exit 3 when a listing failed.
pub(crate) async fn listed(
    client: &Client,
    conns: &[Connection],
    verb: &str,
    quiet: u8,
) -> (Vec<Wanted>, u8) {
    let mut code = exit::SUCCESS;
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut first: HashMap<String, Arc<str>> = HashMap::new();
    for conn in conns.iter().filter(|c| c.refusal().is_none()) {
        let groups = match known_groups(client, conn).await {
            Ok((groups, _)) => groups,
            Err(e) => {
                eprintln!(
                    "error: instance `{}`: getContacts: {}",
                    escaped(&conn.name),
                    escaped(&e)
                );
                code = exit::FAILED;
                continue;
            }
        };
        if groups.is_empty() && quiet == 0 {
            eprintln!("{}", no_groups_note(&conn.name, conn.platform));
        }
        for g in groups {
            if let Some(by) = first.get(&g.id) {
                if quiet == 0 {
                    eprintln!(
                        "note: group {} is listed by `{}` and `{}`; {verb} once, as `{}` reads it",
                        g.id,
                        escaped(by),
                        escaped(&conn.name),
                        escaped(by)
                    );
                }
                continue;
            }
            first.insert(g.id.clone(), conn.name.clone());
            wanted.push((conn.name.clone(), g.id, Some(g.subject)));
        }
    }
    (wanted, code)
}

/// Reads every wanted group, each instance's in order on its own reader
/// (instances side by side), and returns them in `wanted`'s order.
pub(crate) async fn read_all(
    conns: Vec<Connection>,
    used: &[Arc<str>],
    wanted: Vec<Wanted>,
    progress: &ReadProgress,
) -> Vec<Target> {
    let conns: HashMap<Arc<str>, Connection> =
        conns.into_iter().map(|c| (c.name.clone(), c)).collect();
    let conns = Arc::new(conns);
    let mut tasks = tokio::task::JoinSet::new();
    for name in used {
        let mine: Vec<(usize, String)> = wanted
            .iter()
            .enumerate()
            .filter(|(_, (n, ..))| n == name)
            .map(|(k, (_, chat, _))| (k, chat.clone()))
            .collect();
        let (conns, name, progress) = (conns.clone(), name.clone(), progress.clone());
        tasks.spawn(async move {
            let mut out = Vec::with_capacity(mine.len());
            for (k, chat) in mine {
                let state = match conns.get(&name).and_then(|c| c.reader.as_ref()) {
                    Some(reader) => reader.read(&chat, false).await.0,
                    None => Err("the instance was refused".to_owned()),
                };
                progress.read_one();
                out.push((k, state));
            }
            out
        });
    }
    let mut states: Vec<(usize, Result<GroupState, String>)> =
        tasks.join_all().await.into_iter().flatten().collect();
    states.sort_by_key(|(k, _)| *k);
    wanted
        .into_iter()
        .zip(states)
        .map(|((instance, chat, subject), (_, state))| Target {
            instance,
            chat,
            subject,
            state,
        })
        .collect()
}

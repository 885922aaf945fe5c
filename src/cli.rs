//! What the user typed: the clap definitions of every command and flag.
//!
//! The names here are a contract that users' scripts rely on; add to them,
//! never rename. Doc comments are the `--help` text.

use crate::defaults;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::colour::ColorMode;
pub use crate::report::term::ProgressMode;
pub use crate::runner::rate::Rate;
pub use crate::shard::ShardArg;

/// Bulk group moderation for GREEN-API (WhatsApp and MAX): remove, add,
/// promote and demote participants from a CSV or YAML manifest, paced within
/// each instance's rate limits, retried, and resumable from a results file.
///
/// Credentials for the instance named `default` come from GREEN_API_URL,
/// GREEN_API_ID_INSTANCE, GREEN_API_TOKEN_INSTANCE and GREEN_API_PLATFORM;
/// more instances from `--instances FILE`. A token is never accepted on the
/// command line.
#[derive(Debug, Parser)]
#[command(
    name = "greenbatch",
    version,
    long_version = LONG_VERSION,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub log: LogArgs,
    /// Colour on the terminal: `auto` uses it on a terminal unless NO_COLOR
    /// is set (CLICOLOR_FORCE=1 forces it into pipes too).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorMode::Auto, global = true)]
    pub color: ColorMode,
}

/// What `--version` prints: the version, and for a bug report the commit
/// it was built from (`-modified` when the tree had changes), the cargo
/// features, the profile and the target (set by `build.rs`).
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit:   ",
    env!("GREENBATCH_COMMIT"),
    "\nfeatures: ",
    env!("GREENBATCH_FEATURES"),
    "\nprofile:  ",
    env!("GREENBATCH_PROFILE"),
    "\ntarget:   ",
    env!("GREENBATCH_TARGET"),
);

/// Logging: quiet by default, on stderr; GREENBATCH_LOG takes a tracing filter
/// (for example `greenbatch=debug`) and overrides -v and -q.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less output: -q hides warnings, notes and progress; -qq also the final summary.
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
    /// Log line format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local, stateful GREEN-API emulator for tests and rehearsals.
    #[command(
        after_help = "Example (serves until Ctrl-C, and prints how to point greenbatch at it):\n  greenbatch sandbox --seed 7"
    )]
    Sandbox(SandboxArgs),
    /// Check manifests without sending anything: every problem at once, each
    /// with its file:line, field and a hint (exit code 2), or a summary.
    ///
    /// A CSV manifest has a header `action,chat_id,participant_id` and
    /// optionally `instance`; a YAML manifest has `operations` (each with
    /// `action`, `chat_id`, `participant_id` or a `participants` list, and
    /// optionally `instance`), and optionally a default `instance` and a
    /// `protect` list. Actions: remove, add, promote, demote. Operations
    /// without an instance use `default`, configured by GREEN_API_URL,
    /// GREEN_API_ID_INSTANCE, GREEN_API_TOKEN_INSTANCE and GREEN_API_PLATFORM
    /// (inferred from the IDs when unset).
    #[command(
        after_help = "Exit codes: 0 every manifest valid; 2 a problem in one (each said, with its place).\n\nExample:\n  greenbatch validate cleanup.csv"
    )]
    Validate(ValidateArgs),
    /// Show, offline, what a run would send: per group, in manifest order.
    #[command(
        after_help = "Exit codes: 0 the plan printed; 2 invalid usage or manifest; 3 (--live) `*` rows whose groups\ncould not be listed.\n\nExample (what is left to send after an earlier run):\n  greenbatch plan cleanup.csv --results cleanup.results.csv"
    )]
    Plan(PlanArgs),
    /// Run every operation of a manifest, paced, retried and recorded in a
    /// results file; a rerun sends only what is left.
    #[command(
        after_help = "Exit codes: 0 every operation done (or already so); 1 some rejected by the API, none left to\nretry; 2 invalid usage or manifest, nothing sent; 3 some failed for now, a rerun sends them;\n4 an instance was refused, its operations aborted; 75 another run holds the results file;\n130/143 interrupted by SIGINT/SIGTERM (a rerun goes on).\n\nExample (outcomes go to cleanup.results.csv):\n  greenbatch run cleanup.csv --rate 2/s"
    )]
    Run(RunArgs),
    /// Show the whole job on the embedded sandbox: a run with retries, then a
    /// rerun that sends nothing.
    #[command(after_help = "Example:\n  greenbatch demo --progress never")]
    Demo(DemoArgs),
    /// Sum up results files: outcomes by action and by group, the distinct
    /// errors, the time span and the achieved rate per instance and method,
    /// the rows that need a person, and what a rerun would send.
    ///
    /// The latest row of each operation counts (across files, the later
    /// `finished_at`); a torn last line is reported and not trusted. With
    /// --live, groups are named by their subjects, read from the API. Exit
    /// code: 0 when every operation is settled ok, 1 when some are rejected,
    /// 3 when a rerun would send some again (or a set of shards,
    /// `….shard-K-of-N…`, misses one), 2 when a file cannot be read.
    #[command(
        after_help = "Exit codes: 0 every operation settled ok; 1 some rejected; 2 a file cannot be read; 3 a rerun\nwould send some, or a shard of a set is missing.\n\nExample (a page to open in a browser):\n  greenbatch report cleanup.results.csv --format html -o report.html"
    )]
    Report(ReportArgs),
    /// Write the manifest that takes a run back: the inverse of every
    /// operation whose latest row is `done` (remove → add, add → remove,
    /// promote → demote, demote → promote), newest first. It sends nothing:
    /// look at it, then `greenbatch run` it.
    ///
    /// `already` rows changed nothing and are left out, as are `rejected`,
    /// `failed` and `aborted` ones. WhatsApp may refuse to add back someone
    /// whose privacy settings forbid it: send them the group's invite link.
    #[command(
        after_help = "Exit codes: 0 the manifest written; 2 a results file cannot be read.\n\nExample (look at it, then `greenbatch run undo.csv`):\n  greenbatch undo cleanup.results.csv -o undo.csv && greenbatch plan undo.csv"
    )]
    Undo(UndoArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Example (in ~/.bashrc):\n  source <(greenbatch completions bash)")]
    Completions(CompletionsArgs),
    /// Print the man page, every subcommand in one page; or, with --out, write
    /// one page per subcommand (greenbatch.1, greenbatch-run.1 and so on).
    #[command(
        after_help = "Example (then `man greenbatch-run`):\n  greenbatch man --out ~/.local/share/man/man1"
    )]
    Man(ManArgs),
    /// List the groups each instance is in (getContacts), to find a group's
    /// ID by its name; `--details` also reads each group.
    #[command(
        after_help = "Exit codes: 0 every instance listed; 2 invalid usage; 3 a listing failed; 4 an instance was\nrefused.\n\nExample (names, IDs and each group's size, owner and our role):\n  greenbatch groups --details --format csv"
    )]
    Groups(GroupsArgs),
    /// Write groups' members as they are: an export CSV, or a desired-state
    /// file (`--format yaml`) that `sync` leaves unchanged.
    #[command(
        after_help = "Exit codes: 0 every group read and written; 2 invalid usage; 3 a group could not be read (the\nothers are written); 4 an instance was refused.\n\nExample (a group's members and roles):\n  greenbatch export 120363043968066561@g.us -o market.csv"
    )]
    Export(ExportArgs),
    /// Make groups match a desired-state file: read each group, compute the
    /// operations (add, remove, promote, demote), refuse a mass removal,
    /// write them as an operations manifest and run them as `run` does.
    ///
    /// The file is YAML with `groups`, each with `chat_id` and optionally
    /// `instance`, `members`, `members_file` (one ID per line, an export
    /// CSV, or a workbook, with `members_sheet` for its sheet), `admins`,
    /// `remove_others` and `demote_others`; and optionally a default
    /// `instance` and a `protect` list. The owner, the instance
    /// itself, `protect`, and members listed only by a linked ID (`…@lid`)
    /// the file does not name are never removed or demoted.
    #[command(
        after_help = "Exit codes: as `run` (0, 1, 3, 4, 130/143); 2 invalid usage or desired file, or a refused\nmass removal (nothing sent); 75 another sync holds the desired file.\n\nExample (the groups exported as they are, then what a sync of them would change: nothing):\n  greenbatch export --all --format yaml -o g.yaml && greenbatch sync g.yaml --dry-run"
    )]
    Sync(SyncArgs),
    /// Which groups someone is in: read every group the instances list
    /// (getContacts, then getGroupData at its pace) and list, for each
    /// participant, the groups where they are, with the group's subject and
    /// their role (owner, admin or member).
    ///
    /// A participant is a WhatsApp number (`79001234565@c.us`, or written
    /// loosely with its country code: `+7 900 123-45-65`), a linked ID
    /// (`123456789012345@lid`, which also finds a member the group lists by
    /// that ID alone) or a MAX ID (`10000000`), each looked for on the
    /// instances of the platforms it fits. Exit 0 when every group was read
    /// (found or not), 3 when some could not be read (each named on
    /// stderr), 4 when an instance was refused.
    #[command(
        after_help = "Exit codes: 0 every group read (found or not); 2 invalid usage or participant; 3 a group could\nnot be read (named); 4 an instance was refused.\n\nExample (every group a number is in, and as what):\n  greenbatch where \"+7 900 123-45-65\" --format csv"
    )]
    Where(WhereArgs),
}

/// Which instances a read-only command asks, and how it reads.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Only this instance [default: every configured instance].
    #[arg(long, value_name = "NAME")]
    pub instance: Option<String>,
    /// Instances file (YAML) configuring instances besides `default`, as for `run`.
    #[arg(long, value_name = "FILE")]
    pub instances: Option<PathBuf>,
    /// An api_url host that is meant although it is not one of GREEN-API's
    /// documented domains: no warning. May be given more than once.
    /// Also read from GREENBATCH_TRUST_API_HOST (hosts separated by
    /// commas): trust comes from whoever runs the command, never from the
    /// instances file that names the host.
    #[arg(
        long,
        value_name = "HOST",
        env = "GREENBATCH_TRUST_API_HOST",
        value_delimiter = ','
    )]
    pub trust_api_host: Vec<String>,
    /// The pace of group reads, at most 0.95 of getGroupData's limit (the
    /// default).
    #[arg(long, value_name = "N/s")]
    pub rate: Option<Rate>,
    /// How long one request may take, answer included.
    #[arg(long, value_name = "DURATION", default_value = defaults::TIMEOUT_TEXT, value_parser = parse_duration)]
    pub timeout: Duration,
    /// When to draw the progress bar on stderr (while groups are read).
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// `greenbatch groups`.
#[derive(Debug, Args)]
pub struct GroupsArgs {
    /// Output: `text`, `csv` (header `instance,chat_id,subject`, and with
    /// --details `,size,owner,instance_role`) or `json`.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Also read each group (getGroupData, at its pace): its size, owner,
    /// and the instance's role in it (owner, admin, member or none).
    #[arg(long)]
    pub details: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// A value of `groups --format` and `where --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Csv,
    Json,
}

/// `greenbatch where`.
#[derive(Debug, Args)]
pub struct WhereArgs {
    /// The people to look for (`79001234565@c.us`, `+7 900 123-45-65`,
    /// `123456789012345@lid`, `10000000`).
    #[arg(
        value_name = "PARTICIPANT",
        required = true,
        allow_negative_numbers = true
    )]
    pub participants: Vec<String>,
    /// Output: `text`, `csv` (header `instance,chat_id,subject,participant_id,role`,
    /// a row per group a participant is in) or `json`.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `greenbatch export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The groups to export (`120363043968066561@g.us`, `-10000000000000`).
    #[arg(
        value_name = "CHAT_ID",
        required_unless_present = "all",
        conflicts_with = "all",
        allow_negative_numbers = true
    )]
    pub chats: Vec<String>,
    /// Export every group `greenbatch groups` lists.
    #[arg(long)]
    pub all: bool,
    /// `csv`: `instance,chat_id,participant_id,role`; `yaml`: a desired-state
    /// file describing the groups as they are.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Write to FILE (replaced whole, mode 0600) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// A value of `export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Yaml,
}

/// `greenbatch sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The desired-state file (YAML with a top-level `groups:`).
    #[arg(value_name = "DESIRED")]
    pub desired: PathBuf,
    /// The results CSV, new or empty [default: a new, dated one beside the
    /// desired file, like `nightly.sync-20250101T031500.000Z.results.csv`]. The
    /// computed operations are written beside it (`….ops.csv`).
    #[arg(long, value_name = "PATH")]
    pub results: Option<PathBuf>,
    /// Sync only shard K of N: the groups of the instances that fall in it,
    /// `*` entries included (as `run --shard`; `auto` reads the job
    /// engine's environment). The dated files gain it after the desired
    /// file's name: `nightly.shard-2-of-8.sync-….results.csv`.
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<ShardArg>,
    /// The most members one sync may remove from a group: a count `N`, or a
    /// share `P%` of its current members (never fewer than 3). Past it,
    /// nothing is sent to any group (exit 2).
    #[arg(long, value_name = "N|P%", default_value = "10%")]
    pub max_removals: crate::desired::MaxRemovals,
    /// Read the groups and show what would change, per group; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How --dry-run prints: `text` or `json`.
    #[arg(long, value_enum, default_value_t = OutputArg::Text)]
    pub format: OutputArg,
    /// Instances file (YAML) configuring instances besides `default`, as for `run`.
    #[arg(long, value_name = "FILE")]
    pub instances: Option<PathBuf>,
    /// An api_url host that is meant although it is not one of GREEN-API's
    /// documented domains: no warning. May be given more than once.
    /// Also read from GREENBATCH_TRUST_API_HOST (hosts separated by
    /// commas): trust comes from whoever runs the command, never from the
    /// instances file that names the host.
    #[arg(
        long,
        value_name = "HOST",
        env = "GREENBATCH_TRUST_API_HOST",
        value_delimiter = ','
    )]
    pub trust_api_host: Vec<String>,
    /// Largest desired-state file or members_file accepted.
    #[arg(long, value_name = "SIZE", default_value = defaults::MAX_MANIFEST_SIZE_TEXT, value_parser = parse_size)]
    pub max_manifest_size: u64,
    /// Pace of each moderation method per instance, as for `run`.
    #[arg(long, value_name = "N/s")]
    pub rate: Option<Rate>,
    /// Requests in flight per instance, at most.
    #[arg(long, default_value_t = defaults::CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Requests per operation (and per group read), at most.
    #[arg(long, default_value_t = defaults::MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
    /// How long one request may take, answer included.
    #[arg(long, value_name = "DURATION", default_value = defaults::TIMEOUT_TEXT, value_parser = parse_duration)]
    pub timeout: Duration,
    /// How long to wait out an outage before ending what is left `failed`, as for `run`.
    #[arg(long, value_name = "DURATION", default_value = defaults::OUTAGE_PATIENCE_TEXT, value_parser = parse_patience)]
    pub outage_patience: Duration,
    /// When to draw the progress bar on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// A value of `sync --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputArg {
    Text,
    Json,
}

/// How manifests are read; shared by every command that reads one.
#[derive(Debug, Clone, Args)]
pub struct ManifestArgs {
    /// Instances file (YAML) configuring instances besides `default`.
    ///
    /// A YAML list (or a map from name to settings), for example:
    ///
    ///   - name: wa-main
    ///     platform: whatsapp          # or max
    ///     api_url: https://7105.api.greenapi.com
    ///     id_instance: "7105187566"
    ///     token_env: GREEN_API_WA_MAIN_TOKEN    # or token_file: wa-main.token (chmod 600)
    ///     rate: 2                     # optional, requests per second
    ///
    /// A token written in the file itself is refused.
    #[arg(long, value_name = "FILE", verbatim_doc_comment)]
    pub instances: Option<PathBuf>,
    /// Largest manifest accepted, like `64MiB`, `200MB` or a byte count.
    #[arg(long, value_name = "SIZE", default_value = defaults::MAX_MANIFEST_SIZE_TEXT, value_parser = parse_size)]
    pub max_manifest_size: u64,
    /// Output: `text` or `json`. (The manifests' own format is
    /// `--input-format`; `--format csv` and `--format yaml`, its older
    /// spelling, are still read as that.)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Vec<FormatArg>,
    /// The manifests' format, whatever their names say (needed for `-`,
    /// standard input, which has no name; `xlsx`, `xlsm`, `xls` and `ods`
    /// are all read as workbooks, their kind told by their bytes).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormatArg>,
    /// The separator of a CSV or text manifest, whatever its header line
    /// suggests: `,` `;` `tab` (or a literal tab) or `|`. Not for YAML or
    /// workbooks.
    #[arg(long, value_name = "SEP", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// The sheet of a workbook manifest to read, by its tab's name
    /// [default: the first sheet]. Not for CSV or YAML.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// An api_url host that is meant although it is not one of GREEN-API's
    /// documented domains (api.green-api.com, api.greenapi.com and their
    /// subdomains): no warning that its instance's token is sent there.
    /// May be given more than once.
    /// Also read from GREENBATCH_TRUST_API_HOST (hosts separated by
    /// commas): trust comes from whoever runs the command, never from the
    /// instances file that names the host.
    #[arg(
        long,
        value_name = "HOST",
        env = "GREENBATCH_TRUST_API_HOST",
        value_delimiter = ','
    )]
    pub trust_api_host: Vec<String>,
}

/// A value of `--format`: an output format, or (the older spelling, kept
/// for scripts but not shown) an input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    #[value(hide = true)]
    Csv,
    #[value(hide = true)]
    Yaml,
}

/// A value of `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    Csv,
    Yaml,
    Xlsx,
    Xlsm,
    Xls,
    Ods,
}

/// How a command prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

impl Default for ManifestArgs {
    /// What the flags mean when none is given.
    fn default() -> ManifestArgs {
        ManifestArgs {
            instances: None,
            max_manifest_size: crate::manifest::DEFAULT_MAX_SIZE,
            format: Vec::new(),
            input_format: None,
            delimiter: None,
            sheet: None,
            trust_api_host: Vec::new(),
        }
    }
}

impl ManifestArgs {
    /// The options for [`crate::manifest::load`], or why the flags disagree.
    pub fn load_options(&self) -> Result<crate::manifest::LoadOptions, String> {
        use crate::manifest::InputFormat;
        let mut input = self.input_format.map(|f| match f {
            InputFormatArg::Csv => InputFormat::Csv,
            InputFormatArg::Yaml => InputFormat::Yaml,
            InputFormatArg::Xlsx
            | InputFormatArg::Xlsm
            | InputFormatArg::Xls
            | InputFormatArg::Ods => InputFormat::Workbook,
        });
        for f in &self.format {
            let given = match f {
                FormatArg::Csv => InputFormat::Csv,
                FormatArg::Yaml => InputFormat::Yaml,
                _ => continue,
            };
            if input.is_some_and(|i| i != given) {
                return Err("two different input formats given; say one of csv or yaml".into());
            }
            input = Some(given);
        }
        let options = crate::manifest::LoadOptions {
            format: input,
            max_size: self.max_manifest_size,
            instances_file: self.instances.clone(),
            trusted_hosts: self.trust_api_host.clone(),
            delimiter: self.delimiter,
            sheet: self.sheet.clone(),
        };
        // A format said on the command line and a flag not for it
        // disagree before any file is opened.
        match input {
            Some(f) if self.delimiter.is_some() && f != InputFormat::Csv => {
                Err("--delimiter is for CSV and text manifests, not for the --input-format given; leave one out".into())
            }
            Some(f) if self.sheet.is_some() && f != InputFormat::Workbook => {
                Err("--sheet is for workbooks (xlsx, xlsm, xls, ods), not for the --input-format given; leave one out".into())
            }
            _ => Ok(options),
        }
    }

    /// The output format (`text` unless `--format json`).
    pub fn output(&self) -> Result<OutputFormat, String> {
        let text = self.format.contains(&FormatArg::Text);
        let json = self.format.contains(&FormatArg::Json);
        match (text, json) {
            (true, true) => Err("--format text and --format json both given; say one".into()),
            (_, true) => Ok(OutputFormat::Json),
            _ => Ok(OutputFormat::Text),
        }
    }
}

/// `greenbatch validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Manifests to check (`.csv`, `.txt`, `.tsv`, `.yaml`, `.yml`, or a
    /// workbook: `.xlsx`, `.xlsm`, `.xls`, `.ods`; `-` reads standard input
    /// and needs `--input-format`).
    #[arg(required = true, value_name = "MANIFEST")]
    pub manifests: Vec<PathBuf>,
    /// Also say how the instances would spread over N shards (`run
    /// --shard K/N`): how many instances and operations each would take.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::shard::MAX_SHARDS)))]
    pub shards: Option<u32>,
    #[command(flatten)]
    pub manifest: ManifestArgs,
}

/// `greenbatch plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The manifest: CSV, YAML or a workbook (`.xlsx`, `.xlsm`, `.xls`,
    /// `.ods`); `-` reads standard input and needs `--input-format`.
    #[arg(value_name = "MANIFEST")]
    pub path: PathBuf,
    /// A results file of an earlier run: operations it records as settled
    /// (`done`, `already`, `rejected`) are left out, as a rerun would skip them.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// Show only shard K of N's share, as `run --shard K/N` would take it
    /// (`auto`: from the job engine's environment, as for `run`).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<ShardArg>,
    /// Read each instance's state and each group's live state (getGroupData,
    /// at that method's own pace) and predict every operation: `change`,
    /// `already` (its goal holds) or `refused` (with the reason). Needs the
    /// instances' tokens; changes nothing.
    #[arg(long)]
    pub live: bool,
    /// With --live: the pace of the reads, at most 0.95 of getGroupData's
    /// limit (the default).
    #[arg(long, value_name = "N/s", requires = "live")]
    pub rate: Option<Rate>,
    /// With --live: how long one read may take, answer included.
    #[arg(long, value_name = "DURATION", default_value = defaults::TIMEOUT_TEXT, value_parser = parse_duration, requires = "live")]
    pub timeout: Duration,
    /// With --live: how long to wait out an outage (every read of an
    /// instance failing alike) before the groups left are shown unread.
    /// `0s` never waits.
    #[arg(long, value_name = "DURATION", default_value = defaults::OUTAGE_PATIENCE_TEXT, value_parser = parse_patience, requires = "live")]
    pub outage_patience: Duration,
    #[command(flatten)]
    pub manifest: ManifestArgs,
}

/// `greenbatch run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The manifest: a .csv, .yaml or .yml file, a workbook (.xlsx, .xlsm,
    /// .xls, .ods), or `-` for standard input.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// Where outcomes are appended, one row per operation [default: the
    /// manifest's path with its extension replaced by `.results.csv`, or
    /// with --shard `.shard-K-of-N.results.csv`].
    #[arg(long, value_name = "PATH")]
    pub results: Option<PathBuf>,
    /// Take only shard K of N: the operations of the instances that fall in
    /// it (a stable hash of each instance's platform and idInstance), so
    /// that N processes, on one machine or many, share one manifest and
    /// each instance's pace is held by one of them. `auto` reads K and N
    /// from the job engine: JOB_COMPLETION_INDEX and JOB_COMPLETIONS
    /// (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID and
    /// SLURM_ARRAY_TASK_COUNT (Slurm), AWS_BATCH_JOB_ARRAY_INDEX and
    /// AWS_BATCH_JOB_ARRAY_SIZE (AWS Batch).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<ShardArg>,
    #[command(flatten)]
    pub manifest_args: ManifestArgs,
    /// Pace of each moderation method per instance, like `5/s`, `0.5/s` or
    /// `30/m`; at most the documented limit (WhatsApp 10/s, MAX 1/s) [default:
    /// the instance's `rate`, else half the documented limit].
    #[arg(long, value_name = "N/s")]
    pub rate: Option<Rate>,
    /// Requests in flight per instance, at most.
    #[arg(long, default_value_t = defaults::CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Requests per operation, at most, before a transient failure ends it `failed`.
    #[arg(long, default_value_t = defaults::MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
    /// How long one request may take, answer included; GREEN-API has been
    /// seen to hang for over a minute.
    #[arg(long, value_name = "DURATION", default_value = defaults::TIMEOUT_TEXT, value_parser = parse_duration)]
    pub timeout: Duration,
    /// How long to wait out an outage (every request of an instance failing
    /// alike) before ending what is left `failed`: the instance is paused and
    /// probed with one request at growing intervals, and no operation is
    /// charged an attempt meanwhile. `0s` never waits.
    #[arg(long, value_name = "DURATION", default_value = defaults::OUTAGE_PATIENCE_TEXT, value_parser = parse_patience)]
    pub outage_patience: Duration,
    /// Send operations again that an earlier run recorded as `rejected`.
    #[arg(long)]
    pub retry_rejected: bool,
    /// Send again every operation, whatever earlier rows of the results
    /// file settled (`done`, `already`, `rejected`): those rows stay, the
    /// new ones are appended and become the latest. For a manifest whose
    /// changes were undone by hand since.
    #[arg(long)]
    pub fresh: bool,
    /// Validate and print the plan; send nothing (with --live, read the
    /// groups and predict each operation, as `plan --live` does).
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: read each group's live state and predict every operation.
    #[arg(long, requires = "dry_run")]
    pub live: bool,
    /// Do not ask each instance's state (getStateInstance) before sending.
    #[arg(long)]
    pub no_preflight: bool,
    /// Do not read the groups' state: send every operation, and take a
    /// `false` at its word instead of checking whether the goal holds.
    #[arg(long, conflicts_with = "live")]
    pub no_live: bool,
    /// When to draw the progress bar on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// `greenbatch demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// A new directory for the demo's manifest and results; it must not
    /// exist yet (the demo writes only into a directory it creates)
    /// [default: a new, randomly named one under the temporary directory].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// When to draw the progress bar on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// `greenbatch report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Results files written by `greenbatch run` or `greenbatch sync`; several are merged.
    #[arg(required = true, value_name = "RESULTS.csv")]
    pub files: Vec<PathBuf>,
    /// `text` for a terminal, `json` for monitoring, `markdown` for a ticket
    /// or a chat, `html` for a browser (one self-contained file).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to FILE (replaced whole, mode 0600) instead of
    /// standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Count `rejected` operations as ones a rerun sends, as `run
    /// --retry-rejected` would: they then make the exit code 3, not 1.
    #[arg(long)]
    pub retry_rejected: bool,
    /// Largest results file read, like `256MiB` or a byte count (a run of
    /// a million operations writes about 150 MB).
    #[arg(long, value_name = "SIZE", default_value = defaults::MAX_RESULTS_SIZE_TEXT, value_parser = parse_size)]
    pub max_input_size: u64,
    /// Name each group by its subject, read from the API (results files
    /// hold IDs only): each instance's getContacts, then getGroupData at its
    /// pace for the groups it does not list. A read that fails is a
    /// warning and its groups are shown by ID; the exit code is the
    /// report's all the same. Needs the instances' tokens; changes nothing.
    #[arg(long)]
    pub live: bool,
    #[command(flatten)]
    pub reads: ReportReads,
}

/// How `report --live` reads: the reading commands' flags (as `groups`
/// takes them), each only with --live.
#[derive(Debug, Args)]
pub struct ReportReads {
    /// With --live: read through this instance only [default: the
    /// instance each results row names, else a configured one of the
    /// group's platform].
    #[arg(long, value_name = "NAME", requires = "live")]
    pub instance: Option<String>,
    /// With --live: instances file (YAML) configuring instances besides
    /// `default`, as for `run`.
    #[arg(long, value_name = "FILE", requires = "live")]
    pub instances: Option<PathBuf>,
    /// With --live: an api_url host that is meant although it is not one
    /// of GREEN-API's documented domains: no warning. May be given more
    /// than once; also read from GREENBATCH_TRUST_API_HOST.
    #[arg(
        long,
        value_name = "HOST",
        env = "GREENBATCH_TRUST_API_HOST",
        value_delimiter = ','
    )]
    pub trust_api_host: Vec<String>,
    /// With --live: the pace of group reads, at most 0.95 of getGroupData's
    /// limit (the default).
    #[arg(long, value_name = "N/s", requires = "live")]
    pub rate: Option<Rate>,
    /// With --live: how long one read may take, answer included.
    #[arg(long, value_name = "DURATION", default_value = defaults::TIMEOUT_TEXT, value_parser = parse_duration, requires = "live")]
    pub timeout: Duration,
    /// With --live: how long to wait out an outage (every read of an
    /// instance failing alike) before the groups left are shown by ID.
    /// `0s` never waits.
    #[arg(long, value_name = "DURATION", default_value = defaults::OUTAGE_PATIENCE_TEXT, value_parser = parse_patience, requires = "live")]
    pub outage_patience: Duration,
    /// With --live: when to draw the progress bar on stderr (while groups
    /// are read).
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto, requires = "live")]
    pub progress: ProgressMode,
}

impl ReportReads {
    /// The flags as the reading commands take them.
    pub fn read_args(&self) -> ReadArgs {
        ReadArgs {
            instance: self.instance.clone(),
            instances: self.instances.clone(),
            trust_api_host: self.trust_api_host.clone(),
            rate: self.rate,
            timeout: self.timeout,
            progress: self.progress,
        }
    }
}

/// `--notify` and its companions, on `run` and `sync`.
#[derive(Debug, Clone, Default, Args)]
pub struct NotifyArgs {
    /// When the job ends, send one message with its outcome to this chat (a
    /// group or a person of the instance's platform) through the job's
    /// instance. Only when the job had something to send; never on a dry
    /// run. A notice that cannot be sent is a warning: the exit code stays.
    /// (A MAX group ID starts with `-`: it is taken as the value.)
    #[arg(long, value_name = "CHAT_ID", allow_hyphen_values = true)]
    pub notify: Option<String>,
    /// The instance that sends the notice, when the job uses several.
    #[arg(long, value_name = "NAME", requires = "notify")]
    pub notify_instance: Option<String>,
    /// Send the notice even when the job had nothing to send.
    #[arg(long, requires = "notify")]
    pub notify_always: bool,
}

impl NotifyArgs {
    /// Where the notice goes, naming the job by `what`.
    pub fn to(&self, what: String) -> Option<crate::job::NotifyTo> {
        Some(crate::job::NotifyTo {
            chat_id: self.notify.clone()?,
            instance: self.notify_instance.clone(),
            always: self.notify_always,
            what,
        })
    }
}

/// `greenbatch undo`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Results files written by `run` or `sync`; several are merged (the
    /// later `finished_at` of an operation wins).
    #[arg(required = true, value_name = "RESULTS.csv")]
    pub files: Vec<PathBuf>,
    /// Write the manifest to FILE (replaced whole, mode 0600) instead of
    /// standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only operations finished at or after TIME: RFC 3339
    /// (`2026-12-04T22:00:00Z`) or a duration back from now (`2h`).
    #[arg(long, value_name = "TIME", value_parser = parse_moment)]
    pub since: Option<Moment>,
    /// Only operations finished at or before TIME (as --since).
    #[arg(long, value_name = "TIME", value_parser = parse_moment)]
    pub until: Option<Moment>,
    /// Only operations whose `source` is this manifest: a file name or a
    /// path, with `*` and `?` wildcards (`nightly.sync-*`).
    #[arg(long, value_name = "PATTERN", value_parser = parse_pattern)]
    pub source: Option<glob::Pattern>,
    /// Largest results file read (as `report --max-input-size`).
    #[arg(long, value_name = "SIZE", default_value = defaults::MAX_RESULTS_SIZE_TEXT, value_parser = parse_size)]
    pub max_input_size: u64,
}

/// A point in time as a flag gives it: a date and time, or how long ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    At(std::time::SystemTime),
    Ago(Duration),
}

impl Moment {
    /// The time this stands for, `now` being the command's start.
    pub fn resolve(self, now: std::time::SystemTime) -> std::time::SystemTime {
        match self {
            Moment::At(at) => at,
            Moment::Ago(d) => now.checked_sub(d).unwrap_or(std::time::UNIX_EPOCH),
        }
    }
}

/// RFC 3339 (`2026-12-04T22:00:00Z`, seconds optional fractions) or a
/// duration back from now (`2h`, `90m`, `1day`).
pub fn parse_moment(s: &str) -> Result<Moment, String> {
    let s = s.trim();
    if let Ok(at) = humantime::parse_rfc3339_weak(s) {
        return Ok(Moment::At(at));
    }
    humantime::parse_duration(s).map(Moment::Ago).map_err(|_| {
        format!(
            "`{s}` is neither a time like 2026-12-04T22:00:00Z nor a duration back from now like 2h"
        )
    })
}

/// A `--source` pattern: `*` and `?` wildcards.
pub fn parse_pattern(s: &str) -> Result<glob::Pattern, String> {
    glob::Pattern::new(s).map_err(|e| format!("`{s}` is not a pattern: {e}"))
}

/// A value of `report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    #[value(alias = "md")]
    Markdown,
    Html,
}

/// `greenbatch completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `greenbatch man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per subcommand into DIR (created if missing) instead
    /// of printing one page.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `greenbatch sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port. Loopback only.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// YAML state (instances, groups, limits, faults); the built-in default when absent.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Seed for probabilistic faults; overrides the state file's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Switch rate limits off (for measuring a client's own overhead).
    #[arg(long)]
    pub no_rate_limits: bool,
    /// A service time for every answer, like `150ms`: the request is
    /// admitted (and counted against the limits) on arrival, its answer
    /// leaves this much later. Overrides the state file's `latency`.
    #[arg(long, value_name = "DURATION", value_parser = parse_patience)]
    pub latency: Option<Duration>,
    /// With --latency: spread each answer's service time by this share of
    /// it, drawn per request from the seed (`0.5`: 50 % to 150 %).
    #[arg(long, value_name = "SHARE", default_value_t = 0.0, requires = "latency", value_parser = parse_share)]
    pub latency_jitter: f64,
    /// A request leg for every request, like `150ms`: the request waits
    /// this long *before* it is admitted to the rate window, as on a
    /// distant link, so evenly sent requests can meet the limit bunched.
    /// Overrides the state file's `latency_in`.
    #[arg(long, value_name = "DURATION", value_parser = parse_patience)]
    pub latency_in: Option<Duration>,
    /// With --latency-in: spread each request leg by this share of it,
    /// drawn per request from the seed (`0.5`: 50 % to 150 %).
    #[arg(long, value_name = "SHARE", default_value_t = 0.0, requires = "latency_in", value_parser = parse_share)]
    pub latency_in_jitter: f64,
    /// Ledger entries kept (the most recent); counts cover every request.
    #[arg(long, value_name = "N", default_value_t = crate::sandbox::DEFAULT_LEDGER_CAPACITY, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000_000))]
    pub ledger_capacity: usize,
}

/// A wait such as `5m`, `30s` or `0s`, at most a day.
pub fn parse_patience(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration ({e}); try `5m` or `0s`"))?;
    if d > MAX_TIMEOUT {
        return Err(format!("`{s}` is longer than a day; try `5m` or `30m`"));
    }
    Ok(d)
}

/// A share between 0 and 1, like `0.5`.
pub fn parse_share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a share between 0 and 1; try `0.5`")),
    }
}

/// The shortest and longest request timeouts accepted: zero would fail
/// every request at once, and more than a day is a typo that would hold a
/// worker forever.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// A request timeout such as `90s`, `2m` or `500ms`, from 1 ms to 24 h.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration ({e}); try `30s` or `2m`"))?;
    if d < MIN_TIMEOUT {
        Err(format!(
            "`{s}` is too short: every request would time out before its answer; try `30s` or `90s`"
        ))
    } else if d > MAX_TIMEOUT {
        Err(format!("`{s}` is longer than a day; try `90s` or `5m`"))
    } else {
        Ok(d)
    }
}

/// A CSV separator: `,` `;` `tab` (or a literal tab) or `|`, also by name
/// (`comma`, `semicolon`, `pipe`).
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s.to_ascii_lowercase().as_str() {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "tab" | "\\t" => Ok(b'\t'),
        "|" | "pipe" | "bar" => Ok(b'|'),
        _ => Err(format!(
            "`{s}` is not a separator greenbatch reads: say `,`, `;`, `tab` or `|`"
        )),
    }
}

/// A size such as `64MiB`, `200MB`, `1G` or `1048576` (bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size; try `64MiB` or `200MB`"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "kb" => 1000,
        "m" | "mib" => 1 << 20,
        "mb" => 1_000_000,
        "g" | "gib" => 1 << 30,
        "gb" => 1_000_000_000,
        _ => return Err(format!("`{s}` is not a size; try `64MiB` or `200MB`")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("24h"), Ok(MAX_TIMEOUT));
        for bad in [
            "0s",
            "0",
            "0ms",
            "999us",
            "25h",
            "1000000000000000h",
            "soon",
            "",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// Whatever is typed, parsing never panics and what it accepts lies
        /// within the bounds.
        #[test]
        fn any_duration_text(text in "\\PC{0,30}", n in proptest::num::u64::ANY, unit in "(ns|us|ms|s|m|h|d|w|y|)") {
            for typed in [text, format!("{n}{unit}")] {
                if let Ok(d) = parse_duration(&typed) {
                    assert!((MIN_TIMEOUT..=MAX_TIMEOUT).contains(&d), "{typed}: {d:?}");
                }
            }
        }
    }

    #[test]
    fn patience_may_be_zero_and_never_more_than_a_day() {
        assert_eq!(parse_patience("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_patience("5m"), Ok(Duration::from_secs(300)));
        assert!(parse_patience("2d").is_err());
        assert!(parse_patience("soon").is_err());
        assert_eq!(parse_share("0.5"), Ok(0.5));
        assert!(parse_share("1.5").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("200MB"), Ok(200_000_000));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}

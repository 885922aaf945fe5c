//! `greenbatch validate`: load each manifest, then print either its summary
//! (operations per action, platform and instance; distinct groups; with
//! `--shards N`, how its instances spread over N shards) or every problem,
//! as text or JSON. Exit code 2 when any manifest is rejected.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::cli::{OutputFormat, ValidateArgs};
use crate::exit;
use crate::failure::Failure;
use crate::greenapi::{Action, Platform};
use crate::manifest::estimate::{self, Estimate};
use crate::manifest::{self, Diagnostic, Loaded, Rejected, Severity};
use crate::shard::spread::Spread;

/// Checks the manifests; `quiet` (-q) leaves out warnings and notes.
pub(super) fn execute(args: ValidateArgs, quiet: u8) -> anyhow::Result<u8> {
    let opts = args.manifest.load_options().map_err(Failure::Usage)?;
    let output = args.manifest.output().map_err(Failure::Usage)?;
    if args
        .manifests
        .iter()
        .filter(|p| p.as_os_str() == "-")
        .count()
        > 1
    {
        return Err(Failure::Usage("standard input (`-`) can be read only once".into()).into());
    }
    let env = |k: &str| std::env::var(k).ok();
    let results: Vec<Checked> = args
        .manifests
        .iter()
        .map(|p| match is_desired(p, &opts) {
            true => Checked::Desired(crate::desired::load(p, &opts, &env)),
            false => Checked::Manifest(manifest::load(p, &opts, &env)),
        })
        .collect();
    let reports: Vec<Report<'_>> = results
        .iter()
        .map(|checked| Report {
            shards: args.shards.and_then(|n| checked.spread(n)),
            ..checked.report()
        })
        .collect();
    let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
    match output {
        OutputFormat::Text => render_text(&reports, quiet > 0, &mut out, &mut err)?,
        OutputFormat::Json => render_json(&reports, &mut out)?,
    }
    Ok(if reports.iter().all(|r| r.valid) {
        exit::SUCCESS
    } else {
        exit::USAGE
    })
}

/// A manifest, or a desired-state file (`sync`'s input), as loaded.
enum Checked {
    Manifest(Result<Loaded, Rejected>),
    Desired(Result<crate::desired::Loaded, Rejected>),
}

impl Checked {
    fn report(&self) -> Report<'_> {
        match self {
            Checked::Manifest(result) => Report::of(result),
            Checked::Desired(result) => Report::of_desired(result),
        }
    }

    /// How a valid file's instances would spread over `n` shards: its
    /// operations, or a desired state's groups, by instance.
    fn spread(&self, n: u32) -> Option<Spread> {
        Some(match self {
            Checked::Manifest(Ok(l)) => {
                Spread::of_names(l.operations.iter().map(|op| &*op.instance), &l.instances, n)
            }
            Checked::Desired(Ok(l)) => {
                Spread::of_names(l.state.groups.iter().map(|g| &*g.instance), &l.instances, n)
            }
            _ => return None,
        })
    }
}

/// Whether `path` is a desired-state file: YAML (by name or
/// --input-format) with a top-level `groups:`. Standard input is a manifest.
fn is_desired(path: &std::path::Path, opts: &manifest::LoadOptions) -> bool {
    let yaml = opts
        .format
        .or_else(|| manifest::InputFormat::from_path(path))
        == Some(manifest::InputFormat::Yaml);
    yaml && path.as_os_str() != "-"
        && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= opts.max_size)
        && std::fs::read(path).is_ok_and(|bytes| crate::desired::is_desired_state(&bytes))
}

/// Where `x` is in `all` (one of the `ALL` lists).
fn slot<T: PartialEq>(all: &[T], x: T) -> usize {
    all.iter()
        .position(|a| *a == x)
        .expect("every value is in ALL")
}

/// One manifest's outcome, as both renderers show it.
#[derive(Debug, Serialize)]
pub(crate) struct Report<'a> {
    manifest: &'a str,
    /// `manifest`, or `desired-state` for a file `sync` reads.
    kind: &'static str,
    valid: bool,
    operations: usize,
    actions: BTreeMap<&'static str, usize>,
    platforms: BTreeMap<&'static str, usize>,
    instances: BTreeMap<&'a str, usize>,
    groups: usize,
    /// How long each instance's share takes at its pace.
    estimates: Vec<Estimate>,
    errors: usize,
    warnings: usize,
    notes: usize,
    diagnostics: &'a [Diagnostic],
    /// With `--shards N`: instances and operations (groups) per shard.
    #[serde(skip_serializing_if = "Option::is_none")]
    shards: Option<Spread>,
}

impl<'a> Report<'a> {
    pub(crate) fn of(result: &'a Result<Loaded, Rejected>) -> Report<'a> {
        let (manifest, diagnostics, ops) = match result {
            Ok(l) => (
                l.manifest_name.as_str(),
                &l.diagnostics[..],
                &l.operations[..],
            ),
            Err(r) => (r.manifest_name.as_str(), &r.diagnostics[..], &[][..]),
        };
        let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
        let mut report = Report {
            manifest,
            kind: "manifest",
            valid: result.is_ok(),
            operations: ops.len(),
            actions: BTreeMap::new(),
            platforms: BTreeMap::new(),
            instances: BTreeMap::new(),
            groups: 0,
            estimates: match result {
                Ok(l) => estimate::estimate(&l.operations, &l.instances, None),
                Err(_) => Vec::new(),
            },
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            diagnostics,
            shards: None,
        };
        let mut groups = std::collections::HashSet::new();
        // Manifests usually list a group's rows together: counting a run of
        // rows of one instance and group at once spares a million-row
        // manifest most map lookups (they were 7 % of its validation).
        let mut actions = [0; Action::ALL.len()];
        let mut platforms = [0; Platform::ALL.len()];
        let mut run: Option<((&str, &str), usize)> = None;
        for op in ops {
            actions[slot(&Action::ALL, op.action)] += 1;
            platforms[slot(&Platform::ALL, op.platform)] += 1;
            let group = (&*op.instance, &*op.chat_id);
            match &mut run {
                Some((last, n)) if *last == group => *n += 1,
                _ => {
                    if let Some(((instance, _), n)) = run.replace((group, 1)) {
                        *report.instances.entry(instance).or_default() += n;
                    }
                    groups.insert(group);
                }
            }
        }
        if let Some(((instance, _), n)) = run {
            *report.instances.entry(instance).or_default() += n;
        }
        for (a, n) in Action::ALL.into_iter().zip(actions) {
            if n > 0 {
                report.actions.insert(a.as_str(), n);
            }
        }
        for (p, n) in Platform::ALL.into_iter().zip(platforms) {
            if n > 0 {
                report.platforms.insert(p.as_str(), n);
            }
        }
        report.groups = groups.len();
        report
    }
}

impl<'a> Report<'a> {
    /// A desired-state file's outcome: its groups per platform and instance.
    fn of_desired(result: &'a Result<crate::desired::Loaded, Rejected>) -> Report<'a> {
        let (manifest, diagnostics, groups) = match result {
            Ok(l) => (l.name.as_str(), &l.diagnostics[..], &l.state.groups[..]),
            Err(r) => (r.manifest_name.as_str(), &r.diagnostics[..], &[][..]),
        };
        let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
        let mut report = Report {
            manifest,
            kind: "desired-state",
            valid: result.is_ok(),
            operations: 0,
            actions: BTreeMap::new(),
            platforms: BTreeMap::new(),
            instances: BTreeMap::new(),
            groups: groups.len(),
            estimates: Vec::new(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            diagnostics,
            shards: None,
        };
        for g in groups {
            *report.platforms.entry(g.platform.as_str()).or_default() += 1;
            *report.instances.entry(&g.instance).or_default() += 1;
        }
        report
    }
}

fn counts<K: std::fmt::Display>(m: &BTreeMap<K, usize>) -> String {
    m.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize, word: &str) -> String {
    crate::words::plural(n as u64, word)
}

/// Diagnostics on `err`; summaries (valid manifests) on `out`.
pub(crate) fn render_text(
    reports: &[Report<'_>],
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    for r in reports {
        for d in r.diagnostics.iter().filter(|d| d.is_error() || !quiet) {
            writeln!(err, "{d}")?;
        }
        if !r.valid {
            writeln!(
                err,
                "{}: {}; nothing was sent",
                r.manifest,
                plural(r.errors, "problem")
            )?;
            continue;
        }
        if r.kind == "desired-state" {
            writeln!(
                out,
                "{}: valid desired state, {} (what `greenbatch sync` would change depends on the groups: see `sync --dry-run`)",
                r.manifest,
                plural(r.groups, "group")
            )?;
            if r.groups > 0 {
                writeln!(out, "  platforms: {}", counts(&r.platforms))?;
                writeln!(out, "  instances: {}", counts(&r.instances))?;
            }
        } else {
            writeln!(
                out,
                "{}: valid, {} in {}",
                r.manifest,
                plural(r.operations, "operation"),
                plural(r.groups, "group")
            )?;
        }
        if r.operations > 0 {
            writeln!(out, "  actions:   {}", counts(&r.actions))?;
            writeln!(out, "  platforms: {}", counts(&r.platforms))?;
            writeln!(out, "  instances: {}", counts(&r.instances))?;
        }
        for (i, e) in r.estimates.iter().enumerate() {
            let label = if i == 0 { "time:" } else { "" };
            writeln!(out, "  {label:<10} {}", e.sentence())?;
        }
        if let Some(spread) = &r.shards {
            let item = match r.kind {
                "desired-state" => "group",
                _ => "operation",
            };
            writeln!(out, "  shards:    {}", spread.line(item))?;
        }
        if r.warnings + r.notes > 0 {
            writeln!(
                out,
                "  {}, {}",
                plural(r.warnings, "warning"),
                plural(r.notes, "note")
            )?;
        }
    }
    Ok(())
}

/// One JSON document on `out`: `{"valid": …, "manifests": [...]}`.
pub(crate) fn render_json(reports: &[Report<'_>], out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'r, 'a> {
        valid: bool,
        manifests: &'r [Report<'a>],
    }
    let doc = Doc {
        valid: reports.iter().all(|r| r.valid),
        manifests: reports,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

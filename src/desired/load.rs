//! Reading a desired-state file: the top level (`instance`, `protect`,
//! `banned`, `groups`), the instances its groups name (with the environment's
//! `default` and its platform told by the groups' IDs, as in manifests), and
//! every problem at once. One group's entry is [`super::group`]'s business.
//!
//! Unknown keys are errors here, not the warnings they are in manifests: a
//! misspelt `remove_others` or `members` would change what a sync removes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use yaml_serde::Value;

use super::banned;
use super::ctx::{Ctx, MAX_KEPT, finish};
use super::group;
use super::model::{DesiredGroup, DesiredState};
use crate::instances::{self, Instances};
use crate::manifest::protect;
use crate::manifest::{Diagnostic, LoadOptions, Rejected, norm, parse_document, scalar};
use crate::yaml_lines::{Lines, line_no};

/// A valid desired-state file.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub state: DesiredState,
    /// The configured instances, `default` among them once decided.
    pub instances: Instances,
    /// Warnings and notes (never errors).
    pub diagnostics: Vec<Diagnostic>,
    /// The file as the user named it.
    pub name: String,
}

const TOP_KEYS_HINT: &str = "a desired-state file has `groups` (a list), and optionally `instance` (the default instance), `protect` (participants never removed or demoted) and `banned` (participants or number prefixes never members)";

/// Whether `bytes` is a desired-state file rather than an operations
/// manifest: a YAML map with a top-level `groups` key.
pub(crate) fn is_desired_state(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    // Cheap first: a `groups:` line at the top level (any quoting).
    let lines = Lines::new(text);
    if lines.key(0..lines.len(), 0, "groups").is_none() {
        return false;
    }
    matches!(parse_document(bytes, &|_| None), Ok((Value::Mapping(top), _))
        if top.keys().any(|k| scalar(k).is_some_and(|k| norm(&k) == "groups")))
}

/// Reads and validates the desired-state file at `path`, its
/// `members_file`s relative to its directory, and the instances (the
/// environment's `default` and `opts.instances_file`). `env` looks up
/// environment variables.
pub(crate) fn load(
    path: &Path,
    opts: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Rejected> {
    let name = crate::input::display_name(path);
    let bytes = crate::input::read_all(path, opts.max_size).map_err(|d| Rejected {
        manifest_name: name.clone(),
        diagnostics: vec![d],
    })?;
    let mut early = Vec::new();
    let mut instances = Instances::load(opts.instances_file.as_deref(), env, &mut early);
    instances.trusted_hosts = opts.trusted_hosts.clone();
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    read(name, &bytes, base, instances, early, opts.max_size)
}

/// The same for a file held in memory, called `name`, whose
/// `members_file`s are relative to `base`; instances from `env` alone.
#[cfg(test)]
pub(crate) fn load_bytes(
    name: &str,
    bytes: &[u8],
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Rejected> {
    let mut early = Vec::new();
    let instances = Instances::load(None, env, &mut early);
    let max = crate::manifest::DEFAULT_MAX_SIZE;
    read(
        name.to_owned(),
        bytes,
        base.to_owned(),
        instances,
        early,
        max,
    )
}

fn read(
    name: String,
    bytes: &[u8],
    base: PathBuf,
    instances: Instances,
    early: Vec<Diagnostic>,
    max_size: u64,
) -> Result<Loaded, Rejected> {
    let mut ctx = Ctx {
        file: Arc::from(name.as_str()),
        base,
        max_size,
        instances,
        default_instance: Arc::from(instances::DEFAULT),
        protect: HashMap::new(),
        banned: Vec::new(),
        seen: HashMap::new(),
        inferred: None,
        unknown: Vec::new(),
        used: Vec::new(),
        diags: Vec::new(),
        errors: 0,
    };
    for d in early {
        ctx.report(d);
    }
    let groups = walk(bytes, &mut ctx);
    finish(&mut ctx);
    let file = ctx.file.clone();
    ctx.diags.sort_by_key(|d| match &d.location {
        Some(l) if l.file == file => (1, l.line),
        Some(l) => (2, l.line),
        None => (0, 0),
    });
    if ctx.errors > MAX_KEPT {
        let more = ctx.errors - MAX_KEPT;
        ctx.diags.push(Diagnostic::note(
            None,
            format!("{more} more errors not shown"),
        ));
    }
    if ctx.errors > 0 {
        return Err(Rejected {
            manifest_name: name,
            diagnostics: ctx.diags,
        });
    }
    Ok(Loaded {
        state: DesiredState {
            groups,
            protect: ctx.protect.into_keys().collect(),
        },
        instances: ctx.instances,
        diagnostics: ctx.diags,
        name,
    })
}

/// The top level; returns the valid groups.
fn walk(bytes: &[u8], ctx: &mut Ctx) -> Vec<DesiredGroup> {
    let (root, text) = match parse_document(bytes, &|line| ctx.at(line)) {
        Ok(parsed) => parsed,
        Err(d) => {
            ctx.report(d);
            return Vec::new();
        }
    };
    let Value::Mapping(top) = root else {
        let what = if root.is_null() {
            "the file is empty"
        } else {
            "is not a map with `groups`"
        };
        ctx.report(Diagnostic::error(ctx.at(1), what).hint(TOP_KEYS_HINT));
        return Vec::new();
    };
    let lines = Lines::new(text);
    let key_line = |k: &str| lines.key(0..lines.len(), 0, k).map(|(l, _)| l);
    let mut groups = None;
    let mut protect = None;
    let mut banned = None;
    for (k, value) in &top {
        let key = scalar(k).unwrap_or_default();
        let line = key_line(&key).map_or(1, line_no);
        match norm(&key).as_str() {
            "instance" => match scalar(value).filter(|n| !n.trim().is_empty()) {
                Some(name) => ctx.default_instance = Arc::from(name.trim()),
                None => ctx.report(
                    Diagnostic::error(ctx.at(line), "must be an instance name").field("instance"),
                ),
            },
            "protect" => protect = Some((value, key_line(&key))),
            "banned" => banned = Some((value, key_line(&key))),
            "groups" => groups = Some((value, key_line(&key))),
            _ if instances::is_token_key(&key) => {
                let d = Diagnostic::error(ctx.at(line), "a token is written literally")
                    .field(key)
                    .hint(instances::LITERAL_TOKEN_HINT);
                ctx.report(d);
            }
            "operations" => {
                let d = Diagnostic::error(ctx.at(line), "belongs in an operations manifest, not in a desired-state file")
                    .field(key)
                    .hint("put the operations in a manifest of their own and run it with `greenbatch run`");
                ctx.report(d);
            }
            _ => {
                let d = Diagnostic::error(ctx.at(line), "is not a key of a desired-state file")
                    .field(key)
                    .hint(TOP_KEYS_HINT);
                ctx.report(d);
            }
        }
    }
    // `protect` first: the bans and the groups are checked against it;
    // then `banned`, which every group takes.
    if let Some((value, at)) = protect {
        protect::read(ctx, value, at, &lines);
    }
    if let Some((value, at)) = banned {
        banned::read_top(ctx, value, at, &lines);
    }
    let mut valid = Vec::new();
    match groups {
        Some((Value::Sequence(items), at)) => {
            if items.is_empty() {
                let d = Diagnostic::warning(
                    ctx.at(at.map_or(1, line_no)),
                    "lists no groups: a sync changes nothing",
                )
                .field("groups");
                ctx.report(d);
            }
            let found = at
                .and_then(|a| lines.block_items(Some(a), lines.len(), 0))
                .filter(|(l, _)| l.len() == items.len());
            for (k, item) in items.iter().enumerate() {
                let span = found
                    .as_ref()
                    .map(|(starts, end)| (starts[k], starts.get(k + 1).copied().unwrap_or(*end)));
                let fallback = at.map_or(1, line_no);
                if let Some(g) = group::read(item, span, fallback, &lines, ctx) {
                    valid.push(g);
                }
            }
        }
        Some((_, at)) => {
            let d = Diagnostic::error(ctx.at(at.map_or(1, line_no)), "must be a list of groups")
                .field("groups")
                .hint("each item names a group: `- chat_id: 120363043968066561@g.us`");
            ctx.report(d);
        }
        None => {
            let d = Diagnostic::error(ctx.at(1), "is missing")
                .field("groups")
                .hint(TOP_KEYS_HINT);
            ctx.report(d);
        }
    }
    valid
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;

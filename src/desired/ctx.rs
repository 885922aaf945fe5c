//! The state of a desired-state file's validation: its diagnostics, the
//! instances as resolved so far (the environment's `default` decided by the
//! first group's ID when GREEN_API_PLATFORM is unset), the protect list and
//! the groups seen; and what can only be judged at the end.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::model::Ban;
use crate::greenapi::Platform;
use crate::greenapi::ids;
use crate::instances::{self, Instances};
use crate::manifest::not_configured;
use crate::manifest::protect::Protects;
use crate::manifest::{Diagnostic, Source};

/// Past this many errors the rest are counted, not kept.
pub(super) const MAX_KEPT: usize = 1000;

/// The validation in progress: diagnostics, the instances as resolved so
/// far, what earlier groups said.
pub(crate) struct Ctx {
    pub file: Arc<str>,
    pub base: PathBuf,
    pub max_size: u64,
    pub instances: Instances,
    pub default_instance: Arc<str>,
    /// Canonical protected IDs and the line that protects them.
    pub protect: HashMap<String, u32>,
    /// The top-level ban rules, which every group takes after its own.
    pub(crate) banned: Vec<Ban>,
    /// (instance, chat) of each group seen, and its line.
    pub seen: HashMap<(Arc<str>, String), u32>,
    /// The platform inferred for the environment's `default`, and the line
    /// that told it.
    pub inferred: Option<(Platform, u32)>,
    /// Instances named but not configured, with the lines naming them.
    pub(super) unknown: Vec<(String, Vec<u32>)>,
    /// Instances the groups use.
    pub used: Vec<Arc<str>>,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) errors: usize,
}

impl Ctx {
    pub(crate) fn at(&self, line: u32) -> Option<Source> {
        Some(Source {
            file: self.file.clone(),
            line,
            cell: None,
        })
    }

    pub(crate) fn error_count(&self) -> usize {
        self.errors
    }

    pub(crate) fn report(&mut self, d: Diagnostic) {
        if d.is_error() {
            self.errors += 1;
            if self.errors > MAX_KEPT {
                return;
            }
        }
        self.diags.push(d);
    }

    /// The instance called `name` and its platform, `chat` (the group's ID
    /// as written) telling the platform of an environment `default` that
    /// GREEN_API_PLATFORM does not; `None` (reported at the end) when it is
    /// not configured.
    pub(crate) fn resolve(
        &mut self,
        name: &str,
        chat: Option<&str>,
        line: u32,
    ) -> Option<(Arc<str>, Platform)> {
        if let Some(inst) = self.instances.get(name) {
            let found = (inst.name.clone(), inst.platform);
            if !self.used.contains(&found.0) {
                self.used.push(found.0.clone());
            }
            return Some(found);
        }
        if name == instances::DEFAULT
            && self.instances.undecided.is_some()
            && let Some(platform) = chat.and_then(ids::platform_of)
        {
            let undecided = self.instances.undecided.take().expect("checked");
            self.instances.push(
                undecided.decide(platform),
                "GREEN_API_TOKEN_INSTANCE".to_owned(),
            );
            self.inferred = Some((platform, line));
            return self.resolve(name, chat, line);
        }
        match self.unknown.iter_mut().find(|(n, _)| n == name) {
            Some((_, lines)) => lines.push(line),
            None => self.unknown.push((name.to_owned(), vec![line])),
        }
        None
    }
}

impl Protects for Ctx {
    fn at(&self, line: u32) -> Option<Source> {
        Ctx::at(self, line)
    }
    fn report(&mut self, d: Diagnostic) {
        Ctx::report(self, d);
    }
    fn protected(&mut self) -> &mut HashMap<String, u32> {
        &mut self.protect
    }
}

/// What can only be judged once every group is read: instances named but
/// not configured, untrusted hosts, tokens missing.
pub(super) fn finish(ctx: &mut Ctx) {
    for (name, lines) in std::mem::take(&mut ctx.unknown) {
        if name == instances::DEFAULT && ctx.instances.undecided.is_some() {
            let d = Diagnostic::error(
                ctx.at(lines[0]),
                "`default` could be whatsapp or max, and no group ID tells which",
            )
            .field("instance")
            .hint("set GREEN_API_PLATFORM to `whatsapp` or `max`");
            ctx.report(d);
            continue;
        }
        let d = not_configured(ctx.at(lines[0]), &name, &lines, &ctx.instances);
        ctx.report(d);
        if name == instances::DEFAULT {
            for p in std::mem::take(&mut ctx.instances.default_problems) {
                ctx.report(p);
            }
        }
    }
    let warnings = ctx.instances.untrusted_hosts(ctx.used.iter().map(|n| &**n));
    for w in warnings {
        ctx.report(w);
    }
    for name in ctx.used.clone() {
        if let Some(inst) = ctx.instances.get(&name)
            && inst.token.is_none()
        {
            let d = ctx.instances.no_token(inst, Diagnostic::note);
            ctx.report(d);
        }
    }
}

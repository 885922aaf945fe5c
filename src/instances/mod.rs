//! Instance configuration: which GREEN-API accounts a manifest may name, and
//! how to reach each one.
//!
//! The instance named `default` comes from the environment (GREEN_API_URL,
//! GREEN_API_ID_INSTANCE, GREEN_API_TOKEN_INSTANCE, GREEN_API_PLATFORM); more
//! come from an instances file (`--instances FILE`). Tokens are read from an
//! environment variable or an owner-only file, never from text others read.
//! A missing token is fine for offline commands; [`Instances::missing_tokens`]
//! is what commands that send ask.

mod checks;
mod entry;
mod env;
mod file;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::greenapi::Platform;
use crate::manifest::Diagnostic;
use crate::secret::Token;

pub(crate) use checks::{LITERAL_TOKEN_HINT, is_token_key, looks_like_token};
pub(crate) use env::{SETTINGS_HINT, Undecided};

/// The name of the instance configured from the environment.
pub const DEFAULT: &str = "default";

/// One configured GREEN-API instance.
#[derive(Debug, Clone)]
pub struct Instance {
    pub name: Arc<str>,
    pub platform: Platform,
    /// Base URL without a trailing slash; https, or http to loopback only.
    pub api_url: String,
    /// Digits only.
    pub id_instance: String,
    /// `None` when none was configured; fine offline, an error for `run`.
    pub token: Option<Token>,
    /// Requests per second for the moderation methods, from the instances file.
    pub rate: Option<f64>,
}

/// The configured instances, by name.
#[derive(Debug, Clone, Default)]
pub struct Instances {
    list: Vec<Instance>,
    /// Where each instance's token comes from, for the hint when it is missing.
    token_sources: HashMap<Arc<str>, String>,
    /// The environment's `default` while its platform is still to be
    /// inferred from the manifest (GREEN_API_PLATFORM unset).
    pub(crate) undecided: Option<Undecided>,
    /// Problems with the environment's `default`, reported only if a
    /// manifest uses it.
    pub(crate) default_problems: Vec<Diagnostic>,
}

impl Instances {
    /// Instances given directly (tests, embedding).
    pub fn new(list: Vec<Instance>) -> Instances {
        Instances {
            list,
            ..Instances::default()
        }
    }

    /// Reads the environment's `default` and, when given, the instances
    /// file. Problems are pushed onto `diags`; those about `default` wait in
    /// the result until a manifest uses it.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        diags: &mut Vec<Diagnostic>,
    ) -> Instances {
        let mut instances = Instances::default();
        if let Some(path) = file {
            for (inst, source) in file::load(path, env, diags) {
                instances.push(inst, source);
            }
        }
        if instances.get(DEFAULT).is_none() {
            env::load_default(&mut instances, env);
        } else if ["GREEN_API_URL", "GREEN_API_ID_INSTANCE"]
            .iter()
            .any(|k| env(k).is_some())
        {
            // Both say what `default` is: the file wins, but silently
            // ignoring the environment would surprise whoever set it.
            let d = Diagnostic::warning(
                None,
                "the instances file defines `default`, so GREEN_API_URL and GREEN_API_ID_INSTANCE are ignored".to_owned(),
            )
            .hint("unset them, or rename the file's `default` instance");
            diags.push(d);
        }
        instances
    }

    pub(crate) fn push(&mut self, inst: Instance, token_source: String) {
        self.token_sources.insert(inst.name.clone(), token_source);
        self.list.push(inst);
    }

    /// The instance called `name`.
    pub fn get(&self, name: &str) -> Option<&Instance> {
        self.list.iter().find(|i| &*i.name == name)
    }

    /// Every instance, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = &Instance> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// An error for each of `names` that has no token: what commands that
    /// send check before the first request.
    pub fn missing_tokens<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Vec<Diagnostic> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for name in names {
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            if let Some(inst) = self.get(name)
                && inst.token.is_none()
            {
                out.push(self.no_token(inst, Diagnostic::error));
            }
        }
        out
    }

    pub(crate) fn no_token(
        &self,
        inst: &Instance,
        make: fn(Option<crate::manifest::Source>, String) -> Diagnostic,
    ) -> Diagnostic {
        let from = self
            .token_sources
            .get(&inst.name)
            .map_or("a token", String::as_str);
        make(None, format!("instance `{}` has no token", inst.name)).hint(format!(
            "provide {from}; validate and plan need none, run does"
        ))
    }
}

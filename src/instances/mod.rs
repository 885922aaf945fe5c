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

use crate::diagnostic::Diagnostic;
use crate::greenapi::Platform;
use crate::limits::ServerLimits;
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
    /// What the server enforces: the documented table unless declared
    /// (`GREEN_API_LIMITS`, or `limits` in the instances file).
    pub limits: ServerLimits,
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
    /// Hosts `--trust-api-host` names: no warning although they are not
    /// GREEN-API's.
    pub(crate) trusted_hosts: Vec<String>,
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
        let mut last = None;
        for name in names {
            // Rows of one instance come in runs: most names are the last one.
            if last == Some(name) || seen.contains(&name) {
                last = Some(name);
                continue;
            }
            last = Some(name);
            seen.push(name);
            if let Some(inst) = self.get(name)
                && inst.token.is_none()
            {
                out.push(self.no_token(inst, Diagnostic::error));
            }
        }
        out
    }

    /// A warning for each host among `names`' api_urls that is neither
    /// GREEN-API's nor loopback nor acknowledged (`--trust-api-host HOST` or
    /// GREENBATCH_TRUST_API_HOST), once per host: the token goes there.
    pub(crate) fn untrusted_hosts<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Vec<Diagnostic> {
        let mut warned: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for name in names {
            let Some(inst) = self.get(name) else { continue };
            let Some(host) = checks::undocumented_host(&inst.api_url) else {
                continue;
            };
            if warned.contains(&host)
                || self
                    .trusted_hosts
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(&host))
            {
                continue;
            }
            out.push(
                Diagnostic::warning(
                    None,
                    format!(
                        "instance `{name}`: api_url host `{host}` is not one of GREEN-API's documented domains (api.green-api.com, api.greenapi.com and their subdomains); the instance's token is sent to it"
                    ),
                )
                .field("api_url")
                .hint(format!(
                    "if this host is meant (a gateway of your own), say so where greenbatch runs: `--trust-api-host {host}` or GREENBATCH_TRUST_API_HOST={host}; otherwise fix the api_url"
                )),
            );
            warned.push(host);
        }
        out
    }

    pub(crate) fn no_token(
        &self,
        inst: &Instance,
        make: fn(Option<crate::diagnostic::Source>, String) -> Diagnostic,
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

//! One instance of the instances file: its settings checked one by one, so
//! that every problem of every instance is reported together.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yaml_serde::Value;

use super::{Instance, checks};
use crate::diagnostic::{Diagnostic, Source};
use crate::greenapi::Platform;
use crate::limits::ServerLimits;
use crate::rate::Rate;
use crate::secret::Token;

/// The settings of one instance as written, each with the key it was
/// written under: a diagnostic names the key the user wrote, not ours.
#[derive(Default)]
struct Written {
    name: Option<String>,
    platform: Option<(String, String)>,
    url: Option<(String, String)>,
    id: Option<(String, String)>,
    token_env: Option<String>,
    token_file: Option<String>,
    rate: Option<(String, String)>,
    limits: Option<(String, String)>,
    trust: Option<(String, String)>,
}

pub(super) fn entry(
    name: Option<String>,
    settings: &Value,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    at: &Option<Source>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Instance, String)> {
    let Value::Mapping(map) = settings else {
        diags.push(
            Diagnostic::error(at.clone(), "an instance is a map of settings")
                .hint("give name, platform, api_url, id_instance and token_env or token_file"),
        );
        return None;
    };
    let written = written(map, name, at, diags);
    let name = instance_name(written.name, at, diags)?;
    let mut check = Check {
        name: &name,
        at,
        diags,
        ok: true,
    };
    let platform = check.platform(written.platform);
    let api_url = check.required("api_url", written.url, checks::api_url);
    let id_instance = check.required("id_instance", written.id, checks::id_instance);
    let rate = check.rate(written.rate);
    let limits = check.limits(written.limits);
    check.trust(&written.trust);
    let (token, source) = check.token(written.token_env, written.token_file, base, env);
    let (Some(platform), Some(api_url), Some(id_instance), true) =
        (platform, api_url, id_instance, check.ok)
    else {
        return None;
    };
    Some((
        Instance {
            name: Arc::from(name),
            platform,
            api_url,
            id_instance,
            token,
            rate,
            limits,
        },
        source,
    ))
}

/// Sorts the settings by key, each as text. Keys are matched without `_`,
/// `-` and case, so `apiUrl` and `api-url` both work; a token in the file
/// is refused before anything else is read from its key.
fn written(
    map: &yaml_serde::Mapping,
    name: Option<String>,
    at: &Option<Source>,
    diags: &mut Vec<Diagnostic>,
) -> Written {
    let err = |msg: String| Diagnostic::error(at.clone(), msg);
    let mut w = Written {
        name,
        ..Written::default()
    };
    for (k, v) in map {
        let key = setting_value(k).unwrap_or_default();
        if checks::is_token_key(&key) {
            diags.push(
                err("a token is written literally".into())
                    .field(key)
                    .hint(checks::LITERAL_TOKEN_HINT),
            );
            continue;
        }
        let norm: String = key
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        let Some(text) = setting_value(v) else {
            diags.push(err("must be a single value".into()).field(key));
            continue;
        };
        if checks::looks_like_token(&text) {
            diags.push(
                err("holds what looks like a token".into())
                    .field(key)
                    .hint(checks::LITERAL_TOKEN_HINT),
            );
            continue;
        }
        match norm.as_str() {
            "name" => w.name = Some(text),
            "platform" => w.platform = Some((key, text)),
            "apiurl" | "url" => w.url = Some((key, text)),
            "idinstance" | "id" => w.id = Some((key, text)),
            "tokenenv" => w.token_env = Some(text),
            "tokenfile" => w.token_file = Some(text),
            "rate" => w.rate = Some((key, text)),
            "limits" => w.limits = Some((key, text)),
            "trustapihost" => w.trust = Some((key, text)),
            _ => diags.push(
                Diagnostic::warning(at.clone(), "is not an instance setting; ignored")
                    .field(key)
                    .hint("known settings: name, platform, api_url, id_instance, token_env, token_file, rate, limits, trust_api_host"),
            ),
        }
    }
    w
}

/// The instance's name, checked first: every later diagnostic names it.
fn instance_name(
    name: Option<String>,
    at: &Option<Source>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let err = |msg: String| Diagnostic::error(at.clone(), msg);
    match name.filter(|n| !n.is_empty()) {
        Some(n)
            if n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) =>
        {
            Some(n)
        }
        Some(n) => {
            diags.push(
                err(format!("`{n}` is not an instance name"))
                    .field("name")
                    .hint("use letters, digits, `-`, `_` and `.`"),
            );
            None
        }
        None => {
            diags.push(err("an instance has no name".into()).field("name"));
            None
        }
    }
}

/// Checks the settings of one named instance one by one, reporting each
/// problem and going on, so that one run shows them all.
struct Check<'a> {
    name: &'a str,
    at: &'a Option<Source>,
    diags: &'a mut Vec<Diagnostic>,
    /// False once a setting without which the instance is not built (an
    /// optional one included) was wrong.
    ok: bool,
}

impl Check<'_> {
    /// An error about `field`, prefixed with the instance's name since the
    /// file may hold several.
    fn named(&self, field: &str, msg: String) -> Diagnostic {
        Diagnostic::error(self.at.clone(), format!("instance `{}`: {msg}", self.name))
            .field(field.to_owned())
    }

    fn platform(&mut self, platform: Option<(String, String)>) -> Option<Platform> {
        match platform.map(|(k, p)| (k, p.parse::<Platform>())) {
            Some((_, Ok(p))) => Some(p),
            Some((k, Err(e))) => {
                self.diags.push(self.named(&k, e));
                None
            }
            None => {
                self.diags.push(
                    self.named("platform", "is missing".into())
                        .hint("add `platform: whatsapp` or `platform: max`"),
                );
                None
            }
        }
    }

    /// A setting that has no default.
    fn required(
        &mut self,
        field: &str,
        v: Option<(String, String)>,
        check: fn(&str) -> Result<String, (String, String)>,
    ) -> Option<String> {
        match v {
            Some((k, raw)) => match check(&raw) {
                Ok(v) => Some(v),
                Err((msg, hint)) => {
                    self.diags.push(self.named(&k, msg).hint(hint));
                    None
                }
            },
            None => {
                self.diags.push(self.named(field, "is missing".into()));
                None
            }
        }
    }

    fn rate(&mut self, rate: Option<(String, String)>) -> Option<f64> {
        let (k, r) = rate?;
        match r.parse::<f64>().map(Rate::per_second) {
            Ok(Ok(_)) => r.parse::<f64>().ok(),
            Ok(Err(why)) => {
                self.diags.push(
                    self.named(&k, format!("`{r}` {why}"))
                        .hint("give requests per second, between one a day (0.0000116) and the documented limit, like `2` or `0.5`"),
                );
                self.ok = false;
                None
            }
            Err(_) => {
                self.diags.push(
                    self.named(&k, format!("`{r}` is not a rate"))
                        .hint("give requests per second, a positive number like `2` or `0.5`"),
                );
                self.ok = false;
                None
            }
        }
    }

    fn limits(&mut self, limits: Option<(String, String)>) -> ServerLimits {
        match limits.map(|(k, l)| (k, l.parse::<ServerLimits>())) {
            None => ServerLimits::documented(),
            Some((_, Ok(l))) => l,
            Some((k, Err(msg))) => {
                self.diags.push(self.named(&k, msg).hint(
                    "leave it out for GREEN-API's documented limits, or declare the server's, like `unlimited` or `getGroupData=50,removeGroupParticipant=50`",
                ));
                self.ok = false;
                ServerLimits::documented()
            }
        }
    }

    /// A file must not vouch for the host it sends a token to: trust
    /// comes from whoever runs the command (flag or environment).
    fn trust(&mut self, trust: &Option<(String, String)>) {
        if let Some((k, _)) = trust {
            self.diags.push(
                self.named(k, "is no longer read: an instances file cannot vouch for the host it sends a token to".into())
                    .hint("take it out, and say the host is meant where greenbatch runs: `--trust-api-host HOST`, or GREENBATCH_TRUST_API_HOST=HOST (several separated by commas)"),
            );
            self.ok = false;
        }
    }

    /// The token and where it comes from, in words for the messages that
    /// say it is missing or refused.
    fn token(
        &mut self,
        token_env: Option<String>,
        token_file: Option<String>,
        base: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> (Option<Token>, String) {
        match (token_env, token_file) {
            (Some(_), Some(_)) => {
                self.diags.push(
                    self.named("token_env", "has both token_env and token_file".into())
                        .hint("keep one"),
                );
                self.ok = false;
                (None, String::new())
            }
            (Some(var), None) => self.token_env(&var, env),
            (None, Some(file)) => self.token_file(&resolve(base, &file)),
            (None, None) => (
                None,
                "`token_env` or `token_file` in the instances file".to_owned(),
            ),
        }
    }

    fn token_env(
        &mut self,
        var: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> (Option<Token>, String) {
        match checks::token_env_name(var, env) {
            Ok(()) => {
                let token = env(var).filter(|t| !t.trim().is_empty()).map(Token::new);
                if let Some(Err((msg, hint))) = token.as_ref().map(checks::token_shape) {
                    self.diags.push(
                        self.named("token_env", format!("the variable {var} {msg}"))
                            .hint(hint),
                    );
                    self.ok = false;
                }
                (token, format!("the environment variable {var}"))
            }
            Err((msg, hint)) => {
                self.diags.push(self.named("token_env", msg).hint(hint));
                self.ok = false;
                (None, String::new())
            }
        }
    }

    fn token_file(&mut self, path: &Path) -> (Option<Token>, String) {
        match checks::token_file(path).and_then(|t| {
            checks::token_shape(&t)
                .map(|()| t)
                .map_err(|(msg, hint)| (format!("token file `{}` {msg}", path.display()), hint))
        }) {
            Ok(t) => (Some(t), format!("the token file {}", path.display())),
            Err((msg, hint)) => {
                self.diags.push(self.named("token_file", msg).hint(hint));
                self.ok = false;
                (None, String::new())
            }
        }
    }
}

/// A token file's path; relative ones are relative to the instances file.
fn resolve(base: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// A setting's value as text (numbers too: an unquoted idInstance is an integer).
pub(super) fn setting_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

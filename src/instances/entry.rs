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

pub(super) fn entry(
    name: Option<String>,
    settings: &Value,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    at: &Option<Source>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Instance, String)> {
    let err = |msg: String| Diagnostic::error(at.clone(), msg);
    let Value::Mapping(map) = settings else {
        diags.push(
            err("an instance is a map of settings".into())
                .hint("give name, platform, api_url, id_instance and token_env or token_file"),
        );
        return None;
    };
    let mut name = name;
    let (mut platform, mut url, mut id, mut token_env, mut token_file, mut rate) =
        (None, None, None, None, None, None);
    let mut trust = None;
    let mut limits = None;
    for (k, v) in map {
        let key = scalar(k).unwrap_or_default();
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
        let Some(text) = scalar(v) else {
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
            "name" => name = Some(text),
            "platform" => platform = Some((key, text)),
            "apiurl" | "url" => url = Some((key, text)),
            "idinstance" | "id" => id = Some((key, text)),
            "tokenenv" => token_env = Some(text),
            "tokenfile" => token_file = Some(text),
            "rate" => rate = Some((key, text)),
            "limits" => limits = Some((key, text)),
            "trustapihost" => trust = Some((key, text)),
            _ => diags.push(
                Diagnostic::warning(at.clone(), "is not an instance setting; ignored")
                    .field(key)
                    .hint("known settings: name, platform, api_url, id_instance, token_env, token_file, rate, limits, trust_api_host"),
            ),
        }
    }
    let name = match name.filter(|n| !n.is_empty()) {
        Some(n)
            if n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) =>
        {
            n
        }
        Some(n) => {
            diags.push(
                err(format!("`{n}` is not an instance name"))
                    .field("name")
                    .hint("use letters, digits, `-`, `_` and `.`"),
            );
            return None;
        }
        None => {
            diags.push(err("an instance has no name".into()).field("name"));
            return None;
        }
    };
    let named = |field: &str, msg: String| {
        Diagnostic::error(at.clone(), format!("instance `{name}`: {msg}")).field(field.to_owned())
    };
    let mut ok = true;
    let platform = match platform.map(|(k, p)| (k, p.parse::<Platform>())) {
        Some((_, Ok(p))) => Some(p),
        Some((k, Err(e))) => {
            diags.push(named(&k, e));
            None
        }
        None => {
            diags.push(
                named("platform", "is missing".into())
                    .hint("add `platform: whatsapp` or `platform: max`"),
            );
            None
        }
    };
    let mut required =
        |field: &str,
         v: Option<(String, String)>,
         check: fn(&str) -> Result<String, (String, String)>| match v {
            Some((k, raw)) => match check(&raw) {
                Ok(v) => Some(v),
                Err((msg, hint)) => {
                    diags.push(named(&k, msg).hint(hint));
                    None
                }
            },
            None => {
                diags.push(named(field, "is missing".into()));
                None
            }
        };
    let api_url = required("api_url", url, checks::api_url);
    let id_instance = required("id_instance", id, checks::id_instance);
    let rate = match rate {
        Some((k, r)) => match r.parse::<f64>().map(Rate::per_second) {
            Ok(Ok(_)) => r.parse::<f64>().ok(),
            Ok(Err(why)) => {
                diags.push(
                    named(&k, format!("`{r}` {why}"))
                        .hint("give requests per second, between one a day (0.0000116) and the documented limit, like `2` or `0.5`"),
                );
                ok = false;
                None
            }
            Err(_) => {
                diags.push(
                    named(&k, format!("`{r}` is not a rate"))
                        .hint("give requests per second, a positive number like `2` or `0.5`"),
                );
                ok = false;
                None
            }
        },
        None => None,
    };
    let limits = match limits.map(|(k, l)| (k, l.parse::<ServerLimits>())) {
        None => ServerLimits::documented(),
        Some((_, Ok(l))) => l,
        Some((k, Err(msg))) => {
            diags.push(named(&k, msg).hint(
                "leave it out for GREEN-API's documented limits, or declare the server's, like `unlimited` or `getGroupData=50,removeGroupParticipant=50`",
            ));
            ok = false;
            ServerLimits::documented()
        }
    };
    // A file must not vouch for the host it sends a token to: trust
    // comes from whoever runs the command (flag or environment).
    if let Some((k, _)) = &trust {
        diags.push(
            named(k, "is no longer read: an instances file cannot vouch for the host it sends a token to".into())
                .hint("take it out, and say the host is meant where greenbatch runs: `--trust-api-host HOST`, or GREENBATCH_TRUST_API_HOST=HOST (several separated by commas)"),
        );
        ok = false;
    }
    let (token, source) = match (token_env, token_file) {
        (Some(_), Some(_)) => {
            diags.push(
                named("token_env", "has both token_env and token_file".into()).hint("keep one"),
            );
            ok = false;
            (None, String::new())
        }
        (Some(var), None) => match checks::token_env_name(&var, env) {
            Ok(()) => {
                let token = env(&var).filter(|t| !t.trim().is_empty()).map(Token::new);
                if let Some(Err((msg, hint))) = token.as_ref().map(checks::token_shape) {
                    diags.push(named("token_env", format!("the variable {var} {msg}")).hint(hint));
                    ok = false;
                }
                (token, format!("the environment variable {var}"))
            }
            Err((msg, hint)) => {
                diags.push(named("token_env", msg).hint(hint));
                ok = false;
                (None, String::new())
            }
        },
        (None, Some(file)) => {
            let path = resolve(base, &file);
            match checks::token_file(&path).and_then(|t| {
                checks::token_shape(&t)
                    .map(|()| t)
                    .map_err(|(msg, hint)| (format!("token file `{}` {msg}", path.display()), hint))
            }) {
                Ok(t) => (Some(t), format!("the token file {}", path.display())),
                Err((msg, hint)) => {
                    diags.push(named("token_file", msg).hint(hint));
                    ok = false;
                    (None, String::new())
                }
            }
        }
        (None, None) => (
            None,
            "`token_env` or `token_file` in the instances file".to_owned(),
        ),
    };
    let (Some(platform), Some(api_url), Some(id_instance), true) =
        (platform, api_url, id_instance, ok)
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

/// A token file's path; relative ones are relative to the instances file.
fn resolve(base: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// A scalar as text (numbers too: an unquoted idInstance is an integer).
pub(super) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

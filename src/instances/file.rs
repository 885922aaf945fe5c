//! The instances file (`--instances FILE`): a YAML list of instances, or a
//! map from name to settings, optionally under a top-level `instances:` key.
//!
//! ```yaml
//! - name: wa-main
//!   platform: whatsapp
//!   api_url: https://7105.api.greenapi.com
//!   id_instance: "7105187566"
//!   token_env: WA_MAIN_TOKEN        # or token_file: ~/.config/greenbatch/wa-main.token
//!   rate: 2                         # optional, requests per second
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yaml_serde::Value;

use super::{Instance, checks};
use crate::greenapi::Platform;
use crate::manifest::yaml_lines::{Lines, line_no};
use crate::manifest::{Diagnostic, Source};
use crate::secret::Token;

/// Instances files are small; this cap is far above any real one.
const MAX_SIZE: u64 = 1024 * 1024;

/// The instances of the file at `path`, each with where its token comes from.
pub(super) fn load(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(Instance, String)> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let at = |line: Option<u32>| {
        Some(Source {
            file: file.clone(),
            line: line.unwrap_or(1),
        })
    };
    let bytes = match crate::manifest::input::read_all(path, MAX_SIZE) {
        Ok(b) => b,
        Err(mut d) => {
            d.message = format!("instances file: {}", d.message);
            diags.push(d);
            return Vec::new();
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        diags.push(Diagnostic::error(at(None), "is not UTF-8 text"));
        return Vec::new();
    };
    let root: Value = match yaml_serde::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let line = e.location().map(|l| l.line() as u32);
            diags.push(Diagnostic::error(at(line), format!("not valid YAML: {e}")));
            return Vec::new();
        }
    };
    let lines = Lines::new(text);
    let (body, key_line) = match &root {
        Value::Mapping(m) if m.len() == 1 && m.get("instances").is_some() => (
            m.get("instances").cloned().unwrap_or(Value::Null),
            lines.key(0..lines.len(), 0, "instances").map(|(l, _)| l),
        ),
        other => (other.clone(), None),
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut entries: Vec<(Option<String>, &Value, Option<u32>)> = Vec::new();
    match &body {
        Value::Sequence(items) => {
            let found = lines
                .block_items(key_line, lines.len(), 0)
                .filter(|(l, _)| l.len() == items.len());
            for (k, item) in items.iter().enumerate() {
                let line = found
                    .as_ref()
                    .map(|(l, _)| line_no(l[k]))
                    .or(key_line.map(line_no));
                entries.push((None, item, line));
            }
        }
        Value::Mapping(map) => {
            let col = key_line
                .and_then(|k| lines.first_indent(k + 1))
                .unwrap_or(0);
            for (name, settings) in map {
                let name = scalar(name).unwrap_or_default();
                let line = lines
                    .key(0..lines.len(), col, &name)
                    .map(|(l, _)| line_no(l));
                entries.push((Some(name), settings, line));
            }
        }
        _ => {
            diags.push(
                Diagnostic::error(at(None), "is not a list or a map of instances")
                    .hint("see `greenbatch validate --help` for the instances file's shape"),
            );
            return Vec::new();
        }
    }
    let mut out: Vec<(Instance, String)> = Vec::new();
    for (name, settings, line) in entries {
        let before = diags.len();
        let parsed = entry(name, settings, &base, env, &at(line), diags);
        if let Some((inst, src)) = parsed {
            if out.iter().any(|(i, _)| i.name == inst.name) {
                diags.push(
                    Diagnostic::error(
                        at(line),
                        format!("instance `{}` is defined twice", inst.name),
                    )
                    .field("name"),
                );
            } else if diags.len() == before {
                out.push((inst, src));
            }
        }
    }
    out
}

/// A scalar as text (numbers too: an unquoted idInstance is an integer).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn entry(
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
            _ => diags.push(
                Diagnostic::warning(at.clone(), "is not an instance setting; ignored")
                    .field(key)
                    .hint("known settings: name, platform, api_url, id_instance, token_env, token_file, rate"),
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
        Some((k, r)) => match r.parse::<f64>() {
            Ok(r) if r.is_finite() && r > 0.0 => Some(r),
            _ => {
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
    let (token, source) = match (token_env, token_file) {
        (Some(_), Some(_)) => {
            diags.push(
                named("token_env", "has both token_env and token_file".into()).hint("keep one"),
            );
            ok = false;
            (None, String::new())
        }
        (Some(var), None) => (
            env(&var).filter(|t| !t.trim().is_empty()).map(Token::new),
            format!("the environment variable {var}"),
        ),
        (None, Some(file)) => {
            let path = resolve(base, &file);
            match checks::token_file(&path) {
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

//! The instances file (`--instances FILE`): a YAML list of instances, or a
//! map from name to settings, optionally under a top-level `instances:` key.
//!
//! ```yaml
//! - name: wa-main
//!   platform: whatsapp
//!   api_url: https://7105.api.greenapi.com
//!   id_instance: "7105187566"
//!   token_env: GREEN_API_WA_MAIN_TOKEN        # or token_file: ~/.config/greenbatch/wa-main.token
//!   rate: 2                         # optional, requests per second
//! ```

use std::path::Path;
use std::sync::Arc;

use yaml_serde::Value;

use super::Instance;
use super::entry::{entry, setting_value};
use crate::diagnostic::{Diagnostic, Source};
use crate::yaml_lines::{Lines, line_no};

/// Instances files are small; this cap is far above any real one.
const MAX_SIZE: u64 = 1024 * 1024;

/// The instances of the file at `path`, each with where its token comes from.
pub(super) fn load(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(Instance, String)> {
    let file: Arc<str> = Arc::from(crate::sanitise::escaped(&path.display().to_string()).as_ref());
    let at = |line: Option<u32>| {
        Some(Source {
            file: file.clone(),
            line: line.unwrap_or(1),
            cell: None,
        })
    };
    let bytes = match crate::input::read_all(path, MAX_SIZE) {
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
                let name = setting_value(name).unwrap_or_default();
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

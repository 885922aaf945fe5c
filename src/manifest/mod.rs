//! Manifests: the operations a user asks for, read from CSV, YAML or a
//! workbook and validated as a whole before anything is sent.
//!
//! [`load`] is the one entry point: it reads the instances (environment and
//! `--instances` file), reads the manifest in its format, validates every
//! row, and returns either the operations with the warnings and notes, or
//! [`Rejected`] with every problem at once.

mod conflicts;
mod csv;
pub(crate) mod estimate;
pub mod model;
pub(crate) mod plan;
pub(crate) mod protect;
mod sheet;
pub(crate) mod text;
mod validate;
mod yaml;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::diagnostic::{Diagnostic, Rejected, Severity, Source};
use crate::input;
pub use crate::input::{DEFAULT_MAX_SIZE, InputFormat};
pub use model::{EVERY_GROUP, OpId, Operation};
pub(crate) use validate::not_configured;
pub(crate) use yaml::{norm, parse_document, scalar};

use crate::instances::Instances;

/// How to read a manifest.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The format; `None` follows the extension (required for `-`).
    pub format: Option<InputFormat>,
    /// The size cap in bytes ([`DEFAULT_MAX_SIZE`] unless raised).
    pub max_size: u64,
    /// `--instances FILE`.
    pub instances_file: Option<PathBuf>,
    /// `--trust-api-host HOST`: api_url hosts meant although they are not
    /// GREEN-API's.
    pub trusted_hosts: Vec<String>,
    /// `--delimiter`: a CSV manifest's separator, whatever its header says.
    pub delimiter: Option<u8>,
    /// `--sheet NAME`: a workbook's sheet to read instead of the first.
    pub sheet: Option<String>,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            format: None,
            max_size: DEFAULT_MAX_SIZE,
            instances_file: None,
            trusted_hosts: Vec::new(),
            delimiter: None,
            sheet: None,
        }
    }
}

/// A valid manifest.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// In manifest order, exact duplicates dropped. Operations on the same
    /// (instance, chat, participant) must run in this order.
    pub operations: Vec<Operation>,
    /// The configured instances, `default` among them once decided.
    pub instances: Instances,
    /// Warnings and notes (never errors).
    pub diagnostics: Vec<Diagnostic>,
    /// The manifest as the user named it (`<stdin>` for `-`).
    pub manifest_name: String,
}

/// Reads and validates the manifest at `path` (`-` for standard input).
/// `env` looks up environment variables, so tests need no process
/// environment; the binary passes `|k| std::env::var(k).ok()`.
pub fn load(
    path: &Path,
    opts: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Rejected> {
    let manifest_name = input::display_name(path);
    let file: Arc<str> = Arc::from(manifest_name.as_str());
    let reject = |d: Diagnostic| Rejected {
        manifest_name: manifest_name.clone(),
        diagnostics: vec![d],
    };
    let format = match opts.format.or_else(|| InputFormat::from_path(path)) {
        Some(f) => f,
        None if input::is_stdin(path) => {
            return Err(reject(
                Diagnostic::error(None, "standard input needs a format")
                    .hint("say `--input-format csv`, `yaml` or `xlsx` (or `ods`, `xls`) when reading standard input"),
            ));
        }
        None => {
            return Err(reject(
                Diagnostic::error(
                    None,
                    format!("{manifest_name} has no .csv, .txt, .tsv, .yaml, .yml, .xlsx, .xlsm, .xls or .ods extension"),
                )
                .hint("rename it, or say `--input-format csv`, `yaml` or `xlsx` (or `ods`, `xls`)"),
            ));
        }
    };
    if let Some(d) = opts.refusal(format, &manifest_name) {
        return Err(reject(d));
    }
    let mut early = Vec::new();
    let mut instances = Instances::load(opts.instances_file.as_deref(), env, &mut early);
    instances.trusted_hosts = opts.trusted_hosts.clone();
    let mut v = validate::Validator::new(file.clone(), instances);
    for d in early {
        v.report(d);
    }
    match format {
        InputFormat::Csv => match input::open(path, opts.max_size) {
            Ok(reader) => {
                if let Ok(meta) = std::fs::metadata(path)
                    && meta.is_file()
                {
                    v.expect_bytes(meta.len().min(opts.max_size));
                }
                read_csv(reader, &mut v, opts.max_size, opts.delimiter)
            }
            Err(d) => return Err(reject(d)),
        },
        InputFormat::Yaml => match input::read_all(path, opts.max_size) {
            Ok(bytes) => yaml::read(&bytes, &mut v),
            Err(d) => return Err(reject(d)),
        },
        // Read whole (within the cap, standard input too): a workbook is a
        // zip or a compound file, read from its end.
        InputFormat::Workbook => match input::read_all(path, opts.max_size) {
            Ok(bytes) => sheet::read(&bytes, opts.sheet.as_deref(), opts.max_size, &mut v),
            Err(d) => return Err(reject(d)),
        },
    }
    finish(v, manifest_name)
}

/// Reads and validates a manifest held in memory: `bytes` in `format`,
/// called `name` in diagnostics, with the instances that `env` defines (no
/// instances file, no size cap). The entry point of the fuzz targets.
pub fn load_bytes(
    name: &str,
    bytes: &[u8],
    format: InputFormat,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Rejected> {
    load_bytes_with(name, bytes, format, None, env)
}

/// [`load_bytes`] with `--delimiter`'s separator forced on a CSV manifest.
pub(crate) fn load_bytes_with(
    name: &str,
    bytes: &[u8],
    format: InputFormat,
    delimiter: Option<u8>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Rejected> {
    let mut early = Vec::new();
    let instances = Instances::load(None, env, &mut early);
    let mut v = validate::Validator::new(Arc::from(name), instances);
    for d in early {
        v.report(d);
    }
    match format {
        InputFormat::Csv => read_csv(bytes, &mut v, u64::MAX, delimiter),
        InputFormat::Yaml => yaml::read(bytes, &mut v),
        // What a workbook unpacks to is bounded as a file's would be.
        InputFormat::Workbook => {
            sheet::read(bytes, None, crate::defaults::MAX_MANIFEST_SIZE, &mut v)
        }
    }
    finish(v, name.to_owned())
}

/// How much of a CSV manifest is looked at to know its encoding and
/// separator: the header line and then some.
const HEAD: usize = 64 * 1024;

/// Reads a CSV manifest in whatever text a spreadsheet saved it as (see
/// [`text`]): comma-separated UTF-8 streams as it is; the rest is read
/// whole and converted first, with a note saying how it was read.
/// `delimiter` (`--delimiter`) is the separator whatever the header says.
fn read_csv(mut reader: impl Read, v: &mut validate::Validator, cap: u64, delimiter: Option<u8>) {
    let mut head = Vec::with_capacity(HEAD);
    let complete = match (&mut reader).take(HEAD as u64).read_to_end(&mut head) {
        Ok(_) => head.len() < HEAD,
        Err(e) => return v.report(input::read_error(&e, cap)),
    };
    match text::forced(text::sniff(&head, complete), delimiter) {
        text::Sniffed::Plain => csv::read((&head[..]).chain(reader), v, cap),
        text::Sniffed::Convert {
            encoding,
            separator,
        } => {
            if let Err(e) = reader.read_to_end(&mut head) {
                return v.report(input::read_error(&e, cap));
            }
            let (converted, how) = text::convert(&head, encoding, separator);
            // A separator the user forced needs no note: they know.
            if delimiter.is_none() || encoding.is_some() {
                v.report(Diagnostic::note(v.at(1), how));
            }
            csv::read(&converted[..], v, cap)
        }
        text::Sniffed::Unreadable { message, hint } => {
            v.report(Diagnostic::error(v.at(1), message).hint(hint))
        }
    }
}

impl LoadOptions {
    /// Why these options cannot read a manifest in `format` (`--delimiter`
    /// for anything but CSV, `--sheet` for anything but a workbook), said
    /// rather than ignored: a flag that does nothing is a flag misread.
    pub(crate) fn refusal(&self, format: InputFormat, name: &str) -> Option<Diagnostic> {
        let what = match format {
            InputFormat::Csv => "a CSV manifest",
            InputFormat::Yaml => "a YAML file",
            InputFormat::Workbook => "a workbook",
        };
        if self.delimiter.is_some() && format != InputFormat::Csv {
            return Some(
                Diagnostic::error(
                    None,
                    format!("--delimiter is for CSV and text manifests, and {name} is {what}"),
                )
                .hint("leave --delimiter out for it (a workbook's cells need no separator)"),
            );
        }
        if self.sheet.is_some() && format != InputFormat::Workbook {
            return Some(
                Diagnostic::error(
                    None,
                    format!(
                        "--sheet is for workbooks (.xlsx, .xlsm, .xls, .ods), and {name} is {what}"
                    ),
                )
                .hint("leave --sheet out for it"),
            );
        }
        None
    }
}

fn finish(v: validate::Validator, manifest_name: String) -> Result<Loaded, Rejected> {
    let (operations, instances, diagnostics, errors) = v.finish();
    if errors > 0 {
        Err(Rejected {
            manifest_name,
            diagnostics,
        })
    } else {
        Ok(Loaded {
            operations,
            instances,
            diagnostics,
            manifest_name,
        })
    }
}

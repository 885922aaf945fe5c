//! The validator: every row of a manifest, whatever its spelling, passes
//! through [`Validator::push`], which checks it against its instance's
//! platform, the protect list and the rows before it, and turns it into an
//! [`Operation`] or into diagnostics. [`Validator::finish`] adds what can only
//! be judged at the end (unknown instances, an undecidable platform).
//!
//! It works row by row with borrowed fields so that a CSV reader can stream a
//! million rows through it without allocating anything but the operations.

use std::collections::HashMap;
use std::sync::Arc;

use super::conflicts::Conflicts;
use super::protect::Protects;
use super::{Diagnostic, Operation, Source};
use crate::greenapi::Platform;
use crate::greenapi::ids;
use crate::instances::{self, Instances};

mod finish;
pub(crate) use finish::not_configured;
mod place;
pub(crate) use place::SheetPlace;
mod row;

/// Past this many errors the rest are counted, not kept: a binary file read
/// as CSV would otherwise produce one per line.
pub(crate) const MAX_KEPT: usize = 1000;

/// The length below which a manifest row is rare (a WhatsApp row with a
/// group and a phone number is 48 bytes; MAX's shortest about 30).
const SHORT_ROW_BYTES: u64 = 40;
/// The most rows reserved for up front.
const MAX_RESERVE: u64 = 4_000_000;

/// One row as written: `None` when the field is absent, `Some("")` when empty.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Raw<'a> {
    /// The line of the participant: where the operation is said to be.
    pub line: u32,
    /// The line of the whole row or YAML item, for problems of its action,
    /// chat and instance (shared by every participant of a YAML item).
    pub item_line: u32,
    pub action: Option<&'a str>,
    pub chat: Option<&'a str>,
    pub participant: Option<&'a str>,
    pub instance: Option<&'a str>,
}

#[derive(Debug, Clone)]
struct OwnedRaw {
    line: u32,
    item_line: u32,
    action: Option<String>,
    chat: Option<String>,
    participant: Option<String>,
}

#[derive(Debug, Clone)]
struct Resolved {
    name: Arc<str>,
    platform: Platform,
    id_instance: Arc<str>,
}

/// A manifest's validation in progress.
pub(crate) struct Validator {
    pub(crate) file: Arc<str>,
    pub(crate) instances: Instances,
    /// The instance of rows that name none (a YAML manifest may change it).
    pub(crate) default_instance: Arc<str>,
    resolved: Vec<Resolved>,
    /// Canonical protected IDs and the line that protects them.
    protect: HashMap<String, u32>,
    conflicts: Conflicts,
    pub(crate) ops: Vec<Operation>,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) errors: usize,
    /// Rows of the environment's `default` while its platform is unknown.
    pending: Vec<OwnedRaw>,
    /// The platform inferred for `default`, and the row that told it.
    inferred: Option<(Platform, u32)>,
    /// Instances named but not configured, with the lines that name them.
    unknown: Vec<(String, Vec<u32>)>,
    /// Instances the manifest uses.
    pub(crate) used: Vec<Arc<str>>,
    /// In a workbook: the sheet, and where its columns are.
    pub(crate) sheet: Option<SheetPlace>,
}

impl Validator {
    pub(crate) fn new(file: Arc<str>, instances: Instances) -> Validator {
        Validator {
            file,
            instances,
            default_instance: Arc::from(instances::DEFAULT),
            resolved: Vec::new(),
            protect: HashMap::new(),
            conflicts: Conflicts::default(),
            ops: Vec::new(),
            diags: Vec::new(),
            errors: 0,
            pending: Vec::new(),
            inferred: None,
            unknown: Vec::new(),
            used: Vec::new(),
            sheet: None,
        }
    }

    /// Sizes the operations and the conflict table for a CSV manifest of
    /// `len` bytes, so that a million rows are not rehashed and copied as
    /// they grow. Rows are rarely shorter than [`SHORT_ROW_BYTES`]; the
    /// reserve is capped, and a file of longer rows reserves less than it
    /// fills, which only means growing as before.
    pub(crate) fn expect_bytes(&mut self, len: u64) {
        let rows = (len / SHORT_ROW_BYTES).min(MAX_RESERVE) as usize;
        self.ops.reserve(rows);
        self.conflicts.reserve(rows);
    }

    pub(crate) fn at(&self, line: u32) -> Option<Source> {
        Some(self.source(line))
    }

    /// Line `line` of the manifest; in a workbook, that row's participant
    /// cell (a finding about another field is moved to its cell when
    /// reported).
    pub(crate) fn source(&self, line: u32) -> Source {
        Source {
            file: self.file.clone(),
            line,
            cell: self.sheet.as_ref().map(SheetPlace::row_cell),
        }
    }

    /// Records a diagnostic, keeping at most [`MAX_KEPT`] errors.
    pub(crate) fn report(&mut self, mut d: Diagnostic) {
        if let Some(sheet) = &self.sheet {
            sheet.aim(&mut d, &self.file);
        }
        // The participants of one YAML item share its action and chat, and
        // their problems, which are worth saying once.
        if self.diags.iter().rev().take(8).any(|seen| *seen == d) {
            return;
        }
        if d.is_error() {
            self.errors += 1;
            if self.errors > MAX_KEPT {
                return;
            }
        }
        self.diags.push(d);
    }

    /// Validates one row.
    pub(crate) fn push(&mut self, raw: Raw<'_>) {
        for (field, value) in [
            ("action", raw.action),
            ("chat_id", raw.chat),
            ("participant_id", raw.participant),
            ("instance", raw.instance),
        ] {
            if value.is_some_and(instances::looks_like_token) {
                let d = Diagnostic::error(self.at(raw.line), "holds what looks like an API token")
                    .field(field)
                    .hint(instances::LITERAL_TOKEN_HINT);
                self.report(d);
                return;
            }
        }
        let name = match raw.instance.map(ids::trim) {
            Some(n) if !n.is_empty() => n,
            _ => &*self.default_instance.clone(),
        };
        let Some(inst) = self.resolve(name) else {
            if name == instances::DEFAULT && self.instances.undecided.is_some() {
                return self.infer(raw);
            }
            match self.unknown.iter_mut().find(|(n, _)| n == name) {
                Some((_, lines)) if lines.last() == Some(&raw.item_line) => {}
                Some((_, lines)) => lines.push(raw.item_line),
                None => self.unknown.push((name.to_owned(), vec![raw.item_line])),
            }
            // The row's other problems are worth saying too, so one fix
            // does not uncover the next: its IDs may tell the platform. The
            // manifest is rejected anyway, so the missing idInstance (part of
            // the op_id) never matters.
            let chat = raw.chat.and_then(ids::platform_of);
            let person = raw.participant.and_then(ids::platform_of);
            match chat.or(person) {
                Some(platform) if person.is_some_and(|p| p != platform) => {
                    self.check_action(raw.action, raw.item_line);
                    let d = Diagnostic::error(
                        self.at(raw.line),
                        format!(
                            "is a {platform} ID, but participant_id is a {} ID",
                            person.expect("checked")
                        ),
                    )
                    .field("chat_id")
                    .hint("one operation's chat and participant belong to the same platform");
                    self.report(d);
                }
                Some(platform) => {
                    let unconfigured = Resolved {
                        name: Arc::from(name),
                        platform,
                        id_instance: Arc::from(""),
                    };
                    self.check(raw, &unconfigured);
                }
                None => {
                    self.check_action(raw.action, raw.item_line);
                }
            }
            return;
        };
        self.check(raw, &inst);
    }

    fn resolve(&mut self, name: &str) -> Option<Resolved> {
        if let Some(r) = self.resolved.iter().find(|r| &*r.name == name) {
            return Some(r.clone());
        }
        let inst = self.instances.get(name)?;
        let r = Resolved {
            name: inst.name.clone(),
            platform: inst.platform,
            id_instance: Arc::from(inst.id_instance.as_str()),
        };
        self.resolved.push(r.clone());
        self.used.push(r.name.clone());
        Some(r)
    }

    /// A row for the environment's `default` before its platform is known:
    /// its IDs may tell it, else it waits.
    fn infer(&mut self, raw: Raw<'_>) {
        let told = [raw.chat, raw.participant]
            .into_iter()
            .flatten()
            .find_map(ids::platform_of);
        let owned = OwnedRaw {
            line: raw.line,
            item_line: raw.item_line,
            action: raw.action.map(str::to_owned),
            chat: raw.chat.map(str::to_owned),
            participant: raw.participant.map(str::to_owned),
        };
        self.pending.push(owned);
        let Some(platform) = told else { return };
        let undecided = self
            .instances
            .undecided
            .take()
            .expect("checked by the caller");
        self.instances.push(
            undecided.decide(platform),
            "GREEN_API_TOKEN_INSTANCE".to_owned(),
        );
        self.inferred = Some((platform, raw.line));
        let inst = self.resolve(instances::DEFAULT).expect("just configured");
        for row in std::mem::take(&mut self.pending) {
            let raw = Raw {
                line: row.line,
                item_line: row.item_line,
                action: row.action.as_deref(),
                chat: row.chat.as_deref(),
                participant: row.participant.as_deref(),
                instance: None,
            };
            self.check(raw, &inst);
        }
    }
}

impl Protects for Validator {
    fn at(&self, line: u32) -> Option<Source> {
        Validator::at(self, line)
    }
    fn report(&mut self, d: Diagnostic) {
        Validator::report(self, d);
    }
    fn protected(&mut self) -> &mut HashMap<String, u32> {
        &mut self.protect
    }
}

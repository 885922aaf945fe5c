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

use super::conflicts::{Conflicts, Verdict};
use super::{Diagnostic, OpId, Operation, Source};
use crate::greenapi::ids::{self, IdKind, IdProblem};
use crate::greenapi::{Action, Platform};
use crate::instances::{self, Instances};

mod finish;

/// Past this many errors the rest are counted, not kept: a binary file read
/// as CSV would otherwise produce one per line.
pub(crate) const MAX_KEPT: usize = 1000;

/// One row as written: `None` when the field is absent, `Some("")` when empty.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Raw<'a> {
    pub line: u32,
    pub action: Option<&'a str>,
    pub chat: Option<&'a str>,
    pub participant: Option<&'a str>,
    pub instance: Option<&'a str>,
}

#[derive(Debug, Clone)]
struct OwnedRaw {
    line: u32,
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
        }
    }

    pub(crate) fn at(&self, line: u32) -> Option<Source> {
        Some(Source {
            file: self.file.clone(),
            line,
        })
    }

    /// Records a diagnostic, keeping at most [`MAX_KEPT`] errors.
    pub(crate) fn report(&mut self, d: Diagnostic) {
        if d.is_error() {
            self.errors += 1;
            if self.errors > MAX_KEPT {
                return;
            }
        }
        self.diags.push(d);
    }

    /// Adds a `protect` entry written at `line`.
    pub(crate) fn protect(&mut self, raw: &str, line: u32) {
        let mut any = false;
        for p in Platform::ALL {
            if let Ok(c) = ids::check(p, IdKind::Person, raw) {
                self.protect.entry(c.id.into_owned()).or_insert(line);
                any = true;
            }
        }
        if !any {
            let d = Diagnostic::error(
                self.at(line),
                format!("`{}` is not a person ID", raw.trim()),
            )
            .field("protect")
            .hint("protect lists people, like `79001234565@c.us` (WhatsApp) or `10000000` (MAX)");
            self.report(d);
        }
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
        let name = match raw.instance.map(str::trim) {
            Some(n) if !n.is_empty() => n,
            _ => &*self.default_instance.clone(),
        };
        let Some(inst) = self.resolve(name) else {
            if name == instances::DEFAULT && self.instances.undecided.is_some() {
                return self.infer(raw);
            }
            self.check_action(raw.action, raw.line);
            match self.unknown.iter_mut().find(|(n, _)| n == name) {
                Some((_, lines)) => lines.push(raw.line),
                None => self.unknown.push((name.to_owned(), vec![raw.line])),
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
                action: row.action.as_deref(),
                chat: row.chat.as_deref(),
                participant: row.participant.as_deref(),
                instance: None,
            };
            self.check(raw, &inst);
        }
    }

    fn check_action(&mut self, action: Option<&str>, line: u32) -> Option<Action> {
        let problem = match action.map(str::trim) {
            None => "is missing".to_owned(),
            Some("") => "is empty".to_owned(),
            Some(a) => match a.parse::<Action>() {
                Ok(a) => return Some(a),
                Err(()) => format!("unknown action `{a}`"),
            },
        };
        let d = Diagnostic::error(self.at(line), problem)
            .field("action")
            .hint("use remove, add, promote or demote (or the method names removeGroupParticipant, addGroupParticipant, setGroupAdmin, removeAdmin)");
        self.report(d);
        None
    }

    /// Checks one ID; `Err` carries its problem, `Ok(None)` an absent field
    /// already reported.
    fn check_id<'r>(
        &mut self,
        field: &str,
        kind: IdKind,
        raw: Option<&'r str>,
        line: u32,
        inst: &Resolved,
    ) -> Result<Option<std::borrow::Cow<'r, str>>, IdProblem> {
        let Some(raw) = raw else {
            let d = Diagnostic::error(self.at(line), "is missing")
                .field(field)
                .hint("every operation needs action, chat_id and participant_id");
            self.report(d);
            return Ok(None);
        };
        let checked = ids::check(inst.platform, kind, raw)?;
        if checked.normalised && checked.id != raw.trim() {
            let d = Diagnostic::note(
                self.at(line),
                format!("`{}` is read as `{}`", raw.trim(), checked.id),
            )
            .field(field);
            self.report(d);
        }
        Ok(Some(checked.id))
    }

    fn id_error(
        &mut self,
        field: &str,
        kind: IdKind,
        raw: Option<&str>,
        problem: &IdProblem,
        line: u32,
        inst: &Resolved,
    ) {
        let shown = raw.unwrap_or("").trim();
        let message = match problem {
            IdProblem::Empty => "is empty".to_owned(),
            p => format!("`{shown}` {p}"),
        };
        let mut hint = problem.hint(inst.platform, kind);
        if let IdProblem::OtherPlatform { .. } = problem {
            hint = match self.inferred {
                Some((p, told)) if &*inst.name == instances::DEFAULT => format!(
                    "instance `default` is {p}, as line {told} tells; set GREEN_API_PLATFORM, or give this row an instance of the other platform"
                ),
                _ => format!(
                    "instance `{}` is {}; give this row an instance of the other platform",
                    inst.name, inst.platform
                ),
            };
        }
        let d = Diagnostic::error(self.at(line), message)
            .field(field)
            .hint(hint);
        self.report(d);
    }

    fn check(&mut self, raw: Raw<'_>, inst: &Resolved) {
        let line = raw.line;
        let action = self.check_action(raw.action, line);
        let chat = self.check_id("chat_id", IdKind::Group, raw.chat, line, inst);
        let participant = self.check_id(
            "participant_id",
            IdKind::Person,
            raw.participant,
            line,
            inst,
        );
        let swapped = IdProblem::WrongKind {
            expected: IdKind::Group,
        };
        let (chat, participant) = match (chat, participant) {
            (
                Err(c),
                Err(IdProblem::WrongKind {
                    expected: IdKind::Person,
                }),
            ) if c == swapped => {
                let d = Diagnostic::error(self.at(line), format!("`{}` is a person and `{}` a group: chat_id and participant_id look swapped", raw.chat.unwrap_or("").trim(), raw.participant.unwrap_or("").trim()))
                    .field("chat_id")
                    .hint(format!("chat_id is the group (like `{}`), participant_id the person", ids::example(inst.platform, IdKind::Group)));
                self.report(d);
                return;
            }
            (c, p) => {
                if let Err(e) = &c {
                    self.id_error("chat_id", IdKind::Group, raw.chat, e, line, inst);
                }
                if let Err(e) = &p {
                    self.id_error(
                        "participant_id",
                        IdKind::Person,
                        raw.participant,
                        e,
                        line,
                        inst,
                    );
                }
                match (c, p) {
                    (Ok(Some(c)), Ok(Some(p))) => (c, p),
                    _ => return,
                }
            }
        };
        let Some(action) = action else { return };
        if let Some(&at) = self.protect.get(&*participant) {
            let d = Diagnostic::error(
                self.at(line),
                format!("`{participant}` is protected (line {at})"),
            )
            .field("participant_id")
            .hint("take the row out, or the participant out of `protect` if this is really meant");
            self.report(d);
            return;
        }
        match self
            .conflicts
            .record(&inst.name, &chat, &participant, action, line)
        {
            Verdict::Fresh => {}
            Verdict::Duplicate(first) => {
                let d = Diagnostic::warning(
                    self.at(line),
                    format!("duplicate of line {first}; it runs once"),
                );
                self.report(d);
                return;
            }
            Verdict::Contradicts(prev, at, why) => {
                let d = Diagnostic::error(self.at(line), format!("`{action}` of `{participant}` in `{chat}` contradicts the `{prev}` on line {at}")).hint(why);
                self.report(d);
                return;
            }
        }
        let op_id = OpId::new(
            inst.platform,
            &inst.id_instance,
            action,
            &chat,
            &participant,
        );
        self.ops.push(Operation {
            op_id,
            source: Source {
                file: self.file.clone(),
                line,
            },
            action,
            platform: inst.platform,
            instance: inst.name.clone(),
            chat_id: chat.into_owned(),
            participant_id: participant.into_owned(),
        });
    }
}

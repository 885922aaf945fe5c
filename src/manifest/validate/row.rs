//! The checks of one row whose instance is known: its action, its IDs
//! against the instance's platform, the protect list, and the rows before it.

use std::borrow::Cow;

use super::{Raw, Resolved, Validator};
use crate::greenapi::ids::{self, IdKind, IdProblem};
use crate::greenapi::{Action, Platform};
use crate::instances;
use crate::manifest::{Diagnostic, EVERY_GROUP, Operation};
use crate::workbook;

impl Validator {
    pub(super) fn check_action(&mut self, action: Option<&str>, line: u32) -> Option<Action> {
        let problem = match action.map(ids::trim) {
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
    ) -> Result<Option<Cow<'r, str>>, IdProblem> {
        let Some(raw) = raw else {
            let d = Diagnostic::error(self.at(line), "is missing")
                .field(field)
                .hint("every operation needs action, chat_id and participant_id");
            self.report(d);
            return Ok(None);
        };
        // A number a spreadsheet wrote in E-notation (a CSV export of a
        // long number, or such text in a workbook) lost digits: which
        // ones, nobody can tell, so it is never read as an ID.
        if workbook::cell::is_e_notation(raw) {
            let d = Diagnostic::error(
                self.at(line),
                format!("`{}` is a number in E-notation, not an ID", raw.trim()),
            )
            .field(field)
            .hint(workbook::cell::E_NOTATION_HINT);
            self.report(d);
            return Ok(None);
        }
        let checked = ids::check(inst.platform, kind, raw)?;
        if let Some(note) = checked.note(raw) {
            let d = Diagnostic::note(self.at(line), note).field(field);
            self.report(d);
        }
        if let Some(doubt) = checked.doubt() {
            let d = Diagnostic::warning(self.at(line), doubt.message)
                .field(field)
                .hint(doubt.hint);
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
        let digits = !shown.is_empty() && shown.bytes().all(|b| b.is_ascii_digit());
        if let IdProblem::OtherPlatform { .. } = problem {
            hint = match self.inferred {
                // A WhatsApp group's number without its suffix (a
                // spreadsheet column of IDs, or a copy from a URL) reads as
                // a MAX person: the fix is the suffix, not the platform.
                _ if digits && kind == IdKind::Group && inst.platform == Platform::WhatsApp => {
                    format!("a whatsapp group ID ends in `@g.us`: add it (`{shown}@g.us`)")
                }
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

    pub(super) fn check(&mut self, raw: Raw<'_>, inst: &Resolved) {
        let line = raw.line;
        let action = self.check_action(raw.action, raw.item_line);
        let chat = match raw.chat.map(str::trim) {
            Some(EVERY_GROUP) => Ok(Some(Cow::Borrowed(EVERY_GROUP))),
            _ => self.check_id("chat_id", IdKind::Group, raw.chat, raw.item_line, inst),
        };
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
                    self.id_error("chat_id", IdKind::Group, raw.chat, e, raw.item_line, inst);
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
        if chat == EVERY_GROUP && action == Action::Add {
            let d = Diagnostic::error(
                self.at(raw.item_line),
                "`add` to `*` (every group) is refused: adding someone to every group is how spam starts",
            )
            .field("chat_id")
            .hint(format!(
                "list the groups with `greenbatch groups --instance {}` and write one row per group",
                inst.name
            ));
            self.report(d);
            return;
        }
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
        // Duplicates and contradictions are judged once every row is read
        // ([`Validator::judge_conflicts`]).
        let seq = u32::try_from(self.ops.len()).unwrap_or(u32::MAX);
        self.conflicts
            .note(&inst.name, &chat, &participant, action, seq);
        let source = self.source(line);
        self.ops.push(Operation::new(
            &inst.name,
            inst.platform,
            &inst.id_instance,
            action,
            &chat,
            &participant,
            source,
        ));
    }
}

//! What a manifest's validation can only judge once every row is read: the
//! instances it names that are not configured, a `default` whose platform
//! nothing told, the tokens the used instances lack.

use super::{MAX_KEPT, Validator};
use crate::instances::{self, Instances};
use crate::manifest::conflicts::Verdict;
use crate::manifest::{Diagnostic, Operation, Source};

/// Lines as `3, 5, 9` with the rest counted.
fn some_lines(lines: &[u32]) -> String {
    let shown: Vec<String> = lines.iter().take(5).map(u32::to_string).collect();
    let mut s = shown.join(", ");
    if lines.len() > 5 {
        s.push_str(&format!(" and {} more", lines.len() - 5));
    }
    s
}

/// `lines 3, 5`; in a workbook (`at` names a cell) `rows 3, 5`, as a
/// spreadsheet numbers them.
fn on_lines(at: Option<&Source>, lines: &[u32]) -> String {
    format!(
        "{}{} {}",
        line_word(at),
        crate::words::s(lines.len() as u64),
        some_lines(lines)
    )
}

/// What a place's number counts: a text file's lines, a sheet's rows.
fn line_word(at: Option<&Source>) -> &'static str {
    match at.is_some_and(|s| s.cell.is_some()) {
        true => "row",
        false => "line",
    }
}

/// The error for an instance that rows (or groups) name on `lines` but
/// that is not configured, with a hint at what is.
pub(crate) fn not_configured(
    at: Option<Source>,
    name: &str,
    lines: &[u32],
    instances: &Instances,
) -> Diagnostic {
    let configured: Vec<&str> = instances.iter().map(|i| &*i.name).collect();
    let hint = if name == instances::DEFAULT {
        instances::SETTINGS_HINT.to_owned()
    } else if configured.is_empty() {
        "configure it in an instances file given with --instances".to_owned()
    } else {
        format!(
            "configured instances: {}; or add it to the --instances file",
            configured.join(", ")
        )
    };
    let used = on_lines(at.as_ref(), lines);
    Diagnostic::error(at, format!("`{name}` is not configured (used on {used})"))
        .field("instance")
        .hint(hint)
}

impl Validator {
    /// Reports each operation that repeats or contradicts an earlier one on
    /// the same (instance, chat, participant), and takes it out: a
    /// duplicate runs once, a contradiction is an error.
    fn judge_conflicts(&mut self) {
        let judged = std::mem::take(&mut self.conflicts).judge();
        if judged.is_empty() {
            return;
        }
        let line = |ops: &[Operation], seq: u32| ops[seq as usize].source.line;
        for &(seq, verdict) in &judged {
            let op = &self.ops[seq as usize];
            let at = self.at(op.source.line);
            let word = line_word(at.as_ref());
            let d = match verdict {
                Verdict::Duplicate(first) => Diagnostic::warning(
                    at,
                    format!(
                        "duplicate of {word} {}; it runs once",
                        line(&self.ops, first)
                    ),
                ),
                Verdict::Contradicts(prev, earlier, why) => Diagnostic::error(
                    at,
                    format!(
                        "`{}` of `{}` in `{}` contradicts the `{prev}` on {word} {}",
                        op.action,
                        op.participant_id,
                        op.chat_id,
                        line(&self.ops, earlier)
                    ),
                )
                .hint(why),
            };
            self.report(d);
        }
        // `judged` is in operation order: drop those operations in one pass.
        let mut out = judged.iter().map(|(seq, _)| *seq as usize).peekable();
        let mut seq = 0;
        self.ops.retain(|_| {
            let keep = out.next_if_eq(&seq).is_none();
            seq += 1;
            keep
        });
    }

    /// Ends validation: the operations, the instances (with `default`
    /// decided) and every diagnostic, in line order.
    pub(crate) fn finish(mut self) -> (Vec<Operation>, Instances, Vec<Diagnostic>, usize) {
        self.judge_conflicts();
        let oversized = crate::manifest::estimate::oversized_groups(&self.ops, &|l| self.at(l));
        for d in oversized {
            self.report(d);
        }
        if !self.pending.is_empty() {
            let lines: Vec<u32> = self.pending.iter().map(|r| r.line).collect();
            let at = self.at(lines[0]);
            let on = on_lines(at.as_ref(), &lines);
            let d = Diagnostic::error(
                at,
                format!("`default` could be whatsapp or max, and no ID on {on} tells which"),
            )
            .field("instance")
            .hint("set GREEN_API_PLATFORM to `whatsapp` or `max`");
            self.report(d);
        }
        for (name, lines) in std::mem::take(&mut self.unknown) {
            let d = not_configured(self.at(lines[0]), &name, &lines, &self.instances);
            self.report(d);
            if name == instances::DEFAULT {
                for p in std::mem::take(&mut self.instances.default_problems) {
                    self.report(p);
                }
            }
        }
        let warnings = self
            .instances
            .untrusted_hosts(self.used.iter().map(|n| &**n));
        self.diags.extend(warnings);
        for name in self.used.clone() {
            if let Some(inst) = self.instances.get(&name)
                && inst.token.is_none()
            {
                let d = self.instances.no_token(inst, Diagnostic::note);
                self.report(d);
            }
        }
        if self.errors > MAX_KEPT {
            let d = Diagnostic::note(
                None,
                format!("{} more errors not shown", self.errors - MAX_KEPT),
            );
            self.diags.push(d);
        }
        let file = self.file.clone();
        // Findings in this manifest by line; those about other files or no
        // line (the environment, an instances file) first.
        self.diags.sort_by_key(|d| match &d.location {
            Some(l) if l.file == file => (1, l.line),
            Some(l) => (0, l.line),
            None => (0, 0),
        });
        (self.ops, self.instances, self.diags, self.errors)
    }
}

//! CSV manifests: a header row naming `action`, `chat_id`, `participant_id`
//! and optionally `instance` (or the API's names `groupId`/`chatId` and
//! `participantChatId`), then one operation per record.
//!
//! Records stream through one reused [`csv::ByteRecord`] into the
//! [`Validator`], so a million-row file costs the operations and nothing
//! more. Lines are physical: a quoted field spanning lines puts the next
//! record further down, and the csv crate's position says where.

mod lines;

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use lines::{Counting, Lines};

use super::Diagnostic;
use super::input;
use super::validate::{Raw, Validator};
use crate::instances;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Column {
    Action,
    Chat,
    Participant,
    Instance,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::Action => "action",
            Column::Chat => "chat_id",
            Column::Participant => "participant_id",
            Column::Instance => "instance",
        }
    }

    /// The column a header names, case, `_`, `-` and spaces aside.
    fn of(header: &str) -> Option<Column> {
        let key: String = header
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "action" => Some(Column::Action),
            "chatid" | "groupid" => Some(Column::Chat),
            "participantid" | "participantchatid" | "participant" => Some(Column::Participant),
            "instance" => Some(Column::Instance),
            _ => None,
        }
    }
}

const HEADER_HINT: &str =
    "the first line names the columns: action,chat_id,participant_id and optionally instance";

/// Reads a CSV manifest into `v`; `cap` is the size limit, for its message.
pub(crate) fn read(reader: impl Read, v: &mut Validator, cap: u64) {
    let lines = Rc::new(RefCell::new(Lines::default()));
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // No `Trim::All`: the csv crate trims by building a new record per
        // row (an allocation and a copy); fields are trimmed as borrowed below.
        .from_reader(Counting {
            inner: reader,
            lines: lines.clone(),
        });
    let line_of = |rec: &csv::ByteRecord| {
        rec.position()
            .map_or(0, |p| lines.borrow_mut().line_at(p.byte()))
    };
    let mut rec = csv::ByteRecord::new();
    // The header: the first non-empty record.
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            let d = Diagnostic::error(v.at(1), "the manifest is empty").hint(HEADER_HINT);
            return v.report(d);
        }
        Err(e) => return v.report(csv_error(&e, cap, v)),
    }
    let header_line = line_of(&rec);
    if rec.as_slice().contains(&0) {
        return v.report(binary(v, header_line));
    }
    let mut index: [Option<usize>; 4] = [None; 4];
    let mut unknown: Vec<(usize, String)> = Vec::new();
    let mut fatal = false;
    for (i, raw) in rec.iter().enumerate() {
        let Ok(h) = std::str::from_utf8(raw) else {
            v.report(
                Diagnostic::error(v.at(header_line), "the header is not valid UTF-8")
                    .hint(HEADER_HINT),
            );
            return;
        };
        let h = h.trim_start_matches('\u{feff}').trim();
        if instances::is_token_key(h) {
            let d = Diagnostic::error(
                v.at(header_line),
                format!("a `{h}` column puts tokens in the manifest"),
            )
            .field(h)
            .hint(instances::LITERAL_TOKEN_HINT);
            v.report(d);
            fatal = true;
            continue;
        }
        match Column::of(h) {
            Some(c) if index[c as usize].is_some() => {
                let d = Diagnostic::error(
                    v.at(header_line),
                    format!("two columns name the {}", c.name()),
                )
                .field(h)
                .hint("keep one of them");
                v.report(d);
                fatal = true;
            }
            Some(c) => index[c as usize] = Some(i),
            None => unknown.push((i, h.to_owned())),
        }
    }
    for c in [Column::Action, Column::Chat, Column::Participant] {
        if index[c as usize].is_none() {
            let d = Diagnostic::error(
                v.at(header_line),
                format!("column `{}` is missing", c.name()),
            )
            .hint(HEADER_HINT);
            v.report(d);
            fatal = true;
        }
    }
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|(_, n)| format!("`{n}`")).collect();
        let what = match names.len() {
            1 => format!("column {} is not used; ignored", names[0]),
            _ => format!("columns {} are not used; ignored", names.join(", ")),
        };
        let d = Diagnostic::warning(v.at(header_line), what)
            .hint("the columns used are action, chat_id, participant_id and instance");
        v.report(d);
    }
    if fatal {
        return;
    }
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return v.report(csv_error(&e, cap, v)),
        }
        let line = line_of(&rec);
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            continue; // a line of commas only
        }
        if rec.as_slice().contains(&0) {
            return v.report(binary(v, line));
        }
        let mut text: [Option<&str>; 4] = [None; 4];
        let mut bad = false;
        for c in [
            Column::Action,
            Column::Chat,
            Column::Participant,
            Column::Instance,
        ] {
            match index[c as usize]
                .and_then(|i| rec.get(i))
                .map(|b| std::str::from_utf8(b.trim_ascii()))
            {
                Some(Ok(s)) => text[c as usize] = Some(s),
                Some(Err(_)) => {
                    v.report(Diagnostic::error(v.at(line), "is not valid UTF-8").field(c.name()));
                    bad = true;
                }
                None => {}
            }
        }
        for (i, name) in &unknown {
            if rec
                .get(*i)
                .and_then(|b| std::str::from_utf8(b.trim_ascii()).ok())
                .is_some_and(instances::looks_like_token)
            {
                let d = Diagnostic::error(v.at(line), "holds what looks like an API token")
                    .field(name.clone())
                    .hint(instances::LITERAL_TOKEN_HINT);
                v.report(d);
                bad = true;
            }
        }
        if bad {
            continue;
        }
        v.push(Raw {
            line,
            item_line: line,
            action: text[Column::Action as usize],
            chat: text[Column::Chat as usize],
            participant: text[Column::Participant as usize],
            instance: text[Column::Instance as usize],
        });
    }
}

fn binary(v: &Validator, line: u32) -> Diagnostic {
    Diagnostic::error(
        v.at(line),
        "contains a NUL byte: this looks like a binary file, not a CSV manifest",
    )
    .hint("a manifest is UTF-8 text; check that the right file was given")
}

fn csv_error(e: &csv::Error, cap: u64, v: &Validator) -> Diagnostic {
    let line = e
        .position()
        .map(|p| u32::try_from(p.line()).unwrap_or(u32::MAX));
    match e.kind() {
        csv::ErrorKind::Io(io) => input::read_error(io, cap),
        _ => Diagnostic::error(line.and_then(|l| v.at(l)), format!("not valid CSV: {e}")),
    }
}

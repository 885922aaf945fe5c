//! CSV manifests: a header row naming `action`, `chat_id`, `participant_id`
//! and optionally `instance` (or the API's names `groupId`/`chatId` and
//! `participantChatId`), then one operation per record.
//!
//! Records stream from the byte-level reader ([`crate::records`]), split in
//! place where they can be, into the [`Validator`], so a million-row file
//! costs the operations and nothing more. Lines are physical: a quoted field
//! spanning lines puts the next record further down, and the reader says
//! where.

use std::io::Read;

use super::Diagnostic;
use super::validate::{Raw, Validator};
use crate::input;
use crate::instances;
use crate::records::{At, Fields, Tokens};

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

/// Whether a header cell names a column greenbatch reads.
pub(crate) fn is_column(header: &str) -> bool {
    Column::of(header).is_some()
}

const HEADER_HINT: &str =
    "the first line names the columns: action,chat_id,participant_id and optionally instance";

/// Reads a CSV manifest into `v`; `cap` is the size limit, for its message.
pub(crate) fn read(reader: impl Read, v: &mut Validator, cap: u64) {
    let mut tokens = Tokens::new(reader);
    // Records the scanner cannot split in place (quoted, split across two
    // reads) come through this one, reused.
    let mut spare = csv::ByteRecord::new();
    // The header: the first non-empty record.
    let header = tokens.next_with(&mut spare, &mut |f, at| {
        let fields: Vec<Vec<u8>> = (0..f.count()).map(|i| f.field(i).to_vec()).collect();
        (fields, at.physical as u32)
    });
    let (header, header_line) = match header {
        Ok(Some(h)) => h,
        Ok(None) => {
            let d = Diagnostic::error(v.at(1), "the manifest is empty").hint(HEADER_HINT);
            return v.report(d);
        }
        Err(e) => return v.report(input::read_error(&e, cap)),
    };
    if header.iter().any(|f| f.contains(&0)) {
        return v.report(binary(v, header_line));
    }
    let Some(columns) = columns(&header, header_line, v) else {
        return;
    };
    loop {
        let mut row = |f: &dyn Fields, at: At| columns.row(f, line_of(at), v);
        match tokens.next_with(&mut spare, &mut row) {
            Ok(Some(Flow::Go)) => {}
            Ok(Some(Flow::Stop)) | Ok(None) => break,
            Err(e) => return v.report(input::read_error(&e, cap)),
        }
    }
}

fn line_of(at: At) -> u32 {
    u32::try_from(at.physical).unwrap_or(u32::MAX)
}

/// Whether to read on after a row.
pub(super) enum Flow {
    Go,
    Stop,
}

/// Where the header puts each column, and the columns it does not use.
pub(super) struct Columns {
    index: [Option<usize>; 4],
    unknown: Vec<(usize, String)>,
}

/// The header's columns; `None` when a problem makes reading on pointless.
/// A workbook's header row comes through here too, so both say the same.
pub(super) fn columns(header: &[Vec<u8>], header_line: u32, v: &mut Validator) -> Option<Columns> {
    let mut index: [Option<usize>; 4] = [None; 4];
    let mut unknown: Vec<(usize, String)> = Vec::new();
    let mut fatal = false;
    for (i, raw) in header.iter().enumerate() {
        let Ok(h) = std::str::from_utf8(raw) else {
            v.report(
                Diagnostic::error(v.at(header_line), "the header is not valid UTF-8")
                    .hint(HEADER_HINT),
            );
            return None;
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
        // Quoted short: a file given by mistake (a token file) has its
        // first line here.
        let names: Vec<String> = unknown
            .iter()
            .map(|(_, n)| format!("`{}`", crate::sanitise::quote_start(n)))
            .collect();
        let what = match names.len() {
            1 => format!("column {} is not used; ignored", names[0]),
            _ => format!("columns {} are not used; ignored", names.join(", ")),
        };
        let d = Diagnostic::warning(v.at(header_line), what)
            .hint("the columns used are action, chat_id, participant_id and instance");
        v.report(d);
    }
    (!fatal).then_some(Columns { index, unknown })
}

impl Columns {
    /// The fields the header names, each with its position in a record.
    pub(super) fn named(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        [
            Column::Action,
            Column::Chat,
            Column::Participant,
            Column::Instance,
        ]
        .into_iter()
        .filter_map(|c| Some((c.name(), self.index[c as usize]?)))
    }

    /// Hands one record to the validator (a workbook's rows too).
    pub(super) fn row(&self, rec: &dyn Fields, line: u32, v: &mut Validator) -> Flow {
        let field = |i: usize| (i < rec.count()).then(|| rec.field(i));
        let fields = (0..rec.count()).map(|i| rec.field(i));
        if fields.clone().all(|f| f.trim_ascii().is_empty()) {
            return Flow::Go; // a line of commas only
        }
        if fields.clone().any(|f| memchr::memchr(0, f).is_some()) {
            v.report(binary(v, line));
            return Flow::Stop;
        }
        let mut text: [Option<&str>; 4] = [None; 4];
        let mut bad = false;
        for c in [
            Column::Action,
            Column::Chat,
            Column::Participant,
            Column::Instance,
        ] {
            match self.index[c as usize]
                .and_then(field)
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
        for (i, name) in &self.unknown {
            if field(*i)
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
        if !bad {
            v.push(Raw {
                line,
                item_line: line,
                action: text[Column::Action as usize],
                chat: text[Column::Chat as usize],
                participant: text[Column::Participant as usize],
                instance: text[Column::Instance as usize],
            });
        }
        Flow::Go
    }
}

fn binary(v: &Validator, line: u32) -> Diagnostic {
    Diagnostic::error(
        v.at(line),
        "contains a NUL byte: this looks like a binary file, not a CSV manifest",
    )
    .hint("a manifest is UTF-8 text; check that the right file was given")
}

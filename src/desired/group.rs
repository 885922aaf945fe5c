//! One entry of a desired-state file's `groups`: its keys, its IDs checked
//! against its instance's platform (numbers written with `+` and cell
//! guards normalised, with a note; doubtful numbers warned about), its
//! `members_file`, its `banned` list, and the checks between its lists.
//! A `chat_id` of `*` is an entry for every group of its instance, which
//! takes only `instance` and `banned`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use yaml_serde::Value;

use super::banned;
use super::ctx::Ctx;
use super::fields::{Fields, fields};
use super::members_file;
use super::model::{Ban, DesiredGroup};
use crate::greenapi::Platform;
use crate::greenapi::ids::{self, IdKind, IdProblem};
use crate::input::InputFormat;
use crate::instances;
use crate::manifest::EVERY_GROUP;
use crate::manifest::{Diagnostic, Source};
use crate::workbook;
use crate::yaml_lines::{Lines, line_no};

/// Reads one item of `groups`; `span` is its first line and the line after
/// it when the scan found them. `None` when it has errors (reported).
pub(super) fn read(
    item: &Value,
    span: Option<(usize, usize)>,
    fallback: u32,
    lines: &Lines<'_>,
    ctx: &mut Ctx,
) -> Option<DesiredGroup> {
    let line = span.map_or(fallback, |(s, _)| line_no(s));
    let errors_before = ctx.error_count();
    let Value::Mapping(map) = item else {
        let d = Diagnostic::error(ctx.at(line), "a group is a map of settings")
            .hint("give at least `chat_id`, and `members` or `admins`");
        ctx.report(d);
        return None;
    };
    let (fields, malformed) = fields(map, span, line, lines, ctx);
    let Some((chat_raw, chat_line)) = fields.chat.clone() else {
        let d = Diagnostic::error(ctx.at(line), "is missing")
            .field("chat_id")
            .hint("name the group: `chat_id: 120363043968066561@g.us` (WhatsApp) or `chat_id: \"-10000000000000\"` (MAX)");
        ctx.report(d);
        return None;
    };
    let name: Arc<str> = match &fields.instance {
        Some((n, _)) => Arc::from(n.as_str()),
        None => ctx.default_instance.clone(),
    };
    let instance_line = fields.instance.as_ref().map_or(line, |(_, l)| *l);
    if ids::trim(&chat_raw) == EVERY_GROUP {
        return every(ctx, &fields, &name, instance_line, line, errors_before);
    }
    let resolved = ctx.resolve(&name, Some(&chat_raw), instance_line);
    let platform = platform(ctx, resolved.as_ref(), &chat_raw, chat_line)?;
    let ids = Ids {
        platform,
        shown_name: resolved.as_ref().map_or(name.clone(), |r| r.0.clone()),
    };
    let chat = ids.chat(ctx, &chat_raw, chat_line);
    // Wanted members: `members`, then `members_file`, once each.
    let mut wanted = Wanted::default();
    if let Some((list, _)) = &fields.members {
        wanted.listed(&ids, ctx, list);
    }
    let sheet = members_sheet(ctx, &fields);
    if let Some((file, l)) = &fields.members_file {
        wanted.in_file(&ids, ctx, (file, sheet), *l, chat.as_deref());
    }
    let admins = admins(&ids, ctx, fields.admins.as_ref().map(|(list, _)| list));
    let banned = bans(&ids, ctx, &fields);
    banned::check_wanted(ctx, &banned, platform, &wanted.first_line, &admins);
    if malformed {
        // A key of the wrong shape says nothing: judging the lists without
        // it would only add errors that its fix makes moot.
    } else {
        check_lists(ctx, &wanted, &admins, fields.remove_others);
    }
    let chat = chat?;
    if let Some((resolved_name, _)) = &resolved {
        listed_once(ctx, resolved_name, &chat, line);
    }
    let (instance, platform) = resolved?;
    if ctx.error_count() > errors_before {
        return None;
    }
    Some(DesiredGroup {
        source: Source {
            file: ctx.file.clone(),
            line,
            cell: None,
        },
        instance,
        platform,
        chat_id: chat,
        members: wanted.ids,
        admins: admins.into_iter().map(|(id, _)| id).collect(),
        remove_others: fields.remove_others.is_some_and(|(r, _)| r),
        demote_others: fields.demote_others.is_some_and(|(d, _)| d),
        banned,
    })
}

/// The sheet `members_sheet` names, when it has a workbook `members_file`
/// to name a sheet of; reported otherwise, never silently ignored.
fn members_sheet<'f>(ctx: &mut Ctx, fields: &'f Fields) -> Option<&'f str> {
    let (sheet, l) = fields.members_sheet.as_ref()?;
    let problem = match &fields.members_file {
        None => "names a sheet, but the group has no `members_file`",
        Some((file, _))
            if InputFormat::from_path(Path::new(file)) != Some(InputFormat::Workbook) =>
        {
            "names a sheet, but `members_file` is not a workbook"
        }
        Some(_) => return Some(sheet),
    };
    let d = Diagnostic::error(ctx.at(*l), problem)
        .field("members_sheet")
        .hint("members_sheet picks the sheet of a workbook members_file (.xlsx, .xlsm, .xls or .ods); take it out for a text file");
    ctx.report(d);
    None
}

/// The group's own ban rules (IDs of its platform), then the file's.
fn bans(ids: &Ids, ctx: &mut Ctx, fields: &Fields) -> Vec<Ban> {
    let own = fields
        .banned
        .as_ref()
        .map_or(&[][..], |(list, _)| &list[..]);
    banned::read_group(ctx, own, ids.platform, |ctx, raw, at| {
        ids.person(ctx, raw, at, "banned")
    })
}

/// A `*` entry on `line`: every group its instance `name` lists when the
/// sync runs, of which only the ban lists are managed (the groups are not
/// known yet, so neither are members to want). `None` when it has errors.
fn every(
    ctx: &mut Ctx,
    fields: &Fields,
    name: &Arc<str>,
    instance_line: u32,
    line: u32,
    errors_before: usize,
) -> Option<DesiredGroup> {
    let managed = [
        ("members", fields.members.as_ref().map(|(_, l)| *l)),
        (
            "members_file",
            fields.members_file.as_ref().map(|(_, l)| *l),
        ),
        (
            "members_sheet",
            fields.members_sheet.as_ref().map(|(_, l)| *l),
        ),
        ("admins", fields.admins.as_ref().map(|(_, l)| *l)),
        ("remove_others", fields.remove_others.map(|(_, l)| l)),
        ("demote_others", fields.demote_others.map(|(_, l)| l)),
    ];
    for (key, at) in managed {
        if let Some(l) = at {
            let d = Diagnostic::error(
                ctx.at(l),
                "is not for a `*` entry, which stands for every group of its instance",
            )
            .field(key)
            .hint("a `*` entry takes only `instance` and `banned`; give a group an entry of its own to manage its members");
            ctx.report(d);
        }
    }
    let (instance, platform) = ctx.resolve(name, None, instance_line)?;
    let ids = Ids {
        platform,
        shown_name: instance.clone(),
    };
    let banned = bans(&ids, ctx, fields);
    listed_once(ctx, &instance, EVERY_GROUP, line);
    if banned.is_empty() {
        let d = Diagnostic::warning(
            ctx.at(line),
            "bans nobody: a `*` entry manages only the ban lists, so it changes nothing",
        )
        .field("chat_id")
        .hint("give it `banned`, or a top-level `banned` list, or take it out");
        ctx.report(d);
    }
    if ctx.error_count() > errors_before {
        return None;
    }
    Some(DesiredGroup {
        source: Source {
            file: ctx.file.clone(),
            line,
            cell: None,
        },
        instance,
        platform,
        chat_id: EVERY_GROUP.to_owned(),
        members: None,
        admins: Vec::new(),
        remove_others: false,
        demote_others: false,
        banned,
    })
}

/// The group's platform. An unconfigured instance is reported at the end;
/// the group's IDs may still tell its platform, and their problems are
/// worth saying now. `None` (reported) when nothing tells it.
fn platform(
    ctx: &mut Ctx,
    resolved: Option<&(Arc<str>, Platform)>,
    chat_raw: &str,
    chat_line: u32,
) -> Option<Platform> {
    let found = resolved.map(|r| r.1).or_else(|| ids::platform_of(chat_raw));
    if found.is_none() {
        let d = Diagnostic::error(
            ctx.at(chat_line),
            format!("`{}` is not a group ID", chat_raw.trim()),
        )
        .field("chat_id")
        .hint(format!(
            "a whatsapp group ID looks like `{}`, a max one like `{}`",
            ids::example(Platform::WhatsApp, IdKind::Group),
            ids::example(Platform::Max, IdKind::Group)
        ));
        ctx.report(d);
    }
    found
}

/// Checks the group's IDs against its platform; `shown_name` is the
/// instance as the hints name it.
struct Ids {
    platform: Platform,
    shown_name: Arc<str>,
}

impl Ids {
    /// The hint for an ID's problem. An ID of the other platform is most
    /// likely the instance's fault, not the ID's, so that hint says how the
    /// instance got its platform.
    fn hint(&self, ctx: &Ctx, problem: &IdProblem, kind: IdKind) -> String {
        let (shown_name, platform) = (&self.shown_name, self.platform);
        match problem {
            IdProblem::OtherPlatform { .. } => match ctx.inferred {
                Some((p, told)) if &**shown_name == instances::DEFAULT => format!(
                    "instance `default` is {p}, as line {told} tells; set GREEN_API_PLATFORM, or give this group an instance of the other platform"
                ),
                _ => format!(
                    "instance `{shown_name}` is {platform}; give this group an instance of the other platform"
                ),
            },
            p => p.hint(platform, kind),
        }
    }

    /// The group's ID normalised (with a note when it was), `None` when it
    /// is not one (reported).
    fn chat(&self, ctx: &mut Ctx, chat_raw: &str, chat_line: u32) -> Option<String> {
        match ids::check(self.platform, IdKind::Group, chat_raw) {
            Ok(c) => {
                if let Some(note) = c.note(chat_raw) {
                    ctx.report(Diagnostic::note(ctx.at(chat_line), note).field("chat_id"));
                }
                Some(c.id.into_owned())
            }
            Err(problem) => {
                let message = match &problem {
                    IdProblem::Empty => "is empty".to_owned(),
                    p => format!("`{}` {p}", chat_raw.trim()),
                };
                let hint = self.hint(ctx, &problem, IdKind::Group);
                let d = Diagnostic::error(ctx.at(chat_line), message)
                    .field("chat_id")
                    .hint(hint);
                ctx.report(d);
                None
            }
        }
    }

    /// A person's ID normalised (with a note when it was, a warning when it
    /// looks doubtful), `None` when it is not one (reported).
    fn person(&self, ctx: &mut Ctx, raw: &str, at: Option<Source>, field: &str) -> Option<String> {
        // As in a manifest: a number in E-notation lost digits.
        if workbook::cell::is_e_notation(raw) {
            let message = format!("`{}` is a number in E-notation, not an ID", raw.trim());
            let d = Diagnostic::error(at, message)
                .field(field)
                .hint(workbook::cell::E_NOTATION_HINT);
            ctx.report(d);
            return None;
        }
        match ids::check(self.platform, IdKind::Person, raw) {
            Ok(c) => {
                if let Some(note) = c.note(raw) {
                    ctx.report(Diagnostic::note(at.clone(), note).field(field));
                }
                if let Some(doubt) = c.doubt() {
                    let d = Diagnostic::warning(at, doubt.message)
                        .field(field)
                        .hint(doubt.hint);
                    ctx.report(d);
                }
                Some(c.id.into_owned())
            }
            Err(problem) => {
                let message = match &problem {
                    IdProblem::Empty => "is empty".to_owned(),
                    p => format!("`{}` {p}", raw.trim()),
                };
                let hint = self.hint(ctx, &problem, IdKind::Person);
                ctx.report(Diagnostic::error(at, message).field(field).hint(hint));
                None
            }
        }
    }
}

/// The wanted members; `None` when neither `members` nor `members_file` is
/// given, which leaves the group's membership unmanaged.
#[derive(Default)]
struct Wanted {
    ids: Option<Vec<String>>,
    /// The line that first wants each, for the warning about a second.
    first_line: HashMap<String, u32>,
}

impl Wanted {
    /// The `members` list. One listed twice there is warned about: the
    /// file's author wrote it twice, unlike in an exported members_file.
    fn listed(&mut self, ids: &Ids, ctx: &mut Ctx, list: &[(String, u32)]) {
        let out = self.ids.get_or_insert_with(Vec::new);
        for (raw, l) in list {
            let Some(id) = ids.person(ctx, raw, ctx.at(*l), "members") else {
                continue;
            };
            match self.first_line.get(&id) {
                Some(first) => {
                    let d = Diagnostic::warning(
                        ctx.at(*l),
                        format!("`{id}` is listed twice (first on line {first})"),
                    )
                    .field("members");
                    ctx.report(d);
                }
                None => {
                    self.first_line.insert(id.clone(), *l);
                    out.push(id);
                }
            }
        }
    }

    /// The `members_file` on line `l`, read relative to the desired-state
    /// file; `chat` lets an export of several groups give this one's.
    fn in_file(
        &mut self,
        ids: &Ids,
        ctx: &mut Ctx,
        (file, sheet): (&str, Option<&str>),
        l: u32,
        chat: Option<&str>,
    ) {
        let path = ctx.base.join(file);
        let shown = crate::input::display_name(&path);
        let out = self.ids.get_or_insert_with(Vec::new);
        let file_name: Arc<str> = Arc::from(shown.as_str());
        match members_file::read(&path, (&file_name, sheet), chat, ctx.max_size) {
            Ok(read) => {
                if read.is_empty() {
                    let d = Diagnostic::warning(ctx.at(l), format!("{shown} lists nobody"))
                        .field("members_file")
                        .hint("an empty members_file wants nobody but the owner and the instance; --max-removals stops a sync that would empty the group");
                    ctx.report(d);
                }
                for (found, at) in read {
                    let raw = match found {
                        Ok(raw) => raw,
                        // A workbook cell that cannot be an ID (a long
                        // number the spreadsheet may have changed).
                        Err(p) => {
                            let d = Diagnostic::error(Some(at), p.message)
                                .field("members_file")
                                .hint(p.hint);
                            ctx.report(d);
                            continue;
                        }
                    };
                    if let Some(id) = ids.person(ctx, &raw, Some(at), "members_file")
                        && !self.first_line.contains_key(&id)
                    {
                        self.first_line.insert(id.clone(), l);
                        out.push(id);
                    }
                }
            }
            Err(problem) => {
                let d = Diagnostic::error(ctx.at(l), format!("{shown}: {problem}"))
                    .field("members_file")
                    .hint(format!(
                        "members_file is read relative to the desired-state file's directory ({}): one ID per line, an export CSV (`greenbatch export`), or a workbook (its first sheet, or the one `members_sheet` names)",
                        crate::input::display_name(&ctx.base)
                    ));
                ctx.report(d);
            }
        }
    }
}

/// The wanted admins, each with its line, for the checks against the
/// members; one listed twice is warned about and kept once.
fn admins(ids: &Ids, ctx: &mut Ctx, list: Option<&Vec<(String, u32)>>) -> Vec<(String, u32)> {
    let mut admins: Vec<(String, u32)> = Vec::new();
    for (raw, l) in list.into_iter().flatten() {
        let Some(id) = ids.person(ctx, raw, ctx.at(*l), "admins") else {
            continue;
        };
        if let Some((_, first)) = admins.iter().find(|(a, _)| *a == id) {
            let d = Diagnostic::warning(
                ctx.at(*l),
                format!("`{id}` is listed twice (first on line {first})"),
            )
            .field("admins");
            ctx.report(d);
            continue;
        }
        admins.push((id, *l));
    }
    admins
}

/// The checks between the group's lists and flags, which only make sense
/// when every key had its right shape.
fn check_lists(
    ctx: &mut Ctx,
    wanted: &Wanted,
    admins: &[(String, u32)],
    remove_others: Option<(bool, u32)>,
) {
    if wanted.ids.is_some() {
        for (admin, l) in admins {
            if !wanted.first_line.contains_key(admin) {
                let d = Diagnostic::error(
                    ctx.at(*l),
                    format!("`{admin}` is a wanted admin but not a wanted member of this group"),
                )
                .field("admins")
                .hint("admins are members: add it to members (or members_file) too, or take it out of admins");
                ctx.report(d);
            }
        }
        // A protected participant the group does not want is no error:
        // `protect` means "leave alone", and the diff counts them so.
    } else if let Some((true, l)) = remove_others {
        let d = Diagnostic::error(
            ctx.at(l),
            "needs `members` or `members_file`: without them this group's membership is not managed, so nobody is unwanted",
        )
        .field("remove_others")
        .hint("list the wanted members, or take remove_others out");
        ctx.report(d);
    }
}

/// Reports a group listed a second time for the same instance: two
/// entries would plan the group twice, each against the other's wishes.
fn listed_once(ctx: &mut Ctx, resolved_name: &Arc<str>, chat: &str, line: u32) {
    let key = (resolved_name.clone(), chat.to_owned());
    match ctx.seen.get(&key) {
        Some(first) => {
            let d = Diagnostic::error(
                ctx.at(line),
                format!(
                    "group `{chat}` of instance `{resolved_name}` is listed twice (first on line {first})"
                ),
            )
            .field("chat_id")
            .hint("merge the two entries into one");
            ctx.report(d);
        }
        None => {
            ctx.seen.insert(key, line);
        }
    }
}

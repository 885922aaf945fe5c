//! Groups as they are, written out: the export CSV (`instance,chat_id,
//! participant_id,role`) and a desired-state file that describes each group
//! exactly, so that a sync of it changes nothing.
//!
//! A member the list shows only by a linked ID appears by that ID. IDs
//! that are not person IDs of the group's platform (a server can answer
//! anything) are left out and counted: a desired-state file holding them
//! would not validate, and a spreadsheet must not run them as formulas.
//! CSV cells go through [`cell`], as results-file cells do.

use std::io::{self, Write};

use crate::greenapi::ids::{self, IdKind};
use crate::greenapi::{Action, Platform};
use crate::runner::live::GroupState;
use crate::runner::live::predict::{Goal, Listed};
use crate::sanitise::{cell, escaped};

/// The export CSV's header, exactly.
pub(crate) const CSV_HEADER: &str = "instance,chat_id,participant_id,role";

/// One group read for export.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exported<'a> {
    pub instance: &'a str,
    pub platform: Platform,
    pub chat_id: &'a str,
    /// The subject, when `getContacts` told it.
    pub subject: Option<&'a str>,
    pub state: &'a GroupState,
}

/// A member's role: `owner`, `admin` or `member`.
pub(crate) fn role(m: &Listed<'_>) -> &'static str {
    if m.owner {
        "owner"
    } else if m.admin {
        "admin"
    } else {
        "member"
    }
}

/// The instance's role in the group (`owner`, `admin`, `member`, or
/// `none` when the list proves it is not a member); `None` when its own
/// number is unknown or the list cannot tell.
pub(crate) fn instance_role(state: &GroupState) -> Option<&'static str> {
    let own = state.own()?;
    if let Some(m) = state.listed().find(|m| m.names.iter().any(|n| n == own)) {
        return Some(role(&m));
    }
    matches!(state.goal(Action::Add, own), Goal::Not(_)).then_some("none")
}

/// The owner's ID as the list shows them, or as the answer names them.
pub(crate) fn owner_id(state: &GroupState) -> Option<&str> {
    state
        .listed()
        .find(|m| m.owner)
        .map(|m| m.id())
        .or(state.owner())
}

impl Exported<'_> {
    /// The members with usable IDs and their roles, in list order, and how
    /// many were left out.
    pub(crate) fn members(&self) -> (Vec<(&str, &'static str)>, usize) {
        let mut out = Vec::new();
        let mut bad = 0;
        for m in self.state.listed() {
            let id = m.id();
            if ids::kind_of(self.platform, id) == Some(IdKind::Person) {
                out.push((id, role(&m)));
            } else {
                bad += 1;
            }
        }
        (out, bad)
    }
}

/// Writes the export CSV of `groups`, header first.
pub(crate) fn write_csv(out: &mut dyn Write, groups: &[Exported<'_>]) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(&mut *out);
    w.write_record(CSV_HEADER.split(','))?;
    for g in groups {
        let (instance, chat) = (cell(g.instance), cell(g.chat_id));
        for (id, role) in g.members().0 {
            w.write_record([&*instance, &*chat, &*cell(id), role])?;
        }
    }
    w.flush()
}

/// Writes a desired-state file that describes `groups` as they are;
/// `when` (RFC 3339) says when they were read.
pub(crate) fn write_yaml(
    out: &mut dyn Write,
    groups: &[Exported<'_>],
    when: &str,
) -> io::Result<()> {
    writeln!(
        out,
        "# Written by `greenbatch export` at {when}: each group as it was then."
    )?;
    writeln!(
        out,
        "# `greenbatch sync` of this file changes nothing. Edit `members` and `admins`"
    )?;
    writeln!(
        out,
        "# to say who may be in each group and who should administer it: with"
    )?;
    writeln!(
        out,
        "# remove_others and demote_others, a sync removes and demotes everyone else."
    )?;
    writeln!(out, "groups:")?;
    for g in groups {
        let (members, _) = g.members();
        write!(out, "  - chat_id: {}", quoted(g.chat_id))?;
        match g.subject.filter(|s| !s.is_empty()) {
            Some(subject) => writeln!(out, "   # {}", escaped(subject))?,
            None => writeln!(out)?,
        }
        writeln!(out, "    instance: {}", quoted(g.instance))?;
        let (count, listed) = (g.state.member_count(), g.state.listed_count());
        if count > listed {
            writeln!(
                out,
                "    # the group has {count} members but its list showed {listed}: those not listed are not here, and a sync leaves them alone"
            )?;
        }
        match members.is_empty() {
            true => writeln!(out, "    members: []")?,
            false => writeln!(out, "    members:")?,
        }
        for (id, role) in &members {
            match *role {
                "member" => writeln!(out, "      - {}", quoted(id))?,
                role => writeln!(out, "      - {}   # {role}", quoted(id))?,
            }
        }
        let admins: Vec<&str> = members
            .iter()
            .filter(|(_, role)| *role != "member")
            .map(|(id, _)| *id)
            .collect();
        match admins.is_empty() {
            true => writeln!(out, "    admins: []")?,
            false => {
                writeln!(out, "    admins:")?;
                for id in admins {
                    writeln!(out, "      - {}", quoted(id))?;
                }
            }
        }
        writeln!(out, "    remove_others: true")?;
        writeln!(out, "    demote_others: true")?;
    }
    Ok(())
}

/// A YAML double-quoted scalar: JSON's string escapes are YAML's too.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::greenapi::response::{GroupData, Participant};

    fn state() -> GroupState {
        let p = |id: &str, lid: Option<&str>, admin: bool, owner: bool| Participant {
            id: id.into(),
            lid: lid.map(str::to_owned),
            is_admin: admin,
            is_super_admin: owner,
        };
        let data = GroupData {
            group_id: "1@g.us".into(),
            owner: "79000000000@c.us".into(),
            participants: vec![
                p("79000000000@c.us", None, true, true),
                p("79000000001@c.us", Some("100000000000001@lid"), true, false),
                p(
                    "100000000000002@lid",
                    Some("100000000000002@lid"),
                    false,
                    false,
                ),
                p("=HYPERLINK(\"x\")", None, false, false),
                p("79000000003@c.us", None, false, false),
            ],
            size: Some(6),
            ..GroupData::default()
        };
        GroupState::new(&data, Some("79000000001@c.us"))
    }

    #[test]
    fn the_csv_has_the_exact_header_and_a_row_per_usable_member() {
        let s = state();
        let g = Exported {
            instance: "default",
            platform: Platform::WhatsApp,
            chat_id: "1@g.us",
            subject: Some("Market"),
            state: &s,
        };
        assert_eq!(g.members().1, 1, "the formula is left out");
        let max = GroupState::new(
            &GroupData {
                group_id: "-100".into(),
                participants: vec![Participant {
                    id: "10000000".into(),
                    ..Participant::default()
                }],
                ..GroupData::default()
            },
            None,
        );
        let m = Exported {
            instance: "max-main",
            platform: Platform::Max,
            chat_id: "-100",
            subject: None,
            state: &max,
        };
        let mut out = Vec::new();
        write_csv(&mut out, &[g, m]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "instance,chat_id,participant_id,role\n\
             default,1@g.us,79000000000@c.us,owner\n\
             default,1@g.us,79000000001@c.us,admin\n\
             default,1@g.us,100000000000002@lid,member\n\
             default,1@g.us,79000000003@c.us,member\n\
             max-main,'-100,10000000,member\n"
        );
    }

    #[test]
    fn the_instance_s_role_and_the_owner() {
        let s = state();
        assert_eq!(instance_role(&s), Some("admin"));
        assert_eq!(owner_id(&s), Some("79000000000@c.us"));
        let data = GroupData {
            group_id: "1@g.us".into(),
            participants: vec![Participant {
                id: "79000000005@c.us".into(),
                ..Participant::default()
            }],
            ..GroupData::default()
        };
        assert_eq!(
            instance_role(&GroupState::new(&data, Some("79000000009@c.us"))),
            Some("none")
        );
        assert_eq!(
            instance_role(&GroupState::new(&data, None)),
            None,
            "own number unknown"
        );
        assert_eq!(instance_role(&s), Some("admin"));
        // Not listed, but the list is short: it cannot tell.
        let short = GroupData {
            size: Some(5),
            ..data
        };
        assert_eq!(
            instance_role(&GroupState::new(&short, Some("79000000009@c.us"))),
            None
        );
    }

    #[test]
    fn the_yaml_is_a_desired_state_that_validates() {
        let s = state();
        let g = Exported {
            instance: "default",
            platform: Platform::WhatsApp,
            chat_id: "120363043968066561@g.us",
            subject: Some("Market\n\u{1b}[2Jgroups: []"),
            state: &s,
        };
        let mut out = Vec::new();
        write_yaml(&mut out, &[g], "2025-01-01T00:00:00Z").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("# Market\\u{a}\\u{1b}[2Jgroups: []\n"),
            "{text}"
        );
        assert!(
            text.contains("has 6 members but its list showed 5"),
            "{text}"
        );
        let env = |k: &str| match k {
            "GREEN_API_URL" => Some("http://127.0.0.1:9".into()),
            "GREEN_API_ID_INSTANCE" => Some("1".into()),
            "GREEN_API_PLATFORM" => Some("whatsapp".into()),
            _ => None,
        };
        let loaded =
            crate::desired::load_bytes("x.yaml", text.as_bytes(), std::path::Path::new("."), &env)
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let group = &loaded.state.groups[0];
        assert_eq!(group.members.as_ref().unwrap().len(), 4);
        assert_eq!(group.admins, ["79000000000@c.us", "79000000001@c.us"]);
        let changes = crate::desired::diff(group, &s, &loaded.state.protect);
        assert!(changes.is_empty(), "{changes:?}");
        assert!(changes.linked_only.is_empty());
        assert_eq!(changes.unusable, ["=HYPERLINK(\"x\")"], "left alone");
    }
}

//! `getContacts`' answer (`GREEN-API.md` §6): the chats an instance knows,
//! `[{"id": "…@g.us", "name": "Group subject", "contactName": "", "type":
//! "group"}, …]`, read leniently, and the groups among them.
//!
//! The list can lag by minutes after a change, and an empty one may mean
//! "not loaded yet"; on MAX it may hold no groups at all (*unconfirmed*).
//! So what it says is a listing for people, never proof that an instance is
//! not in a group.

use serde::Deserialize;

use super::Platform;
use super::ids::{self, IdKind};

/// One chat of `getContacts`' answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct Contact {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, rename = "contactName", deserialize_with = "text")]
    pub contact_name: String,
    /// `user` or `group`.
    #[serde(default, rename = "type", deserialize_with = "text")]
    pub kind: String,
}

/// A group the instance knows, with its subject (empty when not given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownGroup {
    pub id: String,
    pub subject: String,
}

/// Reads a 200 answer of `getContacts`: a JSON array of chats. Entries that
/// are not objects are skipped; anything but an array is an error.
pub(crate) fn parse_contacts(body: &[u8]) -> Result<Vec<Contact>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "the contact list is not JSON".to_owned())?;
    let serde_json::Value::Array(items) = value else {
        let error = value.get("error").and_then(|e| e.as_str()).unwrap_or("");
        return Err(match error {
            "" => "the contact list is not a list".to_owned(),
            e => format!("the contact list could not be read ({e})"),
        });
    };
    Ok(items
        .into_iter()
        .filter(serde_json::Value::is_object)
        .filter_map(|item| serde_json::from_value(item).ok())
        .collect())
}

/// The groups of `platform` among `contacts`, in the answer's order, once
/// each, and how many entries looked like groups but had an ID that is not
/// a group ID of that platform (they are left out: nothing could read them).
pub(crate) fn groups(platform: Platform, contacts: &[Contact]) -> (Vec<KnownGroup>, usize) {
    let mut out: Vec<KnownGroup> = Vec::new();
    let mut bad = 0;
    for c in contacts {
        let id = c.id.trim();
        let is_group = ids::kind_of(platform, id) == Some(IdKind::Group);
        match c.kind.as_str() {
            "group" | "" if is_group => {}
            "group" => {
                bad += 1;
                continue;
            }
            _ => continue,
        }
        if out.iter().any(|g| g.id == id) {
            continue;
        }
        let subject = if c.name.is_empty() {
            &c.contact_name
        } else {
            &c.name
        };
        out.push(KnownGroup {
            id: id.to_owned(),
            subject: subject.clone(),
        });
    }
    (out, bad)
}

/// A string, or a number as text; anything else is empty.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_shape_leniently() {
        let body = br#"[
            {"id": "120363043968066561@g.us", "name": "Market", "contactName": "", "type": "group"},
            {"id": "79001234565@c.us", "name": "Ann", "type": "user"},
            {"id": "120363043968066561@g.us", "name": "again", "type": "group"},
            {"id": "79876543210-1587570015@g.us", "contactName": "Old friends"},
            {"id": "not-a-group", "name": "odd", "type": "group"},
            {"id": 5, "name": null, "type": "group"},
            "junk"
        ]"#;
        let contacts = parse_contacts(body).unwrap();
        assert_eq!(contacts.len(), 6);
        let (groups, bad) = groups(Platform::WhatsApp, &contacts);
        assert_eq!(
            groups,
            vec![
                KnownGroup {
                    id: "120363043968066561@g.us".into(),
                    subject: "Market".into()
                },
                KnownGroup {
                    id: "79876543210-1587570015@g.us".into(),
                    subject: "Old friends".into()
                },
            ]
        );
        assert_eq!(bad, 2, "two entries of type group with unusable IDs");
    }

    #[test]
    fn max_groups_are_negative_ids_and_errors_are_errors() {
        let contacts =
            parse_contacts(br#"[{"id": -10000000000000, "name": "Chat", "type": "group"}]"#)
                .unwrap();
        let (groups, _) = groups(Platform::Max, &contacts);
        assert_eq!(groups[0].id, "-10000000000000");
        assert!(
            parse_contacts(br#"{"error": "not loaded"}"#)
                .unwrap_err()
                .contains("not loaded")
        );
        assert!(parse_contacts(b"<html>").is_err());
        assert_eq!(parse_contacts(b"[]").unwrap(), vec![]);
    }
}

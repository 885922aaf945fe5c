//! The emulated world: instances and groups, and how each participant method
//! changes a group, row by row as `GREEN-API.md` documents the answers.
//!
//! Everything here is synchronous and free of HTTP: the server validates a
//! request, then asks the world for the answer and whether the state changed.
//!
//! WhatsApp members have a number and a linked ID (`…@lid`); either names
//! them in a request. A group may *hide* a member's number (`getGroupData`
//! lists them by the linked ID alone, as groups that hide numbers do) or
//! leave a member out of the list altogether (the list is then shorter than
//! `size`, which counts every member), as `GREEN-API.md` §6 reports.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use super::schema::InstanceState;
use crate::greenapi::{Method, Platform};

/// One instance as the sandbox keeps it.
#[derive(Debug, Clone)]
pub(crate) struct SandboxInstance {
    pub id: String,
    pub token: String,
    pub platform: Platform,
    pub state: InstanceState,
    pub wid: String,
    pub contacts: Option<HashSet<String>>,
    pub quota: Option<u64>,
    pub rates: HashMap<Method, u32>,
}

/// How `getGroupData` lists a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Listing {
    /// By number, with the linked ID beside it.
    #[default]
    Shown,
    /// By linked ID alone: the number is hidden.
    Hidden,
    /// Not at all (but counted in `size`).
    Unlisted,
}

#[derive(Debug, Clone)]
struct Member {
    admin: bool,
    order: u64,
    /// The linked ID (WhatsApp only).
    lid: Option<String>,
    listing: Listing,
}

/// One group; members keep the order they joined in.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: String,
    pub platform: Platform,
    pub subject: String,
    pub owner: String,
    /// Keyed by number (the canonical ID).
    members: HashMap<String, Member>,
    /// Linked ID to number, for members that have one.
    lids: HashMap<String, String>,
    next_order: u64,
}

impl Group {
    pub(crate) fn new(id: String, platform: Platform, subject: String, owner: String) -> Group {
        Group {
            id,
            platform,
            subject,
            owner,
            members: HashMap::new(),
            lids: HashMap::new(),
            next_order: 0,
        }
    }

    /// Adds a member shown by number (with a linked ID on WhatsApp); false
    /// when already one.
    pub(crate) fn insert(&mut self, id: &str, admin: bool) -> bool {
        let lid = (self.platform == Platform::WhatsApp).then(|| linked_id(id));
        self.insert_listed(id, admin, lid, Listing::Shown)
    }

    /// Adds a member with its linked ID and listing; false when already one.
    pub(crate) fn insert_listed(
        &mut self,
        id: &str,
        admin: bool,
        lid: Option<String>,
        listing: Listing,
    ) -> bool {
        if self.members.contains_key(id) {
            return false;
        }
        let order = self.next_order;
        self.next_order += 1;
        if let Some(lid) = &lid {
            self.lids.insert(lid.clone(), id.to_owned());
        }
        self.members.insert(
            id.to_owned(),
            Member {
                admin,
                order,
                lid,
                listing,
            },
        );
        true
    }

    /// The number of the member `who` names (by number or linked ID).
    fn resolve<'a>(&'a self, who: &'a str) -> &'a str {
        self.lids.get(who).map_or(who, String::as_str)
    }

    fn remove(&mut self, id: &str) -> bool {
        match self.members.remove(id) {
            Some(m) => {
                if let Some(lid) = m.lid {
                    self.lids.remove(&lid);
                }
                true
            }
            None => false,
        }
    }

    fn is_admin(&self, id: &str) -> bool {
        self.members.get(id).is_some_and(|m| m.admin)
    }

    /// Members in joining order, with their admin flag.
    pub(crate) fn members(&self) -> Vec<(&str, bool)> {
        self.roster()
            .into_iter()
            .map(|(id, m)| (id, m.admin))
            .collect()
    }

    /// Members in joining order, with their linked ID and listing.
    pub(crate) fn members_listed(&self) -> Vec<(&str, bool, Option<&str>, Listing)> {
        self.roster()
            .into_iter()
            .map(|(id, m)| (id, m.admin, m.lid.as_deref(), m.listing))
            .collect()
    }

    fn roster(&self) -> Vec<(&str, &Member)> {
        let mut all: Vec<_> = self
            .members
            .iter()
            .map(|(id, m)| (id.as_str(), m))
            .collect();
        all.sort_by_key(|(_, m)| m.order);
        all
    }
}

/// The linked ID the sandbox gives a WhatsApp number that the state file
/// gives none: 15 digits derived from the number, the same in every run.
pub(super) fn linked_id(number: &str) -> String {
    let n = xxhash_rust::xxh3::xxh3_64(number.as_bytes()) % 900_000_000_000_000;
    format!("{}@lid", 100_000_000_000_000 + n)
}

/// A participant method's answer and whether it changed a group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub body: Value,
    pub changed: bool,
}

/// All instances and groups.
#[derive(Debug, Clone, Default)]
pub(crate) struct World {
    pub instances: BTreeMap<String, SandboxInstance>,
    pub groups: BTreeMap<(Platform, String), Group>,
    /// Every linked ID the state gives, to its number.
    pub persons: HashMap<String, String>,
}

const FAILED_TO_SET: &str = "failed to set group admin";
const NOT_ADMIN: &str = "you have to be group admin to change settings";
const NOT_FOUND: &str = "participant not found";

impl World {
    /// Runs one of the four participant methods for `instance`, whose
    /// existence the caller checked. State changes only on a `true` answer.
    pub(crate) fn act(&mut self, instance: &str, method: Method, group: &str, who: &str) -> Answer {
        let inst = &self.instances[instance];
        let (platform, wid) = (inst.platform, inst.wid.clone());
        // A linked ID names the person it belongs to, here or in any group.
        let known_lid = self.persons.get(who).cloned();
        let group = self.groups.get_mut(&(platform, group.to_owned()));
        let who = match (&group, &known_lid) {
            (Some(g), _) if g.lids.contains_key(who) => g.resolve(who).to_owned(),
            (_, Some(number)) => number.clone(),
            _ => who.to_owned(),
        };
        let who = who.as_str();
        let contact = inst.contacts.as_ref().is_none_or(|c| c.contains(who));
        let refuse = |error: Option<&str>| Answer {
            body: flag(method, false, error),
            changed: false,
        };
        let Some(group) = group else {
            return refuse((method == Method::SetGroupAdmin).then_some(FAILED_TO_SET));
        };
        let we_moderate = group.is_admin(&wid);
        let member = group.members.get(who).map(|m| m.admin);
        // The owner (isSuperAdmin) cannot be removed or demoted, and the
        // instance does not remove or demote itself: the real service refuses.
        let protected = who == group.owner || who == wid;
        let changed = match method {
            Method::RemoveGroupParticipant => {
                we_moderate && member.is_some() && !protected && group.remove(who)
            }
            Method::AddGroupParticipant => {
                // A linked ID nobody has is nobody: not addable.
                let someone = !super::spec::is_lid(who);
                we_moderate && member.is_none() && contact && someone && group.insert(who, false)
            }
            Method::SetGroupAdmin => {
                let error = match member {
                    _ if !we_moderate => Some(NOT_ADMIN),
                    None => Some(NOT_FOUND),
                    Some(true) => Some(FAILED_TO_SET),
                    Some(false) => None,
                };
                if error.is_some() {
                    return refuse(error);
                }
                set_admin(group, who, true)
            }
            Method::RemoveAdmin => {
                if member.is_none() {
                    // MAX names the reason; WhatsApp answers a bare false.
                    return refuse((platform == Platform::Max).then_some(NOT_FOUND));
                }
                we_moderate && member == Some(true) && !protected && set_admin(group, who, false)
            }
            Method::GetGroupData
            | Method::GetStateInstance
            | Method::GetSettings
            | Method::GetContacts
            | Method::SendMessage => {
                unreachable!("not a participant method")
            }
        };
        Answer {
            body: flag(method, changed, None),
            changed,
        }
    }

    /// `getGroupData`'s answer. An unknown group answers 200 with
    /// `{"error": "item-not-found"}`, the WhatsApp error name for a missing
    /// group, so a lenient parser sees a group without participants and a
    /// strict one sees the error.
    pub(crate) fn group_data(&self, instance: &str, group: &str) -> Value {
        let inst = &self.instances[instance];
        let Some(g) = self.groups.get(&(inst.platform, group.to_owned())) else {
            return json!({ "error": "item-not-found" });
        };
        let id_key = match inst.platform {
            Platform::WhatsApp => "id",
            Platform::Max => "chatId",
        };
        let listed = g.members_listed();
        let hidden = |id: &str| {
            listed
                .iter()
                .find(|(n, ..)| *n == id)
                .and_then(|(_, _, lid, listing)| {
                    (*listing == Listing::Hidden).then_some(*lid).flatten()
                })
        };
        let participants: Vec<Value> = listed
            .iter()
            .filter(|(.., listing)| *listing != Listing::Unlisted)
            .map(|(id, admin, lid, listing)| {
                let owner = *id == g.owner;
                match (inst.platform, lid, listing) {
                    (Platform::Max, ..) => {
                        json!({ id_key: id, "isAdmin": admin, "isSuperAdmin": owner })
                    }
                    (Platform::WhatsApp, Some(lid), Listing::Hidden) => {
                        json!({ "id": lid, "lid": lid, "isAdmin": admin, "isSuperAdmin": owner })
                    }
                    (Platform::WhatsApp, Some(lid), _) => {
                        json!({ "id": id, "lid": lid, "isAdmin": admin, "isSuperAdmin": owner })
                    }
                    (Platform::WhatsApp, None, _) => {
                        json!({ "id": id, "isAdmin": admin, "isSuperAdmin": owner })
                    }
                }
            })
            .collect();
        // A hidden owner is named by the linked ID there too.
        let owner = hidden(&g.owner).unwrap_or(&g.owner).to_owned();
        let size = listed.len();
        match inst.platform {
            Platform::WhatsApp => {
                let link = if g.is_admin(&inst.wid) {
                    format!(
                        "https://chat.whatsapp.com/{:016x}",
                        xxhash_rust::xxh3::xxh3_64(g.id.as_bytes())
                    )
                } else {
                    String::new()
                };
                json!({
                    "groupId": g.id, "owner": owner, "subject": g.subject,
                    "creation": 1757978420, "groupInviteLink": link,
                    "size": size, "participants": participants,
                })
            }
            Platform::Max => json!({
                "chatId": g.id, "owner": owner, "subject": g.subject,
                "size": size, "participants": participants,
            }),
        }
    }
}

fn set_admin(group: &mut Group, who: &str, admin: bool) -> bool {
    match group.members.get_mut(who) {
        Some(m) if m.admin != admin => {
            m.admin = admin;
            true
        }
        _ => false,
    }
}

/// `{"<flag>": ok}`, with `error` when given.
fn flag(method: Method, ok: bool, error: Option<&str>) -> Value {
    let name = super::spec::answer_flag(method).expect("a participant method");
    match error {
        Some(e) => json!({ name: ok, "error": e }),
        None => json!({ name: ok }),
    }
}

#[cfg(test)]
#[path = "world_tests.rs"]
mod tests;

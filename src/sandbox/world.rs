//! The emulated world: instances and groups, and how each participant method
//! changes a group, row by row as `GREEN-API.md` documents the answers.
//!
//! Everything here is synchronous and free of HTTP: the server validates a
//! request, then asks the world for the answer and whether the state changed.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use super::schema::InstanceState;
use crate::greenapi::{Method, Platform};

/// One instance as the sandbox keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub id: String,
    pub token: String,
    pub platform: Platform,
    pub state: InstanceState,
    pub wid: String,
    pub contacts: Option<HashSet<String>>,
    pub quota: Option<u64>,
    pub rates: HashMap<Method, u32>,
}

#[derive(Debug, Clone, Copy)]
struct Member {
    admin: bool,
    order: u64,
}

/// One group; members keep the order they joined in.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: String,
    pub platform: Platform,
    pub subject: String,
    pub owner: String,
    members: HashMap<String, Member>,
    next_order: u64,
}

impl Group {
    pub fn new(id: String, platform: Platform, subject: String, owner: String) -> Group {
        Group {
            id,
            platform,
            subject,
            owner,
            members: HashMap::new(),
            next_order: 0,
        }
    }

    /// Adds a member; false when already one.
    pub fn insert(&mut self, id: &str, admin: bool) -> bool {
        if self.members.contains_key(id) {
            return false;
        }
        let order = self.next_order;
        self.next_order += 1;
        self.members.insert(id.to_owned(), Member { admin, order });
        true
    }

    fn is_admin(&self, id: &str) -> bool {
        self.members.get(id).is_some_and(|m| m.admin)
    }

    /// Members in joining order, with their admin flag.
    pub fn members(&self) -> Vec<(&str, bool)> {
        let mut all: Vec<_> = self.members.iter().collect();
        all.sort_by_key(|(_, m)| m.order);
        all.into_iter()
            .map(|(id, m)| (id.as_str(), m.admin))
            .collect()
    }
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
    pub instances: BTreeMap<String, Instance>,
    pub groups: BTreeMap<(Platform, String), Group>,
}

const FAILED_TO_SET: &str = "failed to set group admin";
const NOT_ADMIN: &str = "you have to be group admin to change settings";
const NOT_FOUND: &str = "participant not found";

impl World {
    /// Runs one of the four participant methods for `instance`, whose
    /// existence the caller checked. State changes only on a `true` answer.
    pub fn act(&mut self, instance: &str, method: Method, group: &str, who: &str) -> Answer {
        let inst = &self.instances[instance];
        let (platform, wid) = (inst.platform, inst.wid.clone());
        let contact = inst.contacts.as_ref().is_none_or(|c| c.contains(who));
        let group = self.groups.get_mut(&(platform, group.to_owned()));
        let refuse = |error: Option<&str>| Answer {
            body: flag(method, false, error),
            changed: false,
        };
        let Some(group) = group else {
            return refuse((method == Method::SetGroupAdmin).then_some(FAILED_TO_SET));
        };
        let we_moderate = group.is_admin(&wid);
        let member = group.members.get(who).copied();
        // The owner (isSuperAdmin) cannot be removed or demoted, and the
        // instance does not remove or demote itself: the real service refuses.
        let protected = who == group.owner || who == wid;
        let changed = match method {
            Method::RemoveGroupParticipant => {
                we_moderate && member.is_some() && !protected && group.members.remove(who).is_some()
            }
            Method::AddGroupParticipant => {
                we_moderate && member.is_none() && contact && group.insert(who, false)
            }
            Method::SetGroupAdmin => {
                let error = match member {
                    _ if !we_moderate => Some(NOT_ADMIN),
                    None => Some(NOT_FOUND),
                    Some(m) if m.admin => Some(FAILED_TO_SET),
                    Some(_) => None,
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
                we_moderate
                    && member.is_some_and(|m| m.admin)
                    && !protected
                    && set_admin(group, who, false)
            }
            Method::GetGroupData | Method::GetStateInstance | Method::GetSettings => {
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
    pub fn group_data(&self, instance: &str, group: &str) -> Value {
        let inst = &self.instances[instance];
        let Some(g) = self.groups.get(&(inst.platform, group.to_owned())) else {
            return json!({ "error": "item-not-found" });
        };
        let id_key = match inst.platform {
            Platform::WhatsApp => "id",
            Platform::Max => "chatId",
        };
        let participants: Vec<Value> = g
            .members()
            .into_iter()
            .map(|(id, admin)| {
                json!({ id_key: id, "isAdmin": admin, "isSuperAdmin": id == g.owner })
            })
            .collect();
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
                    "groupId": g.id, "owner": g.owner, "subject": g.subject,
                    "creation": 1757978420, "groupInviteLink": link,
                    "size": participants.len(), "participants": participants,
                })
            }
            Platform::Max => json!({
                "chatId": g.id, "owner": g.owner, "subject": g.subject,
                "size": participants.len(), "participants": participants,
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
    let name = crate::greenapi::Action::ALL
        .into_iter()
        .find(|a| a.method() == method)
        .map(|a| a.answer_flag())
        .expect("a participant method");
    match error {
        Some(e) => json!({ name: ok, "error": e }),
        None => json!({ name: ok }),
    }
}

#[cfg(test)]
#[path = "world_tests.rs"]
mod tests;

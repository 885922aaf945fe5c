//! `getContacts` as the sandbox answers it: the chats an instance knows.
//! An instance knows every group of its platform it is a member of (named
//! by the group's subject, `type: group`) and, unless `group=true` asks for
//! groups only, the people of its `contacts` list (`type: user`). Groups
//! come in ID order, people after them, so answers are deterministic.

use serde_json::{Value, json};

use super::world::World;

impl World {
    /// The answer to `getContacts` for `instance` (which the caller checked).
    pub(crate) fn contacts(&self, instance: &str, groups_only: bool) -> Value {
        let inst = &self.instances[instance];
        let mut chats: Vec<Value> = self
            .groups
            .values()
            .filter(|g| g.platform == inst.platform)
            .filter(|g| g.members().iter().any(|(id, _)| *id == inst.wid))
            .map(|g| json!({ "id": g.id, "name": g.subject, "contactName": "", "type": "group" }))
            .collect();
        if !groups_only {
            let mut people: Vec<&String> = inst.contacts.iter().flatten().collect();
            people.sort();
            chats.extend(
                people
                    .into_iter()
                    .map(|id| json!({ "id": id, "name": "", "contactName": "", "type": "user" })),
            );
        }
        Value::Array(chats)
    }
}

#[cfg(test)]
mod tests {
    use crate::sandbox::SandboxConfig;

    #[test]
    fn an_instance_knows_the_groups_it_is_in_and_its_contacts() {
        let mut world = SandboxConfig::default_state().world;
        let ids = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let wa_main = world.contacts("1101000001", true);
        assert_eq!(
            ids(&wa_main),
            [
                "120363043968066561@g.us",
                "120363169960827018@g.us",
                "79876543210-1587570015@g.us"
            ]
        );
        assert_eq!(wa_main[0]["name"], "Neighbourhood market");
        assert_eq!(wa_main[0]["type"], "group");
        // wa-second is not in the legacy group; max-main only sees MAX groups.
        assert_eq!(ids(&world.contacts("1101000002", true)).len(), 2);
        assert_eq!(
            ids(&world.contacts("3100000001", true)),
            ["-10000000000000", "-10000000000001"]
        );
        let inst = world.instances.get_mut("1101000001").unwrap();
        inst.contacts = Some(["79001234599@c.us".to_owned()].into_iter().collect());
        let all = world.contacts("1101000001", false);
        assert_eq!(ids(&all).len(), 4);
        assert_eq!(all[3]["type"], "user");
        assert_eq!(ids(&world.contacts("1101000001", true)).len(), 3);
    }
}

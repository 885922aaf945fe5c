//! Groups named by their subjects in a review (`report --live`): results
//! files hold IDs only, so the subjects come from reads made for the
//! report, and are set here on every group and row that names the group.
//! A subject is shown as everywhere else a subject is
//! ([`crate::subjects::shown`]: escaped, clipped), so a group reads the same
//! in `groups`, a plan and a report; the formats then show
//! `Book club (120363…@g.us)` ([`crate::subjects::label`]) and escape it
//! for their own syntax.

use super::Review;
use crate::subjects::{self, Subjects};

impl Review {
    /// Sets the subject of each group `subjects` knows, in the groups and
    /// in the rows that need a person. The review's IDs are as shown, and
    /// a valid ID shows as itself, so they are looked up as they are.
    pub fn name_groups(&mut self, subjects: &Subjects) {
        let of = |chat: &str| subjects.get(chat).and_then(subjects::shown);
        for g in &mut self.by_group {
            g.subject = of(&g.chat_id);
        }
        for n in &mut self.needs_person {
            n.subject = of(&n.chat_id);
        }
    }
}

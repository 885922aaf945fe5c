//! Shared by the reliability tests (crash sweep, fault matrix): a sandbox
//! state with one big group, a manifest of `n` operations on it with one
//! operation per participant (so a participant names its operation in the
//! ledger and in the results), and the checks every scenario ends with.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use greenbatch::report::results::ResultRow;
use greenbatch::runner::Outcome;
use greenbatch::sandbox::{LedgerEntry, SandboxConfig, StateSnapshot};

use crate::support::WA_MAIN;

pub const GROUP: &str = "120363000000000777@g.us";
const WID: &str = "79990000001@c.us";
/// The default state's wa-main token: every job runs on WA_MAIN.
const TOKEN: &str = "937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9";

/// The participant of operation `i`: members for removals and promotions,
/// newcomers for additions.
pub fn participant(i: usize) -> String {
    match i % 3 {
        2 => format!("7900300{i:04}@c.us"),
        _ => format!("7900200{i:04}@c.us"),
    }
}

/// A state whose group holds every member the first `n` operations touch.
pub fn state(n: usize) -> SandboxConfig {
    let mut yaml = format!(
        "instances:\n  - id_instance: \"{WA_MAIN}\"\n    token: \"{TOKEN}\"\n    \
         platform: whatsapp\n    state: authorized\n    wid: \"{WID}\"\n\
         groups:\n  - id: \"{GROUP}\"\n    platform: whatsapp\n    owner: \"{WID}\"\n    \
         participants:\n      - \"{WID}\"\n"
    );
    for i in (0..n).filter(|i| i % 3 != 2) {
        yaml.push_str(&format!("      - \"{}\"\n", participant(i)));
    }
    SandboxConfig::from_yaml(&yaml)
        .expect("a valid state")
        .without_rate_limits()
}

/// `n` operations: remove, promote, add, remove, promote, add, ...
pub fn manifest(n: usize) -> String {
    let mut text = String::from("action,chat_id,participant_id\n");
    for i in 0..n {
        let action = ["remove", "promote", "add"][i % 3];
        text.push_str(&format!("{action},{GROUP},{}\n", participant(i)));
    }
    text
}

/// The participant a ledger entry acted on.
pub fn who(entry: &LedgerEntry) -> String {
    entry
        .field("participantChatId")
        .unwrap_or_default()
        .to_owned()
}

/// The participant methods' requests in `entries` (reads left out).
pub fn acts(entries: &[LedgerEntry]) -> Vec<LedgerEntry> {
    entries
        .iter()
        .filter(|e| e.field("participantChatId").is_some())
        .cloned()
        .collect()
}

/// Requests per participant in `entries`.
pub fn sends(entries: &[LedgerEntry]) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for e in entries {
        *map.entry(who(e)).or_insert(0) += 1;
    }
    map
}

/// The group's members and admins as sorted sets: joining order depends on
/// arrival order, which concurrency makes vary.
pub fn members(state: &StateSnapshot) -> (BTreeSet<String>, BTreeSet<String>) {
    let group = state.group(GROUP).expect("the group");
    let all = group.participants.iter().map(|p| p.id.clone()).collect();
    let admins = group
        .participants
        .iter()
        .filter(|p| p.admin)
        .map(|p| p.id.clone())
        .collect();
    (all, admins)
}

/// The state every complete run of the first `n` operations must leave.
pub fn expected_members(n: usize) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut all: BTreeSet<String> = [WID.to_owned()].into();
    let mut admins = all.clone();
    for i in 0..n {
        match i % 3 {
            0 => {}
            1 => {
                all.insert(participant(i));
                admins.insert(participant(i));
            }
            _ => {
                all.insert(participant(i));
            }
        }
    }
    (all, admins)
}

/// The rows of a results file that may end in a torn line: whole rows only.
pub fn whole_rows(path: &Path) -> Vec<ResultRow> {
    let Ok(text) = std::fs::read(path) else {
        return Vec::new();
    };
    let end = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut reader = csv::Reader::from_reader(&text[..end]);
    reader
        .records()
        .map(|r| ResultRow::from_record(&r.expect("whole row")).expect("valid row"))
        .collect()
}

/// Rows per participant, in file order.
pub fn by_participant(rows: &[ResultRow]) -> BTreeMap<String, Vec<Outcome>> {
    let mut map: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
    for r in rows {
        map.entry(r.participant_id.to_string())
            .or_default()
            .push(r.outcome);
    }
    map
}

/// Every one of the `n` operations has rows, and its last row is its one
/// final outcome: `done` or `already`, never a second settled row before it,
/// and never `rejected` (every operation here can be done, so a refusal would
/// be a `false` after a lost answer taken at its word). Returns how many
/// ended `already`: changes found made, by an answer lost or a row unwritten.
pub fn check_final_rows(rows: &[ResultRow], n: usize) -> usize {
    let map = by_participant(rows);
    assert_eq!(map.len(), n, "every operation has a row");
    let mut already = 0;
    for (p, outcomes) in &map {
        let settled = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Done | Outcome::Already | Outcome::Rejected))
            .count();
        assert_eq!(settled, 1, "{p}: exactly one final outcome: {outcomes:?}");
        match outcomes.last().unwrap() {
            Outcome::Done => {}
            Outcome::Already => already += 1,
            other => panic!("{p}: ended {other:?}: {outcomes:?}"),
        }
    }
    already
}

//! `greenbatch sync` against the sandbox, rule by rule (issue 11): the
//! operations computed for each combination of members, admins,
//! remove_others and demote_others; the owner, the instance itself and
//! `protect` never touched; members listed only by a linked ID never
//! removed unless the file names them; the mass-removal refusal and its
//! override; a dry run and a second sync sending nothing.

use std::path::{Path, PathBuf};

use greenbatch::sandbox::{SandboxConfig, SandboxHandle};

use crate::support::*;

pub const TOKEN: &str = "937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9";
const OWNER: &str = "79000000000@c.us";
const SELF: &str = "79990000001@c.us";
const A: &str = "79000000010@c.us"; // an admin
const M1: &str = "79000000011@c.us";
const M2: &str = "79000000012@c.us";
const M3: &str = "79000000013@c.us";
const M4: &str = "79000000014@c.us";
const PA: &str = "79000000016@c.us"; // a protected admin
const H: &str = "79000000017@c.us"; // listed by linked ID alone
const H_LID: &str = "100000000000017@lid";
const HA: &str = "79000000018@c.us"; // an admin listed by linked ID alone
const HA_LID: &str = "100000000000018@lid";
const N1: &str = "79000000020@c.us"; // wanted, not a member yet
const N2: &str = "79000000021@c.us";

/// The group of every case: owner, self (admin), admin A, members M1..M4,
/// protected admin PA; with `hidden`, two members whose numbers the list hides.
fn fixture_group(id: &str, hidden: bool) -> String {
    let mut g = format!(
        r#"  - id: "{id}"
    platform: whatsapp
    subject: "case {id}"
    owner: "{OWNER}"
    participants:
      - {{ id: "{OWNER}", admin: true }}
      - {{ id: "{SELF}", admin: true }}
      - {{ id: "{A}", admin: true }}
      - "{M1}"
      - "{M2}"
      - "{M3}"
      - "{M4}"
      - {{ id: "{PA}", admin: true }}
"#
    );
    if hidden {
        g.push_str(&format!(
            "      - {{ id: \"{H}\", lid: \"{H_LID}\", hidden: true }}\n      - {{ id: \"{HA}\", lid: \"{HA_LID}\", hidden: true, admin: true }}\n"
        ));
    }
    g
}

fn gid(k: usize) -> String {
    format!("1203630000000000{k:02}@g.us")
}

/// A sandbox (its documented limits on) with one instance, wa-main, and `groups`
/// cases; those from `hidden_from` on hide two members' numbers.
pub async fn fixture(groups: usize, hidden_from: usize) -> SandboxHandle {
    let mut state = format!(
        "instances:\n  - id_instance: \"{WA_MAIN}\"\n    token: \"{TOKEN}\"\n    platform: whatsapp\n    state: authorized\n    wid: \"{SELF}\"\ngroups:\n"
    );
    for k in 1..=groups {
        state.push_str(&fixture_group(&gid(k), k >= hidden_from));
    }
    sandbox(SandboxConfig::from_yaml(&state).unwrap()).await
}

/// Runs `greenbatch sync DESIRED ARGS` as `default` = wa-main, at the
/// default pace, as a user runs it.
pub async fn sync(sb: &SandboxHandle, desired: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["sync", desired.to_str().unwrap()];
    all.extend_from_slice(args);
    greenbatch(&all, &default_env(sb, WA_MAIN)).await
}

/// The files in `dir` whose names end with `suffix`, sorted.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    found.sort();
    found
}

/// The one operations manifest in `dir`, its rows without the header.
pub fn operations(dir: &Path) -> Vec<String> {
    let files = files_ending(dir, ".ops.csv");
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("action,chat_id,participant_id,instance"));
    lines.map(str::to_owned).collect()
}

fn row(action: &str, k: usize, who: &str) -> String {
    format!("{action},{},{who},default", gid(k))
}

/// Moderation requests with a sequence number from `since` on.
pub fn sent_since(sb: &SandboxHandle, since: u64) -> usize {
    sent(sb).iter().filter(|e| e.seq >= since).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_combination_computes_its_operations_and_leaves_owner_self_and_protect_alone() {
    let sb = fixture(12, 11).await;
    let dir = tempfile::tempdir().unwrap();
    let wanted = format!("[{M1}, {M2}, {PA}, {N1}]");
    let all = "remove_others: true\n    demote_others: true";
    let cases = [
        format!("members: {wanted}"),                          // 1 M
        format!("members: {wanted}\n    remove_others: true"), // 2 M R
        format!("admins: [{M1}]"),                             // 3 A
        format!("admins: [{M1}]\n    demote_others: true"),    // 4 A D
        format!("members: {wanted}\n    admins: [{M1}]"),      // 5 M A
        format!("members: {wanted}\n    admins: [{M1}]\n    remove_others: true"), // 6 M A R
        format!("members: {wanted}\n    admins: [{M1}]\n    demote_others: true"), // 7 M A D
        format!("members: {wanted}\n    admins: [{M1}]\n    {all}"), // 8 M A R D
        format!("members: {wanted}\n    demote_others: true"), // 9 M D
        format!("admins: [{N2}]"),                             // 10 A, not a member yet
        // 11: two members' numbers hidden: left alone, and N1 not added
        // (it may be one of them).
        format!("members: {wanted}\n    admins: [{M1}]\n    {all}"),
        // 12: the file names both hidden members: kept, and HA demoted.
        format!(
            "members: [{M1}, {M2}, {PA}, \"{H_LID}\", \"{HA_LID}\"]\n    admins: [{M1}]\n    {all}"
        ),
    ];
    let mut yaml = format!("protect: [{PA}]\ngroups:\n");
    for (k, case) in cases.iter().enumerate() {
        yaml.push_str(&format!("  - chat_id: {}\n    {case}\n", gid(k + 1)));
    }
    let desired = write(dir.path(), "desired.yaml", &yaml);

    // The dry run says whom it leaves alone, and sends nothing.
    let dry = sync(&sb, &desired, &["--dry-run", "--format", "json"]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    let listed = |k: usize, what: &str| -> Vec<String> {
        plan["groups"][k - 1][what]
            .as_array()
            .unwrap_or_else(|| panic!("case {k} {what}: {plan}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(listed(2, "left_alone_linked_only").is_empty());
    assert_eq!(listed(4, "left_alone_protected"), [PA], "never demoted");
    assert_eq!(listed(8, "left_alone_protected"), [PA]);
    assert_eq!(listed(11, "left_alone_linked_only"), [H_LID, HA_LID]);
    assert_eq!(listed(11, "not_added"), [N1]);
    assert!(listed(12, "left_alone_linked_only").is_empty());
    assert_eq!(sent(&sb).len(), 0, "a dry run sends nothing");
    assert!(
        files_ending(dir.path(), ".csv").is_empty(),
        "and writes nothing"
    );

    let out = sync(&sb, &desired, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "left alone: 2 members listed only by linked ID (name them by linked ID in the file to manage them): {H_LID}, {HA_LID}"
        )),
        "{text}"
    );
    let remove3 = |k| {
        vec![
            row("remove", k, A),
            row("remove", k, M3),
            row("remove", k, M4),
        ]
    };
    let expected: Vec<String> = [
        vec![row("add", 1, N1)],
        [remove3(2), vec![row("add", 2, N1)]].concat(),
        vec![row("promote", 3, M1)],
        vec![row("demote", 4, A), row("promote", 4, M1)],
        vec![row("add", 5, N1), row("promote", 5, M1)],
        [remove3(6), vec![row("add", 6, N1), row("promote", 6, M1)]].concat(),
        vec![
            row("demote", 7, A),
            row("add", 7, N1),
            row("promote", 7, M1),
        ],
        [remove3(8), vec![row("add", 8, N1), row("promote", 8, M1)]].concat(),
        vec![row("demote", 9, A), row("add", 9, N1)],
        vec![row("add", 10, N2), row("promote", 10, N2)],
        [remove3(11), vec![row("promote", 11, M1)]].concat(),
        [
            remove3(12),
            vec![row("demote", 12, HA_LID), row("promote", 12, M1)],
        ]
        .concat(),
    ]
    .concat();
    assert_eq!(operations(dir.path()), expected);
    let state = sb.state();
    for k in 1..=12 {
        let g = state.group(&gid(k)).unwrap();
        for who in [OWNER, SELF, PA] {
            assert!(g.is_admin(who), "case {k}: {who} is still an admin");
        }
        // The hidden members are in cases 11 and 12 alone: H stays, and HA
        // is demoted only where the file names it (12).
        assert_eq!(g.is_member(H), k >= 11, "case {k}: the hidden member stays");
        assert_eq!(g.is_member(HA), k >= 11, "case {k}: HA stays a member");
        assert_eq!(
            g.is_admin(HA),
            k == 11,
            "case {k}: HA demoted only when named"
        );
    }
    let moderation = sent(&sb);
    assert_eq!(moderation.len(), expected.len());
    assert!(
        moderation
            .iter()
            .all(|e| ![OWNER, SELF, PA, H, H_LID].contains(&e.field("participantChatId").unwrap())),
        "owner, self, protect and the unnamed hidden member are never sent"
    );

    // A second sync right after: nothing to change, nothing sent, exit 0.
    let before = sb.ledger_totals().requests;
    let files_before = std::fs::read_dir(dir.path()).unwrap().count();
    let again = sync(&sb, &desired, &[]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(sent_since(&sb, before), 0);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        files_before,
        "a sync that changes nothing writes no file (two empty ones a night, before)"
    );
    assert!(stdout(&again).contains("0 changes"), "{}", stdout(&again));
    assert!(stdout(&again).contains("no change: "), "{}", stdout(&again));
}

const G1: &str = "120363043968066561@g.us";
const G2: &str = "120363169960827018@g.us";

/// G1 of the default state wanting only its owner (wa-main), wa-second,
/// its admin 79001234560 and `keep` of the numbers 61..89; G2 adding one.
fn shrink(keep: usize) -> String {
    let kept: Vec<String> = (61..61 + keep)
        .map(|n| format!("790012345{n}@c.us"))
        .collect();
    format!(
        "groups:\n  - chat_id: {G1}\n    members: [79990000001@c.us, 79990000002@c.us, 79001234560@c.us, {}]\n    remove_others: true\n  - chat_id: {G2}\n    members: [79005550099@c.us]\n",
        kept.join(", ")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mass_removal_is_refused_for_every_group_until_the_limit_is_raised() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    // 32 members; 25 of 29 others kept: 4 removals, over 10 % (3).
    let desired = write(dir.path(), "nightly.yaml", &shrink(25));
    let out = sync(&sb, &desired, &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "default Neighbourhood market ({G1}): it would remove 4 of 32 members; --max-removals 10% allows 3 (10% of 32, at least 3)"
        )),
        "{err}"
    );
    assert!(err.contains("nothing was sent to any group"), "{err}");
    assert!(
        err.contains("--max-removals 4"),
        "the hint names the count: {err}"
    );
    assert_eq!(sent(&sb).len(), 0, "not even G2's add");
    assert!(
        files_ending(dir.path(), ".csv").is_empty(),
        "no job was started"
    );

    // Within the limit: through.
    let three = write(dir.path(), "three.yaml", &shrink(26));
    let out = sync(&sb, &three, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sent(&sb).len(), 4, "3 removals and G2's add");

    // Raised as a count or as a share, the bigger removal goes through.
    sb.reset();
    let refused = sync(&sb, &desired, &["--max-removals", "3"]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(sent(&sb).len(), 0);
    let out = sync(&sb, &desired, &["--max-removals", "4"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sb.state().group(G1).unwrap().participants.len(), 28);
    sb.reset();
    let share = write(dir.path(), "share.yaml", &shrink(0));
    let out = sync(&sb, &share, &["--max-removals", "95%"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sb.state().group(G1).unwrap().participants.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_shows_each_group_and_sends_nothing() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let desired = write(
        dir.path(),
        "d.yaml",
        &format!(
            "groups:\n  - chat_id: {G1}\n    members: [79990000001@c.us, 79990000002@c.us, 79001234560@c.us, {}]\n    admins: [79001234561@c.us]\n    remove_others: true\n    demote_others: true\n",
            (61..88)
                .map(|n| format!("790012345{n}@c.us"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let out = sync(&sb, &desired, &["--dry-run"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "d.yaml: what a sync would change (dry run: nothing is sent)",
        &format!(
            "default Neighbourhood market ({G1}) (32 members): 2 to remove, 2 to demote, 1 to promote"
        ),
        "  remove   79001234588@c.us",
        "  remove   79001234589@c.us",
        "  demote   79990000002@c.us",
        "  demote   79001234560@c.us",
        "  promote  79001234561@c.us",
        "1 group read, 5 changes",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    let json = sync(&sb, &desired, &["--dry-run", "--format", "json"]).await;
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["operations"], 5);
    assert_eq!(plan["refused"], false);
    assert_eq!(plan["groups"][0]["removal_limit"], 3);
    assert_eq!(
        plan["groups"][0]["remove"],
        serde_json::json!(["79001234588@c.us", "79001234589@c.us"])
    );
    let methods: Vec<String> = sb
        .ledger()
        .iter()
        .filter_map(|e| e.method.clone())
        .collect();
    assert!(
        methods
            .iter()
            .all(|m| ["getStateInstance", "getSettings", "getGroupData"].contains(&m.as_str())),
        "{methods:?}"
    );
    assert!(files_ending(dir.path(), ".csv").is_empty());
}

//! Ban lists in desired-state files (issue 22, part 3): the banned are
//! removed wherever the file manages the group (a `*` entry: every group
//! of its instance), prefixes spare admins, the owner, the instance itself,
//! protected members and members listed only by linked ID, and a second
//! sync sends nothing. Against the sandbox with its documented limits.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;
use crate::sync_rules::operations;

const G: &str = "120363000000000300@g.us";
const BOOK_CLUB: &str = "120363169960827018@g.us";
const OWNER: &str = "79000000300@c.us";
const PREFIX_ADMIN: &str = "2348011111111@c.us";
const PREFIX_MEMBER: &str = "2348022222222@c.us";
const PREFIX_PROTECTED: &str = "2348033333333@c.us";
const HIDDEN_LID: &str = "100000000000444@lid";
const BANNED: &str = "79005550001@c.us";
const BANNED_ADMIN: &str = "79000000302@c.us";
const KEPT: &str = "79000000303@c.us";

/// The default state and a group with an owner, an admin and members the
/// prefix `+23480*` matches (one protected, one hidden behind a linked ID).
/// The top-level ban's `79005550001` is in the Book club too.
fn state() -> SandboxConfig {
    let base = crate::support::DEFAULT_STATE.to_owned();
    let extra = format!(
        r#"  - id: "{G}"
    platform: whatsapp
    subject: "Banned people rejoin here"
    owner: "{OWNER}"
    participants:
      - {{ id: "{OWNER}", admin: true }}
      - {{ id: "79990000001@c.us", admin: true }}
      - {{ id: "{PREFIX_ADMIN}", admin: true }}
      - {{ id: "{BANNED_ADMIN}", admin: true }}
      - "{PREFIX_MEMBER}"
      - "{PREFIX_PROTECTED}"
      - {{ id: "2348044444444@c.us", lid: "{HIDDEN_LID}", hidden: true }}
      - "{BANNED}"
      - "{KEPT}"
"#
    );
    SandboxConfig::from_yaml(&format!("{base}{extra}")).unwrap()
}

fn desired() -> String {
    format!(
        r#"protect: [{PREFIX_PROTECTED}]
banned:
  - {BANNED}
  - "+23480*"
groups:
  - chat_id: "*"
  - chat_id: {G}
    banned: [{BANNED_ADMIN}, {OWNER}]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bans_remove_the_banned_everywhere_spare_whom_they_must_and_converge() {
    let sb = sandbox(state()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nightly.yaml", &desired());
    let file = path.to_str().unwrap();
    let env = default_env(&sb, WA_MAIN);

    let dry = greenbatch(&["sync", "--dry-run", file, "--progress", "never"], &env).await;
    let shown = stdout(&dry);
    assert_eq!(dry.status.code(), Some(0), "{shown}\n{}", stderr(&dry));
    for line in [
        format!("default Banned people rejoin here ({G}) (9 members): 3 to remove"),
        format!("  remove   {BANNED_ADMIN}  (banned: line 8)"),
        format!("  remove   {PREFIX_MEMBER}  (banned: +23480*, line 4)"),
        format!("  remove   {BANNED}  (banned: line 3)"),
        format!("  left alone: the owner matching {OWNER} (line 8): {OWNER}"),
        format!("  left alone: 1 admin matching +23480* (line 4): {PREFIX_ADMIN}"),
        format!("  left alone: 1 protected member matching +23480* (line 4): {PREFIX_PROTECTED}"),
        format!(
            "  left alone: 1 member listed only by linked ID whom no number or prefix of the ban list can match: {HIDDEN_LID}"
        ),
        format!("default Book club ({BOOK_CLUB}) (23 members): 1 to remove"),
        format!("  remove   {BANNED}  (banned: line 3)"),
    ] {
        assert!(shown.contains(&line), "{line}\n{shown}");
    }
    assert!(sent(&sb).is_empty(), "a dry run sends nothing");

    let json = greenbatch(
        &[
            "sync",
            "--dry-run",
            file,
            "--format",
            "json",
            "--progress",
            "never",
        ],
        &env,
    )
    .await;
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let g = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["chat_id"] == G)
        .expect("the group");
    assert_eq!(g["banned"][1]["participant"], PREFIX_MEMBER, "{g}");
    assert_eq!(g["banned"][1]["rule"], "+23480*", "{g}");
    assert_eq!(g["banned"][1]["line"], 4, "{g}");
    let reasons: Vec<&str> = g["left_alone_banned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["owner", "admin", "protected", "linked_only"],
        "{g}"
    );
    let clean = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["chat_id"] == "120363043968066561@g.us")
        .expect("the market");
    assert!(
        clean.get("banned").is_none(),
        "no field without bans: {clean}"
    );

    let out = greenbatch(&["sync", file, "--progress", "never"], &env).await;
    let said = format!("{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{said}");
    let state = sb.state();
    let group = state.group(G).cloned().expect("G");
    for gone in [BANNED_ADMIN, PREFIX_MEMBER, BANNED] {
        assert!(!group.is_member(gone), "{gone}: {said}");
    }
    for kept in [
        OWNER,
        PREFIX_ADMIN,
        PREFIX_PROTECTED,
        KEPT,
        "79990000001@c.us",
    ] {
        assert!(group.is_member(kept), "{kept}: {said}");
    }
    assert!(!state.group(BOOK_CLUB).unwrap().is_member(BANNED), "{said}");
    let mut ops = operations(dir.path());
    ops.sort();
    assert_eq!(
        ops,
        [
            format!("remove,{G},{PREFIX_MEMBER},default"),
            format!("remove,{G},{BANNED_ADMIN},default"),
            format!("remove,{G},{BANNED},default"),
            format!("remove,{BOOK_CLUB},{BANNED},default"),
        ],
        "the audit names the real groups, not `*`"
    );

    let before = sent(&sb).len();
    let again = greenbatch(&["sync", file, "--progress", "never"], &env).await;
    let said = format!("{}\n{}", stdout(&again), stderr(&again));
    assert_eq!(again.status.code(), Some(0), "{said}");
    assert_eq!(
        sent(&sb).len(),
        before,
        "a second sync sends nothing: {said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_max_a_star_entry_removes_by_id_and_a_top_level_prefix_matches_nobody() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let (instances, mut env) = three_instances(dir.path(), &sb, None);
    env.push(("GREEN_API_URL".into(), sb.api_url()));
    let path = write(
        dir.path(),
        "max.yaml",
        "instance: max-main\nbanned: [\"+1000*\", \"10000003\"]\ngroups:\n  - chat_id: \"*\"\n",
    );
    let args = [
        "sync",
        path.to_str().unwrap(),
        "--instances",
        instances.to_str().unwrap(),
        "--progress",
        "never",
    ];
    let out = greenbatch(&args, &env).await;
    let said = format!("{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{said}");
    let removed: Vec<String> = sent(&sb)
        .iter()
        .map(|e| e.body["participantChatId"].to_string())
        .collect();
    assert_eq!(removed, ["\"10000003\""], "{said}");
    let group = sb.state().group("-10000000000000").cloned().unwrap();
    assert!(
        group.is_member("10000000"),
        "the prefix never matches on MAX"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_entry_whose_instance_lists_no_groups_is_an_error_naming_it() {
    let base = crate::support::DEFAULT_STATE.to_owned();
    // A MAX instance in no group: getContacts lists nothing, as on MAX.
    let lonely = "  - id_instance: \"3100000002\"\n    token: \"0123456789abcdef0123456789abcdef0123456789abcdef01\"\n    platform: max\n    state: authorized\n    wid: \"39888799\"\ngroups:\n";
    let config = SandboxConfig::from_yaml(&base.replacen("groups:\n", lonely, 1)).unwrap();
    let sb = sandbox(config).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "max.yaml",
        "banned: [\"10000003\"]\ngroups:\n  - chat_id: \"*\"\n",
    );
    let env = default_env(&sb, "3100000002");
    let file = path.to_str().unwrap();
    let dry = greenbatch(&["sync", "--dry-run", file, "--progress", "never"], &env).await;
    assert_eq!(dry.status.code(), Some(3), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("default *: not read: getContacts lists no groups of instance `default`: on MAX it may not list groups at all (unconfirmed)"),
        "{}",
        stdout(&dry)
    );
    let out = greenbatch(&["sync", file, "--progress", "never"], &env).await;
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(
        said.contains("max.yaml:3: the `*` entry of instance `default` syncs no group: getContacts lists no groups of instance `default`"),
        "{said}"
    );
    assert!(sent(&sb).is_empty());
}

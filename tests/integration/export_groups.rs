//! `greenbatch groups` and `greenbatch export` against the sandbox (issue
//! 11): the sandbox's `getContacts` as documented, the groups CSV, the
//! export CSV's header and rows, and an export as YAML that a sync leaves
//! unchanged (hidden members and MAX groups included).

use std::path::{Path, PathBuf};

use greenbatch::sandbox::{SandboxConfig, SandboxHandle};

use super::sandbox_support::{Api, CITY, MARKET};
use super::sync_rules::files_ending;
use crate::support::*;

/// An instances file naming the sandbox's three instances, and the
/// environment holding their tokens (and nothing for `default`).
pub(super) fn instances(sb: &SandboxHandle, dir: &Path) -> (PathBuf, Vec<(String, String)>) {
    let mut yaml = String::new();
    let mut env = Vec::new();
    for (name, id) in [
        ("wa-main", WA_MAIN),
        ("wa-second", WA_SECOND),
        ("max-main", MAX_MAIN),
    ] {
        let c = sb.instance(id).unwrap();
        let var = format!("GREEN_API_{}_TOKEN", name.replace('-', "_").to_uppercase());
        yaml.push_str(&format!(
            "- name: {name}\n  platform: {}\n  api_url: {}\n  id_instance: \"{id}\"\n  token_env: {var}\n",
            c.platform,
            sb.api_url()
        ));
        env.push((var, c.token.expose().to_owned()));
    }
    (write(dir, "instances.yaml", &yaml), env)
}

/// The built-in state plus a group that hides every number and one with a
/// member the list leaves out, both with wa-main as an admin.
fn state_with_hidden_members() -> SandboxConfig {
    let base = crate::support::DEFAULT_STATE.to_owned();
    let extra = r#"  - id: "120363000000000077@g.us"
    platform: whatsapp
    subject: "Hidden numbers"
    owner: "79990000001@c.us"
    hide_numbers: true
    participants:
      - { id: "79990000001@c.us", admin: true }
      - { id: "79000000071@c.us", admin: true }
      - "79000000072@c.us"
  - id: "120363000000000078@g.us"
    platform: whatsapp
    subject: "One hidden, one unlisted"
    owner: "79000000080@c.us"
    participants:
      - { id: "79000000080@c.us", admin: true }
      - { id: "79990000001@c.us", admin: true }
      - "79000000081@c.us"
      - { id: "79000000082@c.us", lid: "100000000000082@lid", hidden: true }
      - { id: "79000000083@c.us", unlisted: true }
"#;
    SandboxConfig::from_yaml(&format!("{base}{extra}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_answers_get_contacts_as_documented() {
    let api = Api::start(SandboxConfig::default_state()).await;
    let path = api.path(WA_MAIN, "getContacts", false);
    let first = api
        .send("GET", &format!("{path}?group=true"), "")
        .await
        .unwrap();
    assert_eq!(first.status, 200, "{}", first.text);
    let groups = first.json();
    assert_eq!(groups.as_array().unwrap().len(), 3);
    assert_eq!(
        groups[0],
        serde_json::json!({"id": MARKET, "name": "Neighbourhood market", "contactName": "", "type": "group"})
    );
    // 1 request a second on WhatsApp.
    let second = api
        .send("GET", &format!("{path}?group=true"), "")
        .await
        .unwrap();
    assert_eq!(second.status, 429, "{}", second.text);
    let post = api.send("POST", &path, "{}").await.unwrap();
    assert_eq!(post.status, 405, "a GET, as documented");
    let max = api
        .send(
            "GET",
            &format!("{}?group=true", api.path(MAX_MAIN, "getContacts", true)),
            "",
        )
        .await
        .unwrap();
    assert_eq!(max.json()[0]["id"], CITY);
    let ledger = api.sb.ledger();
    assert_eq!(ledger[0].verb, "GET");
    assert_eq!(ledger[0].query.as_deref(), Some("group=true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_lists_each_instance_s_groups_as_csv() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = instances(&sb, dir.path());
    let file = file.to_str().unwrap();
    let out = greenbatch(
        &["groups", "--instances", file, "--format", "csv", "-vv"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "instance,chat_id,subject\n\
         wa-main,120363043968066561@g.us,Neighbourhood market\n\
         wa-main,120363169960827018@g.us,Book club\n\
         wa-main,79876543210-1587570015@g.us,Old friends (wa-main is not an admin here)\n\
         wa-second,120363043968066561@g.us,Neighbourhood market\n\
         wa-second,120363169960827018@g.us,Book club\n\
         max-main,'-10000000000000,Городской чат\n\
         max-main,'-10000000000001,Соседи (max-main is not an admin here)\n"
    );
    for (_, token) in &env {
        assert!(!stderr(&out).contains(token.as_str()), "{}", stderr(&out));
    }
    let contacts: Vec<_> = sb
        .ledger()
        .into_iter()
        .filter(|e| e.method.as_deref() == Some("getContacts"))
        .collect();
    assert_eq!(contacts.len(), 3, "one listing per instance");
    assert!(
        contacts
            .iter()
            .all(|e| e.verb == "GET" && e.query.as_deref() == Some("group=true"))
    );
    assert_eq!(sent(&sb).len(), 0);

    let details = greenbatch(
        &[
            "groups",
            "--instances",
            file,
            "--instance",
            "max-main",
            "--format",
            "csv",
            "--details",
        ],
        &env,
    )
    .await;
    assert_eq!(details.status.code(), Some(0), "{}", stderr(&details));
    assert_eq!(
        stdout(&details),
        "instance,chat_id,subject,size,owner,instance_role\n\
         max-main,'-10000000000000,Городской чат,21,39888725,owner\n\
         max-main,'-10000000000001,Соседи (max-main is not an admin here),7,20000000,member\n"
    );
    let text = greenbatch(
        &["groups", "--instances", file, "--instance", "wa-second"],
        &env,
    )
    .await;
    assert!(
        stdout(&text).starts_with(
            "wa-second (whatsapp): 2 groups\n  120363043968066561@g.us  Neighbourhood market\n"
        ),
        "{}",
        stdout(&text)
    );
    // The details in text come under their column headings.
    let table = greenbatch(
        &[
            "groups",
            "--instances",
            file,
            "--instance",
            "max-main",
            "--details",
        ],
        &env,
    )
    .await;
    assert_eq!(
        stdout(&table),
        "max-main (max): 2 groups\n  \
         group            members  role    owner     subject\n  \
         -10000000000000       21  owner   39888725  Городской чат\n  \
         -10000000000001        7  member  20000000  Соседи (max-main is not an admin here)\n",
    );
    // A MAX group ID on the command line is a value, not a flag; its
    // platform picks the one MAX instance.
    let max = greenbatch(&["export", "-10000000000001", "--instances", file], &env).await;
    assert_eq!(max.status.code(), Some(0), "{}", stderr(&max));
    assert!(
        stdout(&max).starts_with(
            "instance,chat_id,participant_id,role\nmax-main,'-10000000000001,20000000,owner\nmax-main,'-10000000000001,39888725,member\n"
        ),
        "{}",
        stdout(&max)
    );
    let two = greenbatch(&["export", MARKET, "--instances", file], &env).await;
    assert_eq!(two.status.code(), Some(2));
    assert!(
        stderr(&two)
            .contains("could be read by `wa-main`, `wa-second`: say which with --instance NAME"),
        "{}",
        stderr(&two)
    );
    let unknown = greenbatch(&["groups", "--instances", file, "--instance", "nope"], &env).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("configured instances: wa-main, wa-second, max-main"));
}

/// `--progress always` draws the reading bar into a pipe too, as it does
/// for `run` (the same bar helper); the members still go to stdout alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_always_draws_the_reading_bar_into_a_pipe() {
    let sb = sandbox(state_with_hidden_members()).await;
    let env = default_env(&sb, WA_MAIN);
    let args = ["export", "120363000000000078@g.us"];
    let drawn = greenbatch(&[&args[..], &["--progress", "always"]].concat(), &env).await;
    assert_eq!(drawn.status.code(), Some(0), "{}", stderr(&drawn));
    assert!(
        stderr(&drawn).contains("reading groups"),
        "{}",
        stderr(&drawn)
    );
    assert!(stdout(&drawn).starts_with("instance,chat_id,participant_id,role\n"));
    let auto = greenbatch(&args, &env).await;
    assert!(
        !stderr(&auto).contains("reading groups"),
        "{}",
        stderr(&auto)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_csv_has_the_exact_header_and_a_row_per_member() {
    let sb = sandbox(state_with_hidden_members()).await;
    let dir = tempfile::tempdir().unwrap();
    let env = default_env(&sb, WA_MAIN);
    let out = greenbatch(&["export", "120363000000000078@g.us"], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = "instance,chat_id,participant_id,role\n\
         default,120363000000000078@g.us,79000000080@c.us,owner\n\
         default,120363000000000078@g.us,79990000001@c.us,admin\n\
         default,120363000000000078@g.us,79000000081@c.us,member\n\
         default,120363000000000078@g.us,100000000000082@lid,member\n";
    assert_eq!(stdout(&out), expected, "the hidden member by its linked ID");
    let file = dir.path().join("members.csv");
    let to_file = greenbatch(
        &[
            "export",
            "120363000000000078@g.us",
            "-o",
            file.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert_eq!(to_file.status.code(), Some(0), "{}", stderr(&to_file));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the members' numbers are personal data");
    let bad = greenbatch(&["export", "79001234565@c.us"], &env).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("is not a group ID"),
        "{}",
        stderr(&bad)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_as_yaml_is_a_desired_state_that_a_sync_leaves_unchanged() {
    let sb = sandbox(state_with_hidden_members()).await;
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = instances(&sb, dir.path());
    let file = file.to_str().unwrap();
    let desired = dir.path().join("everything.yaml");
    let out = greenbatch(
        &[
            "export",
            "--all",
            "--format",
            "yaml",
            "--instances",
            file,
            "-o",
            desired.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = std::fs::read_to_string(&desired).unwrap();
    for (_, token) in &env {
        assert!(!yaml.contains(token.as_str()) && !stderr(&out).contains(token.as_str()));
    }
    // Every group once (wa-second's two are wa-main's too), MAX included.
    assert_eq!(yaml.matches("  - chat_id: ").count(), 7, "{yaml}");
    assert!(
        stderr(&out).contains("exported once, as `wa-main` reads it"),
        "{}",
        stderr(&out)
    );
    assert!(yaml.contains("\"100000000000082@lid\""), "{yaml}");
    assert!(yaml.contains("its list showed 4"), "{yaml}");
    assert!(
        yaml.contains("- chat_id: \"-10000000000000\"   # Городской чат"),
        "{yaml}"
    );
    let v = greenbatch(
        &["validate", "--instances", file, desired.to_str().unwrap()],
        &env,
    )
    .await;
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    assert!(
        stdout(&v).contains("valid desired state, 7 groups"),
        "{}",
        stdout(&v)
    );

    let sync = |args: Vec<&'static str>| {
        let mut all = vec!["sync", desired.to_str().unwrap(), "--instances", file];
        all.extend(args);
        let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
        let env = env.clone();
        async move {
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            greenbatch(&all, &env).await
        }
    };
    let out = sync(vec![]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(sent(&sb).len(), 0, "nothing to change: {}", stdout(&out));
    assert!(
        stdout(&out).contains("7 groups read, 0 changes"),
        "{}",
        stdout(&out)
    );

    // Edited, it is a desired state: a member taken out is removed.
    let edited = yaml.replacen("      - \"79001234589@c.us\"\n", "", 1);
    assert_ne!(edited, yaml);
    std::fs::write(&desired, edited).unwrap();
    let out = sync(vec![]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let moderation = sent(&sb);
    assert_eq!(moderation.len(), 1);
    assert_eq!(
        moderation[0].method.as_deref(),
        Some("removeGroupParticipant")
    );
    assert_eq!(
        moderation[0].field("participantChatId"),
        Some("79001234589@c.us")
    );
    // The sync with nothing to do wrote no file; this one its audit trail.
    assert_eq!(files_ending(dir.path(), ".ops.csv").len(), 1);
}

//! `chat_id: *` in manifests: every group of the row's instance, listed
//! when the job runs and expanded into one operation per group (issue 22).
//! Against the sandbox with its documented limits on, at the default pace.

use std::collections::BTreeMap;

use greenbatch::greenapi::Method;
use greenbatch::runner::Outcome;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};

use crate::support::{
    WA_SECOND, default_env, greenbatch, rows, run_rows, sandbox, sent, stderr, stdout,
    three_instances, write,
};

const SPAMMER: &str = "79005559999@c.us";
const MAX_SPAMMER: &str = "10009999";
const PRESENT: &str = "120363000000000101@g.us";
const ABSENT: &str = "120363000000000102@g.us";
const NOT_ADMIN: &str = "120363000000000103@g.us";
const JOINED_LATER: &str = "120363000000000104@g.us";
const MAX_PRESENT: &str = "-10000000000101";

/// The default state and groups where the spammer is, is not, is where
/// wa-main is no admin, and is where wa-main is not yet (wa-second is).
fn state() -> SandboxConfig {
    let base = crate::support::DEFAULT_STATE.to_owned();
    let extra = format!(
        r#"  - id: "{PRESENT}"
    platform: whatsapp
    subject: "Spammed"
    owner: "79990000001@c.us"
    participants:
      - {{ id: "79990000001@c.us", admin: true }}
      - "{SPAMMER}"
      - "79000000111@c.us"
  - id: "{ABSENT}"
    platform: whatsapp
    subject: "Clean"
    owner: "79990000001@c.us"
    participants:
      - {{ id: "79990000001@c.us", admin: true }}
      - "79000000121@c.us"
  - id: "{NOT_ADMIN}"
    platform: whatsapp
    subject: "Someone else's"
    owner: "79000000130@c.us"
    participants:
      - {{ id: "79000000130@c.us", admin: true }}
      - "79990000001@c.us"
      - "{SPAMMER}"
  - id: "{JOINED_LATER}"
    platform: whatsapp
    subject: "Not joined yet"
    owner: "79990000002@c.us"
    participants:
      - {{ id: "79990000002@c.us", admin: true }}
      - "{SPAMMER}"
  - id: "{MAX_PRESENT}"
    platform: max
    subject: "MAX spammed"
    owner: "39888725"
    participants:
      - {{ id: "39888725", admin: true }}
      - "{MAX_SPAMMER}"
"#
    );
    SandboxConfig::from_yaml(&format!("{base}{extra}")).unwrap()
}

/// The groups the instance with own number `wid` is in, as it lists them.
fn groups_of(sb: &SandboxHandle, wid: &str) -> Vec<String> {
    sb.state()
        .groups
        .into_iter()
        .filter(|g| g.participants.iter().any(|p| p.id == wid))
        .map(|g| g.id)
        .collect()
}

fn member(sb: &SandboxHandle, group: &str, who: &str) -> bool {
    sb.state()
        .groups
        .iter()
        .find(|g| g.id == group)
        .expect("the group")
        .participants
        .iter()
        .any(|p| p.id == who)
}

/// Each group's latest outcome for the participant.
fn outcomes(path: &std::path::Path) -> BTreeMap<String, (Outcome, String, String)> {
    rows(path)
        .into_iter()
        .map(|r| (r.chat_id.to_string(), (r.outcome, r.error, r.source)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_row_runs_in_every_group_its_rerun_only_in_groups_joined_since() {
    let sb = sandbox(state()).await;
    let dir = tempfile::tempdir().unwrap();
    let (instances, env) = three_instances(dir.path(), &sb, None);
    let manifest = write(
        dir.path(),
        "spammer.csv",
        &format!(
            "action,chat_id,participant_id,instance\nremove,*,{SPAMMER},wa-main\nremove,*,{MAX_SPAMMER},max-main\n"
        ),
    );
    let args = [
        "run",
        manifest.to_str().unwrap(),
        "--instances",
        instances.to_str().unwrap(),
    ];
    let wa_groups = groups_of(&sb, "79990000001@c.us");
    let max_groups = groups_of(&sb, "39888725");
    assert!(
        wa_groups.contains(&NOT_ADMIN.to_owned()) && !wa_groups.contains(&JOINED_LATER.to_owned())
    );

    let out = greenbatch(&args, &env).await;
    // One group refuses: wa-main is no admin there.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let results = dir.path().join("spammer.results.csv");
    let seen = outcomes(&results);
    assert_eq!(
        rows(&results).len(),
        wa_groups.len() + max_groups.len(),
        "one row per group"
    );
    let mut expected: Vec<&String> = wa_groups.iter().chain(&max_groups).collect();
    expected.sort();
    assert_eq!(seen.keys().collect::<Vec<_>>(), expected);
    assert_eq!(seen[PRESENT].0, Outcome::Done);
    assert_eq!(seen[MAX_PRESENT].0, Outcome::Done);
    assert_eq!(
        seen[ABSENT].0,
        Outcome::Already,
        "its list proves the absence"
    );
    assert_eq!(seen[NOT_ADMIN].0, Outcome::Rejected);
    assert!(!seen[NOT_ADMIN].1.is_empty(), "with the API's answer");
    for (group, (_, _, source)) in &seen {
        let line = if group.starts_with('-') { ":3" } else { ":2" };
        assert!(source.ends_with(line), "{group}: {source}");
    }
    assert!(!member(&sb, PRESENT, SPAMMER) && !member(&sb, MAX_PRESENT, MAX_SPAMMER));
    assert!(member(&sb, NOT_ADMIN, SPAMMER) && member(&sb, JOINED_LATER, SPAMMER));
    assert!(
        stderr(&out).contains(&format!(
            "`*` is {} groups of instance `wa-main`",
            wa_groups.len()
        )),
        "{}",
        stderr(&out)
    );

    // wa-second adds wa-main to a group of its own, as an admin: the rerun
    // finds it.
    let joined = run_rows(
        &sb,
        WA_SECOND,
        &[
            format!("add,{JOINED_LATER},79990000001@c.us"),
            format!("promote,{JOINED_LATER},79990000001@c.us"),
        ],
        &[],
    )
    .await;
    assert_eq!(joined.code(), Some(0), "{}", stderr(&joined.out));
    let before = sent(&sb).len();
    let again = greenbatch(&args, &env).await;
    assert_eq!(
        again.status.code(),
        Some(1),
        "the earlier rejection still stands"
    );
    let moderation: Vec<_> = sent(&sb).into_iter().skip(before).collect();
    assert_eq!(
        moderation.len(),
        1,
        "only the new group is sent to: {moderation:?}"
    );
    assert_eq!(outcomes(&results)[JOINED_LATER].0, Outcome::Done);
    assert!(!member(&sb, JOINED_LATER, SPAMMER));
    assert_eq!(rows(&results).len(), wa_groups.len() + max_groups.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_to_every_group_is_refused_and_plans_show_the_row_once() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let env = default_env(&sb, crate::support::WA_MAIN);
    let add = write(
        dir.path(),
        "add.csv",
        &format!("action,chat_id,participant_id\nadd,*,{SPAMMER}\n"),
    );
    let out = greenbatch(&["validate", add.to_str().unwrap()], &env).await;
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.contains("add.csv:2") && text.contains("`add` to `*` (every group) is refused"),
        "{text}"
    );
    assert!(
        text.contains("greenbatch groups --instance default"),
        "{text}"
    );
    let run = greenbatch(&["run", add.to_str().unwrap()], &env).await;
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(sb.ledger_totals().requests, 0, "nothing is sent");

    let remove = write(
        dir.path(),
        "rm.csv",
        &format!("action,chat_id,participant_id\nremove,*,{SPAMMER}\n"),
    );
    let out = greenbatch(&["plan", remove.to_str().unwrap()], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("1 operation to send in 1 group"), "{text}");
    assert!(
        text.contains("every group of `default` via default (whatsapp), 1 operation:"),
        "{text}"
    );
    assert_eq!(
        sb.ledger_totals().requests,
        0,
        "an offline plan reads nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_that_cannot_be_listed_leave_the_row_unexpanded_and_the_exit_code_says_so() {
    let sb = sandbox(state().with_faults(vec![
        FaultRule::always(Fault::ServerError)
            .for_method(Method::GetContacts)
            .for_instance(crate::support::MAX_MAIN),
    ]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (instances, env) = three_instances(dir.path(), &sb, None);
    let manifest = write(
        dir.path(),
        "spammer.csv",
        &format!(
            "action,chat_id,participant_id,instance\nremove,{PRESENT},{SPAMMER},wa-main\nremove,*,{MAX_SPAMMER},max-main\n"
        ),
    );
    let out = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "--instances",
            instances.to_str().unwrap(),
            "--outage-patience",
            "2s",
            "--max-attempts",
            "2",
        ],
        &env,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let summary = stdout(&out);
    assert!(
        summary.contains("`*` of instance `max-main` (line 3) not expanded, nothing sent for it"),
        "{summary}"
    );
    assert!(summary.contains("not sent 1"), "{summary}");
    let seen = outcomes(&dir.path().join("spammer.results.csv"));
    assert_eq!(seen.len(), 1, "the other row ran: {seen:?}");
    assert_eq!(seen[PRESENT].0, Outcome::Done);
    assert!(member(&sb, MAX_PRESENT, MAX_SPAMMER));
}

/// An instance that lists no group (as MAX may always do) leaves its `*`
/// row unexpanded: an error naming it, exit 3, never a silent nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_lists_no_group_is_named_not_silently_done() {
    let base = crate::support::DEFAULT_STATE.to_owned();
    // The instances alone, and one WhatsApp group: max-main is in none.
    let instances = &base[..base.find("\ngroups:").expect("a groups key") + 1];
    let state = format!(
        "{instances}groups:\n  - id: \"{PRESENT}\"\n    platform: whatsapp\n    subject: \"Spammed\"\n    owner: \"79990000001@c.us\"\n    participants:\n      - {{ id: \"79990000001@c.us\", admin: true }}\n      - \"{SPAMMER}\"\n"
    );
    let sb = sandbox(SandboxConfig::from_yaml(&state).unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let (instances, env) = three_instances(dir.path(), &sb, None);
    let manifest = write(
        dir.path(),
        "m.csv",
        &format!(
            "action,chat_id,participant_id,instance\nremove,*,{MAX_SPAMMER},max-main\nremove,*,{SPAMMER},wa-main\n"
        ),
    );
    let out = greenbatch(
        &[
            "run",
            manifest.to_str().unwrap(),
            "--instances",
            instances.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let summary = stdout(&out);
    assert!(
        summary.contains("`*` of instance `max-main` (line 2) not expanded, nothing sent for it: it lists no groups"),
        "{summary}"
    );
    assert!(
        summary.contains("on MAX it may not list groups at all"),
        "{summary}"
    );
    let seen = outcomes(&dir.path().join("m.results.csv"));
    assert_eq!(seen.len(), 1, "wa-main's row ran: {seen:?}");
    assert_eq!(seen[PRESENT].0, Outcome::Done);
}

//! `greenbatch where PARTICIPANT...` against the sandbox (issue 22): the
//! groups each participant is in, with subject and role, on WhatsApp and
//! MAX; a loosely written number; a member the group lists by linked ID
//! alone; a group that cannot be read (exit 3, named); a refused instance
//! (exit 4); the exact CSV header; an invalid participant (exit 2, nothing
//! sent).

use greenbatch::greenapi::Method;
use greenbatch::sandbox::{Fault, FaultRule, SandboxConfig, SandboxHandle};

use super::export_groups::instances;
use crate::support::*;

const MARKET: &str = "120363043968066561@g.us";
const HIDDEN: &str = "120363000000000078@g.us";

/// The built-in state's YAML, `edit`ed, plus a group where wa-main's number
/// is an admin and one member is listed by linked ID alone.
fn state(edit: impl Fn(String) -> String) -> SandboxConfig {
    let base = crate::support::DEFAULT_STATE.to_owned();
    let extra = format!(
        r#"  - id: "{HIDDEN}"
    platform: whatsapp
    subject: "Hidden one"
    owner: "79000000080@c.us"
    participants:
      - {{ id: "79000000080@c.us", admin: true }}
      - {{ id: "79990000001@c.us", admin: true }}
      - {{ id: "79000000082@c.us", lid: "100000000000082@lid", hidden: true }}
"#
    );
    SandboxConfig::from_yaml(&edit(format!("{base}{extra}"))).unwrap()
}

/// How many requests of `method` the sandbox saw.
fn count(sb: &SandboxHandle, method: &str) -> usize {
    (sb.ledger().iter())
        .filter(|e| e.method.as_deref() == Some(method))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_lists_each_participant_s_groups_with_subject_and_role() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, WA_MAIN);
    let who = [
        "79990000001@c.us",
        "+7 900 555-00-00",
        "79001234560@c.us",
        "79000000000@c.us",
    ];
    let out = greenbatch(&[&["where"], &who[..]].concat(), &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "79990000001@c.us: in 3 of 3 groups read\n\
         \x20 default  120363043968066561@g.us      owner   Neighbourhood market\n\
         \x20 default  120363169960827018@g.us      admin   Book club\n\
         \x20 default  79876543210-1587570015@g.us  member  Old friends (wa-main is not an admin here)\n\
         79005550000@c.us (given as `+7 900 555-00-00`): in 1 of 3 groups read\n\
         \x20 default  120363169960827018@g.us  owner   Book club\n\
         79001234560@c.us: in 1 of 3 groups read\n\
         \x20 default  120363043968066561@g.us  admin   Neighbourhood market\n\
         79000000000@c.us: not in any of 3 groups read\n"
    );
    assert!(
        stderr(&out).contains("`+7 900 555-00-00` is read as `79005550000@c.us`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(count(&sb, "getGroupData"), 3, "each group read once");
    assert!(sent(&sb).is_empty(), "a lookup changes nothing");

    let csv = greenbatch(&[&["where", "--format", "csv"], &who[..]].concat(), &env).await;
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    assert_eq!(
        stdout(&csv),
        "instance,chat_id,subject,participant_id,role\n\
         default,120363043968066561@g.us,Neighbourhood market,79990000001@c.us,owner\n\
         default,120363169960827018@g.us,Book club,79990000001@c.us,admin\n\
         default,79876543210-1587570015@g.us,Old friends (wa-main is not an admin here),79990000001@c.us,member\n\
         default,120363169960827018@g.us,Book club,79005550000@c.us,owner\n\
         default,120363043968066561@g.us,Neighbourhood market,79001234560@c.us,admin\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_listed_by_linked_id_alone_is_found_by_that_id() {
    let sb = sandbox(state(|s| s)).await;
    let env = default_env(&sb, WA_MAIN);
    let args = ["where", "100000000000082@lid", "79000000082@c.us"];
    let out = greenbatch(&[&args[..], &["--format", "json"]].concat(), &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["groups_read"], 4, "{doc:#}");
    let by_lid = &doc["participants"][0];
    assert_eq!(by_lid["groups"].as_array().unwrap().len(), 1, "{doc:#}");
    assert_eq!(
        by_lid["groups"][0],
        serde_json::json!({
            "instance": "default",
            "chat_id": HIDDEN,
            "subject": "Hidden one",
            "participant_id": "100000000000082@lid",
            "role": "member"
        })
    );
    // By number the list cannot tell: it names that member by linked ID
    // alone, and a missing number proves nothing (GREEN-API.md §6).
    let by_number = &doc["participants"][1];
    assert_eq!(by_number["groups"], serde_json::json!([]), "{doc:#}");
    assert_eq!(by_number["cannot_tell"][0]["chat_id"], HIDDEN, "{doc:#}");
    let text = greenbatch(&args, &env).await;
    let text = stdout(&text);
    assert!(
        text.contains("79000000082@c.us: not in any of 4 groups read\n")
            && text.contains(&format!("  default  {HIDDEN}  ?       Hidden one\n")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_ids_are_looked_for_in_max_groups_and_a_refused_instance_exits_4() {
    // wa-second (the second instance of the state) is not authorized.
    let sb = sandbox(state(|s| {
        s.replacen("state: authorized", "state: AUTH", 1)
            .replacen("state: authorized", "state: notAuthorized", 1)
            .replacen("state: AUTH", "state: authorized", 1)
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = instances(&sb, dir.path());
    let file = file.to_str().unwrap();
    // Bare digits are a MAX ID and a WhatsApp number alike: both are looked for.
    let out = greenbatch(
        &["where", "39888725", "--instances", file, "--format", "csv"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "instance,chat_id,subject,participant_id,role\n\
         max-main,'-10000000000000,Городской чат,39888725,owner\n\
         max-main,'-10000000000001,Соседи (max-main is not an admin here),39888725,member\n",
        "a MAX group ID behind the cell guard, as export writes it"
    );
    assert!(
        stderr(&out).contains("error: instance `wa-second`: "),
        "{}",
        stderr(&out)
    );
    // A WhatsApp-only ID never reads the MAX instance's groups.
    let wa = greenbatch(
        &["where", "79990000001@c.us", "--instances", file, "-q"],
        &env,
    )
    .await;
    assert_eq!(wa.status.code(), Some(4), "{}", stderr(&wa));
    assert!(
        stdout(&wa).starts_with("79990000001@c.us: in 4 of 4 groups read\n"),
        "{}",
        stdout(&wa)
    );
    let max_reads = (sb.ledger().iter())
        .filter(|e| e.method.as_deref() == Some("getGroupData") && e.v3)
        .count();
    assert_eq!(max_reads, 2, "the MAX groups were read once, for 39888725");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_that_cannot_be_read_is_named_and_exits_3() {
    let sb = sandbox(SandboxConfig::default_state().with_faults(vec![
        FaultRule::always(Fault::Garbage)
            .for_method(Method::GetGroupData)
            .first(1),
    ]))
    .await;
    let env = default_env(&sb, WA_MAIN);
    let out = greenbatch(&["where", "79990000001@c.us"], &env).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error: instance `default`: group {MARKET} could not be read: "
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("79990000001@c.us: in 2 of 2 groups read\n"),
        "the others are listed: {}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_participant_is_a_usage_error_before_any_request() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, WA_MAIN);
    let out = greenbatch(
        &[
            "where",
            "79990000001@c.us",
            "8 900 123-45-65",
            MARKET,
            "nobody",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`8 900 123-45-65` is written without its country code")
            && err.contains("+7 900 123-45-65")
            && err.contains(&format!(
                "`{MARKET}` is a group ID where a person is expected"
            ))
            && err.contains("`nobody` is not a valid ID"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        sb.ledger().is_empty(),
        "nothing was sent: {:?}",
        sb.ledger()
    );
}

//! What greenbatch writes, greenbatch reads (issue 19, item 5): `export`
//! writes a MAX group ID as `'-10000000000000` so that a spreadsheet shows
//! text, and a manifest, a desired-state file or a `members_file` made from
//! those cells is read through that guard, with a note, against the
//! sandbox with its documented limits and greenbatch's default pace.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const CITY: &str = "-10000000000000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_s_cells_make_a_manifest_that_runs_on_max() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = default_env(&sb, MAX_MAIN);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("city.csv");
    let out = greenbatch(&["export", CITY, "-o", export.to_str().unwrap()], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The manifest a person makes from the export: an action before each
    // member's cells, copied as they are.
    let mut reader = csv::Reader::from_path(&export).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["instance", "chat_id", "participant_id", "role"]
    );
    let mut manifest = String::from("action,chat_id,participant_id,instance\n");
    let mut removed = Vec::new();
    for record in reader.records() {
        let r = record.unwrap();
        if &r[3] == "member" && removed.len() < 3 {
            assert_eq!(&r[1], format!("'{CITY}"), "the export guards the cell");
            manifest.push_str(&format!("remove,{},{},{}\n", &r[1], &r[2], &r[0]));
            removed.push(r[2].to_owned());
        }
    }
    assert_eq!(removed.len(), 3, "{manifest}");
    let m = write(dir.path(), "m.csv", &manifest);
    let m = m.to_str().unwrap();

    let checked = greenbatch(&["validate", m], &env).await;
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    let note = format!(
        "note: chat_id: `'{CITY}` is read as `{CITY}` (a leading `'` before `-`, `+`, `=` or `@` is the cell guard greenbatch's CSV files write, so that a spreadsheet shows text)"
    );
    assert_eq!(
        stderr(&checked).matches(&note).count(),
        3,
        "one note a row: {}",
        stderr(&checked)
    );

    let ran = greenbatch(&["run", m], &env).await;
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    let sent = sent(&sb);
    assert_eq!(sent.len(), 3, "{sent:?}");
    for (entry, who) in sent.iter().zip(&removed) {
        assert_eq!(entry.method.as_deref(), Some("removeGroupParticipant"));
        assert_eq!(entry.field("chatId"), Some(CITY));
        assert_eq!(entry.field("participantChatId"), Some(who.as_str()));
        assert_eq!(entry.status, Some(200), "within the documented limits");
    }
    let city = sb.state();
    let city = city.group(CITY).unwrap();
    for who in &removed {
        assert!(!city.is_member(who), "{who} was removed");
    }
}

#[test]
fn a_desired_state_file_and_its_members_file_read_the_guard_too() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "city.csv",
        &format!(
            "instance,chat_id,participant_id,role\nmax-main,'{CITY},39888725,owner\nmax-main,'{CITY},10000000,member\n"
        ),
    );
    write(
        dir.path(),
        "market.csv",
        "chat_id,participant_id\n120363043968066561@g.us,'+7 900 123-45-65\n",
    );
    write(dir.path(), "club.txt", "'+7 900 555-00-01\n");
    write(
        dir.path(),
        "d.yaml",
        &format!(
            "groups:\n\
             \x20 - chat_id: \"'{CITY}\"\n    instance: max\n    members_file: city.csv\n\
             \x20 - chat_id: 120363043968066561@g.us\n    instance: wa\n    members_file: market.csv\n\
             \x20 - chat_id: 120363169960827018@g.us\n    instance: wa\n    members_file: club.txt\n"
        ),
    );
    write(
        dir.path(),
        "instances.yaml",
        &format!(
            "- name: max\n  platform: max\n  api_url: http://127.0.0.1:7700\n  id_instance: \"{MAX_MAIN}\"\n  token_env: GREEN_API_MAX_TOKEN\n\
             - name: wa\n  platform: whatsapp\n  api_url: http://127.0.0.1:7700\n  id_instance: \"{WA_MAIN}\"\n  token_env: GREEN_API_WA_TOKEN\n"
        ),
    );
    let out = greenbatch_std()
        .current_dir(dir.path())
        .env_clear()
        .args(["validate", "--instances"])
        .args(["instances.yaml", "d.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("valid desired state, 3 groups"), "{stdout}");
    let guard = "(a leading `'` before `-`, `+`, `=` or `@` is the cell guard greenbatch's CSV files write, so that a spreadsheet shows text)";
    for want in [
        format!("d.yaml:2: note: chat_id: `'{CITY}` is read as `{CITY}` {guard}"),
        format!(
            "./market.csv:2: note: members_file: `'+7 900 123-45-65` is read as `79001234565@c.us` {guard}"
        ),
        format!(
            "./club.txt:1: note: members_file: `'+7 900 555-00-01` is read as `79005550001@c.us` {guard}"
        ),
    ] {
        assert!(stderr.contains(&want), "missing {want:?} in:\n{stderr}");
    }
}

//! `greenbatch validate` and `greenbatch plan` as a user runs them: output,
//! JSON shape and exit codes.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::support::{WA_MAIN, greenbatch_std};

fn cmd() -> Command {
    let mut c = Command::from_std(greenbatch_std());
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("GREEN_API_URL", "http://127.0.0.1:7700")
        .env("GREEN_API_ID_INSTANCE", WA_MAIN)
        .env(
            "GREEN_API_TOKEN_INSTANCE",
            "937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9",
        );
    c
}

const EX: &str = "examples/manifests";

#[test]
fn validate_prints_a_summary_and_exits_0() {
    let out = cmd()
        .args(["validate", &format!("{EX}/whatsapp-cleanup.csv"), &format!("{EX}/promote-moderators.yaml")])
        .assert()
        .success()
        .stderr("examples/manifests/whatsapp-cleanup.csv:12: note: participant_id: `+7 900 123-45-70` is read as `79001234570@c.us`\n");
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!(stdout, @r"
    examples/manifests/whatsapp-cleanup.csv: valid, 12 operations in 1 group
      actions:   remove 12
      platforms: whatsapp 12
      instances: default 12
      time:      about 3 s at 5/s for default (12 operations)
      0 warnings, 1 note
    examples/manifests/promote-moderators.yaml: valid, 7 operations in 2 groups
      actions:   demote 1, promote 6
      platforms: whatsapp 7
      instances: default 7
      time:      about 2 s at 5/s for default (7 operations)
    ");
}

#[test]
fn validate_reports_every_problem_and_exits_2() {
    let out = cmd()
        .args([
            "validate",
            "--instances",
            &format!("{EX}/instances.yaml"),
            &format!("{EX}/invalid.csv"),
        ])
        .assert()
        .code(2)
        .stdout("");
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("examples/manifests/invalid.csv:3: error: action: unknown action `kick`\n  hint: use remove"), "{stderr}");
    assert!(
        stderr.ends_with("examples/manifests/invalid.csv: 7 problems; nothing was sent\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("937ed244"), "the token leaked");
}

#[test]
fn validate_json_has_stable_fields() {
    let out = cmd()
        .args([
            "validate",
            "--format",
            "json",
            "--instances",
            &format!("{EX}/instances.yaml"),
            &format!("{EX}/multi-instance.yaml"),
            &format!("{EX}/invalid.csv"),
        ])
        .assert()
        .code(2)
        .stderr("");
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["valid"], false);
    let ok = &doc["manifests"][0];
    assert_eq!(ok["manifest"], "examples/manifests/multi-instance.yaml");
    assert_eq!(ok["valid"], true);
    assert_eq!(ok["operations"], 6);
    assert_eq!(ok["groups"], 3);
    assert_eq!(
        ok["actions"],
        serde_json::json!({"add": 1, "promote": 1, "remove": 4})
    );
    assert_eq!(
        ok["platforms"],
        serde_json::json!({"max": 2, "whatsapp": 4})
    );
    assert_eq!(
        ok["instances"],
        serde_json::json!({"max-main": 2, "wa-main": 2, "wa-second": 2})
    );
    let bad = &doc["manifests"][1];
    assert_eq!(
        (
            bad["valid"].clone(),
            bad["errors"].clone(),
            bad["warnings"].clone(),
            bad["notes"].clone()
        ),
        (false.into(), 7.into(), 2.into(), 1.into())
    );
    let kick = bad["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["line"] == 3)
        .unwrap();
    assert_eq!(
        kick,
        &serde_json::json!({
            "severity": "error", "file": "examples/manifests/invalid.csv", "line": 3, "field": "action",
            "message": "unknown action `kick`",
            "hint": "use remove, add, promote or demote (or the method names removeGroupParticipant, addGroupParticipant, setGroupAdmin, removeAdmin)"
        })
    );
}

#[test]
fn standard_input_needs_a_format() {
    let csv = "action,chat_id,participant_id\nremove,120363043968066561@g.us,79001234561@c.us\n";
    cmd()
        .args(["validate", "-", "--format", "csv"])
        .write_stdin(csv)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "<stdin>: valid, 1 operation in 1 group\n",
        ));
    cmd()
        .args(["validate", "-", "--input-format", "csv", "--format", "json"])
        .write_stdin(csv)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"manifest\": \"<stdin>\""));
    cmd()
        .args(["validate", "-"])
        .write_stdin(csv)
        .assert()
        .code(2)
        .stderr("error: standard input needs a format\n  hint: say `--input-format csv`, `yaml` or `xlsx` (or `ods`, `xls`) when reading standard input\n<stdin>: 1 problem; nothing was sent\n");
    // A pipe is bounded by the cap as it is read.
    cmd()
        .args([
            "validate",
            "-",
            "--format",
            "csv",
            "--max-manifest-size",
            "40",
        ])
        .write_stdin(csv)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: the file is larger than the limit of 40 bytes",
        ));
}

#[test]
fn usage_errors_exit_2() {
    cmd()
        .args([
            "validate",
            &format!("{EX}/invalid.csv"),
            "--format",
            "text",
            "--format",
            "json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("say one"));
    cmd()
        .args([
            "validate",
            &format!("{EX}/invalid.csv"),
            "--format",
            "csv",
            "--input-format",
            "yaml",
        ])
        .assert()
        .code(2);
    cmd()
        .args([
            "validate",
            &format!("{EX}/whatsapp-cleanup.csv"),
            "--max-manifest-size",
            "100B",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "larger than the limit of 100 bytes",
        ));
    cmd()
        .args(["validate", "no-such.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot open no-such.csv"));
    cmd().args(["validate"]).assert().code(2);
    cmd().args(["validate", "Cargo.toml"]).assert().code(2).stderr(predicate::str::contains("error: Cargo.toml has no .csv, .txt, .tsv, .yaml, .yml, .xlsx, .xlsm, .xls or .ods extension\n  hint: rename it, or say `--input-format csv`"));
    cmd()
        .args([
            "validate",
            "--instances",
            "no-such.yaml",
            &format!("{EX}/whatsapp-cleanup.csv"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: instances file: cannot open no-such.yaml",
        ));
    cmd()
        .args(["validate", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("--input-format").and(predicate::str::contains("token_env")),
        );
}

#[test]
fn plan_shows_each_group_in_manifest_order() {
    let out = cmd()
        .args(["plan", &format!("{EX}/promote-moderators.yaml")])
        .assert()
        .success()
        .stderr("");
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!(stdout);
    let out = cmd()
        .args([
            "plan",
            "--format",
            "json",
            "--instances",
            &format!("{EX}/instances.yaml"),
            &format!("{EX}/multi-instance.yaml"),
        ])
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["to_send"], 6);
    assert_eq!(doc["skipped"], 0);
    let groups = doc["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[1]["instance"], "wa-second");
    assert_eq!(groups[1]["platform"], "whatsapp");
    let steps: Vec<&str> = groups[1]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["add", "promote"],
        "same participant: manifest order"
    );
    assert_eq!(groups[1]["steps"][0]["op_id"].as_str().unwrap().len(), 16);
}

#[test]
fn plan_refuses_an_invalid_manifest() {
    cmd()
        .args(["plan", &format!("{EX}/invalid.csv")])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("7 problems; nothing was sent"));
}

#[test]
fn plan_leaves_out_what_the_results_file_settles() {
    use greenbatch::greenapi::{Action, Platform};
    use greenbatch::manifest::{OpId, Operation, Source};
    use greenbatch::report::results::{ResultRow, ResultsWriter};
    use greenbatch::runner::Outcome;

    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("cleanup.results.csv");
    let (g, first, second) = (
        "120363043968066561@g.us",
        "79001234561@c.us",
        "79001234562@c.us",
    );
    let op = |participant: &str| Operation {
        op_id: OpId::new(Platform::WhatsApp, WA_MAIN, Action::Remove, g, participant),
        source: Source {
            file: "whatsapp-cleanup.csv".into(),
            line: 2,
            cell: None,
        },
        action: Action::Remove,
        platform: Platform::WhatsApp,
        instance: "default".into(),
        chat_id: g.into(),
        participant_id: participant.into(),
    };
    let mut writer = ResultsWriter::new(std::fs::File::create(&results).unwrap(), true).unwrap();
    writer
        .append(&ResultRow::new(&op(first), Outcome::Done, "", Some(200), 1))
        .unwrap();
    writer
        .append(&ResultRow::new(
            &op(second),
            Outcome::Failed,
            "HTTP 502",
            Some(502),
            5,
        ))
        .unwrap();
    drop(writer);
    let out = cmd()
        .args([
            "plan",
            &format!("{EX}/whatsapp-cleanup.csv"),
            "--results",
            results.to_str().unwrap(),
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains(first), "done earlier: left out\n{text}");
    assert!(text.contains(second), "failed earlier: sent again\n{text}");
    let missing = dir.path().join("none.csv");
    cmd()
        .args([
            "plan",
            &format!("{EX}/whatsapp-cleanup.csv"),
            "--results",
            missing.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(first));
}

#[test]
fn validate_without_credentials_still_checks_every_row() {
    // Nothing configured: the IDs still tell the platform, so a moderator
    // without the token at hand sees every problem, not just the first.
    let out = Command::from_std(greenbatch_std())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .args(["validate", &format!("{EX}/invalid.csv")])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(out).unwrap();
    for expected in [
        "invalid.csv:2: error: instance: `default` is not configured",
        "invalid.csv:4: error: participant_id: `7900abc@c.us` is not a valid ID",
        "invalid.csv:5: error: chat_id: `79001234563@c.us` is a person",
        "invalid.csv:6: error: chat_id: is a max ID, but participant_id is a whatsapp ID",
        "invalid.csv:9: error: `promote` of `79001234565@c.us`",
        "invalid.csv: 8 problems; nothing was sent",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
}

#[test]
fn quiet_validation_of_a_good_manifest_says_nothing_on_stderr() {
    // whatsapp-cleanup.csv has a note (a loose phone number): -q hides it.
    cmd()
        .args(["validate", "-q", &format!("{EX}/whatsapp-cleanup.csv")])
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("valid, 12 operations"));
    cmd()
        .args(["validate", &format!("{EX}/whatsapp-cleanup.csv")])
        .assert()
        .success()
        .stderr(predicate::str::contains("note: participant_id"));
}

/// A job that cannot be what was meant is told before it runs: more people
/// in one WhatsApp group than it can have members, and how long each
/// instance's share takes at its pace, in `validate`, `plan` (text and
/// JSON) and `run --dry-run`.
#[test]
fn an_oversized_group_is_warned_of_and_the_time_at_the_pace_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("instance,action,chat_id,participant_id\n");
    for i in 0..1100 {
        text.push_str(&format!(
            "wa-main,remove,120363043968066561@g.us,7900{i:07}@c.us\n"
        ));
    }
    let manifest = dir.path().join("big.csv");
    std::fs::write(&manifest, text).unwrap();
    let manifest = manifest.to_str().unwrap();
    let instances = format!("{EX}/instances.yaml");
    let out = cmd()
        .args(["validate", "--instances", &instances, manifest])
        .assert()
        .success();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.get_output().stdout).into_owned(),
        String::from_utf8_lossy(&out.get_output().stderr).into_owned(),
    );
    assert!(
        stderr.contains(&format!("{manifest}:1026: warning: chat_id: `120363043968066561@g.us` gets operations for more than 1,024 people")),
        "{stderr}"
    );
    assert!(
        stdout.contains("  time:      about 3 min 40 s at 5/s for wa-main (1100 operations)\n"),
        "{stdout}"
    );
    for args in [vec!["plan"], vec!["run", "--dry-run"]] {
        let out = cmd()
            .args(&args)
            .args(["--instances", &instances, manifest])
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout);
        assert!(
            stdout.contains("\n  about 3 min 40 s at 5/s for wa-main (1100 operations)\n"),
            "{args:?}: {stdout}"
        );
    }
    let out = cmd()
        .args([
            "plan",
            "--format",
            "json",
            "--instances",
            &instances,
            manifest,
        ])
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["estimates"][0]["instance"], "wa-main");
    assert_eq!(doc["estimates"][0]["seconds"], 220);
    assert_eq!(doc["estimates"][0]["rate"], 5.0);
}

//! WhatsApp numbers as `greenbatch validate` reads them in every file that
//! names people (issue 19, item 4): a number written the national way
//! (`8 900 123-45-65`) is refused with the international form it most
//! likely means, one written with `+` or `00` is normalised with a note,
//! and an ID whose digits are possible in no country is warned about.
//! Manifests (CSV and YAML, with `protect`), desired-state files
//! (`members`, `admins`, `protect`) and `members_file` alike.

use crate::support::{WA_MAIN, greenbatch_std, write};

const GROUP: &str = "120363000000000001@g.us";
const HINT: &str = "hint: write it with its country code: +7 900 123-45-65";

/// `greenbatch validate FILE` with `default` a WhatsApp instance: exit code
/// and stderr.
fn validate(file: &std::path::Path) -> (Option<i32>, String) {
    let out = greenbatch_std()
        .current_dir(file.parent().unwrap())
        .env_clear()
        .env("GREEN_API_URL", "http://127.0.0.1:7700")
        .env("GREEN_API_ID_INSTANCE", WA_MAIN)
        .env("GREEN_API_PLATFORM", "whatsapp")
        .args(["validate", file.file_name().unwrap().to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (out.status.code(), stderr)
}

/// The diagnostics of stderr, the environment's notes left out.
fn diagnostics(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| !l.starts_with("note: instance `default`") && !l.contains("TOKEN_INSTANCE"))
        .collect()
}

#[test]
fn a_national_number_in_a_manifest_is_refused_with_its_international_form() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "m.csv",
        &format!("action,chat_id,participant_id\nadd,{GROUP},8 900 123-45-65\n"),
    );
    let (code, stderr) = validate(&m);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        diagnostics(&stderr),
        [
            "m.csv:2: error: participant_id: `8 900 123-45-65` is written without its country code (no `+` or `00` first)",
            &format!("  {HINT}"),
            "m.csv: 1 problem; nothing was sent",
        ],
        "{stderr}"
    );
}

#[test]
fn numbers_with_plus_or_00_are_normalised_and_impossible_ones_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "m.csv",
        &format!(
            "action,chat_id,participant_id\n\
             add,{GROUP},+7 900 123-45-65\n\
             add,{GROUP},00 7 900 123-45-66\n\
             add,{GROUP},89001234567@c.us\n\
             add,{GROUP},79001234568@c.us\n"
        ),
    );
    let (code, stderr) = validate(&m);
    assert_eq!(code, Some(0), "a warning does not refuse: {stderr}");
    assert_eq!(
        diagnostics(&stderr),
        [
            "m.csv:2: note: participant_id: `+7 900 123-45-65` is read as `79001234565@c.us`",
            "m.csv:3: note: participant_id: `00 7 900 123-45-66` is read as `79001234566@c.us`",
            "m.csv:4: warning: participant_id: `89001234567@c.us` is not a possible international number; it looks like a national number (Russia's trunk prefix 8)",
            "  hint: did you mean `79001234567@c.us` (+7 900 123-45-67)?",
        ],
        "{stderr}"
    );
}

#[test]
fn a_yaml_manifest_s_protect_list_follows_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "protect:\n  - \"8 900 123-45-65\"\n  - \"+7 900 123-45-66\"\n  - 89001234567@c.us\n  - \"89001234570\"\n\
         operations:\n  - action: remove\n    chat_id: {GROUP}\n    participant_id: 79001234568@c.us\n"
    );
    let m = write(dir.path(), "m.yaml", &text);
    let (code, stderr) = validate(&m);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        diagnostics(&stderr),
        [
            "m.yaml:2: error: protect: `8 900 123-45-65` is written without its country code (no `+` or `00` first)",
            &format!("  {HINT}"),
            "m.yaml:3: note: protect: `+7 900 123-45-66` is read as `79001234566@c.us`",
            "m.yaml:4: warning: protect: `89001234567@c.us` is not a possible international number; it looks like a national number (Russia's trunk prefix 8)",
            "  hint: did you mean `79001234567@c.us` (+7 900 123-45-67)?",
            // Plain digits are a MAX person too: no doubt about a number.
            "m.yaml:5: note: protect: `89001234570` is read as `89001234570@c.us`",
            "m.yaml: 1 problem; nothing was sent",
        ],
        "{stderr}"
    );
}

#[test]
fn a_desired_state_file_and_its_members_file_follow_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "allowed.txt",
        "+7 900 123-45-61\n89001234562@c.us\n8 900 123-45-63\n",
    );
    let text = format!(
        "protect:\n  - \"8 900 123-45-64\"\n  - 89001234565@c.us\n\
         groups:\n  - chat_id: {GROUP}\n    members:\n      - \"8 900 123-45-66\"\n      - \"00 7 900 123-45-67\"\n      - 89001234568@c.us\n\
         \x20   members_file: allowed.txt\n    admins: [\"8 900 123-45-69\"]\n"
    );
    let d = write(dir.path(), "d.yaml", &text);
    let (code, stderr) = validate(&d);
    assert_eq!(code, Some(2), "{stderr}");
    let found = diagnostics(&stderr);
    let national = |at: &str, field: &str, n: &str| {
        [
            format!(
                "{at}: error: {field}: `8 900 123-45-{n}` is written without its country code (no `+` or `00` first)"
            ),
            format!("  hint: write it with its country code: +7 900 123-45-{n}"),
        ]
    };
    let doubt = |at: &str, field: &str, n: &str| {
        [
            format!(
                "{at}: warning: {field}: `890012345{n}@c.us` is not a possible international number; it looks like a national number (Russia's trunk prefix 8)"
            ),
            format!("  hint: did you mean `790012345{n}@c.us` (+7 900 123-45-{n})?"),
        ]
    };
    let want: Vec<String> = [
        national("d.yaml:2", "protect", "64").to_vec(),
        doubt("d.yaml:3", "protect", "65").to_vec(),
        national("d.yaml:7", "members", "66").to_vec(),
        vec![
            "d.yaml:8: note: members: `00 7 900 123-45-67` is read as `79001234567@c.us`"
                .to_owned(),
        ],
        doubt("d.yaml:9", "members", "68").to_vec(),
        vec![
            "./allowed.txt:1: note: members_file: `+7 900 123-45-61` is read as `79001234561@c.us`"
                .to_owned(),
        ],
        doubt("./allowed.txt:2", "members_file", "62").to_vec(),
        national("./allowed.txt:3", "members_file", "63").to_vec(),
        national("d.yaml:11", "admins", "69").to_vec(),
    ]
    .concat();
    for line in &want {
        assert!(
            found.contains(&line.as_str()),
            "missing {line:?} in:\n{stderr}"
        );
    }
    assert!(
        stderr.ends_with("d.yaml: 4 problems; nothing was sent\n"),
        "{stderr}"
    );
}

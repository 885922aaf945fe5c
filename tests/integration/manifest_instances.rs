//! Instance configuration: `default` from the environment (its platform
//! inferred from the manifest when unset), more from an instances file, and
//! tokens only from variables or owner-only files.

use greenbatch::greenapi::Platform;

use super::manifest::{WA_ENV, dir, load, load_in, shown};

const WA_ROW: &str =
    "action,chat_id,participant_id\nremove,120363043968066561@g.us,79001234561@c.us\n";

#[test]
fn default_platform_is_inferred_from_the_first_telling_row() {
    // Bare digits tell nothing; the MAX group on line 3 decides.
    let text = "action,chat_id,participant_id\nremove,,10000000\nremove,-10000000000000,10000001\n";
    let r = load("m.csv", text, WA_ENV);
    let s = shown(&r);
    assert!(s.contains("m.csv:2: error: chat_id: is empty"), "{s}");
    let text = "action,chat_id,participant_id\nremove,-10000000000000,10000000\n";
    let l = load(
        "m.csv",
        text,
        &[
            WA_ENV,
            &[("GREEN_API_TOKEN_INSTANCE", "t0ken0t0ken0t0ken0")],
        ]
        .concat(),
    )
    .unwrap();
    let inst = l.instances.get("default").unwrap();
    assert_eq!(inst.platform, Platform::Max);
    assert_eq!(
        inst.token.as_ref().map(|t| t.expose()),
        Some("t0ken0t0ken0t0ken0")
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
}

#[test]
fn default_platform_errors_name_the_lines() {
    let text = "action,chat_id,participant_id\nremove,-10000000000000,10000000\nremove,120363043968066561@g.us,79001234561@c.us\n";
    insta::assert_snapshot!("disagree", shown(&load("p.csv", text, WA_ENV)));
    let text = "action,chat_id,participant_id\nremove,x,10000000\nremove,y,10000001\n";
    insta::assert_snapshot!("nothing_tells", shown(&load("p.csv", text, WA_ENV)));
    let env = [WA_ENV, &[("GREEN_API_PLATFORM", "telegram")]].concat();
    insta::assert_snapshot!("bad_platform", shown(&load("p.csv", WA_ROW, &env)));
}

#[test]
fn unconfigured_instances_are_errors_with_their_lines() {
    insta::assert_snapshot!("no_env", shown(&load("u.csv", WA_ROW, &[])));
    let env = [
        ("GREEN_API_URL", "http://10.1.2.3/"),
        ("GREEN_API_ID_INSTANCE", "11a"),
    ];
    insta::assert_snapshot!("bad_env", shown(&load("u.csv", WA_ROW, &env)));
    let text = "action,chat_id,participant_id,instance\nremove,120363043968066561@g.us,79001234561@c.us,wa-mian\nremove,120363043968066561@g.us,79001234562@c.us,wa-mian\n";
    insta::assert_snapshot!("typo", shown(&load("u.csv", text, WA_ENV)));
}

const INSTANCES: &str = r#"- name: wa-main
  platform: whatsapp
  api_url: https://7105.api.greenapi.com/
  id_instance: 1101000001
  token_env: GREEN_API_WA_MAIN_TOKEN
  rate: 2
- name: max-main
  platform: max
  apiUrl: http://[::1]:7700
  idInstance: "3100000001"
  token_file: max.token
"#;

#[test]
fn the_instances_file_configures_names_urls_tokens_and_rates() {
    let d = dir(&[
        ("i.yaml", INSTANCES),
        (
            "max.token",
            "ad62e19ad8267f4170bccd9cb663a3026906ff50d32425ae7b\n",
        ),
        (
            "m.yaml",
            "operations:\n  - {action: remove, chat_id: 120363043968066561@g.us, participant_id: 79001234561@c.us, instance: wa-main}\n  - {action: remove, chat_id: \"-10000000000000\", participant_id: \"10000000\", instance: max-main}\n",
        ),
    ]);
    set_mode(&d.path().join("max.token"), 0o600);
    let l = load_in(
        d.path(),
        "m.yaml",
        &[("GREEN_API_WA_MAIN_TOKEN", "wa-secret-wa-secret")],
        Some("i.yaml"),
    )
    .unwrap();
    let wa = l.instances.get("wa-main").unwrap();
    assert_eq!(
        (wa.api_url.as_str(), wa.id_instance.as_str(), wa.rate),
        ("https://7105.api.greenapi.com", "1101000001", Some(2.0))
    );
    assert_eq!(wa.token.as_ref().unwrap().expose(), "wa-secret-wa-secret");
    let max = l.instances.get("max-main").unwrap();
    assert_eq!(
        (max.platform, max.api_url.as_str(), max.rate),
        (Platform::Max, "http://[::1]:7700", None)
    );
    assert_eq!(
        max.token.as_ref().unwrap().expose(),
        "ad62e19ad8267f4170bccd9cb663a3026906ff50d32425ae7b"
    );
    assert!(
        l.instances
            .missing_tokens(["wa-main", "max-main"])
            .is_empty()
    );
    assert_eq!(l.operations.len(), 2);
    // Without the variable the token is missing: fine offline, an error for senders.
    let l = load_in(d.path(), "m.yaml", &[], Some("i.yaml")).unwrap();
    let missing = l
        .instances
        .missing_tokens(["wa-main", "wa-main", "max-main"]);
    assert_eq!(
        missing.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        [
            "error: instance `wa-main` has no token\n  hint: provide the environment variable GREEN_API_WA_MAIN_TOKEN; validate and plan need none, run does"
        ]
    );
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &std::path::Path, _: u32) {}

#[test]
fn the_instances_file_refuses_literal_tokens_open_token_files_and_plain_http() {
    let bad = r#"
wa-main:
  platform: whatsapp
  api_url: http://api.green-api.com
  id_instance: "1101000001"
  apiTokenInstance: 937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9
wa-second:
  platform: whatsapp
  api_url: https://api.green-api.com
  id_instance: 11O1
  token_env: 65a08eb313485a71682bf547159e588f9183ae9da2ba4d48ad
max-main:
  platform: max
  api_url: https://api.green-api.com
  id_instance: "3100000001"
  token_file: open.token
  rate: fast
"#;
    let d = dir(&[
        ("i.yaml", bad),
        ("open.token", "secret\n"),
        ("m.csv", WA_ROW),
    ]);
    set_mode(&d.path().join("open.token"), 0o644);
    let r = load_in(d.path(), "m.csv", WA_ENV, Some("i.yaml"));
    let s = shown(&r);
    assert!(
        !s.contains("937ed244") && !s.contains("65a08eb3") && !s.contains("secret"),
        "a token leaked: {s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn a_default_in_the_instances_file_wins_over_the_environment_with_a_warning() {
    let file = "- name: default\n  platform: whatsapp\n  api_url: https://7105.api.greenapi.com\n  id_instance: \"7105000000\"\n  token_env: GREEN_API_FILE_TOKEN\n";
    let d = dir(&[("m.csv", WA_ROW), ("instances.yaml", file)]);
    let loaded = load_in(d.path(), "m.csv", WA_ENV, Some("instances.yaml")).unwrap();
    assert_eq!(
        loaded.instances.get("default").unwrap().id_instance,
        "7105000000"
    );
    let s = shown(&Ok(loaded));
    assert!(s.contains("warning: the instances file defines `default`, so GREEN_API_URL and GREEN_API_ID_INSTANCE are ignored"), "{s}");
    let quiet = load_in(d.path(), "m.csv", &[], Some("instances.yaml")).unwrap();
    assert!(
        !shown(&Ok(quiet)).contains("ignored"),
        "no environment, nothing to warn about"
    );
}

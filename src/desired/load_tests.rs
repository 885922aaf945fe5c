use super::*;

const TOKEN: &str = "937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9";

fn env(platform: Option<&'static str>) -> impl Fn(&str) -> Option<String> {
    move |k: &str| match k {
        "GREEN_API_URL" => Some("http://127.0.0.1:9".into()),
        "GREEN_API_ID_INSTANCE" => Some("1101000001".into()),
        "GREEN_API_TOKEN_INSTANCE" => Some(TOKEN.into()),
        "GREEN_API_PLATFORM" => platform.map(str::to_owned),
        _ => None,
    }
}

fn load_in(dir: &Path, text: &str, platform: Option<&'static str>) -> Result<Loaded, Rejected> {
    load_bytes("d.yaml", text.as_bytes(), dir, &env(platform))
}

/// Every diagnostic as `line: severity: field: message`.
fn shown(r: &Rejected) -> Vec<String> {
    r.diagnostics.iter().map(|d| d.to_string()).collect()
}

#[test]
fn a_valid_file_with_a_members_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("allowed.csv"),
        "# the allowed\n79001234567@c.us\n+7 900 123-45-68\n",
    )
    .unwrap();
    let text = r#"instance: default
protect: [79001234560@c.us]
groups:
  - chat_id: 120363043968066561@g.us
    members:
      - 79001234560@c.us
      - "+7 900 123-45-66"
    members_file: allowed.csv
    admins: [79001234560@c.us]
    remove_others: true
    demote_others: true
  - chat_id: 120363169960827018@g.us
    admins: [79001234561@c.us]
"#;
    let loaded = load_in(dir.path(), text, Some("whatsapp")).unwrap();
    let g = &loaded.state.groups;
    assert_eq!(g.len(), 2);
    assert_eq!(
        g[0].members.as_deref().unwrap(),
        [
            "79001234560@c.us",
            "79001234566@c.us",
            "79001234567@c.us",
            "79001234568@c.us"
        ]
    );
    assert!(g[0].remove_others && g[0].demote_others);
    assert_eq!(g[0].source.to_string(), "d.yaml:4");
    assert_eq!(g[1].members, None, "membership not managed");
    assert!(!g[1].remove_others);
    assert!(loaded.state.protect.contains("79001234560@c.us"));
    let notes: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n
                == "d.yaml:7: note: members: `+7 900 123-45-66` is read as `79001234566@c.us`"),
        "{notes:?}"
    );
    let file = dir.path().join("allowed.csv").display().to_string();
    assert!(
        notes.iter().any(|n| n
            == &format!(
                "{file}:3: note: members_file: `+7 900 123-45-68` is read as `79001234568@c.us`"
            )),
        "{notes:?}"
    );
}

#[test]
fn every_problem_at_once_with_its_line_and_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"protect:
  - 79001234560@c.us
groups:
  - chat_id: 120363043968066561@g.us
    members: [79001234561@c.us]
    admins:
      - 79001234562@c.us
    remove_others: true
  - chat_id: 120363043968066561@g.us
    member: [79001234563@c.us]
  - chat_id: 120363169960827018@g.us
    members_file: missing.csv
    demote_others: "yes"
  - chat_id: "-10000000000000"
    members: [10000000]
  - chat_id: 120363169960827019@g.us
    members: [not-a-number, 120363043968066561@g.us]
    remove_others: true
    admins: ["+7 900"]
  - chat_id: 120363169960827020@g.us
    remove_others: true
    instance: nowhere
  - chat_id: 79001234565@c.us
extra: 1
"#;
    let err = load_in(dir.path(), text, Some("whatsapp")).unwrap_err();
    let all = shown(&err).join("\n");
    for expected in [
        "d.yaml:7: error: admins: `79001234562@c.us` is a wanted admin but not a wanted member of this group",
        "d.yaml:9: error: chat_id: group `120363043968066561@g.us` of instance `default` is listed twice (first on line 4)",
        "d.yaml:10: error: member: is not a key of a group",
        "d.yaml:12: error: members_file: ",
        "missing.csv: cannot be read",
        "d.yaml:13: error: demote_others: must be true or false",
        "d.yaml:14: error: chat_id: `-10000000000000` is a max ID, not valid on this platform",
        "d.yaml:17: error: members: `not-a-number` is not a valid ID",
        "d.yaml:17: error: members: `120363043968066561@g.us` is a group ID where a person is expected",
        "d.yaml:19: error: admins: `+7 900` is not a valid ID",
        "d.yaml:21: error: remove_others: needs `members` or `members_file`",
        "d.yaml:22: error: instance: `nowhere` is not configured",
        "d.yaml:23: error: chat_id: `79001234565@c.us` is a person ID where a group is expected",
        "d.yaml:24: error: extra: is not a key of a desired-state file",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
    assert!(all.contains("hint: "), "{all}");
    assert!(
        !all.contains("d.yaml:8:"),
        "a protected number the group does not want is left alone, not an error: {all}"
    );
    assert!(err.to_string().ends_with("nothing was sent"), "{err}");
}

#[test]
fn the_platform_of_default_is_told_by_the_first_group() {
    let dir = tempfile::tempdir().unwrap();
    let text = "groups:\n  - chat_id: \"-10000000000000\"\n    members: [10000000]\n  - chat_id: 1203630@g.us\n    members: [79001234565@c.us]\n";
    let err = load_in(dir.path(), text, None).unwrap_err();
    let all = shown(&err).join("\n");
    assert!(
        all.contains("d.yaml:4: error: chat_id: `1203630@g.us` is a whatsapp ID, not valid on this platform\n  hint: instance `default` is max, as line 2 tells"),
        "{all}"
    );
    let ok = load_in(
        dir.path(),
        "groups:\n  - chat_id: \"-10000000000000\"\n    members: [\"10000000\"]\n",
        None,
    )
    .unwrap();
    assert_eq!(
        ok.instances.get("default").unwrap().platform,
        crate::greenapi::Platform::Max
    );
}

#[test]
fn an_operations_manifest_is_told_apart() {
    let manifest =
        b"operations:\n  - action: remove\n    chat_id: 1@g.us\n    participant_id: 7@c.us\n";
    assert!(!is_desired_state(manifest));
    assert!(is_desired_state(b"groups: []\n"));
    assert!(is_desired_state(
        b"# x\ninstance: a\n\"groups\":\n  - chat_id: 1@g.us\n"
    ));
    assert!(
        !is_desired_state(b"x: |\n  groups: 1\n"),
        "not at the top level"
    );
    let dir = tempfile::tempdir().unwrap();
    let err = load_in(
        dir.path(),
        std::str::from_utf8(manifest).unwrap(),
        Some("whatsapp"),
    )
    .unwrap_err();
    let all = shown(&err).join("\n");
    assert!(all.contains("belongs in an operations manifest"), "{all}");
    assert!(all.contains("groups: is missing"), "{all}");
}

#[test]
fn hostile_yaml_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ngroups: *h\n";
    let err = load_in(dir.path(), bomb, Some("whatsapp")).unwrap_err();
    assert_eq!(err.error_count(), 1, "{err}");
    let err = load_in(
        dir.path(),
        "groups:\n  - chat_id: \"\u{1b}[31m\"\n",
        Some("whatsapp"),
    )
    .unwrap_err();
    assert!(!err.to_string().contains('\u{1b}'), "{err}");
}

#[test]
fn ban_lists_at_the_top_and_in_a_group() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"banned:
  - 79005550001@c.us
  - "+23480*"
groups:
  - chat_id: "*"
  - chat_id: 120363043968066561@g.us
    banned: ["+7 900 555-00-02"]
    members: [79001234560@c.us]
    remove_others: true
"#;
    let loaded = load_in(dir.path(), text, Some("whatsapp")).unwrap();
    let g = &loaded.state.groups;
    assert!(g[0].is_every() && g[0].members.is_none());
    let rules = |k: usize| -> Vec<(String, u32)> {
        g[k].banned
            .iter()
            .map(|b| (b.rule.shown(), b.line))
            .collect()
    };
    assert_eq!(
        rules(0),
        vec![
            ("79005550001@c.us".to_owned(), 2),
            ("+23480*".to_owned(), 3)
        ]
    );
    assert_eq!(
        rules(1),
        vec![
            ("79005550002@c.us".to_owned(), 7),
            ("79005550001@c.us".to_owned(), 2),
            ("+23480*".to_owned(), 3)
        ]
    );
}

#[test]
fn contradictory_or_malformed_bans_are_errors_naming_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"protect: [79005550001@c.us]
banned:
  - 79005550001@c.us
  - "+2348*0"
  - "23480*"
groups:
  - chat_id: "*"
    members: [79001234560@c.us]
  - chat_id: 120363043968066561@g.us
    members: [79001234560@c.us, 79001234561@c.us]
    banned: ["+7900123456*", 79001234561@c.us]
"#;
    let shown = shown(&load_in(dir.path(), text, Some("whatsapp")).unwrap_err());
    let expected = [
        "d.yaml:3: error: banned: `79005550001@c.us` is banned (line 3) and protected (line 1)",
        "d.yaml:4: error: banned: `+2348*0` is not a number prefix",
        "d.yaml:5: error: banned: `23480*` is not a number prefix",
        "d.yaml:8: error: members: is not for a `*` entry",
        "d.yaml:11: error: banned: `79001234560@c.us` is banned by `+7900123456*` (line 11) and a wanted member of this group (line 10)",
        "d.yaml:11: error: banned: `79001234561@c.us` is banned by `+7900123456*` (line 11) and a wanted member of this group (line 10)",
        "d.yaml:11: error: banned: `79001234561@c.us` is banned (line 11) and a wanted member of this group (line 10)",
    ];
    for e in expected {
        assert!(shown.iter().any(|s| s.starts_with(e)), "{e}\n{shown:#?}");
    }
}

#[test]
fn a_prefix_in_a_max_group_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = "banned: [\"+23480*\"]\ngroups:\n  - chat_id: \"-10000000000000\"\n    banned: [\"+23480*\", 10000001]\n";
    let shown = shown(&load_in(dir.path(), text, Some("max")).unwrap_err());
    assert!(
        shown.iter().any(|s| s.starts_with(
            "d.yaml:4: error: banned: `+23480*` is a number prefix, and MAX person IDs are no phone numbers"
        )),
        "{shown:#?}"
    );
    // The top-level prefix is no error: it never matches on MAX.
    assert_eq!(
        shown.iter().filter(|s| s.contains("error")).count(),
        1,
        "{shown:#?}"
    );
}

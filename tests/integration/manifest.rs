//! Manifests: every reading and validation rule of CSV and YAML manifests,
//! with exact messages and locations. Helpers here are shared by the other
//! `manifest_*` modules.

use std::path::Path;

use greenbatch::greenapi::{Action, Platform};
use greenbatch::manifest::{self, LoadOptions, Loaded, OpId, Rejected};

use crate::support::WA_MAIN;

/// The environment of the sandbox's wa-main as `default`, platform unset.
pub(crate) const WA_ENV: &[(&str, &str)] = &[
    ("GREEN_API_URL", "http://127.0.0.1:7700/"),
    ("GREEN_API_ID_INSTANCE", WA_MAIN),
];

/// Writes `files` into a fresh directory.
pub(crate) fn dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    d
}

/// Loads `name` from `d` with `env` and an optional instances file in `d`.
pub(crate) fn load_in(
    d: &Path,
    name: &str,
    env: &[(&str, &str)],
    instances: Option<&str>,
) -> Result<Loaded, Rejected> {
    let opts = LoadOptions {
        instances_file: instances.map(|i| d.join(i)),
        ..LoadOptions::default()
    };
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    manifest::load(&d.join(name), &opts, &lookup)
}

/// Loads one manifest written as `text` under `name`.
pub(crate) fn load(name: &str, text: &str, env: &[(&str, &str)]) -> Result<Loaded, Rejected> {
    let d = dir(&[(name, text)]);
    load_in(d.path(), name, env, None)
}

/// Every diagnostic, one per line, with the temporary directory removed.
pub(crate) fn shown(result: &Result<Loaded, Rejected>) -> String {
    let (diags, prefix) = match result {
        Ok(l) => (&l.diagnostics, None),
        Err(r) => (&r.diagnostics, Some(r.to_string())),
    };
    let mut s: String = diags.iter().map(|d| format!("{d}\n")).collect();
    if let Some(p) = prefix {
        s.push_str(p.lines().last().unwrap_or(""));
    }
    clean(&s)
}

/// `text` with temporary paths reduced to their file names.
pub(crate) fn clean(text: &str) -> String {
    let re_tmp = std::env::temp_dir();
    let tmp = re_tmp.to_string_lossy();
    text.split(&*tmp)
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_owned()
            } else {
                part.split_once('/')
                    .map_or(part, |(_, rest)| rest)
                    .split_once('/')
                    .map_or(part.to_owned(), |(_, rest)| rest.to_owned())
            }
        })
        .collect()
}

/// Operations as `line action chat participant instance`.
pub(crate) fn ops(l: &Loaded) -> Vec<String> {
    l.operations
        .iter()
        .map(|o| {
            format!(
                "{} {} {} {} {}",
                o.source.line, o.action, o.chat_id, o.participant_id, o.instance
            )
        })
        .collect()
}

#[test]
fn csv_reads_aliases_bom_crlf_quotes_blank_lines_and_spaces() {
    let text = "\u{feff}Action , groupId,PARTICIPANTCHATID,Instance,note\r\n\
                remove,120363043968066561@g.us,79001234561@c.us,,x\r\n\
                \r\n\
                \" promote \",\"120363043968066561@g.us\", 79001234562@c.us ,default,\"a, b\"\r\n\
                removeAdmin,120363043968066561@g.us,79001234563@c.us,,\"two\r\nlines\"\r\n\
                ,,,,\r\n\
                add,120363043968066561@g.us,79001234564@c.us\r\n";
    let l = load("a.csv", text, WA_ENV).unwrap();
    assert_eq!(
        ops(&l),
        [
            "2 remove 120363043968066561@g.us 79001234561@c.us default",
            "4 promote 120363043968066561@g.us 79001234562@c.us default",
            "5 demote 120363043968066561@g.us 79001234563@c.us default",
            "8 add 120363043968066561@g.us 79001234564@c.us default",
        ]
    );
    insta::assert_snapshot!(shown(&Ok(l)));
}

#[test]
fn csv_header_problems_stop_before_the_rows() {
    let r = load(
        "h.csv",
        "action,chat,participant_id,token\nremove,1,2,3\n",
        WA_ENV,
    );
    insta::assert_snapshot!(shown(&r));
    let r = load("d.csv", "action,chat_id,groupId,participant_id\n", WA_ENV);
    assert!(
        shown(&r).contains("d.csv:1: error: groupId: two columns name the chat_id"),
        "{}",
        shown(&r)
    );
    let r = load("e.csv", "", WA_ENV);
    assert!(
        shown(&r).contains("e.csv:1: error: the manifest is empty"),
        "{}",
        shown(&r)
    );
}

#[test]
fn yaml_reads_the_issue_shape_with_item_and_participant_lines() {
    let text = r#"instance: default            # optional default for every operation
protect:
  - 79001234567@c.us
operations:
  - action: remove
    chat_id: 120363043968066561@g.us
    participants: [79001234565@c.us, 79001234566@c.us]
  - action: promote
    groupId: 120363169960827018@g.us
    participants:
      - 79005550001@c.us

      - "79005550002@c.us"
  - participantChatId: 79005550003@c.us
    action: setGroupAdmin
    chatId: 120363169960827018@g.us
    instance: default
"#;
    let l = load("m.yaml", text, WA_ENV).unwrap();
    assert_eq!(
        ops(&l),
        [
            "7 remove 120363043968066561@g.us 79001234565@c.us default",
            "7 remove 120363043968066561@g.us 79001234566@c.us default",
            "11 promote 120363169960827018@g.us 79005550001@c.us default",
            "13 promote 120363169960827018@g.us 79005550002@c.us default",
            "14 promote 120363169960827018@g.us 79005550003@c.us default",
        ]
    );
    let wa = |a, c, p| OpId::new(Platform::WhatsApp, WA_MAIN, a, c, p);
    assert_eq!(
        l.operations[0].op_id,
        wa(
            Action::Remove,
            "120363043968066561@g.us",
            "79001234565@c.us"
        )
    );
    assert_eq!(
        l.operations[4].op_id,
        wa(
            Action::Promote,
            "120363169960827018@g.us",
            "79005550003@c.us"
        )
    );
    let inst = l.instances.get("default").unwrap();
    assert_eq!(
        (inst.platform, inst.api_url.as_str(), inst.token.is_none()),
        (Platform::WhatsApp, "http://127.0.0.1:7700", true)
    );
}

#[test]
fn yaml_problems_carry_the_line_of_their_item() {
    let text = r#"protect:
  - 79001234567@c.us
  - not-a-person
operations:
  - action: kick
    chat_id: 120363043968066561@g.us
    participant_id: 79001234561@c.us
  - action: remove
    chat_id: 120363043968066561@g.us
    participants:
      - 79001234562@c.us
      - 79001234567@c.us
  - action: remove
    participant_id: 79001234563@c.us
    participants: [79001234564@c.us]
    chat_id: 120363043968066561@g.us
  - action: add
    chat_id: 120363043968066561@g.us
    colour: blue
  - action: add
    chat_id: [1, 2]
    participant_id: 79001234568@c.us
    apiTokenInstance: x
  - "just a string"
"#;
    insta::assert_snapshot!(shown(&load("bad.yaml", text, WA_ENV)));
}

/// Manifests and desired-state files share one `protect` reader: a loosely
/// written number is noted as it is read, and protects its canonical form.
#[test]
fn a_loose_protected_number_is_noted_and_protects_its_canonical_form() {
    let text = r#"protect:
  - "+7 900 123-45-67"
operations:
  - action: remove
    chat_id: 120363043968066561@g.us
    participants: [79001234567@c.us, 79001234568@c.us]
"#;
    let shown = shown(&load("p.yaml", text, WA_ENV));
    assert!(
        shown.contains("p.yaml:2: note: protect: `+7 900 123-45-67` is read as `79001234567@c.us`"),
        "{shown}"
    );
    assert!(
        shown.contains("`79001234567@c.us` is protected (line 2)"),
        "{shown}"
    );
}

#[test]
fn ids_are_checked_against_the_platform_and_loose_phones_are_noted() {
    let text = "action,chat_id,participant_id\n\
        remove,120363043968066561@g.us,+7 900 123-45-65\n\
        remove,120363043968066561@g.us,79001234566\n\
        remove,79001234567@c.us,120363043968066561@g.us\n\
        remove,120363043968066561@g.us,120363043968066561@g.us\n\
        remove,79001234567@c.us,79001234568@c.us\n\
        remove,-10000000000000,10000000\n\
        remove,1-@g.us,79001234569@c.us\n\
        remove,120363043968066561@g.us,\n\
        remove,120363043968066561@g.us\n";
    let env = [WA_ENV, &[("GREEN_API_PLATFORM", "whatsapp")]].concat();
    insta::assert_snapshot!(shown(&load("ids.csv", text, &env)));
}

#[test]
fn contradictions_name_both_lines_and_duplicates_run_once() {
    let text = "action,chat_id,participant_id\n\
        add,120363043968066561@g.us,79001234561@c.us\n\
        promote,120363043968066561@g.us,79001234561@c.us\n\
        add,120363043968066561@g.us,79001234561@c.us\n\
        remove,120363043968066561@g.us,79001234562@c.us\n\
        add,120363043968066561@g.us,79001234562@c.us\n\
        promote,120363043968066561@g.us,79001234563@c.us\n\
        demote,120363043968066561@g.us,79001234563@c.us\n\
        add,120363043968066561@g.us,79001234564@c.us\n\
        demote,120363043968066561@g.us,79001234564@c.us\n\
        promote,120363043968066561@g.us,79001234565@c.us\n\
        add,120363043968066561@g.us,79001234565@c.us\n";
    insta::assert_snapshot!(shown(&load("c.csv", text, WA_ENV)));
}

#[test]
fn same_participant_keeps_manifest_order_and_duplicates_are_dropped() {
    let text = "action,chat_id,participant_id\n\
        add,120363043968066561@g.us,79001234561@c.us\n\
        remove,120363043968066561@g.us,79001234562@c.us\n\
        promote,120363043968066561@g.us,79001234561@c.us\n\
        remove,120363043968066561@g.us,79001234562@c.us\n\
        promote,120363043968066561@g.us,79001234561@c.us\n\
        remove,120363043968066561@g.us,79001234561@c.us\n";
    let l = load("o.csv", text, WA_ENV).unwrap();
    assert_eq!(
        ops(&l),
        [
            "2 add 120363043968066561@g.us 79001234561@c.us default",
            "3 remove 120363043968066561@g.us 79001234562@c.us default",
            "4 promote 120363043968066561@g.us 79001234561@c.us default",
            "7 remove 120363043968066561@g.us 79001234561@c.us default",
        ]
    );
    let warnings: Vec<String> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == manifest::Severity::Warning)
        .map(|d| d.to_string())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[test]
fn op_ids_ignore_lines_and_spelling() {
    let a = load(
        "a.csv",
        "action,chat_id,participant_id\nremove,120363043968066561@g.us,+7 900 123-45-65\n",
        WA_ENV,
    )
    .unwrap();
    let b = load("b.yaml", "operations:\n  - action: removeGroupParticipant\n    groupId: 120363043968066561@g.us\n    participants: [79001234561@c.us, 79001234565]\n", WA_ENV).unwrap();
    assert_eq!(a.operations[0].op_id, b.operations[1].op_id);
    assert_ne!(a.operations[0].source, b.operations[1].source);
}

#[test]
fn a_token_in_a_manifest_is_refused_without_being_shown() {
    let text = "action,chat_id,participant_id,instance,secret\nremove,120363043968066561@g.us,79001234561@c.us,937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9,x\nremove,120363043968066561@g.us,79001234562@c.us,,65a08eb313485a71682bf547159e588f9183ae9da2ba4d48ad\n";
    let s = shown(&load("t.csv", text, WA_ENV));
    assert!(!s.contains("937ed244") && !s.contains("65a08eb3"), "{s}");
    assert!(
        s.contains(
            "t.csv:2: error: instance: holds what looks like an API token\n  hint: keep tokens out"
        ),
        "{s}"
    );
    assert!(
        s.contains("t.csv:3: error: secret: holds what looks like an API token"),
        "{s}"
    );
    let yaml = "apiTokenInstance: abc\noperations: []\n";
    assert!(
        shown(&load("t.yaml", yaml, WA_ENV))
            .contains("t.yaml:1: error: apiTokenInstance: a token is written literally")
    );
}

#[test]
fn an_items_problems_are_said_once_at_its_line_and_a_participants_at_theirs() {
    let text = "operations:\n  - action: kick\n    chat_id: 79001234567@c.us\n    participants:\n      - 79001234561@c.us\n      - 79001234562@c.us\n  - action: remove\n    chat_id: 120363043968066561@g.us\n    instance: nope\n    participants:\n      - 79001234561@c.us\n      - 120363043968066561@g.us\n";
    insta::assert_snapshot!(shown(&load("i.yaml", text, WA_ENV)), @r"
    note: instance `default` has no token
      hint: provide GREEN_API_TOKEN_INSTANCE; validate and plan need none, run does
    i.yaml:2: error: action: unknown action `kick`
      hint: use remove, add, promote or demote (or the method names removeGroupParticipant, addGroupParticipant, setGroupAdmin, removeAdmin)
    i.yaml:2: error: chat_id: `79001234567@c.us` is a person ID where a group is expected
      hint: a whatsapp group ID looks like `120363043968066561@g.us`
    i.yaml:7: error: instance: `nope` is not configured (used on line 7)
      hint: configured instances: default; or add it to the --instances file
    i.yaml:12: error: participant_id: `120363043968066561@g.us` is a group ID where a person is expected
      hint: a whatsapp person ID looks like `79001234565@c.us`
    i.yaml: 4 problems; nothing was sent
    ");
}

/// A WhatsApp group's number without `@g.us` (a spreadsheet column, a copy
/// from a link) is told to add the suffix, not to change platform.
#[test]
fn a_group_number_without_its_suffix_is_told_to_add_it() {
    let env: &[(&str, &str)] = &[
        ("GREEN_API_URL", "http://127.0.0.1:7700/"),
        ("GREEN_API_ID_INSTANCE", WA_MAIN),
        ("GREEN_API_PLATFORM", "whatsapp"),
    ];
    let result = load(
        "a.csv",
        "action,chat_id,participant_id\nremove,120363043968066561,79001234565@c.us\n",
        env,
    );
    let text = shown(&result);
    assert!(
        text.contains(
            "hint: a whatsapp group ID ends in `@g.us`: add it (`120363043968066561@g.us`)"
        ),
        "{text}"
    );
}

/// Files as spreadsheets save them (issue 24): a semicolon CSV with a BOM,
/// CRLF and a blank line; Excel's "Unicode Text" (UTF-16LE, tabs, `.txt`);
/// and a CP1251 file, refused with the line that converts it.
#[test]
fn files_as_spreadsheets_save_them_are_read_or_refused_with_a_hint() {
    let env: &[(&str, &str)] = &[
        ("GREEN_API_URL", "http://127.0.0.1:7700/"),
        ("GREEN_API_ID_INSTANCE", WA_MAIN),
        ("GREEN_API_PLATFORM", "whatsapp"),
    ];
    let semicolons = "\u{feff}action;chat_id;participant_id\r\nremove;120363043968066561@g.us;79001234561@c.us\r\n\r\nremove;120363043968066561@g.us;79001234562@c.us\r\n";
    let l = load("excel.csv", semicolons, env).expect("read");
    assert_eq!(l.operations.len(), 2);
    assert_eq!(l.operations[1].source.line, 4, "the blank line counts");
    assert!(shown(&Ok(l)).contains("note: read as separated by semicolons"));
    // An error in such a file names the line a person sees.
    let bad = semicolons.replace("79001234562@c.us", "nobody");
    let text = shown(&load("excel.csv", &bad, env));
    assert!(
        text.contains("excel.csv:4: error: participant_id"),
        "{text}"
    );

    let d = dir(&[]);
    let mut utf16 = vec![0xFF, 0xFE];
    let unicode_text =
        "action\tchat_id\tparticipant_id\r\nremove\t120363043968066561@g.us\t79001234561@c.us\r\n";
    utf16.extend(unicode_text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(d.path().join("unicode.txt"), &utf16).unwrap();
    let l = load_in(d.path(), "unicode.txt", env, None).expect("read");
    assert_eq!(l.operations.len(), 1);
    assert_eq!(l.operations[0].participant_id.as_str(), "79001234561@c.us");
    assert!(shown(&Ok(l)).contains("read as UTF-16LE text, separated by tabs"));

    std::fs::write(
        d.path().join("cp1251.csv"),
        b"action,chat_id,participant_id\n\xd3\xe4\xe0\xeb\xe8\xf2\xfc,120363043968066561@g.us,79001234561@c.us\n",
    )
    .unwrap();
    let text = shown(&load_in(d.path(), "cp1251.csv", env, None));
    assert!(
        text.contains("is not UTF-8 text: it looks like a single-byte encoding such as CP1251"),
        "{text}"
    );
    assert!(text.contains("iconv -f CP1251 -t UTF-8"), "{text}");
}

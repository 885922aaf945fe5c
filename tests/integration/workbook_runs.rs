//! Workbooks doing real work (issue 24): an `.xlsx` manifest run against
//! the sandbox, its results pointing at cells and a rerun sending nothing;
//! and a desired-state file whose `members_file` is a workbook.

use greenbatch::runner::Outcome;
use greenbatch::sandbox::SandboxConfig;

use crate::support::*;
use crate::workbook::{C, cmd, ods, xlsx};

const G1: &str = "120363043968066561@g.us";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_manifest_runs_against_the_sandbox_and_its_results_name_cells() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("bans.xlsx");
    xlsx(
        &manifest,
        &[(
            "Bans",
            &[
                &[C::S("Action"), C::S("groupId"), C::S("participantChatId")],
                &[C::S("remove"), C::S(G1), C::S("79001234561@c.us")],
                &[],
                // A phone number typed into a General cell: the float
                // 79001234562, read back exactly.
                &[C::S("remove"), C::S(G1), C::N(79001234562.0)],
                &[C::S("promote"), C::S(G1), C::S("79001234563@c.us")],
            ],
        )],
    );
    let args = ["run", manifest.to_str().unwrap(), "--rate", "50/s"];
    let out = greenbatch(&args, &default_env(&sb, WA_MAIN)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = rows(&dir.path().join("bans.results.csv"));
    // In the order they finished: sorted, as the manifest lists them.
    let mut done: Vec<(&str, &str, Outcome)> = rows
        .iter()
        .map(|r| (r.participant_id.as_str(), r.source.as_str(), r.outcome))
        .collect();
    done.sort();
    let at = |cell: &str| format!("{}:Bans!{cell}", manifest.display());
    assert_eq!(
        done,
        [
            ("79001234561@c.us", at("C2").as_str(), Outcome::Done),
            ("79001234562@c.us", at("C4").as_str(), Outcome::Done),
            ("79001234563@c.us", at("C5").as_str(), Outcome::Done),
        ]
    );
    let state = sb.state();
    let g1 = state.group(G1).unwrap();
    assert!(!g1.is_member("79001234561@c.us"));
    assert!(!g1.is_member("79001234562@c.us"));
    assert!(g1.is_admin("79001234563@c.us"));
    assert_eq!(sent(&sb).len(), 3);
    let requests = sb.ledger().len();
    let again = greenbatch(&args, &default_env(&sb, WA_MAIN)).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(sb.ledger().len(), requests, "a rerun sends nothing");
}

#[test]
fn a_members_file_may_be_a_workbook_its_cells_checked_like_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // One ID per row, a `#` note, a float read exactly, and an 18-digit
    // number the spreadsheet cannot have kept.
    xlsx(
        &d.join("allowed.xlsx"),
        &[(
            "Sheet1",
            &[
                &[C::S("# who stays")],
                &[C::N(79001234561.0)],
                &[C::S("79001234562@c.us")],
                &[C::N(1.2036304396806656E17)],
            ],
        )],
    );
    // An export saved as a workbook: this group's rows only.
    ods(
        &d.join("export.ods"),
        &[(
            "Sheet1",
            &[
                &[C::S("chat_id"), C::S("participant_id"), C::S("role")],
                &[C::S(G1), C::N(79001234563.0), C::S("member")],
                &[C::S("1@g.us"), C::S("79001234564@c.us"), C::S("member")],
                &[C::S(G1), C::S("7.9001234565E+10"), C::S("member")],
            ],
        )],
    );
    let desired = |file: &str| format!("groups:\n  - chat_id: {G1}\n    members_file: {file}\n");
    std::fs::write(d.join("a.yaml"), desired("allowed.xlsx")).unwrap();
    std::fs::write(d.join("e.yaml"), desired("export.ods")).unwrap();
    let hint = "hint: a spreadsheet stored this ID as a number and may have lost digits: format the column as Text and type the number again";
    let out = cmd(d).args(["validate", "a.yaml"]).output().unwrap();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    for want in [
        "./allowed.xlsx:Sheet1!A2: note: members_file: `79001234561` is read as `79001234561@c.us`"
            .to_owned(),
        format!(
            "./allowed.xlsx:Sheet1!A4: error: members_file: holds the number 1.2036304396806656E17, longer than the 15 digits a spreadsheet keeps of a number; its last digits may be lost\n  {hint}"
        ),
    ] {
        assert!(text.contains(&want), "missing {want:?} in:\n{text}");
    }
    assert!(
        !text.contains("Sheet1!A1"),
        "the `#` row is a note:\n{text}"
    );
    let out = cmd(d).args(["validate", "e.yaml"]).output().unwrap();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    for want in [
        "./export.ods:Sheet1!B2: note: members_file: `79001234563` is read as `79001234563@c.us`"
            .to_owned(),
        format!(
            "./export.ods:Sheet1!B4: error: members_file: `7.9001234565E+10` is a number in E-notation, not an ID\n  {hint}"
        ),
    ] {
        assert!(text.contains(&want), "missing {want:?} in:\n{text}");
    }
    assert!(
        !text.contains("79001234564"),
        "another group's row:\n{text}"
    );
}

#[test]
fn members_sheet_picks_a_workbook_s_sheet_and_is_never_silently_ignored() {
    const G2: &str = "120363169960827018@g.us";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // One workbook, a sheet per group, as moderators keep their lists.
    xlsx(
        &d.join("lists.xlsx"),
        &[
            ("Market", &[&[C::N(79001234561.0)]]),
            ("Book club", &[&[C::S("# stays")], &[C::N(79001234562.0)]]),
        ],
    );
    std::fs::write(d.join("plain.txt"), "79001234563@c.us\n").unwrap();
    let good = format!(
        "groups:\n  - chat_id: {G1}\n    members_file: lists.xlsx\n    members_sheet: Market\n  - chat_id: {G2}\n    members_file: lists.xlsx\n    members_sheet: Book club\n"
    );
    let bad = format!(
        "groups:\n  - chat_id: {G1}\n    members_file: lists.xlsx\n    members_sheet: Bans\n  - chat_id: {G2}\n    members: [79001234564@c.us]\n    members_sheet: Market\n  - chat_id: 79876543210-1587570015@g.us\n    members_file: plain.txt\n    members_sheet: Market\n  - chat_id: \"*\"\n    banned: [79001234569@c.us]\n    members_sheet: Market\n"
    );
    let cases: [(&str, String, i32, &[&str]); 2] = [
        (
            "good.yaml",
            good,
            0,
            &[
                "./lists.xlsx:Market!A1: note: members_file: `79001234561` is read as `79001234561@c.us`",
                "./lists.xlsx:'Book club'!A2: note: members_file: `79001234562` is read as `79001234562@c.us`",
            ],
        ),
        (
            "bad.yaml",
            bad,
            2,
            &[
                "bad.yaml:3: error: members_file: ./lists.xlsx: has no sheet `Bans`; its sheets are `Market`, `Book club`",
                "bad.yaml:7: error: members_sheet: names a sheet, but the group has no `members_file`",
                "bad.yaml:10: error: members_sheet: names a sheet, but `members_file` is not a workbook",
                "bad.yaml:13: error: members_sheet: is not for a `*` entry",
            ],
        ),
    ];
    for (file, yaml, code, wants) in cases {
        std::fs::write(d.join(file), yaml).unwrap();
        let out = cmd(d).args(["validate", file]).output().unwrap();
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{file}: {text}");
        for want in wants {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
    }
}

//! Workbook manifests (issue 24) as a user runs `validate` on them: an
//! `.xlsx` written by rust_xlsxwriter and an `.ods` written by
//! spreadsheet-ods inside the test (what Excel's and LibreOffice's formats
//! really hold, not bytes checked in once), read with the CSV reader's
//! columns and diagnostics, each at its cell; numbers a spreadsheet made
//! floats read back exactly or refused; `--sheet`; `--delimiter`.

use std::path::Path;

use assert_cmd::Command;

use crate::support::{WA_MAIN, greenbatch_std, stderr};

const G1: &str = "120363043968066561@g.us";

/// A cell as a spreadsheet holds it.
#[derive(Clone, Copy)]
pub enum C {
    /// Text.
    S(&'static str),
    /// A number (what a "General" cell makes of digits typed into it).
    N(f64),
    /// Nothing.
    E,
}

/// A sheet: its tab's name and its rows from A1.
pub type Sheet<'a> = (&'a str, &'a [&'a [C]]);

/// Writes `sheets` as an `.xlsx` at `path` with rust_xlsxwriter.
pub fn xlsx(path: &Path, sheets: &[Sheet<'_>]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match *cell {
                    C::S(s) => drop(ws.write_string(r, c, s).unwrap()),
                    C::N(n) => drop(ws.write_number(r, c, n).unwrap()),
                    C::E => {}
                }
            }
        }
    }
    book.save(path).unwrap();
}

/// Writes `sheets` as an `.ods` at `path` with spreadsheet-ods.
pub fn ods(path: &Path, sheets: &[Sheet<'_>]) {
    let mut book = spreadsheet_ods::WorkBook::new_empty();
    for (name, rows) in sheets {
        let mut sheet = spreadsheet_ods::Sheet::new(*name);
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u32);
                match *cell {
                    C::S(s) => sheet.set_value(r, c, s),
                    C::N(n) => sheet.set_value(r, c, n),
                    C::E => {}
                }
            }
        }
        book.push_sheet(sheet);
    }
    spreadsheet_ods::write_ods(&mut book, path).unwrap();
}

/// `greenbatch` in `dir` with `default` a WhatsApp instance, nothing else.
pub fn cmd(dir: &Path) -> Command {
    let mut c = Command::from_std(greenbatch_std());
    c.current_dir(dir)
        .env_clear()
        .env("GREEN_API_URL", "http://127.0.0.1:7700")
        .env("GREEN_API_ID_INSTANCE", WA_MAIN)
        .env("GREEN_API_PLATFORM", "whatsapp");
    c
}

/// `validate ARGS` in `dir`: exit code and stderr.
fn validate(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = cmd(dir).arg("validate").args(args).output().unwrap();
    let text = stderr(&out) + &String::from_utf8_lossy(&out.stdout);
    (out.status.code(), text)
}

fn has(text: &str, want: &str) {
    assert!(text.contains(want), "missing {want:?} in:\n{text}");
}

const HEADER: &[C] = &[
    C::S("action"),
    C::S("chat_id"),
    C::S("participant_id"),
    C::S("note"),
];

/// Three operations, a blank row, a float ID and a float in a column
/// greenbatch does not read.
const THREE: &[&[C]] = &[
    HEADER,
    &[
        C::S("remove"),
        C::S(G1),
        C::S("79001234561@c.us"),
        C::S("spam"),
    ],
    &[],
    &[C::S("remove"), C::S(G1), C::N(7.9001234562E10), C::N(3.5)],
    &[C::S("promote"), C::S(G1), C::S("79001234563@c.us")],
];

#[test]
fn an_xlsx_and_an_ods_read_like_their_csv_and_float_ids_come_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    xlsx(&dir.path().join("m.xlsx"), &[("Sheet1", THREE)]);
    ods(&dir.path().join("m.ods"), &[("Sheet1", THREE)]);
    for name in ["m.xlsx", "m.ods"] {
        let (code, text) = validate(dir.path(), &[name]);
        assert_eq!(code, Some(0), "{name}:\n{text}");
        has(&text, &format!("{name}: valid, 3 operations in 1 group"));
        // 7.9001234562E10 is the number 79001234562, not a rounding of it.
        has(
            &text,
            &format!(
                "{name}:Sheet1!C4: note: participant_id: `79001234562` is read as `79001234562@c.us`"
            ),
        );
        has(
            &text,
            &format!("{name}:Sheet1!A1: warning: column `note` is not used; ignored"),
        );
    }
    // The same rows as CSV say the same, at lines instead of cells.
    let csv = format!(
        "action,chat_id,participant_id,note\nremove,{G1},79001234561@c.us,spam\n\nremove,{G1},79001234562,3.5\npromote,{G1},79001234563@c.us\n"
    );
    std::fs::write(dir.path().join("m.csv"), csv).unwrap();
    let (code, text) = validate(dir.path(), &["m.csv"]);
    assert_eq!(code, Some(0), "{text}");
    has(
        &text,
        "m.csv:4: note: participant_id: `79001234562` is read as `79001234562@c.us`",
    );
}

#[test]
fn a_workbook_s_findings_about_other_rows_name_rows_as_its_tabs_number_them() {
    let dir = tempfile::tempdir().unwrap();
    let rows: &[&[C]] = &[
        &[
            C::S("action"),
            C::S("chat_id"),
            C::S("participant_id"),
            C::S("instance"),
        ],
        &[C::S("remove"), C::S(G1), C::S("79001234561@c.us")],
        &[C::S("remove"), C::S(G1), C::S("79001234561@c.us")],
        &[C::S("add"), C::S(G1), C::S("79001234561@c.us")],
        &[
            C::S("remove"),
            C::S(G1),
            C::S("79001234562@c.us"),
            C::S("nope"),
        ],
        &[
            C::S("remove"),
            C::S(G1),
            C::S("79001234563@c.us"),
            C::S("nope"),
        ],
    ];
    xlsx(&dir.path().join("m.xlsx"), &[("Sheet1", rows)]);
    let (code, text) = validate(dir.path(), &["m.xlsx"]);
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        "m.xlsx:Sheet1!C3: warning: duplicate of row 2; it runs once",
    );
    has(&text, "contradicts the `remove` on row 2");
    has(&text, "`nope` is not configured (used on rows 5, 6)");
    assert!(!text.contains(" line"), "a sheet has rows:\n{text}");
    // The same rows as CSV keep their lines.
    let csv = format!(
        "action,chat_id,participant_id,instance\nremove,{G1},79001234561@c.us,\nremove,{G1},79001234561@c.us,\nadd,{G1},79001234561@c.us,\nremove,{G1},79001234562@c.us,nope\nremove,{G1},79001234563@c.us,nope\n"
    );
    std::fs::write(dir.path().join("m.csv"), csv).unwrap();
    let (code, text) = validate(dir.path(), &["m.csv"]);
    assert_eq!(code, Some(2), "{text}");
    has(&text, "m.csv:3: warning: duplicate of line 2; it runs once");
    has(&text, "contradicts the `remove` on line 2");
    has(&text, "`nope` is not configured (used on lines 5, 6)");
}

/// A header and one operation.
const ONE: &[&[C]] = &[
    &[C::S("action"), C::S("chat_id"), C::S("participant_id")],
    &[C::S("remove"), C::S(G1), C::S("79001234561@c.us")],
];

/// A workbook that unpacks to far more than its size (a zip bomb, here
/// a sheet of forty 32,767-character texts that pack to almost nothing)
/// is refused from its directory before calamine unpacks it, against
/// `--max-manifest-size`; the same file within the bound is read.
#[test]
fn a_workbook_that_unpacks_past_its_bound_is_refused_before_it_is_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.xlsx");
    // Forty texts a shared-strings table cannot fold into one.
    let notes: Vec<[C; 1]> = (0..40u8)
        .map(|r| {
            [C::S(
                char::from(b'A' + r % 26).to_string().repeat(32_767).leak(),
            )]
        })
        .collect();
    let notes: Vec<&[C]> = notes.iter().map(|r| &r[..]).collect();
    xlsx(&path, &[("Sheet1", ONE), ("Notes", &notes)]);
    let packed = std::fs::metadata(&path).unwrap().len();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let unpacked: u64 = (0..zip.len())
        .map(|i| zip.by_index_raw(i).unwrap().size())
        .sum();
    assert!(unpacked > 16 * packed, "{unpacked} unpacked of {packed}");
    // Odd, so that 16 times it is said in bytes, not KiB.
    let cap = packed | 1;
    let (code, text) = validate(
        dir.path(),
        &["m.xlsx", "--max-manifest-size", &cap.to_string()],
    );
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        &format!(
            "error: m.xlsx unpacks to more than {} bytes (16 times --max-manifest-size): a list of people is far smaller\n  hint: check that the right file was given; if it is, raise --max-manifest-size",
            16 * cap
        ),
    );
    // Within the bound (here the default), the same file is read.
    let (code, text) = validate(dir.path(), &["m.xlsx"]);
    assert_eq!(code, Some(0), "{text}");
    has(&text, "m.xlsx: valid, 1 operation in 1 group");
}

/// An `.ods` is laid out whole by calamine, every sheet, cells far apart
/// unfolded into the grid between them: a stray cell a million rows down
/// (written by spreadsheet-ods, a few hundred bytes) would take 5 GB. It
/// is refused from its content.xml before calamine builds the grid.
#[test]
fn an_ods_whose_layout_would_unfold_past_its_bound_is_refused_before_it_is_laid_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("far.ods");
    // A note in A1 and another at CM1000001 of a second sheet.
    let far: &[C] = &[[C::E; 90].as_slice(), &[C::S("far away")]].concat();
    let mut notes: Vec<&[C]> = vec![&[C::S("a note")]];
    notes.resize(1_000_000, &[]);
    notes.push(far);
    ods(&path, &[("Sheet1", ONE), ("Notes", &notes)]);
    let packed = std::fs::metadata(&path).unwrap().len();
    assert!(packed < 16 << 10, "{packed} bytes");
    let (code, text) = validate(dir.path(), &["far.ods"]);
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        "error: far.ods lays its sheets out in more than 1GiB (16 times --max-manifest-size): a list of people is far smaller\n  hint: check that the right file was given; if it is, raise --max-manifest-size, or save it as .xlsx (read cell by cell) or \"CSV UTF-8\"",
    );
}

#[test]
fn a_stray_cell_at_the_sheet_s_far_corner_costs_nothing() {
    // A dense grid from A1 to XFD1048576 would be 17 billion cells: the
    // cells are kept sparse, and the stray one is in no column read.
    let dir = tempfile::tempdir().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in THREE.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match *cell {
                C::S(s) => drop(ws.write_string(r as u32, c as u16, s).unwrap()),
                C::N(n) => drop(ws.write_number(r as u32, c as u16, n).unwrap()),
                C::E => {}
            }
        }
    }
    ws.write_string(1_048_575, 16_383, "stray").unwrap();
    book.save(dir.path().join("m.xlsx")).unwrap();
    let (code, text) = validate(dir.path(), &["m.xlsx"]);
    assert_eq!(code, Some(0), "{text}");
    has(&text, "m.xlsx: valid, 3 operations in 1 group");
}

#[test]
fn numbers_a_spreadsheet_may_have_changed_are_refused_at_their_cell() {
    let blank: &[C] = &[];
    let rows: Vec<&[C]> = [
        HEADER,
        // An 18-digit group number typed into a General cell.
        &[
            C::S("remove"),
            C::N(1.2036304396806656E17),
            C::S("79001234561@c.us"),
        ],
        &[C::S("remove"), C::S(G1), C::N(79001234562.5)],
        // What a CSV export of such a cell says, pasted back as text.
        &[C::S("remove"), C::S(G1), C::S("7.9001234565E+10")],
        // Read exactly; the note column's huge float is not read at all.
        &[C::S("remove"), C::S(G1), C::N(7.9001234565E10), C::N(1e300)],
    ]
    .into_iter()
    .chain(std::iter::repeat_n(blank, 8))
    .chain([&[C::S("reomve"), C::S("nope"), C::S("79001234566@c.us")] as &[C]])
    .collect();
    let dir = tempfile::tempdir().unwrap();
    xlsx(&dir.path().join("bans.xlsx"), &[("Sheet1", &rows)]);
    let (code, text) = validate(dir.path(), &["bans.xlsx"]);
    assert_eq!(code, Some(2), "{text}");
    let hint = "hint: a spreadsheet stored this ID as a number and may have lost digits: format the column as Text and type the number again";
    for want in [
        "bans.xlsx:Sheet1!B2: error: chat_id: holds the number 1.2036304396806656E17, longer than the 15 digits a spreadsheet keeps of a number; its last digits may be lost\n  {hint}",
        "bans.xlsx:Sheet1!C3: error: participant_id: holds the number 79001234562.5, which is no ID\n  {hint}",
        "bans.xlsx:Sheet1!C4: error: participant_id: `7.9001234565E+10` is a number in E-notation, not an ID\n  {hint}",
        "bans.xlsx:Sheet1!C5: note: participant_id: `79001234565` is read as `79001234565@c.us`",
        "bans.xlsx:Sheet1!A14: error: action: unknown action `reomve`",
        "bans.xlsx:Sheet1!B14: error: chat_id: `nope` is not a valid ID",
        "bans.xlsx: 5 problems; nothing was sent",
    ] {
        has(&text, &want.replace("{hint}", hint));
    }
    // The same text in a CSV file (what Excel's CSV export writes for a
    // long number) is refused the same way, at its line.
    let csv = format!("action,chat_id,participant_id\nremove,{G1},7.9001234565E+10\n");
    std::fs::write(dir.path().join("e.csv"), csv).unwrap();
    let (code, text) = validate(dir.path(), &["e.csv"]);
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        &format!(
            "e.csv:2: error: participant_id: `7.9001234565E+10` is a number in E-notation, not an ID\n  {hint}"
        ),
    );
    // JSON names the cell beside the line.
    let out = cmd(dir.path())
        .args(["validate", "--format", "json", "bans.xlsx"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diagnostics = json["manifests"][0]["diagnostics"].as_array().unwrap();
    let first = diagnostics
        .iter()
        .find(|d| d["severity"] == "error")
        .unwrap();
    assert_eq!(
        (
            first["file"].as_str(),
            first["line"].as_u64(),
            first["cell"].as_str()
        ),
        (Some("bans.xlsx"), Some(2), Some("Sheet1!B2")),
        "{first}"
    );
    assert!(
        diagnostics
            .iter()
            .all(|d| d["file"].is_null() || d["cell"].is_string())
    );
}

#[test]
fn sheet_picks_a_sheet_and_an_unknown_name_lists_them() {
    let notes: &[&[C]] = &[&[C::S("who"), C::S("why")], &[C::S("Ann"), C::S("spam")]];
    // Data that starts at B3, on a sheet whose name needs quoting.
    let offset: &[&[C]] = &[
        &[],
        &[],
        &[
            C::E,
            C::S("action"),
            C::S("chat_id"),
            C::S("participant_id"),
        ],
        &[C::E, C::S("remove"), C::S(G1), C::S("79001234561@c.us")],
        &[C::E, C::S("remove"), C::S(G1), C::S("nobody")],
    ];
    let dir = tempfile::tempdir().unwrap();
    let book = [("Notes", notes), ("Bans 2026", offset), ("Good", THREE)];
    xlsx(&dir.path().join("m.xlsx"), &book);
    ods(&dir.path().join("m.ods"), &book);
    for name in ["m.xlsx", "m.ods"] {
        let (code, text) = validate(dir.path(), &[name]);
        assert_eq!(code, Some(2), "the first sheet by default:\n{text}");
        has(
            &text,
            &format!("{name}:Notes!A1: error: column `action` is missing"),
        );
        let (code, text) = validate(dir.path(), &[name, "--sheet", "Good"]);
        assert_eq!(code, Some(0), "{text}");
        has(&text, &format!("{name}: valid, 3 operations in 1 group"));
        let (code, text) = validate(dir.path(), &[name, "--sheet", "Bans 2026"]);
        assert_eq!(code, Some(2), "{text}");
        has(
            &text,
            &format!("{name}:'Bans 2026'!D5: error: participant_id: `nobody` is not a valid ID"),
        );
        let (code, text) = validate(dir.path(), &[name, "--sheet", "bans"]);
        assert_eq!(code, Some(2), "{text}");
        has(
            &text,
            &format!(
                "error: {name} has no sheet `bans`; its sheets are `Notes`, `Bans 2026`, `Good`\n  hint: give one of these names, exactly as its tab shows it (`--sheet`, or a desired-state file's `members_sheet`)"
            ),
        );
    }
}

#[test]
fn delimiter_forces_the_separator_and_is_refused_where_it_means_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let piped = format!("action|chat_id|participant_id\nremove|{G1}|79001234561@c.us\n");
    std::fs::write(d.join("m.txt"), piped).unwrap();
    let (code, text) = validate(d, &["m.txt"]);
    assert_eq!(code, Some(2), "no sniffing finds `|`:\n{text}");
    for sep in ["|", "pipe"] {
        let (code, text) = validate(d, &["m.txt", "--delimiter", sep]);
        assert_eq!(code, Some(0), "{sep}: {text}");
    }
    // A tab-separated file: `tab` or a literal tab reads it, and a forced
    // `;` wins over the tabs the sniffing would have found.
    let tabs = format!("action\tchat_id\tparticipant_id\nremove\t{G1}\t79001234561@c.us\n");
    std::fs::write(d.join("tabs.csv"), tabs).unwrap();
    for sep in ["tab", "\t"] {
        let (code, text) = validate(d, &["tabs.csv", "--delimiter", sep]);
        assert_eq!(code, Some(0), "{sep:?}: {text}");
    }
    let (code, text) = validate(d, &["tabs.csv", "--delimiter", ";"]);
    assert_eq!(code, Some(2), "a forced `;` does not split tabs:\n{text}");
    has(&text, "tabs.csv:1: error: column `chat_id` is missing");
    // Flags for another kind of file are refused, not ignored.
    xlsx(&d.join("m.xlsx"), &[("Sheet1", THREE)]);
    std::fs::write(
        d.join("m.yaml"),
        format!("- remove:\n    chat_id: \"{G1}\"\n    participants: [79001234561@c.us]\n"),
    )
    .unwrap();
    let (code, text) = validate(d, &["m.xlsx", "--delimiter", ";"]);
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        "error: --delimiter is for CSV and text manifests, and m.xlsx is a workbook",
    );
    let (code, text) = validate(d, &["m.yaml", "--delimiter", ","]);
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        "error: --delimiter is for CSV and text manifests, and m.yaml is a YAML file",
    );
    let (code, text) = validate(d, &["m.txt", "--sheet", "Sheet1"]);
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        "error: --sheet is for workbooks (.xlsx, .xlsm, .xls, .ods), and m.txt is a CSV manifest",
    );
    let (code, text) = validate(d, &["-", "--input-format", "yaml", "--delimiter", ","]);
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        "--delimiter is for CSV and text manifests, not for the --input-format given",
    );
    let (code, text) = validate(d, &["m.txt", "--delimiter", "x"]);
    assert_eq!(code, Some(2), "{text}");
    has(
        &text,
        "`x` is not a separator greenbatch reads: say `,`, `;`, `tab` or `|`",
    );
}

#[test]
fn a_workbook_on_standard_input_is_read_whole_within_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.xlsx");
    xlsx(&path, &[("Sheet1", THREE)]);
    let bytes = std::fs::read(&path).unwrap();
    let ok = cmd(dir.path())
        .args(["validate", "-", "--input-format", "xlsx"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("<stdin>: valid, 3 operations"));
    assert!(
        stderr(&ok).contains("<stdin>:Sheet1!C4: note"),
        "{}",
        stderr(&ok)
    );
    for args in [&["-", "--input-format", "ods"][..], &["m.xlsx"][..]] {
        let capped = cmd(dir.path())
            .arg("validate")
            .args(args)
            .args(["--max-manifest-size", "1000"])
            .write_stdin(bytes.clone())
            .output()
            .unwrap();
        assert_eq!(capped.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&capped).contains("larger than the limit of 1000 bytes"),
            "{}",
            stderr(&capped)
        );
    }
    // Bytes that are no workbook are said to be none.
    std::fs::write(
        dir.path().join("fake.xlsx"),
        "action,chat_id,participant_id\n",
    )
    .unwrap();
    let (code, text) = validate(dir.path(), &["fake.xlsx"]);
    assert_eq!(code, Some(2), "{text}");
    has(&text, "error: fake.xlsx is not a workbook that can be read");
}

/// Writes the workbook fuzz target's seeds (fuzz/seeds/workbook) and its
/// regression (the stray far cell that once aborted the process) with the
/// same libraries as these tests, so they are real workbooks:
/// `cargo test --test integration -- --ignored write_workbook_seeds`.
#[test]
#[ignore = "writes fuzz/seeds/workbook; run by hand when the seeds change"]
fn write_workbook_seeds() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let seeds = fuzz.join("seeds/workbook");
    xlsx(&seeds.join("three.xlsx"), &[("Sheet1", THREE)]);
    ods(&seeds.join("three.ods"), &[("Sheet1", THREE)]);
    let floats: &[&[C]] = &[
        HEADER,
        &[
            C::S("remove"),
            C::N(1.2036304396806656E17),
            C::N(7.9001234565E10),
        ],
        &[
            C::S("remove"),
            C::S(G1),
            C::S("7.9001234565E+10"),
            C::N(0.5),
        ],
    ];
    xlsx(
        &seeds.join("floats.xlsx"),
        &[("Bans 2026", floats), ("Good", THREE)],
    );
    // Uncompressed: the fuzzer's mutations reach the XML itself.
    let mut book = spreadsheet_ods::WorkBook::new_empty();
    let mut sheet = spreadsheet_ods::Sheet::new("Sheet1");
    for (r, row) in floats.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match *cell {
                C::S(s) => sheet.set_value(r as u32, c as u32, s),
                C::N(n) => sheet.set_value(r as u32, c as u32, n),
                C::E => {}
            }
        }
    }
    book.push_sheet(sheet);
    let plain = spreadsheet_ods::write_ods_buf_uncompressed(&mut book, Vec::new()).unwrap();
    std::fs::write(seeds.join("floats-uncompressed.ods"), plain).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "action").unwrap();
    ws.write_string(1_048_575, 16_383, "stray").unwrap();
    book.save(fuzz.join("regressions/workbook/stray-far-cell.xlsx"))
        .unwrap();
}

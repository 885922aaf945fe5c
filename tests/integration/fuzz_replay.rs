//! The fuzz targets' inputs replayed in the ordinary test suite: every seed
//! (fuzz/seeds/TARGET) and every input that once broke a target
//! (fuzz/regressions/TARGET, where scripts/fuzz.sh tells to put a crash)
//! goes through the same checks as in fuzz/ (greenbatch::fuzzing), so a
//! crash found once stays fixed without cargo-fuzz installed.

use std::path::{Path, PathBuf};

use greenbatch::fuzzing;
use greenbatch::manifest::{InputFormat, load_bytes};
use greenbatch::report::results::scan_bytes;

use crate::support::WA_MAIN;

fn env(k: &str) -> Option<String> {
    match k {
        "GREEN_API_URL" => Some("http://127.0.0.1:7700".to_owned()),
        "GREEN_API_ID_INSTANCE" => Some(WA_MAIN.to_owned()),
        _ => None,
    }
}

/// The seed and regression inputs of `target`.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in ["seeds", "regressions"] {
        let path = root.join(dir).join(target);
        // A target nothing has broken yet has no regressions to keep.
        if dir == "regressions" && !path.exists() {
            continue;
        }
        let entries =
            std::fs::read_dir(&path).unwrap_or_else(|e| panic!("fuzz/{dir}/{target}: {e}"));
        for entry in entries {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    out
}

/// A fuzz target's checks on one input.
type Check = fn(&[u8]);

#[test]
fn every_seed_and_regression_passes_its_target() {
    // Each target, its checks, and whether an input once broke it (its
    // regressions must then be there; manifest_text has found none yet).
    let targets: [(&str, Check, bool); 6] = [
        (
            "manifest_csv",
            |d| fuzzing::manifest(d, InputFormat::Csv),
            true,
        ),
        (
            "manifest_yaml",
            |d| fuzzing::manifest(d, InputFormat::Yaml),
            true,
        ),
        ("manifest_text", fuzzing::delimited, false),
        ("workbook", fuzzing::workbook, true),
        ("results_reader", fuzzing::results, true),
        ("classify", fuzzing::answer, true),
    ];
    for (target, check, broken_once) in targets {
        let inputs = inputs(target);
        assert!(inputs.len() >= 5, "{target}: {} seeds", inputs.len());
        let regressions = inputs
            .iter()
            .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "regressions"))
            .count();
        assert!(
            regressions >= usize::from(broken_once),
            "{target}: no regression inputs in fuzz/regressions/{target}"
        );
        for (path, bytes) in inputs {
            let caught = std::panic::catch_unwind(|| check(&bytes));
            assert!(caught.is_ok(), "{target}: {}", path.display());
        }
    }
}

#[test]
fn the_seeds_mean_what_they_say() {
    let whole = inputs("results_reader")
        .into_iter()
        .find(|(p, _)| p.ends_with("whole.csv"))
        .unwrap()
        .1;
    let prior = scan_bytes(&whole).unwrap();
    assert_eq!((prior.rows, prior.torn), (4, None));
    let yaml = inputs("manifest_yaml")
        .into_iter()
        .find(|(p, _)| p.ends_with("promote-moderators.yaml"))
        .unwrap()
        .1;
    assert!(load_bytes("p.yaml", &yaml, InputFormat::Yaml, &env).is_ok());
    // The spreadsheet seeds are files that load, not noise: the text
    // seeds after their first byte (the separator the target forces).
    let seed = |target: &str, name: &str| {
        inputs(target)
            .into_iter()
            .find(|(p, _)| p.ends_with(name))
            .unwrap()
            .1
    };
    let utf16 = seed("manifest_text", "unicode-text-utf16le.txt");
    assert!(load_bytes("u.txt", &utf16[1..], InputFormat::Csv, &env).is_ok());
    for name in ["three.xlsx", "three.ods"] {
        let loaded = load_bytes(name, &seed("workbook", name), InputFormat::Workbook, &env);
        assert_eq!(loaded.map(|l| l.operations.len()).ok(), Some(3), "{name}");
    }
}

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
        let entries = std::fs::read_dir(root.join(dir).join(target))
            .unwrap_or_else(|e| panic!("fuzz/{dir}/{target}: {e}"));
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
    let targets: [(&str, Check); 4] = [
        ("manifest_csv", |d| fuzzing::manifest(d, InputFormat::Csv)),
        ("manifest_yaml", |d| fuzzing::manifest(d, InputFormat::Yaml)),
        ("results_reader", fuzzing::results),
        ("classify", fuzzing::answer),
    ];
    for (target, check) in targets {
        let inputs = inputs(target);
        assert!(inputs.len() >= 5, "{target}: {} seeds", inputs.len());
        let regressions = inputs
            .iter()
            .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "regressions"))
            .count();
        assert!(
            regressions >= 1,
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
}

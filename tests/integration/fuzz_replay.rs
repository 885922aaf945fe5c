//! The fuzz targets' inputs replayed in the ordinary test suite: every seed
//! (fuzz/seeds/TARGET) and every input that once broke a target
//! (fuzz/regressions/TARGET, where scripts/fuzz.sh tells to put a crash)
//! goes through the same entry point with the same checks as in fuzz/, so a
//! crash found once stays fixed without cargo-fuzz installed.

use std::path::{Path, PathBuf};

use greenbatch::greenapi::Action;
use greenbatch::greenapi::client::RawAnswer;
use greenbatch::manifest::{InputFormat, load_bytes};
use greenbatch::report::results::scan_bytes;
use greenbatch::runner::classify::{Verdict, classify};

fn env(k: &str) -> Option<String> {
    match k {
        "GREEN_API_URL" => Some("http://127.0.0.1:7700".to_owned()),
        "GREEN_API_ID_INSTANCE" => Some("1101000001".to_owned()),
        _ => None,
    }
}

/// The seed and regression inputs of `target`.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    out
}

fn manifest(data: &[u8], format: InputFormat) {
    match load_bytes("f", data, format, &env) {
        Ok(loaded) => {
            let lines = data.iter().filter(|b| **b == b'\n').count() as u32 + 1;
            assert!(loaded.operations.iter().all(|o| o.source.line <= lines));
        }
        Err(rejected) => assert!(rejected.diagnostics.iter().any(|d| d.is_error())),
    }
}

fn results(data: &[u8]) {
    if let Ok(prior) = scan_bytes(data) {
        assert!(prior.rows >= prior.latest.len() as u64);
        if let Some(torn) = prior.torn {
            assert_eq!(torn.offset + torn.bytes, data.len() as u64);
        }
    }
}

fn answer(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let action =
        [Action::Remove, Action::Add, Action::Promote, Action::Demote][data[0] as usize % 4];
    let status = match data[1] % 4 {
        0 => 200,
        1 => 400 + u16::from(data[2] % 100),
        2 => 500 + u16::from(data[2] % 100),
        _ => u16::from_be_bytes([data[1], data[2]]) % 1000,
    };
    let answer = Ok(RawAnswer {
        status,
        body: data[3..].to_vec(),
        retry_after: None,
    });
    let text = match classify(action, &answer) {
        Verdict::Done => String::new(),
        Verdict::Rejected { error } => error,
        Verdict::Transient { reason, .. } | Verdict::Fatal { reason } => reason,
    };
    assert!(text.len() < 1024, "{} bytes", text.len());
}

/// A fuzz target's checks on one input.
type Check = fn(&[u8]);

#[test]
fn every_seed_and_regression_passes_its_target() {
    let targets: [(&str, Check); 4] = [
        ("manifest_csv", |d| manifest(d, InputFormat::Csv)),
        ("manifest_yaml", |d| manifest(d, InputFormat::Yaml)),
        ("results_reader", results),
        ("classify", answer),
    ];
    for (target, check) in targets {
        let inputs = inputs(target);
        assert!(inputs.len() >= 5, "{target}: {} seeds", inputs.len());
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

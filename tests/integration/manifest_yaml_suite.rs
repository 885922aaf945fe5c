//! The YAML cases of tests/data/yaml-test-suite: generic YAML (anchors,
//! tags, directives, multiple documents, flow and block mixes, odd scalars,
//! invalid syntax) is refused as a manifest with a clear error, and
//! manifest-shaped YAML loads exactly the operations its index says or is
//! refused; each case without a panic. (How fast is the benchmarks' and the
//! fuzz regressions' business, not a timed test's.)

use std::path::Path;

use greenbatch::manifest::{self, LoadOptions, Rejected};

use crate::support::WA_MAIN;

fn env(k: &str) -> Option<String> {
    match k {
        "GREEN_API_URL" => Some("http://127.0.0.1:7700".to_owned()),
        "GREEN_API_ID_INSTANCE" => Some(WA_MAIN.to_owned()),
        _ => None,
    }
}

/// `(file, expectation)` pairs of a case directory's index.
fn index(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("index.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (file, expected) = l.split_once('\t').expect("file<TAB>expectation");
            (file.to_owned(), expected.to_owned())
        })
        .collect()
}

/// Loads a case: how many operations, or why not.
fn load(path: &Path) -> Result<usize, Rejected> {
    manifest::load(path, &LoadOptions::default(), &env).map(|l| l.operations.len())
}

/// Every error names the file and is readable: one line of text, then hints.
fn assert_clear(name: &str, rejected: &Rejected) {
    let errors: Vec<String> = rejected
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(!errors.is_empty(), "{name}: refused without an error");
    for e in &errors {
        assert!(e.contains("error: "), "{name}: {e}");
        assert!(
            !e.chars().any(|c| c.is_control() && c != '\n'),
            "{name}: control characters in {e:?}"
        );
        assert!(e.len() < 2000, "{name}: a {} byte message", e.len());
    }
}

/// Cases the spec calls valid that the parser (yaml_serde) refuses, each
/// still refused clearly as a manifest:
/// - `alias-as-key`: the alias repeats the key `key`, a duplicate to it;
/// - `null-key`: a mapping key left empty;
/// - `multi-document`, `multi-document-end-markers`, `document-end-only`:
///   it reads one document, so a stream of several (or none) is an error;
/// - `document-start-inline`: content on the `---` line itself;
/// - `odd-scalars-big-int`: an integer beyond 64 bits.
const PARSER_DIFFERS: &[&str] = &[
    "alias-as-key.yaml",
    "multi-document.yaml",
    "multi-document-end-markers.yaml",
    "document-end-only.yaml",
    "odd-scalars-big-int.yaml",
    "null-key.yaml",
    "document-start-inline.yaml",
];

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/yaml-test-suite")
}

#[test]
fn generic_yaml_is_refused_clearly() {
    let dir = root().join("generic");
    let cases = index(&dir);
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let mut differs = Vec::new();
    for (file, verdict) in &cases {
        let path = dir.join(file);
        match load(&path) {
            Ok(n) => panic!("{file}: loaded as a manifest of {n} operations"),
            Err(r) => assert_clear(file, &r),
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let parses = yaml_serde::from_str::<yaml_serde::Value>(&text).is_ok();
        if parses != (verdict == "valid") {
            differs.push(file.as_str());
        }
    }
    // Where the YAML parser reads a case otherwise than the spec's verdict.
    // Each is still refused clearly as a manifest (above); the list is
    // pinned so that a parser upgrade that changes it is noticed.
    assert_eq!(
        differs, PARSER_DIFFERS,
        "the parser's departures from the spec changed"
    );
}

#[test]
fn manifest_shaped_yaml_loads_or_is_refused_as_indexed() {
    let dir = root().join("manifests");
    let cases = index(&dir);
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for (file, expected) in &cases {
        match (expected.split_once('=').unwrap(), load(&dir.join(file))) {
            (("ops", n), Ok(got)) => assert_eq!(got.to_string(), n, "{file}"),
            (("error", _), Err(r)) => assert_clear(file, &r),
            (_, Ok(n)) => wrong.push(format!("{file}: expected {expected}, loaded {n}")),
            (_, Err(r)) => wrong.push(format!("{file}: expected {expected}, refused: {r}")),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Found by this suite: every top-level key's line was looked up by a scan
/// of the whole file, so 20,000 unknown keys took two minutes; and a 100 kB
/// ID came back as a 100 kB error line.
#[test]
fn many_keys_and_huge_values_stay_fast_and_short() {
    let dir = tempfile::tempdir().unwrap();
    let keys: String = (0..20_000).map(|i| format!("k{i}: {i}\n")).collect();
    let path = dir.path().join("keys.yaml");
    std::fs::write(&path, format!("operations: []\n{keys}")).unwrap();
    let loaded =
        manifest::load(&path, &LoadOptions::default(), &env).expect("no operations, no error");
    let warning = &loaded.diagnostics[0];
    assert!(
        warning
            .message
            .starts_with("not used, ignored: `k0`, `k1`,")
    );
    assert!(warning.message.len() < 1000, "{}", warning.message.len());
}

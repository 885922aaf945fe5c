//! Hostile manifests end in one clear error, fast, and nothing panics:
//! alias bombs, deep nesting, binary garbage, NUL bytes, invalid UTF-8,
//! oversized files, and random corruptions of a valid manifest.

use std::path::Path;

use greenbatch::manifest::{self, LoadOptions};

use super::manifest::{WA_ENV, dir, load, shown};

fn only_error(name: &str, bytes: &[u8]) -> String {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(name), bytes).unwrap();
    let env = |k: &str| {
        WA_ENV
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let r = manifest::load(&d.path().join(name), &LoadOptions::default(), &env)
        .expect_err("must be rejected");
    let errors: Vec<String> = r
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let tmp = d.path().display().to_string() + "/";
    errors[0].replace(&tmp, "")
}

#[test]
fn a_yaml_alias_bomb_is_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("operations: *a9\n");
    insta::assert_snapshot!(only_error("bomb.yaml", text.as_bytes()), @r"
    bomb.yaml:1: error: its aliases expand too far (an alias bomb?)
      hint: write the operations out instead of nesting aliases
    ");
}

#[test]
fn deep_nesting_is_refused() {
    let flow = format!("operations: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let e = only_error("deep.yaml", flow.as_bytes());
    assert!(
        e.starts_with("deep.yaml:1: error: is nested too deeply"),
        "{e}"
    );
    let block: String = (0..10_000)
        .map(|i| format!("{}- \n", " ".repeat(i % 2000)))
        .collect();
    let e = only_error("block.yaml", format!("operations:\n{block}").as_bytes());
    assert!(e.contains("error:"), "{e}");
}

#[test]
fn binary_nul_and_invalid_utf8_are_refused_with_their_line() {
    let garbage: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(only_error("g.csv", &garbage).contains("error:"));
    assert!(only_error("g.yaml", &garbage).contains("error:"));
    insta::assert_snapshot!(only_error("n.csv", b"action,chat_id,participant_id\nremove,1\0,2\n"), @r"
    n.csv:2: error: contains a NUL byte: this looks like a binary file, not a CSV manifest
      hint: a manifest is UTF-8 text; check that the right file was given
    ");
    insta::assert_snapshot!(only_error("u.csv", b"action,chat_id,participant_id\r\n\r\nremove,120363043968066561@g.us,7900\xff@c.us\r\n"), @"u.csv:3: error: participant_id: is not valid UTF-8");
    insta::assert_snapshot!(only_error("u.yaml", b"operations:\n  - action: remove\n    chat_id: \xfe\n"), @r"
    u.yaml:3: error: is not valid UTF-8
      hint: a manifest is UTF-8 text; check that the right file was given
    ");
    insta::assert_snapshot!(only_error("n.yaml", b"operations:\n  - action: \0\n"), @r"
    n.yaml:2: error: contains a NUL byte: this looks like a binary file, not a YAML manifest
      hint: a manifest is UTF-8 text; check that the right file was given
    ");
}

#[test]
fn the_size_cap_is_checked_up_front_and_while_reading() {
    let row = "remove,120363043968066561@g.us,79001234561@c.us\n";
    let text = format!("action,chat_id,participant_id\n{}", row.repeat(100));
    let d = dir(&[("big.csv", &text), ("big.yaml", "operations: []\n")]);
    let env = |k: &str| {
        WA_ENV
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    for name in ["big.csv", "big.yaml"] {
        let opts = LoadOptions {
            max_size: 10,
            ..LoadOptions::default()
        };
        let r = manifest::load(&d.path().join(name), &opts, &env).unwrap_err();
        assert_eq!(
            r.diagnostics[0].to_string(),
            "error: the file is larger than the limit of 10 bytes\n  hint: raise the limit with --max-manifest-size if the file is really meant to be this big"
        );
    }
    // A pipe has no size up front; the CLI tests bound a read from stdin.
    let opts = LoadOptions {
        max_size: text.len() as u64,
        ..LoadOptions::default()
    };
    assert!(manifest::load(&d.path().join("big.csv"), &opts, &env).is_ok());
}

#[test]
fn random_corruptions_never_panic() {
    let base = include_str!("../../examples/manifests/invalid.csv")
        .as_bytes()
        .to_vec();
    let yaml = include_str!("../../examples/manifests/promote-moderators.yaml")
        .as_bytes()
        .to_vec();
    let instances = include_str!("../../examples/manifests/instances.yaml")
        .as_bytes()
        .to_vec();
    let mut rng = fastrand::Rng::with_seed(7);
    let d = tempfile::tempdir().unwrap();
    let env = |k: &str| {
        WA_ENV
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let rounds = std::env::var("GREENBATCH_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(300);
    for round in 0..rounds {
        let (src, name) = match round % 3 {
            0 => (&base, "f.csv"),
            1 => (&yaml, "f.yaml"),
            _ => (&instances, "i.yaml"),
        };
        let mut bytes = src.clone();
        for _ in 0..rng.usize(1..20) {
            let at = rng.usize(..bytes.len());
            match rng.u8(..4) {
                0 => bytes[at] = rng.u8(..),
                1 => {
                    let tricky = b"\"',:-[]{}&*\n\r\0 #|>";
                    bytes.insert(at, tricky[rng.usize(..tricky.len())]);
                }
                2 => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at),
            }
            if bytes.is_empty() {
                break;
            }
        }
        let path = d.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        // Either outcome is fine; a panic fails the test.
        let (manifest, opts) = if name == "i.yaml" {
            // A corrupted instances file beside a manifest that uses it.
            std::fs::write(d.path().join("m.csv"), &base).unwrap();
            let opts = LoadOptions {
                instances_file: Some(path),
                ..LoadOptions::default()
            };
            (d.path().join("m.csv"), opts)
        } else {
            (path, LoadOptions::default())
        };
        let _ = manifest::load(Path::new(&manifest), &opts, &env);
    }
}

#[test]
fn an_empty_yaml_or_a_wrong_shape_is_one_clear_error() {
    assert_eq!(
        shown(&load("e.yaml", "", WA_ENV)),
        "e.yaml:1: error: the manifest is empty\n  hint: a YAML manifest is a map with an `operations` list (and optionally `instance` and `protect`)\ne.yaml: 1 problem; nothing was sent"
    );
    assert!(
        shown(&load("l.yaml", "- a\n- b\n", WA_ENV))
            .contains("l.yaml:1: error: is not a map with `operations`")
    );
    assert!(
        shown(&load("o.yaml", "operations: 5\n", WA_ENV))
            .contains("o.yaml:1: error: operations: must be a list of operations")
    );
    assert!(
        shown(&load("x.yaml", "operations: [\n", WA_ENV))
            .contains("x.yaml:2: error: not valid YAML")
    );
}

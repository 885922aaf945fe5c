//! Every file in examples/manifests validates as its name says: the valid
//! ones with the operations they describe, `invalid.csv` with exactly the
//! problems it was written to show.

use std::path::{Path, PathBuf};

use greenbatch::manifest::{self, LoadOptions, Loaded, Rejected};

use super::manifest::WA_ENV;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/manifests")
}

/// Loads an example the way the demo does: `default` is the sandbox's
/// wa-main, the others come from instances.yaml.
fn load(name: &str) -> Result<Loaded, Rejected> {
    let opts = LoadOptions {
        instances_file: Some(examples().join("instances.yaml")),
        ..LoadOptions::default()
    };
    let env = |k: &str| {
        WA_ENV
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let base = examples().display().to_string() + "/";
    manifest::load(&examples().join(name), &opts, &env).map_err(|mut r| {
        for d in &mut r.diagnostics {
            if let Some(l) = &mut d.location {
                l.file = l.file.replace(&base, "").into();
            }
        }
        r.manifest_name = name.to_owned();
        r
    })
}

fn summary(l: &Loaded) -> Vec<String> {
    l.operations
        .iter()
        .map(|o| {
            format!(
                "{} {} {} {} {}",
                o.source.line, o.instance, o.action, o.chat_id, o.participant_id
            )
        })
        .collect()
}

#[test]
fn every_example_is_covered() {
    let mut names: Vec<String> = std::fs::read_dir(examples())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "allowed-members.txt",
            "desired-membership.yaml",
            "instances.yaml",
            "invalid.csv",
            "max-chat.yaml",
            "multi-instance.yaml",
            "promote-moderators.yaml",
            "whatsapp-cleanup.csv"
        ]
    );
}

#[test]
fn the_valid_examples_validate() {
    for name in [
        "whatsapp-cleanup.csv",
        "promote-moderators.yaml",
        "max-chat.yaml",
        "multi-instance.yaml",
    ] {
        let l = load(name).unwrap_or_else(|r| panic!("{r}"));
        let problems: Vec<String> = l
            .diagnostics
            .iter()
            .filter(|d| d.severity == manifest::Severity::Warning)
            .map(|d| d.to_string())
            .collect();
        assert!(problems.is_empty(), "{name}: {problems:?}");
        insta::assert_snapshot!(name, summary(&l).join("\n"));
    }
}

#[test]
fn the_invalid_example_shows_exactly_its_problems() {
    let r = load("invalid.csv").unwrap_err();
    let shown: Vec<String> = r.diagnostics.iter().map(|d| d.to_string()).collect();
    insta::assert_snapshot!(shown.join("\n"));
    assert_eq!(r.error_count(), 7);
}

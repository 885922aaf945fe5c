//! The csv-spectrum corpus of tricky CSV, in manifest columns
//! (tests/data/csv-spectrum): every case yields exactly the operations and
//! physical lines its JSON file lists, with no error.

use std::path::Path;

use greenbatch::manifest::{self, LoadOptions};

use crate::support::WA_MAIN;

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Expected {
    line: u32,
    action: String,
    chat_id: String,
    participant_id: String,
}

#[test]
fn every_case_parses_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/csv-spectrum");
    let env = |k: &str| match k {
        "GREEN_API_URL" => Some("http://127.0.0.1:7700".to_owned()),
        "GREEN_API_ID_INSTANCE" => Some(WA_MAIN.to_owned()),
        _ => None,
    };
    let mut cases = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        cases += 1;
        let expected: Vec<Expected> =
            serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap()).unwrap();
        let loaded =
            manifest::load(&path, &LoadOptions::default(), &env).unwrap_or_else(|r| panic!("{r}"));
        let got: Vec<Expected> = loaded
            .operations
            .iter()
            .map(|o| Expected {
                line: o.source.line,
                action: o.action.to_string(),
                chat_id: o.chat_id.to_string(),
                participant_id: o.participant_id.to_string(),
            })
            .collect();
        assert_eq!(got, expected, "{}", path.display());
    }
    assert_eq!(cases, 11, "the eleven csv-spectrum cases");
}

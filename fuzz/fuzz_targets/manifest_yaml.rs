//! Any bytes as a YAML manifest: loads or is refused with errors, never a
//! panic; every operation has a line inside the input.
#![no_main]

use greenbatch::manifest::{InputFormat, load_bytes};
use libfuzzer_sys::fuzz_target;

fn env(k: &str) -> Option<String> {
    match k {
        "GREEN_API_URL" => Some("http://127.0.0.1:7700".to_owned()),
        "GREEN_API_ID_INSTANCE" => Some("1101000001".to_owned()),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    match load_bytes("f.yaml", data, InputFormat::Yaml, &env) {
        Ok(loaded) => {
            let lines = data.iter().filter(|b| **b == b'\n').count() as u32 + 1;
            assert!(loaded.operations.iter().all(|o| o.source.line <= lines));
        }
        Err(rejected) => assert!(rejected.diagnostics.iter().any(|d| d.is_error())),
    }
});

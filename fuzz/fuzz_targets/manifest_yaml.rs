//! Any bytes as a YAML manifest: loads or is refused with errors, never a
//! panic; every operation has a line inside the input (greenbatch::fuzzing).
#![no_main]

use greenbatch::manifest::InputFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| greenbatch::fuzzing::manifest(data, InputFormat::Yaml));

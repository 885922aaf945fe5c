//! Any bytes as a results file: read or refused, never a panic; a torn line
//! lies inside the input, and the rows counted cover every operation kept
//! (greenbatch::fuzzing).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| greenbatch::fuzzing::results(data));

//! Any answer to any action: classified without a panic, and the text kept
//! for results and messages stays short whatever the body's size
//! (greenbatch::fuzzing).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| greenbatch::fuzzing::answer(data));

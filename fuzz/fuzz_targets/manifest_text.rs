//! Any bytes as delimited text as spreadsheets save it, the first byte
//! forcing a separator or not: the separator sniffing and the UTF-16
//! conversion never panic, and the manifest loads or is refused with
//! errors (greenbatch::fuzzing::delimited).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| greenbatch::fuzzing::delimited(data));

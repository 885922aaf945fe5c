//! Any bytes as a results file: read or refused, never a panic; a torn line
//! lies inside the input, and the rows counted cover every operation kept.
#![no_main]

use greenbatch::report::results::scan_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(prior) = scan_bytes(data) {
        assert!(prior.rows >= prior.latest.len() as u64);
        if let Some(torn) = prior.torn {
            assert!(torn.offset + torn.bytes == data.len() as u64);
        }
    }
});

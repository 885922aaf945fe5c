//! Any bytes as a workbook (.xlsx, .xls, .ods: calamine's input): read or
//! refused with errors, never a panic or a grid too big for memory
//! (greenbatch::fuzzing::workbook).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| greenbatch::fuzzing::workbook(data));

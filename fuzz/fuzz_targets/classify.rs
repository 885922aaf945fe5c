//! Any answer to any action: classified without a panic, and the text kept
//! for results and messages stays short whatever the body's size.
#![no_main]

use greenbatch::greenapi::Action;
use greenbatch::greenapi::client::RawAnswer;
use greenbatch::runner::classify::{Verdict, classify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let action =
        [Action::Remove, Action::Add, Action::Promote, Action::Demote][data[0] as usize % 4];
    // Statuses cluster where the classifier decides: 200, 4xx, 5xx.
    let status = match data[1] % 4 {
        0 => 200,
        1 => 400 + u16::from(data[2] % 100),
        2 => 500 + u16::from(data[2] % 100),
        _ => u16::from_be_bytes([data[1], data[2]]) % 1000,
    };
    let answer = Ok(RawAnswer {
        status,
        body: data[3..].to_vec(),
        retry_after: None,
    });
    let text = match classify(action, &answer) {
        Verdict::Done => String::new(),
        Verdict::Rejected { error } => error,
        Verdict::Transient { reason, .. } => reason,
        Verdict::Fatal { reason } => reason,
    };
    assert!(text.len() < 1024, "{} bytes", text.len());
});

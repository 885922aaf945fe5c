//! Every default a user can change, stated once. The flags' defaults read
//! from here (clap's `default_value`), and so do the library's own values
//! (`ClientConfig`, `RetryPolicy`, the pacers, the input caps), so a
//! default cannot be changed in one place and stay behind in another. The
//! flags take text: each default that is not a plain number is given in
//! both forms, and a test holds the two together.

use std::time::Duration;

/// `--timeout`: one request, answer included. GREEN-API has been seen to
/// hang for over a minute before answering.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(90);
pub(crate) const TIMEOUT_TEXT: &str = "90s";

/// `--outage-patience`: how long an outage is waited out.
pub(crate) const OUTAGE_PATIENCE: Duration = Duration::from_secs(300);
pub(crate) const OUTAGE_PATIENCE_TEXT: &str = "5m";

/// `--max-manifest-size`: the largest manifest, desired-state file or
/// members_file read.
pub(crate) const MAX_MANIFEST_SIZE: u64 = 64 << 20;
pub(crate) const MAX_MANIFEST_SIZE_TEXT: &str = "64MiB";

/// `report --max-input-size`: the largest results file read (a run of a
/// million operations writes about 150 MB).
#[cfg(test)]
pub(crate) const MAX_RESULTS_SIZE: u64 = 256 << 20;
pub(crate) const MAX_RESULTS_SIZE_TEXT: &str = "256MiB";

/// `--concurrency`: requests in flight per instance.
pub(crate) const CONCURRENCY: u16 = 8;

/// `--max-attempts`: requests per operation, the first one included.
pub(crate) const MAX_ATTEMPTS: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{parse_duration, parse_patience, parse_size};

    #[test]
    fn each_default_s_text_says_its_value() {
        assert_eq!(parse_duration(TIMEOUT_TEXT), Ok(TIMEOUT));
        assert_eq!(parse_patience(OUTAGE_PATIENCE_TEXT), Ok(OUTAGE_PATIENCE));
        assert_eq!(parse_size(MAX_MANIFEST_SIZE_TEXT), Ok(MAX_MANIFEST_SIZE));
        assert_eq!(parse_size(MAX_RESULTS_SIZE_TEXT), Ok(MAX_RESULTS_SIZE));
    }
}

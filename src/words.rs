//! Words a person reads: a count and its noun agree ("1 group", "3
//! groups"), by one rule, everywhere a count is said.

/// `n` and `word`, with an `s` unless `n` is 1: `1 group`, `0 groups`.
pub(crate) fn plural(n: impl Into<u64>, word: &str) -> String {
    let n = n.into();
    format!("{n} {word}{}", s(n))
}

/// The `s` a noun takes after `n`: none after 1.
pub(crate) fn s(n: impl Into<u64>) -> &'static str {
    if n.into() == 1 { "" } else { "s" }
}

/// A rate is said only when it means something: over at least 2 s and 10
/// requests (one request in 15 ms is not "68 requests/s").
pub(crate) fn rate_worth_saying(requests: u64, secs: f64) -> bool {
    requests >= 10 && secs >= 2.0
}

/// A wait or a length of time as a person says it, whole seconds rounded
/// up (a countdown never shows 0 while it still waits): `12 s`,
/// `1 min 30 s`, `11 h 5 min`.
pub(crate) fn secs(d: std::time::Duration) -> String {
    let total = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    match total {
        0..60 => format!("{total} s"),
        60..3600 if total.is_multiple_of(60) => format!("{} min", total / 60),
        60..3600 => format!("{} min {} s", total / 60, total % 60),
        _ if total % 3600 < 60 => format!("{} h", total / 3600),
        _ => format!("{} h {} min", total / 3600, total % 3600 / 60),
    }
}

/// A size as `--max-manifest-size` takes it: `1GiB`, `64MiB`, `512KiB`,
/// else `1000 bytes`, so that what a message says can be given back.
pub(crate) fn size(n: u64) -> String {
    let units = [(30, "GiB"), (20, "MiB"), (10, "KiB")];
    match units
        .iter()
        .find(|(shift, _)| n != 0 && n.is_multiple_of(1 << shift))
    {
        Some((shift, unit)) => format!("{}{unit}", n >> shift),
        None => plural(n, "byte"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_said_as_the_size_flags_take_them() {
        assert_eq!(size(1 << 30), "1GiB");
        assert_eq!(size(64 << 20), "64MiB");
        assert_eq!(size(16 * 20_001), "320016 bytes");
        assert_eq!(size(3 << 10), "3KiB");
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(0), "0 bytes");
    }

    #[test]
    fn times_are_said_in_whole_units() {
        use std::time::Duration;
        assert_eq!(secs(Duration::ZERO), "0 s");
        assert_eq!(secs(Duration::from_millis(300)), "1 s");
        assert_eq!(secs(Duration::from_secs(59)), "59 s");
        assert_eq!(secs(Duration::from_secs(60)), "1 min");
        assert_eq!(secs(Duration::from_secs(90)), "1 min 30 s");
        assert_eq!(secs(Duration::from_secs(3600)), "1 h");
        assert_eq!(secs(Duration::from_secs(11 * 3600 + 300)), "11 h 5 min");
    }

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(plural(1u64, "group"), "1 group");
        assert_eq!(plural(0u64, "group"), "0 groups");
        assert_eq!(plural(2u32, "request"), "2 requests");
        assert_eq!(plural(1_000_000u64, "operation"), "1000000 operations");
        assert_eq!(
            format!("removal{0} or demotion{0}", s(120u64)),
            "removals or demotions"
        );
        assert_eq!(s(1u32), "");
    }

    /// Every count a person reads, in one snapshot: a change to any
    /// wording shows up in review.
    #[test]
    fn the_words_as_a_person_reads_them() {
        use std::time::Duration;
        let mut said = String::new();
        for n in [0u64, 1, 2, 21, 1_000] {
            for word in ["group", "operation", "request", "warning"] {
                said.push_str(&plural(n, word));
                said.push('\n');
            }
            said.push_str(&format!("{n} removal{0} or demotion{0}\n", s(n)));
        }
        for secs_ in [0.2, 1.0, 59.5, 60.0, 61.0, 3599.0, 3600.0, 40_000.0] {
            said.push_str(&secs(Duration::from_secs_f64(secs_)));
            said.push('\n');
        }
        insta::assert_snapshot!(said);
    }

    #[test]
    fn a_rate_needs_time_and_requests() {
        assert!(!rate_worth_saying(1, 0.015));
        assert!(!rate_worth_saying(100, 1.0));
        assert!(!rate_worth_saying(9, 60.0));
        assert!(rate_worth_saying(10, 2.0));
    }
}

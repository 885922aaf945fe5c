//! Which pace each instance runs at: the user's `--rate`, else the instance
//! file's `rate`, else a conservative default under the documented ceiling.

use std::str::FromStr;

use crate::greenapi::{Method, Platform};
use crate::limits::{Limit, ServerLimits};

/// The share of the documented limit used when nobody says otherwise: bulk
/// changes at the full documented rate risk WhatsApp's anti-spam measures,
/// and a strictly sequential client at the limit has been seen to get 429s.
pub const DEFAULT_SHARE: f64 = 0.5;

/// The slowest pace accepted: one request a day. Anything slower is a typo
/// (`1e-20`), and a pace that small overflows the interval between requests;
/// one that underflows to zero (`5e-324/m`) must not read as "no pace".
pub const MIN_PER_SECOND: f64 = 1.0 / 86_400.0;

/// The fastest pace accepted, far above any server's limit (the sandbox and
/// benchmarks run faster with `unlimited`): a bound that keeps the interval
/// between requests a sane, non-zero duration.
pub const MAX_PER_SECOND: f64 = 1_000_000.0;

/// A pace as typed: `5`, `5/s`, `0.5/s`, `30/m`, or `unlimited`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    PerSecond(f64),
    /// No pacing at all; only for loopback servers (the sandbox, benchmarks).
    Unlimited,
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Rate, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("unlimited") {
            return Ok(Rate::Unlimited);
        }
        let (number, per) = match s.split_once('/') {
            Some((n, unit)) => match unit.trim() {
                "s" | "sec" | "second" => (n, 1.0),
                "m" | "min" | "minute" => (n, 60.0),
                "h" | "hour" => (n, 3600.0),
                other => {
                    return Err(format!(
                        "unknown unit `{other}` in rate `{s}`; try `5/s` or `30/m`"
                    ));
                }
            },
            None => (s, 1.0),
        };
        match number.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 => Rate::per_second(n / per).map_err(|e| {
                format!("`{s}` {e}; try `5/s`, `30/m` or `1/h` (`unlimited` for a local server)")
            }),
            _ => Err(format!("`{s}` is not a rate; try `5/s`, `0.5/s` or `30/m`")),
        }
    }
}

impl Rate {
    /// `per_second` requests a second, if it lies between one a day and
    /// [`MAX_PER_SECOND`]; what an instances file's `rate` goes through too.
    pub fn per_second(per_second: f64) -> Result<Rate, String> {
        if !per_second.is_finite() || per_second < 0.0 {
            Err("is not a positive number of requests".to_owned())
        } else if per_second < MIN_PER_SECOND {
            Err("is slower than one request a day, the slowest pace accepted".to_owned())
        } else if per_second > MAX_PER_SECOND {
            Err(format!(
                "is faster than {MAX_PER_SECOND}/s, the fastest pace accepted (the documented limits are 10/s or less)"
            ))
        } else {
            Ok(Rate::PerSecond(per_second))
        }
    }
}

/// The share of `getGroupData`'s limit that reads use: reads change
/// nothing, so the anti-spam caution of [`DEFAULT_SHARE`] does not apply;
/// the small margin keeps them clear of the limit.
pub const READ_SHARE: f64 = 0.95;

/// The pace of `getGroupData` reads on an instance: a little under its
/// limit, or `asked` (`plan --rate`) when that is slower. Returns the pace
/// (`None` = unpaced) and, when the asked pace was lowered, a warning.
pub fn choose_read(
    asked: Option<Rate>,
    platform: Platform,
    limits: &ServerLimits,
) -> (Option<f64>, Option<String>) {
    let method = Method::GetGroupData;
    let default = match limits.limit(method, platform) {
        Limit::PerSecond(l) => Some(l * READ_SHARE),
        Limit::Unlimited => None,
    };
    match asked {
        None => (default, None),
        Some(Rate::PerSecond(r)) if default.is_none_or(|d| r <= d) => (Some(r), None),
        Some(_) => (default, default.map(|d| over(method, platform, limits, d))),
    }
}

/// Why an asked pace was lowered to `to`.
fn over(method: Method, platform: Platform, limits: &ServerLimits, to: f64) -> String {
    let whose = match limits.is_documented() {
        true => "the documented limit",
        false => "the server's declared limit",
    };
    format!("{method} on {platform} is held under {whose}: using {to}/s")
}

/// The pace for `method` on an instance: `asked` (the flag or the instance
/// file) capped at the server's limit (the documented table unless the
/// instance declares others), or the conservative default, half the limit.
/// An unlimited pace needs an unlimited server. Returns the pace (`None` =
/// unpaced) and, when the asked pace was lowered, a warning to show.
pub fn choose(
    asked: Option<Rate>,
    method: Method,
    platform: Platform,
    limits: &ServerLimits,
) -> (Option<f64>, Option<String>) {
    let limit = limits.limit(method, platform);
    let documented = limits.is_documented();
    match (asked, limit) {
        (None, Limit::PerSecond(ceiling)) => (Some(ceiling * DEFAULT_SHARE), None),
        (None | Some(Rate::Unlimited), Limit::Unlimited) => (None, None),
        (Some(Rate::PerSecond(r)), Limit::Unlimited) => (Some(r), None),
        (Some(Rate::Unlimited), Limit::PerSecond(ceiling)) => (
            Some(ceiling),
            Some(format!(
                "an unlimited pace needs a server without limits (declare them with GREEN_API_LIMITS or the instance's `limits`); {method} on {platform} runs at its {} {ceiling}/s",
                if documented {
                    "documented"
                } else {
                    "declared limit of"
                }
            )),
        ),
        (Some(Rate::PerSecond(r)), Limit::PerSecond(ceiling)) if r > ceiling => (
            Some(ceiling),
            Some(match documented {
                true => format!(
                    "{r}/s is above the documented limit of {ceiling}/s for {method} on {platform}; using {ceiling}/s"
                ),
                false => format!(
                    "{r}/s is above the declared limit of {ceiling}/s for {method} on {platform}; using {ceiling}/s"
                ),
            }),
        ),
        (Some(Rate::PerSecond(r)), Limit::PerSecond(_)) => (Some(r), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates() {
        assert_eq!("5".parse(), Ok(Rate::PerSecond(5.0)));
        assert_eq!("0.5/s".parse(), Ok(Rate::PerSecond(0.5)));
        assert_eq!("30/m".parse(), Ok(Rate::PerSecond(0.5)));
        assert_eq!("unlimited".parse(), Ok(Rate::Unlimited));
        assert!("0".parse::<Rate>().is_err());
        assert!("-1/s".parse::<Rate>().is_err());
        assert!("5/d".parse::<Rate>().is_err());
        assert!("NaN".parse::<Rate>().is_err());
        assert!("1/h".parse::<Rate>().is_ok());
        assert!("24/h".parse::<Rate>().is_ok());
    }

    #[test]
    fn tiny_underflowing_and_huge_rates_are_refused() {
        for typed in [
            "5e-324/m", "5e-324", "1e-20", "1e-300/s", "0.01/h", "1e7", "1e308/s",
        ] {
            let err = typed.parse::<Rate>().unwrap_err();
            assert!(err.starts_with(&format!("`{typed}`")), "{err}");
            assert!(
                err.contains("try") || err.contains("limits"),
                "a hint: {err}"
            );
        }
        assert!(Rate::per_second(1e-300).is_err());
        assert!(Rate::per_second(f64::MIN_POSITIVE).is_err());
        assert!(Rate::per_second(MIN_PER_SECOND).is_ok());
        assert!(Rate::per_second(MAX_PER_SECOND).is_ok());
    }

    proptest::proptest! {
        /// Whatever is typed, parsing never panics, and an accepted pace
        /// gives a sane interval between requests.
        #[test]
        fn any_text_parses_or_is_refused(text in "\\PC{0,40}") {
            check_parsed(&text);
        }

        /// Numbers of every magnitude, with every unit.
        #[test]
        fn any_number_with_any_unit(
            n in proptest::num::f64::ANY,
            unit in proptest::sample::select(vec!["", "/s", "/m", "/h", "/min", "/sec", "/x"]),
        ) {
            let text = format!("{n:e}{unit}");
            check_parsed(&text);
        }
    }

    fn check_parsed(text: &str) {
        if let Ok(Rate::PerSecond(r)) = text.parse::<Rate>() {
            assert!(
                (MIN_PER_SECOND..=MAX_PER_SECOND).contains(&r),
                "{text}: {r}"
            );
            let interval = std::time::Duration::try_from_secs_f64(1.0 / r);
            assert!(interval.is_ok_and(|d| !d.is_zero()), "{text}: {r}");
        }
    }

    #[test]
    fn defaults_stay_under_the_ceiling_and_asks_are_capped() {
        let m = Method::RemoveGroupParticipant;
        let documented = ServerLimits::documented();
        let (wa, max) = (Platform::WhatsApp, Platform::Max);
        assert_eq!(choose(None, m, wa, &documented), (Some(5.0), None));
        assert_eq!(choose(None, m, max, &documented), (Some(0.5), None));
        let (pace, warning) = choose(Some(Rate::PerSecond(50.0)), m, wa, &documented);
        assert_eq!(pace, Some(10.0));
        assert!(warning.unwrap().contains("above the documented limit"));
        let (pace, warning) = choose(Some(Rate::Unlimited), m, max, &documented);
        assert_eq!(pace, Some(1.0));
        assert!(warning.unwrap().contains("needs a server without limits"));
        // Declared limits: the same rules under other numbers.
        let fifty: ServerLimits = "50".parse().unwrap();
        assert_eq!(
            choose(Some(Rate::PerSecond(50.0)), m, wa, &fifty),
            (Some(50.0), None)
        );
        assert_eq!(choose(None, m, wa, &fifty), (Some(25.0), None));
        let (pace, warning) = choose(Some(Rate::PerSecond(80.0)), m, wa, &fifty);
        assert_eq!(pace, Some(50.0));
        assert!(warning.unwrap().contains("declared limit of 50/s"));
        let free = ServerLimits::unlimited();
        assert_eq!(choose(Some(Rate::Unlimited), m, max, &free), (None, None));
        assert_eq!(choose(None, m, max, &free), (None, None));
    }

    #[test]
    fn reads_go_just_under_their_limit() {
        let documented = ServerLimits::documented();
        assert_eq!(
            choose_read(None, Platform::WhatsApp, &documented),
            (Some(0.95), None)
        );
        assert_eq!(
            choose_read(None, Platform::Max, &documented),
            (Some(9.5), None)
        );
        assert_eq!(
            choose_read(Some(Rate::PerSecond(0.5)), Platform::WhatsApp, &documented),
            (Some(0.5), None)
        );
        let (pace, warning) =
            choose_read(Some(Rate::PerSecond(5.0)), Platform::WhatsApp, &documented);
        assert_eq!(pace, Some(0.95));
        assert!(warning.unwrap().contains("documented limit"));
        assert_eq!(
            choose_read(None, Platform::WhatsApp, &ServerLimits::unlimited()),
            (None, None)
        );
    }
}

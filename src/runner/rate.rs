//! Which pace each instance runs at: the user's `--rate`, else the instance
//! file's `rate`, else a conservative default under the documented ceiling.

use std::str::FromStr;

use crate::greenapi::{Method, Platform};

/// The share of the documented limit used when nobody says otherwise: bulk
/// changes at the full documented rate risk WhatsApp's anti-spam measures,
/// and a strictly sequential client at the limit has been seen to get 429s.
pub const DEFAULT_SHARE: f64 = 0.5;

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
            Ok(n) if n.is_finite() && n > 0.0 => Ok(Rate::PerSecond(n / per)),
            _ => Err(format!("`{s}` is not a rate; try `5/s`, `0.5/s` or `30/m`")),
        }
    }
}

/// The share of `getGroupData`'s documented limit that reads use: reads
/// change nothing, so the anti-spam caution of [`DEFAULT_SHARE`] does not
/// apply; the small margin keeps them clear of the limit.
pub const READ_SHARE: f64 = 0.95;

/// The pace of `getGroupData` reads on an instance: a little under the
/// documented limit, or `asked` against a local server.
pub fn choose_read(asked: Option<Rate>, platform: Platform, local: bool) -> Option<f64> {
    let ceiling = f64::from(Method::GetGroupData.documented_rate(platform));
    match asked {
        Some(Rate::Unlimited) if local => None,
        Some(Rate::PerSecond(r)) if local => Some(r),
        _ => Some(ceiling * READ_SHARE),
    }
}

/// The pace for `method` on an instance: `asked` (the flag or the instance
/// file) capped at the documented ceiling unless the server is local, or the
/// conservative default. Returns the pace (`None` = unpaced) and, when the
/// asked pace was lowered, a warning to show.
pub fn choose(
    asked: Option<Rate>,
    method: Method,
    platform: Platform,
    local: bool,
) -> (Option<f64>, Option<String>) {
    let ceiling = f64::from(method.documented_rate(platform));
    match asked {
        None => (Some(ceiling * DEFAULT_SHARE), None),
        Some(Rate::Unlimited) if local => (None, None),
        Some(Rate::Unlimited) => (
            Some(ceiling),
            Some(format!(
                "an unlimited pace is only for local servers; {method} on {platform} runs at its documented {ceiling}/s"
            )),
        ),
        Some(Rate::PerSecond(r)) if r > ceiling && !local => (
            Some(ceiling),
            Some(format!(
                "{r}/s is above the documented limit of {ceiling}/s for {method} on {platform}; using {ceiling}/s"
            )),
        ),
        Some(Rate::PerSecond(r)) => (Some(r), None),
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
    }

    #[test]
    fn defaults_stay_under_the_ceiling_and_asks_are_capped() {
        let m = Method::RemoveGroupParticipant;
        assert_eq!(
            choose(None, m, Platform::WhatsApp, false),
            (Some(5.0), None)
        );
        assert_eq!(choose(None, m, Platform::Max, false), (Some(0.5), None));
        let (pace, warning) = choose(Some(Rate::PerSecond(50.0)), m, Platform::WhatsApp, false);
        assert_eq!(pace, Some(10.0));
        assert!(warning.unwrap().contains("above the documented limit"));
        assert_eq!(
            choose(Some(Rate::PerSecond(50.0)), m, Platform::WhatsApp, true),
            (Some(50.0), None)
        );
        assert_eq!(
            choose(Some(Rate::Unlimited), m, Platform::Max, true),
            (None, None)
        );
        assert_eq!(
            choose(Some(Rate::Unlimited), m, Platform::Max, false).0,
            Some(1.0)
        );
    }
}

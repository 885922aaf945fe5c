//! What a server enforces, per method: the limits every pace is chosen
//! under. By default, for every server (loopback included), the documented
//! table of `GREEN-API.md` §4 and §6; an instance can declare other limits
//! (`GREEN_API_LIMITS`, or `limits` in the instances file), which is how the
//! sandbox with its rate limits off, or a plan with other limits, is told.
//!
//! Written `unlimited`, a number (every method), or `method=N` pairs
//! separated by commas, each `N` a number or `unlimited`:
//! `getGroupData=50,removeGroupParticipant=50`. Unnamed methods keep the
//! documented limit (or the plain number, when one is given first).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::greenapi::{Method, Platform};

/// One method's limit in requests per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    PerSecond(f64),
    Unlimited,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::PerSecond(n) => write!(f, "{n}"),
            Limit::Unlimited => f.write_str("unlimited"),
        }
    }
}

/// The limits of one server; the documented table unless declared otherwise.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerLimits {
    /// Every method not named in `methods`, when given.
    all: Option<Limit>,
    methods: BTreeMap<Method, Limit>,
}

impl ServerLimits {
    /// The documented table.
    pub fn documented() -> ServerLimits {
        ServerLimits::default()
    }

    /// No limit on any method (a local server without rate limits).
    pub fn unlimited() -> ServerLimits {
        ServerLimits {
            all: Some(Limit::Unlimited),
            methods: BTreeMap::new(),
        }
    }

    /// `method`'s limit on `platform`.
    pub fn limit(&self, method: Method, platform: Platform) -> Limit {
        self.methods
            .get(&method)
            .or(self.all.as_ref())
            .copied()
            .unwrap_or_else(|| Limit::PerSecond(f64::from(method.documented_rate(platform))))
    }

    /// Whether these are the documented limits.
    pub fn is_documented(&self) -> bool {
        self.all.is_none() && self.methods.is_empty()
    }

    /// Sets `method`'s limit.
    pub fn with(mut self, method: Method, limit: Limit) -> ServerLimits {
        self.methods.insert(method, limit);
        self
    }
}

fn limit(text: &str) -> Result<Limit, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("unlimited") {
        return Ok(Limit::Unlimited);
    }
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 1.0 / 86_400.0 => Ok(Limit::PerSecond(n)),
        _ => Err(format!(
            "`{text}` is not a limit: give requests per second (like `10` or `0.5`) or `unlimited`"
        )),
    }
}

impl FromStr for ServerLimits {
    type Err = String;

    fn from_str(s: &str) -> Result<ServerLimits, String> {
        let mut limits = ServerLimits::default();
        for (i, part) in s.split(',').map(str::trim).enumerate() {
            match part.split_once('=') {
                None if i == 0 && !part.is_empty() => limits.all = Some(limit(part)?),
                None => {
                    return Err(format!(
                        "`{part}` is not `method=N`; try `getGroupData=50,removeGroupParticipant=50` or `unlimited`"
                    ));
                }
                Some((name, value)) => {
                    let method = Method::from_name(name.trim()).ok_or_else(|| {
                        format!(
                            "`{}` is not a method; methods are named as in the API, like `getGroupData`",
                            name.trim()
                        )
                    })?;
                    limits.methods.insert(method, limit(value)?);
                }
            }
        }
        Ok(limits)
    }
}

impl fmt::Display for ServerLimits {
    /// The same syntax [`FromStr`] reads: `documented` for the table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.all.iter().map(Limit::to_string).collect();
        parts.extend(self.methods.iter().map(|(m, l)| format!("{m}={l}")));
        match parts.is_empty() {
            true => f.write_str("documented"),
            false => f.write_str(&parts.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_table_is_the_default() {
        let d = ServerLimits::documented();
        assert!(d.is_documented());
        let wa = Platform::WhatsApp;
        assert_eq!(
            d.limit(Method::RemoveGroupParticipant, wa),
            Limit::PerSecond(10.0)
        );
        assert_eq!(d.limit(Method::GetGroupData, wa), Limit::PerSecond(1.0));
        assert_eq!(
            d.limit(Method::SetGroupAdmin, Platform::Max),
            Limit::PerSecond(1.0)
        );
        assert_eq!(d.to_string(), "documented");
    }

    #[test]
    fn declared_limits_read_and_print_alike() {
        for text in [
            "unlimited",
            "50",
            "getGroupData=20,removeGroupParticipant=unlimited",
            "5,getGroupData=1",
        ] {
            let limits: ServerLimits = text.parse().unwrap();
            assert_eq!(
                limits.to_string().parse::<ServerLimits>().unwrap(),
                limits,
                "{text}"
            );
        }
        let l: ServerLimits = "5,getGroupData=1".parse().unwrap();
        assert_eq!(
            l.limit(Method::AddGroupParticipant, Platform::Max),
            Limit::PerSecond(5.0)
        );
        assert_eq!(
            l.limit(Method::GetGroupData, Platform::Max),
            Limit::PerSecond(1.0)
        );
        let u = ServerLimits::unlimited();
        assert_eq!(
            u.limit(Method::RemoveAdmin, Platform::WhatsApp),
            Limit::Unlimited
        );
    }

    #[test]
    fn bad_limits_name_the_part() {
        for (bad, says) in [
            ("kick=3", "`kick` is not a method"),
            ("getGroupData=fast", "`fast` is not a limit"),
            ("0", "`0` is not a limit"),
            ("5,6", "`6` is not `method=N`"),
            ("", "is not `method=N`"),
        ] {
            let err = bad.parse::<ServerLimits>().unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}

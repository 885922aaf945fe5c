//! `--max-removals`: how many of a group's current members one sync may
//! remove before it refuses to send anything. A typo in a members list, an
//! empty `members_file` from a failed export, or the wrong group's list
//! would otherwise empty a group in one night.

use std::fmt;
use std::str::FromStr;

/// The most members one sync may remove from a group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxRemovals {
    /// At most this many.
    Count(u64),
    /// At most this share (in percent) of the current members, rounded
    /// down, but never fewer than [`MaxRemovals::FLOOR`].
    Share(f64),
}

impl MaxRemovals {
    /// The default: 10 % of the group.
    pub const DEFAULT: MaxRemovals = MaxRemovals::Share(10.0);

    /// The fewest removals a share allows, so that a small group can still
    /// lose a few (10 % of 20 is 2).
    pub const FLOOR: u64 = 3;

    /// How many of `members` current members may be removed.
    pub fn allowed(self, members: u64) -> u64 {
        match self {
            MaxRemovals::Count(n) => n,
            MaxRemovals::Share(p) => {
                let share = (members as f64 * p / 100.0 + 1e-9).floor() as u64;
                share.max(MaxRemovals::FLOOR)
            }
        }
    }

    /// Whether removing `removals` of `members` stays within the limit.
    pub fn permits(self, removals: u64, members: u64) -> bool {
        removals <= self.allowed(members)
    }

    /// The limit as a person reads it for a group of `members`: `4 (10 % of
    /// 40, at least 3)`.
    pub fn explain(self, members: u64) -> String {
        match self {
            MaxRemovals::Count(n) => format!("{n}"),
            MaxRemovals::Share(_) => format!(
                "{} ({self} of {members}, at least {})",
                self.allowed(members),
                MaxRemovals::FLOOR
            ),
        }
    }
}

impl Default for MaxRemovals {
    fn default() -> MaxRemovals {
        MaxRemovals::DEFAULT
    }
}

impl fmt::Display for MaxRemovals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxRemovals::Count(n) => write!(f, "{n}"),
            MaxRemovals::Share(p) => write!(f, "{p}%"),
        }
    }
}

impl FromStr for MaxRemovals {
    type Err = String;

    /// `N` (a count) or `P%` (a share of the current members, 0 to 100).
    fn from_str(s: &str) -> Result<MaxRemovals, String> {
        let t = s.trim();
        let bad = || format!("`{s}` is neither a count nor a share; try `10`, `10%` or `25%`");
        match t.strip_suffix('%') {
            Some(p) => match p.trim().parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => Ok(MaxRemovals::Share(p)),
                Ok(_) => Err(format!("`{s}` is not a share between 0% and 100%")),
                Err(_) => Err(bad()),
            },
            None => t.parse::<u64>().map(MaxRemovals::Count).map_err(|_| bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_shares() {
        assert_eq!("5".parse(), Ok(MaxRemovals::Count(5)));
        assert_eq!(" 0 ".parse(), Ok(MaxRemovals::Count(0)));
        assert_eq!("25%".parse(), Ok(MaxRemovals::Share(25.0)));
        assert_eq!("12.5 %".parse(), Ok(MaxRemovals::Share(12.5)));
        for bad in ["", "-1", "ten", "150%", "-5%", "%", "1e3x"] {
            assert!(bad.parse::<MaxRemovals>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_share_is_rounded_down_but_never_under_three() {
        let d = MaxRemovals::DEFAULT;
        assert_eq!(d.allowed(20), 3, "10 % of 20 is 2; at least 3");
        assert_eq!(d.allowed(40), 4);
        assert_eq!(d.allowed(100), 10);
        assert_eq!(d.allowed(109), 10);
        assert_eq!(d.allowed(0), 3);
        assert!(d.permits(4, 40));
        assert!(!d.permits(5, 40));
        assert_eq!(MaxRemovals::Share(30.0).allowed(10), 3, "no float residue");
        assert_eq!(MaxRemovals::Share(100.0).allowed(7), 7);
        assert_eq!(MaxRemovals::Count(0).allowed(1000), 0);
        assert_eq!(d.explain(40), "4 (10% of 40, at least 3)");
        assert_eq!(MaxRemovals::Count(7).explain(40), "7");
    }
}

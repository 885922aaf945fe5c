//! One manifest's work spread over N processes (`--shard K/N`): each takes
//! the instances whose key falls in its shard, and all of an instance's
//! work with it, so each instance's pace is held by one process. greenbatch
//! has no scheduler of its own: a Kubernetes Indexed Job, a Slurm array, an
//! AWS Batch array job or GNU parallel starts the processes, and
//! `--shard auto` reads which one this is from their environment
//! ([`from_env`]).
//!
//! The shard of an instance is a stable hash of its platform and
//! `idInstance` ([`of`]), never of a row's position: reordering or growing
//! a manifest never moves an instance to another shard, and a rerun of
//! shard K finds in its own results file every operation it sent before.
//!
//! What else lives here: the `.shard-K-of-N` part of a results file's name
//! and the sets `report` recognises by it ([`names`]), and how a set of
//! instances spreads over N shards, for `validate` ([`spread`]).

mod engines;
pub mod names;
pub mod spread;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::greenapi::Platform;
use crate::instances::Instances;

pub use engines::from_env;

/// The most shards: Kubernetes' Indexed Jobs allow 100,000 completions,
/// AWS Batch arrays 10,000; more is a typo, and `validate` keeps a count
/// per shard.
pub const MAX_SHARDS: u32 = 100_000;

/// The hash's seed, fixed with the key's layout in [`of`]. **Never change
/// either**: the shard of every instance would move, and a rerun of shard
/// K would send what another shard already did, through another process.
const SEED: u64 = u64::from_le_bytes(*b"greenbat");

/// Shard `index` of `count`, both counted from 1 (`2/8`), as Playwright,
/// Jest and nextest's `count:` partitions write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` of `count`, or why there is no such shard.
    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 {
            return Err("there must be at least one shard (N ≥ 1)".into());
        }
        if count > MAX_SHARDS {
            return Err(format!("{count} shards is more than {MAX_SHARDS}"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index} of {count} does not exist: K runs from 1 to {count}"
            ));
        }
        Ok(Shard { index, count })
    }

    /// K, from 1.
    pub fn index(self) -> u32 {
        self.index
    }

    /// N.
    pub fn count(self) -> u32 {
        self.count
    }

    /// `shard-2-of-8`: what the default results path gains.
    pub fn label(self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }

    /// Whether the instance `id_instance` on `platform` is this shard's.
    pub fn holds(self, platform: Platform, id_instance: &str) -> bool {
        of(platform, id_instance, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shard {} of {}", self.index, self.count)
    }
}

/// The shard (from 1) of the instance `id_instance` on `platform` among
/// `count`: XXH3-64 with [`SEED`] over `platform/idInstance`
/// (`whatsapp/1101000001`), modulo `count`. Nothing else about the
/// instance (its name in one machine's instances file, its rows, their
/// order) enters it.
pub fn of(platform: Platform, id_instance: &str, count: u32) -> u32 {
    let mut key = Vec::with_capacity(16 + id_instance.len());
    key.extend_from_slice(platform.as_str().as_bytes());
    key.push(b'/');
    key.extend_from_slice(id_instance.as_bytes());
    (xxh3_64_with_seed(&key, SEED) % u64::from(count.max(1))) as u32 + 1
}

/// `K/N` (`2/8`), with `K` and `N` counted from 1.
pub fn parse(text: &str) -> Result<Shard, String> {
    let t = text.trim();
    let hint = "write it as K/N with 1 ≤ K ≤ N, like `1/4`, or `auto`";
    let Some((k, n)) = t.split_once('/') else {
        return Err(format!("`{t}` is not a shard; {hint}"));
    };
    let number = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match (number(k), number(n)) {
        (Some(k), Some(n)) => Shard::new(k, n).map_err(|e| format!("`{t}`: {e}")),
        _ => Err(format!("`{t}` is not a shard; {hint}")),
    }
}

/// What `--shard` says: a shard, or `auto` (the job engine's environment
/// says, when the command runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    Given(Shard),
    Auto,
}

impl FromStr for ShardArg {
    type Err = String;

    fn from_str(s: &str) -> Result<ShardArg, String> {
        if s.trim().eq_ignore_ascii_case("auto") {
            Ok(ShardArg::Auto)
        } else {
            parse(s).map(ShardArg::Given)
        }
    }
}

impl ShardArg {
    /// The shard, `auto` read from `env` (see [`from_env`]).
    pub fn resolve(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, String> {
        match self {
            ShardArg::Given(shard) => Ok(shard),
            ShardArg::Auto => from_env(env),
        }
    }
}

/// How much of a job a shard took: instances and items (operations, or a
/// sync's groups), of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub shard: Shard,
    pub instances: usize,
    pub of_instances: usize,
    pub items: usize,
    pub of_items: usize,
}

impl Share {
    /// `shard 2 of 8: 2 of 6 instances, 40 of 120 operations` (`items`
    /// names what was counted).
    pub fn line(&self, items: &str) -> String {
        format!(
            "{}: {} of {} instance{}, {} of {} {items}",
            self.shard,
            self.instances,
            self.of_instances,
            crate::words::s(self.of_instances as u64),
            self.items,
            self.of_items,
        )
    }
}

/// Keeps the items of `items` whose instance (`instance` names it) is
/// `shard`'s, in their order. Each instance is decided once, from the
/// platform and `idInstance` `instances` configure for it; a name that is
/// not configured stays in every shard, so that the error it is (said by
/// whoever resolves instances) is said by every process.
pub fn retain<T>(
    items: &mut Vec<T>,
    instance: impl Fn(&T) -> &str,
    instances: &Instances,
    shard: Shard,
) -> Share {
    let of_items = items.len();
    let mut decided: HashMap<Box<str>, bool> = HashMap::new();
    // Rows of one instance come in runs: the last decision is tried first.
    let mut last: Option<(Box<str>, bool)> = None;
    items.retain(|item| {
        let name = instance(item);
        if let Some((n, keep)) = &last
            && **n == *name
        {
            return *keep;
        }
        let keep = *decided.entry(name.into()).or_insert_with(|| {
            instances
                .get(name)
                .is_none_or(|i| shard.holds(i.platform, &i.id_instance))
        });
        last = Some((name.into(), keep));
        keep
    });
    Share {
        shard,
        instances: decided.values().filter(|&&k| k).count(),
        of_instances: decided.len(),
        items: items.len(),
        of_items,
    }
}

#[cfg(test)]
mod tests;

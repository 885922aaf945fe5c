//! The `.shard-K-of-N` part of a file name: what a shard's default results
//! path gains (`cleanup.shard-2-of-8.results.csv`; a sync's
//! `nightly.shard-2-of-8.sync-….results.csv`), and the sets of shards
//! `report` recognises by it among the files it is given.
//!
//! A set is named by what comes before the mark (`cleanup`), wherever the
//! files sit: shards collected from several machines into several
//! directories are still one set, and whatever follows the mark (a sync's
//! date) may differ between them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Shard;

/// `path` with its extension replaced by `.shard-K-of-N.` and `rest`
/// (`cleanup.csv` → `cleanup.shard-2-of-8.results.csv`).
pub fn with_shard(path: &Path, shard: Shard, rest: &str) -> PathBuf {
    path.with_extension(format!("{}.{rest}", shard.label()))
}

/// Where the mark is in a file name: what comes before it, the shard, and
/// what follows it. `None` without a mark, or with one that names no shard
/// (`.shard-0-of-8.`).
pub fn in_name(name: &str) -> Option<(&str, Shard, &str)> {
    let mut from = 0;
    while let Some(at) = name[from..].find(".shard-").map(|i| from + i) {
        from = at + 1;
        let tail = &name[at + ".shard-".len()..];
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let k_len = digits(tail);
        let Some(after_k) = tail[k_len..].strip_prefix("-of-") else {
            continue;
        };
        let n_len = digits(after_k);
        let rest = &after_k[n_len..];
        if k_len == 0 || n_len == 0 || !(rest.is_empty() || rest.starts_with('.')) {
            continue;
        }
        let (Ok(k), Ok(n)) = (tail[..k_len].parse(), after_k[..n_len].parse()) else {
            continue;
        };
        if let Ok(shard) = Shard::new(k, n) {
            return Some((&name[..at], shard, rest));
        }
    }
    None
}

/// The shards of one set among the files: which of its N are there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShardSet {
    /// What comes before the mark (`cleanup`).
    pub name: String,
    /// N.
    pub count: u32,
    /// The shards found, from 1, in order.
    pub present: Vec<u32>,
    /// The shards not found, in order.
    pub missing: Vec<u32>,
    /// The file name a missing shard would have, when the files found
    /// agree on what follows the mark (`.results.csv`); shard K's is this
    /// with `{K}` replaced.
    #[serde(skip)]
    pattern: Option<String>,
}

/// The most missing shards named one by one; the rest are counted.
const NAMED: usize = 10;

impl ShardSet {
    /// Whether every shard of the set is there.
    pub fn is_whole(&self) -> bool {
        self.missing.is_empty()
    }

    /// `cleanup: 8 shards, 8 present`, or `cleanup: 8 shards, 7 present;
    /// missing: shard 3 (cleanup.shard-3-of-8.results.csv)`.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{}: {} shard{}, {} present",
            self.name,
            self.count,
            crate::words::s(self.count),
            self.present.len()
        );
        if self.missing.is_empty() {
            return line;
        }
        let named: Vec<String> = self
            .missing
            .iter()
            .take(NAMED)
            .map(|k| match &self.pattern {
                Some(p) => format!("shard {k} ({})", p.replace("{K}", &k.to_string())),
                None => format!("shard {k}"),
            })
            .collect();
        line.push_str("; missing: ");
        line.push_str(&named.join(", "));
        if self.missing.len() > NAMED {
            line.push_str(&format!(" and {} more", self.missing.len() - NAMED));
        }
        line
    }
}

/// One set's files as [`sets`] finds them.
struct Found {
    /// Where its first file is among the paths.
    first: usize,
    present: Vec<u32>,
    /// What follows the mark in its first file, and whether every other
    /// file of the set agrees.
    rest: String,
    agree: bool,
}

/// The sets of shards among `paths`, by name and N, in order of their
/// first file. Files without a mark are in no set.
pub fn sets(paths: &[PathBuf]) -> Vec<ShardSet> {
    let mut found: BTreeMap<(String, u32), Found> = BTreeMap::new();
    for (at, path) in paths.iter().enumerate() {
        let Some(file) = path.file_name().map(|n| n.to_string_lossy()) else {
            continue;
        };
        let Some((name, shard, rest)) = in_name(&file) else {
            continue;
        };
        let set = found
            .entry((name.to_owned(), shard.count()))
            .or_insert_with(|| Found {
                first: at,
                present: Vec::new(),
                rest: rest.to_owned(),
                agree: true,
            });
        set.present.push(shard.index());
        set.agree &= set.rest == rest;
    }
    let mut sets: Vec<(usize, ShardSet)> = found
        .into_iter()
        .map(|((name, count), mut f)| {
            f.present.sort_unstable();
            f.present.dedup();
            let missing = (1..=count).filter(|k| f.present.binary_search(k).is_err());
            let pattern = f
                .agree
                .then(|| format!("{name}.shard-{{K}}-of-{count}{}", f.rest));
            let set = ShardSet {
                name: crate::sanitise::terminal(&name).into_owned(),
                count,
                missing: missing.collect(),
                present: f.present,
                pattern: pattern.map(|p| crate::sanitise::terminal(&p).into_owned()),
            };
            (f.first, set)
        })
        .collect();
    sets.sort_by_key(|(at, _)| *at);
    sets.into_iter().map(|(_, set)| set).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(k: u32, n: u32) -> Shard {
        Shard::new(k, n).unwrap()
    }

    #[test]
    fn the_mark_goes_where_the_extension_was_and_reads_back() {
        let path = with_shard(Path::new("dir/cleanup.csv"), shard(2, 8), "results.csv");
        assert_eq!(path, Path::new("dir/cleanup.shard-2-of-8.results.csv"));
        assert_eq!(
            in_name("cleanup.shard-2-of-8.results.csv"),
            Some(("cleanup", shard(2, 8), ".results.csv"))
        );
        assert_eq!(
            in_name("nightly.shard-1-of-3.sync-20250101T031500.000Z.results.csv"),
            Some((
                "nightly",
                shard(1, 3),
                ".sync-20250101T031500.000Z.results.csv"
            ))
        );
        assert_eq!(
            in_name("a.shard-x.b.shard-3-of-4"),
            Some(("a.shard-x.b", shard(3, 4), ""))
        );
        for none in [
            "cleanup.results.csv",
            "cleanup.shard-0-of-8.results.csv",
            "cleanup.shard-9-of-8.results.csv",
            "cleanup.shard-2-of-8x.results.csv",
            "cleanup.shard--of-8.results.csv",
            "cleanup.shard-2-of-.csv",
        ] {
            assert_eq!(in_name(none), None, "{none}");
        }
    }

    #[test]
    fn a_whole_set_says_so_and_a_missing_shard_is_named() {
        let whole: Vec<PathBuf> = (1..=8)
            .rev()
            .map(|k| PathBuf::from(format!("m{k}/cleanup.shard-{k}-of-8.results.csv")))
            .collect();
        let sets = sets(&whole);
        assert_eq!(sets.len(), 1);
        assert!(sets[0].is_whole());
        assert_eq!(sets[0].line(), "cleanup: 8 shards, 8 present");

        let mut some = whole.clone();
        some.retain(|p| !p.to_string_lossy().contains("shard-3-"));
        some.push("other.results.csv".into());
        let found = super::sets(&some);
        assert_eq!(found[0].missing, [3]);
        assert_eq!(
            found[0].line(),
            "cleanup: 8 shards, 7 present; missing: shard 3 (cleanup.shard-3-of-8.results.csv)"
        );
    }

    #[test]
    fn sets_differ_by_name_and_count_and_dates_are_not_guessed() {
        let paths: Vec<PathBuf> = [
            "a.shard-1-of-2.results.csv",
            "b.shard-2-of-3.sync-1.results.csv",
            "b.shard-1-of-3.sync-2.results.csv",
            "a.shard-1-of-3.results.csv",
        ]
        .map(PathBuf::from)
        .to_vec();
        let lines: Vec<String> = sets(&paths).iter().map(ShardSet::line).collect();
        assert_eq!(
            lines,
            [
                "a: 2 shards, 1 present; missing: shard 2 (a.shard-2-of-2.results.csv)",
                "b: 3 shards, 2 present; missing: shard 3",
                "a: 3 shards, 1 present; missing: shard 2 (a.shard-2-of-3.results.csv), shard 3 (a.shard-3-of-3.results.csv)",
            ]
        );
    }
}

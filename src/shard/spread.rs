//! How a manifest's instances would spread over N shards, for `validate
//! --shards N`: before a job is split, whether its shards are even (one
//! instance with most of the work makes its shard the long one, whatever N
//! is) and whether some would have nothing to do.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::of;
use crate::greenapi::Platform;
use crate::instances::Instances;

/// Instances and items (operations, or a desired state's groups) per shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spread {
    /// N.
    pub count: u32,
    /// Distinct instances in each shard, shard 1 first.
    pub instances: Vec<usize>,
    /// Items in each shard, shard 1 first.
    pub items: Vec<usize>,
}

impl Spread {
    /// Spreads `items`, each the instance `(platform, idInstance)` it goes
    /// through, over `count` shards (1 ≤ `count` ≤ [`super::MAX_SHARDS`]).
    pub fn of<'a>(items: impl IntoIterator<Item = (Platform, &'a str)>, count: u32) -> Spread {
        let n = count.max(1) as usize;
        let mut spread = Spread {
            count,
            instances: vec![0; n],
            items: vec![0; n],
        };
        let mut seen: HashSet<(Platform, &str)> = HashSet::new();
        let mut last: Option<((Platform, &str), usize)> = None;
        for key in items {
            let slot = match last {
                Some((k, slot)) if k == key => slot,
                _ => {
                    let slot = of(key.0, key.1, count) as usize - 1;
                    if seen.insert(key) {
                        spread.instances[slot] += 1;
                    }
                    last = Some((key, slot));
                    slot
                }
            };
            spread.items[slot] += 1;
        }
        spread
    }

    /// [`Spread::of`] over items named by their instance's name in
    /// `instances` (the rows of a manifest, the groups of a desired state);
    /// a name not configured is left out (validation has said it).
    pub fn of_names<'a>(
        names: impl IntoIterator<Item = &'a str>,
        instances: &Instances,
        count: u32,
    ) -> Spread {
        let mut keys: HashMap<&str, Option<(Platform, &str)>> = HashMap::new();
        let items = names.into_iter().filter_map(|name| {
            *keys.entry(name).or_insert_with(|| {
                instances
                    .get(name)
                    .map(|i| (i.platform, i.id_instance.as_str()))
            })
        });
        Spread::of(items, count)
    }

    /// `N = 8: 3 to 5 instances a shard, 40 to 120 operations` (`item`
    /// names what was counted, in the singular; one figure when every
    /// shard has the same), and the shards with no instance, if some have
    /// none.
    pub fn line(&self, item: &str) -> String {
        // `3 to 5 instances`, `2 instances`, `1 instance`.
        let range = |v: &[usize], noun: &str| {
            let lo = v.iter().min().copied().unwrap_or(0);
            let hi = v.iter().max().copied().unwrap_or(0);
            match lo == hi {
                true => crate::words::plural(hi as u64, noun),
                false => format!("{lo} to {hi} {noun}s"),
            }
        };
        let mut line = format!(
            "N = {}: {} a shard, {}",
            self.count,
            range(&self.instances, "instance"),
            range(&self.items, item),
        );
        let empty: Vec<String> = (1..)
            .zip(&self.instances)
            .filter(|(_, n)| **n == 0)
            .map(|(k, _)| k.to_string())
            .collect();
        if !empty.is_empty() {
            let shown: Vec<&str> = empty.iter().take(10).map(String::as_str).collect();
            line.push_str(&format!(
                "; shard{} {}{} would have nothing to send",
                if empty.len() == 1 { "" } else { "s" },
                shown.join(", "),
                if empty.len() > 10 {
                    format!(" and {} more", empty.len() - 10)
                } else {
                    String::new()
                },
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_the_range_and_the_empty_shards() {
        let ids: Vec<String> = (0..24).map(|i| format!("11010000{i:02}")).collect();
        let items: Vec<(Platform, &str)> = ids
            .iter()
            .flat_map(|id| [(Platform::WhatsApp, id.as_str()); 2])
            .collect();
        let spread = Spread::of(items.iter().copied(), 8);
        assert_eq!(spread.instances.iter().sum::<usize>(), 24);
        assert_eq!(spread.items.iter().sum::<usize>(), 48);
        let (lo, hi) = (
            spread.instances.iter().min().unwrap(),
            spread.instances.iter().max().unwrap(),
        );
        assert!(
            spread
                .line("operation")
                .starts_with(&format!("N = 8: {lo} to {hi} instances a shard, ")),
            "{}",
            spread.line("operation")
        );
        // Every instance lands where `of` puts it.
        for id in &ids {
            let k = of(Platform::WhatsApp, id, 8) as usize;
            assert!(spread.instances[k - 1] > 0);
        }

        let one = Spread::of([(Platform::Max, "3100000001")], 3);
        let line = one.line("group");
        assert!(
            line.starts_with("N = 3: 0 to 1 instances a shard, 0 to 1 groups; shards "),
            "{line}"
        );
        assert!(line.ends_with(" would have nothing to send"), "{line}");

        let even = Spread::of([(Platform::Max, "3100000001")], 1);
        assert_eq!(
            even.line("operation"),
            "N = 1: 1 instance a shard, 1 operation"
        );
    }
}

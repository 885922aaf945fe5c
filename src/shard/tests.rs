use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::diagnostic::Source;
use crate::greenapi::Action;
use crate::instances::Instance;
use crate::limits::ServerLimits;
use crate::manifest::Operation;

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn shard(k: u32, n: u32) -> Shard {
    Shard::new(k, n).unwrap()
}

#[test]
fn k_of_n_is_read_from_1_and_nonsense_is_named() {
    assert_eq!(parse("1/4"), Ok(shard(1, 4)));
    assert_eq!(parse(" 4/4 "), Ok(shard(4, 4)));
    assert_eq!(parse("1/1"), Ok(shard(1, 1)));
    assert_eq!("2/8".parse::<ShardArg>(), Ok(ShardArg::Given(shard(2, 8))));
    assert_eq!("auto".parse::<ShardArg>(), Ok(ShardArg::Auto));
    assert_eq!("AUTO".parse::<ShardArg>(), Ok(ShardArg::Auto));
    let err = |t: &str| parse(t).unwrap_err();
    assert_eq!(
        err("0/3"),
        "`0/3`: shard 0 of 3 does not exist: K runs from 1 to 3"
    );
    assert_eq!(
        err("4/3"),
        "`4/3`: shard 4 of 3 does not exist: K runs from 1 to 3"
    );
    assert_eq!(
        err("0/0"),
        "`0/0`: there must be at least one shard (N ≥ 1)"
    );
    assert_eq!(
        err("1/100001"),
        "`1/100001`: 100001 shards is more than 100000"
    );
    for garbage in [
        "",
        "3",
        "a/b",
        "1/",
        "/4",
        "1/4/5",
        "-1/4",
        "+1/4",
        "1.0/4",
        "1 of 4",
        "99999999999/4",
        "1/4x",
        "auto/4",
    ] {
        let e = err(garbage);
        assert!(
            e.contains("is not a shard; write it as K/N with 1 ≤ K ≤ N, like `1/4`, or `auto`"),
            "{garbage}: {e}"
        );
    }
}

#[test]
fn auto_reads_each_engine_and_counts_from_1() {
    let auto = |vars: &[(&str, &str)]| from_env(&env_of(vars));
    assert_eq!(
        auto(&[("JOB_COMPLETION_INDEX", "0"), ("JOB_COMPLETIONS", "4")]),
        Ok(shard(1, 4))
    );
    assert_eq!(
        auto(&[("JOB_COMPLETION_INDEX", "3"), ("JOB_COMPLETIONS", "4")]),
        Ok(shard(4, 4))
    );
    assert_eq!(
        auto(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "9"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "10")
        ]),
        Ok(shard(10, 10))
    );
    // Slurm's IDs are the array's own: --array=1-8, --array=0-7,
    // --array=0-14:2 (0, 2, …, 14).
    let slurm = |id: &str, count: &str, min: &str, step: &str, max: &str| {
        auto(&[
            ("SLURM_ARRAY_TASK_ID", id),
            ("SLURM_ARRAY_TASK_COUNT", count),
            ("SLURM_ARRAY_TASK_MIN", min),
            ("SLURM_ARRAY_TASK_STEP", step),
            ("SLURM_ARRAY_TASK_MAX", max),
        ])
    };
    assert_eq!(slurm("1", "8", "1", "1", "8"), Ok(shard(1, 8)));
    assert_eq!(slurm("8", "8", "1", "1", "8"), Ok(shard(8, 8)));
    assert_eq!(slurm("0", "8", "0", "1", "7"), Ok(shard(1, 8)));
    assert_eq!(slurm("14", "8", "0", "2", "14"), Ok(shard(8, 8)));
    assert_eq!(
        auto(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3")
        ]),
        Ok(shard(3, 3)),
        "no MIN: counted from 0"
    );
    // --array=1,2,7: three tasks, not a range.
    let e = slurm("7", "3", "1", "1", "7").unwrap_err();
    assert!(
        e.starts_with("the Slurm array is not a range of 3 tasks"),
        "{e}"
    );
    assert!(e.contains("--array=1-3 or --array=0-2"), "{e}");
    assert!(
        slurm("3", "8", "0", "2", "14").is_err(),
        "an ID off the step"
    );
}

#[test]
fn auto_with_nothing_or_too_much_set_says_what_to_set() {
    let auto = |vars: &[(&str, &str)]| from_env(&env_of(vars)).unwrap_err();
    let none = auto(&[]);
    for var in [
        "JOB_COMPLETION_INDEX",
        "JOB_COMPLETIONS",
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "AWS_BATCH_JOB_ARRAY_SIZE",
        "--shard 1/4",
    ] {
        assert!(none.contains(var), "{var}: {none}");
    }
    assert_eq!(
        auto(&[("JOB_COMPLETION_INDEX", " ")]),
        none,
        "empty is unset"
    );
    let k8s = auto(&[("JOB_COMPLETION_INDEX", "1")]);
    assert!(
        k8s.contains("JOB_COMPLETIONS is not") && k8s.contains("examples/k8s/indexed-job.yaml"),
        "{k8s}"
    );
    assert!(auto(&[("SLURM_ARRAY_TASK_ID", "1")]).contains("SLURM_ARRAY_TASK_COUNT is not"));
    assert!(
        auto(&[("AWS_BATCH_JOB_ARRAY_INDEX", "1")]).contains("AWS_BATCH_JOB_ARRAY_SIZE is not")
    );
    assert_eq!(
        auto(&[("JOB_COMPLETION_INDEX", "4"), ("JOB_COMPLETIONS", "4")]),
        "JOB_COMPLETION_INDEX is 4 but JOB_COMPLETIONS is 4: the index runs from 0 to one less than the count"
    );
    assert_eq!(
        auto(&[("JOB_COMPLETION_INDEX", "two"), ("JOB_COMPLETIONS", "4")]),
        "JOB_COMPLETION_INDEX is `two`, not a whole number"
    );
    assert_eq!(
        auto(&[("JOB_COMPLETION_INDEX", "-1"), ("JOB_COMPLETIONS", "4")]),
        "JOB_COMPLETION_INDEX is `-1`, not a whole number"
    );
    let both = auto(&[
        ("JOB_COMPLETION_INDEX", "1"),
        ("JOB_COMPLETIONS", "4"),
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "4"),
    ]);
    assert!(
        both.contains("two job engines") && both.contains("--shard K/N"),
        "{both}"
    );
    // A given shard needs no environment at all.
    assert_eq!(
        ShardArg::Given(shard(2, 3)).resolve(&env_of(&[])),
        Ok(shard(2, 3))
    );
    assert_eq!(ShardArg::Auto.resolve(&env_of(&[])).unwrap_err(), none);
}

#[test]
fn the_shard_of_an_instance_is_pinned() {
    // Computed when sharding was written. A change here moves instances
    // between shards: a rerun of shard K would then send what another
    // shard's process already did. Never change SEED or the key.
    let got: Vec<u32> = [
        (Platform::WhatsApp, "1101000001"),
        (Platform::WhatsApp, "1101000002"),
        (Platform::Max, "3100000001"),
        (Platform::Max, "1101000001"),
    ]
    .iter()
    .map(|(p, id)| of(*p, id, 1000))
    .collect();
    assert_eq!(got, PINNED);
}

const PINNED: [u32; 4] = [646, 357, 30, 384];

fn instance(k: usize, max: bool, id: u64) -> Instance {
    Instance {
        name: Arc::from(format!("i{k}")),
        platform: if max {
            Platform::Max
        } else {
            Platform::WhatsApp
        },
        api_url: "http://127.0.0.1:1".into(),
        id_instance: id.to_string(),
        token: None,
        rate: None,
        limits: ServerLimits::default(),
    }
}

/// A manifest's operations: row `r` goes through `list[at[r]]`.
fn operations(list: &[Instance], at: &[usize]) -> Vec<Operation> {
    at.iter()
        .enumerate()
        .map(|(row, &i)| {
            let inst = &list[i % list.len()];
            Operation::new(
                &inst.name,
                inst.platform,
                &inst.id_instance,
                Action::Remove,
                "*",
                &format!("7900{row:07}@c.us"),
                Source {
                    file: Arc::from("m.csv"),
                    line: row as u32 + 2,
                    cell: None,
                },
            )
        })
        .collect()
}

/// Each instance's shard as `retain` hands operations out, asking every
/// shard of `n` in turn.
fn shards_of(ops: &[Operation], instances: &Instances, n: u32) -> BTreeMap<Arc<str>, u32> {
    let mut owner = BTreeMap::new();
    for k in 1..=n {
        let mut mine = ops.to_vec();
        retain(&mut mine, |op| &op.instance, instances, shard(k, n));
        for op in mine {
            let before = owner.insert(op.instance.clone(), k);
            assert!(
                before.is_none_or(|b| b == k),
                "{} in shards {before:?} and {k}",
                op.instance
            );
        }
    }
    owner
}

proptest! {
    /// Whatever the manifest's order and size, an instance is in the same
    /// one shard: reordering rows, dropping some, or adding more (of the
    /// same instances or new ones) never moves it.
    #[test]
    fn an_instance_s_shard_never_depends_on_the_manifest_s_order_or_size(
        ids in proptest::collection::btree_set((any::<bool>(), 1_000_000u64..9_999_999_999), 1..12),
        rows in proptest::collection::vec(0usize..64, 0..120),
        more in proptest::collection::vec(0usize..64, 0..120),
        shuffle in any::<u64>(),
        n in 1u32..9,
    ) {
        let list: Vec<Instance> = ids
            .iter()
            .enumerate()
            .map(|(k, &(max, id))| instance(k, max, id))
            .collect();
        let instances = Instances::new(list.clone());
        let ops = operations(&list, &rows);
        let before = shards_of(&ops, &instances, n);
        // Every instance the rows use is in exactly one shard.
        let used: BTreeSet<Arc<str>> = ops.iter().map(|op| op.instance.clone()).collect();
        prop_assert_eq!(before.keys().cloned().collect::<BTreeSet<_>>(), used);
        // The same rows reordered, some dropped, more added.
        let mut other: Vec<usize> = rows.iter().chain(&more).copied().collect();
        fastrand::Rng::with_seed(shuffle).shuffle(&mut other);
        other.truncate(other.len().saturating_sub(rows.len() / 3));
        let after = shards_of(&operations(&list, &other), &instances, n);
        for (name, k) in &after {
            if let Some(was) = before.get(name) {
                prop_assert_eq!(was, k, "{} moved", name);
            }
            let inst = instances.get(name).unwrap();
            prop_assert_eq!(*k, of(inst.platform, &inst.id_instance, n));
        }
        // And each shard's operations stay in manifest order.
        for k in 1..=n {
            let mut mine = ops.clone();
            let share = retain(&mut mine, |op| &op.instance, &instances, shard(k, n));
            let expected: Vec<_> = ops
                .iter()
                .filter(|op| before.get(&op.instance) == Some(&k))
                .map(|op| op.op_id)
                .collect();
            prop_assert_eq!(mine.iter().map(|op| op.op_id).collect::<Vec<_>>(), expected);
            prop_assert_eq!(share.of_items, ops.len());
            prop_assert_eq!(share.items, mine.len());
        }
    }
}

#[test]
fn an_unconfigured_instance_stays_in_every_shard() {
    let instances = Instances::new(vec![instance(0, false, 1101000001)]);
    let mut items = vec!["i0", "nobody", "i0"];
    let k = of(Platform::WhatsApp, "1101000001", 2);
    let share = retain(&mut items, |s| s, &instances, shard(3 - k, 2));
    assert_eq!(items, ["nobody"]);
    assert_eq!((share.instances, share.of_instances), (1, 2));
    assert_eq!(
        share.line("operations"),
        format!("shard {} of 2: 1 of 2 instances, 1 of 3 operations", 3 - k)
    );
}

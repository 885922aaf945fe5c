//! `--shard` through each command (issue 25): sharded syncs run side by
//! side and touch only their instances' groups (a `*` entry with its
//! instance), a shard that is not one is a usage error before anything is
//! sent, `--shard auto` takes a job engine's index, and `plan` and
//! `validate` show a shard's share and the split.

use std::collections::{BTreeMap, BTreeSet};

use greenbatch::greenapi::Platform;
use greenbatch::sandbox::SandboxConfig;
use serde_json::Value;

use crate::support::*;

/// The sandbox's default instances (wa-main, wa-second, max-main) by the
/// shard of 2 each falls in.
fn default_shards() -> BTreeMap<&'static str, u32> {
    [
        ("wa-main", Platform::WhatsApp, WA_MAIN),
        ("wa-second", Platform::WhatsApp, WA_SECOND),
        ("max-main", Platform::Max, MAX_MAIN),
    ]
    .into_iter()
    .map(|(name, p, id)| (name, greenbatch::shard::of(p, id, 2)))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_shards_read_and_change_only_their_instances_groups_side_by_side() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let (inst, env) = three_instances(dir.path(), &sb, None);
    // wa-main's `*` entry (every group it is in: three) bans a member of
    // the market group; wa-second promotes one in the book club; max-main
    // one in its city chat.
    let desired = write(
        dir.path(),
        "nightly.yaml",
        "groups:\n  - chat_id: \"*\"\n    instance: wa-main\n    banned: [79001234561@c.us]\n  - chat_id: 120363169960827018@g.us\n    instance: wa-second\n    admins: [79005550001@c.us]\n  - chat_id: \"-10000000000000\"\n    instance: max-main\n    admins: [\"10000001\"]\n",
    );
    let children: Vec<_> = (1..=2)
        .map(|k| {
            greenbatch_async()
                .args(["sync", desired.to_str().unwrap(), "--progress", "never"])
                .args(["--instances", inst.to_str().unwrap()])
                .args(["--shard", &format!("{k}/2")])
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().await.unwrap();
        // Both ran: a shard's lock on the desired file is shared.
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let shards = default_shards();
    // Each instance's requests, reads and `*`'s listing included, came
    // from its own shard's process: its groups are in that shard's files.
    let ids = [
        ("wa-main", WA_MAIN),
        ("wa-second", WA_SECOND),
        ("max-main", MAX_MAIN),
    ];
    for k in 1..=2 {
        let results = crate::sync_rules::files_ending(dir.path(), ".results.csv")
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("nightly.shard-{k}-of-2.sync-"))
            })
            .collect::<Vec<_>>();
        assert_eq!(results.len(), 1, "shard {k}'s own dated file");
        let instances: BTreeSet<String> = rows(&results[0])
            .into_iter()
            .map(|r| r.instance.to_string())
            .collect();
        let mine: BTreeSet<String> = shards
            .iter()
            .filter(|(_, s)| **s == k)
            .map(|(n, _)| n.to_string())
            .collect();
        assert_eq!(instances, mine, "shard {k}");
    }
    let by_instance = |id: &str, method: &str| {
        sb.ledger()
            .iter()
            .filter(|e| e.instance.as_deref() == Some(id) && e.method.as_deref() == Some(method))
            .count()
    };
    assert_eq!(by_instance(WA_MAIN, "getContacts"), 1, "`*` listed once");
    assert_eq!(
        by_instance(WA_MAIN, "getGroupData"),
        3,
        "wa-main's three groups"
    );
    for (_, id) in ids {
        let changes: usize = ["removeGroupParticipant", "setGroupAdmin"]
            .iter()
            .map(|m| by_instance(id, m))
            .sum();
        assert_eq!(changes, 1, "{id}: one change each");
    }
    let files = crate::sync_rules::files_ending(dir.path(), ".results.csv");
    let mut args = vec!["report"];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    let out = greenbatch(&args, &[]).await;
    assert!(
        stdout(&out).contains("  nightly: 2 shards, 2 present\n"),
        "{}",
        stdout(&out)
    );

    // The next night nothing is to change: no shard sends, yet each writes
    // its results file (the header alone), so the night's set is whole
    // and `report` of it is no "resend".
    for k in 1..=2 {
        let out = greenbatch_async()
            .args(["sync", desired.to_str().unwrap(), "--progress", "never"])
            .args(["--instances", inst.to_str().unwrap()])
            .args(["--shard", &format!("{k}/2")])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("nothing sent, only the shard's results file, for its set: "),
            "{}",
            stdout(&out)
        );
    }
    let second: Vec<_> = crate::sync_rules::files_ending(dir.path(), ".results.csv")
        .into_iter()
        .filter(|p| !files.contains(p))
        .collect();
    assert_eq!(second.len(), 2, "{second:?}");
    assert!(
        crate::sync_rules::files_ending(dir.path(), ".ops.csv").len() == 2,
        "no audit file for nothing"
    );
    let mut args = vec!["report"];
    args.extend(second.iter().map(|p| p.to_str().unwrap()));
    let out = greenbatch(&args, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("  nightly: 2 shards, 2 present\n"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_that_is_not_one_is_a_usage_error_before_anything_is_sent() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "m.csv",
        &csv(&["remove,120363043968066561@g.us,79001234561@c.us".into()]),
    );
    let m = m.to_str().unwrap();
    let env = default_env(&sb, WA_MAIN);
    for (shard, says) in [
        (
            "0/3",
            "`0/3`: shard 0 of 3 does not exist: K runs from 1 to 3",
        ),
        (
            "4/3",
            "`4/3`: shard 4 of 3 does not exist: K runs from 1 to 3",
        ),
        (
            "2-of-3",
            "`2-of-3` is not a shard; write it as K/N with 1 ≤ K ≤ N, like `1/4`, or `auto`",
        ),
        (
            "auto",
            "--shard auto found no job engine's index in the environment: set JOB_COMPLETION_INDEX and JOB_COMPLETIONS",
        ),
    ] {
        for command in ["run", "plan"] {
            let out = greenbatch(&[command, m, "--shard", shard], &env).await;
            assert_eq!(out.status.code(), Some(2), "{command} --shard {shard}");
            assert!(
                stderr(&out).contains(says),
                "{command} --shard {shard}: {}",
                stderr(&out)
            );
        }
    }
    let k8s_half = [("JOB_COMPLETION_INDEX".to_owned(), "1".to_owned())];
    let out = greenbatch(
        &["run", m, "--shard", "auto"],
        &[env.clone(), k8s_half.to_vec()].concat(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("set JOB_COMPLETIONS in the pod template's env"),
        "{}",
        stderr(&out)
    );
    assert!(sent(&sb).is_empty(), "nothing sent");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_takes_the_engine_s_shard_and_plan_and_validate_show_the_split() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let (inst, env) = three_instances(dir.path(), &sb, None);
    let m = write(
        dir.path(),
        "m.csv",
        "action,chat_id,participant_id,instance\nremove,120363043968066561@g.us,79001234561@c.us,wa-main\npromote,120363169960827018@g.us,79005550001@c.us,wa-second\nremove,-10000000000000,10000001,max-main\n",
    );
    let (m, inst) = (m.to_str().unwrap(), inst.to_str().unwrap());
    let shards = default_shards();
    let k = shards["max-main"];
    // A Slurm array `--array=1-2`: task ID k is shard k of 2.
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", k.to_string()),
        ("SLURM_ARRAY_TASK_COUNT", "2".into()),
        ("SLURM_ARRAY_TASK_MIN", "1".into()),
        ("SLURM_ARRAY_TASK_MAX", "2".into()),
    ]
    .map(|(a, b)| (a.to_owned(), b));
    let all_env = [env.clone(), slurm.to_vec()].concat();

    let plan = greenbatch(
        &["plan", m, "--instances", inst, "--shard", "auto"],
        &all_env,
    )
    .await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let mine: Vec<&str> = shards
        .iter()
        .filter(|(_, s)| **s == k)
        .map(|(n, _)| *n)
        .collect();
    for (name, s) in &shards {
        assert_eq!(
            stdout(&plan).contains(&format!("via {name} ")),
            *s == k,
            "{name}: {}",
            stdout(&plan)
        );
    }
    assert!(
        stderr(&plan).contains(&format!(
            "note: shard {k} of 2: {} of 3 instances, {} of 3 operations",
            mine.len(),
            mine.len()
        )),
        "{}",
        stderr(&plan)
    );

    let run = greenbatch(
        &[
            "run",
            m,
            "--instances",
            inst,
            "--shard",
            "auto",
            "--progress",
            "never",
        ],
        &all_env,
    )
    .await;
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let file = dir.path().join(format!("m.shard-{k}-of-2.results.csv"));
    let ran: BTreeSet<String> = rows(&file)
        .into_iter()
        .map(|r| r.instance.to_string())
        .collect();
    assert_eq!(ran, mine.iter().map(|n| n.to_string()).collect());
    assert_eq!(sent(&sb).len(), mine.len());

    let validate = greenbatch(&["validate", m, "--instances", inst, "--shards", "2"], &env).await;
    let text = stdout(&validate);
    let (lo, hi) = (
        mine.len().min(3 - mine.len()),
        mine.len().max(3 - mine.len()),
    );
    assert!(
        text.contains(&format!(
            "  shards:    N = 2: {lo} to {hi} instances a shard, {lo} to {hi} operations\n"
        )),
        "{text}"
    );
    let json = greenbatch(
        &[
            "validate",
            m,
            "--instances",
            inst,
            "--shards",
            "2",
            "--format",
            "json",
        ],
        &env,
    )
    .await;
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    let per: Vec<u64> = v["manifests"][0]["shards"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(per.iter().sum::<u64>(), 3);
    assert_eq!(per[k as usize - 1], mine.len() as u64);
}

#[test]
fn the_kubernetes_example_runs_four_shards_that_auto_reads() {
    let text = include_str!("../../examples/k8s/indexed-job.yaml");
    let docs: Vec<Value> = text
        .split("\n---\n")
        .map(|doc| yaml_serde::from_str(doc).expect("each document is YAML"))
        .collect();
    let job = docs.iter().find(|d| d["kind"] == "Job").expect("a Job");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    assert_eq!(spec["completions"], 4);
    let container = &spec["template"]["spec"]["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[..2], ["run", "/work/cleanup.csv"]);
    assert!(
        args.windows(2).any(|w| w == ["--shard", "auto"]),
        "{args:?}"
    );
    // Tokens come from a Secret as variables, never from the arguments.
    assert!(container["envFrom"][0]["secretRef"]["name"].is_string());
    assert!(!args.iter().any(|a| a.contains("TOKEN")));
    // The manifest sits on the results volume, so each shard's default
    // results file (beside it) does too; it comes from the ConfigMap.
    let mounts = container["volumeMounts"].as_array().unwrap();
    let at = |path: &str| mounts.iter().find(|m| m["mountPath"] == path).unwrap();
    let volume = |name: &Value| {
        spec["template"]["spec"]["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == *name)
            .unwrap()
            .clone()
    };
    assert!(volume(&at("/work")["name"])["persistentVolumeClaim"].is_object());
    assert!(volume(&at("/work/cleanup.csv")["name"])["configMap"].is_object());
    // JOB_COMPLETIONS, which Kubernetes does not set, says completions;
    // pod i (JOB_COMPLETION_INDEX) is then shard i+1 of 4.
    let completions = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "JOB_COMPLETIONS")
        .expect("JOB_COMPLETIONS set")["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(completions, spec["completions"].to_string());
    for index in 0..4u32 {
        let env = |k: &str| match k {
            "JOB_COMPLETION_INDEX" => Some(index.to_string()),
            "JOB_COMPLETIONS" => Some(completions.clone()),
            _ => None,
        };
        let shard = greenbatch::shard::from_env(&env).unwrap();
        assert_eq!((shard.index(), shard.count()), (index + 1, 4));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_with_no_instance_sends_nothing_and_still_writes_its_file() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "m.csv",
        &csv(&["remove,120363043968066561@g.us,79001234561@c.us".into()]),
    );
    let k = (1..=8)
        .find(|&k| greenbatch::shard::of(Platform::WhatsApp, WA_MAIN, 8) != k)
        .unwrap();
    let shard = format!("{k}/8");
    let env = default_env(&sb, WA_MAIN);
    let m = m.to_str().unwrap();
    let out = greenbatch(&["run", m, "--shard", &shard, "--progress", "never"], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "note: shard {k} of 8: 0 of 1 instance, 0 of 1 operations"
        )),
        "{}",
        stderr(&out)
    );
    // Its file is there, so `report` over the set finds this shard present.
    let file = dir.path().join(format!("m.shard-{k}-of-8.results.csv"));
    assert_eq!(rows(&file).len(), 0);
    assert!(sent(&sb).is_empty());
    // A notice needs a sender that the empty shard cannot infer.
    let out = greenbatch(
        &["run", m, "--shard", &shard, "--notify", "79001234561@c.us"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the job uses no instance (a shard with none?)"),
        "{}",
        stderr(&out)
    );
}

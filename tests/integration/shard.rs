//! `--shard K/N` (issue 25): one manifest spread over concurrent processes
//! of the real binary against one sandbox, its documented limits on and
//! the default pace. Together the shards apply every operation exactly
//! once, each instance in one shard and one results file, and `report` over
//! the set counts what `report` over one process's run counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use greenbatch::greenapi::Platform;
use greenbatch::sandbox::{SandboxConfig, SandboxHandle};
use serde_json::Value;

use crate::support::*;

/// One instance of the fleet: its name in the instances file, platform,
/// idInstance, token and own number.
struct Member {
    name: String,
    platform: Platform,
    id: String,
    token: String,
    wid: String,
}

/// Five WhatsApp instances and a MAX one, picked (deterministically) so
/// that every shard of 2 and of 3 has an instance: a test of how shards
/// share work needs no empty shard.
fn fleet() -> Vec<Member> {
    let mut wa = 0u32;
    loop {
        let mut all: Vec<Member> = (0..5)
            .map(|k| Member {
                name: format!("wa{k}"),
                platform: Platform::WhatsApp,
                id: format!("{}", 1102000001 + wa + k),
                token: format!("5a{:048x}", wa + k + 1),
                wid: format!("799800000{k:02}@c.us"),
            })
            .collect();
        all.push(Member {
            name: "max0".into(),
            platform: Platform::Max,
            id: "3102000001".into(),
            token: format!("6b{:048x}", 1),
            wid: "39888799".into(),
        });
        let covers = |n: u32| {
            let used: BTreeSet<u32> = all
                .iter()
                .map(|m| greenbatch::shard::of(m.platform, &m.id, n))
                .collect();
            used.len() == n as usize
        };
        if covers(2) && covers(3) {
            return all;
        }
        wa += 5;
    }
}

fn group(m: &Member, g: u32) -> String {
    match m.platform {
        Platform::WhatsApp => format!("1203630450{}{g:02}@g.us", &m.id[4..]),
        Platform::Max => format!("-1000000{g:07}"),
    }
}

fn person(m: &Member, i: u32) -> String {
    let k = m.name[m.name.len() - 1..].parse::<u32>().unwrap();
    match m.platform {
        Platform::WhatsApp => format!("7900{k:02}{i:05}@c.us"),
        Platform::Max => format!("{}", 10_000_000 + 100 * k + i),
    }
}

/// The sandbox's state: each instance in two groups of its own, with the
/// members its operations need (person 99 is the spammer in both).
fn state(fleet: &[Member]) -> SandboxConfig {
    let mut yaml = String::from("instances:\n");
    for m in fleet {
        yaml.push_str(&format!(
            "  - {{ id_instance: \"{}\", token: \"{}\", platform: {}, state: authorized, wid: \"{}\" }}\n",
            m.id,
            m.token,
            m.platform.as_str(),
            m.wid
        ));
    }
    yaml.push_str("groups:\n");
    for m in fleet {
        for g in 0..2 {
            yaml.push_str(&format!(
                "  - id: \"{}\"\n    platform: {}\n    owner: \"{}\"\n    participants:\n      - {{ id: \"{}\", admin: true }}\n",
                group(m, g),
                m.platform.as_str(),
                m.wid,
                m.wid
            ));
            for i in [1, 2, 3, 4, 99] {
                yaml.push_str(&format!("      - \"{}\"\n", person(m, i)));
            }
        }
    }
    SandboxConfig::from_yaml(&yaml).expect("a valid state")
}

/// Every WhatsApp instance removes three members from its first group,
/// promotes one in its second and removes the spammer from every group it
/// is in (`*`, two groups); the MAX one removes one and promotes one. Rows
/// of the instances are interleaved, so no shard's rows are a block.
fn manifest(fleet: &[Member]) -> (String, usize) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for m in fleet {
        let n = &m.name;
        let mut own = vec![
            format!("remove,{},{},{n}", group(m, 0), person(m, 1)),
            format!("promote,{},{},{n}", group(m, 1), person(m, 4)),
        ];
        if m.platform == Platform::WhatsApp {
            own.push(format!("remove,{},{},{n}", group(m, 0), person(m, 2)));
            own.push(format!("remove,*,{},{n}", person(m, 99)));
            own.push(format!("remove,{},{},{n}", group(m, 0), person(m, 3)));
        }
        rows.push(own);
    }
    let mut csv = String::from("action,chat_id,participant_id,instance\n");
    for at in 0..5 {
        for own in &rows {
            if let Some(row) = own.get(at) {
                csv.push_str(row);
                csv.push('\n');
            }
        }
    }
    // Each `*` row is one removal in each of its instance's two groups.
    let ops = rows.iter().map(Vec::len).sum::<usize>() + 5;
    (csv, ops)
}

/// The instances file (no `rate`: the default pace) and its tokens' variables.
fn instances(dir: &Path, sb: &SandboxHandle, fleet: &[Member]) -> Vec<(String, String)> {
    let mut yaml = String::new();
    let mut env = Vec::new();
    for m in fleet {
        let var = format!("GREEN_API_{}_TOKEN", m.name.to_uppercase());
        yaml.push_str(&format!(
            "- name: {}\n  platform: {}\n  api_url: {}\n  id_instance: \"{}\"\n  token_env: {var}\n",
            m.name,
            m.platform.as_str(),
            sb.api_url(),
            m.id
        ));
        env.push((var, m.token.clone()));
    }
    write(dir, "instances.yaml", &yaml);
    env
}

/// Runs `m.csv` in `dir` as `n` concurrent processes (`--shard 1/n` …),
/// or as one unsharded process when `n` is 0.
async fn run_as(dir: &Path, env: &[(String, String)], n: u32) {
    let manifest = dir.join("m.csv");
    let inst = dir.join("instances.yaml");
    let base = [
        "run",
        manifest.to_str().unwrap(),
        "--instances",
        inst.to_str().unwrap(),
        "--progress",
        "never",
    ];
    let shards: Vec<Vec<String>> = match n {
        0 => vec![vec![]],
        n => (1..=n)
            .map(|k| vec!["--shard".into(), format!("{k}/{n}")])
            .collect(),
    };
    // All started before any is waited for: they run side by side.
    let children: Vec<_> = shards
        .iter()
        .map(|shard| {
            greenbatch_async()
                .args(base)
                .args(shard)
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("greenbatch starts")
        })
        .collect();
    for child in children {
        let out =
            tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
                .await
                .expect("a shard finishes within a minute")
                .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
}

/// The sandbox's record of the run: every change applied exactly once
/// (each (instance, method, group, participant) changed once, no request
/// sent twice, none refused for its pace), and how many there were.
fn applied_once(sb: &SandboxHandle) -> usize {
    let mut changed: BTreeMap<(String, String, String, String), usize> = BTreeMap::new();
    let moderation = sent(sb);
    for e in &moderation {
        assert_ne!(e.status, Some(429), "an instance over its limit: {e:?}");
        let group = e
            .field("groupId")
            .or(e.field("chatId"))
            .unwrap_or_default()
            .to_owned();
        let who = e.field("participantChatId").unwrap_or_default().to_owned();
        let key = (
            e.instance.clone().unwrap_or_default(),
            e.method.clone().unwrap_or_default(),
            group,
            who,
        );
        *changed.entry(key).or_default() += usize::from(e.changed);
    }
    for (key, n) in &changed {
        assert_eq!(*n, 1, "{key:?} applied {n} times");
    }
    assert_eq!(moderation.len(), changed.len(), "a request sent twice");
    changed.len()
}

/// `report --format json` over `files`: its figures, without the file
/// list, the times and the shard sets, which differ between a set and one file.
async fn counts(files: &[PathBuf]) -> Value {
    let mut args = vec!["report", "--format", "json"];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    let out = greenbatch(&args, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut groups = v["by_group"].as_array().unwrap().clone();
    groups.sort_by_key(|g| (g["instance"].to_string(), g["chat_id"].to_string()));
    serde_json::json!({
        "status": v["status"].take(),
        "rows": v["rows"].take(),
        "outcomes": v["outcomes"].take(),
        "by_action": v["by_action"].take(),
        "by_group": groups,
        "rerun": v["rerun"].take(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_manifest_over_six_instances_as_two_and_as_three_processes() {
    let fleet = fleet();
    let sb = sandbox(state(&fleet)).await;
    let (text, ops) = manifest(&fleet);
    let mut reports = Vec::new();
    for n in [2, 3, 0] {
        sb.reset();
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "m.csv", &text);
        let env = instances(dir.path(), &sb, &fleet);
        run_as(dir.path(), &env, n).await;
        assert_eq!(applied_once(&sb), ops, "{n} processes");
        let files: Vec<PathBuf> = match n {
            0 => vec![dir.path().join("m.results.csv")],
            n => (1..=n)
                .map(|k| dir.path().join(format!("m.shard-{k}-of-{n}.results.csv")))
                .collect(),
        };
        // Each shard its own file, holding exactly its instances' rows.
        let mut seen: BTreeMap<String, u32> = BTreeMap::new();
        let mut row_count = 0;
        for (k, file) in (1..).zip(&files) {
            for row in rows(file) {
                row_count += 1;
                let m = fleet.iter().find(|m| *m.name == *row.instance).unwrap();
                if n > 0 {
                    assert_eq!(greenbatch::shard::of(m.platform, &m.id, n), k, "{}", m.name);
                }
                let before = seen.insert(m.name.clone(), k);
                assert!(before.is_none_or(|b| b == k), "{} in two shards", m.name);
            }
        }
        assert_eq!(seen.len(), fleet.len(), "every instance in some shard");
        assert_eq!(row_count, ops, "a row per operation, in one file");
        if n > 0 {
            assert!(!dir.path().join("m.results.csv").exists());
            let out = greenbatch(
                &[
                    "report",
                    files[0].to_str().unwrap(),
                    files[1].to_str().unwrap(),
                ],
                &[],
            )
            .await;
            let report = stdout(&out);
            if n == 2 {
                assert!(report.contains("  m: 2 shards, 2 present\n"), "{report}");
            } else {
                // One file short of the set: named, and work left to send.
                assert!(
                    report.contains(
                        "m: 3 shards, 2 present; missing: shard 3 (m.shard-3-of-3.results.csv)"
                    ),
                    "{report}"
                );
                assert_eq!(out.status.code(), Some(3), "{report}");
            }
        }
        reports.push(counts(&files).await);
    }
    assert_eq!(reports[0], reports[2], "2 shards against one process");
    assert_eq!(reports[1], reports[2], "3 shards against one process");
    assert_eq!(reports[2]["outcomes"]["done"], ops);
}

//! `plan --live` with logs on never hangs (issue 20, item 5): the plan held
//! stderr's lock across its block_on while a worker, logging hyper's
//! `pooling idle connection` at -vvv, waited for that lock (8 of 12 runs
//! hung). Each run here is bounded by the support's one-minute deadline,
//! which fails the test on a hang.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_live_with_trace_logs_finishes_every_time() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &format!(
            "action,chat_id,participant_id\nremove,{G1},79001234589@c.us\nremove,{G1},79001234588@c.us\npromote,{G1},79001234587@c.us\n"
        ),
    );
    let m = manifest.to_str().unwrap();
    let env = default_env(&sb, WA_MAIN);
    let mut debug_env = env.clone();
    debug_env.push(("GREENBATCH_LOG".into(), "debug".into()));
    for k in 0..12 {
        let (args, env): (Vec<&str>, _) = match k % 2 {
            0 => (vec!["plan", m, "--live", "-vvv"], &env),
            _ => (vec!["plan", m, "--live"], &debug_env),
        };
        let out = greenbatch(&args, env).await;
        assert_eq!(out.status.code(), Some(0), "run {k}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("79001234589@c.us"),
            "run {k}: {}",
            stdout(&out)
        );
        assert!(!stderr(&out).is_empty(), "run {k}: the logs were on");
    }
}

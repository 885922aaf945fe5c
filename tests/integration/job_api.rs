//! The pipeline as a library entry point: a job prepared and run in-process
//! against the sandbox (documented limits on, the default pace), as the
//! binary runs it, and a rerun over its results file that sends nothing.

use std::path::Path;

use greenbatch::job::{Job, JobConfig, Results};
use greenbatch::manifest::{self, LoadOptions};
use greenbatch::report::term::ProgressMode;
use greenbatch::sandbox::SandboxConfig;

use crate::support::{WA_MAIN, default_env, rows, sandbox};

#[tokio::test(flavor = "multi_thread")]
async fn a_job_runs_in_process_and_its_rerun_sends_nothing() {
    let sandbox = sandbox(SandboxConfig::default_state()).await;
    let env: Vec<(String, String)> = default_env(&sandbox, WA_MAIN);
    let lookup = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let manifest_path = Path::new("examples/manifests/whatsapp-cleanup.csv");
    let loaded = manifest::load(manifest_path, &LoadOptions::default(), &lookup).expect("valid");
    assert_eq!(loaded.operations.len(), 12);
    let dir = tempfile::tempdir().unwrap();
    let results_path = dir.path().join("cleanup.results.csv");
    let config = JobConfig {
        progress: ProgressMode::Never,
        quiet: 2,
        ..JobConfig::default()
    };

    let job = Job::prepare(
        loaded.operations.clone(),
        &loaded.instances,
        config.clone(),
        Results::open(&results_path).unwrap(),
    )
    .expect("prepared");
    let ran = tokio::time::timeout(std::time::Duration::from_secs(60), job.drive(false))
        .await
        .expect("within a minute")
        .expect("ran");
    assert_eq!(ran.exit_code(), 0, "{:?}", ran.tally);
    assert_eq!(ran.tally.now.values().sum::<u64>(), 12, "{:?}", ran.tally);
    let written = rows(&results_path);
    assert_eq!(written.len(), 12);
    assert!(written.iter().all(|r| r.outcome.is_ok()), "{written:?}");
    let group = sandbox
        .state()
        .groups
        .into_iter()
        .find(|g| g.id == "120363043968066561@g.us")
        .expect("the group");
    for op in &loaded.operations {
        assert!(
            !group
                .participants
                .iter()
                .any(|p| p.id == op.participant_id.as_str()),
            "{} is still in the group",
            op.participant_id
        );
    }

    let sent = sandbox.ledger_totals().requests;
    let rerun = Job::prepare(
        loaded.operations,
        &loaded.instances,
        config,
        Results::open(&results_path).unwrap(),
    )
    .expect("prepared");
    let ran = rerun.drive(false).await.expect("ran");
    assert_eq!(ran.exit_code(), 0);
    assert_eq!(
        ran.tally.earlier.values().sum::<u64>(),
        12,
        "the results file settles every operation"
    );
    assert_eq!(
        sandbox.ledger_totals().requests,
        sent,
        "the rerun sent nothing"
    );
    assert_eq!(rows(&results_path).len(), 12, "and wrote nothing");
}

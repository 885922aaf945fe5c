//! `examples/manifests/desired-membership.yaml` and its members_file, run
//! as the README says against the sandbox's built-in state: validate, a dry
//! run, the sync itself, and a second sync that changes nothing.

use std::path::Path;

use greenbatch::sandbox::{SandboxConfig, SandboxHandle};

use super::sync_rules::operations;
use crate::support::*;

const MARKET: &str = "120363043968066561@g.us";
const BOOK_CLUB: &str = "120363169960827018@g.us";
const CITY: &str = "-10000000000000";

/// The example's files in `dir`, instances.yaml pointed at `sb`, and the
/// environment with the instances' tokens.
fn copy_examples(sb: &SandboxHandle, dir: &Path) -> Vec<(String, String)> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/manifests");
    for name in [
        "desired-membership.yaml",
        "allowed-members.txt",
        "instances.yaml",
    ] {
        let text = std::fs::read_to_string(examples.join(name)).unwrap();
        write(
            dir,
            name,
            &text.replace("http://127.0.0.1:7700", &sb.api_url()),
        );
    }
    [
        ("GREEN_API_SANDBOX_WA_MAIN_TOKEN", WA_MAIN),
        ("GREEN_API_SANDBOX_WA_SECOND_TOKEN", WA_SECOND),
        ("GREEN_API_SANDBOX_MAX_MAIN_TOKEN", MAX_MAIN),
    ]
    .into_iter()
    .map(|(var, id)| {
        (
            var.to_owned(),
            sb.instance(id).unwrap().token.expose().to_owned(),
        )
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desired_state_example_syncs_as_the_readme_says() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    let env = copy_examples(&sb, dir.path());
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let (desired, instances) = (at("desired-membership.yaml"), at("instances.yaml"));
    let run = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--instances".into(), instances.clone()]);
        let env = env.clone();
        async move {
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            greenbatch(&all, &env).await
        }
    };

    let v = run(&["validate", &desired]).await;
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    assert!(
        stdout(&v).contains("valid desired state, 3 groups"),
        "{}",
        stdout(&v)
    );
    assert!(
        stderr(&v).contains("desired-membership.yaml:17: note: members: `+7 900 123-45-61` is read as `79001234561@c.us`"),
        "{}",
        stderr(&v)
    );

    let dry = run(&["sync", "--dry-run", &desired]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let text = stdout(&dry);
    for line in [
        &format!(
            "wa-main Neighbourhood market ({MARKET}) (32 members): 3 to remove, 1 to demote, 1 to add, 1 to promote"
        ),
        &format!("wa-main Book club ({BOOK_CLUB}) (23 members): 2 to promote"),
        &format!("max-main Городской чат ({CITY}) (21 members): 1 to add"),
        "3 groups read, 9 changes",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    assert_eq!(sent(&sb).len(), 0);

    let out = run(&["sync", &desired]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let row = |a: &str, g: &str, who: &str, i: &str| format!("{a},{g},{who},{i}");
    assert_eq!(
        operations(dir.path()),
        [
            row("remove", MARKET, "79001234587@c.us", "wa-main"),
            row("remove", MARKET, "79001234588@c.us", "wa-main"),
            row("remove", MARKET, "79001234589@c.us", "wa-main"),
            row("demote", MARKET, "79990000002@c.us", "wa-main"),
            row("add", MARKET, "79001234590@c.us", "wa-main"),
            row("promote", MARKET, "79001234561@c.us", "wa-main"),
            row("promote", BOOK_CLUB, "79005550001@c.us", "wa-main"),
            row("promote", BOOK_CLUB, "79005550002@c.us", "wa-main"),
            row("add", CITY, "10000099", "max-main"),
        ]
    );
    let state = sb.state();
    let market = state.group(MARKET).unwrap();
    assert_eq!(market.participants.len(), 30);
    assert!(market.is_admin("79001234560@c.us") && market.is_admin("79001234561@c.us"));
    assert!(market.is_admin("79990000001@c.us"), "the owner stays");
    assert!(!market.is_admin("79990000002@c.us"));
    assert!(state.group(CITY).unwrap().is_member("10000099"));

    let before = sb.ledger_totals().requests;
    let again = run(&["sync", &desired]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(super::sync_rules::sent_since(&sb, before), 0);
}

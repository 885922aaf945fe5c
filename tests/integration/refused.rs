//! A refused instance says why where a person looks (issue 19, item 6):
//! the run's summary and `report` name each refused instance and its
//! reason (with where to look), and `groups` never prints an empty listing
//! for an instance it could not read. Sandbox with its documented limits.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";

/// `default` = wa-main, with a token of the right shape that is not its own.
fn wrong_token_env(sb: &greenbatch::sandbox::SandboxHandle) -> Vec<(String, String)> {
    let mut env = default_env(sb, WA_MAIN);
    for (k, v) in &mut env {
        if k == "GREEN_API_TOKEN_INSTANCE" {
            let last = if v.ends_with('0') { "1" } else { "0" };
            v.replace_range(v.len() - 1.., last);
        }
    }
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_and_report_name_the_refused_instance_and_why() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = wrong_token_env(&sb);
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        &format!(
            "action,chat_id,participant_id\nremove,{G1},79001234589@c.us\nremove,{G1},79001234588@c.us\n"
        ),
    );
    let out = greenbatch(
        &["run", manifest.to_str().unwrap(), "--progress", "never"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.contains("aborted  2"), "{summary}");
    assert!(
        summary.contains("instance `default` refused: HTTP 401")
            && summary.contains("check GREEN_API_TOKEN_INSTANCE"),
        "the summary says why: {summary}"
    );

    let results = dir.path().join("m.results.csv");
    for format in ["text", "markdown", "json", "html"] {
        let report = greenbatch(
            &["report", results.to_str().unwrap(), "--format", format],
            &env,
        )
        .await;
        let text = stdout(&report);
        let found = match format {
            "json" => {
                let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
                let refused = &doc["refused"][0];
                refused["instance"] == "default"
                    && refused["aborted"] == 2
                    && refused["reason"].as_str().unwrap().contains("HTTP 401")
            }
            // Markdown escapes its punctuation.
            _ => text
                .replace('\\', "")
                .contains("instance `default` refused: HTTP 401"),
        };
        assert!(found, "{format}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_prints_no_empty_listing_for_an_instance_it_could_not_read() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let env = wrong_token_env(&sb);
    let text = greenbatch(&["groups", "--progress", "never"], &env).await;
    assert_eq!(text.status.code(), Some(4), "{}", stderr(&text));
    assert!(!stdout(&text).contains("0 groups"), "{}", stdout(&text));
    assert!(stdout(&text).trim().is_empty(), "{}", stdout(&text));
    assert!(stderr(&text).contains("refused"), "{}", stderr(&text));
    let csv = greenbatch(&["groups", "--format", "csv", "--progress", "never"], &env).await;
    assert_eq!(csv.status.code(), Some(4), "{}", stderr(&csv));
    assert_eq!(stdout(&csv), "", "not even a header");
    // With a good token the listing is there, so the test above can fail.
    let good = greenbatch(
        &["groups", "--progress", "never"],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    assert!(stdout(&good).contains(G1), "{}", stdout(&good));
}

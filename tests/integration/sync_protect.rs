//! `protect` means "leave alone" (issue 19, item 2): a group that removes
//! the members it does not want may leave a protected number out of its
//! list; the sync then neither removes nor demotes them, and says how many
//! it left alone. Against the sandbox with its documented limits, at the
//! default pace.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const PROTECTED: &str = "79001234589@c.us";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_member_that_a_group_does_not_list_is_left_alone() {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let dir = tempfile::tempdir().unwrap();
    // G1 wants its admins and 61..=86: 87, 88 and 89 are unwanted, and 89
    // is protected without being listed.
    let kept: Vec<String> = (61..=86).map(|n| format!("790012345{n}@c.us")).collect();
    let path = write(
        dir.path(),
        "nightly.yaml",
        &format!(
            "protect: [{PROTECTED}]\ngroups:\n  - chat_id: {G1}\n    members: [79990000001@c.us, 79990000002@c.us, 79001234560@c.us, {}]\n    remove_others: true\n",
            kept.join(", ")
        ),
    );
    let env = default_env(&sb, WA_MAIN);
    let v = greenbatch(&["validate", path.to_str().unwrap()], &env).await;
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));

    let out = greenbatch(
        &["sync", path.to_str().unwrap(), "--progress", "never"],
        &env,
    )
    .await;
    let said = format!("{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!("left alone: 1 member protected: {PROTECTED}")),
        "{said}"
    );
    assert!(
        said.contains("1 group read, 2 changes; left alone by the file's rules: 1 protected"),
        "the summary counts whom the file's rules left alone: {said}"
    );
    let group = sb.state().group(G1).cloned().expect("G1");
    assert!(!group.is_member("79001234587@c.us"), "{said}");
    assert!(!group.is_member("79001234588@c.us"), "{said}");
    assert!(group.is_member(PROTECTED), "never removed: {said}");
    let touched = sb
        .ledger()
        .iter()
        .filter(|e| e.body.to_string().contains(PROTECTED))
        .count();
    assert_eq!(touched, 0, "no request named the protected member");
}

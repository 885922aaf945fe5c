//! Build facts for `greenbatch --version`: the git commit the binary was
//! built from (when built from a git checkout) and the cargo features it was
//! built with, so a bug report names exactly what ran.
//!
//! Nothing here may fail the build: outside a checkout, or without git on
//! the PATH, the commit is `unknown` and `--version` says why.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Only a checkout that tracks this very Cargo.toml: a copy of the source
    // unpacked inside some other repository must not take that one's commit.
    let ours = git(&dir, &["ls-files", "--error-unmatch", "Cargo.toml"]).is_some();
    let commit = match git(&dir, &["rev-parse", "--short=12", "HEAD"]).filter(|_| ours) {
        Some(c) if modified(&dir) => format!("{c}-modified"),
        Some(c) => c,
        None => "unknown (not built from a git checkout)".to_owned(),
    };
    let features = features();
    let features = if features.is_empty() {
        "none".to_owned()
    } else {
        features
    };
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=GREENBATCH_COMMIT={commit}");
    println!("cargo:rustc-env=GREENBATCH_FEATURES={features}");
    println!("cargo:rustc-env=GREENBATCH_PROFILE={}", var("PROFILE"));
    println!("cargo:rustc-env=GREENBATCH_TARGET={}", var("TARGET"));
    watch(&dir);
}

/// Whether tracked files differ from the commit.
fn modified(dir: &Path) -> bool {
    git(dir, &["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty())
}

/// `git ARGS` in `dir`, trimmed, or `None` if git is missing or says no.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The enabled cargo features, comma-separated, lowercase as in Cargo.toml
/// (cargo gives them to build scripts as `CARGO_FEATURE_<NAME>` variables).
fn features() -> String {
    let mut names: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| {
            k.strip_prefix("CARGO_FEATURE_")
                .map(|n| n.to_ascii_lowercase().replace('_', "-"))
        })
        .collect();
    names.sort();
    names.join(",")
}

/// Reruns this script when the commit or the working tree changes, and not
/// otherwise: HEAD, the branch it points at, packed refs and the index (a
/// commit or `git add`), and the sources (the `-modified` mark).
fn watch(dir: &Path) {
    let mut paths = vec![
        dir.join("src"),
        dir.join("Cargo.toml"),
        dir.join("build.rs"),
    ];
    for name in ["HEAD", "packed-refs", "index"] {
        if let Some(p) = git(dir, &["rev-parse", "--git-path", name]) {
            paths.push(dir.join(p));
        }
    }
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(dir, &["rev-parse", "--git-path", &branch])
    {
        paths.push(dir.join(p));
    }
    // A path that does not exist would make cargo rerun the script on every build.
    for p in paths.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}

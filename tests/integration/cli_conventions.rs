//! The conventions users expect of a command-line tool: shell completions
//! and man pages that cover every subcommand and flag, `--version` naming the
//! build, a runnable example in every `--help` (run here, as printed), and
//! colour that follows `--color`, NO_COLOR and CLICOLOR_FORCE.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use clap::CommandFactory;
use greenbatch::cli::Cli;
use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

/// The binary with a clean environment: no colour settings but those given.
fn bin(args: &[&str], env: &[(&str, &str)]) -> Output {
    greenbatch_std()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect()
}

/// Every flag of `cmd` as typed: `--long` and `-s`.
fn flags(cmd: &clap::Command) -> Vec<String> {
    cmd.get_arguments()
        .flat_map(|a| {
            let long = a.get_long().map(|l| format!("--{l}"));
            let short = a.get_short().map(|s| format!("-{s}"));
            long.into_iter().chain(short)
        })
        .chain([
            "--help".into(),
            "-h".into(),
            "--version".into(),
            "-V".into(),
        ])
        .collect()
}

/// A roff page as text: `\-` is a hyphen, fonts are left out.
fn roff_text(page: &str) -> String {
    page.replace("\\-", "-")
        .replace("\\fB", "")
        .replace("\\fR", "")
        .replace("\\fI", "")
}

#[test]
fn every_shell_script_completes_every_subcommand() {
    let names = subcommands();
    assert!(names.len() >= 8, "{names:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bin(&["completions", shell], &[]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for sub in &names {
            // How each shell's script offers a subcommand.
            let offered = match shell {
                "bash" => format!("greenbatch,{sub})"),
                "zsh" => format!("'{sub}:"),
                "fish" => format!("__fish_greenbatch_needs_command\" -f -a \"{sub}\""),
                "powershell" => format!("[CompletionResult]::new('{sub}', '{sub}',"),
                _ => format!("cand {sub} "),
            };
            assert!(
                script.contains(&offered),
                "{shell} does not offer `{sub}` ({offered})"
            );
        }
    }
    assert_eq!(bin(&["completions", "tcsh"], &[]).status.code(), Some(2));
}

#[test]
fn the_bash_script_loads_and_registers_a_completion() {
    let out = Command::new("bash")
        .args([
            "--norc",
            "-c",
            "source <(\"$GB\" completions bash) && complete -p greenbatch",
        ])
        .env("GB", BIN)
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("greenbatch"), "{}", stdout(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn the_man_page_names_every_flag_of_every_subcommand() {
    let out = bin(&["man"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(
        page.contains("\n.TH greenbatch 1 "),
        "{}",
        &page[..200.min(page.len())]
    );
    let text = roff_text(&page);
    let mut cmd = Cli::command();
    cmd.build();
    for flag in flags(&cmd) {
        assert!(text.contains(&flag), "the page lacks {flag}");
    }
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let heading = format!(".SH \"GREENBATCH-{}\"", sub.get_name().to_uppercase());
        let at = page
            .find(&heading)
            .unwrap_or_else(|| panic!("no section {heading}"));
        let end = page[at + 1..]
            .find(".SH ")
            .map_or(page.len(), |e| at + 1 + e);
        let section = roff_text(&page[at..end]);
        for flag in flags(sub) {
            assert!(
                section.contains(&flag),
                "the {} section lacks {flag}",
                sub.get_name()
            );
        }
        assert!(
            section.contains(".SS EXAMPLE"),
            "{} has its example",
            sub.get_name()
        );
    }
}

#[test]
fn man_out_writes_a_page_per_subcommand_each_with_its_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("share/man/man1");
    let out = bin(&["man", "--out", out_dir.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut cmd = Cli::command();
    cmd.build();
    let top = std::fs::read_to_string(out_dir.join("greenbatch.1")).unwrap();
    assert!(
        top.contains("greenbatch\\-report(1)"),
        "the top page points at the others"
    );
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = out_dir.join(format!("greenbatch-{}.1", sub.get_name()));
        let page = roff_text(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        );
        for flag in flags(sub) {
            assert!(page.contains(&flag), "{} lacks {flag}", path.display());
        }
    }
}

#[test]
fn version_names_the_commit_the_features_and_the_build() {
    let out = bin(&["--version"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let line = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no `{key}` line in\n{text}"))
            .trim()
            .to_owned()
    };
    assert!(text.starts_with(&format!("greenbatch {}\n", env!("CARGO_PKG_VERSION"))));
    let head = Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "rev-parse",
            "--short=12",
            "HEAD",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let commit = line("commit:");
    match head {
        Some(head) => assert!(
            commit == head || commit == format!("{head}-modified"),
            "built from {head}, says {commit}"
        ),
        None => assert_eq!(commit, "unknown (not built from a git checkout)"),
    }
    assert_eq!(
        line("features:"),
        "none",
        "the package has no cargo features"
    );
    assert!(["debug", "release"].contains(&line("profile:").as_str()));
    assert!(!line("target:").is_empty());
    let short = stdout(&bin(&["-V"], &[]));
    assert_eq!(short, format!("greenbatch {}\n", env!("CARGO_PKG_VERSION")));
}

/// The one example a subcommand's `--help` shows: the line after `Example`.
fn example_of(sub: &str) -> String {
    let help = stdout(&bin(&[sub, "--help"], &[]));
    let at = help
        .lines()
        .position(|l| l.starts_with("Example"))
        .unwrap_or_else(|| panic!("`{sub} --help` has no example:\n{help}"));
    let rest: Vec<&str> = help
        .lines()
        .skip(at + 1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        rest.len(),
        1,
        "`{sub} --help` ends with one example line: {rest:?}"
    );
    assert!(rest[0].contains("greenbatch "), "{}", rest[0]);
    rest[0].trim().to_owned()
}

/// Runs `line` in bash in `dir`, with the binary first on the PATH.
fn shell(line: &str, dir: &Path, env: &[(String, String)]) -> Command {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["--norc", "-e", "-c", line])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_help_example_runs_as_printed() {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let dir = tempfile::tempdir().unwrap();
    let cleanup =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/manifests/whatsapp-cleanup.csv");
    std::fs::copy(&cleanup, dir.path().join("cleanup.csv")).unwrap();
    let env = default_env(&sb, WA_MAIN);
    let examples: Vec<(String, String)> = subcommands()
        .into_iter()
        .filter(|s| s != "help")
        .map(|s| {
            let e = example_of(&s);
            (s, e)
        })
        .collect();
    let mut ran = Vec::new();
    for (sub, line) in &examples {
        if sub == "sandbox" {
            // Serves until Ctrl-C: it must come up and say where.
            let mut child = shell(&format!("exec {line}"), dir.path(), &env)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
            let mut first = String::new();
            std::io::BufRead::read_line(&mut out, &mut first).unwrap();
            child.kill().unwrap();
            child.wait().unwrap();
            assert_eq!(first, "GREEN-API sandbox listening\n", "{line}");
            ran.push(sub.clone());
            continue;
        }
        let out = tokio::task::block_in_place(|| shell(line, dir.path(), &env).output().unwrap());
        assert_eq!(
            out.status.code(),
            Some(0),
            "`{line}` failed:\n{}\n{}",
            stdout(&out),
            stderr(&out)
        );
        ran.push(sub.clone());
    }
    // Order matters for the ones that use what an earlier one wrote.
    let order: Vec<&str> = examples.iter().map(|(s, _)| s.as_str()).collect();
    let run_at = order.iter().position(|s| *s == "run").unwrap();
    let report_at = order.iter().position(|s| *s == "report").unwrap();
    assert!(run_at < report_at, "report reads what run wrote");
    assert!(
        dir.path().join("report.html").exists(),
        "the report example wrote its page"
    );
    assert!(
        dir.path()
            .join(".local/share/man/man1/greenbatch-run.1")
            .exists()
    );
    assert_eq!(ran.len(), examples.len());
}

/// Whether `text` holds an ANSI escape sequence.
fn coloured(text: &[u8]) -> bool {
    text.windows(2).any(|w| w == b"\x1b[")
}

#[test]
fn colour_follows_the_flag_then_no_color_then_clicolor_force() {
    let invalid = ["validate", "examples/manifests/invalid.csv"];
    let with = |flag: Option<&str>, env: &[(&str, &str)]| {
        let mut args: Vec<&str> = flag.map(|f| vec!["--color", f]).unwrap_or_default();
        args.extend(invalid);
        let out = bin(&args, env);
        assert_eq!(out.status.code(), Some(2));
        coloured(&out.stderr)
    };
    assert!(!with(None, &[]), "a pipe gets no colour");
    assert!(with(None, &[("CLICOLOR_FORCE", "1")]));
    assert!(!with(None, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(!with(None, &[("CLICOLOR_FORCE", "0")]));
    assert!(with(Some("always"), &[("NO_COLOR", "1")]), "the flag wins");
    assert!(
        !with(Some("never"), &[("CLICOLOR_FORCE", "1")]),
        "the flag wins"
    );
    let plain = bin(&invalid, &[]);
    let forced = bin(&invalid, &[("CLICOLOR_FORCE", "1")]);
    let strip = |b: &[u8]| {
        let text = String::from_utf8_lossy(b).into_owned();
        greenbatch::sanitise::terminal(&text).into_owned()
    };
    assert_eq!(
        strip(&forced.stderr),
        strip(&plain.stderr),
        "colour adds nothing but escapes"
    );
}

#[test]
fn the_plan_and_the_report_on_stdout_follow_it_too_and_a_report_file_is_plain() {
    let env = [
        ("GREEN_API_URL", "http://127.0.0.1:7700"),
        ("GREEN_API_ID_INSTANCE", WA_MAIN),
        ("CLICOLOR_FORCE", "1"),
    ];
    let plan = bin(&["plan", "examples/manifests/whatsapp-cleanup.csv"], &env);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert!(coloured(&plan.stdout));
    let plain = bin(
        &["plan", "examples/manifests/whatsapp-cleanup.csv"],
        &env[..2],
    );
    assert!(!coloured(&plain.stdout));

    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("r.csv");
    std::fs::write(
        &results,
        "op_id,source,action,platform,instance,chat_id,participant_id,ok,outcome,error,http_status,attempts,finished_at\n\
         00000000000000aa,m.csv:2,remove,whatsapp,default,120363043968066561@g.us,79001234561@c.us,true,done,,200,1,2026-01-01T00:00:00.000Z\n",
    )
    .unwrap();
    let r = results.to_str().unwrap();
    let out = bin(&["report", r], &env);
    assert_eq!(out.status.code(), Some(0));
    assert!(coloured(&out.stdout));
    let file = dir.path().join("r.txt");
    let out = bin(&["report", r, "-o", file.to_str().unwrap()], &env);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !coloured(&std::fs::read(&file).unwrap()),
        "a file is plain unless --color always"
    );
    let out = bin(
        &[
            "--color",
            "always",
            "report",
            r,
            "-o",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(coloured(&std::fs::read(&file).unwrap()));
}

/// Every command that sends or reads says its exit codes in `--help` (and
/// so in its man page), before its example.
#[test]
fn the_help_of_every_command_that_sends_or_reads_says_its_exit_codes() {
    for sub in [
        "validate", "plan", "run", "report", "undo", "groups", "export", "sync", "where",
    ] {
        let help = stdout(&bin(&[sub, "--help"], &[]));
        let codes = help
            .find("Exit codes:")
            .unwrap_or_else(|| panic!("`{sub} --help`:\n{help}"));
        let example = help.find("\nExample").expect("an example");
        assert!(codes < example, "{sub}: the codes come before the example");
    }
    let help = stdout(&bin(&["run", "--help"], &[]));
    let section = &help[help.find("Exit codes:").unwrap()..help.find("\nExample").unwrap()];
    insta::assert_snapshot!(section.trim_end());
}

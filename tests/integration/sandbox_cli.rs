//! `greenbatch sandbox`: starts, prints how to reach it, answers, and stops
//! cleanly on SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::greenbatch_std;

#[test]
fn serves_until_sigint() {
    let mut child = greenbatch_std()
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut printed = Vec::new();
    while !printed.iter().any(|l: &String| l.starts_with("export ")) {
        match lines.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => printed.push(line),
            Err(e) => {
                let _ = child.kill();
                panic!("no export line ({e}); printed: {printed:?}");
            }
        }
    }
    let api_url = printed
        .iter()
        .find_map(|l| l.strip_prefix("apiUrl: "))
        .expect("an apiUrl line");
    let export = printed.iter().find(|l| l.starts_with("export ")).unwrap();
    let var = |name: &str| {
        export
            .split(' ')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {export}"))
            .to_owned()
    };
    assert_eq!(var("GREEN_API_URL"), api_url);
    assert_eq!(var("GREEN_API_PLATFORM"), "whatsapp");
    let (id, token) = (
        var("GREEN_API_ID_INSTANCE"),
        var("GREEN_API_TOKEN_INSTANCE"),
    );
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with(&id) && l.contains(&token))
    );

    let addr = api_url.strip_prefix("http://").unwrap();
    insta::assert_snapshot!(
        "sandbox_instructions",
        printed.join("\n").replace(addr, "127.0.0.1:PORT")
    );
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        conn,
        "GET /waInstance{id}/getStateInstance/{token} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.ends_with(r#"{"stateInstance":"authorized"}"#),
        "{answer}"
    );

    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the sandbox did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "", "nothing went wrong, so nothing on stderr");
}

#[test]
fn a_bad_state_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.yaml");
    std::fs::write(&path, "instances: []\ngroopz: []\n").unwrap();
    let out = greenbatch_std()
        .args(["sandbox", "--state"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("groopz"));
}

/// The example files work on the sandbox as they are: the sandbox prints
/// the exports `examples/manifests/instances.yaml` names (one per
/// `token_env`, each the token of its `id_instance`), and with them a dry
/// run of the example desired file reads the sandbox's groups and exits 0.
#[test]
fn the_example_instances_file_works_on_the_sandbox_with_the_exports_it_prints() {
    let mut child = greenbatch_std()
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let done = line.starts_with("Inspect: ");
        printed.push(line);
        if done {
            break;
        }
    }
    let api_url = printed
        .iter()
        .find_map(|l| l.strip_prefix("apiUrl: "))
        .expect("an apiUrl line")
        .to_owned();
    assert!(
        printed
            .iter()
            .any(|l| l.contains("start the sandbox with --listen 127.0.0.1:7700")),
        "{printed:?}"
    );
    let exports: Vec<(String, String)> = printed
        .iter()
        .filter(|l| l.starts_with("export GREEN_API_SANDBOX_"))
        .flat_map(|l| l["export ".len()..].split(' '))
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let root = env!("CARGO_MANIFEST_DIR");
    let examples = format!("{root}/examples/manifests");
    let file = std::fs::read_to_string(format!("{examples}/instances.yaml")).unwrap();
    let listed: Vec<yaml_serde::Value> = yaml_serde::from_str(&file).unwrap();
    assert_eq!(listed.len(), 3);
    for i in &listed {
        let var = i["token_env"].as_str().unwrap();
        let id = i["id_instance"].as_str().unwrap();
        assert_eq!(i["api_url"].as_str(), Some("http://127.0.0.1:7700"));
        let token = &exports
            .iter()
            .find(|(k, _)| k == var)
            .unwrap_or_else(|| panic!("{var} is printed: {printed:?}"))
            .1;
        assert!(
            printed
                .iter()
                .any(|l| l.starts_with(id) && l.ends_with(token.as_str())),
            "{var} is the token of {id}"
        );
    }
    // The file as it is, but for the port this sandbox took.
    let dir = tempfile::tempdir().unwrap();
    let moved = dir.path().join("instances.yaml");
    std::fs::write(&moved, file.replace("http://127.0.0.1:7700", &api_url)).unwrap();
    let desired = format!("{examples}/desired-membership.yaml");
    let dry = greenbatch_std()
        .args([
            "sync",
            "--dry-run",
            "--instances",
            moved.to_str().unwrap(),
            &desired,
        ])
        .envs(exports.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&dry.stdout),
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(String::from_utf8_lossy(&dry.stdout).contains("what a sync would change"));
}

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

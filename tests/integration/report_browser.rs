//! The HTML report in a real browser: Debian's Chromium, headless, opens the
//! page `report` wrote from a real run on the sandbox. It must load without
//! a console message (an error, or a load the page's CSP refused) and draw
//! the chart: the SVG is in the DOM after load, and a screenshot shows the
//! chart's line and the bars in their colours. A control test proves each
//! check can fail.
//!
//! These need Chromium, so plain `cargo test` skips them (`#[ignore]`);
//! `.ci/run` installs it and runs `cargo test --test integration browser --
//! --ignored`. Run by hand, they fail loudly when no Chromium is found:
//! set GREENBATCH_CHROMIUM to its path if it is not `chromium` on the PATH.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const G2: &str = "120363169960827018@g.us";

/// The chart's first line, the `done` and the `rejected` colours of the page.
const SERIES_0: [u8; 3] = [0x1f, 0x6f, 0xb4];
const DONE: [u8; 3] = [0x2e, 0x7d, 0x32];
const REJECTED: [u8; 3] = [0xc6, 0x28, 0x28];

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("GREENBATCH_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "no Chromium found (chromium, chromium-browser or google-chrome on the PATH, or \
         GREENBATCH_CHROMIUM): install it (Debian: apt-get install chromium) to run the \
         browser tests"
    );
}

/// Headless Chromium on `page` with `extra` flags, a fresh profile, and its
/// log (console messages included) on stderr; killed after a minute.
async fn headless(page: &Path, extra: &[&str]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("chromium finishes within a minute")
        .expect("chromium starts")
}

/// Console messages: script errors, refused loads, warnings of the page.
fn console_lines(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect()
}

/// How many pixels of a screenshot are within a small distance of `rgb`.
fn pixels_like(png_path: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    buf[..info.buffer_size()]
        .chunks(step)
        .filter(|p| {
            p.iter()
                .zip(rgb)
                .map(|(a, b)| (i32::from(*a) - i32::from(b)).abs())
                .sum::<i32>()
                <= 24
        })
        .count()
}

/// The screenshot of `page` in a window tall enough for the chart and bars.
async fn screenshot(page: &Path, dir: &Path) -> PathBuf {
    let shot = dir.join(format!(
        "{}.png",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let out = headless(
        page,
        &[
            "--window-size=1280,1600",
            &format!("--screenshot={}", shot.display()),
        ],
    )
    .await;
    assert!(shot.exists(), "no screenshot: {}", stderr(&out));
    shot
}

/// A real run with removals, promotions and a rejection, and its HTML report.
async fn real_report(dir: &Path) -> PathBuf {
    let sb = sandbox(SandboxConfig::default_state().without_rate_limits()).await;
    let mut rows: Vec<String> = (61..67)
        .map(|n| format!("remove,{G1},790012345{n}@c.us"))
        .collect();
    rows.extend((1..3).map(|n| format!("promote,{G2},7900555000{n}@c.us")));
    rows.push(format!("remove,{G1},79990000001@c.us"));
    let manifest = write(dir, "m.csv", &csv(&rows));
    let run = greenbatch(
        &["run", manifest.to_str().unwrap(), "--rate", "10/s"],
        &default_env(&sb, WA_MAIN),
    )
    .await;
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let page = dir.join("report.html");
    let out = greenbatch(
        &[
            "report",
            dir.join("m.results.csv").to_str().unwrap(),
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium; .ci/run installs it and runs these with --ignored"]
async fn browser_loads_the_html_report_without_errors_and_draws_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let page = real_report(dir.path()).await;

    let out = headless(&page, &["--dump-dom"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        console_lines(&out),
        Vec::<String>::new(),
        "the page logs nothing"
    );
    let dom = stdout(&out);
    assert!(
        dom.contains("<svg class=\"rps-chart\""),
        "the chart is in the DOM after load"
    );
    let lines: Vec<&str> = dom.split("<polyline class=\"series\"").skip(1).collect();
    assert_eq!(lines.len(), 2, "removeGroupParticipant and setGroupAdmin");
    for line in &lines {
        let points = line
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(points.split(' ').count() >= 2, "a drawn line: {points}");
    }
    assert_eq!(
        dom.matches("<div class=\"group\">").count(),
        2,
        "a bar per group"
    );
    assert!(dom.contains("Needs a person (1)"));

    let shot = screenshot(&page, dir.path()).await;
    let line = pixels_like(&shot, SERIES_0);
    assert!(
        line > 500,
        "the chart's first line is drawn: {line} pixels of its colour"
    );
    assert!(pixels_like(&shot, DONE) > 2000, "the bars show `done`");
    assert!(pixels_like(&shot, REJECTED) > 50, "and the rejection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium; .ci/run installs it and runs these with --ignored"]
async fn browser_checks_fail_on_a_page_that_loads_something_or_lacks_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let page = real_report(dir.path()).await;
    let html = std::fs::read_to_string(&page).unwrap();

    // A page that tries to load an image: its CSP refuses, and says so.
    let loading = dir.path().join("loading.html");
    let with_image = html.replacen("<main>", "<main><img src=\"http://127.0.0.1:9/x.png\">", 1);
    assert_ne!(with_image, html);
    std::fs::write(&loading, with_image).unwrap();
    let out = headless(&loading, &["--dump-dom"]).await;
    let console = console_lines(&out);
    assert!(
        console
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "the refused load is seen: {console:?}"
    );

    // A page without its chart lines: the screenshot count sees it.
    let blank = dir.path().join("blank.html");
    let mut without = String::new();
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<polyline") {
        without.push_str(&rest[..at]);
        let end = rest[at..].find("</polyline>").unwrap() + at + "</polyline>".len();
        rest = &rest[end..];
    }
    without.push_str(rest);
    assert!(!without.contains("<polyline"));
    std::fs::write(&blank, without).unwrap();
    let shot = screenshot(&blank, dir.path()).await;
    let line = pixels_like(&shot, SERIES_0);
    assert!(
        line <= 500,
        "without its lines the chart colour is only the legend swatch: {line}"
    );
}

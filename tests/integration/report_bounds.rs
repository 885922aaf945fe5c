//! `report` is bounded (issue 20, item 6): a results file over
//! `--max-input-size` is refused before it is read (exit 2), and a million
//! distinct error texts or rows needing a person are listed up to a bound,
//! with a count of the rest, in every format. The rows are a real run's,
//! copied with distinct op_ids, participants and errors.

use greenbatch::sandbox::SandboxConfig;

use crate::support::*;

const G1: &str = "120363043968066561@g.us";
const OWN: &str = "79990000001@c.us";

/// A results file of `n` rejected rows, each with its own error text,
/// made from the row a real run wrote for a rejected removal.
async fn many_distinct_errors(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let sb = sandbox(SandboxConfig::default_state()).await;
    let ran = run_rows(&sb, WA_MAIN, &[format!("remove,{G1},{OWN}")], &[]).await;
    assert_eq!(ran.code(), Some(1), "{}", stderr(&ran.out));
    let written = std::fs::read_to_string(ran.dir.path().join("m.results.csv")).unwrap();
    let mut lines = written.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    let mut fields: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(row.as_bytes())
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    out.write_record(header.split(',')).unwrap();
    for k in 0..n {
        fields[0] = format!("{:016x}", 0x1000 + k);
        fields[6] = format!("7900{k:07}@c.us");
        fields[9] = format!("removeParticipant false: refusal number {k}");
        out.write_record(&fields).unwrap();
    }
    let path = dir.join("many.results.csv");
    std::fs::write(&path, out.into_inner().unwrap()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_texts_and_rows_are_listed_up_to_a_bound_and_counted_beyond() {
    let dir = tempfile::tempdir().unwrap();
    let n = 10_500;
    let path = many_distinct_errors(dir.path(), n).await;
    let p = path.to_str().unwrap();
    let out = greenbatch(&["report", p, "--format", "json"], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["outcomes"]["rejected"], n, "every row is counted");
    assert_eq!(doc["errors"].as_array().unwrap().len(), 1000);
    assert_eq!(doc["errors_more"]["items"], n - 1000);
    assert_eq!(doc["errors_more"]["rows"], n - 1000);
    assert_eq!(doc["needs_person"].as_array().unwrap().len(), 10_000);
    assert_eq!(doc["needs_person_more"]["items"], n - 10_000);
    let text = greenbatch(&["report", p], &[]).await;
    let shown = stdout(&text);
    assert!(
        shown.contains(&format!("needs a person: {n} (rejected, aborted)")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("and {} more error texts", n - 30)),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("and {} more rows", n - 30)),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_input_cap_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = many_distinct_errors(dir.path(), 50).await;
    let size = std::fs::metadata(&path).unwrap().len();
    let p = path.to_str().unwrap();
    let cap = (size - 1).to_string();
    let out = greenbatch(&["report", p, "--max-input-size", &cap], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("over --max-input-size"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "no report: {}", stdout(&out));
    let fits = (size).to_string();
    let out = greenbatch(&["report", p, "--max-input-size", &fits], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

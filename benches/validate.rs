//! How fast a big CSV manifest validates, and how much memory each operation
//! costs: generates a manifest (1,000,000 rows unless GREENBATCH_BENCH_ROWS
//! says otherwise) in a temporary directory, loads it through
//! `manifest::load`, and prints rows per second and peak heap bytes per
//! operation. Run with `cargo bench --bench validate`. Nothing is asserted:
//! timings on a shared machine only inform.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use greenbatch::manifest::{self, LoadOptions};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn main() {
    let rows: usize = std::env::var("GREENBATCH_BENCH_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("big.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        writeln!(f, "action,chat_id,participant_id,instance").unwrap();
        for i in 0..rows {
            let action = ["remove", "add", "promote", "demote"][i % 4];
            // 1,000 groups; each (group, participant) once, so nothing conflicts.
            writeln!(
                f,
                "{action},1203630439{:08}@g.us,7900{:07}@c.us,",
                i % 1000,
                i
            )
            .unwrap();
        }
    }
    let size = std::fs::metadata(&path).unwrap().len();
    let env = |k: &str| match k {
        "GREEN_API_URL" => Some("http://127.0.0.1:7700".to_owned()),
        "GREEN_API_ID_INSTANCE" => Some("1101000001".to_owned()),
        "GREEN_API_PLATFORM" => Some("whatsapp".to_owned()),
        _ => None,
    };
    let opts = LoadOptions {
        max_size: u64::MAX,
        ..LoadOptions::default()
    };
    for run in 1..=3 {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        let loaded = manifest::load(&path, &opts, &env).unwrap_or_else(|r| panic!("{r}"));
        let took = start.elapsed();
        let n = loaded.operations.len();
        assert_eq!(n, rows);
        let peak = PEAK.load(Ordering::Relaxed) - base;
        let kept = LIVE.load(Ordering::Relaxed) - base;
        println!(
            "run {run}: {rows} rows ({:.1} MB) in {:.3}s = {:.0} rows/s; heap per operation: {} bytes peak, {} bytes kept",
            size as f64 / 1e6,
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64(),
            peak / rows.max(1),
            kept / rows.max(1),
        );
        drop(loaded);
    }
}

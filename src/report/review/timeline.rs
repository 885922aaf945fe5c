//! Time in a review: the runs the rows came from, the achieved rate per
//! instance and method, and the requests per second over each run for the
//! chart.
//!
//! A results file records when each operation finished and how many requests
//! it took, not when each request left. So a row's requests are counted at
//! the moment it finished; over a run of many rows that is the pace, and the
//! chart says so. Rows that sent nothing (`attempts` 0: settled from the live
//! state, guarded, or aborted) are left out of the rates.
//!
//! Rows more than [`RUN_GAP`] after everything before them start a new run:
//! a nightly job and its rerun the next night are two runs, not one run with
//! a day of silence in it.

use std::time::Duration;

use serde::Serialize;

use super::load::{Moment, Series};
use crate::runner::rate::DEFAULT_SHARE;

/// A pause this long between finished rows separates two runs.
pub const RUN_GAP: Duration = Duration::from_secs(5 * 60);

/// The most buckets a run's chart is cut into; longer runs get wider buckets.
const MAX_BUCKETS: u64 = 300;

/// One run: a stretch of rows without a pause of [`RUN_GAP`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// Milliseconds since the Unix epoch of its first and last row.
    #[serde(skip)]
    pub first_ms: i64,
    #[serde(skip)]
    pub last_ms: i64,
    pub started: String,
    pub ended: String,
    pub seconds: f64,
    /// Rows finished in it.
    pub operations: u64,
    /// Requests its rows took.
    pub requests: u64,
}

/// The achieved pace of one method on one instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    pub instance: String,
    pub platform: &'static str,
    pub method: &'static str,
    /// Rows that sent at least one request.
    pub operations: u64,
    pub requests: u64,
    /// The time those rows span, summed over runs.
    pub seconds: f64,
    /// `None` when the rows span no time (a single row per run).
    pub operations_per_second: Option<f64>,
    pub requests_per_second: Option<f64>,
    /// The pace a run keeps when nobody sets `--rate` (half the limit).
    pub default_pace: f64,
    /// GREEN-API's documented ceiling for this method.
    pub documented_limit: f64,
}

/// The requests per second of one run, bucketed, per series.
#[derive(Debug, Clone, PartialEq)]
pub struct RunChart {
    pub run: Run,
    /// Width of each bucket, in seconds.
    pub bucket_seconds: u64,
    /// Per series that sent anything in this run: its index into the
    /// series list, and requests per second in each bucket.
    pub lines: Vec<(usize, Vec<f64>)>,
}

/// Splits `moments` (any order) into runs; each run's moments, sorted by time.
pub fn runs(moments: &[Moment]) -> Vec<Vec<Moment>> {
    let mut sorted = moments.to_vec();
    sorted.sort_by_key(|m| m.at_ms);
    let gap = RUN_GAP.as_millis() as i64;
    let mut runs: Vec<Vec<Moment>> = Vec::new();
    for m in sorted {
        match runs.last_mut() {
            Some(run) if m.at_ms - run.last().map_or(m.at_ms, |l| l.at_ms) <= gap => run.push(m),
            _ => runs.push(vec![m]),
        }
    }
    runs
}

/// The summary of one run's sorted moments.
pub fn run_of(moments: &[Moment]) -> Run {
    let first_ms = moments.first().map_or(0, |m| m.at_ms);
    let last_ms = moments.last().map_or(0, |m| m.at_ms);
    Run {
        first_ms,
        last_ms,
        started: rfc3339(first_ms),
        ended: rfc3339(last_ms),
        seconds: (last_ms - first_ms) as f64 / 1000.0,
        operations: moments.len() as u64,
        requests: moments.iter().map(|m| u64::from(m.attempts)).sum(),
    }
}

/// The achieved rate of each series over `runs`. Within a run a series'
/// rows span from its first to its last; n rows over that span are n - 1
/// intervals, so two rows 0.2 s apart are 5 per second, not 10.
pub fn rates(runs: &[Vec<Moment>], series: &[Series]) -> Vec<Rate> {
    #[derive(Default, Clone)]
    struct Acc {
        operations: u64,
        requests: u64,
        seconds: f64,
        intervals: u64,
        interval_requests: u64,
    }
    let mut acc = vec![Acc::default(); series.len()];
    for run in runs {
        let mut first: Vec<Option<(i64, i64)>> = vec![None; series.len()];
        let mut counted = vec![false; series.len()];
        for m in run.iter().filter(|m| m.attempts > 0) {
            let a = &mut acc[m.series];
            a.operations += 1;
            a.requests += u64::from(m.attempts);
            if counted[m.series] {
                a.intervals += 1;
                a.interval_requests += u64::from(m.attempts);
            }
            counted[m.series] = true;
            let span = first[m.series].get_or_insert((m.at_ms, m.at_ms));
            span.1 = m.at_ms;
        }
        for (s, span) in first.iter().enumerate() {
            if let Some((from, to)) = span {
                acc[s].seconds += (to - from) as f64 / 1000.0;
            }
        }
    }
    let mut rates: Vec<Rate> = series
        .iter()
        .zip(acc)
        .filter(|(_, a)| a.operations > 0)
        .map(|(s, a)| {
            let per = |n: u64| (a.seconds > 0.0).then(|| n as f64 / a.seconds);
            let limit = f64::from(s.method.documented_rate(s.platform));
            Rate {
                instance: crate::sanitise::terminal(&s.instance).into_owned(),
                platform: s.platform.as_str(),
                method: s.method.name(),
                operations: a.operations,
                requests: a.requests,
                seconds: a.seconds,
                operations_per_second: per(a.intervals),
                requests_per_second: per(a.interval_requests),
                default_pace: limit * DEFAULT_SHARE,
                documented_limit: limit,
            }
        })
        .collect();
    rates.sort_by(|a, b| (&a.instance, a.method).cmp(&(&b.instance, b.method)));
    rates
}

/// A chart of one run's sorted moments: requests per second per series, in
/// buckets of a whole number of seconds, at most [`MAX_BUCKETS`] of them.
pub fn chart(moments: &[Moment], series_count: usize) -> RunChart {
    let run = run_of(moments);
    let span_s = (run.last_ms - run.first_ms).unsigned_abs() / 1000 + 1;
    let bucket_seconds = nice_width(span_s.div_ceil(MAX_BUCKETS));
    let buckets = (span_s.div_ceil(bucket_seconds)).max(1) as usize;
    let mut per: Vec<Option<Vec<f64>>> = vec![None; series_count];
    for m in moments.iter().filter(|m| m.attempts > 0) {
        let b = ((m.at_ms - run.first_ms).unsigned_abs() / 1000 / bucket_seconds) as usize;
        let line = per[m.series].get_or_insert_with(|| vec![0.0; buckets]);
        line[b.min(buckets - 1)] += f64::from(m.attempts);
    }
    let width = bucket_seconds as f64;
    let lines = per
        .into_iter()
        .enumerate()
        .filter_map(|(s, line)| line.map(|l| (s, l.into_iter().map(|n| n / width).collect())))
        .collect();
    RunChart {
        run,
        bucket_seconds,
        lines,
    }
}

/// The smallest of 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h… at
/// least `s`: bucket widths a reader takes in at a glance.
fn nice_width(s: u64) -> u64 {
    const NICE: [u64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800];
    NICE.into_iter()
        .find(|&n| n >= s)
        .unwrap_or_else(|| s.div_ceil(3600) * 3600)
}

/// RFC 3339 in UTC with milliseconds, as the results file writes it.
pub fn rfc3339(ms: i64) -> String {
    let t = if ms >= 0 {
        std::time::UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        std::time::UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    };
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::greenapi::{Method, Platform};

    fn at(ms: i64, series: usize, attempts: u32) -> Moment {
        Moment {
            at_ms: ms,
            series,
            attempts,
        }
    }

    fn series(n: usize) -> Vec<Series> {
        (0..n)
            .map(|i| Series {
                instance: format!("i{i}").into(),
                platform: Platform::WhatsApp,
                method: Method::RemoveGroupParticipant,
            })
            .collect()
    }

    #[test]
    fn a_long_pause_starts_a_new_run() {
        let gap = RUN_GAP.as_millis() as i64;
        let m = [
            at(0, 0, 1),
            at(1000, 0, 1),
            at(1000 + gap + 1, 0, 1),
            at(500, 0, 1),
        ];
        let runs = runs(&m);
        assert_eq!(runs.len(), 2);
        assert_eq!(
            runs[0].len(),
            3,
            "sorted by time, the 500 ms row joins the first"
        );
        assert_eq!(run_of(&runs[1]).operations, 1);
        let exactly = [at(0, 0, 1), at(gap, 0, 1)];
        assert_eq!(
            super::runs(&exactly).len(),
            1,
            "a pause of exactly RUN_GAP stays one run"
        );
    }

    #[test]
    fn rates_count_intervals_and_leave_out_rows_that_sent_nothing() {
        // Five rows 200 ms apart: 4 intervals in 0.8 s = 5/s. The row with 0
        // attempts sent nothing; the one with 3 attempts counts 3 requests.
        let m = [
            at(0, 0, 1),
            at(200, 0, 1),
            at(400, 0, 3),
            at(500, 0, 0),
            at(600, 0, 1),
            at(800, 0, 1),
        ];
        let r = rates(&runs(&m), &series(1));
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].operations, r[0].requests), (5, 7));
        assert!((r[0].seconds - 0.8).abs() < 1e-9);
        assert!((r[0].operations_per_second.unwrap() - 5.0).abs() < 1e-9);
        assert!(
            (r[0].requests_per_second.unwrap() - 7.5).abs() < 1e-9,
            "6 requests after the first row in 0.8 s"
        );
        assert_eq!((r[0].default_pace, r[0].documented_limit), (5.0, 10.0));
    }

    #[test]
    fn a_single_row_has_no_rate_and_runs_add_up_their_spans() {
        let gap = RUN_GAP.as_millis() as i64;
        let m = [
            at(0, 0, 1),
            at(1000, 0, 1),
            at(2 * gap, 0, 1),
            at(2 * gap + 1000, 0, 1),
            at(0, 1, 1),
        ];
        let r = rates(&runs(&m), &series(2));
        assert!(
            (r[0].seconds - 2.0).abs() < 1e-9,
            "the pause between runs is not counted"
        );
        assert!((r[0].operations_per_second.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(r[1].operations_per_second, None);
    }

    #[test]
    fn the_chart_buckets_requests_per_second_per_series() {
        let m = [at(0, 0, 1), at(100, 0, 1), at(1500, 1, 2), at(2999, 0, 1)];
        let c = chart(&m, 2);
        assert_eq!(c.bucket_seconds, 1);
        assert_eq!(
            c.lines,
            vec![(0, vec![2.0, 0.0, 1.0]), (1, vec![0.0, 2.0, 0.0])]
        );
        // An hour at 5/s: buckets widen to 15 s so there are at most 300.
        let long: Vec<Moment> = (0..18_000).map(|i| at(i * 200, 0, 1)).collect();
        let c = chart(&long, 1);
        assert_eq!(c.bucket_seconds, 15);
        assert!(c.lines[0].1.len() <= 300);
        assert!(
            c.lines[0].1[..c.lines[0].1.len() - 1]
                .iter()
                .all(|&v| (v - 5.0).abs() < 1e-9)
        );
    }
}

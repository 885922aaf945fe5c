//! The requests-per-second chart of one run as inline SVG: a step line per
//! (instance, method), with the default pace and the documented limit of
//! each drawn as dashed lines, so the achieved pace is read against both.
//! No script and no external resource: the page draws it by itself.

use maud::{Markup, html};

use super::load::Series;
use super::timeline::RunChart;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

/// The colours of the lines, in series order (wrapping around).
pub(super) const SERIES_COLOURS: [&str; 8] = [
    "#1f6fb4", "#e8710a", "#188038", "#a142f4", "#d93025", "#12a4af", "#9e6a03", "#e52592",
];

/// The colour of series `i`.
pub(super) fn colour(i: usize) -> &'static str {
    SERIES_COLOURS[i % SERIES_COLOURS.len()]
}

/// The SVG of `chart`; `series` names its lines.
pub(super) fn svg(chart: &RunChart, series: &[Series]) -> Markup {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let buckets = chart.lines.first().map_or(1, |(_, l)| l.len()).max(1);
    let peak = chart
        .lines
        .iter()
        .flat_map(|(_, l)| l.iter().copied())
        .fold(0.0, f64::max);
    let references = references(chart, series);
    let top = nice_ceiling(
        references
            .iter()
            .map(|r| r.value)
            .fold(peak, f64::max)
            .max(0.1)
            * 1.05,
    );
    let x = |i: usize| LEFT + i as f64 * plot_w / buckets as f64;
    let y = |v: f64| TOP + plot_h - v / top * plot_h;
    let y_ticks = ticks(top);
    let run_seconds = (buckets as u64 * chart.bucket_seconds) as f64;
    let x_ticks = time_ticks(run_seconds);
    let label = format!(
        "requests per second over the run that started {}, in buckets of {} s",
        chart.run.started, chart.bucket_seconds
    );
    html! {
        svg class="rps-chart" role="img" aria-label=(label)
            width=(WIDTH) height=(HEIGHT) viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) {
            title { (label) }
            rect class="plot" x=(LEFT) y=(TOP) width=(plot_w) height=(plot_h) fill="#ffffff" stroke="#c9ced6" {}
            @for t in &y_ticks {
                line x1=(LEFT) x2=(LEFT + plot_w) y1=(y(*t)) y2=(y(*t)) stroke="#eceff3" {}
                text x=(LEFT - 6.0) y=(y(*t) + 4.0) text-anchor="end" class="tick" { (format_tick(*t)) }
            }
            @for t in &x_ticks {
                @let px = LEFT + t / run_seconds * plot_w;
                line x1=(px) x2=(px) y1=(TOP + plot_h) y2=(TOP + plot_h + 4.0) stroke="#8a919c" {}
                // The last label would run past the plot's right edge.
                @let anchor = if px > LEFT + plot_w - 30.0 { "end" } else { "middle" };
                text x=(px) y=(TOP + plot_h + 18.0) text-anchor=(anchor) class="tick" { (duration_tick(*t)) }
            }
            text x=(LEFT) y=(HEIGHT - 2.0) class="axis" { "time since the run started" }
            @for r in &references {
                line class=(r.class) x1=(LEFT) x2=(LEFT + plot_w) y1=(y(r.value)) y2=(y(r.value))
                    stroke=(r.colour) stroke-width="1.5" stroke-dasharray="6 4" {
                    title { (r.label) }
                }
                text x=(LEFT + plot_w - 4.0) y=(y(r.value) - 4.0) text-anchor="end" class="ref" fill=(r.colour) { (r.label) }
            }
            @for (s, line) in &chart.lines {
                polyline class="series" data-series=(s) fill="none" stroke=(colour(*s)) stroke-width="2.5"
                    stroke-linejoin="round" points=(steps(line, &x, &y)) {
                    title { (series_name(&series[*s])) }
                }
            }
        }
    }
}

/// `instance · method`.
pub(super) fn series_name(s: &Series) -> String {
    format!(
        "{} · {}",
        crate::sanitise::terminal(&s.instance),
        s.method.name()
    )
}

/// A dashed line across the chart.
struct Reference {
    value: f64,
    label: String,
    colour: &'static str,
    class: &'static str,
}

/// The default pace and the documented limit of every drawn line, each
/// value once (two instances on one platform share them).
fn references(chart: &RunChart, series: &[Series]) -> Vec<Reference> {
    let mut refs: Vec<Reference> = Vec::new();
    for (s, _) in &chart.lines {
        let s = &series[*s];
        let limit = f64::from(s.method.documented_rate(s.platform));
        let pace = limit * crate::runner::rate::DEFAULT_SHARE;
        for (value, what, colour, class) in [
            (pace, "default pace", "#5f6368", "pace"),
            (limit, "documented limit", "#b3261e", "limit"),
        ] {
            if let Some(r) = refs
                .iter_mut()
                .find(|r| r.value == value && r.class == class)
            {
                if !r.label.contains(s.platform.as_str()) {
                    r.label = format!("{}, {}", r.label, s.platform);
                }
                continue;
            }
            refs.push(Reference {
                value,
                label: format!("{what} {value}/s: {}", s.platform),
                colour,
                class,
            });
        }
    }
    refs
}

/// A step line: each bucket's value held across its width.
fn steps(line: &[f64], x: &dyn Fn(usize) -> f64, y: &dyn Fn(f64) -> f64) -> String {
    let mut points = String::with_capacity(line.len() * 24);
    for (i, v) in line.iter().enumerate() {
        let (x0, x1, yv) = (x(i), x(i + 1), y(*v));
        points.push_str(&format!("{x0:.1},{yv:.1} {x1:.1},{yv:.1} "));
    }
    points.trim_end().to_owned()
}

/// The smallest 1, 2 or 5 times a power of ten at least `v`.
fn nice_ceiling(v: f64) -> f64 {
    let mag = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|n| *n >= v - 1e-9)
        .unwrap_or(10.0 * mag)
}

/// About five round values from 0 to `top`.
fn ticks(top: f64) -> Vec<f64> {
    if top <= 0.0 {
        return vec![0.0];
    }
    let step = nice_ceiling(top / 5.0);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= top + 1e-9)
        .collect()
}

/// Round times from 0 to `total` seconds, at most about six: every 1, 2,
/// 5, 10, 15 or 30 seconds, minutes, or 1, 2, 3, 6, 12 hours, or days.
fn time_ticks(total: f64) -> Vec<f64> {
    const STEPS: [f64; 18] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        10800.0, 21600.0, 43200.0, 86400.0,
    ];
    let step = STEPS
        .into_iter()
        .find(|s| total / s <= 6.0)
        .unwrap_or_else(|| (total / 6.0 / 86400.0).ceil() * 86400.0);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= total + 1e-9)
        .collect()
}

fn format_tick(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}").trim_end_matches('0').to_owned()
    }
}

/// `0`, `30s`, `5m`, `1h 30m`, `12h`: tick labels without zero parts.
fn duration_tick(s: f64) -> String {
    let whole = s.round() as u64;
    match (whole / 3600, whole % 3600 / 60, whole % 60) {
        (0, 0, 0) => "0".into(),
        (0, 0, sec) => format!("{sec}s"),
        (0, m, 0) => format!("{m}m"),
        (h, 0, 0) => format!("{h}h"),
        (0, m, sec) => format!("{m}m {sec}s"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_ceiling(7.3), 10.0);
        assert_eq!(nice_ceiling(0.42), 0.5);
        assert_eq!(nice_ceiling(5.0), 5.0);
        assert_eq!(ticks(10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(format_tick(0.5), "0.5");
        assert_eq!(format_tick(2.0), "2");
        assert_eq!(time_ticks(3.0), vec![0.0, 1.0, 2.0, 3.0]);
        let labels: Vec<String> = [0.0, 30.0, 300.0, 5400.0, 43200.0, 90.0]
            .into_iter()
            .map(duration_tick)
            .collect();
        assert_eq!(labels, ["0", "30s", "5m", "1h 30m", "12h", "1m 30s"]);
        assert_eq!(
            time_ticks(200_000.0)[1],
            43200.0,
            "55 hours: every 12 hours"
        );
        assert_eq!(time_ticks(40.0 * 86400.0)[1], 7.0 * 86400.0);
    }

    #[test]
    fn a_step_line_holds_each_value_across_its_bucket() {
        let pts = steps(&[1.0, 3.0], &|i| i as f64 * 10.0, &|v| 100.0 - v);
        assert_eq!(pts, "0.0,99.0 10.0,99.0 10.0,97.0 20.0,97.0");
    }
}

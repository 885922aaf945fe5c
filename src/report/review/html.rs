//! The review as one self-contained HTML page for a moderator's browser:
//! the status, a bar per group split by outcome, the requests per second of
//! each run beside the achieved pace, the error table, and the rows that
//! need a person with their reasons.
//!
//! Generated with maud: every value is escaped as it is interpolated, so a
//! server's text can never become markup. The page has no script, no font,
//! no image and no link to load, and its Content-Security-Policy forbids
//! loading anything should a browser ever try.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::chart::{self, colour, series_name};
use super::text::{duration, rerun_line};
use super::{Counts, Review, plural};
use crate::runner::Outcome;
use crate::subjects::label;

/// The most group bars and rows needing a person drawn; JSON has all.
pub const MAX_ROWS: usize = 5_000;
/// The most runs charted (the latest ones).
pub const MAX_CHARTS: usize = 8;

/// Nothing may load: no script, no font, no image, no frame, no request.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const CSS: &str = r#"
:root { color-scheme: light; --done:#2e7d32; --already:#8bc34a; --rejected:#c62828; --failed:#f9a825; --aborted:#6a1b9a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:#1f2328; background:#f6f8fa; margin:0; padding:24px; }
main { max-width: 1200px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.card { background:#fff; border:1px solid #d0d7de; border-radius:8px; padding:14px 16px; }
.status { font-size: 16px; font-weight: 600; border-left: 6px solid; }
.status.ok { border-color: var(--done); } .status.rejected { border-color: var(--rejected); } .status.resend { border-color: var(--failed); }
.files, .notes { margin: 8px 0 0; padding-left: 20px; }
.warn { color:#9a6700; font-weight:600; }
.counts { display:flex; gap:10px; flex-wrap:wrap; margin-top:12px; }
.count { background:#fff; border:1px solid #d0d7de; border-radius:8px; padding:8px 14px; min-width:110px; }
.count b { display:block; font-size:20px; }
.swatch { display:inline-block; width:11px; height:11px; border-radius:2px; margin-right:5px; vertical-align:-1px; }
.o-done { background: var(--done); } .o-already { background: var(--already); } .o-rejected { background: var(--rejected); }
.o-failed { background: var(--failed); } .o-aborted { background: var(--aborted); }
.legend { display:flex; gap:14px; flex-wrap:wrap; margin: 0 0 8px; color:#57606a; }
.group { display:grid; grid-template-columns: minmax(180px, 36%) 1fr 70px; gap:10px; align-items:center; padding:3px 0; }
.group .name { overflow:hidden; text-overflow:ellipsis; white-space:nowrap; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12.5px; }
.bar { display:flex; height:16px; background:#eaeef2; border-radius:3px; overflow:hidden; }
.bar span { display:block; height:100%; }
.group .total { text-align:right; color:#57606a; }
.runs { display:flex; flex-direction:column; gap:18px; }
.run { display:flex; gap:18px; flex-wrap:wrap; align-items:flex-start; }
.run svg { background:#fff; border:1px solid #d0d7de; border-radius:8px; max-width:100%; height:auto; }
.run .pace { flex: 1 1 320px; }
svg .tick { font-size:11px; fill:#57606a; } svg .axis { font-size:11px; fill:#57606a; } svg .ref { font-size:11px; }
table { border-collapse: collapse; width:100%; background:#fff; border:1px solid #d0d7de; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid #eaeef2; vertical-align:top; }
th { background:#f6f8fa; font-weight:600; }
td.n, th.n { text-align:right; font-variant-numeric: tabular-nums; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12.5px; word-break: break-all; }
td.reason { word-break: break-word; }
.muted { color:#57606a; }
"#;

/// The whole page.
pub fn render(review: &Review) -> String {
    let r = review;
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "greenbatch report: " (r.status) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    h1 { "greenbatch report" }
                    (summary(r))
                    (charts(r))
                    (groups(r))
                    (actions(r))
                    (errors(r))
                    (needs_person(r))
                }
            }
        }
    };
    page.into_string()
}

fn summary(r: &Review) -> Markup {
    let headline = match r.status {
        "ok" => format!(
            "Every operation settled ok ({}).",
            plural(r.outcomes.total, "operation")
        ),
        "rejected" => format!(
            "{} rejected: they need a person.",
            plural(r.outcomes.rejected, "operation")
        ),
        _ if r.rerun.sends == 0 && r.rerun.missing_shards > 0 => format!(
            "{} missing: a run of each sends its share.",
            plural(r.rerun.missing_shards, "shard")
        ),
        _ => format!(
            "A rerun would send {} again.",
            plural(
                if r.rerun.retry_rejected {
                    r.rerun.sends_with_retry_rejected
                } else {
                    r.rerun.sends
                },
                "operation"
            )
        ),
    };
    html! {
        div class={ "card status " (r.status) } {
            (headline) " "
            span class="muted" { "exit " (r.exit_code) }
        }
        ul class="files" {
            @for f in &r.files {
                li {
                    code { (f.path) } ": " (plural(f.rows, "row"))
                    @if let Some(t) = &f.torn {
                        " " span class="warn torn" {
                            "warning: line " (t.line) " is an unfinished row of " (t.bytes)
                            " bytes (cut off by a crash?); not trusted: its operation counts as not yet run"
                        }
                    }
                    @if f.in_use {
                        " " span class="warn" { "a run is writing it; these figures are as of now" }
                    }
                }
            }
            @if r.duplicate_rows > 0 {
                li { (plural(r.duplicate_rows, "row")) " found in more than one file, counted once" }
            }
            @for set in &r.shards {
                @if set.is_whole() {
                    li { (set.line()) }
                } @else {
                    li { span class="warn" { "warning: " (set.line()) } }
                }
            }
            @if let Some(span) = &r.time {
                li {
                    "time: " (span.first) " to " (span.last) " (" (duration(span.seconds)) "), "
                    (plural(span.runs.len() as u64, "run"))
                }
            }
            li { (rerun_line(r)) }
            @for refused in &r.refused {
                li class="refused" { (refused.line()) }
            }
        }
        div class="counts" {
            @for o in Outcome::ALL {
                div class="count" {
                    span class={ "swatch o-" (o.as_str()) } {}
                    (o.as_str())
                    b { (r.outcomes.of(o)) }
                }
            }
            div class="count" { "total" b { (r.outcomes.total) } }
        }
    }
}

fn legend() -> Markup {
    html! {
        div class="legend" {
            @for o in Outcome::ALL {
                span { span class={ "swatch o-" (o.as_str()) } {} (o.as_str()) }
            }
        }
    }
}

/// One segment per outcome, as wide as its share.
fn bar(c: &Counts) -> Markup {
    html! {
        div class="bar" {
            @for o in Outcome::ALL {
                @let n = c.of(o);
                @if n > 0 {
                    span class={ "o-" (o.as_str()) }
                        style=(format!("width:{:.3}%", n as f64 * 100.0 / c.total.max(1) as f64))
                        title=(format!("{} {n}", o.as_str())) {}
                }
            }
        }
    }
}

fn charts(r: &Review) -> Markup {
    let skipped = r.charts.len().saturating_sub(MAX_CHARTS);
    html! {
        h2 { "Requests per second" }
        @if r.charts.is_empty() {
            p class="muted" { "No rows, so no chart." }
        }
        @if skipped > 0 {
            p class="muted" { "The " (skipped) " earliest runs are not charted; the latest " (MAX_CHARTS) " are." }
        }
        p class="muted" {
            "A results file records when each operation finished, so its requests are counted at that moment. "
            "Dashed lines: the pace a run keeps by default and GREEN-API's documented limit."
        }
        div class="runs" {
            @for c in r.charts.iter().skip(skipped) {
                div class="run" {
                    (chart::svg(c, &r.series))
                    div class="pace" {
                        p { b { "Run " } (c.run.started) " to " (c.run.ended) " (" (duration(c.run.seconds)) "): "
                            (plural(c.run.operations, "row")) ", " (plural(c.run.requests, "request")) }
                        table {
                            tr { th { "line" } th { "instance · method" } }
                            @for (s, _) in &c.lines {
                                tr {
                                    td { span class="swatch" style=(format!("background:{}", colour(*s))) {} }
                                    td class="id" { (series_name(&r.series[*s])) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !r.rates.is_empty() {
            h2 { "Achieved pace per instance and method" }
            table class="rates" {
                tr {
                    th { "instance" } th { "method" } th class="n" { "operations" } th class="n" { "requests" }
                    th class="n" { "seconds" } th class="n" { "requests/s" } th class="n" { "default pace" } th class="n" { "limit" }
                }
                @for x in &r.rates {
                    tr {
                        td class="id" { (x.instance) } td { (x.method) }
                        td class="n" { (x.operations) } td class="n" { (x.requests) }
                        td class="n" { (format!("{:.1}", x.seconds)) }
                        td class="n" { (x.requests_per_second.map_or("-".into(), |v| format!("{v:.2}"))) }
                        td class="n" { (x.default_pace) "/s" } td class="n" { (x.documented_limit) "/s" }
                    }
                }
            }
        }
    }
}

fn groups(r: &Review) -> Markup {
    let groups = r.groups_worst_first();
    html! {
        h2 { "By group" }
        (legend())
        div class="card groups" {
            @for g in groups.iter().take(MAX_ROWS) {
                div class="group" {
                    @let group = label(&g.chat_id, g.subject.as_deref());
                    div class="name" title=(format!("{} ({}) {group}", g.instance, g.platform)) {
                        (g.instance) " · " (group)
                    }
                    (bar(&g.counts))
                    div class="total" { (g.counts.total) }
                }
            }
            @if groups.len() > MAX_ROWS {
                p class="muted" { "… and " (groups.len() - MAX_ROWS) " more groups (--format json lists them all)" }
            }
        }
    }
}

fn counts_cells(c: &Counts) -> Markup {
    html! {
        @for o in Outcome::ALL { td class="n" { (c.of(o)) } }
        td class="n" { (c.total) }
    }
}

fn outcome_heads() -> Markup {
    html! {
        @for o in Outcome::ALL { th class="n" { (o.as_str()) } }
        th class="n" { "total" }
    }
}

fn actions(r: &Review) -> Markup {
    html! {
        @if !r.by_action.is_empty() {
            h2 { "By action" }
            table {
                tr { th { "action" } (outcome_heads()) }
                @for a in &r.by_action {
                    tr { td { (a.action) } (counts_cells(&a.counts)) }
                }
            }
        }
    }
}

fn errors(r: &Review) -> Markup {
    html! {
        h2 { "Errors" }
        @if r.errors.is_empty() {
            p class="muted" { "No row carries an error text." }
        } @else {
            table class="errors" {
                tr { th class="n" { "count" } th { "outcome" } th { "error" } }
                @for e in r.errors.iter().take(MAX_ROWS) {
                    tr {
                        td class="n" { (e.count) }
                        td { span class={ "swatch o-" (e.outcome) } {} (e.outcome) }
                        td class="reason" { (e.error) }
                    }
                }
            }
        }
    }
}

fn needs_person(r: &Review) -> Markup {
    html! {
        h2 { "Needs a person (" (r.needs_person_total()) ")" }
        @if r.needs_person.is_empty() {
            p class="muted" { "Nothing was rejected or aborted." }
        } @else {
            p class="muted" {
                "Rejected: a definite refusal, never sent again unless asked (--retry-rejected). "
                "Aborted: the instance was refused; a rerun sends them once it is fixed."
            }
            table class="needs-person" {
                tr {
                    th { "outcome" } th { "action" } th { "instance" } th { "group" } th { "participant" }
                    th { "source" } th { "reason" } th class="n" { "HTTP" } th { "finished" }
                }
                @for n in r.needs_person.iter().take(MAX_ROWS) {
                    tr {
                        td { span class={ "swatch o-" (n.outcome) } {} (n.outcome) }
                        td { (n.action) }
                        td class="id" { (n.instance) }
                        td class="id" { (label(&n.chat_id, n.subject.as_deref())) }
                        td class="id" { (n.participant_id) }
                        td class="id" { (n.source) }
                        td class="reason" { (n.error) }
                        td class="n" { (n.http_status.map(|s| s.to_string()).unwrap_or_default()) }
                        td class="id" { (n.finished_at) }
                    }
                }
            }
            @if r.needs_person_total() > MAX_ROWS {
                p class="muted" { "… and " (r.needs_person_total() - MAX_ROWS) " more (--format json lists up to " (super::MAX_NEEDS_PERSON) ")" }
            }
        }
    }
}

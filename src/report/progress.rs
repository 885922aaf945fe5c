//! The progress view on stderr: an indicatif bar on a terminal, a plain line
//! now and then elsewhere, nothing when asked for quiet.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle as BarStyle};

use super::held::{self, Holds, Why};
use super::tally::Tally;
use super::term::{ForcedStderr, ProgressStyle, set_active_bar};
use crate::colour;
use crate::greenapi::Method;
use crate::runner::Outcome;

/// How often the plain view prints a line.
const LINE_EVERY: Duration = Duration::from_secs(10);
/// A wait the server asks for gets its lines off a terminal from this long:
/// a shorter one is a pacing hiccup the summary counts, not news.
const WAIT_WORTH_A_LINE: Duration = Duration::from_secs(3);

/// A bar of `total` steps on stderr drawn with `template`, ticking on its
/// own and registered as the active bar (logs print above it). When stderr
/// is not a terminal (the bar was asked for with `--progress always`) it is
/// drawn all the same, where indicatif alone would hide it.
pub(crate) fn steady_bar(total: u64, template: &str, on_terminal: bool) -> ProgressBar {
    steady_bar_with(total, template, on_terminal, Holds::default())
}

/// [`steady_bar`] whose `{held}` shows what waits, counting down.
fn steady_bar_with(total: u64, template: &str, on_terminal: bool, holds: Holds) -> ProgressBar {
    let target = match on_terminal {
        true => ProgressDrawTarget::stderr(),
        false => ProgressDrawTarget::term_like(Box::new(ForcedStderr::new())),
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        BarStyle::with_template(template)
            .expect("valid template")
            .with_key(
                "held",
                move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&holds.render(Instant::now()));
                },
            )
            .progress_chars("=> "),
    );
    // Drawn at once, before the ticker thread takes over (a manual tick is
    // ignored after that): a short job would otherwise finish before the
    // ticker's first draw and show no bar at all, depending on the load.
    bar.tick();
    bar.enable_steady_tick(Duration::from_millis(200));
    set_active_bar(Some(bar.clone()));
    bar
}

/// Shows how far the operations of this run have got.
pub(crate) struct ProgressView {
    style: ProgressStyle,
    bar: ProgressBar,
    /// Operations this run will send (not those settled earlier).
    total: u64,
    started: Instant,
    last_line: Instant,
    /// What waits now (the bar reads it at each redraw).
    holds: Holds,
    /// The waits whose start was said in a line: their end is said too.
    said: HashSet<(Arc<str>, Method)>,
}

impl ProgressView {
    /// `on_terminal`: stderr is a terminal. When it is not and the bar is
    /// asked for anyway (`--progress always`), it is drawn all the same.
    pub(crate) fn new(style: ProgressStyle, total: u64, on_terminal: bool) -> ProgressView {
        let holds = Holds::default();
        let bar = match style {
            ProgressStyle::Bar => {
                // The styles after `:` are dropped by indicatif when colour is
                // off for stderr; the plain template says so outright.
                let template = if colour::stderr().is_on() {
                    "{spinner:.cyan} {elapsed_precise} [{wide_bar:.cyan/blue}] {pos}/{len} {msg}{held:.yellow} eta {eta}"
                } else {
                    "{spinner} {elapsed_precise} [{wide_bar}] {pos}/{len} {msg}{held} eta {eta}"
                };
                steady_bar_with(total, template, on_terminal, holds.clone())
            }
            _ => ProgressBar::hidden(),
        };
        let now = Instant::now();
        ProgressView {
            style,
            bar,
            total,
            started: now,
            last_line: now,
            holds,
            said: HashSet::new(),
        }
    }

    /// `instance`'s `method` waits `next_try` for the reason `why`. The bar
    /// shows it counting down; off a terminal a wait the server asked for
    /// is said in a line (an outage has its warning line already).
    pub(crate) fn held(
        &mut self,
        instance: &Arc<str>,
        method: Method,
        why: Why,
        next_try: Duration,
    ) {
        let fresh = !self.holds.release(instance, method);
        self.holds.hold(instance, method, why, next_try);
        if let (ProgressStyle::Lines, Why::Asked(wait), true) = (self.style, why, fresh)
            && wait >= WAIT_WORTH_A_LINE
        {
            eprintln!("{}", held::wait_began(instance, method, wait));
            self.said.insert((instance.clone(), method));
        }
    }

    /// The wait of `instance`'s `method` is over.
    pub(crate) fn released(&mut self, instance: &Arc<str>, method: Method, asked: bool) {
        let held = self.holds.release(instance, method);
        if held && asked && self.said.remove(&(instance.clone(), method)) {
            eprintln!("{}", held::wait_ended(instance, method));
        }
    }

    /// Shows the counts after an operation finished.
    pub(crate) fn update(&mut self, tally: &Tally) {
        let done = tally.finished_now();
        match self.style {
            ProgressStyle::Bar => {
                self.bar.set_position(done);
                let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
                self.bar
                    .set_message(format!("{}, {rate:.1}/s", counts(tally)));
            }
            ProgressStyle::Lines if self.last_line.elapsed() >= LINE_EVERY => {
                self.last_line = Instant::now();
                eprintln!("{}", self.line(tally));
            }
            _ => {}
        }
    }

    /// One plain progress line: no control characters.
    pub(crate) fn line(&self, tally: &Tally) -> String {
        let done = tally.finished_now();
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let eta = if rate > 0.0 && done < self.total {
            format!(
                ", eta {}s",
                ((self.total - done) as f64 / rate).ceil() as u64
            )
        } else {
            String::new()
        };
        format!(
            "progress: {done}/{} ({}), {rate:.1}/s{eta}",
            self.total,
            counts(tally)
        )
    }

    /// Clears the bar so the summary prints on a clean line.
    pub(crate) fn finish(&self) {
        if self.style == ProgressStyle::Bar {
            self.bar.finish_and_clear();
            set_active_bar(None);
        }
    }
}

fn counts(tally: &Tally) -> String {
    let ok = tally.now.get(&Outcome::Done).copied().unwrap_or(0)
        + tally.now.get(&Outcome::Already).copied().unwrap_or(0);
    let not_ok: u64 = [Outcome::Rejected, Outcome::Failed, Outcome::Aborted]
        .iter()
        .map(|o| tally.now.get(o).copied().unwrap_or(0))
        .sum();
    format!("ok {ok}, not ok {not_ok}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_hold_no_control_characters() {
        let view = ProgressView::new(ProgressStyle::Lines, 10, false);
        let mut t = Tally {
            total: 10,
            ..Tally::default()
        };
        t.record(Outcome::Done, 1);
        t.record(Outcome::Rejected, 2);
        let line = view.line(&t);
        assert!(
            line.starts_with("progress: 2/10 (ok 1, not ok 1), "),
            "{line}"
        );
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}

//! Colour in the terminal views (the progress bar, the plans, diagnostics,
//! log lines, `report`'s text): decided once per stream at start-up by
//! [`wanted`], a pure function of `--color`, the environment and whether the
//! stream is a terminal, then asked by each view through [`stdout`] and
//! [`stderr`].
//!
//! The rules, in order, for `--color auto`:
//! 1. `NO_COLOR` set and not empty: no colour (<https://no-color.org>);
//! 2. `CLICOLOR_FORCE` set and not `0`: colour, even into a pipe or a file;
//! 3. `CLICOLOR=0`: no colour;
//! 4. otherwise colour when the stream is a terminal and `TERM` is not `dumb`.
//!
//! `--color always` and `--color never` win over all of them: a flag typed
//! for one command overrides the environment set for every command.
//!
//! Until [`init`] runs, both streams are plain, so text rendered by tests or
//! by other programs using the library never carries escape codes.

use std::fmt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

/// `--color`: when the terminal views use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorMode {
    /// On a terminal, unless NO_COLOR says no or CLICOLOR_FORCE says yes.
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether a stream gets colour: see the module's rules.
pub fn wanted(mode: ColorMode, is_terminal: bool, env: &dyn Fn(&str) -> Option<String>) -> bool {
    match mode {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => {
            if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else if env("CLICOLOR").as_deref() == Some("0") {
                false
            } else {
                is_terminal && env("TERM").as_deref() != Some("dumb")
            }
        }
    }
}

static STDOUT: AtomicBool = AtomicBool::new(false);
static STDERR: AtomicBool = AtomicBool::new(false);

/// Decides colour for stdout and stderr from `mode` and the process's
/// environment; also tells indicatif's styling library, which draws the bar.
pub fn init(mode: ColorMode) {
    let env = |k: &str| std::env::var(k).ok();
    let out = wanted(mode, std::io::stdout().is_terminal(), &env);
    let err = wanted(mode, std::io::stderr().is_terminal(), &env);
    STDOUT.store(out, Ordering::Relaxed);
    STDERR.store(err, Ordering::Relaxed);
    console::set_colors_enabled(out);
    console::set_colors_enabled_stderr(err);
}

/// The palette for text written to stdout.
pub fn stdout() -> Palette {
    Palette(STDOUT.load(Ordering::Relaxed))
}

/// The palette for text written to stderr.
pub fn stderr() -> Palette {
    Palette(STDERR.load(Ordering::Relaxed))
}

/// Paints text for one stream: with escape codes when colour is on for it,
/// unchanged otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Palette(bool);

impl Palette {
    /// No colour.
    pub const PLAIN: Palette = Palette(false);
    /// Colour.
    pub const COLOUR: Palette = Palette(true);

    /// Whether this palette adds escape codes.
    pub fn is_on(self) -> bool {
        self.0
    }

    /// `value` in `tone`. Width and alignment given to the result (`{:<9}`)
    /// apply to `value` itself, so columns line up with or without colour.
    pub fn paint<T: fmt::Display>(self, tone: Tone, value: T) -> Painted<T> {
        Painted {
            style: if self.0 { tone.style() } else { Style::new() },
            value,
        }
    }
}

/// What a piece of text means, which decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// No style at all.
    Plain,
    Error,
    Warning,
    Note,
    /// A hint or a heading: bold.
    Strong,
    /// Settled ok.
    Good,
    /// Needs a person.
    Bad,
    /// A rerun sends it.
    Retry,
    /// Detail that matters less (ids, locations).
    Dim,
}

impl Tone {
    fn style(self) -> Style {
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        match self {
            Tone::Plain => Style::new(),
            Tone::Error => fg(AnsiColor::Red).bold(),
            Tone::Warning => fg(AnsiColor::Yellow).bold(),
            Tone::Note => fg(AnsiColor::Cyan).bold(),
            Tone::Strong => Style::new().bold(),
            Tone::Good => fg(AnsiColor::Green),
            Tone::Bad => fg(AnsiColor::Red),
            Tone::Retry => fg(AnsiColor::Yellow),
            Tone::Dim => Style::new().dimmed(),
        }
    }
}

/// A value with its style; see [`Palette::paint`].
#[derive(Debug, Clone, Copy)]
pub struct Painted<T> {
    style: Style,
    value: T,
}

impl<T: fmt::Display> fmt::Display for Painted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.style.render())?;
        self.value.fmt(f)?;
        write!(f, "{}", self.style.render_reset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn auto_follows_the_terminal_and_the_conventions() {
        use ColorMode::*;
        let term = [("TERM", "xterm-256color")];
        assert!(wanted(Auto, true, &env(&term)));
        assert!(!wanted(Auto, false, &env(&term)), "a pipe gets no colour");
        assert!(!wanted(Auto, true, &env(&[("TERM", "dumb")])));
        assert!(!wanted(Auto, true, &env(&[("NO_COLOR", "1")])));
        assert!(
            wanted(Auto, true, &env(&[("NO_COLOR", "")])),
            "an empty NO_COLOR is unset"
        );
        assert!(wanted(Auto, false, &env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!wanted(Auto, false, &env(&[("CLICOLOR_FORCE", "0")])));
        assert!(
            !wanted(
                Auto,
                false,
                &env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])
            ),
            "NO_COLOR wins over CLICOLOR_FORCE"
        );
        assert!(!wanted(Auto, true, &env(&[("CLICOLOR", "0")])));
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        assert!(wanted(ColorMode::Always, false, &env(&[("NO_COLOR", "1")])));
        assert!(!wanted(
            ColorMode::Never,
            true,
            &env(&[("CLICOLOR_FORCE", "1")])
        ));
    }

    #[test]
    fn plain_paint_is_the_text_and_colour_keeps_the_padding() {
        assert_eq!(
            format!("[{:<6}]", Palette::PLAIN.paint(Tone::Good, "done")),
            "[done  ]"
        );
        let painted = format!("[{:<6}]", Palette::COLOUR.paint(Tone::Bad, "x"));
        assert_eq!(painted, "[\x1b[31mx     \x1b[0m]");
    }
}

//! The terminal: whether to draw a progress bar, and a stderr writer for logs
//! that never tears it.

use std::io::{self, Write};
use std::sync::RwLock;

use indicatif::ProgressBar;

/// `--progress`: when to draw the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal; a plain line now and then elsewhere.
    #[default]
    Auto,
    Always,
    Never,
}

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    /// An indicatif bar, redrawn in place.
    Bar,
    /// A plain line now and then, no control characters (cron, CI, pipes).
    Lines,
    /// Nothing.
    Hidden,
}

/// Decides once how progress is shown, from the flag and the environment.
pub fn progress_style(
    mode: ProgressMode,
    stderr_is_terminal: bool,
    term: Option<&str>,
    quiet: bool,
) -> ProgressStyle {
    match mode {
        ProgressMode::Never => ProgressStyle::Hidden,
        ProgressMode::Always => ProgressStyle::Bar,
        ProgressMode::Auto if quiet => ProgressStyle::Hidden,
        ProgressMode::Auto if stderr_is_terminal && term != Some("dumb") => ProgressStyle::Bar,
        ProgressMode::Auto => ProgressStyle::Lines,
    }
}

/// Stderr as a terminal whatever it is, for `--progress always` when stderr
/// is a pipe or a file (indicatif draws nothing there on its own): the bar
/// is written with the usual ANSI cursor moves, `COLUMNS` wide (80 unset).
#[derive(Debug, Clone, Copy)]
pub struct ForcedStderr {
    width: u16,
}

impl ForcedStderr {
    pub fn new() -> ForcedStderr {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|w| *w >= 20)
            .unwrap_or(80);
        ForcedStderr { width }
    }

    fn emit(&self, text: &str) -> io::Result<()> {
        io::stderr().lock().write_all(text.as_bytes())
    }
}

impl Default for ForcedStderr {
    fn default() -> ForcedStderr {
        ForcedStderr::new()
    }
}

impl indicatif::TermLike for ForcedStderr {
    fn width(&self) -> u16 {
        self.width
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.emit(&format!("\x1b[{n}A"))
        }
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.emit(&format!("\x1b[{n}B"))
        }
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.emit(&format!("\x1b[{n}C"))
        }
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.emit(&format!("\x1b[{n}D"))
        }
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.emit(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.emit(s)
    }
    fn clear_line(&self) -> io::Result<()> {
        self.emit("\r\x1b[2K")
    }
    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// The bar being drawn, if any: log lines are written around it.
static ACTIVE_BAR: RwLock<Option<ProgressBar>> = RwLock::new(None);

/// Makes `bar` the one log lines suspend while they are written (or clears it).
pub fn set_active_bar(bar: Option<ProgressBar>) {
    *ACTIVE_BAR.write().unwrap_or_else(|e| e.into_inner()) = bar;
}

/// A stderr writer for tracing: each log line is written whole, with the bar
/// cleared first and redrawn after.
#[derive(Debug, Default, Clone, Copy)]
pub struct StderrAroundBar;

impl Write for StderrAroundBar {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The final text of a log line, text or JSON: no piece of a token
        // leaves, whatever the line's fields did to it.
        let text = String::from_utf8_lossy(buf);
        let line = crate::secret::mask(&text);
        let bar = ACTIVE_BAR.read().unwrap_or_else(|e| e.into_inner()).clone();
        match bar {
            Some(bar) => bar.suspend(|| io::stderr().lock().write_all(line.as_bytes()))?,
            None => io::stderr().lock().write_all(line.as_bytes())?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for StderrAroundBar {
    type Writer = StderrAroundBar;
    fn make_writer(&'a self) -> Self::Writer {
        StderrAroundBar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_is_drawn_only_where_it_belongs() {
        use ProgressMode::*;
        use ProgressStyle::*;
        assert_eq!(
            progress_style(Auto, true, Some("xterm-256color"), false),
            Bar
        );
        assert_eq!(progress_style(Auto, true, Some("dumb"), false), Lines);
        assert_eq!(progress_style(Auto, false, Some("xterm"), false), Lines);
        assert_eq!(progress_style(Auto, true, None, true), Hidden);
        assert_eq!(progress_style(Always, false, None, true), Bar);
        assert_eq!(progress_style(Never, true, Some("xterm"), false), Hidden);
    }
}

//! `greenbatch report`: read results files, sum them up in the chosen
//! format on standard output or into `-o FILE`, and exit with the code that
//! says whether anything is left (see [`crate::report::review`]).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::UsageError;
use crate::cli::{ColorMode, ReportArgs, ReportFormat};
use crate::exit;
use crate::report::colour::{self, Palette, Tone};
use crate::report::review::{self, Review, html, markdown, text};

/// Runs the command; `quiet` (-q) leaves out the warnings on stderr.
pub fn execute(args: ReportArgs, color: ColorMode, quiet: bool) -> anyhow::Result<u8> {
    let loaded = match review::load(&args.files) {
        Ok(loaded) => loaded,
        Err(unreadable) => {
            eprintln!(
                "{}: {unreadable}",
                colour::stderr().paint(Tone::Error, "error")
            );
            return Ok(exit::USAGE);
        }
    };
    let review = Review::of(&loaded, args.retry_rejected);
    let to_file = args.output.as_ref().filter(|p| p.as_os_str() != "-");
    // The text view carries its own warnings; others get them on stderr so
    // that a cron log shows them.
    if !quiet && (to_file.is_some() || args.format != ReportFormat::Text) {
        warn(&review);
    }
    let palette = match (to_file, color) {
        (None, _) => colour::stdout(),
        (Some(_), ColorMode::Always) => Palette::COLOUR,
        (Some(_), _) => Palette::PLAIN,
    };
    let bytes = render(&review, args.format, palette)?;
    match to_file {
        Some(path) => replace(path, &bytes).map_err(|e| {
            UsageError(format!(
                "cannot write the report to {}: {e}",
                path.display()
            ))
        })?,
        None => match io::stdout().lock().write_all(&bytes) {
            // `report … | head` is fine: the exit code still tells.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            other => other?,
        },
    }
    Ok(review.exit_code)
}

fn render(review: &Review, format: ReportFormat, palette: Palette) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        ReportFormat::Text => text::render(review, palette, &mut out)?,
        ReportFormat::Markdown => markdown::render(review, &mut out)?,
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, review)?;
            out.push(b'\n');
        }
        ReportFormat::Html => out.extend_from_slice(html::render(review).as_bytes()),
    }
    Ok(out)
}

fn warn(review: &Review) {
    let paint = colour::stderr();
    for f in &review.files {
        if let Some(t) = &f.torn {
            eprintln!(
                "{}: {}: line {} is an unfinished row of {} bytes (cut off by a crash?); \
                 not trusted: its operation counts as not yet run",
                paint.paint(Tone::Warning, "warning"),
                f.path,
                t.line,
                t.bytes
            );
        }
        if f.in_use {
            eprintln!(
                "{}: {}: a run is writing it; these figures are as of now",
                paint.paint(Tone::Note, "note"),
                f.path
            );
        }
    }
}

/// Writes `bytes` to `path` through a temporary file beside it and a
/// rename, so a reader (a browser, a web server) never sees half a report.
/// Mode 0600: a report names participants, as the results file does.
fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

//! `greenbatch report`: read results files, sum them up in the chosen
//! format on standard output or into `-o FILE`, and exit with the code that
//! says whether anything is left (see [`crate::report::review`]).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::cli::{ColorMode, ReportArgs, ReportFormat};
use crate::colour::{self, Palette, Tone};
use crate::failure::Failure;
use crate::report::review::{self, Review, html, markdown, text};

/// Runs the command; `quiet` (-q) leaves out the warnings on stderr.
pub fn execute(args: ReportArgs, color: ColorMode, quiet: u8) -> anyhow::Result<u8> {
    for path in &args.files {
        // Checked before reading: memory follows the size.
        let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > args.max_input_size {
            return Err(Failure::Usage(format!(
                "{}: {size} bytes, over --max-input-size {} (a run of a million operations writes about 150 MB); raise it if the file is meant",
                crate::sanitise::escaped(&path.display().to_string()),
                args.max_input_size
            ))
            .into());
        }
    }
    let loaded = match review::load(&args.files) {
        Ok(loaded) => loaded,
        Err(unreadable) => return Err(Failure::Usage(unreadable.to_string()).into()),
    };
    let review = Review::of(&loaded, args.retry_rejected);
    let to_file = args.output.as_ref().filter(|p| p.as_os_str() != "-");
    // The text view carries its own warnings; others get them on stderr so
    // that a cron log shows them.
    if quiet == 0 && (to_file.is_some() || args.format != ReportFormat::Text) {
        warn(&review);
    }
    let palette = match (to_file, color) {
        (None, _) => colour::stdout(),
        (Some(_), ColorMode::Always) => Palette::COLOUR,
        (Some(_), _) => Palette::PLAIN,
    };
    // Written as it is made (streamed), not built whole in memory first.
    let write = |out: &mut dyn Write| render(&review, args.format, palette, out);
    match to_file {
        Some(path) => replace(path, write).map_err(|e| {
            Failure::Usage(format!(
                "cannot write the report to {}: {e}",
                path.display()
            ))
        })?,
        None => {
            let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
            match write(&mut out).and_then(|()| out.flush()) {
                // `report … | head` is fine: the exit code still tells.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                other => other?,
            }
        }
    }
    Ok(review.exit_code)
}

fn render(
    review: &Review,
    format: ReportFormat,
    palette: Palette,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Text => text::render(review, palette, out),
        ReportFormat::Markdown => markdown::render(review, out),
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, review)?;
            out.write_all(b"\n")
        }
        ReportFormat::Html => out.write_all(html::render(review).as_bytes()),
    }
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
fn replace(path: &Path, write: impl Fn(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
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
        let mut out = io::BufWriter::new(&mut file);
        write(&mut out)?;
        out.flush()?;
        drop(out);
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

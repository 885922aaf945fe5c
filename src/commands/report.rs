//! `greenbatch report`: read results files, sum them up in the chosen
//! format on standard output or into `-o FILE`, and exit with the code that
//! says whether anything is left (see [`crate::report::review`]); with
//! `--live`, the groups named by their subjects ([`super::report_live`]).

use std::fs;
use std::io::{self, Write};

use crate::cli::{ColorMode, ReportArgs, ReportFormat};
use crate::colour::{self, Palette, Tone};
use crate::failure::Failure;
use crate::report::review::{self, Review, html, markdown, text};

/// Runs the command; `quiet` (-q) leaves out the warnings on stderr.
pub(super) fn execute(args: ReportArgs, color: ColorMode, quiet: u8) -> anyhow::Result<u8> {
    within_size(&args.files, args.max_input_size)?;
    let loaded = match review::load(&args.files) {
        Ok(loaded) => loaded,
        Err(unreadable) => return Err(Failure::Usage(unreadable.to_string()).into()),
    };
    let mut review = Review::of(&loaded, args.retry_rejected);
    if args.live {
        review.name_groups(&super::report_live::subjects(&review, &args.reads, quiet));
    }
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
        Some(path) => super::output::replace_private(path, &write).map_err(|e| {
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

/// Each results file at most `max` bytes, checked before reading: memory
/// follows the size. Shared by `report` and `undo`.
pub(crate) fn within_size(files: &[std::path::PathBuf], max: u64) -> Result<(), Failure> {
    for path in files {
        let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > max {
            return Err(Failure::Usage(format!(
                "{}: {size} bytes, over --max-input-size {max} (a run of a million operations writes about 150 MB); raise it if the file is meant",
                crate::sanitise::escaped(&path.display().to_string()),
            )));
        }
    }
    Ok(())
}

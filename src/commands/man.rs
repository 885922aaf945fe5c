//! `greenbatch man`: the man page from the same definitions as `--help`
//! (clap_mangen). On standard output, one page holding every subcommand, so
//! `greenbatch man | man -l -` shows it all; with `--out DIR`, the usual
//! one page per subcommand (`greenbatch.1`, `greenbatch-run.1`, …).

use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::exit;
use crate::failure::Failure;

/// Prints the page, or writes the pages into `--out`.
pub(super) fn execute(args: ManArgs) -> anyhow::Result<u8> {
    match &args.out {
        Some(dir) => {
            let pages = write_pages(dir).map_err(|e| {
                Failure::Usage(format!("cannot write man pages to {}: {e}", dir.display()))
            })?;
            eprintln!("wrote {} man pages to {}", pages, dir.display());
        }
        None => io::stdout().lock().write_all(&one_page()?)?,
    }
    Ok(exit::SUCCESS)
}

fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The top page followed by a section per subcommand: its synopsis,
/// description, options and example, as the separate pages have them.
pub(super) fn one_page() -> io::Result<Vec<u8>> {
    let cmd = command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let man = clap_mangen::Man::new(sub.clone());
        let name = sub
            .get_display_name()
            .unwrap_or(sub.get_name())
            .to_uppercase();
        writeln!(out, ".SH \"{}\"", name.replace('"', ""))?;
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_description_section(&mut section)?;
        man.render_options_section(&mut section)?;
        if sub.get_after_help().is_some() {
            man.render_extra_section(&mut section)?;
        }
        // Inside the subcommand's section its own parts are subsections;
        // clap_mangen calls the after_help part EXTRA, which here is the example.
        for line in String::from_utf8_lossy(&section).lines() {
            match line.strip_prefix(".SH ") {
                Some("EXTRA") => writeln!(out, ".SS EXAMPLE")?,
                Some(title) => writeln!(out, ".SS {title}")?,
                None => writeln!(out, "{line}")?,
            }
        }
    }
    Ok(out)
}

/// Writes every page into `dir`; returns how many.
pub(super) fn write_pages(dir: &Path) -> io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let cmd = command();
    clap_mangen::generate_to(cmd.clone(), dir)?;
    Ok(1 + cmd.get_subcommands().filter(|s| !s.is_hide_set()).count())
}

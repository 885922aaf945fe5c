//! Opening a file whose contents the tool trusts: a token file (a secret
//! that leaves for the network) and the results file (whose `done` rows make
//! a rerun skip operations). Either, planted or swapped by someone else,
//! would send a secret where it was never meant to go or silently skip
//! removals.
//!
//! So such a file is opened once, without following a symbolic link at its
//! last component (`O_NOFOLLOW`) and without blocking on a FIFO
//! (`O_NONBLOCK`), and then the *open* file is checked (`fstat`, not the
//! path, which could be swapped between a check and the open): a regular
//! file, owned by the user running greenbatch, and without the mode bits the
//! caller forbids.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Why a file was not trusted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("is a symbolic link")]
    Symlink,
    #[error("is not a regular file")]
    NotRegular,
    #[error("is owned by another user (uid {owner}; greenbatch runs as uid {me})")]
    Owner { owner: u32, me: u32 },
    #[error("has mode {0:03o}, which lets group or others {1} it")]
    Mode(u32, &'static str),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl Refusal {
    /// A hint for the person who can fix it.
    pub(crate) fn hint(&self, path: &Path) -> String {
        let shown = crate::sanitise::escaped(&path.display().to_string()).into_owned();
        match self {
            Refusal::Symlink => "point at the file itself, not at a link to it".to_owned(),
            Refusal::NotRegular => "it must be an ordinary file".to_owned(),
            Refusal::Owner { .. } => format!(
                "someone else could have written it: check its contents, then `chown` it to yourself or use a file of your own instead of {shown}"
            ),
            Refusal::Mode(..) => format!("chmod 600 {shown}"),
            Refusal::Io(_) => "check the path and its permissions".to_owned(),
        }
    }
}

/// Opens `path` with `options` (read, write, create… as the caller needs),
/// never following a symbolic link at its last component and never blocking
/// on a FIFO, and checks the open file: regular, owned by this process's
/// user, with none of the `forbidden` mode bits (`0o077`: anyone else may
/// read or write; `0o022`: anyone else may write).
pub(crate) fn open(
    path: &Path,
    options: &mut OpenOptions,
    forbidden: u32,
) -> Result<(File, Metadata), Refusal> {
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = options
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                Refusal::Symlink
            } else {
                Refusal::Io(e)
            }
        })?;
    let meta = file.metadata()?;
    check(&meta, forbidden)?;
    Ok((file, meta))
}

/// The checks on an open file's metadata.
pub(crate) fn check(meta: &Metadata, forbidden: u32) -> Result<(), Refusal> {
    if !meta.is_file() {
        return Err(Refusal::NotRegular);
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(Refusal::Owner {
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.mode() & 0o777;
    if mode & forbidden != 0 {
        let what = if mode & forbidden & 0o022 != 0 {
            "write"
        } else {
            "read"
        };
        return Err(Refusal::Mode(mode, what));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn read() -> OpenOptions {
        let mut o = OpenOptions::new();
        o.read(true);
        o
    }

    #[test]
    fn links_fifos_directories_and_loose_modes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(open(&file, &mut read(), 0o077).is_ok());
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(matches!(
            open(&link, &mut read(), 0o077),
            Err(Refusal::Symlink)
        ));
        assert!(matches!(
            open(dir.path(), &mut read(), 0o077),
            Err(Refusal::NotRegular)
        ));
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        // Opened without blocking (no writer), then refused.
        assert!(matches!(
            open(&fifo, &mut read(), 0o077),
            Err(Refusal::NotRegular)
        ));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o620)).unwrap();
        let err = open(&file, &mut read(), 0o022).unwrap_err();
        assert_eq!(
            err.to_string(),
            "has mode 620, which lets group or others write it"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(
            open(&file, &mut read(), 0o022).is_ok(),
            "reading is allowed"
        );
        assert!(matches!(
            open(&file, &mut read(), 0o077),
            Err(Refusal::Mode(0o640, "read"))
        ));
    }
}

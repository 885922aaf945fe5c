//! Files the commands write for a person to read (`report -o`, `export
//! -o`, `undo -o`): replaced whole, never half written, private.

use std::io::{self, Write};
use std::path::Path;

/// Writes `path` through a new private file beside it (mode 0600: what
/// these files hold names participants, as a results file does), synced,
/// then renamed over it, so a reader (a browser, a script, a later `run`)
/// never sees half a file, and a failure leaves the old file as it was.
pub(crate) fn replace_private(
    path: &Path,
    write: &dyn Fn(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = io::BufWriter::new(file.as_file_mut());
    write(&mut out)?;
    out.flush()?;
    drop(out);
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

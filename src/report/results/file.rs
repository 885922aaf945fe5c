//! The results file on disk: created 0600, locked for one run at a time,
//! read for the rerun, cut back past a torn last line, then appended to with
//! fsync at a bounded interval.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::OpenError;
use super::read::{self, PriorResults, TornLine};
use super::row::ResultRow;
use super::writer::ResultsWriter;
use crate::trusted_file;

/// When appended rows are forced to stable storage with fsync. Every row
/// reaches the operating system at once (a crash of the process loses
/// nothing written); this only bounds what a power loss can take, without an
/// fsync per row. Syncing happens on `append`, so after a quiet spell the
/// next row is synced at once; [`ResultsFile::finish`] syncs the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPolicy {
    /// Sync once this many rows are unsynced.
    pub max_rows: u64,
    /// Sync when the last sync is at least this old.
    pub max_interval: Duration,
}

impl Default for SyncPolicy {
    fn default() -> SyncPolicy {
        SyncPolicy {
            max_rows: 10_000,
            max_interval: Duration::from_secs(1),
        }
    }
}

/// An open, locked results file positioned for appending. The lock is held
/// until this value is dropped (or the process dies). Dropping it without
/// [`finish`](ResultsFile::finish) loses nothing a crash would not: every row
/// is already in the operating system; only the last fsync is skipped.
pub struct ResultsFile {
    writer: ResultsWriter<File>,
    path: PathBuf,
    policy: SyncPolicy,
    unsynced: u64,
    last_sync: Instant,
}

/// The mode bits that make a results file untrusted: group or others may write.
const WRITABLE_BY_OTHERS: u32 = 0o022;

/// Opens (or creates, mode 0600) the results file at `path` with the default
/// [`SyncPolicy`]. See [`open_with`].
pub fn open(path: &Path) -> Result<(ResultsFile, PriorResults), OpenError> {
    open_with(path, SyncPolicy::default())
}

/// Opens (or creates, mode 0600) the results file at `path`, takes its
/// exclusive lock (waiting at most 0.1 s), reads what earlier runs
/// recorded, cuts away a torn last line, and writes the header if the file is new.
///
/// A rerun trusts the file's `done` rows and skips those operations, so the
/// file is opened without following a symbolic link, and refused when it is
/// not a regular file, is owned by someone else, or others may write it
/// ([`OpenError::Untrusted`], exit 2). One that others may only read is used
/// as it is, with a warning: its mode was someone's choice, and it holds no
/// secrets.
pub fn open_with(
    path: &Path,
    policy: SyncPolicy,
) -> Result<(ResultsFile, PriorResults), OpenError> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true).mode(0o600);
    open_and_read(path, options)?.into_results(policy)
}

/// A results file opened and locked, its rows read, nothing in it changed
/// yet: the first half of [`open_with`], which a rerun does on another core
/// while it validates the manifest ([`read_existing`]). Dropping it
/// releases the lock and leaves the file as it was.
pub struct ReadResults {
    file: File,
    path: PathBuf,
    meta: std::fs::Metadata,
    scan: read::Scan,
}

/// Opens and locks an existing results file and reads it, changing
/// nothing, as [`open_with`] does: `Ok(None)` when there is no file (it is
/// created only once the run is sure to go ahead).
/// [`ReadResults::into_results`] finishes the opening.
pub fn read_existing(path: &Path) -> Result<Option<ReadResults>, OpenError> {
    let mut options = OpenOptions::new();
    options.read(true).append(true);
    match open_and_read(path, options) {
        Ok(read) => Ok(Some(read)),
        Err(OpenError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn open_and_read(path: &Path, mut options: OpenOptions) -> Result<ReadResults, OpenError> {
    let io_err = |source| OpenError::Io {
        path: path.to_owned(),
        source,
    };
    let (file, _) = trusted_file::open(path, &mut options, WRITABLE_BY_OTHERS)
        .map_err(|r| OpenError::untrusted(path, r))?;
    if !lock(&file).map_err(io_err)? {
        return Err(OpenError::Locked {
            path: path.to_owned(),
        });
    }
    // Its length as it is now that the lock is held.
    let meta = file.metadata().map_err(io_err)?;
    let scan = read::scan(&file, meta.len()).map_err(|e| OpenError::from_scan(path, e))?;
    Ok(ReadResults {
        file,
        path: path.to_owned(),
        meta,
        scan,
    })
}

impl ReadResults {
    /// The second half of [`open_with`]: cuts away a torn last line, warns
    /// of a loose mode, and writes the header if the file is new.
    pub fn into_results(
        self,
        policy: SyncPolicy,
    ) -> Result<(ResultsFile, PriorResults), OpenError> {
        let ReadResults {
            file,
            path,
            meta,
            scan,
        } = self;
        let io_err = |source| OpenError::Io {
            path: path.clone(),
            source,
        };
        let mut prior = scan.prior;
        if scan.keep < meta.len() {
            // Cut the torn bytes for good before anything is appended after them.
            file.set_len(scan.keep).map_err(io_err)?;
            file.sync_data().map_err(io_err)?;
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                "results file {} has mode {mode:o}: others may read it; `chmod 600` it if that is not meant",
                crate::sanitise::escaped(&path.display().to_string())
            );
            prior.loose_mode = Some(mode);
        }
        let writer = ResultsWriter::new(file, scan.needs_header).map_err(io_err)?;
        if scan.needs_header {
            writer.get_ref().sync_data().map_err(io_err)?;
            sync_parent(&path).map_err(io_err)?;
        }
        tracing::debug!(
            rows = prior.rows,
            ops = prior.latest.len(),
            "read results file {}",
            crate::sanitise::escaped(&path.display().to_string())
        );
        let file = ResultsFile {
            writer,
            path,
            policy,
            unsynced: 0,
            last_sync: Instant::now(),
        };
        Ok((file, prior))
    }
}

/// Reads what a results file records without locking or changing it (for
/// `--dry-run` and `plan`, which send nothing). A missing file records
/// nothing. A torn last line is reported and not trusted, and a file that
/// is not to be trusted is refused, as in [`open`].
pub fn peek(path: &Path) -> Result<PriorResults, OpenError> {
    let io_err = |source| OpenError::Io {
        path: path.to_owned(),
        source,
    };
    let file = match trusted_file::open(path, OpenOptions::new().read(true), WRITABLE_BY_OTHERS) {
        Ok((file, _)) => file,
        Err(trusted_file::Refusal::Io(e)) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(PriorResults::default());
        }
        Err(r) => return Err(OpenError::untrusted(path, r)),
    };
    let len = file.metadata().map_err(io_err)?.len();
    let scan = read::scan(&file, len).map_err(|e| OpenError::from_scan(path, e))?;
    Ok(scan.prior)
}

/// What [`read_rows`] found besides the rows themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsRead {
    /// Whole rows read.
    pub rows: u64,
    /// An unfinished last line, not handed over (and left in the file).
    pub torn: Option<TornLine>,
    /// A run held the file while it was read: it may still be growing, and
    /// a torn last line may just be a row being written.
    pub in_use: bool,
}

/// Reads every whole row of the results file at `path`, in file order,
/// handing each to `take`, without changing the file or waiting for a run
/// that holds it (`report`). A torn last line is reported and not trusted,
/// as in [`open`]; a missing file is an error here.
pub fn read_rows(path: &Path, take: impl FnMut(ResultRow)) -> Result<RowsRead, OpenError> {
    let io_err = |source| OpenError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    if !file.metadata().map_err(io_err)?.is_file() {
        return Err(io_err(io::Error::other("not a regular file")));
    }
    // Only asked, never held: a shared lock kept while reading would make a
    // run that starts meanwhile wait, or exit 75.
    let in_use = match file.try_lock_shared() {
        Ok(()) => {
            file.unlock().map_err(io_err)?;
            false
        }
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(e)) => return Err(io_err(e)),
    };
    let rows = read::scan_rows(&file, ResultRow::from_fields, take)
        .map_err(|e| OpenError::from_scan(path, e))?;
    Ok(RowsRead {
        rows: rows.rows,
        torn: rows.torn,
        in_use,
    })
}

/// How long a held lock is waited for before giving up. A `flock` belongs
/// to the open file, and a process that forks (to spawn a program) holds a
/// copy of every open file until the child's `exec` closes it; a lock just
/// released can thus look held for a moment. Waiting this long removes that
/// false alarm, while another run still makes `open` fail at once to a person.
const LOCK_GRACE: Duration = Duration::from_millis(100);

/// Takes the exclusive lock: `false` if another holder kept it through
/// [`LOCK_GRACE`]. Also what `sync` locks its desired-state file with.
pub(crate) fn lock(file: &File) -> io::Result<bool> {
    lock_as(file, File::try_lock)
}

/// Takes a shared lock, as [`lock`] takes the exclusive one: what a shard's
/// `sync` holds on its desired-state file.
pub(crate) fn lock_shared(file: &File) -> io::Result<bool> {
    lock_as(file, File::try_lock_shared)
}

fn lock_as(file: &File, try_lock: fn(&File) -> Result<(), TryLockError>) -> io::Result<bool> {
    let deadline = Instant::now() + LOCK_GRACE;
    loop {
        match try_lock(file) {
            Ok(()) => return Ok(true),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(TryLockError::WouldBlock) => return Ok(false),
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// Makes a new file's directory entry durable too.
fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

impl std::fmt::Debug for ResultsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultsFile")
            .field("path", &self.path)
            .field("rows_written", &self.writer.rows())
            .field("unsynced", &self.unsynced)
            .finish_non_exhaustive()
    }
}

impl ResultsFile {
    /// Appends one row: written to the file at once, fsynced per [`SyncPolicy`].
    pub fn append(&mut self, row: &ResultRow) -> io::Result<()> {
        self.append_all(std::slice::from_ref(row))
    }

    /// Appends rows that finished together in one write to the file,
    /// fsynced per [`SyncPolicy`].
    pub fn append_all(&mut self, rows: &[ResultRow]) -> io::Result<()> {
        self.writer.append_all(rows)?;
        self.unsynced += rows.len() as u64;
        if self.unsynced >= self.policy.max_rows
            || self.last_sync.elapsed() >= self.policy.max_interval
        {
            self.sync()?;
        }
        Ok(())
    }

    /// Forces the rows appended so far to stable storage.
    pub fn sync(&mut self) -> io::Result<()> {
        if self.unsynced > 0 {
            self.writer.get_ref().sync_data()?;
            self.unsynced = 0;
        }
        self.last_sync = Instant::now();
        Ok(())
    }

    /// Syncs what is left and closes the file, releasing the lock.
    pub fn finish(mut self) -> io::Result<()> {
        self.sync()
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows appended in this run.
    pub fn rows_written(&self) -> u64 {
        self.writer.rows()
    }

    /// Rows appended since the last fsync.
    pub fn unsynced_rows(&self) -> u64 {
        self.unsynced
    }
}

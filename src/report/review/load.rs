//! Reading results files for a review: every whole row of each file, the
//! latest row per operation across them, and each row as a moment in time
//! for the rates and the chart.
//!
//! Within one file the last row of an operation wins, as a rerun reads it.
//! Across files the later `finished_at` wins, and on a tie the file named
//! later. A row found in two files (the same operation, time and outcome:
//! a copy, or a file named twice) counts once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::greenapi::{Action, Method, Platform};
use crate::manifest::model::{OpId, OpIdMap};
use crate::report::results::{self, OpenError, ResultRow, TornLine};
use crate::runner::Outcome;

/// One results file as read.
#[derive(Debug, Clone)]
pub struct FileRead {
    pub path: PathBuf,
    /// Whole rows in it.
    pub rows: u64,
    /// Its unfinished last line, which was not trusted.
    pub torn: Option<TornLine>,
    /// A run held it while it was read.
    pub in_use: bool,
}

/// The latest row of an operation, kept compact: a million of them stay in
/// memory at once. Instance names, groups and error texts repeat across
/// rows, so each distinct one is stored once and shared.
#[derive(Debug, Clone)]
pub struct Kept {
    pub op_id: OpId,
    pub source: Box<str>,
    pub action: Action,
    pub platform: Platform,
    pub instance: Arc<str>,
    pub chat_id: Arc<str>,
    pub participant_id: Box<str>,
    pub outcome: Outcome,
    pub error: Arc<str>,
    pub http_status: Option<u16>,
    pub attempts: u32,
    pub finished_at: SystemTime,
}

/// Each distinct text once.
#[derive(Debug, Default)]
struct Interner(HashSet<Arc<str>>);

impl Interner {
    fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(known) = self.0.get(text) {
            return known.clone();
        }
        let new: Arc<str> = Arc::from(text);
        self.0.insert(new.clone());
        new
    }
}

impl Kept {
    fn of(row: ResultRow, texts: &mut Interner) -> Kept {
        const MAX_KEPT_ERROR: usize = 4096;
        Kept {
            op_id: row.op_id,
            source: row.source.into_boxed_str(),
            action: row.action,
            platform: row.platform,
            instance: texts.get(&row.instance),
            chat_id: texts.get(&row.chat_id),
            participant_id: row.participant_id.as_str().into(),
            outcome: row.outcome,
            // No longer than greenbatch writes one: a huge cell of a file
            // edited by hand is not kept whole.
            error: texts.get(&crate::sanitise::clip(&row.error, MAX_KEPT_ERROR)),
            http_status: row.http_status,
            attempts: row.attempts,
            finished_at: row.finished_at,
        }
    }
}

/// One finished row as a moment: which (instance, method) it used, when it
/// finished and how many requests it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moment {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Index into [`Loaded::series`].
    pub series: usize,
    pub attempts: u32,
}

/// An (instance, method) pair that rows used.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Series {
    pub instance: Arc<str>,
    pub platform: Platform,
    pub method: Method,
}

/// Everything read from the files.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<FileRead>,
    /// The latest row of each operation, in the order operations first appeared.
    pub latest: Vec<Kept>,
    /// Every distinct row as a moment, in file order.
    pub moments: Vec<Moment>,
    pub series: Vec<Series>,
    /// Rows found again in a later file and counted once.
    pub duplicates: u64,
}

/// Why a file could not be read: its path and the reason, worded for `report`.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct Unreadable {
    pub path: PathBuf,
    pub reason: String,
}

/// Reads `paths` in order.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, Unreadable> {
    let mut loaded = Loaded::default();
    // Where each operation's latest row is in `latest`, and from which file.
    let mut index: OpIdMap<(usize, usize)> = OpIdMap::default();
    // Only another file can hold the same row again; one file needs no set.
    let merging = paths.len() > 1;
    let mut seen: HashSet<(OpId, i64, Outcome)> = HashSet::new();
    let mut series_index = std::collections::HashMap::new();
    let mut texts = Interner::default();
    for (file_no, path) in paths.iter().enumerate() {
        let read = results::read_rows(path, |row| {
            let at_ms = millis(row.finished_at);
            if merging && !seen.insert((row.op_id, at_ms, row.outcome)) {
                loaded.duplicates += 1;
                return;
            }
            let row = Kept::of(row, &mut texts);
            let key = Series {
                instance: row.instance.clone(),
                platform: row.platform,
                method: row.action.method(),
            };
            let series = *series_index.entry(key).or_insert_with_key(|key| {
                loaded.series.push(key.clone());
                loaded.series.len() - 1
            });
            loaded.moments.push(Moment {
                at_ms,
                series,
                attempts: row.attempts,
            });
            match index.get_mut(&row.op_id) {
                None => {
                    index.insert(row.op_id, (loaded.latest.len(), file_no));
                    loaded.latest.push(row);
                }
                Some((at, from)) => {
                    let current = &mut loaded.latest[*at];
                    if *from == file_no || row.finished_at >= current.finished_at {
                        *current = row;
                        *from = file_no;
                    }
                }
            }
        })
        .map_err(|e| unreadable(path, e))?;
        loaded.files.push(FileRead {
            path: path.clone(),
            rows: read.rows,
            torn: read.torn,
            in_use: read.in_use,
        });
    }
    Ok(loaded)
}

fn millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(before) => -(before.duration().as_millis() as i64),
    }
}

/// The reason in words that fit `report` (the open errors speak of `--results`).
fn unreadable(path: &Path, err: OpenError) -> Unreadable {
    let reason = match err {
        OpenError::Io { source, .. } => format!("cannot read it: {source}"),
        OpenError::Corrupt { line, what, .. } => {
            format!("line {line}: {what}; the file was edited or is not a greenbatch results file")
        }
        OpenError::HeaderMismatch { found, .. } => {
            format!("not a greenbatch results file (its first line is `{found}`)")
        }
        OpenError::Locked { .. } => "held by another run".into(),
        OpenError::Untrusted { why, hint, .. } => format!("not trusted: {why} ({hint})"),
    };
    Unreadable {
        path: path.to_owned(),
        reason,
    }
}

//! The files a sync writes beside its desired-state file, and the lock on
//! that file.
//!
//! By default each sync is a fresh job with new, dated files: the results
//! (`nightly.sync-20250101T031500.000Z.results.csv`) and the operations it
//! computed (`….ops.csv`, an operations manifest that `validate`, `plan`
//! and `run` read). Dated names never collide, so they cannot stop two
//! syncs of the same file from running together: the desired-state file
//! itself is locked for the whole sync.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::diagnostic::Source;
use crate::greenapi::Action;
use crate::instances::Instances;
use crate::manifest::Operation;
use crate::sanitise::escaped;
use crate::shard::Shard;

/// Where a sync's operations and results go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paths {
    pub operations: PathBuf,
    pub results: PathBuf,
}

/// `desired`'s dated pair for `now`, one that no earlier sync wrote (a
/// shard's named for it before the date, `nightly.shard-2-of-8.sync-…`,
/// so that `report` sees a set of shards started at different moments as
/// one); or, when the results path is given, it and the operations beside
/// it.
pub(crate) fn paths(
    desired: &Path,
    results: Option<&Path>,
    shard: Option<Shard>,
    now: SystemTime,
) -> Paths {
    if let Some(results) = results {
        let name = results
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let operations = match name.as_deref().and_then(|n| n.strip_suffix(".results.csv")) {
            Some(stem) => results.with_file_name(format!("{stem}.ops.csv")),
            None => results.with_extension("ops.csv"),
        };
        return Paths {
            operations,
            results: results.to_owned(),
        };
    }
    let mut stem = desired
        .file_stem()
        .map_or_else(|| "desired".into(), |s| s.to_string_lossy().into_owned());
    if let Some(shard) = shard {
        stem = format!("{stem}.{}", shard.label());
    }
    // Milliseconds, so that names sort in time order even for syncs of one
    // second (a collision, which the lock makes all but impossible, gets a suffix).
    let stamp: String = humantime::format_rfc3339_millis(now)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    for n in 1u32.. {
        let base = match n {
            1 => format!("{stem}.sync-{stamp}"),
            n => format!("{stem}.sync-{stamp}-{n}"),
        };
        let pair = Paths {
            operations: desired.with_file_name(format!("{base}.ops.csv")),
            results: desired.with_file_name(format!("{base}.results.csv")),
        };
        // The desired file's lock keeps other syncs of it out meanwhile.
        if !pair.operations.exists() && !pair.results.exists() {
            return pair;
        }
    }
    unreachable!("some suffix is free")
}

/// Takes `desired`'s lock for the rest of the sync; `Ok(None)` when another
/// sync holds it. A file that cannot be opened is left to the loader to
/// report (`Ok(Some(None))`).
///
/// A shard's sync takes it shared: the shards of one file run side by side
/// (GNU parallel on one machine), and a whole sync of it waits for none of
/// them, nor they for it. Two processes given the same shard are not kept
/// apart by it; the job engine gives each index once.
pub(crate) fn lock(desired: &Path, shard: bool) -> io::Result<Option<Option<File>>> {
    let Ok(file) = File::open(desired) else {
        return Ok(Some(None));
    };
    let held = match shard {
        true => crate::report::results::lock_shared(&file)?,
        false => crate::report::results::lock_exclusive(&file)?,
    };
    match held {
        true => Ok(Some(Some(file))),
        false => Ok(None),
    }
}

/// The message for a desired file another sync holds.
pub(crate) fn locked_message(desired: &Path) -> String {
    format!(
        "{} is being synced by another greenbatch sync; this one sends nothing and ends (wait for the other to finish)",
        escaped(&desired.display().to_string())
    )
}

/// One row of the operations manifest.
pub(crate) struct Row<'a> {
    pub action: Action,
    pub chat_id: &'a str,
    pub participant_id: &'a str,
    pub instance: &'a str,
}

/// Writes the operations manifest at `path` whole or not at all (a new
/// private file beside it, synced, then renamed over it): the header
/// `action,chat_id,participant_id,instance`, then `rows`.
pub(crate) fn write_operations(path: &Path, rows: &[Row<'_>]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(io::BufWriter::new(file.as_file_mut()));
        w.write_record(["action", "chat_id", "participant_id", "instance"])?;
        for r in rows {
            w.write_record([r.action.as_str(), r.chat_id, r.participant_id, r.instance])?;
        }
        w.flush()?;
        let mut inner = w
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        inner.flush()?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The operations of `rows` as `run` would read them back from the
/// manifest written at `path` (each row's source is its line there, the
/// header being line 1), built in memory: the manifest is the audit record
/// of what a sync sends, not its way of sending. `None` when a row names
/// an instance that is not configured (the desired file's loader has
/// checked each one).
pub(crate) fn operations(
    path: &Path,
    rows: &[Row<'_>],
    instances: &Instances,
) -> Option<Vec<Operation>> {
    let file: Arc<str> = Arc::from(crate::input::display_name(path));
    let mut ops = Vec::with_capacity(rows.len());
    for (line, r) in (2u32..).zip(rows) {
        let inst = instances.get(r.instance)?;
        let source = Source {
            file: file.clone(),
            line,
            cell: None,
        };
        ops.push(Operation::new(
            &inst.name,
            inst.platform,
            &inst.id_instance,
            r.action,
            r.chat_id,
            r.participant_id,
            source,
        ));
    }
    Some(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dated_names_beside_the_desired_file_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let desired = dir.path().join("nightly.yaml");
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_701_300_042);
        let first = paths(&desired, None, None, now);
        assert_eq!(
            first.results,
            dir.path()
                .join("nightly.sync-20250101T031500.042Z.results.csv")
        );
        assert_eq!(
            first.operations,
            dir.path().join("nightly.sync-20250101T031500.042Z.ops.csv")
        );
        std::fs::write(&first.results, "").unwrap();
        let second = paths(&desired, None, None, now);
        assert_eq!(
            second.results,
            dir.path()
                .join("nightly.sync-20250101T031500.042Z-2.results.csv")
        );
        let given = paths(
            &desired,
            Some(Path::new("out/tonight.results.csv")),
            None,
            now,
        );
        assert_eq!(given.operations, Path::new("out/tonight.ops.csv"));
        let plain = paths(&desired, Some(Path::new("r.csv")), None, now);
        assert_eq!(plain.operations, Path::new("r.ops.csv"));
        // A shard's files carry it before the date: `report` takes shards
        // started at different moments as one set.
        let shard = crate::shard::Shard::new(2, 8).ok();
        let sharded = paths(&desired, None, shard, now);
        assert_eq!(
            sharded.results,
            dir.path()
                .join("nightly.shard-2-of-8.sync-20250101T031500.042Z.results.csv")
        );
        let name = sharded.results.file_name().unwrap().to_string_lossy();
        let (set, found, _) = crate::shard::names::in_name(&name).unwrap();
        assert_eq!((set, Some(found)), ("nightly", shard));
    }

    #[test]
    fn the_operations_manifest_is_a_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.ops.csv");
        let rows = [
            Row {
                action: Action::Remove,
                chat_id: "-10000000000000",
                participant_id: "10000001",
                instance: "max-main",
            },
            Row {
                action: Action::Add,
                chat_id: "120363043968066561@g.us",
                participant_id: "79001234565@c.us",
                instance: "default",
            },
        ];
        write_operations(&path, &rows).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "action,chat_id,participant_id,instance\nremove,-10000000000000,10000001,max-main\nadd,120363043968066561@g.us,79001234565@c.us,default\n"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_second_lock_on_the_desired_file_is_refused_but_shards_share_it() {
        let dir = tempfile::tempdir().unwrap();
        let desired = dir.path().join("d.yaml");
        std::fs::write(&desired, "groups: []\n").unwrap();
        let held = lock(&desired, false)
            .unwrap()
            .expect("free")
            .expect("opened");
        assert!(
            lock(&desired, false).unwrap().is_none(),
            "held by the first"
        );
        assert!(lock(&desired, true).unwrap().is_none(), "a shard waits too");
        drop(held);
        assert!(lock(&desired, false).unwrap().is_some());
        assert!(matches!(
            lock(&dir.path().join("nope.yaml"), false),
            Ok(Some(None))
        ));
        // Shards of one file run side by side; a whole sync waits for them.
        let one = lock(&desired, true)
            .unwrap()
            .expect("free")
            .expect("opened");
        let two = lock(&desired, true)
            .unwrap()
            .expect("shared")
            .expect("opened");
        assert!(lock(&desired, false).unwrap().is_none(), "held by shards");
        drop((one, two));
        assert!(lock(&desired, false).unwrap().is_some());
    }

    /// What a sync sends from memory is what `run` would read back from the
    /// manifest it writes: the same operations, op_ids and sources, on
    /// both platforms, for every kind of ID a group list holds.
    #[test]
    fn operations_in_memory_are_the_written_manifest_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let instances_file = dir.path().join("instances.yaml");
        std::fs::copy("examples/manifests/instances.yaml", &instances_file).unwrap();
        let options = crate::manifest::LoadOptions {
            instances_file: Some(instances_file),
            ..crate::manifest::LoadOptions::default()
        };
        let env = |_: &str| None;
        let rows = [
            (
                "remove",
                "120363043968066561@g.us",
                "79001234565@c.us",
                "wa-main",
            ),
            (
                "add",
                "79001234567-1581234048@g.us",
                "79001234566@c.us",
                "wa-main",
            ),
            (
                "remove",
                "120363043968066561@g.us",
                "123456789012345@lid",
                "wa-second",
            ),
            (
                "promote",
                "120363043968066561@g.us",
                "79001234565@c.us",
                "wa-second",
            ),
            ("demote", "-10000000000000", "10000000", "max-main"),
            ("remove", "-10000000000001", "10000001", "max-main"),
        ];
        let rows: Vec<Row<'_>> = rows
            .iter()
            .map(|&(action, chat_id, participant_id, instance)| Row {
                action: action.parse().unwrap(),
                chat_id,
                participant_id,
                instance,
            })
            .collect();
        let path = dir.path().join("nightly.sync-x.ops.csv");
        write_operations(&path, &rows).unwrap();
        let loaded =
            crate::manifest::load(&path, &options, &env).expect("the written manifest is valid");
        let in_memory =
            operations(&path, &rows, &loaded.instances).expect("every instance is configured");
        assert_eq!(in_memory.len(), rows.len());
        assert_eq!(in_memory, loaded.operations);
    }
}

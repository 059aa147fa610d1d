//! `kubedrill dev`: project once, then keep the output directory in sync with the manifests.
//!
//! Every saved edit to a manifest is validated and, when valid, projected as kubelet's next
//! sync would (a real AtomicWriter update), so an app running against the output directory
//! sees exactly what it would see in a pod. Invalid edits are reported and change nothing.
//!
//! Editors save by writing a temporary file and renaming it over the original, which kills an
//! inotify watch on the file itself (the very bug kubedrill exists to catch, P1): so the
//! *directories* holding the manifests are watched and events are matched by file name.
//!
//! `dev -- COMMAND` runs the app itself through [`app`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode, Watcher};

use crate::project::{ProjectError, ProjectOptions, ProjectReport, project};

pub mod app;

/// How long to wait for more events after one, so a save that touches a file several times
/// projects once.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// Why watching could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevError {
    /// The file watcher could not be set up.
    #[error("watching {path}: {source}")]
    Watch {
        /// The directory that could not be watched.
        path: PathBuf,
        /// notify's error.
        #[source]
        source: notify::Error,
    },
}

/// What happened in one round.
#[derive(Debug)]
pub enum DevEvent {
    /// The first projection, or a projection after `changed` files were saved.
    Projected {
        /// The files whose change triggered it (empty for the first one).
        changed: Vec<PathBuf>,
        /// The projection's outcome; an error leaves the directory as it was.
        result: Result<ProjectReport, ProjectError>,
    },
    /// Watching started.
    Watching(Vec<PathBuf>),
    /// About every 50 ms while watching, for callers that poll something alongside (e.g. the
    /// output of an app started with `kubedrill dev -- COMMAND`).
    Tick,
}

/// How often [`DevEvent::Tick`] is sent while watching.
const TICK: Duration = Duration::from_millis(50);

/// What the watcher thread hands to the loop: paths whose content may have changed, or "the
/// kernel dropped events" (inotify queue overflow), after which every file must be re-read.
enum Change {
    Paths(Vec<PathBuf>),
    Rescan,
}

/// Projects, then re-projects whenever a manifest file's bytes change, until `stop` is set.
/// `on_event` receives every round's outcome.
///
/// Only events that can change a file's content count: data written (`IN_MODIFY`,
/// `IN_CLOSE_WRITE`), the name created, removed or renamed to or from. Opening or reading a
/// manifest (an editor, `cat`, kubedrill's own re-read of the manifests) and chmod/touch do
/// not: treating every event as a change made `dev` re-project forever, its own reads
/// triggering the next round. Even then a round projects only when the files' bytes differ
/// from what the last projection read: saving an unchanged file, or undoing an edit before the
/// debounce ends, projects nothing.
pub fn run(
    opts: &ProjectOptions,
    stop: &AtomicBool,
    mut on_event: impl FnMut(DevEvent),
) -> Result<(), DevError> {
    let files: Vec<PathBuf> = opts
        .manifests
        .iter()
        .chain(opts.workload.iter())
        .map(|f| absolute(f))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (tx, rx) = mpsc::channel();
    // The watch starts before the first projection reads the files, so an edit saved while it
    // runs is seen. An error surfaces only after the first projection: invalid manifests are
    // the more useful thing to report.
    let watcher = watch(&files, tx);
    let mut last_read = read_all(&files);
    on_event(DevEvent::Projected {
        changed: Vec::new(),
        result: project(opts),
    });
    if stop.load(Ordering::Relaxed) {
        return Ok(());
    }
    let _watcher = watcher?;
    on_event(DevEvent::Watching(files.clone()));
    let mut pending = false;
    let mut last_event = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        on_event(DevEvent::Tick);
        match rx.recv_timeout(TICK) {
            Ok(Change::Paths(paths)) => {
                if paths.iter().any(|p| files.contains(&absolute(p))) {
                    pending = true;
                    last_event = Instant::now();
                }
            }
            Ok(Change::Rescan) => {
                pending = true;
                last_event = Instant::now();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if pending && last_event.elapsed() >= DEBOUNCE {
            pending = false;
            // Read before projecting: an edit landing while `project` runs then differs from
            // `last_read` and its event starts another round, so the last version always wins.
            let now = read_all(&files);
            let changed: Vec<PathBuf> = files
                .iter()
                .zip(now.iter().zip(&last_read))
                .filter(|(_, (new, old))| new != old)
                .map(|(f, _)| f.clone())
                .collect();
            if changed.is_empty() {
                continue;
            }
            last_read = now;
            on_event(DevEvent::Projected {
                changed,
                result: project(opts),
            });
        }
    }
    Ok(())
}

/// Whether an event of this kind can mean that a file's bytes changed. Reads (`IN_OPEN`,
/// `IN_ACCESS`, `IN_CLOSE_NOWRITE`) and metadata changes (`IN_ATTRIB`) cannot.
pub fn is_content_change(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(
                ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any | ModifyKind::Other
            )
            | EventKind::Access(AccessKind::Close(AccessMode::Write))
    )
}

/// Watches the directories holding `files` (not the files: a rename over a file would end a
/// watch on it) and sends the content changes.
fn watch(
    files: &[PathBuf],
    tx: mpsc::Sender<Change>,
) -> Result<notify::RecommendedWatcher, DevError> {
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let change = match event {
            Ok(event) if event.need_rescan() => Change::Rescan,
            Ok(event) if is_content_change(&event.kind) => Change::Paths(event.paths),
            Ok(_) => return,
            // The watcher lost track (e.g. an I/O error): re-read everything to be sure.
            Err(_) => Change::Rescan,
        };
        let _ = tx.send(change);
    })
    .map_err(|source| DevError::Watch {
        path: PathBuf::new(),
        source,
    })?;
    for d in &dirs {
        watcher
            .watch(d, RecursiveMode::NonRecursive)
            .map_err(|source| DevError::Watch {
                path: d.clone(),
                source,
            })?;
    }
    Ok(watcher)
}

/// Every file's bytes (`None` when it cannot be read, e.g. mid-rename), in `files`' order.
fn read_all(files: &[PathBuf]) -> Vec<Option<Vec<u8>>> {
    files.iter().map(|f| std::fs::read(f).ok()).collect()
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind, RenameMode};

    use super::*;

    #[test]
    fn reads_and_metadata_changes_are_not_content_changes() {
        for kind in [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
        ] {
            assert!(!is_content_change(&kind), "{kind:?}");
        }
    }

    #[test]
    fn writes_and_name_changes_are_content_changes() {
        for kind in [
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
            EventKind::Create(CreateKind::File),
            EventKind::Remove(RemoveKind::File),
        ] {
            assert!(is_content_change(&kind), "{kind:?}");
        }
    }
}

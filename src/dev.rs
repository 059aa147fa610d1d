//! `kubedrill dev`: project once, then keep the output directory in sync with the manifests.
//!
//! Every saved edit to a manifest is validated and, when valid, projected as kubelet's next
//! sync would (a real AtomicWriter update), so an app running against the output directory
//! sees exactly what it would see in a pod. Invalid edits are reported and change nothing.
//!
//! Editors save by writing a temporary file and renaming it over the original, which kills an
//! inotify watch on the file itself (the very bug kubedrill exists to catch, P1): so the
//! *directories* holding the manifests are watched and events are matched by file name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::project::{ProjectError, ProjectOptions, ProjectReport, project};

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

/// Projects, then re-projects on every change of a manifest file, until `stop` is set.
/// `on_event` receives every round's outcome.
pub fn run(
    opts: &ProjectOptions,
    stop: &AtomicBool,
    mut on_event: impl FnMut(DevEvent),
) -> Result<(), DevError> {
    on_event(DevEvent::Projected {
        changed: Vec::new(),
        result: project(opts),
    });
    if stop.load(Ordering::Relaxed) {
        return Ok(());
    }
    let files: BTreeSet<PathBuf> = opts
        .manifests
        .iter()
        .chain(opts.workload.iter())
        .map(|f| absolute(f))
        .collect();
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            let _ = tx.send(event.paths);
        }
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
    on_event(DevEvent::Watching(files.iter().cloned().collect()));
    let mut pending: BTreeSet<PathBuf> = BTreeSet::new();
    let mut last_event = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        on_event(DevEvent::Tick);
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(paths) => {
                for p in paths {
                    let p = absolute(&p);
                    if files.contains(&p) {
                        pending.insert(p);
                        last_event = Instant::now();
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if !pending.is_empty() && last_event.elapsed() >= DEBOUNCE {
            let changed: Vec<PathBuf> = std::mem::take(&mut pending).into_iter().collect();
            on_event(DevEvent::Projected {
                changed,
                result: project(opts),
            });
        }
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

//! How the local backend looks at a running container: paths through `/proc/PID/root`, signals
//! by name (HTTP is in [`super::http`], volume trees for diagnostics in [`super::volume_tree`]).
//! Reading only; nothing here changes a container.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::Observed;
use crate::api::Workload;

/// Whether a pod volume carries Secret data (a secret volume, or projected with a secret or a
/// token source), so observations of files in it are redacted whole.
pub(super) fn volume_has_secret(w: &Workload, volume: &str) -> bool {
    w.spec
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == volume)
        .is_some_and(|v| {
            v.secret.is_some()
                || v.projected.as_ref().is_some_and(|p| {
                    p.sources
                        .iter()
                        .flatten()
                        .any(|s| s.secret.is_some() || s.service_account_token.is_some())
                })
        })
}

/// `path` inside the container whose main process is `pid`, through `/proc/PID/root`: the
/// magic link enters its mount namespace (process backend) or its rootfs (docker).
pub(super) fn proc_path(pid: u32, path: &str) -> PathBuf {
    let mut p = PathBuf::from(format!("/proc/{pid}/root"));
    for c in Path::new(path).components() {
        if let std::path::Component::Normal(n) = c {
            p.push(n);
        }
    }
    p
}

/// `HUP`, `SIGHUP`, … to a signal, through the one table the validator uses
/// ([`crate::scenario::SIGNAL_TABLE`]).
pub(super) fn parse_signal(name: &str) -> Option<rustix::process::Signal> {
    crate::scenario::signal_number(name).and_then(rustix::process::Signal::from_named_raw)
}

/// `file: PATH` as the container whose main process is `pid` sees it.
pub(super) fn observe_file(pid: u32, path: &str) -> Observed {
    observe_file_at(&proc_path(pid, path), path)
}

/// `file: PATH` read at `p` on the host (`path` is what the scenario said, for messages).
pub(super) fn observe_file_at(p: &Path, path: &str) -> Observed {
    let link_target = fs::read_link(p)
        .ok()
        .map(|t| t.to_string_lossy().into_owned());
    let meta = fs::metadata(p).ok();
    let mode = meta.as_ref().map(|m| m.permissions().mode() & 0o7777);
    if meta.as_ref().is_some_and(|m| m.is_dir()) {
        return Observed::File {
            content: None,
            mode,
            link_target,
            is_dir: true,
        };
    }
    match fs::read(p) {
        Ok(content) => Observed::File {
            content: Some(content),
            mode,
            link_target,
            is_dir: false,
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Observed::File {
            content: None,
            mode: None,
            link_target,
            is_dir: false,
        },
        Err(e) => Observed::Unavailable(format!("reading {path}: {e}")),
    }
}

/// `dir: PATH`: visible entry names (kubelet's `..` entries left out), sorted.
pub(super) fn observe_dir(pid: u32, path: &str) -> Observed {
    observe_dir_at(&proc_path(pid, path), path)
}

/// `dir: PATH` listed at `p` on the host.
pub(super) fn observe_dir_at(p: &Path, path: &str) -> Observed {
    match fs::read_dir(p) {
        Ok(rd) => {
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with(".."))
                .collect();
            names.sort();
            Observed::Dir(Some(names))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Observed::Dir(None),
        Err(e) => Observed::Unavailable(format!("listing {path}: {e}")),
    }
}

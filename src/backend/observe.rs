//! How the local backend looks at a running container: paths through `/proc/PID/root`, signals
//! by name, volume trees for diagnostics (HTTP is in [`super::http`]). Reading only; nothing
//! here changes a container.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Observed;
use crate::api::Workload;
use crate::report::model::TreeEntry;

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

/// The volume tree for diagnostics: every entry with kind, mode, link target and content hash.
pub(super) fn tree(root: &Path) -> Vec<TreeEntry> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<TreeEntry>) {
        let Ok(rd) = fs::read_dir(root.join(rel)) else {
            return;
        };
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = rel.join(e.file_name());
            let Ok(md) = e.metadata() else { continue };
            let mode = format!("{:04o}", md.permissions().mode() & 0o7777);
            let shown = path.display().to_string();
            if md.file_type().is_symlink() {
                out.push(TreeEntry {
                    path: shown,
                    kind: "link".into(),
                    mode,
                    target: fs::read_link(e.path())
                        .ok()
                        .map(|t| t.display().to_string()),
                    sha256: None,
                });
            } else if md.is_dir() {
                out.push(TreeEntry {
                    path: shown,
                    kind: "dir".into(),
                    mode,
                    target: None,
                    sha256: None,
                });
                walk(root, &path, out);
            } else {
                let hash = fs::read(e.path()).ok().map(|b| {
                    let h = Sha256::digest(&b);
                    h.iter().take(6).map(|x| format!("{x:02x}")).collect()
                });
                out.push(TreeEntry {
                    path: shown,
                    kind: "file".into(),
                    mode,
                    target: None,
                    sha256: hash,
                });
            }
        }
    }
    let mut out = Vec::new();
    if root.is_file() {
        let hash = fs::read(root).ok().map(|b| {
            let h = Sha256::digest(&b);
            h.iter().take(6).map(|x| format!("{x:02x}")).collect()
        });
        out.push(TreeEntry {
            path: "(subPath file)".into(),
            kind: "file".into(),
            mode: fs::metadata(root)
                .map(|m| format!("{:04o}", m.permissions().mode() & 0o7777))
                .unwrap_or_default(),
            target: None,
            sha256: hash,
        });
    } else {
        walk(root, Path::new(""), &mut out);
    }
    out
}

/// `file: PATH` as the container whose main process is `pid` sees it.
pub(super) fn observe_file(pid: u32, path: &str) -> Observed {
    let p = proc_path(pid, path);
    let link_target = fs::read_link(&p)
        .ok()
        .map(|t| t.to_string_lossy().into_owned());
    let meta = fs::metadata(&p).ok();
    let mode = meta.as_ref().map(|m| m.permissions().mode() & 0o7777);
    if meta.as_ref().is_some_and(|m| m.is_dir()) {
        return Observed::File {
            content: None,
            mode,
            link_target,
            is_dir: true,
        };
    }
    match fs::read(&p) {
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
    match fs::read_dir(proc_path(pid, path)) {
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

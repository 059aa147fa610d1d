//! Volume ownership (kubelet's `SetVolumeOwnership`, §2.7) and the volume root's mode: after
//! each real write of a volume with an fsGroup, the whole volume is made group-readable and, as
//! root, chowned to the group.
//!
//! The walk goes through an [`AnchoredDir`]: it never follows a symlink (a link's own group is
//! changed, its target is not), so a link planted in a volume cannot make it chmod or chown a
//! file outside.

use std::io;
use std::path::{Path, PathBuf};

use crate::kubelet::anchored::{AnchorError, AnchoredDir, EntryKind};
use crate::kubelet::payload::{Medium, fs_group_mode};

/// The mode of a volume's root directory on a node, by the medium kubelet's volume plugin wraps.
///
/// Upstream: every ConfigMap, Secret, projected and downwardAPI volume is set up by a wrapped
/// emptyDir (`wrappedVolumeSpec` in `pkg/volume/{configmap,secret,projected,downwardapi}`).
/// emptyDir's `setupDir` (`pkg/volume/emptydir/empty_dir.go`) makes the directory with
/// `defaultPerm` 0777 and chmods it only when `Perm()` differs; for medium Memory `setupTmpfs`
/// then mounts a tmpfs on it without a `mode=` option, so the root the container sees is the
/// tmpfs root, whose default mode is `0777 | S_ISVTX` (the kernel's `shmem_init_fs_context`):
/// 01777. On later syncs `SetUpAt` returns early (the volume is ready and mounted), so the root is
/// never chmod-ed again.
pub fn volume_root_mode(medium: Medium) -> u32 {
    match medium {
        Medium::Disk => 0o777,
        Medium::Memory => 0o1777,
    }
}

/// kubelet's `SetVolumeOwnership` for a read-only volume (§2.7): files `| 0440`, directories
/// `| 0550` plus setgid, everything chowned to the fsGroup gid when running as root.
pub fn apply_fs_group(dir: &Path, gid: i64) -> io::Result<()> {
    let root = AnchoredDir::open(dir).map_err(to_io)?;
    apply_fs_group_at(&root, gid)
}

/// [`apply_fs_group`] on a volume directory already opened below an anchor.
pub fn apply_fs_group_at(root: &AnchoredDir, gid: i64) -> io::Result<()> {
    let gid = u32::try_from(gid).map_err(|_| io::Error::other(format!("invalid fsGroup {gid}")))?;
    let as_root = rustix::process::geteuid().is_root();
    if as_root {
        root.chown_self(None, Some(gid)).map_err(to_io)?;
    }
    let mode = root.stat_self().map_err(to_io)?.st_mode & 0o7777;
    let new = fs_group_mode(mode, true);
    if new != mode {
        root.chmod_self(new).map_err(to_io)?;
    }
    walk(root, PathBuf::new(), gid, as_root).map_err(to_io)
}

fn walk(root: &AnchoredDir, rel: PathBuf, gid: u32, as_root: bool) -> Result<(), AnchorError> {
    for (name, kind) in root.entries(&rel)? {
        let path = rel.join(&name);
        if as_root {
            root.lchown(&path, None, Some(gid))?;
        }
        if kind == EntryKind::Symlink {
            continue;
        }
        if let Some(st) = root.stat(&path)? {
            let mode = st.st_mode & 0o7777;
            let new = fs_group_mode(mode, kind == EntryKind::Dir);
            if new != mode {
                root.chmod(&path, new)?;
            }
        }
        if kind == EntryKind::Dir {
            walk(root, path, gid, as_root)?;
        }
    }
    Ok(())
}

fn to_io(e: AnchorError) -> io::Error {
    match e {
        AnchorError::Io { source, .. } => source,
        other => io::Error::other(other.to_string()),
    }
}

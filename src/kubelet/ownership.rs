//! Volume ownership (kubelet's `SetVolumeOwnership`, §2.7): after each real write of a volume
//! with an fsGroup, the whole volume is made group-readable and, as root, chowned to the group.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::kubelet::payload::fs_group_mode;

/// kubelet's `SetVolumeOwnership` for a read-only volume (§2.7): files `| 0440`, directories
/// `| 0550` plus setgid, everything chowned to the fsGroup gid when running as root.
pub fn apply_fs_group(dir: &Path, gid: i64) -> std::io::Result<()> {
    let gid =
        u32::try_from(gid).map_err(|_| std::io::Error::other(format!("invalid fsGroup {gid}")))?;
    let root = rustix::process::geteuid().is_root();
    fn walk(p: &Path, gid: u32, root: bool) -> std::io::Result<()> {
        let md = fs::symlink_metadata(p)?;
        if root {
            std::os::unix::fs::lchown(p, None, Some(gid))?;
        }
        if md.file_type().is_symlink() {
            return Ok(());
        }
        let mode = md.permissions().mode() & 0o7777;
        let new = fs_group_mode(mode, md.is_dir());
        if new != mode {
            fs::set_permissions(p, fs::Permissions::from_mode(new))?;
        }
        if md.is_dir() {
            for e in fs::read_dir(p)? {
                walk(&e?.path(), gid, root)?;
            }
        }
        Ok(())
    }
    walk(dir, gid, root)
}

//! The fallback without namespaces: mounts laid out under one directory that the container
//! finds through `$KUBEDRILL_ROOT` (see the module docs of [`super`]).

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::spec::{MountSpec, mount_order};

/// The env var naming the directory where mounts are laid out when namespaces are unavailable:
/// a mountPath `/etc/app` is at `$KUBEDRILL_ROOT/etc/app`.
pub const KUBEDRILL_ROOT: &str = "KUBEDRILL_ROOT";

/// Where `container_path` lands under `root`.
pub(crate) fn mapped_path(root: &Path, container_path: &Path) -> PathBuf {
    let mut out = root.to_path_buf();
    out.extend(container_path.components().filter_map(|c| match c {
        Component::Normal(n) => Some(n),
        _ => None,
    }));
    out
}

/// Lays out `mounts` under `root` (recreated empty): a directory volume becomes a symlink to
/// the host directory (so `..data` swaps are visible at once, like a bind mount), a file
/// becomes a hard link to it (pinning the inode, like a subPath bind; a copy when the file is
/// on another filesystem). Nested mountPaths below a directory volume are refused, since they
/// would have to be created inside the host volume.
pub fn lay_out_path_mapping(root: &Path, mounts: &[MountSpec]) -> io::Result<()> {
    match fs::remove_dir_all(root) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    fs::create_dir_all(root)?;
    for m in mount_order(mounts) {
        let dst = mapped_path(root, &m.container_path);
        let Some(parent) = dst.parent() else {
            continue;
        };
        // Refuse to walk through a symlink we made: that is the host volume.
        for ancestor in parent
            .ancestors()
            .take_while(|a| a.starts_with(root) && *a != root)
        {
            if fs::symlink_metadata(ancestor).is_ok_and(|md| md.file_type().is_symlink()) {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!(
                        "mountPath {} is nested in another volume mount; \
                         the KUBEDRILL_ROOT mapping cannot create it without changing the host",
                        m.container_path.display()
                    ),
                ));
            }
        }
        fs::create_dir_all(parent)?;
        let meta = fs::metadata(&m.host_path)?;
        if meta.is_dir() {
            std::os::unix::fs::symlink(&m.host_path, &dst)?;
        } else if fs::hard_link(&m.host_path, &dst).is_err() {
            fs::copy(&m.host_path, &dst)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_paths_map_under_the_root() {
        assert_eq!(
            mapped_path(Path::new("/r"), Path::new("/etc/app/config")),
            PathBuf::from("/r/etc/app/config")
        );
    }

    #[test]
    fn volumes_are_linked_and_files_pinned() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let vol = tmp.path().join("vol");
        fs::create_dir(&vol)?;
        fs::write(vol.join("k"), "v1")?;
        let pinned = tmp.path().join("pinned.conf");
        fs::write(&pinned, "p1")?;
        let root = tmp.path().join("root");
        let mounts = vec![
            MountSpec {
                host_path: vol.clone(),
                container_path: "/etc/app".into(),
                read_only: true,
            },
            MountSpec {
                host_path: pinned.clone(),
                container_path: "/etc/app.conf".into(),
                read_only: false,
            },
        ];
        lay_out_path_mapping(&root, &mounts)?;
        assert_eq!(fs::read_to_string(root.join("etc/app/k"))?, "v1");
        fs::write(vol.join("k"), "v2")?;
        assert_eq!(fs::read_to_string(root.join("etc/app/k"))?, "v2");
        assert_eq!(fs::read_to_string(root.join("etc/app.conf"))?, "p1");
        // A subPath pin keeps the old inode when the host replaces the file.
        fs::write(tmp.path().join("new"), "p2")?;
        fs::rename(tmp.path().join("new"), &pinned)?;
        assert_eq!(fs::read_to_string(root.join("etc/app.conf"))?, "p1");
        // Laying out again starts from scratch.
        lay_out_path_mapping(&root, &mounts[..1])?;
        assert!(!root.join("etc/app.conf").exists());
        Ok(())
    }

    #[test]
    fn nested_mount_in_a_volume_is_refused() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let vol = tmp.path().join("vol");
        fs::create_dir(&vol)?;
        let mounts = vec![
            MountSpec {
                host_path: vol.clone(),
                container_path: "/data".into(),
                read_only: false,
            },
            MountSpec {
                host_path: vol.clone(),
                container_path: "/data/sub/x".into(),
                read_only: false,
            },
        ];
        let err = lay_out_path_mapping(&tmp.path().join("root"), &mounts);
        assert!(err.is_err());
        assert!(!vol.join("sub").exists(), "the host volume was changed");
        Ok(())
    }
}

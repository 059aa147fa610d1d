//! subPath mounts (`pkg/volume/util/subpath/subpath_linux.go`, §5).
//!
//! kubelet resolves a subPath through every symlink of the volume (`app.conf -> ..data/app.conf
//! -> ..2026_…/app.conf`) and bind-mounts the *resolved* file into the container (§5.1). The
//! bind holds that inode, so later `..data` swaps never reach the container (§5.2) until a
//! container restart resolves again (§5.3). This module owns the resolution (which must never
//! leave the volume) and, for `kubedrill project`, pinning the resolved file as a plain copy.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// Why a subPath could not be mounted; messages follow kubelet's wording.
#[derive(Debug, thiserror::Error)]
pub enum SubPathError {
    /// The subPath is absolute or has a `..` segment (API validation).
    #[error(
        "invalid subPath {0:?}: must be a relative path without '..' (hint: subPath names a path inside the volume)"
    )]
    Invalid(String),
    /// Resolution left the volume directory.
    #[error("subpath {subpath:?} not within volume path {volume}")]
    Escapes {
        /// The subPath as written.
        subpath: String,
        /// The volume directory.
        volume: PathBuf,
    },
    /// The resolved path does not exist or could not be read.
    #[error("failed to prepare subPath for volumeMount {mount:?}: {path}: {source}")]
    Io {
        /// The mount's `mountPath`.
        mount: String,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// Resolves `subpath` inside `volume_dir` through every symlink, refusing to leave the volume
/// (relative links are followed within the volume; absolute links and `..` above the root are
/// rejected). Returns the real path of the file or directory a bind mount would pin (§5.1).
pub fn resolve(volume_dir: &Path, subpath: &str) -> Result<PathBuf, SubPathError> {
    let invalid = || SubPathError::Invalid(subpath.to_string());
    if subpath.is_empty() || Path::new(subpath).is_absolute() {
        return Err(invalid());
    }
    let escapes = || SubPathError::Escapes {
        subpath: subpath.to_string(),
        volume: volume_dir.to_path_buf(),
    };
    // Components still to walk, in order; symlink targets are spliced in front.
    let mut pending: Vec<PathBuf> = Vec::new();
    for c in Path::new(subpath).components() {
        match c {
            Component::Normal(n) => pending.push(PathBuf::from(n)),
            Component::CurDir => {}
            _ => return Err(invalid()),
        }
    }
    pending.reverse();
    let mut resolved: Vec<PathBuf> = Vec::new();
    let mut hops = 0;
    while let Some(next) = pending.pop() {
        let candidate = resolved
            .iter()
            .fold(volume_dir.to_path_buf(), |p, c| p.join(c))
            .join(&next);
        let meta = fs::symlink_metadata(&candidate).map_err(|source| SubPathError::Io {
            mount: subpath.to_string(),
            path: candidate.clone(),
            source,
        })?;
        if !meta.file_type().is_symlink() {
            resolved.push(next);
            continue;
        }
        hops += 1;
        if hops > 40 {
            return Err(escapes());
        }
        let target = fs::read_link(&candidate).map_err(|source| SubPathError::Io {
            mount: subpath.to_string(),
            path: candidate.clone(),
            source,
        })?;
        let mut spliced = Vec::new();
        for c in target.components() {
            match c {
                Component::Normal(n) => spliced.push(PathBuf::from(n)),
                Component::CurDir => {}
                Component::ParentDir => {
                    if resolved.pop().is_none() {
                        return Err(escapes());
                    }
                }
                Component::RootDir | Component::Prefix(_) => return Err(escapes()),
            }
        }
        pending.extend(spliced.into_iter().rev());
    }
    Ok(resolved
        .iter()
        .fold(volume_dir.to_path_buf(), |p, c| p.join(c)))
}

/// Pins the resolved subPath at `dest` as a plain copy with the same modes: what a container
/// sees through kubelet's bind mount, made visible without mount privileges. The copy is made
/// beside `dest` and renamed over it, so a reader never sees a half-written file.
pub fn pin_copy(resolved: &Path, dest: &Path, mount: &str) -> Result<(), SubPathError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        let mount = mount.to_string();
        move |source| SubPathError::Io {
            mount,
            path,
            source,
        }
    };
    let meta = fs::metadata(resolved).map_err(io_err(resolved))?;
    let staging = dest.with_file_name(format!(
        ".{}.kubedrill-tmp",
        dest.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("subpath")
    ));
    remove_any(&staging).map_err(io_err(&staging))?;
    if meta.is_dir() {
        copy_dir(resolved, &staging).map_err(io_err(resolved))?;
    } else {
        fs::copy(resolved, &staging).map_err(io_err(&staging))?;
    }
    fs::set_permissions(
        &staging,
        fs::Permissions::from_mode(meta.permissions().mode()),
    )
    .map_err(io_err(&staging))?;
    if fs::symlink_metadata(dest).is_ok_and(|m| m.is_dir()) {
        fs::remove_dir_all(dest).map_err(io_err(dest))?;
    }
    fs::rename(&staging, dest).map_err(io_err(dest))
}

fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Copies a resolved directory subPath, following links the way a reader inside the bind mount
/// would see them.
fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let meta = fs::metadata(&src)?;
        if meta.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            fs::copy(&src, &dst)?;
        }
        fs::set_permissions(&dst, fs::Permissions::from_mode(meta.permissions().mode()))?;
    }
    Ok(())
}

//! Inside the new mount namespace: making a mountPath exist without touching the host (the
//! *mirror* described in the module docs of [`super`]) and bind-mounting volumes onto it.
//!
//! It owns the mount mechanics only; it must not decide which volumes are mounted or in which
//! order (`ns_exec` follows the spec's order) and it never writes to the host's filesystem.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, StatVfsMountFlags};
use rustix::mount::{MountFlags, UnmountFlags};

use super::child_error::{ChildError, fd_path, os_message, quoted};
use super::spec::MountSpec;

/// A private tmpfs holding the mirrors, mounted over `<scratch>/ns` inside the namespace and
/// addressed through a descriptor, so it stays reachable after the root changes.
pub(crate) struct Workspace {
    /// Where it is mounted (canonical host path).
    visible: PathBuf,
    /// Its root directory.
    fd: OwnedFd,
    /// Its device: a directory on it is ours to create entries in.
    dev: u64,
    /// Mirrors made so far (names them).
    mirrors: usize,
}

fn io_err(e: rustix::io::Errno) -> io::Error {
    e.into()
}

/// Adds what was being done to an OS error, keeping its kind.
fn ctx(what: &str, path: &Path) -> impl FnOnce(io::Error) -> io::Error {
    move |e| {
        io::Error::new(
            e.kind(),
            format!("{what} {}: {}", path.display(), os_message(&e)),
        )
    }
}

fn ctx_errno(what: &str, path: &Path) -> impl FnOnce(rustix::io::Errno) -> io::Error {
    let f = ctx(what, path);
    move |e| f(e.into())
}

impl Workspace {
    /// Mounts the tmpfs at `at` (creating the directory in the scratch dir if needed).
    pub(crate) fn mount(at: &Path) -> Result<Self, ChildError> {
        let fail = |what: &str, e: io::Error| {
            ChildError::setup(format!(
                "namespace workspace {}: {what}: {}",
                at.display(),
                os_message(&e)
            ))
        };
        fs::create_dir_all(at).map_err(|e| fail("mkdir", e))?;
        let visible = fs::canonicalize(at).map_err(|e| fail("resolving", e))?;
        rustix::mount::mount(
            "kubedrill",
            &visible,
            "tmpfs",
            MountFlags::NOSUID | MountFlags::NODEV,
            c"mode=0755",
        )
        .map_err(|e| fail("mounting tmpfs", io_err(e)))?;
        let fd = rustix::fs::open(
            &visible,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| fail("opening", io_err(e)))?;
        let dev = rustix::fs::fstat(&fd)
            .map_err(|e| fail("stat", io_err(e)))?
            .st_dev;
        Ok(Self {
            visible,
            fd,
            dev,
            mirrors: 0,
        })
    }

    /// Whether `dir` is a directory on the workspace (inside a mirror we installed), where
    /// entries can be created without touching the host.
    fn is_ours(&self, dir: &Path) -> bool {
        fs::metadata(dir).is_ok_and(|md| md.dev() == self.dev)
    }

    /// Detaches the workspace from `<scratch>/ns`, so the container does not see it; the
    /// mirrors stay mounted where they were installed.
    pub(crate) fn hide(&self) {
        let _ = rustix::mount::unmount(&self.visible, UnmountFlags::DETACH);
    }

    /// Builds a mirror of `dir`: a workspace directory with one entry per entry of `dir`
    /// (recursive binds of directories and files, copies of symlinks). Returns its path.
    fn mirror(&mut self, dir: &Path) -> io::Result<PathBuf> {
        let mirror = fd_path(&self.fd).join(format!("mirror{}", self.mirrors));
        self.mirrors += 1;
        fs::create_dir(&mirror).map_err(ctx("creating", &mirror))?;
        if dir == Path::new("/") {
            // A mount point of its own, so it can be moved onto `/`.
            rustix::mount::mount_bind(&mirror, &mirror).map_err(ctx_errno("binding", &mirror))?;
        }
        for entry in fs::read_dir(dir).map_err(ctx("listing", dir))? {
            let entry = entry?;
            let name = entry.file_name();
            let (src, dst) = (dir.join(&name), mirror.join(&name));
            let file_type = entry.file_type()?;
            if file_type.is_symlink() {
                let link = fs::read_link(&src).map_err(ctx("reading", &src))?;
                std::os::unix::fs::symlink(link, &dst).map_err(ctx("creating", &dst))?;
                continue;
            }
            if file_type.is_dir() {
                fs::create_dir(&dst).map_err(ctx("creating", &dst))?;
            } else {
                fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&dst)
                    .map_err(ctx("creating", &dst))?;
            }
            match rustix::mount::mount_bind_recursive(&src, &dst) {
                Ok(()) => {}
                // Gone since it was listed.
                Err(rustix::io::Errno::NOENT) => {
                    let _ = fs::remove_dir(&dst).or_else(|_| fs::remove_file(&dst));
                }
                Err(e) => return Err(ctx_errno("binding", &src)(e)),
            }
        }
        // The recursive binds copied the workspace itself when it lies below `dir`: drop that
        // copy, or the container would see it and later mirrors would nest copies of copies.
        if let Ok(rel) = self.visible.strip_prefix(dir)
            && !rel.as_os_str().is_empty()
        {
            let _ = rustix::mount::unmount(mirror.join(rel), UnmountFlags::DETACH);
        }
        Ok(mirror)
    }
}

/// Makes `container_path` exist (a directory, or an empty file when `want_dir` is false)
/// without touching the host, then bind-mounts the source onto it.
pub(crate) fn mount_volume(
    ws: &mut Workspace,
    m: &MountSpec,
    source: BorrowedFd<'_>,
) -> Result<(), ChildError> {
    let target = &m.container_path;
    let fail = |reason: String| {
        ChildError::mount(
            target,
            format!(
                "error mounting {} to rootfs at {}: {reason}",
                quoted(&m.host_path),
                quoted(target)
            ),
        )
    };
    let want_dir = rustix::fs::fstat(source)
        .map(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_dir())
        .map_err(|e| fail(format!("stat: {}", os_message(&e.into()))))?;
    ensure_mount_point(ws, target, want_dir).map_err(|e| fail(os_message(&e)))?;
    rustix::mount::mount_bind_recursive(fd_path(source), target)
        .map_err(|e| fail(os_message(&e.into())))?;
    if m.read_only {
        remount_read_only(target)
            .map_err(|e| fail(format!("remount read-only: {}", os_message(&e))))?;
    }
    Ok(())
}

/// Creates `target` when missing: below a mirror of its deepest existing ancestor (or
/// directly, when that ancestor already is inside one of our mirrors).
fn ensure_mount_point(ws: &mut Workspace, target: &Path, want_dir: bool) -> io::Result<()> {
    match fs::metadata(target) {
        // A type mismatch is left to mount(2), which answers "not a directory".
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut missing: Vec<&OsStr> = Vec::new();
    let mut cur = target;
    let ancestor = loop {
        let (Some(name), Some(parent)) = (cur.file_name(), cur.parent()) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid mount path",
            ));
        };
        missing.push(name);
        match fs::metadata(parent) {
            Ok(md) if md.is_dir() => break parent,
            Ok(_) => {
                return Err(io::Error::from_raw_os_error(
                    rustix::io::Errno::NOTDIR.raw_os_error(),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => cur = parent,
            Err(e) => return Err(e),
        }
    };
    missing.reverse();
    let ancestor = fs::canonicalize(ancestor)?;
    if ws.is_ours(&ancestor) {
        return create_missing(&ancestor, &missing, want_dir);
    }
    let mirror = ws.mirror(&ancestor)?;
    create_missing(&mirror, &missing, want_dir)?;
    install_mirror(&mirror, &ancestor)
}

fn create_missing(base: &Path, missing: &[&OsStr], want_dir: bool) -> io::Result<()> {
    let mut path = base.to_path_buf();
    for (i, name) in missing.iter().enumerate() {
        path.push(name);
        if i + 1 == missing.len() && !want_dir {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o644)
                .open(&path)?;
        } else {
            fs::create_dir(&path)?;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// Puts the mirror in place of `dir`, with `dir`'s mode and (when allowed) owner. For `/`
/// the mirror becomes the root: moved onto `/`, then `chroot` into it.
fn install_mirror(mirror: &Path, dir: &Path) -> io::Result<()> {
    let md = fs::metadata(dir).map_err(ctx("stat", dir))?;
    fs::set_permissions(mirror, fs::Permissions::from_mode(md.mode() & 0o7777))
        .map_err(ctx("chmod", mirror))?;
    // In a user namespace the owner may be unmapped; the mirror then stays ours.
    let _ = std::os::unix::fs::chown(mirror, Some(md.uid()), Some(md.gid()));
    if dir == Path::new("/") {
        std::env::set_current_dir(mirror).map_err(ctx("chdir", mirror))?;
        rustix::mount::mount_move(".", "/").map_err(ctx_errno("moving the mirror of /", mirror))?;
        rustix::process::chroot(".").map_err(ctx_errno("chroot", mirror))?;
        std::env::set_current_dir("/").map_err(ctx("chdir", Path::new("/")))?;
    } else {
        rustix::mount::mount_bind_recursive(mirror, dir)
            .map_err(ctx_errno("installing mirror on", dir))?;
    }
    Ok(())
}

/// Remounts the bind at `target` read-only, keeping the flags a user namespace may not drop
/// (nosuid, nodev, noexec, atime flags).
fn remount_read_only(target: &Path) -> io::Result<()> {
    let current = rustix::fs::statvfs(target).map_err(io_err)?.f_flag;
    let mut flags = MountFlags::BIND | MountFlags::RDONLY;
    for (have, keep) in [
        (StatVfsMountFlags::NOSUID, MountFlags::NOSUID),
        (StatVfsMountFlags::NODEV, MountFlags::NODEV),
        (StatVfsMountFlags::NOEXEC, MountFlags::NOEXEC),
        (StatVfsMountFlags::NOATIME, MountFlags::NOATIME),
        (StatVfsMountFlags::NODIRATIME, MountFlags::NODIRATIME),
        (StatVfsMountFlags::RELATIME, MountFlags::RELATIME),
    ] {
        if current.contains(have) {
            flags |= keep;
        }
    }
    rustix::mount::mount_remount(target, flags, "").map_err(io_err)
}

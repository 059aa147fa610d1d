//! Scratch directories that know their owner, so a run killed with `SIGKILL` (no destructor
//! runs) does not leave its directory — projected Secret values included — behind forever.
//!
//! Each scenario's scratch directory `kubedrill-XXXXXX` (0700, in the temp dir) holds a lock
//! file [`OWNER_FILE`] on which the owning kubedrill keeps an exclusive `flock` for as long as
//! it runs; the kernel drops the lock when the process dies, however it dies. The lock file is
//! locked *before* it gets its name (it is created as [`OWNER_FILE_TMP`] and renamed), so a
//! directory with an unlocked owner file is always one whose owner is gone. A run started
//! with `--keep` also gets a [`KEPT_FILE`] marker: its directory is the user's and is never
//! swept.
//!
//! [`sweep_stale`] (called when `kubedrill run` starts) removes every directory of a dead
//! owner; directories without an owner file (another program's, or an older kubedrill's) are
//! left alone, symlinks are never followed, and other users' directories are not touched.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::FlockOperation;

/// The prefix of every scratch directory's name.
pub const PREFIX: &str = "kubedrill-";
/// The owner's lock file in a scratch directory (it also holds the owner's pid, for people).
pub const OWNER_FILE: &str = ".kubedrill-owner";
/// The owner file's name until it is locked.
const OWNER_FILE_TMP: &str = ".kubedrill-owner.tmp";
/// Marks a directory kept by `--keep`: never swept.
pub const KEPT_FILE: &str = ".kubedrill-kept";

/// A scenario's scratch directory, removed when dropped unless [`ScratchDir::keep`] is called.
#[derive(Debug)]
pub struct ScratchDir {
    dir: Option<tempfile::TempDir>,
    /// Holds the owner lock while open.
    _lock: File,
}

impl ScratchDir {
    /// Creates a private (0700) scratch directory in `root` (default: the temp dir), owned by
    /// this process. `keep` marks it as kept from the start, so even a killed run's directory
    /// survives the next sweep.
    pub fn create(root: Option<&Path>, keep: bool) -> io::Result<Self> {
        let mut builder = tempfile::Builder::new();
        builder
            .prefix(PREFIX)
            .permissions(fs::Permissions::from_mode(0o700));
        let dir = match root {
            Some(root) => builder.tempdir_in(root)?,
            None => builder.tempdir()?,
        };
        let tmp = dir.path().join(OWNER_FILE_TMP);
        let mut lock = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)?;
        rustix::fs::flock(&lock, FlockOperation::NonBlockingLockExclusive)?;
        writeln!(lock, "{}", std::process::id())?;
        if keep {
            File::create(dir.path().join(KEPT_FILE))?;
        }
        fs::rename(&tmp, dir.path().join(OWNER_FILE))?;
        super::process::watch_dir(dir.path());
        Ok(ScratchDir {
            dir: Some(dir),
            _lock: lock,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }

    /// Keeps the directory (marked kept, so no sweep removes it) and returns its path.
    pub fn keep(mut self) -> PathBuf {
        let Some(dir) = self.dir.take() else {
            return PathBuf::new();
        };
        let _ = File::create(dir.path().join(KEPT_FILE));
        super::process::unwatch_dir(dir.path());
        dir.keep()
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let path = dir.path().to_path_buf();
            drop(dir);
            super::process::unwatch_dir(&path);
        }
    }
}

/// What [`sweep_stale`] did.
#[derive(Debug, Default)]
pub struct Sweep {
    /// Directories of dead owners that were removed.
    pub removed: Vec<PathBuf>,
    /// Directories of dead owners that could not be removed, and why.
    pub failed: Vec<(PathBuf, io::Error)>,
}

/// Whether the run that owns scratch directory `dir` is still alive: its owner file is
/// locked. A directory that does not exist has no live owner; one without an owner file is
/// treated as alive (not ours to judge).
pub fn owner_alive(dir: &Path) -> bool {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return false,
        Err(_) => return true,
        Ok(md) if !md.is_dir() => return true,
        Ok(_) => {}
    }
    let lock = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(dir.join(OWNER_FILE))
    {
        Ok(f) => f,
        Err(_) => return true,
    };
    // Taking the lock for a moment does not disturb a live owner (it never locks again);
    // dropping `lock` releases it.
    rustix::fs::flock(&lock, FlockOperation::NonBlockingLockExclusive).is_err()
}

/// Removes the scratch directories in `root` whose owner died (see the module docs).
pub fn sweep_stale(root: &Path) -> Sweep {
    let mut sweep = Sweep::default();
    let Ok(entries) = fs::read_dir(root) else {
        return sweep;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let dir = entry.path();
        match remove_orphaned(&dir) {
            Some(Ok(())) => sweep.removed.push(dir),
            Some(Err(e)) => sweep.failed.push((dir, e)),
            None => {}
        }
    }
    sweep
}

/// Removes `dir` if it is a scratch directory of a dead owner that was not kept; whether it
/// is gone (for the watchdog, which removes its own kubedrill's directories this way).
pub(crate) fn remove_if_orphaned(dir: &Path) -> bool {
    match remove_orphaned(dir) {
        Some(Ok(())) => true,
        Some(Err(_)) => false,
        // Already gone, kept, not ours, or its owner still holds the lock.
        None => !dir.exists() || fs::symlink_metadata(dir.join(KEPT_FILE)).is_ok(),
    }
}

/// `None` when `dir` is not removable: not a directory of ours (symlinks are not followed:
/// a `kubedrill-x -> /home` link is no scratch directory), without an owner file, kept, or
/// its owner alive. Else the result of removing it.
fn remove_orphaned(dir: &Path) -> Option<io::Result<()>> {
    let md = fs::symlink_metadata(dir).ok()?;
    if !md.is_dir() || md.uid() != rustix::process::geteuid().as_raw() {
        return None;
    }
    if fs::symlink_metadata(dir.join(KEPT_FILE)).is_ok() {
        return None;
    }
    let lock = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(dir.join(OWNER_FILE))
        .ok()?;
    if rustix::fs::flock(&lock, FlockOperation::NonBlockingLockExclusive).is_err() {
        return None; // a live run
    }
    // `remove_dir_all` never follows symlinks inside the tree. The lock is held until the
    // directory is gone, so a concurrent sweep skips it.
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        r => Some(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_dir_is_kept_and_a_dead_one_swept() {
        let root = tempfile::tempdir().unwrap();
        let live = ScratchDir::create(Some(root.path()), false).unwrap();
        assert!(owner_alive(live.path()));
        // A dead owner: the owner file exists, nobody holds its lock.
        let dead = root.path().join("kubedrill-dead");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join(OWNER_FILE), "1\n").unwrap();
        fs::write(dead.join("secret"), "x").unwrap();
        // A dead owner's kept dir, a dir without owner file, and a symlink to a dead dir.
        let kept = root.path().join("kubedrill-kept");
        fs::create_dir(&kept).unwrap();
        fs::write(kept.join(OWNER_FILE), "1\n").unwrap();
        fs::write(kept.join(KEPT_FILE), "").unwrap();
        let foreign = root.path().join("kubedrill-foreign");
        fs::create_dir(&foreign).unwrap();
        let victim = tempfile::tempdir().unwrap();
        fs::write(victim.path().join(OWNER_FILE), "1\n").unwrap();
        std::os::unix::fs::symlink(victim.path(), root.path().join("kubedrill-link")).unwrap();

        assert!(!owner_alive(&dead));
        let sweep = sweep_stale(root.path());
        assert_eq!(sweep.removed, vec![dead.clone()]);
        assert!(!dead.exists());
        assert!(live.path().join(OWNER_FILE).exists(), "live run untouched");
        assert!(kept.exists() && foreign.exists());
        assert!(
            victim.path().join(OWNER_FILE).exists(),
            "symlink not followed"
        );

        let path = live.path().to_path_buf();
        drop(live);
        assert!(!path.exists(), "dropping removes it");
        assert!(!owner_alive(&path));
    }

    #[test]
    fn kept_dir_survives_the_sweep_after_its_owner_is_gone() {
        let root = tempfile::tempdir().unwrap();
        let kept = ScratchDir::create(Some(root.path()), false).unwrap().keep();
        assert!(kept.join(KEPT_FILE).exists());
        assert!(sweep_stale(root.path()).removed.is_empty());
        assert!(kept.exists());
    }
}

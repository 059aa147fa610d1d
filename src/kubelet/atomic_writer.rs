//! kubelet's AtomicWriter (`pkg/volume/util/atomic_writer.go`), reproduced step for step (§1).
//!
//! Every ConfigMap, Secret and projected volume reaches a container through this writer. It never
//! modifies a file an app has open: it writes a complete new timestamped directory, then swaps the
//! `..data` symlink to it with one `rename(2)`, then deletes the previous directory. Apps that
//! watch a file path, cache a file descriptor, or filter on MODIFY events break on exactly this
//! sequence, which is why kubedrill reproduces it syscall for syscall rather than copying files.
//!
//! This module owns the on-disk layout of one volume directory and nothing else: what goes into
//! the payload is [`super::payload`]'s job, ownership changes are the caller's `set_perms` hook
//! (step 7), and serialising writers is the caller's duty (§1.10).

//!
//! # Where kubedrill differs from a literal port, and why
//!
//! - **No path is followed.** Every operation is relative to a descriptor of the volume
//!   directory ([`AnchoredDir`]): a symlink kubedrill did not make (a planted `..data -> ..evil`,
//!   a timestamped directory that is a link, a user-visible name pointing anywhere but
//!   `..data/<name>`) is refused with an error naming it, before anything is written. kubelet's own
//!   links are read with `readlinkat` and accepted only in their exact shapes.
//! - **Which old files are read (step 4).** kubelet's `shouldWritePayload` walks the payload in
//!   Go map order and stops at the first file that is missing or differs, so on an update it
//!   reads between none and all of the old files, depending on that random order; on a no-op it
//!   reads every file. When the caller knows the previous payload
//!   ([`AtomicWriter::write_with_previous`], the pod simulator) kubedrill visits the keys it
//!   knows differ first: kubelet's shortest footprint (no read for an added key, one for a
//!   changed key), and the per-key report comes from the previous payload, without reading.
//!   Without it ([`AtomicWriter::write`], `kubedrill project`), the old files are read once,
//!   before deciding, and that one read serves both the decision and the report.
//! - **A file that becomes a directory, or the reverse.** When key `a` was a file and the
//!   new payload has `a/b` (or the reverse), kubelet's step 4 fails with ENOTDIR/EISDIR on that
//!   key — unless Go's map order happens to visit another key that is missing or differs first,
//!   in which case the write succeeds. The outcome on a node is therefore random per sync.
//!   kubedrill fails only where kubelet fails in every order: when no other key would trigger the
//!   write. Where kubelet may go either way, kubedrill writes.
//! - **Modes (§1.4).** kubelet converts the payload's int32 mode with `os.FileMode(mode)`, and Go
//!   passes only the permission bits of a FileMode to `open(2)` and `chmod(2)` (setuid, setgid and
//!   sticky are separate FileMode bits, never the low octal ones), so only `mode & 0777` reaches
//!   the file. kubedrill masks the same way.
//!
//! Recovering from a write that was interrupted (a `kill -9`, a failed step) is not the writer's
//! job either — kubelet's volume plugin tears the volume down after a failed write and sets it up
//! again on the next sync. [`recover_interrupted_write`] is that step, for callers.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::anchored::{AnchorError, AnchoredDir, EntryKind};

/// The live symlink that names the current timestamped directory (§1.1).
pub const DATA_DIR_NAME: &str = "..data";
/// The staging symlink renamed over [`DATA_DIR_NAME`] (§1.1).
pub const NEW_DATA_DIR_NAME: &str = "..data_tmp";
/// Longest payload path accepted (§1.8).
pub const MAX_PATH_LENGTH: usize = 4096;
/// Longest path segment accepted (§1.8).
pub const MAX_FILE_NAME_LENGTH: usize = 255;
/// The permission bits kubelet passes to the filesystem (see the module docs, §1.4).
pub const FILE_MODE_MASK: u32 = 0o777;

/// One file of a volume payload: its bytes, its exact mode, and an optional owner (§1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProjection {
    /// The file's bytes.
    pub data: Vec<u8>,
    /// The permission bits written with chmod, regardless of umask (only `mode & 0777` reaches
    /// the file, as in kubelet).
    pub mode: u32,
    /// Owner uid for projected serviceAccountToken files with fsUser set.
    pub fs_user: Option<u32>,
}

/// A volume's payload: relative path (as given by the user, cleaned by the writer) to file.
pub type Payload = BTreeMap<String, FileProjection>;

/// A payload after step 1: cleaned paths (borrowed where already clean) to files.
pub type CleanPayload<'a> = BTreeMap<Cow<'a, str>, &'a FileProjection>;

/// The ownership hook of step 7, called with the new timestamped directory's name (kubelet's
/// `setPerms`, which applies fsGroup).
pub type SetPerms<'a> = &'a dyn Fn(&str) -> io::Result<()>;

/// A step of [`AtomicWriter::write`] where a test may inject a failure (§1.9).
///
/// kubelet's own failure modes are mostly reachable for real (a stale `..data_tmp`, a payload
/// whose paths collide), but a failing `rename(2)` or `rmdir` cannot be provoked portably when
/// running as root, so the writer accepts one injected fault at a named step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// Writing a payload file (step 6).
    WriteFile,
    /// Creating the `..data_tmp` symlink (step 8).
    CreateTmpLink,
    /// Renaming `..data_tmp` over `..data` (step 9).
    Rename,
    /// Removing the previous timestamped directory (step 12).
    RemoveOldDir,
}

/// Writes payloads into one volume directory the way kubelet does.
#[derive(Debug)]
pub struct AtomicWriter {
    target_dir: PathBuf,
    anchor: Option<AnchoredDir>,
    log_context: String,
    fault: Option<FaultPoint>,
}

/// What one [`AtomicWriter::write`] did, for reports ("what changed per volume").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    /// Whether a new timestamped directory was written and `..data` swapped to it.
    pub swapped: bool,
    /// The timestamped directory `..data` pointed to before the write, if any.
    pub old_dir: Option<String>,
    /// The timestamped directory `..data` points to after the write.
    pub current_dir: Option<String>,
    /// Payload paths that did not exist before.
    pub added: Vec<String>,
    /// Payload paths whose bytes changed.
    pub changed: Vec<String>,
    /// Files of the previous version that are not in the payload.
    pub removed: Vec<String>,
    /// User-visible top-level symlinks created by step 10 (on a no-op: recreated ones, §1.6).
    pub links_created: Vec<String>,
}

impl WriteOutcome {
    /// True when nothing on disk changed.
    pub fn is_noop(&self) -> bool {
        !self.swapped && self.links_created.is_empty()
    }
}

/// Why a write failed; the message names the step and path as kubelet's log would.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A payload path broke a rule of §1.8.
    #[error("invalid path: {reason}: {path:?}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// Which rule it broke.
        reason: &'static str,
    },
    /// The target directory does not exist (§1.10).
    #[error("target directory {0} does not exist")]
    MissingTargetDir(PathBuf),
    /// `..data` points somewhere that is not a sibling directory.
    #[error(
        "{DATA_DIR_NAME} in {dir} points to {target:?}, outside the volume (hint: remove the volume directory and project again)"
    )]
    DataLinkEscapes {
        /// The volume directory.
        dir: PathBuf,
        /// Where the link points.
        target: PathBuf,
    },
    /// A symlink kubedrill did not make, or a path leaving the volume directory.
    #[error(transparent)]
    Planted(AnchorError),
    /// A filesystem operation failed.
    #[error("{context}: {action} {path}: {source}")]
    Io {
        /// The writer's log context (the volume).
        context: String,
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The caller's `set_perms` hook (ownership, step 7) failed.
    #[error("{context}: setting ownership of {dir}: {source}")]
    SetPerms {
        /// The writer's log context (the volume).
        context: String,
        /// The new timestamped directory's name.
        dir: String,
        /// The hook's error.
        #[source]
        source: io::Error,
    },
}

/// What step 4 found for one payload key in the old version.
enum OldFile {
    /// Not there (kubelet: `Lstat` says it does not exist): a write is needed.
    Missing,
    /// There with other bytes: a write is needed.
    Differs,
    /// There with the same bytes.
    Same,
    /// Neither readable nor missing (ENOTDIR, EISDIR): kubelet's step 4 returns this error.
    Unreadable(WriteError),
}

impl AtomicWriter {
    /// A writer for `target_dir`, which must exist before [`write`](Self::write) is called.
    /// `log_context` (e.g. `volume "config"`) prefixes error messages.
    pub fn new(target_dir: impl Into<PathBuf>, log_context: impl Into<String>) -> Self {
        AtomicWriter {
            target_dir: target_dir.into(),
            anchor: None,
            log_context: log_context.into(),
            fault: None,
        }
    }

    /// A writer for a volume directory the caller has already opened below its own anchor (so
    /// no symlink on the way to it was followed).
    pub fn in_dir(dir: AnchoredDir, log_context: impl Into<String>) -> Self {
        AtomicWriter {
            target_dir: dir.path().to_path_buf(),
            anchor: Some(dir),
            log_context: log_context.into(),
            fault: None,
        }
    }

    /// Makes the next writes fail at `point` with an injected error (tests of §1.9).
    pub fn with_fault(mut self, point: FaultPoint) -> Self {
        self.fault = Some(point);
        self
    }

    /// The volume directory this writer owns.
    pub fn target_dir(&self) -> &Path {
        &self.target_dir
    }

    /// Writes `payload` with kubelet's 12-step algorithm (§1.5). `set_perms` is called with the
    /// new timestamped directory's name after the files are written (step 7, fsGroup ownership).
    /// The old files are read once, before deciding (see the module docs).
    pub fn write(
        &self,
        payload: &Payload,
        set_perms: Option<SetPerms<'_>>,
    ) -> Result<WriteOutcome, WriteError> {
        self.write_with_previous(payload, None, set_perms)
    }

    /// [`write`](Self::write) for a caller that knows the payload it wrote last time
    /// (`previous`): the change report comes from it, and step 4 reads only as much of the old
    /// version as kubelet's shortest footprint does (see the module docs).
    pub fn write_with_previous(
        &self,
        payload: &Payload,
        previous: Option<&Payload>,
        set_perms: Option<SetPerms<'_>>,
    ) -> Result<WriteOutcome, WriteError> {
        // (1) validate every path, then clean it.
        let clean = validate_payload(payload)?;
        let opened;
        let dir = match &self.anchor {
            Some(dir) => dir,
            None => {
                opened = self.open_target()?;
                &opened
            }
        };

        // (2) find the current timestamped directory.
        let old_ts = match dir.read_link(DATA_DIR_NAME) {
            Ok(Some(target)) => Some(self.checked_ts_name(dir, Path::new(&target))?),
            Ok(None) => None,
            Err(e) => return Err(self.fs("reading link", DATA_DIR_NAME, e)),
        };
        // The old version, opened once (an O_PATH handle: no event); a timestamped dir that is a
        // symlink is refused here, before anything is written, as are foreign user-visible links.
        let old_dir = match &old_ts {
            Some(old) => match dir.open_dir(old) {
                Ok(d) => Some(d),
                // kubelet: the walk finds nothing and every file is missing, so it writes.
                Err(e) if e.io_kind() == Some(io::ErrorKind::NotFound) => None,
                Err(e) => return Err(self.fs("reading old data directory", old, e)),
            },
            None => None,
        };
        self.check_user_visible_links(dir, &clean)?;

        let mut outcome = WriteOutcome {
            old_dir: old_ts.clone(),
            ..WriteOutcome::default()
        };
        let mut paths_to_remove = BTreeSet::new();
        let mut should_write = true;
        if let Some(old) = &old_dir {
            // (3) what the old version has that the new one does not.
            paths_to_remove = self.paths_to_remove(old, &clean)?;
            // (4) byte comparison (a mode-only change is not a change, §1.6).
            should_write = match previous {
                Some(prev) => self.decide_from_previous(old, &clean, prev, &mut outcome)?,
                None => self.decide_by_reading(old, &clean, &mut outcome)?,
            } || !paths_to_remove.is_empty();
        } else {
            outcome.added = clean.keys().map(|k| k.to_string()).collect();
        }

        if should_write {
            // (5) new timestamped dir, 0755 regardless of umask.
            let ts_name = self.new_timestamp_dir(dir)?;
            // (6) write every file with its exact mode.
            let ts_dir = dir
                .open_dir(&ts_name)
                .map_err(|e| self.fs("opening new data directory", &ts_name, e))?;
            self.write_payload_to_dir(&ts_dir, &clean, &ts_name)?;
            // (7) ownership (fsGroup), via the caller.
            if let Some(set_perms) = set_perms {
                set_perms(&ts_name).map_err(|source| WriteError::SetPerms {
                    context: self.log_context.clone(),
                    dir: ts_name.clone(),
                    source,
                })?;
            }
            // (8) ..data_tmp -> new dir; on failure the new dir is removed.
            if let Err(e) = self
                .inject_anchor(FaultPoint::CreateTmpLink, NEW_DATA_DIR_NAME)
                .and_then(|()| dir.symlink(&ts_name, NEW_DATA_DIR_NAME))
            {
                let _ = dir.remove_all(&ts_name);
                return Err(self.fs(
                    "creating symbolic link for atomic update",
                    NEW_DATA_DIR_NAME,
                    e,
                ));
            }
            // (9) the atomic switch; on failure both the link and the new dir are removed.
            if let Err(e) = self
                .inject_anchor(FaultPoint::Rename, NEW_DATA_DIR_NAME)
                .and_then(|()| dir.rename(NEW_DATA_DIR_NAME, DATA_DIR_NAME))
            {
                let _ = dir.unlink(NEW_DATA_DIR_NAME);
                let _ = dir.remove_all(&ts_name);
                return Err(self.fs(
                    "renaming symbolic link for data directory",
                    NEW_DATA_DIR_NAME,
                    e,
                ));
            }
            outcome.swapped = true;
            outcome.current_dir = Some(ts_name);
            outcome.removed = paths_to_remove
                .iter()
                .filter(|p| {
                    !old_dir
                        .as_ref()
                        .is_some_and(|old| matches!(old.kind(p.as_str()), Ok(Some(EntryKind::Dir))))
                })
                .cloned()
                .collect();
        } else {
            outcome.current_dir = old_ts.clone();
        }

        // (10) user-visible top-level links: create the missing ones (also on a no-op, §1.6).
        outcome.links_created = self.create_user_visible_files(dir, &clean)?;
        // (11) remove top-level entries that disappeared (§1.7).
        self.remove_user_visible_paths(dir, &paths_to_remove)?;
        // (12) remove the previous version.
        if should_write && let Some(old) = &old_ts {
            self.inject_anchor(FaultPoint::RemoveOldDir, old)
                .and_then(|()| dir.remove_all(old))
                .map_err(|e| self.fs("removing old data directory", old, e))?;
        }
        Ok(outcome)
    }

    /// Opens the target directory given by path; the directory itself must not be a symlink.
    fn open_target(&self) -> Result<AnchoredDir, WriteError> {
        match std::fs::symlink_metadata(&self.target_dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(WriteError::MissingTargetDir(self.target_dir.clone()));
            }
            Ok(md) if md.file_type().is_symlink() => {
                return Err(WriteError::Planted(AnchorError::PlantedLink {
                    path: self.target_dir.clone(),
                    target: std::fs::read_link(&self.target_dir)
                        .map(|t| t.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                }));
            }
            Ok(md) if !md.is_dir() => {
                return Err(WriteError::MissingTargetDir(self.target_dir.clone()));
            }
            _ => {}
        }
        AnchoredDir::open(&self.target_dir).map_err(|e| match e.io_kind() {
            Some(io::ErrorKind::NotFound) => WriteError::MissingTargetDir(self.target_dir.clone()),
            _ => WriteError::Planted(e),
        })
    }

    /// Accepts `..data`'s target only as a bare sibling name, so a tampered link can never make
    /// the writer read or delete outside the volume.
    fn checked_ts_name(&self, dir: &AnchoredDir, target: &Path) -> Result<String, WriteError> {
        match checked_sibling(target) {
            Some(s) => Ok(s.to_string()),
            None => Err(WriteError::DataLinkEscapes {
                dir: dir.path().to_path_buf(),
                target: target.to_path_buf(),
            }),
        }
    }

    /// A user-visible name that is a symlink must be kubelet's own `name -> ..data/name`; any
    /// other link is foreign and refused (kubelet would leave it, and the app would read through
    /// it). Regular files and directories in the way are left alone, as kubelet does.
    fn check_user_visible_links(
        &self,
        dir: &AnchoredDir,
        payload: &CleanPayload<'_>,
    ) -> Result<(), WriteError> {
        for first in first_segments(payload) {
            if let Ok(Some(target)) = dir.read_link(first)
                && Path::new(&target) != Path::new(DATA_DIR_NAME).join(first)
            {
                return Err(self.planted(dir, first));
            }
        }
        Ok(())
    }

    fn planted(&self, dir: &AnchoredDir, name: &str) -> WriteError {
        WriteError::Planted(AnchorError::PlantedLink {
            path: dir.display_path(name),
            target: dir
                .read_link(name)
                .ok()
                .flatten()
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default(),
        })
    }

    fn inject_anchor(&self, point: FaultPoint, rel: &str) -> Result<(), AnchorError> {
        if self.fault == Some(point) {
            Err(AnchorError::Io {
                action: "injected fault at",
                path: self.target_dir.join(rel),
                source: io::Error::other(format!("injected fault at {point:?}")),
            })
        } else {
            Ok(())
        }
    }

    /// Maps an error below the anchor to the writer's error: a planted link stays itself, an OS
    /// error is reported with the writer's context and kubelet's wording for the step.
    fn fs(&self, action: &'static str, rel: impl AsRef<Path>, e: AnchorError) -> WriteError {
        match e {
            AnchorError::Io { source, .. } => WriteError::Io {
                context: self.log_context.clone(),
                action,
                path: self.target_dir.join(rel),
                source,
            },
            other => WriteError::Planted(other),
        }
    }

    /// Step 3: every file and directory of the old version that is neither a payload path nor a
    /// parent of one (Go's `filepath.Walk`: each directory opened once, nothing followed).
    fn paths_to_remove(
        &self,
        old: &AnchoredDir,
        payload: &CleanPayload<'_>,
    ) -> Result<BTreeSet<String>, WriteError> {
        let mut existing = BTreeSet::new();
        match walk_relative(old, "", &mut existing) {
            Ok(()) => {}
            Err(e) if e.io_kind() == Some(io::ErrorKind::NotFound) => return Ok(BTreeSet::new()),
            Err(e) => return Err(self.fs("walking old data directory", old.path(), e)),
        }
        for path in payload.keys() {
            let mut p: &str = path;
            loop {
                existing.remove(p);
                match p.rfind('/') {
                    Some(i) => p = &p[..i],
                    None => break,
                }
            }
        }
        Ok(existing)
    }

    /// kubelet's `shouldWriteFile` for one key: `Lstat`, then read and compare.
    fn old_file(&self, old: &AnchoredDir, path: &str, data: &[u8]) -> OldFile {
        let rel = Path::new(path);
        match old.stat(rel) {
            Ok(None) => return OldFile::Missing,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return OldFile::Missing,
            Err(e @ AnchorError::PlantedLink { .. }) => {
                return OldFile::Unreadable(WriteError::Planted(e));
            }
            // ENOTDIR is not "does not exist" to Go's os.IsNotExist: the read below fails.
            _ => {}
        }
        match old.read_file(rel) {
            Ok(Some(on_disk)) if on_disk == data => OldFile::Same,
            Ok(Some(_)) => OldFile::Differs,
            Ok(None) => OldFile::Missing,
            Err(e) => OldFile::Unreadable(self.fs("reading", old.display_path(rel), e)),
        }
    }

    /// Step 4 without a previous payload: every old file is read once, which serves both the
    /// decision and the per-key report.
    fn decide_by_reading(
        &self,
        old: &AnchoredDir,
        payload: &CleanPayload<'_>,
        outcome: &mut WriteOutcome,
    ) -> Result<bool, WriteError> {
        let mut unreadable = None;
        let mut needs_write = false;
        for (path, file) in payload {
            match self.old_file(old, path, &file.data) {
                OldFile::Missing => {
                    outcome.added.push(path.to_string());
                    needs_write = true;
                }
                OldFile::Differs => {
                    outcome.changed.push(path.to_string());
                    needs_write = true;
                }
                OldFile::Same => {}
                OldFile::Unreadable(e @ WriteError::Planted(_)) => return Err(e),
                OldFile::Unreadable(e) => {
                    // A file that became a directory or the reverse: reported as changed.
                    outcome.changed.push(path.to_string());
                    unreadable.get_or_insert(e);
                }
            }
        }
        self.settle(needs_write, unreadable, outcome)
    }

    /// Step 4 with the previous payload known: report from it, then check the disk as kubelet
    /// does, visiting the keys known to differ first and stopping at the first that needs a
    /// write.
    fn decide_from_previous(
        &self,
        old: &AnchoredDir,
        payload: &CleanPayload<'_>,
        previous: &Payload,
        outcome: &mut WriteOutcome,
    ) -> Result<bool, WriteError> {
        let prev: BTreeMap<Cow<'_, str>, &FileProjection> = previous
            .iter()
            .filter(|(k, _)| validate_path(k).is_ok())
            .map(|(k, f)| (clean_path(k), f))
            .collect();
        let mut first = Vec::new();
        let mut rest = Vec::new();
        for (path, file) in payload {
            match prev.get(path) {
                None => {
                    outcome.added.push(path.to_string());
                    first.push((path, file));
                }
                Some(p) if p.data != file.data => {
                    outcome.changed.push(path.to_string());
                    first.push((path, file));
                }
                Some(_) => rest.push((path, file)),
            }
        }
        let mut unreadable = None;
        let mut needs_write = false;
        for (path, file) in first.into_iter().chain(rest) {
            match self.old_file(old, path, &file.data) {
                OldFile::Missing | OldFile::Differs => {
                    needs_write = true;
                    break;
                }
                OldFile::Same => {}
                OldFile::Unreadable(e @ WriteError::Planted(_)) => return Err(e),
                OldFile::Unreadable(e) => {
                    unreadable.get_or_insert(e);
                }
            }
        }
        self.settle(needs_write, unreadable, outcome)
    }

    /// kubelet fails step 4 on an unreadable key unless Go's map order reaches a key that needs
    /// a write first; kubedrill fails only when no key does (see the module docs).
    fn settle(
        &self,
        needs_write: bool,
        unreadable: Option<WriteError>,
        outcome: &mut WriteOutcome,
    ) -> Result<bool, WriteError> {
        match unreadable {
            Some(e) if !needs_write => {
                outcome.added.clear();
                outcome.changed.clear();
                Err(e)
            }
            _ => Ok(needs_write),
        }
    }

    /// Step 5: `os.MkdirTemp(target, "..2006_01_02_15_04_05.")` then chmod 0755.
    fn new_timestamp_dir(&self, dir: &AnchoredDir) -> Result<String, WriteError> {
        let prefix = timestamp_prefix(SystemTime::now());
        let mut last_err = None;
        // Go's MkdirTemp retries on a name collision (10,000 tries); ten is plenty here.
        for _ in 0..10 {
            let name = format!("{prefix}{}", rand::random::<u32>());
            match dir.mkdir(&name, 0o700) {
                Ok(true) => {
                    dir.chmod(&name, 0o755)
                        .map_err(|e| self.fs("setting mode on new temp directory", &name, e))?;
                    return Ok(name);
                }
                Ok(false) => {
                    last_err = Some(AnchorError::Io {
                        action: "creating",
                        path: dir.display_path(&name),
                        source: io::ErrorKind::AlreadyExists.into(),
                    })
                }
                Err(e) if e.io_kind() == Some(io::ErrorKind::AlreadyExists) => last_err = Some(e),
                Err(e) => return Err(self.fs("creating new temp directory", &name, e)),
            }
        }
        let e = last_err.unwrap_or_else(|| AnchorError::Io {
            action: "creating",
            path: dir.path().to_path_buf(),
            source: io::Error::other("name collision"),
        });
        Err(self.fs("creating new temp directory", "", e))
    }

    /// Step 6: parents with `MkdirAll(0777 & ~umask)`, file with `WriteFile`, then chmod to
    /// `mode & 0777` and optional chown (§1.4).
    fn write_payload_to_dir(
        &self,
        ts_dir: &AnchoredDir,
        payload: &CleanPayload<'_>,
        ts_name: &str,
    ) -> Result<(), WriteError> {
        let ts = Path::new(ts_name);
        let mut made: BTreeSet<PathBuf> = BTreeSet::new();
        for (path, file) in payload {
            let rel = Path::new(path.as_ref());
            let full = ts.join(rel);
            let mut parent = PathBuf::new();
            let segments: Vec<&str> = path.split('/').collect();
            for seg in &segments[..segments.len().saturating_sub(1)] {
                parent.push(seg);
                if made.contains(&parent) {
                    continue;
                }
                ts_dir
                    .mkdir(&parent, 0o777)
                    .map_err(|e| self.fs("unable to create directory", ts.join(&parent), e))?;
                made.insert(parent.clone());
            }
            let mode = file.mode & FILE_MODE_MASK;
            self.inject_anchor(FaultPoint::WriteFile, path)
                .and_then(|()| ts_dir.write_file(rel, &file.data, mode))
                .map_err(|e| self.fs("unable to write file", &full, e))?;
            // The file was just created with O_NOFOLLOW in a directory only this writer knows.
            ts_dir
                .chmod_created(rel, mode)
                .map_err(|e| self.fs("unable to set mode of file", &full, e))?;
            if let Some(uid) = file.fs_user {
                ts_dir
                    .lchown(rel, Some(uid), None)
                    .map_err(|e| self.fs("unable to change file owner", &full, e))?;
            }
        }
        Ok(())
    }

    /// Step 10: one relative symlink `first-segment -> ..data/first-segment` per top-level name
    /// that has no link yet.
    fn create_user_visible_files(
        &self,
        dir: &AnchoredDir,
        payload: &CleanPayload<'_>,
    ) -> Result<Vec<String>, WriteError> {
        let mut created = Vec::new();
        for first in first_segments(payload) {
            let missing = match dir.read_link(first) {
                Ok(None) => true,
                Err(e) if e.io_kind() == Some(io::ErrorKind::NotFound) => true,
                // kubelet ignores every other outcome, including a regular file in the way.
                _ => false,
            };
            if missing {
                let target = Path::new(DATA_DIR_NAME).join(first);
                dir.symlink(&target, first)
                    .map_err(|e| self.fs("creating user-visible symlink", first, e))?;
                created.push(first.to_string());
            }
        }
        Ok(created)
    }

    /// Step 11: remove top-level names (no `/`) that are gone; nested ones vanish with the old
    /// directory (§1.7). Like kubelet, try all and report the last error.
    fn remove_user_visible_paths(
        &self,
        dir: &AnchoredDir,
        paths: &BTreeSet<String>,
    ) -> Result<(), WriteError> {
        let mut last = None;
        for p in paths.iter().filter(|p| !p.contains('/')) {
            if let Err(e) = dir.unlink(p) {
                last = Some(self.fs("pruning old user-visible path", p, e));
            }
        }
        last.map_or(Ok(()), Err)
    }
}

/// The distinct first segments of the payload's paths, in order.
fn first_segments<'a>(payload: &'a CleanPayload<'_>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    payload
        .keys()
        .map(|p| p.split('/').next().unwrap_or(p))
        .filter(|f| seen.insert(*f))
        .collect()
}

/// A symlink target that is one bare sibling name starting with `..` (a timestamped dir).
fn checked_sibling(target: &Path) -> Option<&str> {
    let mut comps = target.components();
    match (comps.next(), comps.next()) {
        (Some(std::path::Component::Normal(name)), None) => match name.to_str() {
            Some(s) if s.starts_with("..") && s.len() > 2 => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// Collects every file and directory below `base/prefix` as a path relative to `base`, without
/// following symlinks (Go's `filepath.Walk`).
fn walk_relative(
    dir: &AnchoredDir,
    prefix: &str,
    out: &mut BTreeSet<String>,
) -> Result<(), AnchorError> {
    for (name, kind) in dir.entries(prefix)? {
        let name = name.to_string_lossy();
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        if kind == EntryKind::Dir {
            walk_relative(dir, &rel, out)?;
        }
        out.insert(rel);
    }
    Ok(())
}

/// Whether `name` has the shape of a timestamped directory: `..YYYY_MM_DD_HH_MM_SS.<digits>`.
pub fn is_timestamp_dir_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("..") else {
        return false;
    };
    let b = rest.as_bytes();
    if b.len() < 21 || b[19] != b'.' {
        return false;
    }
    let stamp_ok = b[..19].iter().enumerate().all(|(i, c)| match i {
        4 | 7 | 10 | 13 | 16 => *c == b'_',
        _ => c.is_ascii_digit(),
    });
    stamp_ok && b[20..].iter().all(u8::is_ascii_digit)
}

/// The volume plugin's recovery after an interrupted or failed write (issue: a `kill -9` during
/// `project`): on a node the plugin tears the volume down after a failed write and the next sync
/// sets it up again; kubedrill keeps the live version and removes only what the interrupted
/// write left behind — a stale `..data_tmp` (which would make every later write fail at step 8)
/// and timestamped directories that `..data` does not name. Returns one line per repair.
///
/// It is cheap when there is nothing to repair: an `lstat` of `..data_tmp` and the volume root's
/// link count (2 + one per subdirectory: exactly the live timestamped directory on a healthy
/// volume) decide whether the root must be listed, so a healthy volume raises no inotify event.
pub fn recover_interrupted_write(dir: &AnchoredDir) -> Result<Vec<String>, WriteError> {
    let planted = WriteError::Planted;
    let mut repairs = Vec::new();
    if dir.kind(NEW_DATA_DIR_NAME).map_err(planted)?.is_some() {
        dir.remove_all(NEW_DATA_DIR_NAME).map_err(planted)?;
        repairs.push(format!(
            "removed stale {NEW_DATA_DIR_NAME} left by an interrupted write"
        ));
    }
    let live = match dir.read_link(DATA_DIR_NAME) {
        Ok(Some(t)) => checked_sibling(Path::new(&t)).map(str::to_string),
        _ => None,
    };
    let live_is_dir = match &live {
        Some(l) => dir.kind(l).map_err(planted)? == Some(EntryKind::Dir),
        None => false,
    };
    #[allow(clippy::unnecessary_cast)] // nlink_t is not u64 on every target
    let nlink = dir.stat_self().map_err(planted)?.st_nlink as u64;
    let healthy = 2 + u64::from(live_is_dir);
    // Filesystems that do not count subdirectories (btrfs) report 1: always look.
    if nlink == healthy {
        return Ok(repairs);
    }
    for (name, _) in dir.entries("").map_err(planted)? {
        let Some(name) = name.to_str() else { continue };
        if is_timestamp_dir_name(name) && live.as_deref() != Some(name) {
            dir.remove_all(name).map_err(planted)?;
            repairs.push(format!(
                "removed orphaned {name} left by an interrupted write"
            ));
        }
    }
    Ok(repairs)
}

/// Step 1: validates every path (§1.8) and returns the payload keyed by cleaned paths. As in
/// kubelet, two spellings of one path collapse into one entry (the later key in order wins).
pub fn validate_payload(payload: &Payload) -> Result<CleanPayload<'_>, WriteError> {
    let mut clean = BTreeMap::new();
    for (path, file) in payload {
        validate_path(path)?;
        clean.insert(clean_path(path), file);
    }
    Ok(clean)
}

/// The rules of §1.8 (`validatePath`).
pub fn validate_path(path: &str) -> Result<(), WriteError> {
    let invalid = |reason| {
        Err(WriteError::InvalidPath {
            path: path.to_string(),
            reason,
        })
    };
    if path.is_empty() {
        return invalid("must not be empty");
    }
    if path.starts_with('/') {
        return invalid("must be relative path");
    }
    if path.len() > MAX_PATH_LENGTH {
        return invalid("must be less than or equal to 4096 characters");
    }
    for segment in path.split('/') {
        if segment == ".." {
            return invalid("must not contain '..'");
        }
        if segment.len() > MAX_FILE_NAME_LENGTH {
            return invalid("filenames must be less than or equal to 255 characters");
        }
    }
    let first = path.split('/').next().unwrap_or_default();
    if first.starts_with("..") && first.len() > 2 {
        return invalid("must not start with '..'");
    }
    Ok(())
}

/// Go's `filepath.Clean` for a relative path that has passed [`validate_path`]: collapses `//`,
/// drops `.` segments and a trailing `/` (`..` segments cannot occur after validation). Paths
/// that are already clean, the usual case, are borrowed.
pub fn clean_path(path: &str) -> Cow<'_, str> {
    if !path.split('/').any(|s| s.is_empty() || s == ".") {
        return Cow::Borrowed(path);
    }
    let cleaned: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if cleaned.is_empty() {
        Cow::Borrowed(".")
    } else {
        Cow::Owned(cleaned.join("/"))
    }
}

/// The UTC name prefix of a new timestamped directory: `..2006_01_02_15_04_05.` (§1.2).
pub fn timestamp_prefix(now: SystemTime) -> String {
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "..{y:04}_{m:02}_{d:02}_{:02}_{:02}_{:02}.",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

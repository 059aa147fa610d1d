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

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The live symlink that names the current timestamped directory (§1.1).
pub const DATA_DIR_NAME: &str = "..data";
/// The staging symlink renamed over [`DATA_DIR_NAME`] (§1.1).
pub const NEW_DATA_DIR_NAME: &str = "..data_tmp";
/// Longest payload path accepted (§1.8).
pub const MAX_PATH_LENGTH: usize = 4096;
/// Longest path segment accepted (§1.8).
pub const MAX_FILE_NAME_LENGTH: usize = 255;

/// One file of a volume payload: its bytes, its exact mode, and an optional owner (§1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProjection {
    /// The file's bytes.
    pub data: Vec<u8>,
    /// The exact permission bits written with chmod, regardless of umask.
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

impl AtomicWriter {
    /// A writer for `target_dir`, which must exist before [`write`](Self::write) is called.
    /// `log_context` (e.g. `volume "config"`) prefixes error messages.
    pub fn new(target_dir: impl Into<PathBuf>, log_context: impl Into<String>) -> Self {
        AtomicWriter {
            target_dir: target_dir.into(),
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
    pub fn write(
        &self,
        payload: &Payload,
        set_perms: Option<SetPerms<'_>>,
    ) -> Result<WriteOutcome, WriteError> {
        // (1) validate every path, then clean it.
        let clean = validate_payload(payload)?;
        if !self.target_dir.is_dir() {
            return Err(WriteError::MissingTargetDir(self.target_dir.clone()));
        }

        // (2) find the current timestamped directory.
        let data_link = self.target_dir.join(DATA_DIR_NAME);
        let old_ts = match fs::read_link(&data_link) {
            Ok(target) => Some(self.checked_ts_name(target)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(self.io("reading link", &data_link, e)),
        };

        let mut outcome = WriteOutcome {
            old_dir: old_ts.clone(),
            ..WriteOutcome::default()
        };
        let mut paths_to_remove = BTreeSet::new();
        let mut should_write = true;
        if let Some(old) = &old_ts {
            let old_path = self.target_dir.join(old);
            // (3) what the old version has that the new one does not.
            paths_to_remove = self.paths_to_remove(&clean, &old_path)?;
            // (4) byte comparison (a mode-only change is not a change, §1.6).
            self.compare_payload(&clean, &old_path, &mut outcome)?;
            if outcome.added.is_empty() && outcome.changed.is_empty() && paths_to_remove.is_empty()
            {
                should_write = false;
            }
        } else {
            outcome.added = clean.keys().map(|k| k.to_string()).collect();
        }

        if should_write {
            // (5) new timestamped dir, 0755 regardless of umask.
            let ts_path = self.new_timestamp_dir()?;
            let ts_name = file_name_string(&ts_path);
            // (6) write every file with its exact mode.
            self.write_payload_to_dir(&clean, &ts_path)?;
            // (7) ownership (fsGroup), via the caller.
            if let Some(set_perms) = set_perms {
                set_perms(&ts_name).map_err(|source| WriteError::SetPerms {
                    context: self.log_context.clone(),
                    dir: ts_name.clone(),
                    source,
                })?;
            }
            // (8) ..data_tmp -> new dir; on failure the new dir is removed.
            let tmp_link = self.target_dir.join(NEW_DATA_DIR_NAME);
            if let Err(e) = self
                .inject(FaultPoint::CreateTmpLink)
                .and_then(|()| symlink(&ts_name, &tmp_link))
            {
                let _ = fs::remove_dir_all(&ts_path);
                return Err(self.io("creating symbolic link for atomic update", &tmp_link, e));
            }
            // (9) the atomic switch; on failure both the link and the new dir are removed.
            if let Err(e) = self
                .inject(FaultPoint::Rename)
                .and_then(|()| fs::rename(&tmp_link, &data_link))
            {
                let _ = fs::remove_file(&tmp_link);
                let _ = fs::remove_dir_all(&ts_path);
                return Err(self.io("renaming symbolic link for data directory", &tmp_link, e));
            }
            outcome.swapped = true;
            outcome.current_dir = Some(ts_name);
            outcome.removed = paths_to_remove
                .iter()
                .filter(|p| !is_dir_in(&self.target_dir, old_ts.as_deref(), p))
                .cloned()
                .collect();
        } else {
            outcome.current_dir = old_ts.clone();
        }

        // (10) user-visible top-level links: create the missing ones (also on a no-op, §1.6).
        outcome.links_created = self.create_user_visible_files(&clean)?;
        // (11) remove top-level entries that disappeared (§1.7).
        self.remove_user_visible_paths(&paths_to_remove)?;
        // (12) remove the previous version.
        if should_write && let Some(old) = &old_ts {
            let old_path = self.target_dir.join(old);
            self.inject(FaultPoint::RemoveOldDir)
                .and_then(|()| fs::remove_dir_all(&old_path))
                .map_err(|e| self.io("removing old data directory", &old_path, e))?;
        }
        Ok(outcome)
    }

    /// Accepts `..data`'s target only as a bare sibling name, so a tampered link can never make
    /// the writer read or delete outside the volume.
    fn checked_ts_name(&self, target: PathBuf) -> Result<String, WriteError> {
        let mut comps = target.components();
        match (comps.next(), comps.next()) {
            (Some(std::path::Component::Normal(name)), None) => match name.to_str() {
                Some(s) if s.starts_with("..") && s.len() > 2 => Ok(s.to_string()),
                _ => Err(self.escape(target.clone())),
            },
            _ => Err(self.escape(target)),
        }
    }

    fn escape(&self, target: PathBuf) -> WriteError {
        WriteError::DataLinkEscapes {
            dir: self.target_dir.clone(),
            target,
        }
    }

    fn inject(&self, point: FaultPoint) -> io::Result<()> {
        if self.fault == Some(point) {
            Err(io::Error::other(format!("injected fault at {point:?}")))
        } else {
            Ok(())
        }
    }

    fn io(&self, action: &'static str, path: &Path, source: io::Error) -> WriteError {
        WriteError::Io {
            context: self.log_context.clone(),
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// Step 3: every file and directory of the old version that is neither a payload path nor a
    /// parent of one.
    fn paths_to_remove(
        &self,
        payload: &CleanPayload<'_>,
        old_ts_path: &Path,
    ) -> Result<BTreeSet<String>, WriteError> {
        let mut existing = BTreeSet::new();
        match walk_relative(old_ts_path, "", &mut existing) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
            Err(e) => return Err(self.io("walking old data directory", old_ts_path, e)),
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

    /// Step 4: which payload files are new or differ byte-wise from the old version. kubelet
    /// stops at the first difference; kubedrill compares all of them so it can report the
    /// change per key — the outcome on disk is identical.
    fn compare_payload(
        &self,
        payload: &CleanPayload<'_>,
        old_ts_path: &Path,
        outcome: &mut WriteOutcome,
    ) -> Result<(), WriteError> {
        for (path, file) in payload {
            let old_file = old_ts_path.join(path.as_ref());
            match fs::symlink_metadata(&old_file) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    outcome.added.push(path.to_string());
                    continue;
                }
                _ => {}
            }
            let on_disk = fs::read(&old_file).map_err(|e| self.io("reading", &old_file, e))?;
            if on_disk != file.data {
                outcome.changed.push(path.to_string());
            }
        }
        Ok(())
    }

    /// Step 5: `os.MkdirTemp(target, "..2006_01_02_15_04_05.")` then chmod 0755.
    fn new_timestamp_dir(&self) -> Result<PathBuf, WriteError> {
        let prefix = timestamp_prefix(SystemTime::now());
        let mut last_err = None;
        // Go's MkdirTemp retries on a name collision (10,000 tries); ten is plenty here.
        for _ in 0..10 {
            let path = self
                .target_dir
                .join(format!("{prefix}{}", rand::random::<u32>()));
            match fs::DirBuilder::new().mode_0700().create(&path) {
                Ok(()) => {
                    fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                        .map_err(|e| self.io("setting mode on new temp directory", &path, e))?;
                    return Ok(path);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
                Err(e) => return Err(self.io("creating new temp directory", &path, e)),
            }
        }
        let e = last_err.unwrap_or_else(|| io::Error::other("name collision"));
        Err(self.io("creating new temp directory", &self.target_dir, e))
    }

    /// Step 6: parents with `MkdirAll(0777 & ~umask)`, file with `WriteFile`, then exact chmod
    /// and optional chown (§1.4).
    fn write_payload_to_dir(
        &self,
        payload: &CleanPayload<'_>,
        dir: &Path,
    ) -> Result<(), WriteError> {
        for (path, file) in payload {
            let full = dir.join(path.as_ref());
            if let Some(parent) = full.parent().filter(|p| *p != dir) {
                fs::create_dir_all(parent)
                    .map_err(|e| self.io("unable to create directory", parent, e))?;
            }
            self.inject(FaultPoint::WriteFile)
                .and_then(|()| write_file(&full, &file.data, file.mode))
                .map_err(|e| self.io("unable to write file", &full, e))?;
            fs::set_permissions(&full, fs::Permissions::from_mode(file.mode))
                .map_err(|e| self.io("unable to set mode of file", &full, e))?;
            if let Some(uid) = file.fs_user {
                std::os::unix::fs::lchown(&full, Some(uid), None)
                    .map_err(|e| self.io("unable to change file owner", &full, e))?;
            }
        }
        Ok(())
    }

    /// Step 10: one relative symlink `first-segment -> ..data/first-segment` per top-level name
    /// that has no link yet.
    fn create_user_visible_files(
        &self,
        payload: &CleanPayload<'_>,
    ) -> Result<Vec<String>, WriteError> {
        let mut created = Vec::new();
        let mut seen = BTreeSet::new();
        for path in payload.keys() {
            let first = path.split('/').next().unwrap_or(path);
            if !seen.insert(first) {
                continue;
            }
            let visible = self.target_dir.join(first);
            match fs::read_link(&visible) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    let target = Path::new(DATA_DIR_NAME).join(first);
                    symlink(&target, &visible)
                        .map_err(|e| self.io("creating user-visible symlink", &visible, e))?;
                    created.push(first.to_string());
                }
                // kubelet ignores every other outcome, including a regular file in the way.
                _ => {}
            }
        }
        Ok(created)
    }

    /// Step 11: remove top-level names (no `/`) that are gone; nested ones vanish with the old
    /// directory (§1.7). Like kubelet, try all and report the last error.
    fn remove_user_visible_paths(&self, paths: &BTreeSet<String>) -> Result<(), WriteError> {
        let mut last = None;
        for p in paths.iter().filter(|p| !p.contains('/')) {
            let visible = self.target_dir.join(p);
            if let Err(e) = fs::remove_file(&visible) {
                last = Some(self.io("pruning old user-visible path", &visible, e));
            }
        }
        last.map_or(Ok(()), Err)
    }
}

/// `DirBuilder` with mode 0700, as Go's `MkdirTemp` creates its directories.
trait DirBuilderExt700 {
    fn mode_0700(&mut self) -> &mut Self;
}

impl DirBuilderExt700 for fs::DirBuilder {
    fn mode_0700(&mut self) -> &mut Self {
        std::os::unix::fs::DirBuilderExt::mode(self, 0o700)
    }
}

/// Go's `os.WriteFile`: open(O_WRONLY|O_CREATE|O_TRUNC, mode), write, close.
fn write_file(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)?;
    f.write_all(data)
}

fn file_name_string(path: &Path) -> String {
    path.file_name()
        .and_then(OsStr::to_str)
        .unwrap_or_default()
        .to_string()
}

/// Whether `rel` was a directory in the old version (directories are not reported as removed
/// files). Called before step 12 removes the old directory.
fn is_dir_in(target: &Path, old_ts: Option<&str>, rel: &str) -> bool {
    old_ts.is_some_and(|old| {
        fs::symlink_metadata(target.join(old).join(rel)).is_ok_and(|m| m.is_dir())
    })
}

/// Collects every file and directory below `dir` as a path relative to the walk's root, without
/// following symlinks (Go's `filepath.Walk`).
fn walk_relative(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            walk_relative(&entry.path(), &rel, out)?;
        }
        out.insert(rel);
    }
    Ok(())
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

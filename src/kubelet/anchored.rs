//! Directory handles that cannot be escaped: every file operation kubedrill performs inside an
//! output directory (`kubedrill project --out DIR`) or a simulated volume goes through one.
//!
//! Why: DIR belongs to the user and may already hold symlinks planted by anyone who could write
//! there (a copied tree, a previous tool, an attacker on a shared CI runner). A path-based
//! `open("DIR/.kubedrill/pod")` follows such a link and reads, truncates or chmods a file outside
//! DIR. An [`AnchoredDir`] holds a file descriptor of a directory and resolves every relative path
//! below it with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`: no `..`, no absolute path and no
//! symlink in any component, so nothing can resolve outside the anchor. The last component is then
//! operated on with an `*at` call relative to its parent's descriptor, with `O_NOFOLLOW` where the
//! call would otherwise follow a link. Kernels without `openat2` (before 5.6) get the same
//! guarantee from a walk that opens every component with `O_NOFOLLOW`.
//!
//! Parents are resolved with `O_PATH` descriptors, which raise no inotify events, so an app
//! watching a volume sees exactly the events kubelet's path-based calls would raise.
//!
//! This module knows nothing about volumes: which links are kubedrill's own (`..data`,
//! `key -> ..data/key`) is decided by the callers, which read them with [`AnchoredDir::read_link`]
//! and validate the target before using it.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};

use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{AtFlags, CWD, Dir, FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::io::Errno;

/// Why an operation below an anchor was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// A symlink kubedrill did not make sits where it must write or read.
    #[error(
        "{path} is a symbolic link (to {target:?}) that kubedrill did not make; refusing to \
         follow it, so nothing outside the directory is read or written (hint: remove the link, \
         or pick another --out directory)"
    )]
    PlantedLink {
        /// The link's full path.
        path: PathBuf,
        /// Where it points, as stored in the link.
        target: String,
    },
    /// A path that would leave the anchor (absolute, or with a `..` segment).
    #[error("{path}: path leaves {anchor} (hint: use a relative path without '..')")]
    Escapes {
        /// The path as given.
        path: PathBuf,
        /// The anchor directory.
        anchor: PathBuf,
    },
    /// An OS error.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The full path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

impl AnchorError {
    /// The OS error kind, if this is an OS error.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            AnchorError::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }

    /// The raw OS error number, if this is an OS error.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            AnchorError::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

/// What a name below an anchor is, without following a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symbolic link.
    Symlink,
    /// Anything else (socket, fifo, device).
    Other,
}

impl EntryKind {
    fn of(ft: FileType) -> Self {
        match ft {
            FileType::Directory => EntryKind::Dir,
            FileType::RegularFile => EntryKind::File,
            FileType::Symlink => EntryKind::Symlink,
            _ => EntryKind::Other,
        }
    }
}

/// An open directory below which paths are resolved without following any symlink.
#[derive(Debug)]
pub struct AnchoredDir {
    fd: OwnedFd,
    path: PathBuf,
}

/// `O_CLOEXEC` on every descriptor: a container process must never inherit one.
fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC
}

/// An anchor is held as an `O_PATH` descriptor: it serves every `*at` call and `fstat`, and
/// opening it raises no inotify event (OPEN/CLOSE_NOWRITE on a watched volume directory would be
/// events kubelet never causes).
fn anchor_flags() -> OFlags {
    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC
}

impl AnchoredDir {
    /// Opens `path` as an anchor. `path` itself is the caller's choice (the `--out` directory,
    /// a simulator's scratch dir) and may contain symlinks; only what is below it is guarded.
    pub fn open(path: &Path) -> Result<Self, AnchorError> {
        let fd = rustix::fs::openat(CWD, path, anchor_flags(), Mode::empty()).map_err(|e| {
            AnchorError::Io {
                action: "opening directory",
                path: path.to_path_buf(),
                source: e.into(),
            }
        })?;
        Ok(AnchoredDir {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// Creates `path` (and its parents, following the user's own symlinks above it) when
    /// missing, then opens it as an anchor.
    pub fn create_and_open(path: &Path) -> Result<Self, AnchorError> {
        std::fs::create_dir_all(path).map_err(|source| AnchorError::Io {
            action: "creating",
            path: path.to_path_buf(),
            source,
        })?;
        Self::open(path)
    }

    /// A second handle on the same directory (a duplicated descriptor).
    pub fn try_clone(&self) -> Result<Self, AnchorError> {
        let fd = rustix::io::fcntl_dupfd_cloexec(&self.fd, 0)
            .map_err(|e| self.io("duplicating descriptor of", Path::new(""), e))?;
        Ok(AnchoredDir {
            fd,
            path: self.path.clone(),
        })
    }

    /// The anchor's path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The descriptor, for `*at` calls of callers.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The full path of `rel` below the anchor, for messages.
    pub fn display_path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.path.join(rel)
    }

    fn io(&self, action: &'static str, rel: &Path, e: impl Into<io::Error>) -> AnchorError {
        AnchorError::Io {
            action,
            path: self.display_path(rel),
            source: e.into(),
        }
    }

    /// Checks that `rel` is a plain relative path (no root, no `..`) and returns its normal
    /// components.
    fn components<'a>(&self, rel: &'a Path) -> Result<Vec<&'a OsStr>, AnchorError> {
        let mut out = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(n) => out.push(n),
                Component::CurDir => {}
                _ => {
                    return Err(AnchorError::Escapes {
                        path: rel.to_path_buf(),
                        anchor: self.path.clone(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Opens `rel` (a multi-component relative path) below the anchor, refusing any symlink on
    /// the way or at the end.
    fn open_beneath(&self, rel: &Path, flags: OFlags, mode: Mode) -> Result<OwnedFd, AnchorError> {
        let comps = self.components(rel)?;
        if comps.is_empty() {
            return rustix::fs::openat(&self.fd, ".", flags | OFlags::CLOEXEC, mode)
                .map_err(|e| self.io("opening", rel, e));
        }
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
        match rustix::fs::openat2(&self.fd, rel, flags | OFlags::CLOEXEC, mode, resolve) {
            Ok(fd) => Ok(fd),
            // No openat2 (kernel < 5.6, or a seccomp filter): the same rule, step by step.
            Err(Errno::NOSYS) | Err(Errno::PERM) => self.open_walk(&comps, rel, flags, mode),
            Err(Errno::LOOP) | Err(Errno::XDEV) => Err(self.find_planted_link(rel)),
            Err(e) => Err(self.io("opening", rel, e)),
        }
    }

    /// The fallback of [`open_beneath`](Self::open_beneath): `O_NOFOLLOW` at every step.
    fn open_walk(
        &self,
        comps: &[&OsStr],
        rel: &Path,
        flags: OFlags,
        mode: Mode,
    ) -> Result<OwnedFd, AnchorError> {
        let mut cur: Option<OwnedFd> = None;
        for (i, c) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let f = if last {
                flags | OFlags::NOFOLLOW | OFlags::CLOEXEC
            } else {
                OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
            };
            let parent = cur.as_ref().map_or(self.fd.as_fd(), |fd| fd.as_fd());
            match rustix::fs::openat(parent, *c, f, mode) {
                Ok(fd) => cur = Some(fd),
                Err(Errno::LOOP) | Err(Errno::NOTDIR) => return Err(self.find_planted_link(rel)),
                Err(e) => return Err(self.io("opening", rel, e)),
            }
        }
        cur.ok_or_else(|| self.io("opening", rel, Errno::NOENT))
    }

    /// After `ELOOP`: names the first component of `rel` that is a symlink.
    fn find_planted_link(&self, rel: &Path) -> AnchorError {
        let mut at = PathBuf::new();
        for c in rel.components() {
            at.push(c);
            if let Ok(st) = rustix::fs::statat(&self.fd, &at, AtFlags::SYMLINK_NOFOLLOW)
                && FileType::from_raw_mode(st.st_mode) == FileType::Symlink
            {
                let target = rustix::fs::readlinkat(&self.fd, &at, Vec::new())
                    .map(|t| String::from_utf8_lossy(t.as_bytes()).into_owned())
                    .unwrap_or_default();
                return AnchorError::PlantedLink {
                    path: self.display_path(&at),
                    target,
                };
            }
        }
        self.io("opening", rel, Errno::LOOP)
    }

    /// The parent directory of `rel` (an `O_PATH` descriptor, which raises no inotify event)
    /// and the last component.
    fn parent_of<'a>(&self, rel: &'a Path) -> Result<(Parent<'_>, &'a OsStr), AnchorError> {
        let comps = self.components(rel)?;
        let Some((leaf, dirs)) = comps.split_last() else {
            return Err(AnchorError::Escapes {
                path: rel.to_path_buf(),
                anchor: self.path.clone(),
            });
        };
        if dirs.is_empty() {
            return Ok((Parent::Anchor(self.fd.as_fd()), leaf));
        }
        let parent: PathBuf = dirs.iter().collect();
        let fd = self.open_beneath(&parent, OFlags::PATH | OFlags::DIRECTORY, Mode::empty())?;
        Ok((Parent::Owned(fd), leaf))
    }

    /// Opens the directory `rel` below the anchor as a new anchor.
    pub fn open_dir(&self, rel: impl AsRef<Path>) -> Result<AnchoredDir, AnchorError> {
        let rel = rel.as_ref();
        let fd = self.open_beneath(rel, anchor_flags(), Mode::empty())?;
        Ok(AnchoredDir {
            fd,
            path: self.display_path(rel),
        })
    }

    /// Creates every missing directory of `rel` (mode `mode & ~umask`, like `MkdirAll`) and
    /// opens the last one. Returns whether the last one was created.
    pub fn create_dir_all(
        &self,
        rel: impl AsRef<Path>,
        mode: u32,
    ) -> Result<(AnchoredDir, bool), AnchorError> {
        let rel = rel.as_ref();
        let comps = self.components(rel)?;
        let mut at = PathBuf::new();
        let mut created = false;
        for c in comps {
            at.push(c);
            created = self.mkdir(&at, mode)?;
        }
        Ok((self.open_dir(rel)?, created))
    }

    /// `mkdirat` of `rel`; false when it already exists as a directory. A symlink in the way is
    /// refused.
    pub fn mkdir(&self, rel: impl AsRef<Path>, mode: u32) -> Result<bool, AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        match rustix::fs::mkdirat(parent.fd(), leaf, Mode::from_raw_mode(mode)) {
            Ok(()) => Ok(true),
            Err(Errno::EXIST) => match self.kind(rel)? {
                Some(EntryKind::Dir) => Ok(false),
                Some(EntryKind::Symlink) => Err(self.find_planted_link(rel)),
                _ => Err(self.io("creating directory", rel, Errno::EXIST)),
            },
            Err(e) => Err(self.io("creating directory", rel, e)),
        }
    }

    /// `lstat` of `rel`: `None` when it does not exist.
    pub fn stat(&self, rel: impl AsRef<Path>) -> Result<Option<Stat>, AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        match rustix::fs::statat(parent.fd(), leaf, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(st)),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(self.io("inspecting", rel, e)),
        }
    }

    /// What `rel` is, without following it: `None` when it does not exist.
    pub fn kind(&self, rel: impl AsRef<Path>) -> Result<Option<EntryKind>, AnchorError> {
        Ok(self
            .stat(rel)?
            .map(|st| EntryKind::of(FileType::from_raw_mode(st.st_mode))))
    }

    /// The anchor's own `fstat`.
    pub fn stat_self(&self) -> Result<Stat, AnchorError> {
        rustix::fs::fstat(&self.fd).map_err(|e| self.io("inspecting", Path::new(""), e))
    }

    /// chmod of the anchor itself. The `O_PATH` descriptor cannot be `fchmod`-ed; its
    /// `/proc/self/fd` link names exactly this directory (what glibc's `fchmodat` does), and
    /// only without `/proc` is the directory opened for an `fchmod`.
    pub fn chmod_self(&self, mode: u32) -> Result<(), AnchorError> {
        use rustix::fd::AsRawFd;
        let mode = Mode::from_raw_mode(mode);
        let proc_path = format!("/proc/self/fd/{}", self.fd.as_raw_fd());
        let res = match rustix::fs::chmod(proc_path.as_str(), mode) {
            Err(Errno::NOENT) => rustix::fs::openat(&self.fd, ".", dir_flags(), Mode::empty())
                .and_then(|fd| rustix::fs::fchmod(&fd, mode)),
            other => other,
        };
        res.map_err(|e| self.io("chmod", Path::new(""), e))
    }

    /// chown of the anchor itself (`fchownat(AT_EMPTY_PATH)`, which takes an `O_PATH` fd).
    pub fn chown_self(&self, uid: Option<u32>, gid: Option<u32>) -> Result<(), AnchorError> {
        rustix::fs::chownat(
            &self.fd,
            "",
            uid.map(rustix::fs::Uid::from_raw),
            gid.map(rustix::fs::Gid::from_raw),
            AtFlags::EMPTY_PATH,
        )
        .map_err(|e| self.io("chown", Path::new(""), e))
    }

    /// chmod of `rel`, which the caller knows is not a symlink (it made it, or just checked).
    pub fn chmod(&self, rel: impl AsRef<Path>, mode: u32) -> Result<(), AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        if let Ok(st) = rustix::fs::statat(parent.fd(), leaf, AtFlags::SYMLINK_NOFOLLOW)
            && FileType::from_raw_mode(st.st_mode) == FileType::Symlink
        {
            return Err(self.find_planted_link(rel));
        }
        self.chmod_created(rel, mode)
    }

    /// chmod of `rel` that the caller itself just created (with `O_NOFOLLOW`, in a directory
    /// only it knows), so it cannot be a symlink: one syscall, like kubelet's `os.Chmod`.
    pub fn chmod_created(&self, rel: impl AsRef<Path>, mode: u32) -> Result<(), AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        rustix::fs::chmodat(
            parent.fd(),
            leaf,
            Mode::from_raw_mode(mode),
            AtFlags::empty(),
        )
        .map_err(|e| self.io("chmod", rel, e))
    }

    /// lchown of `rel` (a symlink's own owner changes, its target is untouched).
    pub fn lchown(
        &self,
        rel: impl AsRef<Path>,
        uid: Option<u32>,
        gid: Option<u32>,
    ) -> Result<(), AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        rustix::fs::chownat(
            parent.fd(),
            leaf,
            uid.map(rustix::fs::Uid::from_raw),
            gid.map(rustix::fs::Gid::from_raw),
            AtFlags::SYMLINK_NOFOLLOW,
        )
        .map_err(|e| self.io("chown", rel, e))
    }

    /// Reads the regular file `rel`: `None` when it does not exist; a symlink is refused.
    pub fn read_file(&self, rel: impl AsRef<Path>) -> Result<Option<Vec<u8>>, AnchorError> {
        let rel = rel.as_ref();
        let fd = match self.open_beneath(rel, OFlags::RDONLY, Mode::empty()) {
            Ok(fd) => fd,
            Err(e) if e.io_kind() == Some(io::ErrorKind::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut data = Vec::new();
        std::fs::File::from(fd)
            .read_to_end(&mut data)
            .map_err(|e| self.io("reading", rel, e))?;
        Ok(Some(data))
    }

    /// Go's `os.WriteFile`: open(`O_WRONLY|O_CREAT|O_TRUNC`, mode & ~umask), write, close —
    /// plus `O_NOFOLLOW`, so a symlink at `rel` is refused instead of written through.
    pub fn write_file(
        &self,
        rel: impl AsRef<Path>,
        data: &[u8],
        mode: u32,
    ) -> Result<(), AnchorError> {
        let rel = rel.as_ref();
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::NOFOLLOW;
        let fd = self.open_beneath(rel, flags, Mode::from_raw_mode(mode))?;
        std::fs::File::from(fd)
            .write_all(data)
            .map_err(|e| self.io("writing", rel, e))
    }

    /// Replaces `name` with `data` at exactly `mode`: written to `<stem>.kubedrill-tmp` first
    /// (never through a symlink), then renamed over `name`, so a reader sees the old or the new
    /// file, never a torn one.
    pub fn replace_file(
        &self,
        name: impl AsRef<Path>,
        data: &[u8],
        mode: u32,
    ) -> Result<(), AnchorError> {
        let name = name.as_ref();
        let tmp = name.with_extension("kubedrill-tmp");
        self.write_file(&tmp, data, mode)?;
        self.chmod(&tmp, mode)?;
        self.rename(&tmp, name)
    }

    /// Reads the symlink `rel` itself: `None` when `rel` does not exist; an error when it is not
    /// a symlink.
    pub fn read_link(&self, rel: impl AsRef<Path>) -> Result<Option<OsString>, AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        match rustix::fs::readlinkat(parent.fd(), leaf, Vec::new()) {
            Ok(t) => Ok(Some(OsString::from_vec(t.into_bytes()))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(self.io("reading link", rel, e)),
        }
    }

    /// `symlinkat(target, rel)`.
    pub fn symlink(
        &self,
        target: impl AsRef<Path>,
        rel: impl AsRef<Path>,
    ) -> Result<(), AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        rustix::fs::symlinkat(target.as_ref(), parent.fd(), leaf)
            .map_err(|e| self.io("creating symbolic link", rel, e))
    }

    /// `renameat(from, to)`; a symlink at `to` is replaced, never followed.
    pub fn rename(&self, from: impl AsRef<Path>, to: impl AsRef<Path>) -> Result<(), AnchorError> {
        let (from, to) = (from.as_ref(), to.as_ref());
        let (pf, lf) = self.parent_of(from)?;
        let (pt, lt) = self.parent_of(to)?;
        rustix::fs::renameat(pf.fd(), lf, pt.fd(), lt).map_err(|e| self.io("renaming", from, e))
    }

    /// Removes the file or symlink `rel` (a symlink is removed, not its target).
    pub fn unlink(&self, rel: impl AsRef<Path>) -> Result<(), AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        rustix::fs::unlinkat(parent.fd(), leaf, AtFlags::empty())
            .map_err(|e| self.io("removing", rel, e))
    }

    /// Removes `rel` and everything below it, never following a symlink (Go's `os.RemoveAll`
    /// on Linux). A missing `rel` is not an error.
    pub fn remove_all(&self, rel: impl AsRef<Path>) -> Result<(), AnchorError> {
        let rel = rel.as_ref();
        let (parent, leaf) = self.parent_of(rel)?;
        remove_all_at(parent.fd(), leaf).map_err(|e| self.io("removing", rel, e))
    }

    /// The names in the directory `rel` with their kinds (not following symlinks), sorted.
    pub fn entries(
        &self,
        rel: impl AsRef<Path>,
    ) -> Result<Vec<(OsString, EntryKind)>, AnchorError> {
        let rel = rel.as_ref();
        let fd = self.open_beneath(rel, dir_flags(), Mode::empty())?;
        read_entries(fd).map_err(|e| self.io("reading directory", rel, e))
    }
}

/// A parent directory: the anchor itself or a descriptor resolved below it.
enum Parent<'a> {
    Anchor(BorrowedFd<'a>),
    Owned(OwnedFd),
}

impl Parent<'_> {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Parent::Anchor(fd) => *fd,
            Parent::Owned(fd) => fd.as_fd(),
        }
    }
}

/// Entries of an open directory (consumed), without `.` and `..`, sorted by name.
fn read_entries(fd: OwnedFd) -> io::Result<Vec<(OsString, EntryKind)>> {
    let dup = rustix::io::fcntl_dupfd_cloexec(&fd, 0)?;
    let mut out = Vec::new();
    for entry in Dir::new(fd)? {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => {
                let st = rustix::fs::statat(&dup, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)?;
                EntryKind::of(FileType::from_raw_mode(st.st_mode))
            }
            ft => EntryKind::of(ft),
        };
        out.push((OsString::from_vec(name.to_vec()), kind));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// `os.RemoveAll` relative to `parent`: unlink, or empty the directory (opened `O_NOFOLLOW`)
/// and rmdir it.
fn remove_all_at(parent: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
    match rustix::fs::unlinkat(parent, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => return Ok(()),
        Err(Errno::ISDIR) | Err(Errno::PERM) => {}
        Err(e) => return Err(e.into()),
    }
    let fd = match rustix::fs::openat(parent, name, dir_flags() | OFlags::NOFOLLOW, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    // Like Go: the directory stays open while its entries go, and is closed before the rmdir
    // (one OPEN, ACCESS, the DELETEs, CLOSE_NOWRITE, then DELETE of the directory).
    let dirfd = rustix::io::fcntl_dupfd_cloexec(&fd, 0)?;
    for (child, _) in read_entries(fd)? {
        remove_all_at(dirfd.as_fd(), &child)?;
    }
    drop(dirfd);
    match rustix::fs::unlinkat(parent, name, AtFlags::REMOVEDIR) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

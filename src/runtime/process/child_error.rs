//! A start failure of the `__ns-exec` child ([`ChildError`]) and the small helpers that word
//! it (`os_message`, `quoted`, `fd_path`), shared by the child (`ns_exec`), its mount set-up
//! (`scaffold`), the namespace probe (`probe`) and the runtime that reads the report.
//!
//! It sits below all of them so none has to import another's internals (this used to live in
//! `ns_exec`, which made `ns_exec <-> probe` and `ns_exec <-> scaffold` import cycles). It owns
//! the wire format of the status pipe and the wording of OS errors; it must not decide which
//! failure is fatal or which exit code a command gets beyond the 125/126/127 convention.

use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What went wrong before the container command ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ChildErrorKind {
    /// Namespaces could not be created.
    Namespaces,
    /// A volume could not be mounted.
    Mount,
    /// The command could not be executed.
    Exec,
    /// Anything else (working directory, scratch).
    Setup,
}

/// A start failure as sent over the status pipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChildError {
    pub kind: ChildErrorKind,
    pub message: String,
    /// The mountPath, for [`ChildErrorKind::Mount`].
    pub mount_path: Option<PathBuf>,
    /// 127 when the command was not found, 126 when it is not executable, else 125.
    pub exit_code: u8,
}

impl ChildError {
    pub(crate) fn setup(message: impl Into<String>) -> Self {
        Self {
            kind: ChildErrorKind::Setup,
            message: message.into(),
            mount_path: None,
            exit_code: 125,
        }
    }

    pub(crate) fn mount(mount_path: &Path, message: impl Into<String>) -> Self {
        Self {
            kind: ChildErrorKind::Mount,
            message: message.into(),
            mount_path: Some(mount_path.to_path_buf()),
            exit_code: 125,
        }
    }

    pub(crate) fn exec(message: impl Into<String>, exit_code: u8) -> Self {
        Self {
            kind: ChildErrorKind::Exec,
            message: message.into(),
            mount_path: None,
            exit_code,
        }
    }
}

/// The OS error's text without Rust's " (os error N)" suffix, lowercased like Go's.
pub(crate) fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    let s = s.split(" (os error").next().unwrap_or(&s);
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `/proc/self/fd/N`, a path the kernel resolves to what the descriptor pins.
pub(crate) fn fd_path(fd: impl AsFd) -> PathBuf {
    use std::os::fd::AsRawFd;
    Path::new("/proc/self/fd").join(fd.as_fd().as_raw_fd().to_string())
}

/// For messages: a path as Go's `%q` would print it.
pub(crate) fn quoted(p: &Path) -> String {
    format!("{:?}", p.as_os_str().to_string_lossy())
}

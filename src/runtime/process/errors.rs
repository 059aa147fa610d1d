//! Why a container could not be started; messages follow kubelet/containerd wording where the
//! failure has a Kubernetes counterpart.

use std::io;
use std::path::PathBuf;

/// A container that could not be started (or a runtime that could not start one).
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The spec would be rejected before anything runs (empty command, relative mountPath…).
    #[error("invalid container spec for {container:?}: {reason}")]
    InvalidSpec {
        /// The container's name.
        container: String,
        /// What is wrong.
        reason: String,
    },
    /// The scratch directory could not be prepared or written.
    #[error("container {container:?}: scratch directory {path}: {source}")]
    ScratchDir {
        /// The container's name.
        container: String,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// `kubedrill __ns-exec` could not be spawned.
    #[error("container {container:?}: spawning {exe}: {source}")]
    Spawn {
        /// The container's name.
        container: String,
        /// The kubedrill executable.
        exe: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The command could not be executed, e.g. ``exec: "foo": executable file not found in
    /// $PATH`` — kubelet shows this as `StartError` / `RunContainerError`.
    #[error("container {container:?} failed to start: {message}")]
    ExecFailed {
        /// The container's name.
        container: String,
        /// containerd's wording, e.g. ``exec: "foo": executable file not found in $PATH``.
        message: String,
    },
    /// A volume could not be mounted at its mountPath.
    #[error("container {container:?} failed to start: {message}")]
    MountFailed {
        /// The container's name.
        container: String,
        /// The mountPath.
        mount_path: PathBuf,
        /// runc's wording: `error mounting "SRC" to rootfs at "DST": REASON`.
        message: String,
    },
    /// Mount (or user) namespaces cannot be created here. Construct the runtime with
    /// [`super::Isolation::PathMapping`] to run with the `KUBEDRILL_ROOT` mapping instead.
    #[error(
        "mount namespaces are unavailable: {reason} (hint: run as root, enable unprivileged user namespaces, or use the KUBEDRILL_ROOT path mapping)"
    )]
    NamespacesUnavailable {
        /// Why, e.g. `unshare(CLONE_NEWUSER|CLONE_NEWNS): Operation not permitted`.
        reason: String,
    },
    /// Any other failure while preparing the container (working directory, env…).
    #[error("container {container:?} failed to start: {message}")]
    Setup {
        /// The container's name.
        container: String,
        /// What failed.
        message: String,
    },
}

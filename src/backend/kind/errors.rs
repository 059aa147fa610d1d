//! Why a kind node could not be booted, reused or loaded. Every variant is a setup error
//! (exit 2): nothing of the scenarios ran.

/// A kind node failure.
#[derive(Debug, thiserror::Error)]
pub enum KindError {
    /// No Docker engine answered.
    #[error(
        "cannot reach a Docker engine: {0} (hint: start dockerd and check /var/run/docker.sock or DOCKER_HOST)"
    )]
    DockerUnreachable(String),
    /// The node image is neither local nor pullable.
    #[error(
        "node image {image} is not on this Docker engine and cannot be pulled: {reason} (hint: `docker pull {image}` where a registry is reachable, or pass --kind-image with a local kindest/node image)"
    )]
    NodeImageUnavailable {
        /// The image reference.
        image: String,
        /// The engine's pull error.
        reason: String,
    },
    /// A workload image is neither local nor pullable, so it cannot be loaded into the node.
    #[error(
        "image {image} (used by the workload) is not on this Docker engine and cannot be pulled: {reason} (hint: build or pull it locally first; kubedrill loads local images into the node)"
    )]
    WorkloadImageUnavailable {
        /// The image reference.
        image: String,
        /// The engine's pull error.
        reason: String,
    },
    /// The engine refused a privileged container (kind nodes must be privileged).
    #[error(
        "the Docker engine refused to run the node container privileged: {0} (hint: kind needs --privileged; rootless Docker needs cgroup v2 with delegation)"
    )]
    PrivilegedRefused(String),
    /// The Docker host's kernel or cgroup setup cannot run a kubelet.
    #[error("the Docker host cannot run a kind node: {0}")]
    HostUnsupported(String),
    /// A container with the node's name exists and kubedrill may not touch it.
    #[error(
        "a container named {name} already exists and was not started by `kubedrill run --reuse-cluster` (hint: remove it with `docker rm -f {name}` or pick another --reuse-cluster name)"
    )]
    NameTaken {
        /// The container name.
        name: String,
    },
    /// The engine failed a container operation.
    #[error("node container {action} failed: {message}")]
    Docker {
        /// What was being done (`create`, `exec`, …).
        action: &'static str,
        /// The engine's message.
        message: String,
    },
    /// A boot step failed; `log` carries what explains it (kubeadm output, kubelet journal).
    #[error("{step} failed after {elapsed:.1?}: {message}{}", log_section(.log))]
    Boot {
        /// The step, e.g. `kubeadm init`.
        step: &'static str,
        /// How long the boot had run.
        elapsed: std::time::Duration,
        /// What went wrong.
        message: String,
        /// The relevant log, last lines first-to-last.
        log: String,
    },
    /// The kubeconfig could not be read or rewritten.
    #[error("node kubeconfig: {0}")]
    Kubeconfig(String),
    /// Writing the kubeconfig file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Ctrl-C or SIGTERM arrived while the node was booting; the node was removed.
    #[error("interrupted while booting the node; the node container was removed")]
    Interrupted,
}

fn log_section(log: &str) -> String {
    if log.trim().is_empty() {
        String::new()
    } else {
        format!("\n--- relevant log ---\n{}", log.trim_end())
    }
}

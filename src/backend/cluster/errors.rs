//! What can go wrong talking to a cluster, said so that a user can act on it: which verb on
//! which resource RBAC refused, which server did not answer, which namespace would not go away.
//!
//! [`ClusterError::from_kube`] is the one place a `kube::Error` becomes one of these: every
//! request names its verb and resource, so a 403 says `cannot create configmaps in namespace
//! kd-1` instead of a bare `Forbidden`.

use std::path::PathBuf;
use std::time::Duration;

/// An error of the cluster backend. Setup errors ([`ClusterError::is_setup`]) stop a run
/// with exit 2; the others fail the step that caused them.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Neither `--kubeconfig`, `KUBECONFIG` nor `~/.kube/config` gives a kubeconfig.
    #[error(
        "no kubeconfig: {0} (hint: pass --kubeconfig FILE, set KUBECONFIG, or create \
         ~/.kube/config as kubectl does)"
    )]
    NoKubeconfig(String),
    /// The kubeconfig exists but cannot be used (bad YAML, unknown context, missing server).
    #[error("kubeconfig {}: {source}{}", path.as_ref().map_or_else(|| "(KUBECONFIG or ~/.kube/config)".into(), |p| p.display().to_string()), context.as_ref().map(|c| format!(" (context {c:?})")).unwrap_or_default())]
    Kubeconfig {
        /// The file, when one was named.
        path: Option<PathBuf>,
        /// `--context`, when given.
        context: Option<String>,
        /// kube's reason.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// The client cannot be built from the kubeconfig (TLS material, auth plugin, …).
    #[error("cannot build a client for {server}: {source}")]
    Client {
        /// The API server URL.
        server: String,
        /// kube's reason.
        #[source]
        source: kube::Error,
    },
    /// The API server did not answer (connection refused, DNS, TLS, timeout).
    #[error(
        "the API server {server} is unreachable: {reason} (hint: check the kubeconfig's server \
         and that `kubectl version` works with the same --kubeconfig/--context)"
    )]
    Unreachable {
        /// The API server URL.
        server: String,
        /// What failed, with kube's error chain.
        reason: String,
    },
    /// RBAC (or another authorizer) refused a request.
    #[error(
        "forbidden: cannot {verb} {resource}{} ({message}) (hint: the README's \
         \"Running against a cluster\" section has the Role kubedrill needs)",
        namespace.as_ref().map(|n| format!(" in namespace {n}")).unwrap_or_default()
    )]
    Forbidden {
        /// The verb, e.g. `create`.
        verb: String,
        /// The resource, e.g. `configmaps` or `pods/exec`.
        resource: String,
        /// The namespace of the request, if namespaced.
        namespace: Option<String>,
        /// The API server's message.
        message: String,
    },
    /// The credentials were refused (401).
    #[error("unauthorized: the API server refused the kubeconfig's credentials ({0})")]
    Unauthorized(String),
    /// The object does not exist (404).
    #[error("{resource} {name:?} not found{}", namespace.as_ref().map(|n| format!(" in namespace {n}")).unwrap_or_default())]
    NotFound {
        /// The resource, e.g. `configmaps`.
        resource: String,
        /// The object's name.
        name: String,
        /// The namespace.
        namespace: Option<String>,
    },
    /// A conflict (409): the object exists already, or changed under us.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The API server's own validation refused the object (422), with its message.
    #[error("the API server refused it: {0}")]
    Invalid(String),
    /// Any other API status.
    #[error("the API server answered {code} {reason}: {message}")]
    Api {
        /// HTTP status code.
        code: u16,
        /// `reason` of the Status.
        reason: String,
        /// `message` of the Status.
        message: String,
    },
    /// A namespace kubedrill deleted is still there after the wait.
    #[error(
        "namespace {name} did not terminate within {}s{} (hint: `kubectl get namespace {name} \
         -o yaml` shows what blocks it; delete it by hand or rerun with a longer wait)",
        waited.as_secs(),
        if finalizers.is_empty() { String::new() } else { format!("; finalizers: {}", finalizers.join(", ")) }
    )]
    NamespaceStuck {
        /// The namespace.
        name: String,
        /// How long kubedrill waited.
        waited: Duration,
        /// `spec.finalizers` and the `NamespaceContentRemaining`-like conditions that hold it.
        finalizers: Vec<String>,
    },
    /// The container's image has no shell, so file/dir observations cannot run there.
    #[error(
        "container {container} has no shell (sh) to run `{command}`: file and dir observations \
         need `sh`, `cat`, `stat`, `readlink` and `ls` in the image (hint: set run.image or \
         --image to an image that has them, e.g. busybox-based)"
    )]
    NoShell {
        /// The container.
        container: String,
        /// The command that could not start.
        command: String,
    },
    /// An exec or port-forward stream failed.
    #[error("{what}: {reason}")]
    Stream {
        /// What was attempted, e.g. `exec in app`.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// The workload cannot be delivered as asked (app files too large, a path outside the
    /// working directory, …).
    #[error("{0}")]
    Workload(String),
    /// Waiting for the pod timed out.
    #[error("{0}")]
    Timeout(String),
}

impl ClusterError {
    /// Whether this error means the run cannot start at all (exit 2) rather than a step failed.
    pub fn is_setup(&self) -> bool {
        matches!(
            self,
            ClusterError::NoKubeconfig(_)
                | ClusterError::Kubeconfig { .. }
                | ClusterError::Client { .. }
                | ClusterError::Unreachable { .. }
                | ClusterError::Unauthorized(_)
                | ClusterError::NamespaceStuck { .. }
        )
    }

    /// Classifies a `kube::Error` of a request that did `verb` on `resource` (`name` in
    /// `namespace`). An API Status becomes the matching variant; a transport failure is
    /// [`ClusterError::Unreachable`].
    pub fn from_kube(
        err: kube::Error,
        verb: &str,
        resource: &str,
        name: &str,
        namespace: Option<&str>,
        server: &str,
    ) -> ClusterError {
        match err {
            kube::Error::Api(status) => {
                let message = status.message.clone();
                match status.code {
                    401 => ClusterError::Unauthorized(message),
                    403 => ClusterError::Forbidden {
                        verb: verb.into(),
                        resource: resource.into(),
                        namespace: namespace.map(str::to_string),
                        message,
                    },
                    404 => ClusterError::NotFound {
                        resource: resource.into(),
                        name: name.into(),
                        namespace: namespace.map(str::to_string),
                    },
                    409 => ClusterError::Conflict(message),
                    422 => ClusterError::Invalid(message),
                    code => ClusterError::Api {
                        code,
                        reason: status.reason.clone(),
                        message,
                    },
                }
            }
            kube::Error::HyperError(_)
            | kube::Error::Service(_)
            | kube::Error::RustlsTls(_)
            | kube::Error::TlsRequired => ClusterError::Unreachable {
                server: server.into(),
                reason: chain(&err),
            },
            kube::Error::UpgradeConnection(e) => ClusterError::Stream {
                what: format!("{verb} {resource} {name}"),
                reason: e.to_string(),
            },
            other => ClusterError::Api {
                code: 0,
                reason: String::new(),
                message: chain(&other),
            },
        }
    }
}

/// An error and its sources, `a: b: c` (kube's transport errors hide the cause in `source`).
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

//! The [`Backend`] trait, the facts it reports ([`Observed`]), its errors ([`BackendError`])
//! and how a caller hands the runner one backend per scenario ([`BackendFactory`]).
//!
//! Everything here must be something a remote backend (a kube client against a real API
//! server) can provide as well as the local simulator: log lines carry wall-clock timestamps
//! (the logs API's `timestamps=true`), container states and pod phases are the API's enums,
//! and errors are typed with their source kept.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::api::Manifest;
use crate::kubelet::timing::TimingProfile;
use crate::report::model::ContainerLog;
use crate::scenario::format::{
    ContainerStateKind, ObjectKind, Observation, PodPhase, Scenario, Update,
};

/// A backend operation that could not be carried out. A failing *step* is reported with this
/// message; a failure before the first step ([`Backend::start`], [`BackendFactory::create`]) is
/// a setup error (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The API server (simulated or real) refused the request: invalid object, not found,
    /// immutable, conflict. The message is the API server's.
    #[error("{0}")]
    Rejected(String),
    /// The step names something the pod does not have or that is not running.
    #[error("{0}")]
    NoSuchContainer(String),
    /// The container runtime could not do what was asked (a signal, a start).
    #[error("{0}")]
    Runtime(String),
    /// Input or output on the machine kubedrill runs on failed (a scratch directory, a file).
    #[error("{what}: {source}")]
    Io {
        /// What kubedrill was doing, e.g. `creating pod directory`.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Any other failure with a cause worth keeping (a backend adds its own variant, e.g. a
    /// `kube::Error`, when it needs to match on it).
    #[error("{what}: {source}")]
    Other {
        /// What kubedrill was doing.
        what: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl BackendError {
    /// An I/O failure while doing `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        BackendError::Io {
            what: what.into(),
            source,
        }
    }
}

/// One line of a container's output, stamped with the wall-clock time it was read (local) or
/// written (the API server's timestamp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When the line was read or logged.
    pub at: SystemTime,
    /// The text, without its newline.
    pub text: String,
}

/// What an observation found. Text values carry whether they derive from a Secret, so the
/// runner can redact them.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// A file as the container sees it.
    File {
        /// The content; `None` when the path does not exist.
        content: Option<Vec<u8>>,
        /// Permission bits of the resolved file.
        mode: Option<u32>,
        /// The link target when the path itself is a symlink.
        link_target: Option<String>,
        /// The path resolves to a directory (e.g. `..data`): it exists, has a mode and maybe a
        /// link target, but no text.
        is_dir: bool,
    },
    /// A directory's visible entry names, sorted; `None` when it does not exist.
    Dir(Option<Vec<String>>),
    /// An env variable of the running process; `None` when unset.
    Env(Option<String>),
    /// The container's log lines since it (re)started, oldest first.
    Log(Vec<LogLine>),
    /// An HTTP response.
    Http {
        /// The status code.
        status: u16,
        /// The body.
        body: String,
    },
    /// The leaf certificate served to a new TLS connection.
    Tls {
        /// The subject CN.
        cn: Option<String>,
        /// SHA-256 of the DER certificate, lowercase hex.
        sha256: String,
    },
    /// A container's status.
    Container {
        /// Running, waiting or terminated.
        state: ContainerStateKind,
        /// The waiting or terminated reason.
        reason: Option<String>,
        /// The restart count.
        restarts: u32,
    },
    /// The pod's phase.
    Pod {
        /// `status.phase`.
        phase: PodPhase,
    },
    /// Events with the asked reason: their messages.
    Events(Vec<String>),
    /// The observation cannot be made right now (container not running, port closed, …);
    /// the text says why. An eventual assertion keeps polling.
    Unavailable(String),
}

/// A backend: owns the objects, the pod and its containers for one scenario. Time: a backend
/// reads [`tokio::time::Instant`] (never `std`'s) for anything it schedules, so a paused tokio
/// clock drives it, and stamps what it reports with [`super::clock`].
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// Short name for reports, e.g. `process`.
    fn name(&self) -> &str;
    /// Creates the initial objects, then the pod, and runs the first sync.
    async fn start(&mut self, objects: &[Manifest]) -> Result<(), BackendError>;
    /// `apply:`: creates or replaces objects. Returns a summary like `configmap/x configured`.
    async fn apply(&mut self, manifests: &[Manifest]) -> Result<String, BackendError>;
    /// `update:`: merge-patches one object.
    async fn update(&mut self, update: &Update) -> Result<String, BackendError>;
    /// `delete:`: deletes one object.
    async fn delete(&mut self, kind: ObjectKind, name: &str) -> Result<String, BackendError>;
    /// `restart: CONTAINER`.
    async fn restart(&mut self, container: &str) -> Result<(), BackendError>;
    /// `recreate: pod`.
    async fn recreate_pod(&mut self) -> Result<(), BackendError>;
    /// `touch: pod`: a pod update, which makes kubelet sync it at once.
    async fn touch_pod(&mut self) -> Result<(), BackendError>;
    /// `signal:`.
    async fn signal(&mut self, container: &str, signal: &str) -> Result<(), BackendError>;
    /// Lets background work happen (process exits, periodic syncs); called while waiting.
    async fn tick(&mut self);
    /// Makes one observation.
    async fn observe(&mut self, observation: &Observation) -> Observed;
    /// Whether a path or env name observed by `observation` carries Secret-derived data.
    fn is_secret(&self, observation: &Observation) -> bool;
    /// Every Secret value known to the backend (for redaction of free text such as logs).
    fn secret_values(&self) -> Vec<Vec<u8>>;
    /// Each container's output so far (its last run), by container name, not redacted.
    fn container_logs(&self) -> Vec<(String, Vec<String>)>;
    /// What a user needs to see when a step fails.
    async fn diagnostics(&mut self) -> crate::report::model::Diagnostics;
    /// Stops every process and removes what the backend created (unless told to keep it).
    async fn shutdown(&mut self);
    /// Called once after [`shutdown`](Backend::shutdown) with the (redacted) container logs. A
    /// backend told to keep its work (`--keep`) stores the logs with it and returns where it
    /// is (a directory, a namespace); otherwise `Ok(None)`.
    fn finish(&mut self, logs: &[ContainerLog]) -> Result<Option<PathBuf>, BackendError>;
}

/// Builds one [`Backend`] per scenario run. `run_all` shares one factory between its worker
/// threads (hence `Sync`); each backend lives on the thread that made it (no `Send` needed).
pub trait BackendFactory: Sync {
    /// The backend it makes.
    type Backend: Backend;
    /// A backend for `scenario` under `timing` (already resolved: CLI override, seed). An
    /// error here is a setup error of that scenario.
    fn create(
        &self,
        scenario: &Scenario,
        timing: &TimingProfile,
    ) -> Result<Self::Backend, BackendError>;
}

impl<F, B> BackendFactory for F
where
    F: Fn(&Scenario, &TimingProfile) -> Result<B, BackendError> + Sync,
    B: Backend,
{
    type Backend = B;
    fn create(&self, scenario: &Scenario, timing: &TimingProfile) -> Result<B, BackendError> {
        self(scenario, timing)
    }
}

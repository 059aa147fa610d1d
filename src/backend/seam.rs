//! The [`Backend`] trait and the facts it reports ([`Observed`]).

use std::time::Instant;

use crate::api::Manifest;
use crate::scenario::format::{ObjectKind, Observation, Update};

/// A backend operation that could not be carried out (a failing scenario *step*, not a bug).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub String);

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
    /// Log lines (text only) with the moment each was read.
    Log(Vec<(Instant, String)>),
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
        /// `running`, `waiting` or `terminated`.
        state: String,
        /// The waiting or terminated reason.
        reason: Option<String>,
        /// The restart count.
        restarts: u32,
    },
    /// The pod's phase.
    Pod {
        /// e.g. `Pending`.
        phase: String,
    },
    /// Events with the asked reason: their messages.
    Events(Vec<String>),
    /// The observation cannot be made right now (container not running, port closed, …);
    /// the text says why. An eventual assertion keeps polling.
    Unavailable(String),
}

/// A backend: owns the objects, the pod and its containers for one scenario.
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
    /// Stops every process and removes what the backend created.
    async fn shutdown(&mut self);
}

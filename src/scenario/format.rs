//! The scenario format (v1alpha1) as Rust values: what a loaded, validated scenario file says.
//!
//! Every value here has passed the loader's checks (see [`crate::scenario::load`]): names
//! refer to things that exist, durations and patterns parsed, manifests loaded. The runner can
//! take them as they are. Nothing here does IO.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;

use crate::api::manifest::{Manifest, Workload};
use crate::kubelet::KubeVersion;

/// The `apiVersion` of scenario files.
pub const API_VERSION: &str = "kubedrill.dev/v1alpha1";
/// The `kind` of scenario files.
pub const KIND: &str = "Scenario";

/// One loaded scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `metadata.name`, or the file stem when the file names none.
    pub name: String,
    /// `metadata.description`.
    pub description: Option<String>,
    /// `metadata.labels`, for selecting scenarios (Kubernetes label syntax, checked at load).
    pub labels: BTreeMap<String, String>,
    /// The scenario file, as given to the loader.
    pub file: PathBuf,
    /// What to set up and what to do.
    pub spec: ScenarioSpec,
}

impl Scenario {
    /// The directory relative paths in the scenario are resolved against.
    pub fn dir(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new(""))
    }
}

/// `spec`: timing, objects, the workload and the steps.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSpec {
    /// How kubelet's sync loop is timed (`spec.timing`, default [`Timing::Fast`]).
    pub timing: Timing,
    /// The Kubernetes version whose kubelet is reproduced where versions differ
    /// (`spec.kubernetesVersion`, a kubedrill extension; `None`: the current behaviour).
    pub kube_version: Option<KubeVersion>,
    /// The API objects that exist before the workload starts (`spec.objects`).
    pub objects: Vec<ObjectRef>,
    /// The workload and how its containers run (`spec.workload`).
    pub workload: WorkloadSpec,
    /// The steps, in order (`spec.steps`).
    pub steps: Vec<Step>,
    /// `spec.expect`: the scenario demonstrates a bug and is expected to fail (an xfail).
    pub expect: Option<Expect>,
}

/// `spec.expect`: an expected failure. The scenario passes when it fails exactly at the step
/// `fail` names (with a message containing `message`, if given) and fails otherwise.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "An expected failure (xfail): the scenario passes when it fails exactly at \
                   the step `fail` names (and, if `message` is given, its failure message \
                   contains it); it fails when it passes or fails elsewhere."
)]
pub struct Expect {
    /// The `name:` of the step that must fail.
    #[schemars(length(min = 1))]
    pub fail: String,
    /// A substring the failure message must contain.
    #[serde(default)]
    #[schemars(with = "String")]
    pub message: Option<String>,
}

/// How kubelet's sync loop is timed (`spec.timing`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Timing {
    /// `fast`: kubelet re-syncs right after every mutation (deterministic, milliseconds).
    #[default]
    Fast,
    /// `kubelet`: kubelet's defaults, i.e. [`Timing::KUBELET_SYNC_PERIOD`] with jitter
    /// [`Timing::KUBELET_JITTER`] and watch detection.
    Kubelet,
    /// Custom values: `{syncPeriod, jitter, detection, cacheTTL, seed}`; each omitted field has
    /// kubelet's default.
    Custom {
        /// `syncPeriod`: how often each pod is re-synced (before jitter).
        sync_period: Duration,
        /// `jitter`: the period is stretched by a random factor in `[0, jitter)`
        /// (`wait.Jitter`).
        jitter: f64,
        /// `detection`: how kubelet's ConfigMap/Secret manager sees changes.
        detection: Detection,
        /// `cacheTTL`: how long a cached object is trusted (with [`Detection::Cache`]).
        cache_ttl: Duration,
        /// `seed`: the random seed for jitter; `None` picks one per run (and reports it).
        seed: Option<u64>,
    },
}

impl Timing {
    /// kubelet's `syncFrequency` default.
    pub const KUBELET_SYNC_PERIOD: Duration = Duration::from_secs(60);
    /// kubelet's jitter factor for pod re-syncs.
    pub const KUBELET_JITTER: f64 = 0.5;
    /// kubelet's default TTL of cached ConfigMaps and Secrets (`cache` detection).
    pub const KUBELET_CACHE_TTL: Duration = Duration::from_secs(60);

    /// The profile's name as written in a scenario: `fast`, `kubelet` or `custom`.
    pub fn name(&self) -> &'static str {
        match self {
            Timing::Fast => "fast",
            Timing::Kubelet => "kubelet",
            Timing::Custom { .. } => "custom",
        }
    }

    /// [`Timing::Kubelet`] spelled out as custom values (with no seed).
    pub fn kubelet_defaults() -> Timing {
        Timing::Custom {
            sync_period: Self::KUBELET_SYNC_PERIOD,
            jitter: Self::KUBELET_JITTER,
            detection: Detection::Watch,
            cache_ttl: Self::KUBELET_CACHE_TTL,
            seed: None,
        }
    }
}

/// How kubelet's ConfigMap/Secret manager notices changes (`detection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Detection {
    /// `watch`: a watch per referenced object (kubelet's default).
    #[default]
    Watch,
    /// `cache`: a TTL cache, refreshed when older than `cacheTTL`.
    Cache,
    /// `get`: a GET from the API server at every sync.
    Get,
}

impl Detection {
    /// The value as written: `watch`, `cache` or `get`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Detection::Watch => "watch",
            Detection::Cache => "cache",
            Detection::Get => "get",
        }
    }
}

/// An API object source: a manifest file or an inline object (`{file: …}` / `{inline: …}`).
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectRef {
    /// `file:`: a manifest file (resolved against the scenario's directory) and its documents.
    File {
        /// The manifest file.
        path: PathBuf,
        /// Its ConfigMaps and Secrets, in file order.
        manifests: Vec<Manifest>,
    },
    /// `inline:`: one object written in the scenario (its origin is the scenario file).
    Inline(Box<Manifest>),
}

impl ObjectRef {
    /// The objects, loaded and validated as the API server would.
    pub fn manifests(&self) -> &[Manifest] {
        match self {
            ObjectRef::File { manifests, .. } => manifests,
            ObjectRef::Inline(manifest) => std::slice::from_ref(manifest.as_ref()),
        }
    }
}

/// `spec.workload`: the pod and how its containers run on the local backends.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSpec {
    /// The manifest file (resolved against the scenario's directory).
    pub file: PathBuf,
    /// The Pod, or the pod template of the Deployment/StatefulSet/... in that file.
    pub workload: Workload,
    /// `run:` per container name (every container and init container has an entry).
    pub run: BTreeMap<String, RunSpec>,
}

impl WorkloadSpec {
    /// The names of the pod's (regular) containers, in manifest order.
    pub fn container_names(&self) -> Vec<&str> {
        self.workload
            .spec
            .containers
            .iter()
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// How one container runs on the local backends (`spec.workload.run.<container>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunSpec {
    /// `command`: the program and its first arguments (never empty). The process backend
    /// runs it instead of the image's entrypoint; the docker backend passes it as the
    /// container's command. Both first expand `$(VAR)` from the container's resolved env, as
    /// kubelet does with a container's command ([`crate::kubelet::command`]).
    pub command: Vec<String>,
    /// `args`: more arguments after `command`, expanded the same way.
    pub args: Vec<String>,
    /// `workingDir`: where the process starts, resolved against the scenario's directory;
    /// `None`: the scenario's directory.
    pub working_dir: Option<PathBuf>,
    /// `env`: extra variables from the host side, added on top of the container's resolved
    /// env (which wins on a clash) — e.g. `PYTHONUNBUFFERED: "1"`. PATH, HOME and LANG are
    /// passed from the host anyway.
    pub env: BTreeMap<String, String>,
    /// `image`: overrides the manifest's image on the docker backend.
    pub image: Option<String>,
}

/// One step of `spec.steps`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `name:`, which `after:` and `since:` refer to.
    pub name: Option<String>,
    /// The step's line in the scenario file (1-based).
    pub line: u64,
    /// The step's column in the scenario file (1-based).
    pub column: u64,
    /// What the step does.
    pub op: Operation,
}

impl Step {
    /// The step's label for reports: its name, or the operation and the line.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => format!("{} (line {})", self.op.keyword(), self.line),
        }
    }
}

/// A step's operation.
#[derive(Debug, Clone, PartialEq)]
// Tens of steps per scenario: boxing the assertion would only complicate matching.
#[allow(clippy::large_enum_variant)]
pub enum Operation {
    /// `apply: {file|inline}`: create or replace the objects.
    Apply(ObjectRef),
    /// `update: {configMap|secret: NAME, data, binaryData, stringData}`: merge, null deletes.
    Update(Update),
    /// `delete: {configMap|secret: NAME}`.
    Delete {
        /// The object's kind.
        kind: ObjectKind,
        /// The object's name (in the workload's namespace).
        name: String,
    },
    /// `restart: CONTAINER`: same pod, volumes persist, env and subPath re-resolved.
    Restart(String),
    /// `recreate: pod`: a new pod; everything re-resolved, may fail to start.
    Recreate,
    /// `touch: pod`: a pod update, which makes kubelet sync the pod at once.
    Touch,
    /// `signal: {container, signal}`.
    Signal {
        /// The container (filled in when the pod has only one).
        container: String,
        /// The signal's name without `SIG`, e.g. `HUP` (see [`SIGNALS`]).
        signal: String,
    },
    /// `sleep: DURATION`.
    Sleep(Duration),
    /// `assert: {…}`.
    Assert(Assertion),
}

impl Operation {
    /// The operation's key in a step, e.g. `update`.
    pub fn keyword(&self) -> &'static str {
        match self {
            Operation::Apply(_) => "apply",
            Operation::Update(_) => "update",
            Operation::Delete { .. } => "delete",
            Operation::Restart(_) => "restart",
            Operation::Recreate => "recreate",
            Operation::Touch => "touch",
            Operation::Signal { .. } => "signal",
            Operation::Sleep(_) => "sleep",
            Operation::Assert(_) => "assert",
        }
    }
}

/// The one signal table: every name `signal:` accepts (written with or without `SIG`) and its
/// Linux number. The validator, the process runtime and the docker runtime all read it, so a
/// name that validates is a signal that can be sent.
pub const SIGNAL_TABLE: [(&str, i32); 29] = [
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("CHLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("SYS", libc::SIGSYS),
];

/// The signal names `signal:` accepts, in [`SIGNAL_TABLE`] order.
pub const SIGNALS: &[&str] = &signal_names();

const fn signal_names() -> [&'static str; SIGNAL_TABLE.len()] {
    let mut names = [""; SIGNAL_TABLE.len()];
    let mut i = 0;
    while i < SIGNAL_TABLE.len() {
        names[i] = SIGNAL_TABLE[i].0;
        i += 1;
    }
    names
}

/// The number of a signal named as `signal:` accepts it (`HUP` or `SIGHUP`), from
/// [`SIGNAL_TABLE`].
pub fn signal_number(name: &str) -> Option<i32> {
    let bare = name.strip_prefix("SIG").unwrap_or(name);
    SIGNAL_TABLE
        .iter()
        .find(|(n, _)| *n == bare)
        .map(|(_, number)| *number)
}

/// The methods `http: {method}` accepts.
pub const HTTP_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// What an `http` observation sends besides the path. The default is what `curl
/// http://127.0.0.1:PORT/PATH` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `method:`, one of [`HTTP_METHODS`] (default `GET`).
    pub method: String,
    /// `headers:`, in the order written; each replaces the default header of the same name
    /// (`Host: 127.0.0.1:PORT`, `User-Agent`, `Accept: */*`, `Connection: close`).
    pub headers: Vec<(String, String)>,
    /// `body:`, sent with a `Content-Length`.
    pub body: Option<String>,
}

impl Default for HttpRequest {
    fn default() -> Self {
        Self {
            method: "GET".into(),
            headers: Vec::new(),
            body: None,
        }
    }
}

/// The kind of object `update` and `delete` act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    /// A ConfigMap (`configMap: NAME`).
    ConfigMap,
    /// A Secret (`secret: NAME`).
    Secret,
}

impl ObjectKind {
    /// The Kubernetes kind, `ConfigMap` or `Secret`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "ConfigMap",
            ObjectKind::Secret => "Secret",
        }
    }

    /// The key that selects this kind in a step: `configMap` or `secret`.
    pub fn key(&self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "configMap",
            ObjectKind::Secret => "secret",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `update:` — a merge into a ConfigMap or Secret; a `None` value deletes the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The object's kind.
    pub kind: ObjectKind,
    /// The object's name (in the workload's namespace).
    pub name: String,
    /// `data`: plain text for a ConfigMap, base64 for a Secret (checked at load).
    pub data: BTreeMap<String, Option<String>>,
    /// `binaryData` (ConfigMap only): base64 (checked at load).
    pub binary_data: BTreeMap<String, Option<String>>,
    /// `stringData` (Secret only): plain text.
    pub string_data: BTreeMap<String, Option<String>>,
}

/// `assert:` — one observation, predicates on it, and a timing rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    /// What is observed.
    pub observation: Observation,
    /// What must hold of it (empty for structured observations, which match by their fields).
    pub predicates: Predicates,
    /// When it must hold.
    pub timing: AssertTiming,
    /// `after: STEP`: the latency is measured from that (earlier) step's completion.
    pub after: Option<String>,
}

/// When an assertion must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssertTiming {
    /// No timing key: checked once, now.
    #[default]
    Now,
    /// `within: D`: eventually; passes on the first good sample.
    Within(Duration),
    /// `throughout: D`: consistently; fails on the first bad sample.
    Throughout(Duration),
}

/// What an assertion observes.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// `file: PATH`: a file's content as seen inside the container.
    File {
        /// An absolute path inside the container.
        path: String,
        /// `container:`; `None` only when the pod has one container.
        container: Option<String>,
    },
    /// `dir: PATH`: the visible entry names of a directory, one per line, sorted.
    Dir {
        /// An absolute path inside the container.
        path: String,
        /// `container:`; `None` only when the pod has one container.
        container: Option<String>,
    },
    /// `env: NAME`: a variable of the running process's environment.
    Env {
        /// The variable's name.
        name: String,
        /// `container:`; `None` only when the pod has one container.
        container: Option<String>,
    },
    /// `log: CONTAINER`: the container's output since it started (or since a step).
    Log {
        /// The container.
        container: String,
        /// `since: STEP`: only output after that (earlier) step completed.
        since: Option<String>,
    },
    /// `http: {port, path, method, headers, body}`: the response to a request to the pod.
    Http {
        /// The port.
        port: u16,
        /// The request path (default `/`).
        path: String,
        /// `container:`; `None` only when the pod has one container.
        container: Option<String>,
        /// The method, headers and body (default: a GET like curl's).
        request: HttpRequest,
    },
    /// `tls: {port}`: the leaf certificate the pod serves.
    Tls {
        /// The port.
        port: u16,
        /// `container:`; `None` only when the pod has one container.
        container: Option<String>,
    },
    /// `container: {name, state, reason, restarts}`: a partial match of a container's status.
    Container(ContainerMatch),
    /// `pod: {phase}`: a partial match of the pod's status.
    Pod(PodMatch),
    /// `event: {reason}`: some event with that reason (a top-level `contains` applies to its
    /// message).
    Event {
        /// The event's reason, e.g. `FailedMount`.
        reason: String,
    },
}

impl Observation {
    /// The observation's key in an assert, e.g. `file`.
    pub fn keyword(&self) -> &'static str {
        match self {
            Observation::File { .. } => "file",
            Observation::Dir { .. } => "dir",
            Observation::Env { .. } => "env",
            Observation::Log { .. } => "log",
            Observation::Http { .. } => "http",
            Observation::Tls { .. } => "tls",
            Observation::Container(_) => "container",
            Observation::Pod(_) => "pod",
            Observation::Event { .. } => "event",
        }
    }
}

/// `container: {…}`: each listed field must equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerMatch {
    /// `name`; `None` only when the pod has one container.
    pub name: Option<String>,
    /// `state`.
    pub state: Option<ContainerStateKind>,
    /// `reason`, e.g. `CreateContainerConfigError` (of a waiting or terminated state).
    pub reason: Option<String>,
    /// `restarts`: the restart count.
    pub restarts: Option<u32>,
}

/// A container's state, as in the pod's `containerStatuses[].state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerStateKind {
    /// `running`.
    Running,
    /// `waiting`.
    Waiting,
    /// `terminated`.
    Terminated,
}

impl ContainerStateKind {
    /// The value as written: `running`, `waiting` or `terminated`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ContainerStateKind::Running => "running",
            ContainerStateKind::Waiting => "waiting",
            ContainerStateKind::Terminated => "terminated",
        }
    }
}

/// `pod: {…}`: each listed field must equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodMatch {
    /// `phase`.
    pub phase: Option<PodPhase>,
}

/// A pod's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PodPhase {
    /// `Pending`.
    Pending,
    /// `Running`.
    Running,
    /// `Succeeded`.
    Succeeded,
    /// `Failed`.
    Failed,
    /// `Unknown`.
    Unknown,
}

impl PodPhase {
    /// The value as written (and as in `status.phase`).
    pub fn as_str(&self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
            PodPhase::Unknown => "Unknown",
        }
    }
}

/// Predicates on an observation's text (all that are set must hold).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Predicates {
    /// `equals`: the whole text.
    pub equals: Option<String>,
    /// `notEquals`.
    pub not_equals: Option<String>,
    /// `contains`: a substring.
    pub contains: Option<String>,
    /// `notContains`.
    pub not_contains: Option<String>,
    /// `matches`: a regular expression (unanchored: use `^…$` to match the whole text).
    pub matches: Option<Pattern>,
    /// `exists`: whether the file/dir exists, the variable is set.
    pub exists: Option<bool>,
    /// `mode`: the permission bits (`"0440"`), of the file as seen through symlinks.
    pub mode: Option<u32>,
    /// `count`: the number of non-overlapping matches of `contains` or `matches` (instead of
    /// "at least one").
    pub count: Option<usize>,
    /// `linkTarget`: the target of the path's symlink (e.g. `..data/LOG_LEVEL`).
    pub link_target: Option<String>,
    /// `status` (http): the response status code.
    pub status: Option<u16>,
    /// `cn` (tls): the certificate subject's common name.
    pub cn: Option<String>,
    /// `sha256` (tls): the certificate's SHA-256 fingerprint, lowercase hex without colons.
    pub sha256: Option<String>,
}

impl Predicates {
    /// Whether no predicate is set.
    pub fn is_empty(&self) -> bool {
        *self == Predicates::default()
    }
}

/// A compiled regular expression that compares by its source text.
#[derive(Debug, Clone)]
pub struct Pattern(Regex);

impl Pattern {
    /// Compiles `source`.
    pub fn new(source: &str) -> Result<Self, regex::Error> {
        Regex::new(source).map(Pattern)
    }

    /// The compiled expression.
    pub fn regex(&self) -> &Regex {
        &self.0
    }

    /// The source text, as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Pattern {}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

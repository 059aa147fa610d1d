//! The facts a run produces. Reporters consume these and nothing else, so a new output format
//! never touches the runner (the nextest model: events as data).

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

/// Something that happened during a run, in order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunEvent {
    /// Time since the whole run started.
    pub at: Duration,
    /// What happened.
    pub kind: RunEventKind,
}

/// An assertion still waiting (`within:`, `throughout:`): what for, for how long at most, and
/// for how long so far. The runner reports it about once a second through
/// `RunOptions::on_wait`; [`super::progress`] shows it on a terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitProgress {
    /// The scenario's name.
    pub scenario: String,
    /// e.g. `file /etc/config/LOG_LEVEL`.
    pub what: String,
    /// The assertion's `within:` or `throughout:`.
    pub limit: Duration,
    /// Time waited so far (on tokio's clock).
    pub waited: Duration,
    /// True once the wait is over (the line can be cleared).
    pub done: bool,
}

/// Who hears of [`WaitProgress`] (shared by the worker threads of a run).
pub type OnWait = std::sync::Arc<dyn Fn(&WaitProgress) + Send + Sync>;

/// The kinds of [`RunEvent`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum RunEventKind {
    /// A scenario began.
    ScenarioStarted {
        /// The scenario's name.
        scenario: String,
        /// Its file.
        file: PathBuf,
        /// The backend in use, e.g. `process`.
        backend: String,
        /// The timing profile in force, e.g. `fast`.
        timing: String,
    },
    /// One step finished (passed, failed or errored).
    StepFinished {
        /// The scenario's name.
        scenario: String,
        /// The step's result.
        step: StepResult,
    },
    /// A scenario finished.
    ScenarioFinished {
        /// Its full result.
        result: ScenarioResult,
    },
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "status", content = "message")]
pub enum Outcome {
    /// The operation succeeded or the assertion held.
    Passed,
    /// The assertion did not hold: what was expected versus observed.
    Failed(String),
    /// The step could not be carried out (e.g. the API server rejected an update).
    Error(String),
    /// Not run because an earlier step failed.
    Skipped,
}

/// One step's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    /// 1-based position in the scenario.
    pub index: usize,
    /// The step's `name:`, if any.
    pub name: Option<String>,
    /// The step's line in the scenario file.
    pub line: u64,
    /// A one-line description, e.g. `update configMap python-app-config` or
    /// `assert file /etc/config/LOG_LEVEL equals "DEBUG" within 90s`.
    pub summary: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The last observed value (redacted when Secret-derived), for assertions.
    pub observed: Option<String>,
    /// Latency measured from the `after:` step's completion to the first good sample.
    pub latency: Option<Duration>,
    /// The step `latency` is measured from (the assertion's `after:`).
    pub latency_from: Option<String>,
    /// How long the step took.
    pub elapsed: Duration,
    /// What the user needs to understand a failure; only on failed or errored steps.
    pub diagnostics: Option<Diagnostics>,
}

/// What kubedrill saw when a step failed.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    /// Every volume's tree as the container sees it.
    pub volumes: Vec<VolumeTree>,
    /// The container's env (redacted values for Secret-derived names), per container.
    pub env: Vec<(String, Vec<(String, String)>)>,
    /// An excerpt of each container's log: its first and last lines, consecutive repeats
    /// collapsed to `LINE ×N`, omitted lines marked (see [`log_excerpt`](super::excerpt::log_excerpt)).
    pub logs: Vec<(String, Vec<String>)>,
    /// The pod's event timeline, e.g. `+0.012s Warning FailedMount MountVolume.SetUp failed…`.
    pub events: Vec<String>,
}

/// A volume's directory listing.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeTree {
    /// The volume's name.
    pub volume: String,
    /// Where it is mounted in the container.
    pub mount_path: String,
    /// One entry per path, in walk order.
    pub entries: Vec<TreeEntry>,
}

/// One entry of a [`VolumeTree`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeEntry {
    /// Path relative to the volume root.
    pub path: String,
    /// `dir`, `file` or `link`.
    pub kind: String,
    /// Permission bits, e.g. `0644`.
    pub mode: String,
    /// The link target, for links.
    pub target: Option<String>,
    /// The first 12 hex digits of the content's sha256, for files; `None` for a redacted
    /// Secret-derived file (a short hash lets anyone test guesses of a low-entropy Secret).
    pub sha256: Option<String>,
    /// The file's size in bytes, for files.
    pub size: Option<u64>,
    /// The beginning of a small UTF-8 file (at most 3 lines and 120 characters); `None` for
    /// binary or large files and for a redacted Secret-derived file.
    pub preview: Option<String>,
    /// Whether the file carries Secret data (it is in a Secret volume, or in a projected
    /// volume with a Secret source).
    pub secret: bool,
}

/// A whole scenario's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioResult {
    /// The scenario's name.
    pub scenario: String,
    /// Its file.
    pub file: PathBuf,
    /// The backend used.
    pub backend: String,
    /// The timing profile in force.
    pub timing: String,
    /// Every step, in order (skipped ones included).
    pub steps: Vec<StepResult>,
    /// Wall time of the scenario.
    pub duration: Duration,
    /// A setup failure that prevented the steps from running at all.
    pub error: Option<String>,
    /// The scratch dir, when kept (`--keep`).
    pub kept_dir: Option<PathBuf>,
    /// Each container's output (stdout and stderr in arrival order, Secret values redacted),
    /// of its last run, read after the scenario stopped it.
    pub logs: Vec<ContainerLog>,
    /// The verdict on `spec.expect` (an expected failure), when the scenario declares one: it
    /// then decides [`ScenarioResult::passed`].
    pub expected_failure: Option<ExpectedFailure>,
}

/// The verdict on a scenario's `spec.expect` (see `runner::expect`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectedFailure {
    /// Whether the scenario failed exactly as expected.
    pub met: bool,
    /// One line saying what happened, e.g. `failed as expected at step `reload``.
    pub detail: String,
}

/// One container's log in a [`ScenarioResult`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerLog {
    /// The container's name.
    pub container: String,
    /// Its lines, without newlines.
    pub lines: Vec<String>,
}

impl ScenarioResult {
    /// True when no step failed or errored and setup succeeded; for a scenario with
    /// `spec.expect`, when it failed exactly as expected.
    pub fn passed(&self) -> bool {
        if let Some(expected) = &self.expected_failure {
            return expected.met;
        }
        self.error.is_none()
            && self
                .steps
                .iter()
                .all(|s| matches!(s.outcome, Outcome::Passed))
    }
}

//! What a lint rule reports: a [`Finding`] with its [`Level`].

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth knowing.
    Info,
    /// Likely a bug or a security problem.
    Warning,
    /// kubelet will not start the pod.
    Error,
}

impl Level {
    /// The level as the CLI prints it: `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A level name that is not `info`, `warning` or `error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level `{0}` (hint: use error, warning or info)")]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;

    /// `info`, `warning` or `error` (as `--fail-on` takes them).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Level::Info),
            "warning" => Ok(Level::Warning),
            "error" => Ok(Level::Error),
            other => Err(UnknownLevel(other.to_string())),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding, located in a manifest.
///
/// Messages and hints name objects, keys, volumes and containers, never a ConfigMap or Secret
/// value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable code, e.g. `KD001`.
    pub code: &'static str,
    /// How serious.
    pub level: Level,
    /// `file:line` of the document (or field) it is about.
    pub location: String,
    /// The manifest file of [`Finding::location`], as given.
    pub file: PathBuf,
    /// The 1-based line of [`Finding::location`].
    pub line: u64,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

impl fmt::Display for Finding {
    /// `LOCATION: LEVEL CODE: MESSAGE (hint: HINT)`, as `kubedrill lint` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {}: {} (hint: {})",
            self.location, self.level, self.code, self.message, self.hint
        )
    }
}

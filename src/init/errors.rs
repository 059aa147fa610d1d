//! Why `kubedrill init` wrote nothing. Every case is invalid input (exit 2).

use std::path::PathBuf;

use crate::api::manifest::LoadError;
use crate::scenario::ScenarioError;

/// `kubedrill init` could not write a skeleton.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// No `-f`.
    #[error("no manifests given (hint: kubedrill init -f deploy/)")]
    NoManifests,
    /// A manifest cannot be read or is invalid.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A file or directory cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The manifests hold no Pod or workload.
    #[error(
        "the manifests hold no Pod or workload (found: {found}) (hint: add the file with the \
         Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod to -f)"
    )]
    NoWorkload {
        /// What they hold.
        found: String,
    },
    /// Several workloads and no `--workload`.
    #[error(
        "the manifests hold {} workloads: {} (hint: pick one with --workload NAME)",
        found.len(),
        found.join(", ")
    )]
    SeveralWorkloads {
        /// `Kind/name (file:line)` of each.
        found: Vec<String>,
    },
    /// `--workload` names none of them.
    #[error(
        "no workload named {wanted:?} (hint: the manifests hold {})",
        if found.is_empty() { "none".to_string() } else { found.join(", ") }
    )]
    NoSuchWorkload {
        /// What was asked for.
        wanted: String,
        /// `Kind/name (file:line)` of each workload.
        found: Vec<String>,
    },
    /// A file the scenario must name holds other workloads too.
    #[error(
        "{} holds {workload} and also {} (hint: a scenario names the workload's file and files \
         of ConfigMaps and Secrets, each without other workloads: put each workload in its own \
         file)",
        file.display(),
        others.join(", ")
    )]
    SharedWorkloadFile {
        /// The file.
        file: PathBuf,
        /// What the scenario needs from it.
        workload: String,
        /// The other workloads in it.
        others: Vec<String>,
    },
    /// The output file exists.
    #[error("{} exists (hint: pass --force to overwrite it, or pick another -o)", .0.display())]
    Exists(PathBuf),
    /// The scenario loader refused the generated text (a kubedrill bug): nothing was written.
    #[error("the generated scenario does not load, nothing was written: {error}")]
    Invalid {
        /// The loader's error.
        error: Box<ScenarioError>,
    },
}

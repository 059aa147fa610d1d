//! `kubedrill lint`: static findings about how manifests consume ConfigMaps and Secrets.
//! IMPLEMENTATION IN PROGRESS.

use crate::api::ManifestSet;

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

/// One finding, located in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable code, e.g. `KD001`.
    pub code: &'static str,
    /// How serious.
    pub level: Level,
    /// `file:line` of the document (or field) it is about.
    pub location: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// Every finding for a set of manifests, sorted by location.
pub fn lint(_set: &ManifestSet) -> Vec<Finding> {
    Vec::new()
}

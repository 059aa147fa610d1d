//! [`ClusterBackendFactory`]: one [`ClusterBackend`] per scenario, for the runner's dispatcher.
//!
//! It owns the connection made once before anything runs (kubeconfig read, `GET /version`
//! answered) and turns it into a client on the worker's runtime for each scenario. It must not
//! decide anything about the scenario's steps: that is [`ClusterBackend`]'s job.

use std::path::{Path, PathBuf};

use super::{ClusterBackend, ClusterOptions, ClusterScenario, Connection};
use crate::backend::{BackendError, BackendFactory};
use crate::kubelet::timing::TimingProfile;
use crate::scenario::Scenario;

/// What the report's timing line says on a cluster under `fast` timing (a real kubelet's sync
/// period cannot be shortened from outside; a pod update makes it sync at once, spec §7.3).
pub const FAST_ON_A_CLUSTER: &str = "(on a cluster: touch: pod after each mutation)";

/// Makes a [`ClusterBackend`] for each scenario from one [`Connection`].
pub struct ClusterBackendFactory {
    /// The connection checked before the run.
    pub connection: Connection,
    /// `--namespace-prefix`, `--image`, `--keep`, ….
    pub options: ClusterOptions,
}

impl BackendFactory for ClusterBackendFactory {
    type Backend = ClusterBackend;

    fn create(
        &self,
        scenario: &Scenario,
        timing: &TimingProfile,
    ) -> Result<ClusterBackend, BackendError> {
        let conn = self
            .connection
            .on_this_runtime()
            .map_err(|e| BackendError::Runtime(e.to_string()))?;
        Ok(ClusterBackend::new(
            conn,
            self.options.clone(),
            ClusterScenario {
                name: scenario.name.clone(),
                workload: scenario.spec.workload.workload.clone(),
                run: scenario.spec.workload.run.clone(),
                base_dir: scenario_dir(&scenario.file),
                touch_after_mutation: timing.name == "fast",
            },
        ))
    }
}

/// The directory app files are read from: the scenario file's, absolute when it can be.
fn scenario_dir(file: &Path) -> PathBuf {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

//! `kubedrill run --backend cluster` and `--compare local,cluster`: connect once before
//! anything runs (a missing kubeconfig, an unreachable server or refused credentials exit 2
//! at once), then run each scenario on a [`ClusterBackend`] made on the worker's runtime.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kubedrill::backend::cluster::{
    ClusterBackend, ClusterOptions, ClusterScenario, Connection, connect,
};
use kubedrill::report::model::{RunEvent, ScenarioResult};
use kubedrill::runner::{RunOptions, run_scenario_on, timing_profile};
use kubedrill::scenario::Scenario;

/// Connects (kubeconfig, client, `GET /version`) on a runtime of its own.
pub fn prepare(opts: &ClusterOptions) -> Result<Connection, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(connect(opts)).map_err(|e| e.to_string())
}

/// Runs one scenario on the cluster.
pub async fn run_on_cluster(
    conn: &Connection,
    cluster: &ClusterOptions,
    scenario: &Scenario,
    opts: &RunOptions,
    run_start: Instant,
    emit: &mut dyn FnMut(RunEvent),
) -> ScenarioResult {
    let conn = match conn.on_this_runtime() {
        Ok(c) => c,
        Err(e) => {
            return ScenarioResult {
                scenario: scenario.name.clone(),
                file: scenario.file.clone(),
                backend: "cluster".into(),
                timing: String::new(),
                steps: Vec::new(),
                duration: Duration::ZERO,
                error: Some(e.to_string()),
                kept_dir: None,
                logs: Vec::new(),
            };
        }
    };
    let base_dir = scenario
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let base_dir = std::fs::canonicalize(&base_dir).unwrap_or(base_dir);
    let fast = timing_profile(scenario, opts.timing.as_deref()).name == "fast";
    let backend = ClusterBackend::new(
        conn,
        cluster.clone(),
        ClusterScenario {
            name: scenario.name.clone(),
            workload: scenario.spec.workload.workload.clone(),
            run: scenario.spec.workload.run.clone(),
            base_dir,
            touch_after_mutation: fast,
        },
    );
    let cleanup_error = backend.cleanup_error();
    let mut result = run_scenario_on(scenario, opts, backend, run_start, emit).await;
    if let Some(e) = cleanup_error.lock().ok().and_then(|mut e| e.take()) {
        eprintln!("error: {e}");
        result.error.get_or_insert(e);
    }
    if fast {
        result.timing = format!(
            "{} (on a cluster: touch: pod after each mutation)",
            result.timing
        );
    }
    result
}

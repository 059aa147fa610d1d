//! The runner through the `Backend` seam with a backend that is not the local one: a stand-in
//! for a remote API server whose log lines carry the server's own (wall-clock) timestamps.
//! `after:` latency and `since:` must come from those timestamps, not from when the runner
//! happened to poll.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use kubedrill::api::Manifest;
use kubedrill::backend::{Backend, BackendError, LogLine, Observed, clock};
use kubedrill::kubelet::timing::TimingProfile;
use kubedrill::report::model::{ContainerLog, Diagnostics, Outcome};
use kubedrill::runner::{RunOptions, run_scenario};
use kubedrill::scenario::format::{ContainerStateKind, ObjectKind, Observation, Update};

/// Logs `reloaded` 7 s (server time) after each update; the line reaches the runner 3 s
/// after that (a slow log stream), so a latency taken when the runner saw it would be 10 s.
#[derive(Default)]
struct RemoteLike {
    lines: Vec<LogLine>,
    pending: Vec<LogLine>,
}

impl Backend for RemoteLike {
    fn name(&self) -> &str {
        "remote-like"
    }
    async fn start(&mut self, _: &[Manifest]) -> Result<(), BackendError> {
        self.lines.push(LogLine {
            at: clock::now(),
            text: "reloaded (initial load)".into(),
        });
        Ok(())
    }
    async fn apply(&mut self, _: &[Manifest]) -> Result<String, BackendError> {
        Err(BackendError::Rejected("apply is not supported here".into()))
    }
    async fn update(&mut self, u: &Update) -> Result<String, BackendError> {
        self.pending.push(LogLine {
            at: clock::now() + Duration::from_secs(7),
            text: format!("reloaded {}", u.name),
        });
        Ok(format!("configmap/{} patched", u.name))
    }
    async fn delete(&mut self, _: ObjectKind, name: &str) -> Result<String, BackendError> {
        Ok(format!("configmap \"{name}\" deleted"))
    }
    async fn restart(&mut self, c: &str) -> Result<(), BackendError> {
        Err(BackendError::NoSuchContainer(format!("no container {c:?}")))
    }
    async fn recreate_pod(&mut self) -> Result<(), BackendError> {
        Ok(())
    }
    async fn touch_pod(&mut self) -> Result<(), BackendError> {
        Ok(())
    }
    async fn signal(&mut self, _: &str, _: &str) -> Result<(), BackendError> {
        Ok(())
    }
    async fn tick(&mut self) {
        let now = clock::now();
        let (due, later): (Vec<_>, Vec<_>) = self
            .pending
            .drain(..)
            .partition(|l| l.at + Duration::from_secs(3) <= now);
        self.lines.extend(due);
        self.pending = later;
    }
    async fn observe(&mut self, o: &Observation) -> Observed {
        match o {
            Observation::Log { .. } => Observed::Log(self.lines.clone()),
            Observation::Container(_) => Observed::Container {
                state: ContainerStateKind::Running,
                reason: None,
                restarts: 0,
            },
            _ => Observed::Unavailable("not observable here".into()),
        }
    }
    fn is_secret(&self, _: &Observation) -> bool {
        false
    }
    fn secret_values(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
    fn container_logs(&self) -> Vec<(String, Vec<String>)> {
        vec![(
            "app".into(),
            self.lines.iter().map(|l| l.text.clone()).collect(),
        )]
    }
    async fn diagnostics(&mut self) -> Diagnostics {
        Diagnostics::default()
    }
    async fn shutdown(&mut self) {}
    fn finish(&mut self, _: &[ContainerLog]) -> Result<Option<PathBuf>, BackendError> {
        Ok(None)
    }
}

fn scenario(steps: &str) -> (tempfile::TempDir, kubedrill::scenario::Scenario) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("objects.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  LEVEL: INFO\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n",
    )
    .unwrap();
    let file = tmp.path().join("s.yaml");
    std::fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: s\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [unused]\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    let s = kubedrill::scenario::load(&file).unwrap();
    (tmp, s)
}

async fn run(s: &kubedrill::scenario::Scenario) -> kubedrill::report::model::ScenarioResult {
    let factory = |_: &kubedrill::scenario::Scenario, _: &TimingProfile| Ok(RemoteLike::default());
    run_scenario(
        s,
        &factory,
        &RunOptions::default(),
        tokio::time::Instant::now(),
        &mut |_| {},
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn seam_after_latency_comes_from_the_log_lines_timestamp() {
    let (_tmp, s) = scenario(
        "    - sleep: 1s\n    - name: bump\n      update: {configMap: cfg, data: {LEVEL: DEBUG}}\n    - assert: {log: app, contains: reloaded cfg, within: 30s, after: bump}\n    - assert: {log: app, since: bump, notContains: initial load}\n    - assert: {container: {name: app, state: running}}\n",
    );
    let before = SystemTime::now();
    let r = run(&s).await;
    assert!(r.passed(), "{r:#?}");
    assert_eq!(r.backend, "remote-like");
    let latency = r.steps[2].latency.unwrap();
    assert!(
        latency >= Duration::from_secs(7) && latency < Duration::from_millis(7_020),
        "{latency:?}"
    );
    assert_eq!(r.steps[2].latency_from.as_deref(), Some("bump"));
    // Wall-clock timestamps: virtual time moved them, the real clock barely moved.
    assert!(SystemTime::now().duration_since(before).unwrap() < Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn seam_typed_errors_become_step_errors_with_their_message() {
    let (_tmp, s) = scenario("    - restart: app\n    - assert: {log: app, contains: x}\n");
    let r = run(&s).await;
    assert_eq!(
        r.steps[0].outcome,
        Outcome::Error("no container \"app\"".into())
    );
    assert_eq!(r.steps[1].outcome, Outcome::Skipped);
}

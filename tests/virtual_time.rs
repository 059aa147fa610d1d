//! `timing: kubelet` scenarios (60–90 s sync periods) in virtual time: tokio's clock is paused
//! and jumps to the next timer whenever the runtime is idle, so minutes of kubelet timing pass
//! in well under a second. The containers are `RuntimeKind::Simulated` (no process: a real
//! process's readiness and exit waits would time out under a clock that jumps, see
//! `kubedrill::backend::clock`); kubelet's sync loop, payloads and `..data` swaps are the real
//! ones, on disk.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kubedrill::backend::local::{LocalBackendFactory, RuntimeKind};
use kubedrill::report::model::{Outcome, ScenarioResult};
use kubedrill::runner::{RunOptions, run_scenario};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed's manifests and a reload scenario: three updates of app.conf, each asserted
/// unchanged at once and changed within 90 s after its update.
fn seed_reload_scenario(dir: &Path, timing: &str) -> kubedrill::scenario::Scenario {
    for f in ["configmap.yaml", "secret.yaml", "deployment.yaml"] {
        std::fs::copy(root().join("scenarios/seed").join(f), dir.join(f)).unwrap();
    }
    let mut steps =
        String::from("    - assert: {file: /etc/config/app.conf, contains: host=db-svc}\n");
    let mut previous = "db-svc".to_string();
    for n in 1..=3 {
        let host = format!("db-v{n}");
        steps += &format!(
            "    - name: bump{n}\n      update: {{configMap: python-app-conf, data: {{app.conf: \"[database]\\nhost={host}\\n\"}}}}\n\
             \x20   - assert: {{file: /etc/config/app.conf, contains: host={previous}}}\n\
             \x20   - assert: {{file: /etc/config/app.conf, contains: host={host}, within: 90s, after: bump{n}}}\n\
             \x20   - assert: {{env: LOG_LEVEL, equals: INFO}}\n"
        );
        previous = host;
    }
    let file = dir.join("seed-reload.yaml");
    std::fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: seed-reload\nspec:\n  timing: {timing}\n  objects:\n    - file: configmap.yaml\n    - file: secret.yaml\n  workload:\n    file: deployment.yaml\n    run:\n      app:\n        command: [python3, app.py]\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    kubedrill::scenario::load(&file).unwrap()
}

fn simulated(scratch: &Path) -> LocalBackendFactory {
    LocalBackendFactory {
        runtime: RuntimeKind::Simulated,
        exe: PathBuf::from("/nonexistent"),
        keep: false,
        scratch_root: Some(scratch.to_path_buf()),
    }
}

async fn run(scenario: &kubedrill::scenario::Scenario, scratch: &Path) -> ScenarioResult {
    run_scenario(
        scenario,
        &simulated(scratch),
        &RunOptions::default(),
        tokio::time::Instant::now(),
        &mut |_| {},
    )
    .await
}

fn latencies(result: &ScenarioResult) -> Vec<Duration> {
    result.steps.iter().filter_map(|s| s.latency).collect()
}

/// §7.3: under `timing: kubelet` an update becomes visible only at the pod's next periodic
/// sync, 60–90 s (Jitter(60s, 0.5)) after the previous one. Each update here follows the sync
/// that showed the previous one within a poll interval, so its latency is a whole period.
#[tokio::test(start_paused = true)]
async fn timing_7_3_kubelet_updates_show_at_the_next_periodic_sync_in_virtual_time() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = seed_reload_scenario(tmp.path(), "kubelet");
    let real = std::time::Instant::now();
    let virtual_start = tokio::time::Instant::now();
    let result = run(&scenario, tmp.path()).await;
    let virtual_elapsed = virtual_start.elapsed();
    let real_elapsed = real.elapsed();
    assert!(result.passed(), "{result:#?}");
    let lat = latencies(&result);
    assert_eq!(lat.len(), 3, "{result:#?}");
    for l in &lat {
        // An update lands at most one poll (10 ms) after the sync before it.
        assert!(
            *l >= Duration::from_millis(59_980) && *l < Duration::from_secs(90),
            "latency {l:?} outside the kubelet window: {lat:?}"
        );
    }
    assert!(
        virtual_elapsed >= Duration::from_secs(180),
        "{virtual_elapsed:?}"
    );
    // The clock was virtual: minutes passed on it, a small fraction of that in real time.
    assert!(
        real_elapsed * 20 < virtual_elapsed,
        "real {real_elapsed:?} for virtual {virtual_elapsed:?}"
    );
    eprintln!(
        "3 kubelet-timed updates: virtual {virtual_elapsed:?}, real {real_elapsed:?}, latencies {lat:?}"
    );
}

/// The same seed gives the same sync schedule, so the same latencies (`timing.seed`).
#[tokio::test(start_paused = true)]
async fn timing_7_3_seeded_custom_timing_repeats_its_latencies() {
    let tmp = tempfile::tempdir().unwrap();
    let timing = "{syncPeriod: 60s, jitter: 0.5, seed: 7}";
    let a = run(&seed_reload_scenario(tmp.path(), timing), tmp.path()).await;
    let b = run(&seed_reload_scenario(tmp.path(), timing), tmp.path()).await;
    assert!(a.passed() && b.passed(), "{a:#?}\n{b:#?}");
    let (la, lb) = (latencies(&a), latencies(&b));
    assert_eq!(la.len(), 3);
    for (x, y) in la.iter().zip(&lb) {
        let diff = if x > y { *x - *y } else { *y - *x };
        assert!(diff <= Duration::from_millis(20), "{la:?} vs {lb:?}");
    }
}

/// A wait that ends before the next sync fails after its virtual wait: 20 s + 30 s is not
/// enough for kubelet's first periodic sync, 60–90 s after the pod started.
#[tokio::test(start_paused = true)]
async fn timing_7_3_within_shorter_than_the_sync_period_fails_after_its_virtual_wait() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["configmap.yaml", "secret.yaml", "deployment.yaml"] {
        std::fs::copy(root().join("scenarios/seed").join(f), tmp.path().join(f)).unwrap();
    }
    let file = tmp.path().join("short.yaml");
    std::fs::write(
        &file,
        "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: short\nspec:\n  timing: kubelet\n  objects:\n    - file: configmap.yaml\n    - file: secret.yaml\n  workload:\n    file: deployment.yaml\n    run:\n      app:\n        command: [python3, app.py]\n  steps:\n    - update: {configMap: python-app-conf, data: {app.conf: changed}}\n    - assert: {file: /etc/config/app.conf, contains: host=db-svc, throughout: 20s}\n    - assert: {file: /etc/config/app.conf, equals: changed, within: 30s}\n",
    )
    .unwrap();
    let scenario = kubedrill::scenario::load(&file).unwrap();
    let start = tokio::time::Instant::now();
    let result = run(&scenario, tmp.path()).await;
    let last = result.steps.last().unwrap();
    match &last.outcome {
        Outcome::Failed(m) => assert!(m.contains("within 30s"), "{m}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(result.steps[1].outcome == Outcome::Passed, "{result:#?}");
    // 20 s throughout + 30 s within, both virtual, all before the first sync (60 s or later).
    assert!(
        start.elapsed() >= Duration::from_secs(50),
        "{:?}",
        start.elapsed()
    );
}

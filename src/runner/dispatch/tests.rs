//! The dispatcher's guarantees, on simulated containers (no process, so these run anywhere).

use std::path::Path;

use super::*;
use crate::backend::local::{LocalBackendFactory, RuntimeKind};

/// Writes `NAME.yaml` (metadata.name `name`) with `steps` into `dir`, with its manifests.
fn scenario(dir: &Path, file: &str, name: &str, steps: &str) -> Scenario {
    std::fs::write(
        dir.join("objects.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  LEVEL: INFO\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n      volumeMounts:\n        - {name: cfg, mountPath: /etc/config}\n  volumes:\n    - name: cfg\n      configMap: {name: cfg}\n",
    )
    .unwrap();
    let path = dir.join(format!("{file}.yaml"));
    std::fs::write(
        &path,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [unused]\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    crate::scenario::load(&path).unwrap()
}

const PASSING: &str = "    - assert: {file: /etc/config/LEVEL, equals: INFO}\n";

fn factory(scratch: &Path) -> LocalBackendFactory {
    LocalBackendFactory {
        runtime: RuntimeKind::Simulated,
        exe: std::path::PathBuf::from("/nonexistent"),
        keep: false,
        scratch_root: Some(scratch.to_path_buf()),
    }
}

fn opts(jobs: usize) -> RunAllOptions {
    RunAllOptions {
        jobs,
        repeat: 1,
        ..RunAllOptions::default()
    }
}

/// Issue 9 bug 1: a worker whose runtime cannot be built once made its scenarios vanish (the
/// worker returned, nobody else took them, and the run exited 0 with fewer results).
#[test]
fn dispatch_worker_that_fails_to_start_leaves_its_work_to_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios: Vec<Scenario> = (0..3)
        .map(|i| scenario(tmp.path(), &format!("s{i}"), &format!("s{i}"), PASSING))
        .collect();
    let outcome = run_all_with(
        &scenarios,
        &factory(tmp.path()),
        &opts(2),
        &mut |_| {},
        &Cancel::new(),
        &|worker| {
            if worker == 0 {
                Err(std::io::Error::other("injected"))
            } else {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
            }
        },
    );
    assert_eq!(outcome.results.len(), 3);
    assert!(outcome.all_passed(), "{:?}", outcome.results);
}

#[test]
fn dispatch_scenarios_no_worker_could_run_are_setup_errors_not_silence() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios: Vec<Scenario> = (0..3)
        .map(|i| scenario(tmp.path(), &format!("s{i}"), &format!("s{i}"), PASSING))
        .collect();
    let mut finished = Vec::new();
    let outcome = run_all_with(
        &scenarios,
        &factory(tmp.path()),
        &opts(2),
        &mut |e| {
            if let RunEventKind::ScenarioFinished { result } = &e.kind {
                finished.push(result.scenario.clone());
            }
        },
        &Cancel::new(),
        &|_| Err(std::io::Error::other("no threads left")),
    );
    assert_eq!(
        outcome.results.len(),
        3,
        "every scenario found has a result"
    );
    assert!(!outcome.all_passed());
    for r in &outcome.results {
        let error = r.error.as_deref().unwrap_or_default();
        assert!(
            error.starts_with("not run: worker") && error.contains("no threads left"),
            "{error}"
        );
    }
    assert_eq!(finished, ["s0", "s1", "s2"], "the sink hears of each");
}

/// Issue 9 bug 2: two scenarios with one name under `--jobs 2` merged in the console, which
/// keys its output on the name. The dispatcher now delivers each run's events together.
#[test]
fn dispatch_runs_with_one_name_reach_the_sink_one_after_the_other() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir_in(tmp.path()).unwrap();
    let b = tempfile::tempdir_in(tmp.path()).unwrap();
    let slow = "    - sleep: 150ms\n    - assert: {file: /etc/config/LEVEL, equals: INFO}\n    - sleep: 150ms\n";
    let scenarios = vec![
        scenario(a.path(), "twin", "twin", slow),
        scenario(b.path(), "twin", "twin", slow),
    ];
    let mut seen: Vec<(String, &'static str)> = Vec::new();
    let outcome = run_all(
        &scenarios,
        &factory(tmp.path()),
        &opts(2),
        &mut |e| {
            seen.push(match &e.kind {
                RunEventKind::ScenarioStarted { file, .. } => (file.display().to_string(), "start"),
                RunEventKind::StepFinished { step, .. } => (
                    step.summary.clone(),
                    if step.index == 3 { "last-step" } else { "step" },
                ),
                RunEventKind::ScenarioFinished { result } => {
                    (result.file.display().to_string(), "finish")
                }
            })
        },
        &Cancel::new(),
    );
    assert!(outcome.all_passed(), "{:?}", outcome.results);
    let kinds: Vec<&str> = seen.iter().map(|(_, k)| *k).collect();
    assert_eq!(
        kinds,
        [
            "start",
            "step",
            "step",
            "last-step",
            "finish",
            "start",
            "step",
            "step",
            "last-step",
            "finish"
        ],
        "{seen:?}"
    );
    assert_eq!(
        seen[0].0, seen[4].0,
        "one run's start and finish belong together"
    );
    assert_ne!(seen[0].0, seen[5].0);
}

#[test]
fn dispatch_repeat_names_each_run_and_fail_fast_stops_starting() {
    let tmp = tempfile::tempdir().unwrap();
    let failing = "    - assert: {file: /etc/config/LEVEL, equals: DEBUG}\n";
    let scenarios = vec![
        scenario(tmp.path(), "bad", "bad", failing),
        scenario(tmp.path(), "good", "good", PASSING),
    ];
    let mut o = opts(1);
    o.repeat = 2;
    let outcome = run_all(
        &scenarios,
        &factory(tmp.path()),
        &o,
        &mut |_| {},
        &Cancel::new(),
    );
    let names: Vec<&str> = outcome
        .results
        .iter()
        .map(|r| r.scenario.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "bad [run 1/2]",
            "bad [run 2/2]",
            "good [run 1/2]",
            "good [run 2/2]"
        ]
    );
    assert!(outcome.flaky.is_empty(), "always failing is not flaky");
    o.fail_fast = true;
    let outcome = run_all(
        &scenarios,
        &factory(tmp.path()),
        &o,
        &mut |_| {},
        &Cancel::new(),
    );
    assert_eq!(outcome.results.len(), 1);
    assert_eq!(outcome.not_started, 3);
    assert!(!outcome.all_passed());
}

#[test]
fn dispatch_cancelled_before_start_runs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = vec![scenario(tmp.path(), "s", "s", PASSING)];
    let cancel = Cancel::new();
    cancel.cancel();
    let outcome = run_all(
        &scenarios,
        &factory(tmp.path()),
        &opts(1),
        &mut |_| {},
        &cancel,
    );
    assert!(outcome.cancelled);
    assert!(outcome.results.is_empty());
    assert_eq!(cancel.signal(), Some(Interrupt::Interrupt));
}

//! Every example scenario (and every expected failure) on a real cluster, through
//! `--backend cluster` and through `--compare local,cluster`. These need a cluster:
//! `KUBEDRILL_TEST_KUBECONFIG=FILE cargo test --test cluster_e2e -- --ignored` (.ci/run does
//! this when the variable is set). `KUBEDRILL_TEST_IMAGE` (default `python:3.12-alpine`) is
//! the image the apps run in (`--image`): the manifests name a registry that does not exist.
//! Without the variable each test fails saying so; it never passes silently.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const NEEDS: &str = "needs a cluster: set KUBEDRILL_TEST_KUBECONFIG";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kubeconfig() -> String {
    match std::env::var("KUBEDRILL_TEST_KUBECONFIG") {
        Ok(k) if !k.is_empty() => k,
        _ => panic!("{NEEDS}"),
    }
}

fn image() -> String {
    std::env::var("KUBEDRILL_TEST_IMAGE").unwrap_or_else(|_| "python:3.12-alpine".into())
}

/// The scenario files of `dir` (not recursive), sorted.
fn scenarios(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("scenario dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && std::fs::read_to_string(p).is_ok_and(|t| t.contains("kind: Scenario"))
        })
        .collect();
    files.sort();
    files
}

fn run(extra: &[&str], file: &Path) -> (i32, String, String) {
    let kubeconfig = kubeconfig();
    let image = image();
    let mut args = vec!["run", "--kubeconfig", &kubeconfig, "--image", &image];
    args.extend_from_slice(extra);
    let out = Command::new(BIN)
        .args(&args)
        .arg(file)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubedrill");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs every scenario of `dir` with `extra` and checks each exit code is `expected`;
/// reports every scenario that differs, not only the first.
fn all_exit(dir: &str, extra: &[&str], expected: i32) {
    let mut wrong = Vec::new();
    let files = scenarios(dir);
    assert!(!files.is_empty(), "no scenarios in {dir}");
    for f in &files {
        let (code, stdout, stderr) = run(extra, f);
        if code != expected {
            wrong.push(format!(
                "{}: exit {code}, expected {expected}\n{stdout}\n{stderr}",
                f.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
#[ignore = "needs a cluster: set KUBEDRILL_TEST_KUBECONFIG"]
fn every_example_scenario_passes_on_the_cluster() {
    all_exit("scenarios", &["--backend", "cluster"], 0);
}

#[test]
#[ignore = "needs a cluster: set KUBEDRILL_TEST_KUBECONFIG"]
fn every_expected_failure_fails_on_the_cluster() {
    all_exit("scenarios/expected-failures", &["--backend", "cluster"], 1);
}

#[test]
#[ignore = "needs a cluster: set KUBEDRILL_TEST_KUBECONFIG"]
fn every_conformance_scenario_passes_on_the_cluster() {
    all_exit("scenarios/conformance", &["--backend", "cluster"], 0);
}

#[test]
#[ignore = "needs a cluster: set KUBEDRILL_TEST_KUBECONFIG"]
fn compare_reports_every_step_of_every_scenario_in_json() {
    let dir = tempfile::tempdir().expect("dir");
    let mut wrong = Vec::new();
    for f in scenarios("scenarios")
        .into_iter()
        .chain(scenarios("scenarios/expected-failures"))
    {
        let report = dir.path().join("r.json");
        let spec = format!("json={}", report.display());
        let (code, stdout, stderr) = run(&["--compare", "local,cluster", "--report", &spec], &f);
        if code == 2 {
            wrong.push(format!("{}: setup error\n{stderr}", f.display()));
            continue;
        }
        if !stdout.contains("compare ") {
            wrong.push(format!("{}: no comparison printed\n{stdout}", f.display()));
        }
        let doc: serde_json::Value = match std::fs::read(&report)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
        {
            Some(d) => d,
            None => {
                wrong.push(format!("{}: no JSON report", f.display()));
                continue;
            }
        };
        let scenarios = doc["scenarios"].as_array().map_or(0, Vec::len);
        let compared_steps = doc["comparison"][0]["steps"].as_array().map_or(0, Vec::len);
        let local_steps = doc["scenarios"][0]["steps"].as_array().map_or(0, Vec::len);
        if scenarios != 2 || compared_steps != local_steps {
            wrong.push(format!(
                "{}: {scenarios} results, {compared_steps} compared of {local_steps} steps",
                f.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

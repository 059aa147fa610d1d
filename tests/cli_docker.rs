//! `kubedrill run --backend docker` against a real Docker engine. Tests that need the engine
//! and the test image are `#[ignore]`d (a missing engine must not look like a pass): run them
//! with `cargo test --test cli_docker -- --ignored`, where they fail if either is missing.
//! `bash .ci/run` provides both (it starts dockerd and imports `kubedrill/busybox:test` from
//! Debian's busybox-static) and then runs them.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const IMAGE: &str = "kubedrill/busybox:test";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Held by every test that compares the engine's container list before and after: tests of one
/// binary run in parallel, and one test's containers must not count as another's leftovers.
static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Fails the test when the engine or the image is missing: it was asked for with `--ignored`.
/// Returns the guard that serialises the engine tests.
fn require_docker() -> std::sync::MutexGuard<'static, ()> {
    if let Some(why) = docker_missing() {
        panic!("this test needs a Docker engine and the {IMAGE} image: {why}");
    }
    ENGINE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why Docker tests cannot run here, if they cannot.
fn docker_missing() -> Option<String> {
    let out = Command::new("docker")
        .args(["image", "inspect", IMAGE, "--format", "{{.Id}}"])
        .output();
    match out {
        Err(e) => Some(format!("no docker CLI ({e})")),
        Ok(o) if !o.status.success() => Some(format!(
            "no engine or no image {IMAGE}: {} (run bash .ci/run, which starts dockerd and imports it)",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Ok(_) => None,
    }
}

fn leftover_containers() -> String {
    Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            "label=io.kubedrill.run",
            "--format",
            "{{.Names}}",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn docker_backend_reproduces_kubelet_rules_and_cleans_up() {
    let _engine = require_docker();
    let before = leftover_containers();
    let out = Command::new(BIN)
        .args([
            "run",
            "--backend",
            "docker",
            "tests/fixtures/docker/docker.yaml",
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("backend=docker"), "{stdout}");
    assert!(stdout.contains("✓ docker-basics: 15 passed"), "{stdout}");
    assert_eq!(
        leftover_containers(),
        before,
        "no container outlives the run"
    );
}

#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn docker_missing_image_is_a_container_error() {
    let _engine = require_docker();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/docker/objects.yaml"),
        dir.path().join("objects.yaml"),
    )
    .unwrap();
    // Only the first step matters here; a short wait keeps the test quick.
    let scenario = std::fs::read_to_string(root().join("tests/fixtures/docker/docker.yaml"))
        .unwrap()
        .replace("within: 15s}", "within: 2s}");
    std::fs::write(dir.path().join("docker.yaml"), scenario).unwrap();
    let pod = std::fs::read_to_string(root().join("tests/fixtures/docker/pod.yaml"))
        .unwrap()
        .replace(IMAGE, "kubedrill/no-such-image:never");
    std::fs::write(dir.path().join("pod.yaml"), pod).unwrap();
    let out = Command::new(BIN)
        .args(["run", "--backend", "docker"])
        .arg(dir.path().join("docker.yaml"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("No such image: kubedrill/no-such-image"),
        "{stdout}"
    );
}

#[test]
fn unreachable_engine_is_invalid_setup() {
    let out = Command::new(BIN)
        .args([
            "run",
            "--backend",
            "docker",
            "tests/fixtures/docker/docker.yaml",
        ])
        .current_dir(root())
        .env("DOCKER_HOST", "unix:///nonexistent/kubedrill-docker.sock")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot reach a Docker engine"), "{stderr}");
}

/// A container that prints and exits at once (`restartPolicy: Never`) keeps its output: the
/// container is removed when kubedrill sees it exit, and used to be removed before the log copy
/// had attached, so `log` saw nothing (seen in CI on upstream's variable-expansion test under
/// `--jobs 4`). Many short-lived containers in parallel make that race likely.
#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn output_of_a_container_that_exits_at_once_is_kept() {
    let _engine = require_docker();
    let tmp = tempfile::tempdir().unwrap();
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: quick}}\nspec:\n  restartPolicy: Never\n  containers:\n    - name: app\n      image: {IMAGE}\n"
    );
    std::fs::write(tmp.path().join("pod.yaml"), pod).unwrap();
    for i in 0..16 {
        let scenario = format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata: {{name: quick-{i}}}\nspec:\n  workload:\n    file: pod.yaml\n    run:\n      app: {{command: [echo, line-{i}-done]}}\n  steps:\n    - assert: {{log: app, contains: line-{i}-done, within: 5s}}\n    - assert: {{container: {{name: app, state: terminated}}, within: 5s}}\n"
        );
        std::fs::write(tmp.path().join(format!("quick-{i}.yaml")), scenario).unwrap();
    }
    let before = leftover_containers();
    let out = Command::new(BIN)
        .current_dir(tmp.path())
        .args(["run", ".", "--backend", "docker", "--jobs", "4"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("16 scenarios: 16 passed"), "{stdout}");
    assert_eq!(
        leftover_containers(),
        before,
        "no container outlives the run"
    );
}

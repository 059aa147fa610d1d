//! The variables a container gets from outside its spec (issue 6 §4): `HOSTNAME` (the pod
//! name, set by the container runtime) and the service links of the `kubernetes` Service
//! (always injected by kubelet), in `project`'s env file, the process runtime and the docker
//! runtime alike — and the container's own env overriding both.

use std::fs;
use std::path::Path;
use std::process::Command;

mod common;

use common::BIN;

const IMAGE: &str = "kubedrill/busybox:test";

const OBJECTS: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: INFO\n";

/// A pod `web-0` whose container sets `API` from the service links and overrides
/// `KUBERNETES_SERVICE_PORT`, with `enableServiceLinks: false` (which keeps the master
/// Service's variables).
fn pod(image: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\nspec:\n  enableServiceLinks: false\n  containers:\n    - name: app\n      image: {image}\n      envFrom:\n        - configMapRef: {{name: settings}}\n      env:\n        - {{name: API, value: \"https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT_HTTPS)\"}}\n        - {{name: KUBERNETES_SERVICE_PORT, value: \"6443\"}}\n"
    )
}

/// What every container of `web-0` must see.
const EXPECTED: [(&str, &str); 11] = [
    ("HOSTNAME", "web-0"),
    ("LOG_LEVEL", "INFO"),
    ("API", "https://10.96.0.1:443"),
    ("KUBERNETES_SERVICE_PORT", "6443"),
    ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
    ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
    ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
    ("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
    ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
    ("KUBERNETES_PORT_443_TCP_PORT", "443"),
    ("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"),
];

#[test]
fn env_6_1_project_env_file_has_hostname_and_service_links() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("objects.yaml"), OBJECTS).unwrap();
    fs::write(dir.path().join("pod.yaml"), pod("x")).unwrap();
    let out = dir.path().join("out");
    let r = Command::new(BIN)
        .args(["project", "-f"])
        .arg(dir.path().join("objects.yaml"))
        .arg("--workload")
        .arg(dir.path().join("pod.yaml"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{r:?}");
    let env = fs::read_to_string(out.join("app.env")).unwrap();
    let want: String = EXPECTED.iter().map(|(n, v)| format!("{n}={v}\n")).collect();
    assert_eq!(
        env, want,
        "the runtime's HOSTNAME first, service links last"
    );
}

/// A scenario asserting every expected variable through `/proc/PID/environ`.
fn write_scenario(dir: &Path, image: &str) -> std::path::PathBuf {
    fs::write(dir.join("objects.yaml"), OBJECTS).unwrap();
    fs::write(dir.join("pod.yaml"), pod(image)).unwrap();
    let mut steps =
        String::from("    - assert: {container: {name: app, state: running}, within: 15s}\n");
    for (name, value) in EXPECTED {
        steps += &format!("    - assert: {{env: {name}, equals: \"{value}\"}}\n");
    }
    let file = dir.join("env.yaml");
    fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: env\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, 'exec sleep 30']\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    file
}

fn run(scenario: &Path, backend: &str) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .args(["run", "--backend", backend])
        .arg(scenario)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn env_6_1_process_runtime_gets_hostname_and_service_links() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "x");
    let (code, out) = run(&scenario, "process");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("✓ env: 12 passed"), "{out}");
}

#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn env_6_1_docker_runtime_gets_hostname_and_service_links() {
    let inspect = Command::new("docker")
        .args(["image", "inspect", IMAGE])
        .output();
    assert!(
        inspect.is_ok_and(|o| o.status.success()),
        "needs a Docker engine with {IMAGE} (bash .ci/run provides both)"
    );
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), IMAGE);
    let (code, out) = run(&scenario, "docker");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("✓ env: 12 passed"), "{out}");
}

//! `kill -9` of `kubedrill run --backend docker`: no destructor removes the containers, so the
//! next docker run removes every container whose owning run is gone (its scratch dir's owner
//! lock is free), and the killed run's scratch dir with it. Needs the Docker engine and the
//! `kubedrill/busybox:test` image that `.ci/run` provides.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const IMAGE: &str = "kubedrill/busybox:test";

/// Names of containers labelled with a scratch dir under `tmp`.
fn containers_under(tmp: &Path) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            "label=io.kubedrill.scratch",
            "--format",
            "{{.Names}} {{.Label \"io.kubedrill.scratch\"}}",
        ])
        .output()
        .expect("the docker CLI (bash .ci/run installs it and starts dockerd)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, dir)| Path::new(dir).starts_with(tmp))
        .map(|(name, _)| name.to_string())
        .collect()
}

fn write_scenario(dir: &Path, name: &str, sleep_step: &str) -> std::path::PathBuf {
    fs::write(
        dir.join("objects.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: INFO\n",
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: {IMAGE}\n      volumeMounts:\n        - {{name: config, mountPath: /etc/config}}\n  volumes:\n    - name: config\n      configMap: {{name: settings}}\n"
        ),
    )
    .unwrap();
    let file = dir.join(format!("{name}.yaml"));
    fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, 'echo started; exec sleep 600']\n  steps:\n    - assert: {{log: app, contains: started, within: 20s}}\n    - sleep: {sleep_step}\n"
        ),
    )
    .unwrap();
    file
}

#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn next_docker_run_removes_containers_and_scratch_of_a_killed_run() {
    let image = Command::new("docker")
        .args(["image", "inspect", IMAGE, "--format", "{{.Id}}"])
        .output()
        .expect("the docker CLI (bash .ci/run installs it and starts dockerd)");
    assert!(
        image.status.success(),
        "needs dockerd and {IMAGE} (bash .ci/run provides both): {}",
        String::from_utf8_lossy(&image.stderr)
    );
    let tmp = tempfile::tempdir().unwrap();
    let slow = write_scenario(tmp.path(), "slow", "60s");
    let mut run = Command::new(BIN)
        .args(["run", "--backend", "docker"])
        .arg(&slow)
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while containers_under(tmp.path()).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let orphans = containers_under(tmp.path());
    assert_eq!(orphans.len(), 1, "the run started its container");
    kill_process(Pid::from_raw(run.id() as i32).unwrap(), Signal::KILL).unwrap();
    run.wait().unwrap();
    assert_eq!(
        containers_under(tmp.path()),
        orphans,
        "nothing removes it at kill -9 itself"
    );

    let quick = write_scenario(tmp.path(), "quick", "10ms");
    let next = Command::new(BIN)
        .args(["run", "--backend", "docker"])
        .arg(&quick)
        .env("TMPDIR", tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&next.stderr);
    assert_eq!(
        next.status.code(),
        Some(0),
        "{}\n{stderr}",
        String::from_utf8_lossy(&next.stdout)
    );
    assert!(
        stderr.contains(&format!(
            "removed 1 container(s) left by killed runs: {}",
            orphans[0]
        )),
        "{stderr}"
    );
    assert!(containers_under(tmp.path()).is_empty());
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("kubedrill-"))
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

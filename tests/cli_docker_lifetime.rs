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

/// Names of the containers of run id `run_id` (label `io.kubedrill.run`).
fn containers_of_run(run_id: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("label=io.kubedrill.run={run_id}"),
            "--format",
            "{{.Names}}",
        ])
        .output()
        .expect("the docker CLI");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn sleeper(run_id: &str) -> kubedrill::runtime::docker::DockerSpec {
    kubedrill::runtime::docker::DockerSpec {
        name: "app".into(),
        image: IMAGE.into(),
        entrypoint: vec!["sleep".into()],
        args: vec!["600".into()],
        env: vec![],
        working_dir: None,
        binds: vec![],
        run_id: run_id.into(),
        owner_scratch: None,
    }
}

/// The README once said testcontainers could not be used because its `Drop` panics on the
/// current-thread runtimes kubedrill's workers use. With testcontainers 0.28 a container
/// dropped on a current-thread runtime is removed through its drop worker, and one dropped
/// outside any runtime is removed too (DockerContainer gives it a runtime context). Each
/// case must leave no container and not panic.
#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn docker_containers_are_removed_when_dropped_on_a_current_thread_runtime_or_outside_one() {
    use kubedrill::runtime::docker::DockerRuntime;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Dropped inside the current-thread runtime, as a cancelled scenario drops it.
    let inside = format!("dropin{:06x}", rand::random::<u32>() & 0xff_ffff);
    rt.block_on(async {
        let docker = DockerRuntime::connect().await.unwrap();
        let c = docker.start(&sleeper(&inside)).await.unwrap();
        assert!(c.pid() > 0);
        assert_eq!(containers_of_run(&inside).len(), 1);
        drop(c);
    });
    assert_eq!(containers_of_run(&inside), Vec::<String>::new());
    // Dropped after its runtime is gone.
    let outside = format!("dropout{:06x}", rand::random::<u32>() & 0xff_ffff);
    let c = rt.block_on(async {
        let docker = DockerRuntime::connect().await.unwrap();
        docker.start(&sleeper(&outside)).await.unwrap()
    });
    drop(rt);
    assert_eq!(containers_of_run(&outside).len(), 1);
    drop(c);
    assert_eq!(containers_of_run(&outside), Vec::<String>::new());
    // On a multi-thread runtime (testcontainers' block_in_place path).
    let multi = format!("dropmt{:06x}", rand::random::<u32>() & 0xff_ffff);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let docker = DockerRuntime::connect().await.unwrap();
        let c = docker.start(&sleeper(&multi)).await.unwrap();
        tokio::spawn(async move { drop(c) }).await.unwrap();
    });
    assert_eq!(containers_of_run(&multi), Vec::<String>::new());
}

/// A container whose command does not exist is created but fails to start; testcontainers
/// returns the error without a handle, so kubedrill removes it by name.
#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn docker_container_that_fails_to_start_is_removed() {
    use kubedrill::runtime::docker::DockerRuntime;
    let run = format!("nostart{:06x}", rand::random::<u32>() & 0xff_ffff);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt.block_on(async {
        let docker = DockerRuntime::connect().await.unwrap();
        let mut spec = sleeper(&run);
        spec.entrypoint = vec!["/no/such/program".into()];
        docker.start(&spec).await.map(|_| ()).unwrap_err()
    });
    assert!(err.to_string().contains("/no/such/program"), "{err}");
    assert_eq!(containers_of_run(&run), Vec::<String>::new());
}

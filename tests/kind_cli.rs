//! `kubedrill run --backend kind` through the built binary on a real Docker engine, with a
//! stand-in node image (tests/kind_standin) where a kindest/node image is needed and absent.
//! The tests that need a privileged node container are in `kind_cli_privileged.rs`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

mod kind_standin;
use kind_standin::{Mode, kubedrill_nodes, privileged_allowed, stand_in_image};

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn require_docker() -> std::sync::MutexGuard<'static, ()> {
    kind_standin::require_docker_and_busybox();
    ENGINE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn kind_run(extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["run", "--backend", "kind"])
        .args(extra)
        .arg(root().join("tests/fixtures/docker/docker.yaml"))
        .env("NO_COLOR", "1");
    cmd
}

#[test]
fn kind_flags_need_the_kind_backend() {
    let out = Command::new(BIN)
        .args([
            "run",
            "--reuse-cluster",
            "ci",
            "tests/fixtures/docker/docker.yaml",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--reuse-cluster needs --backend kind"),
        "{stderr}"
    );
}

#[test]
fn kind_without_a_docker_engine_is_exit_2_with_the_reason() {
    let out = kind_run(&[])
        .env("DOCKER_HOST", "unix:///nonexistent/kubedrill-docker.sock")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot reach a Docker engine"), "{stderr}");
}

#[test]
#[ignore = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)"]
fn kind_missing_node_image_fails_fast_with_exit_2() {
    let _engine = require_docker();
    let before = kubedrill_nodes();
    let started = Instant::now();
    let out = kind_run(&["--kind-image", "kubedrill/no-such-node:v0.0.0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("node image kubedrill/no-such-node:v0.0.0 is not on this Docker engine and cannot be pulled"),
        "{stderr}"
    );
    // No registry here: the pull fails at once, and nothing waits for a timeout.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(kubedrill_nodes(), before);
}

/// Privileged mode as the engine allows it: an engine that refuses privileged containers
/// (this project's own machines run Docker inside a container) gets exit 2 naming the cause
/// and no container left; one that allows them gets past the container's creation.
#[test]
#[ignore = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)"]
fn kind_node_privileged_mode_is_refused_precisely_or_used() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::Ok);
    let before = kubedrill_nodes();
    let out = kind_run(&["--kind-image", &image]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    if privileged_allowed() {
        assert!(stderr.contains("waiting for systemd"), "{stderr}");
        // The stand-in node has no API server: the cluster backend says so (exit 2).
        assert!(stderr.contains("API server"), "{stderr}");
        assert!(stderr.contains("kind: node removed"), "{stderr}");
    } else {
        assert!(
            stderr.contains("the Docker engine refused to run the node container privileged"),
            "{stderr}"
        );
        assert!(stderr.contains("kind needs --privileged"), "{stderr}");
        assert!(!stderr.contains("waiting for systemd"), "{stderr}");
    }
    assert_eq!(kubedrill_nodes(), before, "no node left");
}

//! The kind node's container plumbing on a real Docker engine, with the local busybox test
//! image standing in for the node image (there is no kindest/node image here): the node
//! container as testcontainers creates it, reuse discovery by label, and removal on drop and
//! on cancellation. Run with `cargo test --test kind_node -- --ignored` where `.ci/run` has
//! started dockerd and imported kubedrill/busybox:test.
// Each #[tokio::test] runs on its own thread and runtime: the std Mutex held across awaits
// serialises the tests of this binary, which count the engine's containers.
#![allow(clippy::await_holding_lock)]

use std::process::Command;
use std::time::Duration;

use kubedrill::backend::kind::cleanup::NodeGuard;
use kubedrill::backend::kind::node_spec::{NodeSpec, node_request};
use kubedrill::backend::kind::reuse::{Discovery, discover};
use testcontainers::runners::AsyncRunner;

const IMAGE: &str = "kubedrill/busybox:test";
const NEEDS: &str =
    "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)";

/// Tests of one binary run in parallel; each counts the engine's containers.
static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn require_docker() -> std::sync::MutexGuard<'static, ()> {
    let out = Command::new("docker")
        .args(["image", "inspect", IMAGE, "--format", "{{.Id}}"])
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("{NEEDS}: {}", String::from_utf8_lossy(&o.stderr).trim()),
        Err(e) => panic!("{NEEDS}: no docker CLI ({e})"),
    }
    ENGINE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The names of the containers of kind cluster `cluster`, running or not.
fn containers_of(cluster: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("label=io.x-k8s.kind.cluster={cluster}"),
            "--format",
            "{{.Names}}",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{:06x}", rand::random::<u32>() & 0xff_ffff)
}

fn stand_in(cluster: &str, reusable: bool) -> NodeSpec {
    NodeSpec {
        cluster: cluster.into(),
        image: IMAGE.into(),
        sync_frequency: Duration::from_secs(5),
        reusable,
        lib_modules: std::path::Path::new("/lib/modules").is_dir(),
        // Engines inside unprivileged containers (this project's machines) refuse privileged
        // containers; the plumbing tests run without it, the spec test checks it is asked.
        privileged: false,
        command: Some(vec!["sleep".into(), "600".into()]),
    }
}

fn inspect(name: &str) -> serde_json::Value {
    let out = Command::new("docker")
        .args(["inspect", name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0].clone()
}

#[tokio::test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
async fn node_container_is_created_as_kind_creates_it() {
    let _engine = require_docker();
    let docker = testcontainers::core::client::docker_client_instance()
        .await
        .unwrap();
    // As the real node is asked for: privileged. Whether or not this engine then starts it
    // (engines inside unprivileged containers refuse), the container is created: inspect it.
    let cluster = unique("kdspec");
    let name = format!("{cluster}-control-plane");
    let mut spec = stand_in(&cluster, false);
    spec.privileged = true;
    let guard_name = name.clone();
    let mut guard = NodeGuard::new(docker.clone(), guard_name);
    match node_request(&spec).start().await {
        Ok(c) => guard.hold(c),
        Err(e) => assert!(
            kubedrill::backend::kind::preflight::privileged_refused(&e.to_string()),
            "only a privileged refusal may stop the start: {e}"
        ),
    }
    let c = inspect(&name);
    let host = &c["HostConfig"];
    assert_eq!(host["Privileged"], true);
    let sec: Vec<&str> = host["SecurityOpt"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(sec.contains(&"seccomp=unconfined"), "{sec:?}");
    assert!(sec.contains(&"apparmor=unconfined"), "{sec:?}");
    assert_eq!(host["CgroupnsMode"], "private");
    assert_eq!(host["Init"], false);
    assert_eq!(host["PublishAllPorts"], false);
    let bindings = &host["PortBindings"]["6443/tcp"][0];
    assert_eq!(bindings["HostIp"], "127.0.0.1", "{host}");
    let spec_mounts = host["Mounts"].as_array().unwrap();
    for target in ["/tmp", "/run"] {
        assert!(
            spec_mounts
                .iter()
                .any(|m| m["Target"] == target && m["Type"] == "tmpfs"),
            "no tmpfs on {target}: {spec_mounts:?}"
        );
    }
    let var = spec_mounts
        .iter()
        .find(|m| m["Target"] == "/var")
        .unwrap_or_else(|| panic!("no /var mount: {spec_mounts:?}"));
    assert_eq!(var["Type"], "volume");
    assert!(
        var.get("Source").is_none_or(|s| s == "" || s.is_null()),
        "anonymous: {var}"
    );
    assert_eq!(
        spec_mounts
            .iter()
            .any(|m| m["Target"] == "/lib/modules" && m["ReadOnly"] == true),
        std::path::Path::new("/lib/modules").is_dir(),
        "/lib/modules read-only exactly where the host has it: {spec_mounts:?}"
    );
    // Identity: name, hostname, labels, env.
    let config = &c["Config"];
    assert_eq!(config["Hostname"], name.as_str());
    let labels = &config["Labels"];
    assert_eq!(labels["io.x-k8s.kind.cluster"], cluster.as_str());
    assert_eq!(labels["io.x-k8s.kind.role"], "control-plane");
    assert_eq!(labels["io.kubedrill.kind.sync-frequency"], "5s");
    assert_eq!(labels["io.kubedrill.kind.image"], IMAGE);
    assert!(labels.get("io.kubedrill.kind.reuse").is_none(), "{labels}");
    let env: Vec<&str> = config["Env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        env.contains(&"KUBECONFIG=/etc/kubernetes/admin.conf"),
        "{env:?}"
    );
    assert!(env.contains(&"container=docker"), "{env:?}");
    drop(guard);
    assert_eq!(containers_of(&cluster), Vec::<String>::new());
}

/// The same container, started (unprivileged, so that it runs on any engine): the mounts are
/// really there inside, 6443 is published on 127.0.0.1, and dropping testcontainers' handle on
/// a current-thread runtime removes it with its volume.
#[tokio::test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
async fn node_container_runs_with_its_mounts_and_published_port() {
    let _engine = require_docker();
    let cluster = unique("kdrun");
    let name = format!("{cluster}-control-plane");
    let container = node_request(&stand_in(&cluster, false))
        .start()
        .await
        .unwrap();
    let volume = inspect(&name)["Mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Destination"] == "/var")
        .map(|m| m["Name"].as_str().unwrap_or_default().to_string())
        .unwrap();
    let mounts_inside = Command::new("docker")
        .args(["exec", &name, "cat", "/proc/mounts"])
        .output()
        .unwrap();
    let mounts_inside = String::from_utf8_lossy(&mounts_inside.stdout);
    assert!(mounts_inside.contains(" /tmp tmpfs "), "{mounts_inside}");
    assert!(mounts_inside.contains(" /run tmpfs "), "{mounts_inside}");
    assert!(mounts_inside.contains(" /var "), "{mounts_inside}");
    let port = container.get_host_port_ipv4(6443).await.unwrap();
    assert!(port > 0);
    let published = Command::new("docker")
        .args(["port", &name, "6443/tcp"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&published.stdout).trim(),
        format!("127.0.0.1:{port}")
    );
    drop(container);
    assert_eq!(containers_of(&cluster), Vec::<String>::new());
    let vol = Command::new("docker")
        .args(["volume", "inspect", &volume])
        .output()
        .unwrap();
    assert!(
        !vol.status.success(),
        "the anonymous /var volume {volume} is removed too"
    );
}

#[tokio::test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
async fn reuse_discovery_finds_a_kept_node_by_label_and_refuses_a_foreign_one() {
    let _engine = require_docker();
    let docker = testcontainers::core::client::docker_client_instance()
        .await
        .unwrap();
    let kept = unique("kdkept");
    let container = node_request(&stand_in(&kept, true)).start().await.unwrap();
    let mut guard = NodeGuard::new(docker.clone(), format!("{kept}-control-plane"));
    guard.hold(container);
    guard.keep();
    drop(guard);
    // Kept: still there after its guard is gone.
    assert_eq!(containers_of(&kept), vec![format!("{kept}-control-plane")]);
    match discover(&docker, &kept).await.unwrap() {
        Discovery::Reusable(found) => {
            assert!(found.running);
            assert_eq!(found.image, IMAGE);
            assert_eq!(found.sync_frequency.as_deref(), Some("5s"));
        }
        other => panic!("{other:?}"),
    }
    // Not labelled for reuse (a fresh run's node): never reused.
    let fresh = unique("kdfresh");
    let fresh_node = node_request(&stand_in(&fresh, false))
        .start()
        .await
        .unwrap();
    assert_eq!(discover(&docker, &fresh).await.unwrap(), Discovery::Foreign);
    drop(fresh_node);
    // Someone else's container with the node's name.
    let foreign = unique("kdforeign");
    let run = Command::new("docker")
        .args([
            "run",
            "-d",
            "--name",
            &format!("{foreign}-control-plane"),
            IMAGE,
            "sleep",
            "600",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        discover(&docker, &foreign).await.unwrap(),
        Discovery::Foreign
    );
    assert_eq!(
        discover(&docker, &unique("kdabsent")).await.unwrap(),
        Discovery::Absent
    );
    let _ = Command::new("docker")
        .args([
            "rm",
            "-f",
            "-v",
            &format!("{foreign}-control-plane"),
            &format!("{kept}-control-plane"),
        ])
        .output();
    assert_eq!(containers_of(&kept), Vec::<String>::new());
    assert_eq!(containers_of(&fresh), Vec::<String>::new());
}

#[tokio::test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
async fn node_guard_removes_the_node_when_the_start_is_cancelled_at_any_point() {
    let _engine = require_docker();
    let docker = testcontainers::core::client::docker_client_instance()
        .await
        .unwrap();
    // Cancel testcontainers' start() after 0..150 ms: before the create, between create and
    // start (where testcontainers has no handle yet), after. No container may be left.
    for ms in [0u64, 2, 5, 10, 20, 40, 80, 150] {
        let cluster = unique("kdcancel");
        let spec = stand_in(&cluster, false);
        let guard = NodeGuard::new(docker.clone(), format!("{cluster}-control-plane"));
        let started = tokio::time::timeout(Duration::from_millis(ms), async {
            let mut guard = guard;
            let c = node_request(&spec).start().await.unwrap();
            guard.hold(c);
            std::future::pending::<()>().await;
        })
        .await;
        assert!(started.is_err());
        assert_eq!(
            containers_of(&cluster),
            Vec::<String>::new(),
            "cancelled after {ms} ms"
        );
    }
}

#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn node_guard_removes_the_node_when_dropped_outside_any_runtime() {
    let _engine = require_docker();
    let cluster = unique("kdnort");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let guard = rt.block_on(async {
        let docker = testcontainers::core::client::docker_client_instance()
            .await
            .unwrap();
        let mut guard = NodeGuard::new(docker, format!("{cluster}-control-plane"));
        guard.hold(
            node_request(&stand_in(&cluster, false))
                .start()
                .await
                .unwrap(),
        );
        guard
    });
    drop(rt);
    assert_eq!(containers_of(&cluster).len(), 1);
    drop(guard);
    assert_eq!(containers_of(&cluster), Vec::<String>::new());
}

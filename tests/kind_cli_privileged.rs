//! `kubedrill run --backend kind` through the built binary with the stand-in node image
//! (tests/kind_standin), on an engine that runs privileged containers (a kind node is
//! privileged): boot failure, Ctrl-C while booting, and `--reuse-cluster` across runs. Where
//! the engine refuses privileged containers the same sequences are covered through the
//! library with an unprivileged stand-in (`kind_node.rs`).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod kind_standin;
use kind_standin::{IMAGE, Mode, kubedrill_nodes, stand_in_image};

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn require_docker() -> std::sync::MutexGuard<'static, ()> {
    kind_standin::require_docker_and_busybox();
    assert!(
        kind_standin::privileged_allowed(),
        "needs a Docker engine that runs privileged containers (kind nodes are privileged)"
    );
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

fn exec_in(node: &str, cmd: &[&str]) -> String {
    let out = Command::new("docker")
        .arg("exec")
        .arg(node)
        .args(cmd)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs a Docker engine that runs privileged containers, /bin/busybox and kubedrill/busybox:test"]
fn kind_failed_kubeadm_init_reports_its_output_and_the_kubelet_journal_and_removes_the_node() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::KubeadmFails);
    let before = kubedrill_nodes();
    let out = kind_run(&["--kind-image", &image]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("kind: kubelet syncFrequency 5s (timing: fast)"),
        "{stderr}"
    );
    for step in [
        "creating node container",
        "waiting for systemd",
        "kubeadm init",
    ] {
        assert!(stderr.contains(step), "no progress line {step:?}: {stderr}");
    }
    assert!(stderr.contains("kubeadm init failed after"), "{stderr}");
    assert!(
        stderr.contains("stand-in failure: the kubelet is not healthy"),
        "{stderr}"
    );
    assert!(stderr.contains("kubelet journal:"), "{stderr}");
    assert!(
        stderr.contains("stand-in journal: failed to run Kubelet"),
        "{stderr}"
    );
    // The config kubedrill wrote into the node, as the node read it back.
    assert!(stderr.contains("kind: KubeletConfiguration"), "{stderr}");
    assert!(stderr.contains("\nsyncFrequency: 5s\n"), "{stderr}");
    assert!(
        stderr.contains("apiVersion: kubeadm.k8s.io/v1beta3"),
        "{stderr}"
    );
    assert_eq!(kubedrill_nodes(), before, "the failed node is removed");
}

#[test]
#[ignore = "needs a Docker engine that runs privileged containers, /bin/busybox and kubedrill/busybox:test"]
fn kind_ctrl_c_while_booting_removes_the_node_and_exits_130() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::NoSystemd);
    let before = kubedrill_nodes();
    let mut child = kind_run(&["--kind-image", &image])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the node container exists (systemd never comes up in this stand-in).
    let deadline = Instant::now() + Duration::from_secs(60);
    while kubedrill_nodes().len() == before.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        kubedrill_nodes().len() > before.len(),
        "the node never appeared"
    );
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: the node container was removed"),
        "{stderr}"
    );
    assert_eq!(kubedrill_nodes(), before, "no node left after Ctrl-C");
}

#[test]
#[ignore = "needs a Docker engine that runs privileged containers, /bin/busybox and kubedrill/busybox:test"]
fn kind_reuse_cluster_keeps_the_node_and_the_next_run_reuses_it() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::Ok);
    let name = format!("kdreuse-{:06x}", rand::random::<u32>() & 0xff_ffff);
    let node = format!("{name}-control-plane");
    let before = kubedrill_nodes();

    // First run: boots, loads the workload's image, keeps the node.
    let out = kind_run(&["--kind-image", &image, "--reuse-cluster", &name])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("creating node container {node}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("loading image kubedrill/busybox:test into the node"),
        "{stderr}"
    );
    // The stand-in node has no API server: the cluster backend says so (exit 2).
    assert!(stderr.contains("API server"), "{stderr}");
    assert!(
        stderr.contains("kept for the next --reuse-cluster run"),
        "{stderr}"
    );
    assert!(kubedrill_nodes().contains(&node), "{stderr}");
    // What kubedrill did in the node.
    let kubeadm_args = exec_in(&node, &["cat", "/kind/kubeadm-args"]);
    assert_eq!(
        kubeadm_args.trim(),
        "init --config=/kind/kubeadm.conf --skip-token-print --v=6"
    );
    let kubectl = exec_in(&node, &["cat", "/kind/kubectl-calls"]);
    assert!(
        kubectl.contains("taint nodes --all node-role.kubernetes.io/control-plane-"),
        "{kubectl}"
    );
    assert!(kubectl.contains("apply -f /kind/cni.yaml"), "{kubectl}");
    assert!(
        kubectl.contains("apply -f /kind/manifests/default-storage.yaml"),
        "{kubectl}"
    );
    assert_eq!(
        exec_in(&node, &["cat", "/kind/cni.yaml"]),
        "kind: ConfigMap\ndata:\n  subnet: 10.244.0.0/16\n"
    );
    let ctr = exec_in(&node, &["cat", "/kind/ctr-args"]);
    assert_eq!(
        ctr.trim(),
        "--namespace=k8s.io images import --digests --snapshotter=overlayfs -"
    );
    // The whole `docker save` stream arrived through the exec's stdin.
    let saved = Command::new("sh")
        .args(["-c", &format!("docker save {IMAGE} | wc -c")])
        .output()
        .unwrap();
    assert_eq!(
        exec_in(&node, &["cat", "/kind/imported-bytes"]).trim(),
        String::from_utf8_lossy(&saved.stdout).trim()
    );
    // The kubeconfig on the host points at the published port.
    let port = Command::new("docker")
        .args(["port", &node, "6443/tcp"])
        .output()
        .unwrap();
    let port = String::from_utf8_lossy(&port.stdout);
    let port = port
        .lines()
        .next()
        .unwrap_or_default()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let kubeconfig_path = std::env::temp_dir().join(format!("kubedrill-kind-{name}/kubeconfig"));
    let kubeconfig = std::fs::read_to_string(&kubeconfig_path).unwrap();
    assert!(
        kubeconfig.contains(&format!("server: https://127.0.0.1:{port}")),
        "{kubeconfig}"
    );
    assert!(
        !kubeconfig.contains("drill-control-plane:6443"),
        "{kubeconfig}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&kubeconfig_path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    // Second run: finds the kept node by its labels, no new container, no new kubeadm init.
    let _ = exec_in(&node, &["rm", "/kind/kubeadm-args"]);
    let out = kind_run(&["--kind-image", &image, "--reuse-cluster", &name])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("reusing kept node {node}")),
        "{stderr}"
    );
    assert!(stderr.contains("ready (reused"), "{stderr}");
    assert!(!stderr.contains("creating node container"), "{stderr}");
    assert_eq!(exec_in(&node, &["cat", "/kind/kubeadm-args"]), "");

    // Third run wants kubelet timing: the kept node (5s) does not fit and is replaced.
    let out = kind_run(&[
        "--kind-image",
        &image,
        "--reuse-cluster",
        &name,
        "--timing",
        "kubelet",
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("its kubelet syncFrequency is 5s, not 1m0s"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("creating node container {node}")),
        "{stderr}"
    );
    let label = Command::new("docker")
        .args([
            "inspect",
            &node,
            "--format",
            "{{index .Config.Labels \"io.kubedrill.kind.sync-frequency\"}}",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&label.stdout).trim(), "1m0s");

    // Without --reuse-cluster a run leaves nothing behind.
    let out = kind_run(&["--kind-image", &image]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("kind: node removed"), "{stderr}");
    let _ = Command::new("docker")
        .args(["rm", "-f", "-v", &node])
        .output();
    let _ = std::fs::remove_dir_all(kubeconfig_path.parent().unwrap());
    assert_eq!(kubedrill_nodes(), before);
}

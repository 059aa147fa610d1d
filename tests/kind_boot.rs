//! The kind boot sequence through the library (`KindCluster::start`) with the stand-in node
//! image (tests/kind_standin), unprivileged so that it runs on engines that refuse privileged
//! containers, as this project's machines do: every command kubedrill runs in the node, the
//! files it writes there, the kubeconfig it rewrites, the image it pipes in, reuse of a kept
//! node, the error of a failed `kubeadm init`, and cancellation. The privileged CLI runs of the
//! same sequences are in `kind_cli_privileged.rs`.
// Each #[tokio::test] runs on its own thread and runtime: the std Mutex held across awaits
// serialises the tests of this binary, which count the engine's containers.
#![allow(clippy::await_holding_lock)]

use std::process::Command;
use std::time::Duration;

use kubedrill::backend::kind::{Ending, KindCluster, KindError, KindOptions};

mod kind_standin;
use kind_standin::{IMAGE, Mode, kubedrill_nodes, stand_in_image};

static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn require_docker() -> std::sync::MutexGuard<'static, ()> {
    kind_standin::require_docker_and_busybox();
    ENGINE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn options(image: String, reuse: Option<&str>, sync: u64) -> KindOptions {
    KindOptions {
        image,
        reuse_cluster: reuse.map(str::to_string),
        sync_frequency: Duration::from_secs(sync),
        images: vec![IMAGE.to_string()],
        command_override: None,
        privileged: false,
    }
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

#[tokio::test]
#[ignore = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)"]
async fn boot_runs_kinds_sequence_and_a_kept_node_is_reused() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::Ok);
    let name = format!("kdboot-{:06x}", rand::random::<u32>() & 0xff_ffff);
    let node = format!("{name}-control-plane");
    let before = kubedrill_nodes();
    let mut steps = Vec::new();
    let mut progress = |_: Duration, s: &str| steps.push(s.to_string());
    let cluster = KindCluster::start(&options(image.clone(), Some(&name), 5), &mut progress)
        .await
        .unwrap();
    for step in [
        "waiting for systemd in the node",
        "kubeadm init",
        "installing CNI and storage",
        "waiting for the node to be Ready",
        "loading image kubedrill/busybox:test into the node",
        "node ready",
    ] {
        assert!(
            steps.iter().any(|s| s.starts_with(step)),
            "{step:?} not in {steps:?}"
        );
    }
    assert!(!cluster.reused);
    assert_eq!(cluster.node_name, node);
    assert_eq!(cluster.kubernetes_version, "v1.35.0");
    assert_eq!(cluster.context.as_deref(), Some("kubernetes-admin@drill"));
    assert_eq!(cluster.loaded_images, vec![IMAGE.to_string()]);
    // The kubeadm config kubedrill wrote, with the scenario timing's syncFrequency.
    let conf = exec_in(&node, &["cat", "/kind/kubeadm.conf"]);
    assert!(
        conf.contains("apiVersion: kubeadm.k8s.io/v1beta3"),
        "{conf}"
    );
    assert!(conf.contains("\nsyncFrequency: 5s\n"), "{conf}");
    assert!(
        conf.contains(&format!("controlPlaneEndpoint: \"{node}:6443\"")),
        "{conf}"
    );
    assert_eq!(
        exec_in(&node, &["cat", "/kind/kubeadm-args"]).trim(),
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
    // The image: the whole `docker save` stream arrived through the exec's stdin.
    assert_eq!(
        exec_in(&node, &["cat", "/kind/ctr-args"]).trim(),
        "--namespace=k8s.io images import --digests --snapshotter=overlayfs -"
    );
    let saved = Command::new("sh")
        .args(["-c", &format!("docker save {IMAGE} | wc -c")])
        .output()
        .unwrap();
    assert_eq!(
        exec_in(&node, &["cat", "/kind/imported-bytes"]).trim(),
        String::from_utf8_lossy(&saved.stdout).trim()
    );
    // The kubeconfig: the mapped port, 0600, everything else as the node wrote it.
    let published = Command::new("docker")
        .args(["port", &node, "6443/tcp"])
        .output()
        .unwrap();
    let published = String::from_utf8_lossy(&published.stdout);
    assert_eq!(format!("https://{}", published.trim()), cluster.server);
    let text = std::fs::read_to_string(&cluster.kubeconfig_path).unwrap();
    assert_eq!(text, cluster.kubeconfig);
    assert!(
        text.contains(&format!("server: {}", cluster.server)),
        "{text}"
    );
    assert!(text.contains("client-key-data: a2V5"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&cluster.kubeconfig_path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(cluster.shutdown().await, Ending::Kept);
    assert!(kubedrill_nodes().contains(&node));

    // The next start finds it by its labels: no new container, no second kubeadm init.
    let _ = exec_in(&node, &["rm", "/kind/kubeadm-args"]);
    let mut steps = Vec::new();
    let mut progress = |_: Duration, s: &str| steps.push(s.to_string());
    let reused = KindCluster::start(&options(image.clone(), Some(&name), 5), &mut progress)
        .await
        .unwrap();
    assert!(reused.reused, "{steps:?}");
    assert!(
        steps
            .iter()
            .any(|s| s == &format!("reusing kept node {node}")),
        "{steps:?}"
    );
    assert!(
        !steps.iter().any(|s| s.starts_with("kubeadm init")),
        "{steps:?}"
    );
    assert_eq!(exec_in(&node, &["cat", "/kind/kubeadm-args"]), "");
    drop(reused);
    assert!(
        kubedrill_nodes().contains(&node),
        "a reused node stays kept"
    );

    // Kubelet timing wants 1m: the kept 5s node does not fit and is replaced, saying why.
    let mut steps = Vec::new();
    let mut progress = |_: Duration, s: &str| steps.push(s.to_string());
    let replaced = KindCluster::start(&options(image.clone(), Some(&name), 60), &mut progress)
        .await
        .unwrap();
    assert!(!replaced.reused);
    assert!(
        steps
            .iter()
            .any(|s| s.contains("its kubelet syncFrequency is 5s, not 1m0s")),
        "{steps:?}"
    );
    assert!(exec_in(&node, &["cat", "/kind/kubeadm.conf"]).contains("\nsyncFrequency: 1m0s\n"));
    drop(replaced);

    // Without --reuse-cluster: a fresh, uniquely named node, removed at shutdown.
    let mut progress = |_: Duration, _: &str| {};
    let fresh = KindCluster::start(&options(image, None, 5), &mut progress)
        .await
        .unwrap();
    assert!(fresh.cluster.starts_with("kubedrill-"));
    let kubeconfig = fresh.kubeconfig_path.clone();
    assert_eq!(fresh.shutdown().await, Ending::Removed);
    assert!(
        !kubeconfig.exists(),
        "the run's kubeconfig goes with the node"
    );
    let _ = Command::new("docker")
        .args(["rm", "-f", "-v", &node])
        .output();
    let _ = std::fs::remove_dir_all(
        kubedrill::backend::kind::kept_kubeconfig_path(&name)
            .parent()
            .unwrap(),
    );
    assert_eq!(kubedrill_nodes(), before);
}

#[tokio::test]
#[ignore = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)"]
async fn failed_kubeadm_init_carries_its_output_and_the_kubelet_journal_and_removes_the_node() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::KubeadmFails);
    let before = kubedrill_nodes();
    let mut progress = |_: Duration, _: &str| {};
    let err = KindCluster::start(&options(image, None, 5), &mut progress)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            KindError::Boot {
                step: "kubeadm init",
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.starts_with("kubeadm init failed after"), "{text}");
    assert!(text.contains("kubeadm output:"), "{text}");
    assert!(
        text.contains("stand-in failure: the kubelet is not healthy"),
        "{text}"
    );
    assert!(text.contains("kubelet journal:"), "{text}");
    assert!(
        text.contains("stand-in journal: failed to run Kubelet"),
        "{text}"
    );
    // The config as the node received it (written through base64 in the node).
    assert!(text.contains("kind: KubeletConfiguration"), "{text}");
    assert!(text.contains("\nsyncFrequency: 5s\n"), "{text}");
    assert_eq!(kubedrill_nodes(), before, "the failed node is removed");
}

#[tokio::test]
#[ignore = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)"]
async fn a_boot_cancelled_while_waiting_for_systemd_leaves_no_node() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::NoSystemd);
    let before = kubedrill_nodes();
    let opts = options(image, None, 5);
    let mut progress = |_: Duration, _: &str| {};
    // Ctrl-C in `run --backend kind` drops the boot future exactly like this timeout does.
    let boot = tokio::time::timeout(Duration::from_secs(4), async {
        KindCluster::start(&opts, &mut progress).await
    });
    let watch = async {
        for _ in 0..40 {
            if kubedrill_nodes().len() > before.len() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    };
    let (result, appeared) = tokio::join!(boot, watch);
    assert!(appeared, "the node container never appeared");
    assert!(
        result.is_err(),
        "systemd never comes up in this stand-in: {result:?}"
    );
    assert_eq!(kubedrill_nodes(), before, "no node left after cancellation");
}

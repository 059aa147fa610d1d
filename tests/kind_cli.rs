//! `kubedrill run --backend kind` through the built binary on a real Docker engine. There is
//! no kindest/node image here, so these tests build a *stand-in node image* from Debian's
//! busybox-static: its entrypoint, `systemctl`, `kubeadm`, `kubectl`, `journalctl`,
//! `containerd` and `ctr` are shell scripts. They prove kubedrill's side of the boot — the
//! node container, the commands it runs in it, the kubeadm config it writes, the kubeconfig
//! it rewrites, the image it pipes in, the reuse by label, the errors and the cleanup — not
//! Kubernetes itself (that is `kind_e2e.rs`, with a real node image).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const IMAGE: &str = "kubedrill/busybox:test";
const NEEDS: &str =
    "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)";

static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn require_docker() -> std::sync::MutexGuard<'static, ()> {
    let out = Command::new("docker")
        .args(["image", "inspect", IMAGE, "--format", "{{.Id}}"])
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("{NEEDS}: {}", String::from_utf8_lossy(&o.stderr).trim()),
        Err(e) => panic!("{NEEDS}: no docker CLI ({e})"),
    }
    assert!(Path::new("/bin/busybox").is_file(), "{NEEDS}: no /bin/busybox");
    ENGINE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Names of every kind node kubedrill started (label `io.kubedrill.kind`).
fn kubedrill_nodes() -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "-a", "--filter", "label=io.kubedrill.kind", "--format", "{{.Names}}"])
        .output()
        .unwrap();
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// How the stand-in node's tools behave.
#[derive(Clone, Copy)]
enum Mode {
    /// Everything succeeds.
    Ok,
    /// `kubeadm init` fails (and prints the config it was given).
    KubeadmFails,
    /// systemd never comes up.
    NoSystemd,
}

const ADMIN_CONF: &str = "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Y2E=
    server: https://drill-control-plane:6443
  name: drill
contexts:
- context:
    cluster: drill
    user: kubernetes-admin
  name: kubernetes-admin@drill
current-context: kubernetes-admin@drill
kind: Config
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
";

/// Builds (once per mode) `kubedrill/stand-in-node:<mode>` with `docker import`.
fn stand_in_image(mode: Mode) -> String {
    static BUILT: OnceLock<std::sync::Mutex<Vec<String>>> = OnceLock::new();
    let tag = match mode {
        Mode::Ok => "ok",
        Mode::KubeadmFails => "kubeadm-fails",
        Mode::NoSystemd => "no-systemd",
    };
    let image = format!("kubedrill/stand-in-node:{tag}");
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if built.contains(&image) {
        return image;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    for d in ["bin", "sbin", "usr/bin", "usr/local/bin", "kind/manifests", "etc", "tmp", "run", "var", "proc", "sys", "dev"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", r.join("bin/busybox")).unwrap();
    let list = Command::new("/bin/busybox").arg("--list").output().unwrap();
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" {
            let _ = std::os::unix::fs::symlink("busybox", r.join("bin").join(applet));
        }
    }
    let script = |path: &str, body: &str| {
        let p = r.join(path);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    script("usr/local/bin/entrypoint", "echo 'INFO: starting init' >&2\nexec \"$@\"");
    script("sbin/init", "exec sleep 100000");
    script(
        "usr/bin/systemctl",
        match mode {
            Mode::NoSystemd => "echo starting; exit 1",
            _ => "echo running",
        },
    );
    script(
        "usr/bin/kubeadm",
        match mode {
            Mode::KubeadmFails => {
                "echo \"[init] Using Kubernetes version: $(cat /kind/version)\"\n\
                 echo '[kubelet-check] stand-in failure: the kubelet is not healthy' >&2\n\
                 echo '--- /kind/kubeadm.conf as received ---' >&2\n\
                 cat /kind/kubeadm.conf >&2\nexit 1"
            }
            _ => {
                "mkdir -p /etc/kubernetes && cp /kind/stand-in-admin.conf /etc/kubernetes/admin.conf\n\
                 echo \"$@\" > /kind/kubeadm-args\necho 'Your Kubernetes control-plane has initialized successfully!'"
            }
        },
    );
    script(
        "usr/bin/journalctl",
        "echo 'kubelet[42]: E1202 stand-in journal: failed to run Kubelet'",
    );
    script(
        "usr/bin/kubectl",
        "echo \"$@\" >> /kind/kubectl-calls\n\
         case \"$*\" in\n\
         *'get nodes'*) echo True ;;\n\
         *'get serviceaccount'*) echo serviceaccount/default ;;\n\
         *) echo ok ;;\n\
         esac",
    );
    script("usr/bin/containerd", "echo '  snapshotter = \"overlayfs\"'");
    script(
        "usr/bin/ctr",
        "echo \"$@\" > /kind/ctr-args\ncat > /var/imported.tar\nwc -c < /var/imported.tar > /kind/imported-bytes",
    );
    std::fs::write(r.join("kind/version"), "v1.35.0\n").unwrap();
    std::fs::write(r.join("kind/stand-in-admin.conf"), ADMIN_CONF).unwrap();
    std::fs::write(
        r.join("kind/manifests/default-cni.yaml"),
        "kind: ConfigMap\ndata:\n  subnet: {{ .PodSubnet }}\n",
    )
    .unwrap();
    std::fs::write(r.join("kind/manifests/default-storage.yaml"), "kind: StorageClass\n").unwrap();
    let tar = dir.path().with_extension("tar");
    let ok = Command::new("tar")
        .args(["-C"])
        .arg(r)
        .args(["-cf"])
        .arg(&tar)
        .arg(".")
        .status()
        .unwrap();
    assert!(ok.success());
    let out = Command::new("docker")
        .args([
            "import",
            "--change",
            "ENTRYPOINT [\"/usr/local/bin/entrypoint\"]",
            "--change",
            "CMD [\"/sbin/init\"]",
            "--change",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ])
        .arg(&tar)
        .arg(&image)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&tar);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    built.push(image.clone());
    image
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
    let out = Command::new("docker").arg("exec").arg(node).args(cmd).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn kind_flags_need_the_kind_backend() {
    let out = Command::new(BIN)
        .args(["run", "--reuse-cluster", "ci", "tests/fixtures/docker/docker.yaml"])
        .current_dir(root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--reuse-cluster needs --backend kind"), "{stderr}");
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
    let out = kind_run(&["--kind-image", "kubedrill/no-such-node:v0.0.0"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("node image kubedrill/no-such-node:v0.0.0 is not on this Docker engine and cannot be pulled"),
        "{stderr}"
    );
    // No registry here: the pull fails at once, and nothing waits for a timeout.
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    assert_eq!(kubedrill_nodes(), before);
}

#[test]
#[ignore = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)"]
fn kind_failed_kubeadm_init_reports_its_output_and_the_kubelet_journal_and_removes_the_node() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::KubeadmFails);
    let before = kubedrill_nodes();
    let out = kind_run(&["--kind-image", &image]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("kind: kubelet syncFrequency 5s (timing: fast)"), "{stderr}");
    for step in ["creating node container", "waiting for systemd", "kubeadm init"] {
        assert!(stderr.contains(step), "no progress line {step:?}: {stderr}");
    }
    assert!(stderr.contains("kubeadm init failed after"), "{stderr}");
    assert!(stderr.contains("stand-in failure: the kubelet is not healthy"), "{stderr}");
    assert!(stderr.contains("kubelet journal:"), "{stderr}");
    assert!(stderr.contains("stand-in journal: failed to run Kubelet"), "{stderr}");
    // The config kubedrill wrote into the node, as the node read it back.
    assert!(stderr.contains("kind: KubeletConfiguration"), "{stderr}");
    assert!(stderr.contains("\nsyncFrequency: 5s\n"), "{stderr}");
    assert!(stderr.contains("apiVersion: kubeadm.k8s.io/v1beta3"), "{stderr}");
    assert_eq!(kubedrill_nodes(), before, "the failed node is removed");
}

#[test]
#[ignore = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)"]
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
    assert!(kubedrill_nodes().len() > before.len(), "the node never appeared");
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    use std::io::Read;
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: the node container was removed"), "{stderr}");
    assert_eq!(kubedrill_nodes(), before, "no node left after Ctrl-C");
}

#[test]
#[ignore = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)"]
fn kind_reuse_cluster_keeps_the_node_and_the_next_run_reuses_it() {
    let _engine = require_docker();
    let image = stand_in_image(Mode::Ok);
    let name = format!("kdreuse-{:06x}", rand::random::<u32>() & 0xff_ffff);
    let node = format!("{name}-control-plane");
    let before = kubedrill_nodes();

    // First run: boots, loads the workload's image, keeps the node.
    let out = kind_run(&["--kind-image", &image, "--reuse-cluster", &name]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("creating node container {node}")), "{stderr}");
    assert!(stderr.contains("loading image kubedrill/busybox:test into the node"), "{stderr}");
    assert!(stderr.contains("needs the cluster backend"), "{stderr}");
    assert!(stderr.contains("kept for the next --reuse-cluster run"), "{stderr}");
    assert!(kubedrill_nodes().contains(&node), "{stderr}");
    // What kubedrill did in the node.
    let kubeadm_args = exec_in(&node, &["cat", "/kind/kubeadm-args"]);
    assert_eq!(kubeadm_args.trim(), "init --config=/kind/kubeadm.conf --skip-token-print --v=6");
    let kubectl = exec_in(&node, &["cat", "/kind/kubectl-calls"]);
    assert!(kubectl.contains("taint nodes --all node-role.kubernetes.io/control-plane-"), "{kubectl}");
    assert!(kubectl.contains("apply -f /kind/cni.yaml"), "{kubectl}");
    assert!(kubectl.contains("apply -f /kind/manifests/default-storage.yaml"), "{kubectl}");
    assert_eq!(exec_in(&node, &["cat", "/kind/cni.yaml"]), "kind: ConfigMap\ndata:\n  subnet: 10.244.0.0/16\n");
    let ctr = exec_in(&node, &["cat", "/kind/ctr-args"]);
    assert_eq!(ctr.trim(), "--namespace=k8s.io images import --digests --snapshotter=overlayfs -");
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
    let port = Command::new("docker").args(["port", &node, "6443/tcp"]).output().unwrap();
    let port = String::from_utf8_lossy(&port.stdout);
    let port = port.lines().next().unwrap_or_default().rsplit(':').next().unwrap_or_default().to_string();
    let kubeconfig_path = std::env::temp_dir().join(format!("kubedrill-kind-{name}/kubeconfig"));
    let kubeconfig = std::fs::read_to_string(&kubeconfig_path).unwrap();
    assert!(kubeconfig.contains(&format!("server: https://127.0.0.1:{port}")), "{kubeconfig}");
    assert!(!kubeconfig.contains("drill-control-plane:6443"), "{kubeconfig}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&kubeconfig_path).unwrap().permissions().mode() & 0o777, 0o600);

    // Second run: finds the kept node by its labels, no new container, no new kubeadm init.
    let _ = exec_in(&node, &["rm", "/kind/kubeadm-args"]);
    let out = kind_run(&["--kind-image", &image, "--reuse-cluster", &name]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("reusing kept node {node}")), "{stderr}");
    assert!(stderr.contains("ready (reused"), "{stderr}");
    assert!(!stderr.contains("creating node container"), "{stderr}");
    assert_eq!(exec_in(&node, &["cat", "/kind/kubeadm-args"]), "");

    // Third run wants kubelet timing: the kept node (5s) does not fit and is replaced.
    let out = kind_run(&["--kind-image", &image, "--reuse-cluster", &name, "--timing", "kubelet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("its kubelet syncFrequency is 5s, not 1m0s"), "{stderr}");
    assert!(stderr.contains(&format!("creating node container {node}")), "{stderr}");
    let label = Command::new("docker")
        .args(["inspect", &node, "--format", "{{index .Config.Labels \"io.kubedrill.kind.sync-frequency\"}}"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&label.stdout).trim(), "1m0s");

    // Without --reuse-cluster a run leaves nothing behind.
    let out = kind_run(&["--kind-image", &image]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("kind: node removed"), "{stderr}");
    let _ = Command::new("docker").args(["rm", "-f", "-v", &node]).output();
    let _ = std::fs::remove_dir_all(kubeconfig_path.parent().unwrap());
    assert_eq!(kubedrill_nodes(), before);
}

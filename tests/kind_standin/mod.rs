//! A stand-in for the `kindest/node` image, for tests on machines without one: Debian's
//! busybox-static with shell scripts for the node's entrypoint, `systemctl`, `kubeadm`,
//! `kubectl`, `journalctl`, `containerd` and `ctr`. It proves kubedrill's side of the boot —
//! the node container, the commands run in it, the files written, the kubeconfig rewrite,
//! the image piped in, reuse and cleanup — not Kubernetes itself.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

pub const IMAGE: &str = "kubedrill/busybox:test";

/// Panics with what is missing (the test was asked for with `--ignored`).
pub fn require_docker_and_busybox() {
    let out = Command::new("docker")
        .args(["image", "inspect", IMAGE, "--format", "{{.Id}}"])
        .output();
    let needs = "needs a Docker engine, /bin/busybox and the kubedrill/busybox:test image (.ci/run provides them)";
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("{needs}: {}", String::from_utf8_lossy(&o.stderr).trim()),
        Err(e) => panic!("{needs}: no docker CLI ({e})"),
    }
    assert!(
        Path::new("/bin/busybox").is_file(),
        "{needs}: no /bin/busybox"
    );
}

/// Whether the engine runs privileged containers (engines inside unprivileged containers
/// refuse them: "unable to apply caps").
pub fn privileged_allowed() -> bool {
    Command::new("docker")
        .args(["run", "--rm", "--privileged", IMAGE, "sh", "-c", ":"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Names of every kind node kubedrill started (label `io.kubedrill.kind`).
pub fn kubedrill_nodes() -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            "label=io.kubedrill.kind",
            "--format",
            "{{.Names}}",
        ])
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
pub enum Mode {
    /// Everything succeeds.
    Ok,
    /// `kubeadm init` fails (and prints the config it was given).
    KubeadmFails,
    /// systemd never comes up.
    NoSystemd,
}

pub const ADMIN_CONF: &str = "apiVersion: v1
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
pub fn stand_in_image(mode: Mode) -> String {
    static BUILT: OnceLock<std::sync::Mutex<Vec<String>>> = OnceLock::new();
    let tag = match mode {
        Mode::Ok => "ok",
        Mode::KubeadmFails => "kubeadm-fails",
        Mode::NoSystemd => "no-systemd",
    };
    let image = format!("kubedrill/stand-in-node:{tag}");
    let built = BUILT.get_or_init(Default::default);
    let mut built = built
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if built.contains(&image) {
        return image;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    for d in [
        "bin",
        "sbin",
        "usr/bin",
        "usr/local/bin",
        "kind/manifests",
        "etc",
        "tmp",
        "run",
        "var",
        "proc",
        "sys",
        "dev",
    ] {
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
    script(
        "usr/local/bin/entrypoint",
        "echo 'INFO: starting init' >&2\nexec \"$@\"",
    );
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
    std::fs::write(
        r.join("kind/manifests/default-storage.yaml"),
        "kind: StorageClass\n",
    )
    .unwrap();
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    built.push(image.clone());
    image
}

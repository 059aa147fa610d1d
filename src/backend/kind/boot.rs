//! The boot sequence inside a started node container, as kind's create actions do it
//! (kubernetes-sigs/kind pkg/cluster/internal/create/actions/*): wait for systemd, read the
//! node's facts, write the kubeadm config, `kubeadm init`, remove the control-plane taint,
//! install the CNI and storage manifests the image ships, then wait until the node is Ready
//! and the `default` ServiceAccount exists. Each step reports progress; a failing step
//! carries the log that explains it (kubeadm's output, the kubelet journal).

use std::time::{Duration, Instant};

use base64::Engine as _;

use super::KindError;
use super::exec::{ExecOutput, NodeExec};
use super::kubeadm::{self, KubeadmInputs};

/// A marker kubedrill writes once the node is Ready: a reused node without it was never
/// fully booted and is not reused.
pub const READY_MARKER: &str = "/kind/kubedrill-ready";

/// How long systemd may take to come up in the node.
const SYSTEMD_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the node may take to become Ready after `kubeadm init`.
const READY_TIMEOUT: Duration = Duration::from_secs(240);
/// How many log lines an error carries.
const LOG_LINES: usize = 60;

/// Reports a step with the time since the boot began.
pub type Progress<'a> = &'a mut dyn FnMut(Duration, &str);

/// What the boot learnt about the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFacts {
    /// `/kind/version`, e.g. `v1.35.0`.
    pub kubernetes_version: String,
    /// containerd's snapshotter (for image import).
    pub snapshotter: String,
}

/// The inputs of one boot.
pub struct BootPlan<'a> {
    /// Where commands run.
    pub node: &'a NodeExec,
    /// The cluster name.
    pub cluster: &'a str,
    /// The node's IP on its Docker network.
    pub node_ip: &'a str,
    /// The kubelet's sync frequency.
    pub sync_frequency: Duration,
    /// The Docker host runs cgroup v1.
    pub cgroup_v1: bool,
    /// When the whole boot (including the container's creation) began.
    pub started: Instant,
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

impl BootPlan<'_> {
    fn fail(&self, step: &'static str, message: impl Into<String>, log: String) -> KindError {
        KindError::Boot {
            step,
            elapsed: self.started.elapsed(),
            message: message.into(),
            log,
        }
    }

    /// The kubelet journal's last lines (best effort).
    async fn kubelet_journal(&self) -> String {
        match self
            .node
            .run(&["journalctl", "-u", "kubelet", "--no-pager", "-n", "60"])
            .await
        {
            Ok(out) => format!(
                "kubelet journal:\n{}",
                last_lines(&out.combined(), LOG_LINES)
            ),
            Err(e) => format!("(kubelet journal unavailable: {e})"),
        }
    }

    /// Runs a command that must succeed; a failure carries its output.
    async fn must(&self, step: &'static str, cmd: &[&str]) -> Result<ExecOutput, KindError> {
        let out = self.node.run(cmd).await?;
        if out.ok() {
            Ok(out)
        } else {
            Err(self.fail(
                step,
                format!("`{}` exited {}", cmd.join(" "), out.code),
                last_lines(&out.combined(), LOG_LINES),
            ))
        }
    }

    /// Writes `content` to `path` in the node (exec has no stdin here: base64 in argv).
    pub async fn write_file(
        &self,
        step: &'static str,
        path: &str,
        content: &str,
    ) -> Result<(), KindError> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(content);
        let dir = path.rsplit_once('/').map_or("/", |(d, _)| d);
        let script = format!("mkdir -p '{dir}' && echo '{encoded}' | base64 -d > '{path}'");
        self.must(step, &["sh", "-c", &script]).await.map(|_| ())
    }

    /// Polls until systemd reports `running` or `degraded` (kind waits for "Reached target
    /// Multi-User System" on a TTY, which the exec API cannot allocate).
    pub async fn wait_for_systemd(&self, progress: Progress<'_>) -> Result<(), KindError> {
        progress(self.started.elapsed(), "waiting for systemd in the node");
        let deadline = Instant::now() + SYSTEMD_TIMEOUT;
        let mut last = String::new();
        while Instant::now() < deadline {
            match self.node.run(&["systemctl", "is-system-running"]).await {
                Ok(out) => {
                    let state = out.stdout.trim().to_string();
                    if state == "running" || state == "degraded" {
                        return Ok(());
                    }
                    last = out.combined();
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(self.fail(
            "waiting for systemd",
            format!(
                "systemd did not reach running within {}s",
                SYSTEMD_TIMEOUT.as_secs()
            ),
            format!("last `systemctl is-system-running`: {last}"),
        ))
    }

    /// Reads `/kind/version` and the snapshotter.
    pub async fn facts(&self) -> Result<NodeFacts, KindError> {
        let version = self
            .must("reading the node's facts", &["cat", "/kind/version"])
            .await?;
        let dump = self.node.run(&["containerd", "config", "dump"]).await?;
        Ok(NodeFacts {
            kubernetes_version: version.stdout.trim().to_string(),
            snapshotter: snapshotter(&dump.stdout),
        })
    }

    /// Everything from the kubeadm config to a Ready node; returns the admin kubeconfig as
    /// the node wrote it.
    pub async fn init(
        &self,
        facts: &NodeFacts,
        progress: Progress<'_>,
    ) -> Result<String, KindError> {
        let config = kubeadm::render(&KubeadmInputs {
            cluster_name: self.cluster.to_string(),
            kubernetes_version: facts.kubernetes_version.clone(),
            node_ip: self.node_ip.to_string(),
            sync_frequency: self.sync_frequency,
            cgroup_v1: self.cgroup_v1,
        })
        .map_err(|m| self.fail("rendering the kubeadm config", m, String::new()))?;
        self.write_file("writing the kubeadm config", "/kind/kubeadm.conf", &config)
            .await?;
        progress(self.started.elapsed(), "kubeadm init");
        let out = self
            .node
            .run(&[
                "kubeadm",
                "init",
                "--config=/kind/kubeadm.conf",
                "--skip-token-print",
                "--v=6",
            ])
            .await?;
        if !out.ok() {
            let log = format!(
                "kubeadm output:\n{}\n{}",
                last_lines(&out.combined(), LOG_LINES),
                self.kubelet_journal().await
            );
            return Err(self.fail(
                "kubeadm init",
                format!("kubeadm init exited {}", out.code),
                log,
            ));
        }
        progress(self.started.elapsed(), "installing CNI and storage");
        // Untaint so that workloads schedule on the single node ("not found" is fine).
        let _ = self
            .node
            .run(&[
                "kubectl",
                "taint",
                "nodes",
                "--all",
                "node-role.kubernetes.io/control-plane-",
            ])
            .await?;
        let cni = self
            .must(
                "installing the CNI",
                &["cat", "/kind/manifests/default-cni.yaml"],
            )
            .await?;
        let cni = cni.stdout.replace("{{ .PodSubnet }}", "10.244.0.0/16");
        self.write_file("installing the CNI", "/kind/cni.yaml", &cni)
            .await?;
        self.must(
            "installing the CNI",
            &["kubectl", "apply", "-f", "/kind/cni.yaml"],
        )
        .await?;
        self.must(
            "installing storage",
            &[
                "kubectl",
                "apply",
                "-f",
                "/kind/manifests/default-storage.yaml",
            ],
        )
        .await?;
        self.wait_ready(progress).await?;
        self.write_file(
            "marking the node ready",
            READY_MARKER,
            &kubeadm::go_duration(self.sync_frequency),
        )
        .await?;
        self.admin_conf().await
    }

    /// Waits for the node's Ready condition and the `default` ServiceAccount.
    pub async fn wait_ready(&self, progress: Progress<'_>) -> Result<(), KindError> {
        progress(self.started.elapsed(), "waiting for the node to be Ready");
        let deadline = Instant::now() + READY_TIMEOUT;
        let ready_path = "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}";
        let last = loop {
            let node = self
                .node
                .run(&["kubectl", "get", "nodes", "-o", ready_path])
                .await?;
            let sa = self
                .node
                .run(&[
                    "kubectl",
                    "get",
                    "serviceaccount",
                    "default",
                    "-n",
                    "default",
                    "-o",
                    "name",
                ])
                .await?;
            if node.ok() && node.stdout.trim() == "True" && sa.ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                break format!("node Ready: {:?}; {}", node.stdout.trim(), sa.combined());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        let journal = self.kubelet_journal().await;
        Err(self.fail(
            "waiting for the node to be Ready",
            format!(
                "not Ready with a default ServiceAccount within {}s ({last})",
                READY_TIMEOUT.as_secs()
            ),
            journal,
        ))
    }

    /// `/etc/kubernetes/admin.conf` as the node has it.
    pub async fn admin_conf(&self) -> Result<String, KindError> {
        self.must(
            "reading the kubeconfig",
            &["cat", "/etc/kubernetes/admin.conf"],
        )
        .await
        .map(|o| o.stdout)
    }
}

/// The snapshotter in `containerd config dump` output (`overlayfs` when it names none).
pub fn snapshotter(dump: &str) -> String {
    dump.lines()
        .filter_map(|l| l.trim().strip_prefix("snapshotter = "))
        .map(|v| v.trim().trim_matches('"').to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "overlayfs".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshotter_comes_from_the_dump_or_defaults() {
        let dump = "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  default_runtime_name = \"runc\"\n  snapshotter = \"native\"\n";
        assert_eq!(snapshotter(dump), "native");
        assert_eq!(snapshotter("version = 2\n"), "overlayfs");
    }
}

//! The kubeadm configuration kubedrill writes to `/kind/kubeadm.conf`, following kind's own
//! template (kubernetes-sigs/kind pkg/cluster/internal/kubeadm/config.go): one
//! ClusterConfiguration, InitConfiguration, KubeletConfiguration and KubeProxyConfiguration.
//! kubeadm's API is `v1beta3` up to Kubernetes 1.35 and `v1beta4` (list-shaped `extraArgs`)
//! from 1.36. The one kubedrill-specific value is the kubelet's `syncFrequency`, which comes
//! from the scenarios' timing so that propagation on the node is as fast (or as faithful) as
//! they ask.

use std::time::Duration;

/// What the rendering needs to know about the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeadmInputs {
    /// The cluster's name (the node is `<name>-control-plane`).
    pub cluster_name: String,
    /// The node's Kubernetes version as `/kind/version` says, e.g. `v1.35.0`.
    pub kubernetes_version: String,
    /// The node's IP on the Docker network.
    pub node_ip: String,
    /// The kubelet's `syncFrequency`.
    pub sync_frequency: Duration,
    /// The Docker host runs cgroup v1: kubelet >= 1.31 then needs `failCgroupV1: false`
    /// (1.35 refuses v1 by default).
    pub cgroup_v1: bool,
}

/// The minor version of `v1.35.0` (35); `None` when it is not `v1.<minor>…`.
pub fn minor_version(version: &str) -> Option<u32> {
    let rest = version.trim().strip_prefix('v').unwrap_or(version.trim());
    let mut parts = rest.split('.');
    if parts.next()? != "1" {
        return None;
    }
    parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// A Go `time.Duration` string as kubelet prints one: `5s`, `1m0s`, `1m30s`, `500ms`.
pub fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// Renders the whole multi-document config. Errors when the version is not `v1.<minor>`.
pub fn render(inputs: &KubeadmInputs) -> Result<String, String> {
    let minor = minor_version(&inputs.kubernetes_version).ok_or_else(|| {
        format!(
            "unrecognised Kubernetes version {:?} in /kind/version (expected v1.MINOR.PATCH)",
            inputs.kubernetes_version
        )
    })?;
    let v4 = minor >= 36;
    let api = if v4 {
        "kubeadm.k8s.io/v1beta4"
    } else {
        "kubeadm.k8s.io/v1beta3"
    };
    let name = &inputs.cluster_name;
    let node = format!("{name}-control-plane");
    let ip = &inputs.node_ip;
    let args = |pairs: &[(&str, &str)], indent: &str| -> String {
        pairs
            .iter()
            .map(|(k, v)| {
                if v4 {
                    format!("{indent}- name: {k}\n{indent}  value: \"{v}\"\n")
                } else {
                    format!("{indent}  {k}: \"{v}\"\n")
                }
            })
            .collect()
    };
    let provider_id = format!("kind://docker/{name}/{node}");
    let mut out = String::new();
    out.push_str(&format!(
        "apiVersion: {api}\nkind: ClusterConfiguration\nclusterName: \"{name}\"\n\
         kubernetesVersion: {version}\ncontrolPlaneEndpoint: \"{node}:6443\"\n\
         apiServer:\n  certSANs:\n  - \"localhost\"\n  - \"127.0.0.1\"\n  extraArgs:\n{api_args}\
         controllerManager:\n  extraArgs:\n{cm_args}\
         scheduler:\n  extraArgs: {empty}\n\
         networking:\n  podSubnet: \"10.244.0.0/16\"\n  serviceSubnet: \"10.96.0.0/16\"\n",
        version = inputs.kubernetes_version.trim(),
        api_args = args(&[("runtime-config", "")], "  "),
        cm_args = args(&[("enable-hostpath-provisioner", "true")], "  "),
        empty = if v4 { "[]" } else { "{}" },
    ));
    out.push_str(&format!(
        "---\napiVersion: {api}\nkind: InitConfiguration\n\
         localAPIEndpoint:\n  advertiseAddress: \"{ip}\"\n  bindPort: 6443\n\
         nodeRegistration:\n  criSocket: \"unix:///run/containerd/containerd.sock\"\n  kubeletExtraArgs:\n{kubelet_args}\
         skipPhases:\n- preflight\n",
        kubelet_args = args(
            &[
                ("node-ip", ip),
                ("node-labels", ""),
                ("provider-id", &provider_id)
            ],
            "  "
        ),
    ));
    out.push_str(&format!(
        "---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
         cgroupDriver: systemd\ncgroupRoot: /kubelet\nfailSwapOn: false\n\
         imageGCHighThresholdPercent: 100\nevictionHard:\n  nodefs.available: \"0%\"\n  \
         nodefs.inodesFree: \"0%\"\n  imagefs.available: \"0%\"\n\
         syncFrequency: {sync}\n{cgroup}",
        sync = go_duration(inputs.sync_frequency),
        cgroup = if inputs.cgroup_v1 && minor >= 31 {
            "failCgroupV1: false\n"
        } else {
            ""
        },
    ));
    out.push_str(
        "---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n\
         mode: \"iptables\"\nconntrack:\n  maxPerCore: 0\n",
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(go_duration(Duration::from_secs(5)), "5s");
        assert_eq!(go_duration(Duration::from_secs(60)), "1m0s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
    }

    #[test]
    fn minor_versions_parse_and_garbage_does_not() {
        assert_eq!(minor_version("v1.35.0\n"), Some(35));
        assert_eq!(minor_version("v1.36.0-alpha.1"), Some(36));
        assert_eq!(minor_version("v2.0.0"), None);
        assert_eq!(minor_version(""), None);
        assert!(
            render(&KubeadmInputs {
                cluster_name: "x".into(),
                kubernetes_version: "latest".into(),
                node_ip: "10.0.0.2".into(),
                sync_frequency: Duration::from_secs(5),
                cgroup_v1: false,
            })
            .is_err()
        );
    }
}

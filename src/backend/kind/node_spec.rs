//! The node container as kind creates it (kubernetes-sigs/kind
//! pkg/cluster/internal/providers/docker/provision.go `runArgsForNode`), expressed as a
//! testcontainers request: privileged, seccomp and AppArmor unconfined, a private cgroup
//! namespace, tmpfs on `/tmp` and `/run`, an anonymous volume on `/var` (the node's
//! containerd must not run overlay-on-overlay), `/lib/modules` read-only, the API server's
//! 6443 published on a random port of 127.0.0.1, and kind's labels plus kubedrill's.

use std::time::Duration;

use testcontainers::bollard::models::{Mount as EngineMount, MountType, PortBinding};
use testcontainers::core::{AccessMode, CgroupnsMode, IntoContainerPort, Mount};
use testcontainers::{ContainerRequest, GenericImage, ImageExt};

use super::kubeadm::go_duration;

/// kind's label naming the cluster a node belongs to.
pub const CLUSTER_LABEL: &str = "io.x-k8s.kind.cluster";
/// kind's label naming the node's role.
pub const ROLE_LABEL: &str = "io.x-k8s.kind.role";
/// kubedrill's label on a node kept by `--reuse-cluster` (value `true`): the next run may
/// reuse it. A node without it is never reused or removed by name.
pub const REUSE_LABEL: &str = "io.kubedrill.kind.reuse";
/// kubedrill's label on every node it starts (value: the kubedrill version).
pub const MANAGED_LABEL: &str = "io.kubedrill.kind";
/// The kubelet `syncFrequency` the node was booted with (Go duration, e.g. `5s`).
pub const SYNC_LABEL: &str = "io.kubedrill.kind.sync-frequency";
/// The node image as `--kind-image` named it (the engine may report a digest reference
/// differently): what reuse compares.
pub const IMAGE_LABEL: &str = "io.kubedrill.kind.image";
/// The API server's port inside the node.
pub const API_SERVER_PORT: u16 = 6443;
/// How long testcontainers may take to create and start the node container (kind allows
/// minutes; the image may be large). The kubelet's own readiness is waited for separately.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(300);

/// What the node container is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// The cluster name; the container and its hostname are `<cluster>-control-plane`.
    pub cluster: String,
    /// The node image, e.g. `kindest/node:v1.35.0@sha256:…`.
    pub image: String,
    /// The kubelet's `syncFrequency`, recorded as a label.
    pub sync_frequency: Duration,
    /// Labelled for reuse by the next run (`--reuse-cluster`).
    pub reusable: bool,
    /// Bind `/lib/modules` read-only (kind always does; skipped where the host has none).
    pub lib_modules: bool,
    /// Privileged, as a kind node must be. `false` only for tests that stand a small image in
    /// for the node on an engine that refuses privileged containers.
    pub privileged: bool,
    /// Replaces the image's command. Only for tests that stand a small image in for the node
    /// image (which has its own entrypoint and `/sbin/init`).
    pub command: Option<Vec<String>>,
}

impl NodeSpec {
    /// The container's name and hostname.
    pub fn container_name(&self) -> String {
        node_name(&self.cluster)
    }
}

/// `<cluster>-control-plane`, as kind names the node.
pub fn node_name(cluster: &str) -> String {
    format!("{cluster}-control-plane")
}

/// Whether `name` is usable as a cluster name (a DNS label part, as kind requires).
pub fn valid_cluster_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 50
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The testcontainers request that creates the node container.
pub fn node_request(spec: &NodeSpec) -> ContainerRequest<GenericImage> {
    let (name, tag) = crate::runtime::docker::split_image(&spec.image);
    let node = spec.container_name();
    let mut request = GenericImage::new(name, tag)
        .with_exposed_port(API_SERVER_PORT.tcp())
        .with_container_name(node.clone())
        .with_hostname(node)
        .with_privileged(spec.privileged)
        .with_security_opt("seccomp=unconfined")
        .with_security_opt("apparmor=unconfined")
        .with_cgroupns_mode(CgroupnsMode::Private)
        .with_mount(Mount::tmpfs_mount("/tmp"))
        .with_mount(Mount::tmpfs_mount("/run"))
        .with_env_var("KUBECONFIG", "/etc/kubernetes/admin.conf")
        .with_env_var("container", "docker")
        .with_label(CLUSTER_LABEL, spec.cluster.clone())
        .with_label(ROLE_LABEL, "control-plane")
        .with_label(MANAGED_LABEL, env!("CARGO_PKG_VERSION"))
        .with_label(SYNC_LABEL, go_duration(spec.sync_frequency))
        .with_label(IMAGE_LABEL, spec.image.clone())
        .with_startup_timeout(STARTUP_TIMEOUT);
    if spec.reusable {
        request = request.with_label(REUSE_LABEL, "true");
    }
    if spec.lib_modules {
        request = request.with_mount(
            Mount::bind_mount("/lib/modules", "/lib/modules")
                .with_access_mode(AccessMode::ReadOnly),
        );
    }
    if let Some(command) = &spec.command {
        request = request.with_cmd(command.clone());
    }
    request.with_host_config_modifier(|host| {
        // An anonymous volume (removed with the container): testcontainers' volume mounts
        // are named.
        host.mounts.get_or_insert_with(Vec::new).push(EngineMount {
            target: Some("/var".into()),
            typ: Some(MountType::VOLUME),
            ..Default::default()
        });
        // The image's entrypoint is PID 1 (it execs systemd): no docker-init.
        host.init = Some(false);
        // The API server on a random port of the loopback address only, as kind does.
        host.publish_all_ports = Some(false);
        host.port_bindings = Some(
            [(
                format!("{API_SERVER_PORT}/tcp"),
                Some(vec![PortBinding {
                    host_ip: Some("127.0.0.1".into()),
                    host_port: Some("0".into()),
                }]),
            )]
            .into_iter()
            .collect(),
        );
    })
}

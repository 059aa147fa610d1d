//! `--backend kind`: a real single-node Kubernetes cluster in a `kindest/node` container,
//! started through testcontainers the way kind itself boots a node (no kind CLI), for the
//! cluster backend to run scenarios against. See `shared/spec/kind-via-testcontainers.md`.
//!
//! The product is a [`KindCluster`]: a kubeconfig file (and its text) whose server is the
//! node's API server on a port of 127.0.0.1, plus what the node was booted with (Kubernetes
//! version, kubelet `syncFrequency`). One node serves a whole `kubedrill run`.
//!
//! The jobs are split by module: [`node_spec`] (the container as kind creates it),
//! [`kubeadm`] (the kubeadm config), [`boot`] (the sequence inside the node),
//! [`kubeconfig`] (the server rewrite), [`images`] (loading the workload's images),
//! [`reuse`] (finding a kept node), [`cleanup`] (removal on end, failure and Ctrl-C),
//! [`preflight`] (what the Docker host must offer), [`exec`] (commands in the node).

pub mod boot;
pub mod cleanup;
mod errors;
pub mod exec;
pub mod images;
pub mod kubeadm;
pub mod kubeconfig;
pub mod node_spec;
pub mod preflight;
pub mod reuse;
mod sync;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use testcontainers::bollard::Docker;
use testcontainers::runners::AsyncRunner;

pub use boot::Progress;
pub use errors::KindError;
pub use sync::{SyncChoice, sync_frequency_for};

use boot::BootPlan;
use cleanup::NodeGuard;
use exec::NodeExec;
use node_spec::{API_SERVER_PORT, NodeSpec};
use reuse::Discovery;

/// The default node image when `--kind-image` is not given: kind v0.31.0's node for
/// Kubernetes 1.35 (pin by digest where reproducibility matters).
pub const DEFAULT_NODE_IMAGE: &str = "kindest/node:v1.35.0";

/// How to get a node.
#[derive(Debug, Clone)]
pub struct KindOptions {
    /// The node image (`--kind-image`).
    pub image: String,
    /// `--reuse-cluster NAME`: keep the node for the next run and reuse a kept one. `None`: a
    /// fresh node with a unique name, removed at the end.
    pub reuse_cluster: Option<String>,
    /// The kubelet's `syncFrequency` (see [`sync_frequency_for`]).
    pub sync_frequency: Duration,
    /// Images the workloads use, loaded into the node from the local engine.
    pub images: Vec<String>,
    /// Replaces the node image's command. Only for tests that stand a small image in for
    /// the node image; a real node boots with the image's own entrypoint.
    pub command_override: Option<Vec<String>>,
    /// Runs the node privileged: always `true` for a real node (kubelet needs it). `false`
    /// only lets tests drive the boot sequence with a stand-in image on an engine that
    /// refuses privileged containers.
    pub privileged: bool,
}

/// A booted (or reused) node, ready for the cluster backend.
#[derive(Debug)]
pub struct KindCluster {
    /// A kubeconfig file (0600) whose current context reaches the node's API server at
    /// [`KindCluster::server`]. Give it to the cluster backend as `--kubeconfig` would.
    pub kubeconfig_path: PathBuf,
    /// The same kubeconfig's text.
    pub kubeconfig: String,
    /// Its current context (`kubernetes-admin@<cluster>`).
    pub context: Option<String>,
    /// `https://127.0.0.1:<port>`.
    pub server: String,
    /// The kind cluster name (`io.x-k8s.kind.cluster`).
    pub cluster: String,
    /// The node container's name (`<cluster>-control-plane`), also the Kubernetes node name.
    pub node_name: String,
    /// `/kind/version`, e.g. `v1.35.0`.
    pub kubernetes_version: String,
    /// The kubelet's `syncFrequency` on this node.
    pub sync_frequency: Duration,
    /// Whether a node kept by an earlier `--reuse-cluster` run was reused.
    pub reused: bool,
    /// How long getting the node took (boot or reuse).
    pub ready_after: Duration,
    /// The images loaded into the node.
    pub loaded_images: Vec<String>,
    snapshotter: String,
    docker: Docker,
    guard: NodeGuard,
    /// Holds the kubeconfig of a node that is removed at the end (owner-locked, so a killed
    /// run's node is found and removed by the next run).
    scratch: Option<crate::runtime::scratch::ScratchDir>,
}

/// What happened to the node at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Removed (with its /var volume).
    Removed,
    /// Kept for the next `--reuse-cluster` run.
    Kept,
}

fn docker_error(
    action: &'static str,
) -> impl Fn(testcontainers::bollard::errors::Error) -> KindError {
    move |e| KindError::Docker {
        action,
        message: e.to_string(),
    }
}

/// A fresh cluster name: unique per run, so parallel CI jobs on one engine do not collide.
fn fresh_cluster_name() -> String {
    format!("kubedrill-{:08x}", rand::random::<u32>())
}

/// The node's IP on its (first) Docker network.
async fn node_ip(docker: &Docker, id: &str) -> Result<String, KindError> {
    let inspect = docker
        .inspect_container(id, None)
        .await
        .map_err(docker_error("inspect"))?;
    inspect
        .network_settings
        .and_then(|n| n.networks)
        .and_then(|nets| {
            nets.into_values()
                .filter_map(|n| n.ip_address)
                .find(|ip| !ip.is_empty())
        })
        .ok_or_else(|| KindError::Docker {
            action: "inspect",
            message: format!("node {id} has no IP address on a Docker network"),
        })
}

/// The host port Docker mapped to the node's 6443.
async fn api_server_port(docker: &Docker, id: &str) -> Result<u16, KindError> {
    let inspect = docker
        .inspect_container(id, None)
        .await
        .map_err(docker_error("inspect"))?;
    inspect
        .network_settings
        .and_then(|n| n.ports)
        .and_then(|mut p| p.remove(&format!("{API_SERVER_PORT}/tcp")))
        .flatten()
        .into_iter()
        .flatten()
        .find_map(|b| b.host_port.and_then(|p| p.parse().ok()))
        .ok_or_else(|| KindError::Docker {
            action: "inspect",
            message: format!("node {id} publishes no port for {API_SERVER_PORT}/tcp"),
        })
}

/// Writes the kubeconfig (0600: it holds the cluster admin's key).
fn write_kubeconfig(path: &Path, text: &str) -> Result<(), KindError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let io = |source| KindError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)
}

/// Where a kept cluster's kubeconfig lives: the same path every run.
pub fn kept_kubeconfig_path(cluster: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("kubedrill-kind-{cluster}"))
        .join("kubeconfig")
}

impl KindCluster {
    /// Boots a node (or reuses a kept one), loads `options.images`, and returns once the node
    /// is Ready with a `default` ServiceAccount. Dropping the returned cluster (or this
    /// future, e.g. on Ctrl-C) removes a node that is not kept.
    pub async fn start(
        options: &KindOptions,
        progress: Progress<'_>,
    ) -> Result<KindCluster, KindError> {
        let started = Instant::now();
        let docker = preflight::connect().await?;
        // Nodes of runs killed outright (their scratch dir's owner is gone).
        let orphans = crate::runtime::docker::DockerRuntime::connect()
            .await
            .map_err(|e| KindError::DockerUnreachable(e.to_string()))?
            .remove_orphans()
            .await;
        if !orphans.is_empty() {
            progress(
                started.elapsed(),
                &format!(
                    "removed containers left by killed runs: {}",
                    orphans.join(", ")
                ),
            );
        }
        let host = preflight::check_host(&docker).await?;
        let cluster = match &options.reuse_cluster {
            Some(name) if !node_spec::valid_cluster_name(name) => {
                return Err(KindError::HostUnsupported(format!(
                    "invalid --reuse-cluster name {name:?} (hint: lowercase letters, digits and '-', at most 50)"
                )));
            }
            Some(name) => name.clone(),
            None => fresh_cluster_name(),
        };
        if let Some(c) = Self::try_reuse(options, &docker, &cluster, started, progress).await? {
            return Ok(c);
        }
        let node_name = node_spec::node_name(&cluster);

        if docker.inspect_image(&options.image).await.is_err() {
            progress(
                started.elapsed(),
                &format!("pulling image {}", options.image),
            );
            images::ensure_local(&docker, &options.image)
                .await
                .map_err(|reason| KindError::NodeImageUnavailable {
                    image: options.image.clone(),
                    reason,
                })?;
        }
        let scratch = if options.reuse_cluster.is_some() {
            None
        } else {
            Some(
                crate::runtime::scratch::ScratchDir::create(None, false).map_err(|source| {
                    KindError::Io {
                        path: std::env::temp_dir(),
                        source,
                    }
                })?,
            )
        };
        let spec = NodeSpec {
            cluster: cluster.clone(),
            image: options.image.clone(),
            sync_frequency: options.sync_frequency,
            reusable: options.reuse_cluster.is_some(),
            lib_modules: Path::new("/lib/modules").is_dir(),
            command: options.command_override.clone(),
            privileged: options.privileged,
        };
        progress(
            started.elapsed(),
            &format!("creating node container {node_name} from {}", options.image),
        );
        // From here on the node is removed if anything fails or this future is dropped.
        let mut guard = NodeGuard::new(docker.clone(), node_name.clone());
        let mut request = node_spec::node_request(&spec);
        if let Some(dir) = &scratch {
            use testcontainers::ImageExt as _;
            request = request
                .with_label(
                    crate::runtime::docker::SCRATCH_LABEL,
                    dir.path().display().to_string(),
                )
                .with_label(
                    crate::runtime::docker::SCOPE_LABEL,
                    crate::runtime::docker::owner_scope(),
                );
        }
        let container = request.start().await.map_err(|e| {
            let message = e.to_string();
            if preflight::privileged_refused(&message) {
                KindError::PrivilegedRefused(message)
            } else {
                KindError::Docker {
                    action: "create/start",
                    message,
                }
            }
        })?;
        let id = container.id().to_string();
        guard.hold(container);
        let node = NodeExec::new(docker.clone(), id.clone());
        let ip = node_ip(&docker, &id).await?;
        let plan = BootPlan {
            node: &node,
            cluster: &cluster,
            node_ip: &ip,
            sync_frequency: options.sync_frequency,
            cgroup_v1: host.cgroup_v1,
            started,
        };
        if let Err(e) = plan.wait_for_systemd(progress).await {
            return Err(with_container_log(&docker, &id, e).await);
        }
        let facts = plan.facts().await?;
        let admin = plan.init(&facts, progress).await?;
        let port = api_server_port(&docker, &id).await?;
        let kubeconfig_path = match &scratch {
            Some(dir) => dir.path().join("kubeconfig"),
            None => kept_kubeconfig_path(&cluster),
        };
        let mut cluster = Self::finish(FinishParts {
            docker,
            guard,
            scratch,
            cluster,
            node_name,
            admin,
            port,
            kubeconfig_path,
            facts,
            sync_frequency: options.sync_frequency,
            reused: false,
            started,
        })?;
        cluster.load_images(&options.images, progress).await?;
        if options.reuse_cluster.is_some() {
            cluster.guard.keep();
        }
        cluster.ready_after = started.elapsed();
        progress(cluster.ready_after, "node ready");
        Ok(cluster)
    }

    /// Reuses the node a previous `--reuse-cluster` run kept, if it fits; removes a kept node
    /// that does not fit (other image or sync frequency, stopped, never finished booting).
    async fn try_reuse(
        options: &KindOptions,
        docker: &Docker,
        cluster: &str,
        started: Instant,
        progress: Progress<'_>,
    ) -> Result<Option<KindCluster>, KindError> {
        let found = match reuse::discover(docker, cluster).await? {
            Discovery::Absent => return Ok(None),
            Discovery::Foreign => {
                return Err(KindError::NameTaken {
                    name: node_spec::node_name(cluster),
                });
            }
            Discovery::Reusable(found) => found,
        };
        let node_name = node_spec::node_name(cluster);
        let guard = NodeGuard::kept(docker.clone(), node_name.clone());
        if options.reuse_cluster.is_none() {
            // A fresh name collided with a kept node: never touch it.
            return Err(KindError::NameTaken { name: node_name });
        }
        let wanted_sync = kubeadm::go_duration(options.sync_frequency);
        let node = NodeExec::new(docker.clone(), found.id.clone());
        let misfit = if !found.running {
            Some("it is not running".to_string())
        } else if found.image != options.image {
            Some(format!("it runs {}, not {}", found.image, options.image))
        } else if found.sync_frequency.as_deref() != Some(wanted_sync.as_str()) {
            Some(format!(
                "its kubelet syncFrequency is {}, not {wanted_sync}",
                found.sync_frequency.as_deref().unwrap_or("unknown")
            ))
        } else if !node.run(&["test", "-f", boot::READY_MARKER]).await?.ok() {
            Some("it never finished booting".to_string())
        } else {
            None
        };
        if let Some(why) = misfit {
            progress(
                started.elapsed(),
                &format!("removing kept node {node_name}: {why}"),
            );
            guard.remove().await;
            return Ok(None);
        }
        progress(started.elapsed(), &format!("reusing kept node {node_name}"));
        let facts = BootPlan {
            node: &node,
            cluster,
            node_ip: "",
            sync_frequency: options.sync_frequency,
            cgroup_v1: false,
            started,
        };
        facts.wait_ready(progress).await?;
        let node_facts = facts.facts().await?;
        let admin = facts.admin_conf().await?;
        let port = api_server_port(docker, &found.id).await?;
        let mut cluster = Self::finish(FinishParts {
            docker: docker.clone(),
            guard,
            scratch: None,
            cluster: cluster.to_string(),
            node_name,
            admin,
            port,
            kubeconfig_path: kept_kubeconfig_path(cluster),
            facts: node_facts,
            sync_frequency: options.sync_frequency,
            reused: true,
            started,
        })?;
        cluster.load_images(&options.images, progress).await?;
        cluster.ready_after = started.elapsed();
        progress(cluster.ready_after, "node ready (reused)");
        Ok(Some(cluster))
    }

    fn finish(parts: FinishParts) -> Result<KindCluster, KindError> {
        let kubeconfig = kubeconfig::rewrite_server(&parts.admin, parts.port)?;
        write_kubeconfig(&parts.kubeconfig_path, &kubeconfig)?;
        Ok(KindCluster {
            context: kubeconfig::current_context(&kubeconfig),
            kubeconfig_path: parts.kubeconfig_path,
            kubeconfig,
            server: format!("https://127.0.0.1:{}", parts.port),
            cluster: parts.cluster,
            node_name: parts.node_name,
            kubernetes_version: parts.facts.kubernetes_version,
            sync_frequency: parts.sync_frequency,
            reused: parts.reused,
            ready_after: parts.started.elapsed(),
            loaded_images: Vec::new(),
            snapshotter: parts.facts.snapshotter,
            docker: parts.docker,
            guard: parts.guard,
            scratch: parts.scratch,
        })
    }

    /// Loads `images` from the local engine into the node (pulling locally first where the
    /// engine lacks one). Pods should use `imagePullPolicy: IfNotPresent` (or a non-`latest`
    /// tag) so that kubelet uses the loaded image instead of pulling.
    pub async fn load_images(
        &mut self,
        images: &[String],
        progress: Progress<'_>,
    ) -> Result<(), KindError> {
        let node = NodeExec::new(self.docker.clone(), self.node_name.clone());
        for image in images {
            if self.loaded_images.contains(image) {
                continue;
            }
            images::ensure_local(&self.docker, image)
                .await
                .map_err(|reason| KindError::WorkloadImageUnavailable {
                    image: image.clone(),
                    reason,
                })?;
            progress(
                Duration::ZERO,
                &format!("loading image {image} into the node"),
            );
            images::load_into_node(&self.docker, &node, image, &self.snapshotter).await?;
            self.loaded_images.push(image.clone());
        }
        Ok(())
    }

    /// Ends the run's use of the node: removes it, unless it is kept for reuse.
    pub async fn shutdown(self) -> Ending {
        let KindCluster { guard, scratch, .. } = self;
        let ending = if guard.armed() {
            guard.remove().await;
            Ending::Removed
        } else {
            drop(guard);
            Ending::Kept
        };
        drop(scratch);
        ending
    }
}

struct FinishParts {
    docker: Docker,
    guard: NodeGuard,
    scratch: Option<crate::runtime::scratch::ScratchDir>,
    cluster: String,
    node_name: String,
    admin: String,
    port: u16,
    kubeconfig_path: PathBuf,
    facts: boot::NodeFacts,
    sync_frequency: Duration,
    reused: bool,
    started: Instant,
}

/// Adds the node container's own output (the entrypoint's messages) to a boot error.
async fn with_container_log(docker: &Docker, id: &str, error: KindError) -> KindError {
    use futures_util::StreamExt;
    use testcontainers::bollard::query_parameters::LogsOptionsBuilder;
    let KindError::Boot {
        step,
        elapsed,
        message,
        log,
    } = error
    else {
        return error;
    };
    let options = LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .tail("40")
        .build();
    let mut out = String::new();
    let mut logs = docker.logs(id, Some(options));
    while let Some(Ok(chunk)) = logs.next().await {
        out.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
    }
    let mut state = String::new();
    if let Ok(inspect) = docker.inspect_container(id, None).await
        && let Some(s) = inspect.state
    {
        state = format!(
            "container state: {} (exit code {})\n",
            s.status.map(|s| s.to_string()).unwrap_or_default(),
            s.exit_code.unwrap_or_default()
        );
    }
    KindError::Boot {
        step,
        elapsed,
        message,
        log: format!("{log}\n{state}node container output (last 40 lines):\n{out}"),
    }
}

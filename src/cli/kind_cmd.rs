//! `kubedrill run --backend kind`: boots (or reuses) the run's one kind node, with progress
//! lines on stderr, and hands its kubeconfig to the cluster backend, which runs the scenarios
//! on it. The node is removed at the end, on failure and on Ctrl-C/SIGTERM unless
//! `--reuse-cluster` keeps it. It owns the node's lifetime only; what a step does on the node
//! is the cluster backend's job.

use std::time::Duration;

use kubedrill::backend::kind::{self, KindCluster, KindError, KindOptions};
use kubedrill::scenario::Scenario;
use kubedrill::scenario::format::Timing;

use crate::exit::{CliError, StopSignal};

/// The `run` flags of the kind node.
pub struct KindArgs {
    /// `--kind-image`.
    pub kind_image: Option<String>,
    /// `--reuse-cluster NAME`.
    pub reuse_cluster: Option<String>,
    /// `--timing`: decides the kubelet's `syncFrequency` with the scenarios' own timing.
    pub timing: Option<String>,
}

/// `--kind-image` and `--reuse-cluster` only mean something with `--backend kind` (or
/// `--compare local,kind`): `uses_kind` says whether this run boots a node.
pub fn check_flags(args: &KindArgs, uses_kind: bool) -> Result<(), CliError> {
    if !uses_kind {
        for (flag, set) in [
            ("--kind-image", args.kind_image.is_some()),
            ("--reuse-cluster", args.reuse_cluster.is_some()),
        ] {
            if set {
                return Err(CliError::Invalid(format!(
                    "{flag} needs --backend kind (hint: add --backend kind, or drop {flag})"
                )));
            }
        }
    }
    Ok(())
}

/// Whether a run with `--backend backend` and `--compare compare` boots a kind node.
pub fn uses_kind(backend: &str, compare: Option<&str>) -> bool {
    backend == "kind" || compare == Some("local,kind")
}

/// The booted node and the runtime it was made on (kept for its removal).
pub struct KindNode {
    /// The node; dropping it removes the container unless it is kept.
    pub cluster: KindCluster,
    runtime: tokio::runtime::Runtime,
    keep: bool,
}

impl KindNode {
    /// Removes the node (or keeps it for `--reuse-cluster`) and says which.
    pub fn shutdown(self) {
        let keep = self.keep;
        let ending = self.runtime.block_on(self.cluster.shutdown());
        if ending == kind::Ending::Removed {
            eprintln!("kind: node removed");
        } else if keep {
            eprintln!("kind: node kept for the next --reuse-cluster run");
        }
    }
}

/// Every image the scenarios' containers run (`run.image`, else the manifest's `image`).
fn workload_images(scenarios: &[Scenario]) -> Vec<String> {
    let mut images: Vec<String> = scenarios
        .iter()
        .flat_map(|s| {
            let w = &s.spec.workload;
            w.workload
                .spec
                .containers
                .iter()
                .chain(w.workload.spec.init_containers.iter().flatten())
                .filter_map(|c| {
                    w.run
                        .get(&c.name)
                        .and_then(|r| r.image.clone())
                        .or_else(|| c.image.clone())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    images.sort();
    images.dedup();
    images
}

enum Outcome {
    Booted(Box<KindCluster>),
    Failed(KindError),
    Signal(StopSignal),
}

/// Boots (or reuses) the node for `scenarios`: exit 2 with the node's own logs when it cannot,
/// 130/143 (node removed) when a signal stops the boot.
pub fn boot(args: &KindArgs, scenarios: &[Scenario]) -> Result<KindNode, CliError> {
    let override_timing = match args.timing.as_deref() {
        Some("kubelet") => Some(Timing::Kubelet),
        Some(_) => Some(Timing::Fast),
        None => None,
    };
    let timings: Vec<&Timing> = match &override_timing {
        Some(t) => vec![t],
        None => scenarios.iter().map(|s| &s.spec.timing).collect(),
    };
    let sync = kind::sync_frequency_for(&timings);
    let options = KindOptions {
        image: args
            .kind_image
            .clone()
            .unwrap_or_else(|| kind::DEFAULT_NODE_IMAGE.to_string()),
        reuse_cluster: args.reuse_cluster.clone(),
        sync_frequency: sync.frequency,
        images: workload_images(scenarios),
        command_override: None,
        privileged: true,
    };
    eprintln!(
        "kind: kubelet syncFrequency {} (timing: {})",
        kind::kubeadm::go_duration(sync.frequency),
        sync.reason
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Invalid(format!("cannot start the async runtime: {e}")))?;
    let mut progress = |elapsed: Duration, step: &str| {
        eprintln!("kind [{:>6.1}s] {step}", elapsed.as_secs_f64());
    };
    let outcome = runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            // No signal handling: a signal then kills the process; the next run removes the
            // node (its scratch dir's owner is gone).
            return match KindCluster::start(&options, &mut progress).await {
                Ok(c) => Outcome::Booted(Box::new(c)),
                Err(e) => Outcome::Failed(e),
            };
        };
        // Dropping the boot future (on a signal) drops its node guard: the node is removed.
        tokio::select! {
            r = KindCluster::start(&options, &mut progress) => match r {
                Ok(c) => Outcome::Booted(Box::new(c)),
                Err(e) => Outcome::Failed(e),
            },
            _ = int.recv() => Outcome::Signal(StopSignal::Interrupt),
            _ = term.recv() => Outcome::Signal(StopSignal::Terminate),
        }
    });
    match outcome {
        Outcome::Booted(cluster) => {
            eprintln!(
                "kind: node {} ready ({}{}, Kubernetes {}, kubeconfig {})",
                cluster.node_name,
                if cluster.reused { "reused, " } else { "" },
                humantime::format_duration(Duration::from_millis(
                    cluster.ready_after.as_millis() as u64
                )),
                cluster.kubernetes_version,
                cluster.kubeconfig_path.display()
            );
            Ok(KindNode {
                cluster: *cluster,
                runtime,
                keep: args.reuse_cluster.is_some(),
            })
        }
        Outcome::Failed(e) => Err(CliError::Invalid(e.to_string())),
        Outcome::Signal(signal) => {
            eprintln!("interrupted: the node container was removed");
            Err(signal.into())
        }
    }
}

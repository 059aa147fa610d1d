//! `kubedrill run --backend kind`: boots (or reuses) the run's one kind node, with progress
//! lines on stderr, and removes it at the end, on failure and on Ctrl-C/SIGTERM unless
//! `--reuse-cluster` keeps it. Running the scenarios on the node is the cluster backend's
//! job; until it is part of this build the command says so and exits 2 after the boot.

use std::process::ExitCode;
use std::time::Duration;

use kubedrill::backend::kind::{self, KindCluster, KindError, KindOptions};
use kubedrill::scenario::Scenario;
use kubedrill::scenario::format::Timing;

use crate::cli::EXIT_INVALID;
use crate::run_cmd::RunArgs;

/// Exit code after Ctrl-C (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;
/// Exit code after SIGTERM (128 + SIGTERM).
const EXIT_TERMINATED: u8 = 143;

/// `--kind-image` and `--reuse-cluster` only mean something with `--backend kind`.
pub fn check_flags(args: &RunArgs) -> Result<(), String> {
    if args.backend != "kind" {
        for (flag, set) in [
            ("--kind-image", args.kind_image.is_some()),
            ("--reuse-cluster", args.reuse_cluster.is_some()),
        ] {
            if set {
                return Err(format!(
                    "{flag} needs --backend kind (hint: add --backend kind, or drop {flag})"
                ));
            }
        }
    }
    Ok(())
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
    Signal(u8),
}

/// Boots the node for `scenarios` and ends the run.
pub fn run(args: &RunArgs, scenarios: &[Scenario]) -> ExitCode {
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
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let mut progress = |elapsed: Duration, step: &str| {
        eprintln!("kind [{:>6.1}s] {step}", elapsed.as_secs_f64());
    };
    let outcome = rt.block_on(async {
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
            _ = int.recv() => Outcome::Signal(EXIT_INTERRUPTED),
            _ = term.recv() => Outcome::Signal(EXIT_TERMINATED),
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
            eprintln!(
                "error: running scenarios on a kind node needs the cluster backend \
                 (--backend cluster), which is not part of this build; the node was booted \
                 and is {}",
                if args.reuse_cluster.is_some() {
                    "kept for the next --reuse-cluster run"
                } else {
                    "being removed"
                }
            );
            let ending = rt.block_on(cluster.shutdown());
            if ending == kind::Ending::Removed {
                eprintln!("kind: node removed");
            }
            ExitCode::from(EXIT_INVALID)
        }
        Outcome::Failed(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_INVALID)
        }
        Outcome::Signal(code) => {
            eprintln!("interrupted: the node container was removed");
            ExitCode::from(code)
        }
    }
}

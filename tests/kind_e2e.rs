//! End to end on a real kind node: every scenario in `scenarios/` through `--backend kind`,
//! `--compare local,kind`, and the node's cold and reused boot through the library API.
//! They need a `kindest/node` image (`KUBEDRILL_KIND_IMAGE=kindest/node:v1.35.0@sha256:…`)
//! and a privileged-capable Docker engine; `.ci/run` runs them when the variable is set and
//! lists them as not run otherwise. The scenario runs also need the cluster backend (issue 9):
//! until it is merged they fail with its message — they never pass without running.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use kubedrill::backend::kind::{KindCluster, KindOptions, sync_frequency_for};
use kubedrill::scenario::format::Timing;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

fn node_image() -> String {
    match std::env::var("KUBEDRILL_KIND_IMAGE") {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!(
            "needs a kindest/node image: set KUBEDRILL_KIND_IMAGE (e.g. kindest/node:v1.35.0)"
        ),
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
#[ignore = "needs a kindest/node image: set KUBEDRILL_KIND_IMAGE"]
fn every_scenario_passes_on_a_kind_node() {
    let image = node_image();
    let started = Instant::now();
    let out = Command::new(BIN)
        .args([
            "run",
            "--backend",
            "kind",
            "--kind-image",
            &image,
            "--jobs",
            "4",
            "scenarios",
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    eprintln!("scenarios on kind: {:?}", started.elapsed());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs a kindest/node image: set KUBEDRILL_KIND_IMAGE"]
fn compare_local_and_kind_agrees_on_every_scenario() {
    let image = node_image();
    let out = Command::new(BIN)
        .args([
            "run",
            "--compare",
            "local,kind",
            "--kind-image",
            &image,
            "scenarios",
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Cold boot, then reuse of the kept node: prints both times (the README's numbers come from
/// this test's output).
#[tokio::test]
#[ignore = "needs a kindest/node image: set KUBEDRILL_KIND_IMAGE"]
async fn a_real_node_boots_ready_and_is_reused() {
    let image = node_image();
    let name = format!("kdboot-{:06x}", rand::random::<u32>() & 0xff_ffff);
    let options = KindOptions {
        image,
        reuse_cluster: Some(name.clone()),
        sync_frequency: sync_frequency_for(&[&Timing::Fast]).frequency,
        images: vec![],
        command_override: None,
        privileged: true,
    };
    let mut progress = |t: std::time::Duration, s: &str| eprintln!("[{t:>8.1?}] {s}");
    let cold = KindCluster::start(&options, &mut progress).await.unwrap();
    assert!(!cold.reused);
    assert!(cold.server.starts_with("https://127.0.0.1:"));
    assert!(cold.kubeconfig_path.is_file());
    eprintln!(
        "cold boot: {:?} (Kubernetes {})",
        cold.ready_after, cold.kubernetes_version
    );
    let cold_after = cold.ready_after;
    assert_eq!(
        cold.shutdown().await,
        kubedrill::backend::kind::Ending::Kept
    );
    let warm = KindCluster::start(&options, &mut progress).await.unwrap();
    assert!(warm.reused);
    eprintln!("reused: {:?} (cold was {cold_after:?})", warm.ready_after);
    drop(warm);
    let _ = Command::new("docker")
        .args(["rm", "-f", "-v", &format!("{name}-control-plane")])
        .output();
}

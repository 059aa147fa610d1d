//! The kind node's kubeadm config (golden files per Kubernetes minor version under
//! tests/fixtures/kind/) and the kubeconfig rewrite, through the library API. No Docker
//! needed. Regenerate the golden files after an intended change with
//! `KUBEDRILL_BLESS=1 cargo test --test kind_kubeadm` and review the diff.

use std::path::PathBuf;
use std::time::Duration;

use kubedrill::backend::kind::kubeadm::{KubeadmInputs, render};
use kubedrill::backend::kind::kubeconfig::{current_context, rewrite_server};
use kubedrill::backend::kind::sync_frequency_for;
use kubedrill::scenario::format::Timing;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kind")
        .join(name)
}

fn inputs(version: &str, sync: u64, cgroup_v1: bool) -> KubeadmInputs {
    KubeadmInputs {
        cluster_name: "drill".into(),
        kubernetes_version: version.into(),
        node_ip: "172.18.0.2".into(),
        sync_frequency: Duration::from_secs(sync),
        cgroup_v1,
    }
}

fn golden(name: &str, rendered: &str) {
    let path = fixture(name);
    if std::env::var_os("KUBEDRILL_BLESS").is_some() {
        std::fs::write(&path, rendered).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with KUBEDRILL_BLESS=1)", path.display()));
    assert_eq!(rendered, want, "{} differs", path.display());
}

#[test]
fn kubeadm_config_matches_the_golden_file_per_minor_version() {
    for (version, file) in [
        ("v1.29.14", "kubeadm-v1.29.yaml"),
        ("v1.31.12", "kubeadm-v1.31.yaml"),
        ("v1.34.3", "kubeadm-v1.34.yaml"),
        ("v1.35.0", "kubeadm-v1.35.yaml"),
        ("v1.36.0", "kubeadm-v1.36.yaml"),
    ] {
        golden(file, &render(&inputs(version, 5, false)).unwrap());
    }
}

#[test]
fn kubeadm_api_is_v1beta3_up_to_1_35_and_v1beta4_from_1_36() {
    let v3 = render(&inputs("v1.35.0", 5, false)).unwrap();
    let v4 = render(&inputs("v1.36.0", 5, false)).unwrap();
    assert!(v3.contains("apiVersion: kubeadm.k8s.io/v1beta3") && !v3.contains("v1beta4"));
    assert!(v4.contains("apiVersion: kubeadm.k8s.io/v1beta4") && !v4.contains("v1beta3"));
    // v1beta4's extraArgs are a list of name/value pairs.
    assert!(
        v4.contains("- name: node-ip\n    value: \"172.18.0.2\""),
        "{v4}"
    );
    assert!(v3.contains("    node-ip: \"172.18.0.2\""), "{v3}");
}

#[test]
fn kubelet_sync_frequency_follows_the_scenario_timing() {
    let fast = sync_frequency_for(&[&Timing::Fast, &Timing::Fast]);
    assert_eq!(fast.frequency, Duration::from_secs(5));
    assert_eq!(fast.reason, "fast");
    let kubelet = sync_frequency_for(&[&Timing::Kubelet]);
    assert_eq!(kubelet.frequency, Duration::from_secs(60));
    let mixed = sync_frequency_for(&[&Timing::Fast, &Timing::Kubelet, &Timing::Fast]);
    assert_eq!(mixed.frequency, Duration::from_secs(60));
    assert!(mixed.reason.contains("1 of 3"), "{}", mixed.reason);
    assert!(
        render(&inputs("v1.35.0", 5, false))
            .unwrap()
            .contains("\nsyncFrequency: 5s\n")
    );
    assert!(
        render(&inputs("v1.35.0", 60, false))
            .unwrap()
            .contains("\nsyncFrequency: 1m0s\n")
    );
}

#[test]
fn cgroup_v1_hosts_get_fail_cgroup_v1_false_from_1_31() {
    golden(
        "kubeadm-v1.35-cgroupv1.yaml",
        &render(&inputs("v1.35.0", 60, true)).unwrap(),
    );
    assert!(
        !render(&inputs("v1.29.14", 5, true))
            .unwrap()
            .contains("failCgroupV1")
    );
    assert!(
        !render(&inputs("v1.35.0", 5, false))
            .unwrap()
            .contains("failCgroupV1")
    );
}

#[test]
fn kubeconfig_server_is_rewritten_to_the_mapped_port_and_nothing_else_changes() {
    let admin = std::fs::read_to_string(fixture("admin.conf")).unwrap();
    let rewritten = rewrite_server(&admin, 41234).unwrap();
    let before: serde_json::Value = serde_saphyr::from_str(&admin).unwrap();
    let mut after: serde_json::Value = serde_saphyr::from_str(&rewritten).unwrap();
    assert_eq!(
        after["clusters"][0]["cluster"]["server"],
        "https://127.0.0.1:41234"
    );
    // Everything but the server is as kubeadm wrote it (certificates, users, contexts).
    after["clusters"][0]["cluster"]["server"] = before["clusters"][0]["cluster"]["server"].clone();
    assert_eq!(after, before);
    assert_eq!(
        current_context(&rewritten).as_deref(),
        Some("kubernetes-admin@drill")
    );
}

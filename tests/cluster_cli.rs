//! `kubedrill run --backend cluster` and `--compare` through the real binary, where no
//! cluster is needed: every way of not reaching one is a clear setup error (exit 2) before
//! anything runs. The runs against a real cluster are in tests/cluster_e2e.rs.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kubedrill(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run kubedrill");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn unreachable_kubeconfig(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\ncontexts:\n- name: test\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: abc}\n",
    )
    .expect("write kubeconfig");
    path
}

#[test]
fn a_missing_kubeconfig_file_exits_2_naming_it() {
    let (code, stdout, stderr) = kubedrill(
        &[
            "run",
            "--backend",
            "cluster",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "scenarios/env-vs-volume.yaml",
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error: no kubeconfig: /nonexistent/kubeconfig does not exist"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
}

#[test]
fn kubeconfig_from_the_environment_is_used_as_kubectl_does() {
    let (code, _, stderr) = kubedrill(
        &[
            "run",
            "--backend",
            "cluster",
            "scenarios/env-vs-volume.yaml",
        ],
        &[("KUBECONFIG", "/nonexistent/from-env")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("/nonexistent/from-env does not exist"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_api_server_exits_2_before_anything_runs() {
    let dir = tempfile::tempdir().expect("dir");
    let kubeconfig = unreachable_kubeconfig(dir.path());
    let (code, stdout, stderr) = kubedrill(
        &[
            "run",
            "--backend",
            "cluster",
            "--kubeconfig",
            kubeconfig.to_str().expect("utf-8"),
            "scenarios/env-vs-volume.yaml",
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error: the API server https://127.0.0.1:1/ is unreachable"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
}

#[test]
fn an_unknown_context_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    let kubeconfig = unreachable_kubeconfig(dir.path());
    let (code, _, stderr) = kubedrill(
        &[
            "run",
            "--backend",
            "cluster",
            "--kubeconfig",
            kubeconfig.to_str().expect("utf-8"),
            "--context",
            "prod",
            "scenarios/env-vs-volume.yaml",
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("(context \"prod\")"), "{stderr}");
}

#[test]
fn compare_needs_a_reachable_cluster_and_a_known_pair() {
    let dir = tempfile::tempdir().expect("dir");
    let kubeconfig = unreachable_kubeconfig(dir.path());
    let (code, stdout, stderr) = kubedrill(
        &[
            "run",
            "--compare",
            "local,cluster",
            "--kubeconfig",
            kubeconfig.to_str().expect("utf-8"),
            "scenarios/env-vs-volume.yaml",
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error: --compare: the API server"),
        "{stderr}"
    );
    assert!(
        stdout.is_empty(),
        "the local side did not run either: {stdout}"
    );
    let (code, _, stderr) = kubedrill(
        &[
            "run",
            "--compare",
            "local,nowhere",
            "scenarios/env-vs-volume.yaml",
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("invalid --compare \"local,nowhere\""),
        "{stderr}"
    );
}

//! `kubedrill init` through the real binary: the skeleton of the seed manifests (golden file),
//! `kubedrill run` of generated skeletons (seed and every workload of `scenarios/manifests/`)
//! passing out of the box, workload selection, and never overwriting or writing a bad file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const SEED: &str = "tests/fixtures/init/seed";
const GOLDEN: &str = "tests/fixtures/init/seed.golden.yaml";
const MANIFESTS: &str = "scenarios/manifests";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs kubedrill in `dir` (scratch dirs of `run` go to `dir` too).
fn kubedrill_in(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// A copy of `files` (paths from the crate root) in `dir/deploy/`.
fn deploy_dir(dir: &Path, files: &[&str]) -> PathBuf {
    let deploy = dir.join("deploy");
    fs::create_dir_all(&deploy).unwrap_or_else(|e| panic!("{e}"));
    for file in files {
        let from = root().join(file);
        let name = from.file_name().unwrap_or_default();
        fs::copy(&from, deploy.join(name)).unwrap_or_else(|e| panic!("copy {file}: {e}"));
    }
    deploy
}

fn assert_runs_and_passes(dir: &Path, scenario: &str) {
    let run = kubedrill_in(dir, &["run", scenario]);
    assert_eq!(
        run.code,
        0,
        "kubedrill run {scenario}:\n{}{}\n--- scenario:\n{}",
        run.stdout,
        run.stderr,
        fs::read_to_string(dir.join(scenario)).unwrap_or_default()
    );
    assert!(run.stdout.contains("1 passed, 0 failed"), "{}", run.stdout);
}

#[test]
fn init_of_the_seed_prints_the_golden_skeleton() {
    let out = kubedrill_in(&root(), &["init", "-f", SEED]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let golden = fs::read_to_string(root().join(GOLDEN)).unwrap_or_default();
    assert_eq!(
        out.stdout, golden,
        "the skeleton changed; if that is intended: \
         cargo run -- init -f {SEED} > {GOLDEN}"
    );
}

#[test]
fn init_skeleton_of_the_seed_checks_volume_env_and_tls_and_leaves_app_checks_commented() {
    let golden = fs::read_to_string(root().join(GOLDEN)).unwrap_or_default();
    let live: Vec<&str> = golden
        .lines()
        .filter(|l| l.trim_start().starts_with("- "))
        .collect();
    let has = |needle: &str| live.iter().any(|l| l.contains(needle));
    // The volume file follows the update; env stays frozen, then follows a restart.
    assert!(has(
        "assert: {file: /etc/config/app.conf, equals: changed-by-kubedrill, within: 5s"
    ));
    assert!(has(
        "assert: {env: API_TIMEOUT, notEquals: changed-by-kubedrill, throughout: 500ms}"
    ));
    assert!(has(
        "assert: {env: API_TIMEOUT, equals: changed-by-kubedrill, within: 5s}"
    ));
    assert!(has(
        "assert: {env: DATABASE_PASSWORD, notEquals: kubedrill-secret-v2, throughout: 500ms}"
    ));
    assert!(has("restart: app"));
    // The TLS Secret is rotated and its certificate file checked.
    assert!(has("name: rotate-python-app-tls"));
    assert!(has(
        "assert: {file: /etc/tls/cert.pem, equals: kubedrill-rotated"
    ));
    // App-level checks are comments only, marked APP.
    assert!(
        !live
            .iter()
            .any(|l| l.contains("log:") || l.contains("tls: {port") || l.contains("http:"))
    );
    assert!(golden.contains("# APP: new TLS connections get the new certificate"));
    assert!(golden.contains("# - assert: {tls: {port: 8000}, cn: NEXT-COMMON-NAME, within: 5s"));
    assert!(golden.contains("# - assert: {log: app, contains: \"reloaded\""));
    // No value of the manifests is copied, least of all a Secret's.
    for value in [
        "SecureP@ssw0rd",
        "U2VjdXJlUEBzc3cwcmQ=",
        "sk-1234567890",
        "LS0tLS1CRUdJTi",
        "db-svc",
    ] {
        assert!(!golden.contains(value), "{value} copied into the skeleton");
    }
    // The placeholder command works out of the box and says where the app goes.
    assert!(golden.contains("# Put your app here"));
    assert!(golden.contains("command: [sh, -c, \"exec sleep 86400\"]"));
}

#[test]
fn init_skeleton_of_the_seed_runs_and_passes_out_of_the_box() {
    let tmp = tempdir();
    deploy_dir(
        tmp.path(),
        &[
            "tests/fixtures/init/seed/configmap.yaml",
            "tests/fixtures/init/seed/secret.yaml",
            "tests/fixtures/init/seed/deployment.yaml",
        ],
    );
    let out = kubedrill_in(
        tmp.path(),
        &["init", "-f", "deploy/", "-o", "scenarios/my-app.yaml"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("wrote scenarios/my-app.yaml for Deployment python-app-deployment"),
        "{}",
        out.stdout
    );
    let text = fs::read_to_string(tmp.path().join("scenarios/my-app.yaml")).unwrap_or_default();
    assert!(
        text.contains("- file: \"../deploy/configmap.yaml\""),
        "{text}"
    );
    assert_runs_and_passes(tmp.path(), "scenarios/my-app.yaml");
}

#[test]
fn init_skeleton_of_each_workload_of_scenarios_manifests_runs_and_passes() {
    for workload in [
        "conf-dir.yaml",
        "conf-volume.yaml",
        "env-and-volume.yaml",
        "init-render.yaml",
        "secret-consumer.yaml",
        "subpath.yaml",
        "tls-deployment.yaml",
    ] {
        let tmp = tempdir();
        let workload_file = format!("{MANIFESTS}/{workload}");
        deploy_dir(
            tmp.path(),
            &[
                "scenarios/manifests/settings.yaml",
                "scenarios/manifests/db-secret.yaml",
                "scenarios/manifests/tls-v1.yaml",
                &workload_file,
            ],
        );
        let out = kubedrill_in(tmp.path(), &["init", "-f", "deploy", "-o", "scenario.yaml"]);
        assert_eq!(out.code, 0, "{workload}: {}", out.stderr);
        let text = fs::read_to_string(tmp.path().join("scenario.yaml")).unwrap_or_default();
        assert!(
            text.contains("update:"),
            "{workload}: nothing is changed:\n{text}"
        );
        assert_runs_and_passes(tmp.path(), "scenario.yaml");
    }
}

#[test]
fn init_subpath_skeleton_checks_the_file_stays_stale_until_a_restart() {
    let out = kubedrill_in(
        &root(),
        &[
            "init",
            "-f",
            "scenarios/manifests/settings.yaml",
            "-f",
            "scenarios/manifests/subpath.yaml",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stale =
        "- assert: {file: /app/app.conf, notEquals: changed-by-kubedrill, throughout: 500ms}";
    let fresh = "- assert: {file: /app/app.conf, equals: changed-by-kubedrill, within: 5s}";
    let at = |needle: &str| {
        out.stdout
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{}", out.stdout))
    };
    assert!(at(stale) < at("- restart: app") && at("- restart: app") < at(fresh));
}

#[test]
fn init_with_several_workloads_and_no_workload_flag_exits_2_listing_them() {
    let out = kubedrill_in(&root(), &["init", "-f", MANIFESTS]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("the manifests hold 7 workloads"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("Pod/python-app (scenarios/manifests/subpath.yaml:2)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--workload NAME"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn init_picks_the_workload_named_by_workload() {
    let tmp = tempdir();
    deploy_dir(
        tmp.path(),
        &[
            "tests/fixtures/init/seed/configmap.yaml",
            "tests/fixtures/init/seed/secret.yaml",
            "tests/fixtures/init/seed/deployment.yaml",
            "scenarios/manifests/conf-dir.yaml",
        ],
    );
    let out = kubedrill_in(tmp.path(), &["init", "-f", "deploy"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let out = kubedrill_in(
        tmp.path(),
        &["init", "-f", "deploy", "--workload", "Pod/python-app"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("file: deploy/conf-dir.yaml"),
        "{}",
        out.stdout
    );
    let out = kubedrill_in(
        tmp.path(),
        &[
            "init",
            "-f",
            "deploy",
            "--workload",
            "python-app-deployment",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("file: deploy/deployment.yaml"),
        "{}",
        out.stdout
    );
    let out = kubedrill_in(tmp.path(), &["init", "-f", "deploy", "--workload", "web"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no workload named \"web\""),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Deployment/python-app-deployment"),
        "{}",
        out.stderr
    );
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let tmp = tempdir();
    deploy_dir(
        tmp.path(),
        &[
            "scenarios/manifests/settings.yaml",
            "scenarios/manifests/conf-dir.yaml",
        ],
    );
    fs::write(tmp.path().join("mine.yaml"), "my own work\n").unwrap_or_else(|e| panic!("{e}"));
    let out = kubedrill_in(tmp.path(), &["init", "-f", "deploy", "-o", "mine.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("mine.yaml exists (hint: pass --force"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("mine.yaml")).unwrap_or_default(),
        "my own work\n"
    );
    let out = kubedrill_in(
        tmp.path(),
        &["init", "-f", "deploy", "-o", "mine.yaml", "--force"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(tmp.path().join("mine.yaml")).unwrap_or_default();
    assert!(
        text.starts_with("# Scenario skeleton for Pod python-app"),
        "{text}"
    );
}

#[test]
fn init_writes_nothing_when_the_workload_file_holds_other_workloads() {
    let tmp = tempdir();
    deploy_dir(tmp.path(), &["scenarios/manifests/settings.yaml"]);
    let pod =
        fs::read_to_string(root().join("scenarios/manifests/conf-dir.yaml")).unwrap_or_default();
    let both = format!(
        "{pod}---\n{}",
        pod.replace("name: python-app\n", "name: other-app\n")
    );
    fs::write(tmp.path().join("deploy/pods.yaml"), both).unwrap_or_else(|e| panic!("{e}"));
    let out = kubedrill_in(
        tmp.path(),
        &[
            "init",
            "-f",
            "deploy",
            "--workload",
            "python-app",
            "-o",
            "s/app.yaml",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("deploy/pods.yaml holds Pod python-app and also Pod other-app"),
        "{}",
        out.stderr
    );
    assert!(!tmp.path().join("s/app.yaml").exists());
}

#[test]
fn init_of_an_invalid_manifest_exits_2_with_its_location() {
    let tmp = tempdir();
    fs::create_dir_all(tmp.path().join("deploy")).unwrap_or_else(|e| panic!("{e}"));
    fs::write(
        tmp.path().join("deploy/bad.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  \"a b\": c\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = kubedrill_in(tmp.path(), &["init", "-f", "deploy", "-o", "x.yaml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("deploy/bad.yaml:6:"), "{}", out.stderr);
    assert!(!tmp.path().join("x.yaml").exists());
}

#[test]
fn init_of_an_immutable_configmap_loads_it_explains_why_it_is_not_updated_and_passes() {
    let tmp = tempdir();
    deploy_dir(tmp.path(), &["tests/fixtures/init/immutable.yaml"]);
    let out = kubedrill_in(tmp.path(), &["init", "-f", "deploy", "-o", "s.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(tmp.path().join("s.yaml")).unwrap_or_default();
    assert!(text.contains("- file: deploy/immutable.yaml"), "{text}");
    assert!(
        text.contains("# Not exercised: ConfigMap app-conf-v1 is immutable"),
        "{text}"
    );
    assert!(!text.contains("update:"), "{text}");
    assert_runs_and_passes(tmp.path(), "s.yaml");
}

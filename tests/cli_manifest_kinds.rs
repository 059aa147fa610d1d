//! Issue 11 §3 through the real binary: a real `deploy/` file (a Service, an Ingress and a
//! `kind: List` of ConfigMaps next to the workload) loads for `lint` and `project`; the skipped
//! documents are named on stderr, one line each; broken documents are still rejected.

use std::fs;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

const DEPLOY: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: edge
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: app
  data:
    LOG_LEVEL: info
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: extra
  data:
    MODE: fast
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: busybox
    envFrom:
    - configMapRef: {name: app}
    volumeMounts:
    - {name: extra, mountPath: /etc/extra}
  volumes:
  - name: extra
    configMap: {name: extra}
";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kubedrill(args: &[&str]) -> Run {
    match Command::new(BIN).args(args).output() {
        Ok(output) => Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        },
        Err(e) => panic!("cannot run {BIN}: {e}"),
    }
}

fn deploy_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => panic!("tempdir: {e}"),
    };
    let file = dir.path().join("deploy.yaml");
    if let Err(e) = fs::write(&file, text) {
        panic!("write: {e}");
    }
    let file = file.to_string_lossy().into_owned();
    (dir, file)
}

fn assert_notes(stderr: &str, file: &str) {
    for line in [
        format!("note: {file}:1: skipped Service \"web\""),
        format!("note: {file}:8: skipped Ingress \"edge\""),
    ] {
        assert!(stderr.contains(&line), "{line:?} not in:\n{stderr}");
    }
    assert_eq!(stderr.matches("note: ").count(), 2, "{stderr}");
}

#[test]
fn lint_loads_a_deploy_file_with_other_kinds_and_a_list() {
    let (_dir, file) = deploy_file(DEPLOY);
    let run = kubedrill(&["lint", &file]);
    assert_ne!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_notes(&run.stderr, &file);
}

#[test]
fn project_reads_the_configmaps_of_a_list_and_skips_the_rest() {
    let (dir, file) = deploy_file(DEPLOY);
    let out = dir.path().join("out");
    let out = out.to_string_lossy().into_owned();
    let run = kubedrill(&["project", "-f", &file, "--out", &out]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_notes(&run.stderr, &file);
    // The List's ConfigMaps are the pod's: one mounted, one as env.
    let root = dir.path().join("out");
    let mode = fs::read_to_string(root.join("etc/extra/MODE")).unwrap_or_default();
    assert_eq!(mode, "fast");
    let env = fs::read_to_string(root.join("app.env")).unwrap_or_default();
    assert!(env.contains("LOG_LEVEL=info\n"), "{env}");
}

#[test]
fn a_document_without_kind_is_still_rejected_with_its_location() {
    let (_dir, file) =
        deploy_file("apiVersion: v1\nkind: Service\n---\napiVersion: v1\nmetadata:\n  name: x\n");
    let run = kubedrill(&["lint", &file]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("{file}:4:1: missing kind")),
        "{}",
        run.stderr
    );
}

#[test]
fn lint_locates_findings_inside_list_items_from_the_located_tree() {
    // The finding is on line 12 of the file: inside the second item, in a flow mapping, after
    // a comment that looks like the key. Only the located tree gets all three right.
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: first}
  data: {LOG_LEVEL: info}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: second}
  # DB_PASSWORD: is set below
  data: {MODE: fast, DB_PASSWORD: \"fixture-secret-value\"}
";
    let (_dir, file) = deploy_file(text);
    let run = kubedrill(&["lint", &file]);
    let line = format!("{file}:12: warning KD001: ConfigMap second:");
    assert!(
        run.stdout.contains(&line),
        "{line:?} not in:\n{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        !run.stdout.contains("fixture-secret-value"),
        "{}",
        run.stdout
    );
}

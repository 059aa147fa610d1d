//! `$(VAR)` expansion at container start, through the built binary: in a container's command and
//! args (§6.5 rules, kubelet's `ExpandContainerCommandAndArgs`: `run.command`/`run.args` reach the
//! process expanded from the container's resolved env, never from `run.env`) and in `subPathExpr`
//! (kubelet's `makeMounts`: expanded, checked, created in the volume, then bound).

use std::fs;
use std::path::Path;

mod common;

struct Out {
    code: i32,
    stdout: String,
}

/// Stdout and stderr together: the checks here do not care which stream a line is on.
fn kubedrill(tmp: &Path, args: &[&str]) -> Out {
    let out = common::kubedrill_at(tmp, tmp, args);
    Out {
        code: out.code,
        stdout: out.combined(),
    }
}

/// A pod whose env has a literal, a `configMapKeyRef` and a `secretKeyRef` variable; the
/// scenario's `run` prints each argument on its own line, framed by `<` `>`.
fn write_scenario(dir: &Path, steps: &str) -> String {
    fs::write(
        dir.join("objects.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  LEVEL: INFO\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-expanded-secret\n",
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: app
      image: busybox
      env:
        - {name: CONFIG_PATH, value: /etc/app.conf}
        - name: LEVEL
          valueFrom:
            configMapKeyRef: {name: cfg, key: LEVEL}
        - name: PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
"#,
    )
    .unwrap();
    let file = dir.join("expand.yaml");
    fs::write(
        &file,
        format!(
            r#"apiVersion: kubedrill.dev/v1alpha1
kind: Scenario
metadata:
  name: expand
spec:
  timing: fast
  objects:
    - file: objects.yaml
  workload:
    file: pod.yaml
    run:
      app:
        command: [sh, -c, 'for a in "$@"; do echo "<$a>"; done; sleep 30', argv0]
        args: ['--config=$(CONFIG_PATH)', '--level=$(LEVEL)', '$(UNDEFINED)', '$$(LEVEL)',
               '$(HOST_ONLY)', 'pw=$(PASSWORD)', '$(LEVEL']
        env: {{HOST_ONLY: from-run-env}}
  steps:
{steps}"#
        ),
    )
    .unwrap();
    file.display().to_string()
}

#[test]
fn env_6_5_run_command_and_args_expand_from_the_container_env() {
    let tmp = tempfile::tempdir().unwrap();
    let steps = [
        r"    - assert: {log: app, matches: '(?m)^<--config=/etc/app.conf>$', within: 10s}",
        // valueFrom values count: expansion uses the resolved env.
        r"    - assert: {log: app, matches: '(?m)^<--level=INFO>$'}",
        // Undefined stays literal; `$$` escapes; run.env is not the container's env.
        r"    - assert: {log: app, matches: '(?m)^<\$\(UNDEFINED\)>$'}",
        r"    - assert: {log: app, matches: '(?m)^<\$\(LEVEL\)>$'}",
        r"    - assert: {log: app, matches: '(?m)^<\$\(HOST_ONLY\)>$'}",
        // An unterminated reference stays as written.
        r"    - assert: {log: app, matches: '(?m)^<\$\(LEVEL>$'}",
        r"    - assert: {log: app, contains: 'pw=hunter2-expanded-secret'}",
    ]
    .join("\n");
    let file = write_scenario(tmp.path(), &format!("{steps}\n"));
    let r = kubedrill(tmp.path(), &["run", &file]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        !r.stdout.contains("hunter2-expanded-secret"),
        "a Secret value expanded into args stays redacted:\n{}",
        r.stdout
    );
}

#[test]
fn env_6_5_unexpanded_reference_fails_the_assertion() {
    // The same scenario asserting the literal `$(CONFIG_PATH)` fails: the check above can fail.
    let tmp = tempfile::tempdir().unwrap();
    let file = write_scenario(
        tmp.path(),
        "    - assert: {log: app, matches: '(?m)^<--config=\\$\\(CONFIG_PATH\\)>$', within: 2s}\n",
    );
    let r = kubedrill(tmp.path(), &["run", &file]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("<--config=/etc/app.conf>"),
        "{}",
        r.stdout
    );
}

/// A pod with an emptyDir mounted whole and through `subPathExpr`, with POD_NAME from the
/// downward API and EMPTY set to "".
fn write_subpath_scenario(dir: &Path, sub_path_expr: &str, command: &str, steps: &str) -> String {
    fs::write(
        dir.join("pod.yaml"),
        format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: web-0
spec:
  containers:
    - name: app
      image: busybox
      env:
        - name: POD_NAME
          valueFrom:
            fieldRef: {{fieldPath: metadata.name}}
        - {{name: EMPTY, value: ""}}
        - {{name: UP, value: "../../.."}}
      volumeMounts:
        - {{name: data, mountPath: /kd-expansion/mine, subPathExpr: '{sub_path_expr}'}}
        - {{name: data, mountPath: /kd-expansion/all}}
  volumes:
    - name: data
      emptyDir: {{}}
"#
        ),
    )
    .unwrap();
    let file = dir.join("subpath.yaml");
    fs::write(
        &file,
        format!(
            r#"apiVersion: kubedrill.dev/v1alpha1
kind: Scenario
metadata:
  name: subpath-expr
spec:
  timing: fast
  workload:
    file: pod.yaml
    run:
      app:
        command: [sh, -c, '{command}']
  steps:
{steps}"#
        ),
    )
    .unwrap();
    file.display().to_string()
}

#[test]
fn subpath_expr_directory_is_created_and_bound_not_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_subpath_scenario(
        tmp.path(),
        "logs/$(POD_NAME)",
        "stat -c \"%n %a\" /kd-expansion/all/logs/web-0 /kd-expansion/mine; \
         echo hello > /kd-expansion/mine/out; sleep 30",
        r"    - assert: {file: /kd-expansion/all/logs/web-0/out, equals: hello, within: 10s}
    - assert: {dir: /kd-expansion/all/logs, equals: web-0}
    - assert: {log: app, contains: /kd-expansion/all/logs/web-0 777}
    - assert: {log: app, contains: /kd-expansion/mine 777}
    - assert: {container: {name: app, state: running}}
",
    );
    let r = kubedrill(tmp.path(), &["run", &file]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn subpath_expr_missing_value_is_create_container_config_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_subpath_scenario(
        tmp.path(),
        "$(EMPTY)/$(NOPE)/$(POD_NAME)",
        "sleep 30",
        r"    - assert: {container: {name: app, state: waiting, reason: CreateContainerConfigError}, within: 10s}
    - assert: {event: {reason: Failed}, equals: 'Error: missing value for EMPTY, NOPE'}
",
    );
    let r = kubedrill(tmp.path(), &["run", &file]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn subpath_expr_escaping_the_volume_fails_the_container() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_subpath_scenario(
        tmp.path(),
        // A literal `..` is refused by the API server (validateLocalDescendingPath on the
        // expression); only the expanded value can climb, and kubelet refuses that.
        "logs/$(POD_NAME)/$(UP)",
        "sleep 30",
        r"    - assert: {container: {name: app, state: waiting, reason: CreateContainerConfigError}, within: 10s}
    - assert: {event: {reason: Failed}, equals: 'Error: unable to provision SubPath `logs/web-0/../../..`: must not contain ''..'''}
",
    );
    let r = kubedrill(tmp.path(), &["run", &file]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

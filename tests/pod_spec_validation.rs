//! Issue 7: a pod spec the API server would refuse never reaches the disk. Through the real
//! binary, in `project`, `dev`, `validate`, `run` and `lint`: a container named `../../x` or
//! `/abs/x` (which used to write `x.env` outside DIR), and the other pod-spec rules of
//! `pkg/apis/core/validation` (volume names, mounts, subPath, env names), each refused with the
//! API server's wording at file:line:column, exit 2, nothing written.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kubedrill(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kubedrill");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const OBJECTS: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: info\n";

/// A pod whose first container is named `name` (on line 7, the value at column 13).
fn pod_named(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: {name}\n      image: busybox\n      envFrom:\n        - configMapRef:\n            name: app\n"
    )
}

/// `root/objects.yaml`, `root/pod.yaml`; kubedrill runs in `root/a/b` with `--out out`, so a
/// container named `../../x` would land in `root/a/x.env` and `../../../x` in `root/x.env`.
struct Case {
    root: tempfile::TempDir,
}

impl Case {
    fn new(pod: &str) -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        fs::write(root.path().join("objects.yaml"), OBJECTS).expect("objects");
        fs::write(root.path().join("pod.yaml"), pod).expect("pod");
        fs::create_dir_all(root.path().join("a/b")).expect("a/b");
        Case { root }
    }

    fn work(&self) -> PathBuf {
        self.root.path().join("a/b")
    }

    fn project(&self, command: &str) -> Run {
        kubedrill(
            &self.work(),
            &[
                command,
                "-f",
                "../../objects.yaml",
                "--workload",
                "../../pod.yaml",
                "--out",
                "out",
            ],
        )
    }

    /// Every file under the case root, relative, sorted.
    fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).expect("read_dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path.clone());
                }
                let rel = path.strip_prefix(self.root.path()).unwrap_or(&path);
                out.push(rel.display().to_string());
            }
        }
        out.sort();
        out
    }
}

const UNTOUCHED: [&str; 4] = ["a", "a/b", "objects.yaml", "pod.yaml"];

const LABEL_RULE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

#[test]
fn attack_container_named_dotdot_writes_nothing_outside_dir_and_exits_2() {
    for command in ["project", "dev"] {
        let case = Case::new(&pod_named("../../x"));
        let run = case.project(command);
        assert_eq!(run.code, 2, "{command}: {}{}", run.stdout, run.stderr);
        assert_eq!(case.files(), UNTOUCHED, "{command} wrote something");
        let expected = format!(
            "error: ../../pod.yaml:7:13: Pod \"web\" is invalid: spec.containers[0].name: Invalid value: \"../../x\": {LABEL_RULE}"
        );
        assert!(
            run.stderr.starts_with(&expected),
            "{command}:\n{}",
            run.stderr
        );
    }
}

#[test]
fn attack_container_named_absolute_path_writes_nothing() {
    let victim = tempfile::tempdir().expect("victim");
    let target = victim.path().join("x");
    let case = Case::new(&pod_named(&target.display().to_string()));
    let run = case.project("project");
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(!victim.path().join("x.env").exists());
    assert_eq!(fs::read_dir(victim.path()).expect("victim").count(), 0);
    assert_eq!(case.files(), UNTOUCHED);
    assert!(
        run.stderr
            .contains("spec.containers[0].name: Invalid value: \"/"),
        "{}",
        run.stderr
    );
}

#[test]
fn attack_container_name_refused_by_validate_and_run_at_the_manifest_location() {
    let case = Case::new(&pod_named("../../x"));
    let scenario = "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      ../../x:\n        command: [sh, -c, \"echo started; sleep 1\"]\n  steps:\n    - assert: {log: ../../x, contains: started, within: 2s}\n";
    fs::write(case.root.path().join("scn.yaml"), scenario).expect("scenario");
    for command in ["validate", "run"] {
        let run = kubedrill(case.root.path(), &[command, "scn.yaml"]);
        assert_eq!(run.code, 2, "{command}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.starts_with(
                "error: pod.yaml:7:13: Pod \"web\" is invalid: spec.containers[0].name: Invalid value: \"../../x\": a lowercase RFC 1123 label"
            ),
            "{command}:\n{}",
            run.stderr
        );
    }
    assert!(!case.root.path().join("x.env").exists());
}

/// A Deployment with the given container list (YAML, indented for `containers:`) and volumes.
fn deployment(containers: &str, volumes: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n{containers}{volumes}"
    )
}

/// One bad field per case: the pod, the expected `field: message` and its `line:column`.
const RULES: &[(&str, &str, &str, &str)] = &[
    (
        "init container with the name of a container",
        "      containers:\n        - name: app\n      initContainers:\n        - name: app\n",
        "spec.template.spec.initContainers[0].name: Duplicate value: \"app\"",
        "15:17",
    ),
    (
        "two containers with one name",
        "      containers:\n        - name: app\n        - name: app\n",
        "spec.template.spec.containers[1].name: Duplicate value: \"app\"",
        "14:17",
    ),
    (
        "upper-case container name",
        "      containers:\n        - name: App\n",
        "spec.template.spec.containers[0].name: Invalid value: \"App\": a lowercase RFC 1123 label",
        "13:17",
    ),
    (
        "mount of an unknown volume",
        "      containers:\n        - name: app\n          volumeMounts:\n            - name: nope\n              mountPath: /etc/x\n",
        "spec.template.spec.containers[0].volumeMounts[0].name: Not found: \"nope\"",
        "15:21",
    ),
    (
        "volume name with an underscore, and its mount",
        "      containers:\n        - name: app\n          volumeMounts:\n            - name: my_vol\n              mountPath: /etc/x\n      volumes:\n        - name: my_vol\n          configMap: {name: app}\n",
        // Both errors, aggregated as the API server does: the mount of an invalid volume is
        // `Not found` too.
        "[spec.template.spec.volumes[0].name: Invalid value: \"my_vol\": a lowercase RFC 1123 label",
        "18:17",
    ),
    (
        "two mounts at one path",
        "      containers:\n        - name: app\n          volumeMounts:\n            - {name: conf, mountPath: /etc/x}\n            - {name: conf, mountPath: /etc/x}\n      volumes:\n        - name: conf\n          configMap: {name: app}\n",
        "spec.template.spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/etc/x\": must be unique",
        "16:39",
    ),
    (
        "subPath escaping the volume",
        "      containers:\n        - name: app\n          volumeMounts:\n            - name: conf\n              mountPath: /etc/x\n              subPath: ../../etc/passwd\n      volumes:\n        - name: conf\n          configMap: {name: app}\n",
        "spec.template.spec.containers[0].volumeMounts.subPath: Invalid value: \"../../etc/passwd\": must not contain '..'",
        "17:24",
    ),
    (
        "absolute subPathExpr",
        "      containers:\n        - name: app\n          volumeMounts:\n            - name: conf\n              mountPath: /etc/x\n              subPathExpr: /$(POD)\n      volumes:\n        - name: conf\n          configMap: {name: app}\n",
        "spec.template.spec.containers[0].volumeMounts.subPathExpr: Invalid value: \"/$(POD)\": must be a relative path",
        "17:28",
    ),
    (
        "subPath and subPathExpr together",
        "      containers:\n        - name: app\n          volumeMounts:\n            - name: conf\n              mountPath: /etc/x\n              subPath: a\n              subPathExpr: b\n      volumes:\n        - name: conf\n          configMap: {name: app}\n",
        "spec.template.spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: \"b\": subPathExpr and subPath are mutually exclusive",
        "18:28",
    ),
    (
        "item path escaping the volume",
        "      containers:\n        - name: app\n      volumes:\n        - name: conf\n          configMap:\n            name: app\n            items:\n              - {key: LOG_LEVEL, path: ../x}\n",
        "spec.template.spec.volumes[0].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'",
        "19:40",
    ),
    (
        "env name with '='",
        "      containers:\n        - name: app\n          env:\n            - {name: \"A=B\", value: x}\n",
        "spec.template.spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
        "15:22",
    ),
    (
        "env valueFrom with two sources",
        "      containers:\n        - name: app\n          env:\n            - name: A\n              valueFrom:\n                configMapKeyRef: {name: app, key: LOG_LEVEL}\n                fieldRef: {fieldPath: metadata.name}\n",
        "spec.template.spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not have more than one field specified at a time",
        "17:17",
    ),
    (
        "envFrom without a source",
        "      containers:\n        - name: app\n          envFrom:\n            - prefix: X_\n",
        "spec.template.spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`",
        "15:15",
    ),
    (
        "volume without a type",
        "      containers:\n        - name: app\n      volumes:\n        - name: conf\n",
        "spec.template.spec.volumes[0]: Required value: must specify a volume type",
        "15:11",
    ),
];

#[test]
fn pod_spec_rules_are_refused_like_the_api_server_with_a_location() {
    for (what, containers, message, location) in RULES {
        let case = Case::new(&deployment(containers, ""));
        let run = case.project("project");
        assert_eq!(run.code, 2, "{what}: {}{}", run.stdout, run.stderr);
        let expected = format!(
            "error: ../../pod.yaml:{location}: Deployment.apps \"web\" is invalid: {message}"
        );
        assert!(
            run.stderr.starts_with(&expected),
            "{what}: expected\n{expected}\ngot\n{}",
            run.stderr
        );
        assert_eq!(case.files(), UNTOUCHED, "{what}: something was written");
    }
}

#[test]
fn env_names_follow_the_kube_version() {
    // `1X` starts with a digit: refused before 1.32 (IsEnvVarName), accepted since (relaxed).
    let pod = deployment(
        "      containers:\n        - name: app\n          env:\n            - {name: 1X, value: x}\n",
        "",
    );
    let case = Case::new(&pod);
    let run = case.project("project");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let old = Case::new(&pod);
    let mut args = vec![
        "project",
        "-f",
        "../../objects.yaml",
        "--workload",
        "../../pod.yaml",
        "--out",
        "out",
    ];
    args.extend(["--kube-version", "1.31"]);
    let run = kubedrill(&old.work(), &args);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: ../../pod.yaml:15:22: Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(old.files(), UNTOUCHED);
}

/// Issue 7 "exit 2 after a partial write": what the OS refuses is refused before anything is
/// created — a NUL byte, a segment over 255 bytes, a path over 4096 bytes.
#[test]
fn os_limits_are_refused_before_anything_is_written() {
    let long_segment = "s".repeat(256);
    let long_path = format!("/{}", vec!["p".repeat(200); 20].join("/"));
    let cases = [
        (
            "/etc/a\\0b".to_string(),
            "Invalid value: \"/etc/a\\x00b\": must not contain a NUL byte",
        ),
        (
            format!("/etc/{long_segment}"),
            "a path segment is 256 bytes long, more than the 255 a file name may have (NAME_MAX)",
        ),
        (long_path, "more than the 4096 a path may have (PATH_MAX)"),
    ];
    for (mount_path, message) in cases {
        let containers = format!(
            "      containers:\n        - name: app\n          volumeMounts:\n            - name: conf\n              mountPath: \"{mount_path}\"\n"
        );
        let volumes = "      volumes:\n        - name: conf\n          configMap: {name: app}\n";
        let case = Case::new(&deployment(&containers, volumes));
        let run = case.project("project");
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(
                "../../pod.yaml:16:26: Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].volumeMounts[0].mountPath: "
            ),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(message), "{}", run.stderr);
        assert_eq!(
            case.files(),
            UNTOUCHED,
            "{mount_path:.40}: something was written"
        );
    }
}

#[test]
fn scenario_kubernetes_version_applies_its_env_name_rules_at_the_manifest_location() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      env:\n        - {name: 1X, value: x}\n";
    let case = Case::new(pod);
    let scenario = |version: &str| {
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nspec:\n  kubernetesVersion: \"{version}\"\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, \"echo started; sleep 1\"]\n  steps:\n    - assert: {{log: app, contains: started, within: 2s}}\n"
        )
    };
    fs::write(case.root.path().join("new.yaml"), scenario("1.34")).expect("scenario");
    fs::write(case.root.path().join("old.yaml"), scenario("1.31")).expect("scenario");
    let run = kubedrill(case.root.path(), &["validate", "new.yaml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = kubedrill(case.root.path(), &["validate", "old.yaml"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: pod.yaml:9:18: Pod \"web\" is invalid: spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable name must consist of alphabetic characters"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(referenced at old.yaml:6:11)"),
        "{}",
        run.stderr
    );
}

/// An item path kubelet's AtomicWriter would refuse (a 300-byte file name) used to leave the
/// other volume written and exit 2; it is refused before anything is created.
#[test]
fn overlong_item_path_is_refused_before_any_volume_is_written() {
    let containers = "      containers:\n        - name: app\n          volumeMounts:\n            - {name: a, mountPath: /etc/a}\n            - {name: b, mountPath: /etc/b}\n";
    let volumes = format!(
        "      volumes:\n        - name: a\n          configMap: {{name: app}}\n        - name: b\n          configMap:\n            name: app\n            items:\n              - {{key: LOG_LEVEL, path: {}}}\n",
        "s".repeat(300)
    );
    let case = Case::new(&deployment(containers, &volumes));
    let run = case.project("project");
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: ../../pod.yaml:24:40: Deployment.apps \"web\" is invalid: spec.template.spec.volumes[1].configMap.items[0].path: Invalid value: \"sss"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("a path segment is 300 bytes long"),
        "{}",
        run.stderr
    );
    assert_eq!(case.files(), UNTOUCHED);
}

/// Issue 7: "no workload found" says which files were searched and what they hold.
#[test]
fn no_workload_names_the_files_searched_and_the_kinds_found() {
    let case = Case::new(&pod_named("app"));
    let run = kubedrill(
        &case.work(),
        &["project", "-f", "../../objects.yaml", "--out", "out"],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: no workload found in ../../objects.yaml (found: ConfigMap app (../../objects.yaml:1))"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(case.files(), UNTOUCHED);

    let scenario = "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nspec:\n  workload:\n    file: objects.yaml\n  steps:\n    - assert: {log: app, contains: started, within: 2s}\n";
    fs::write(case.root.path().join("scn.yaml"), scenario).expect("scenario");
    let run = kubedrill(case.root.path(), &["validate", "scn.yaml"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: scn.yaml:5:11: objects.yaml holds no Pod or workload (found: ConfigMap app (objects.yaml:1))"
        ),
        "{}",
        run.stderr
    );
}

//! Whole-rule tests: manifests as text in, findings out. Fixture values contain `fixture` or
//! `hunter2` so the tests can prove no value reaches a message.

use std::path::Path;

use super::locate::Locator;
use super::run::lint_with;
use super::{Finding, Level};
use crate::api::{ManifestSet, ObjectStore, load_str};
use crate::kubelet::KubeVersion;
use crate::kubelet::env::resolve_env;
use crate::kubelet::payload::{PodContext, build_volume_payload};

const FILE: &str = "m.yaml";

fn set_of(text: &str) -> ManifestSet {
    match load_str(text, Path::new(FILE)) {
        Ok(manifests) => manifests.into_iter().collect(),
        Err(e) => panic!("{e}"),
    }
}

fn lint_text(text: &str) -> Vec<Finding> {
    let findings = lint_with(
        &set_of(text),
        &Locator::new().with_text(Path::new(FILE), text),
        &Default::default(),
    );
    for f in &findings {
        let shown = format!("{f}");
        for value in ["fixture", "hunter2"] {
            assert!(!shown.contains(value), "a value leaked: {shown}");
        }
    }
    findings
}

/// `(code, level, line)` of every finding.
fn summary(findings: &[Finding]) -> Vec<(&'static str, Level, u64)> {
    findings
        .iter()
        .map(|f| {
            let line = f
                .location
                .rsplit_once(':')
                .and_then(|(_, line)| line.parse().ok())
                .unwrap_or(0);
            (f.code, f.level, line)
        })
        .collect()
}

fn cm(name: &str, data: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n{data}---\n")
}

fn secret(name: &str, data: &str) -> String {
    format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\nstringData:\n{data}---\n")
}

/// A Pod with one container `app` (the given container fields) and the given volumes.
fn pod(container: &str, volumes: &str) -> String {
    let volumes = if volumes.is_empty() {
        String::new()
    } else {
        format!("  volumes:\n{volumes}")
    };
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: busybox\n{container}{volumes}"
    )
}

/// The 1-based line of the `nth` (0-based) line of `text` containing `needle`.
fn line_of(text: &str, needle: &str, nth: usize) -> u64 {
    let found = (1..)
        .zip(text.lines())
        .filter(|(_, line)| line.contains(needle))
        .nth(nth);
    match found {
        Some((number, _)) => number,
        None => panic!("{needle:?} #{nth} not in the text"),
    }
}

#[test]
fn octal_modes_parse_as_kubectl_reads_them() {
    let set = set_of(&pod(
        "",
        "  - name: s\n    secret:\n      secretName: s\n      defaultMode: 0400\n",
    ));
    let mode = set.workloads[0]
        .spec
        .volumes
        .as_ref()
        .and_then(|v| v[0].secret.as_ref())
        .and_then(|s| s.default_mode);
    assert_eq!(mode, Some(0o400));
}

#[test]
fn kd001_flags_the_key_line_and_never_the_value() {
    let text = cm(
        "app",
        "  LOG_LEVEL: INFO\n  DATABASE_URL: \"postgresql://user:hunter2@db:5432/app\"\n  SECRET_NAME: db\n  conf.ini: |\n    [db]\n    url = mysql://root:fixture@db/app\n",
    );
    let findings = lint_text(&text);
    assert_eq!(
        summary(&findings),
        [("KD001", Level::Warning, 7), ("KD001", Level::Warning, 11)]
    );
    assert_eq!(
        findings[0].message,
        "ConfigMap app: value of key DATABASE_URL embeds a password in its URL"
    );
    assert!(findings[0].hint.contains("Secret"), "{}", findings[0].hint);
    assert!(
        findings[1].message.contains("on its line 2"),
        "{}",
        findings[1].message
    );
}

#[test]
fn kd002_subpath_of_config_and_secret_volumes_only() {
    let text = format!(
        "{}{}{}",
        cm("app", "  a.conf: x\n"),
        secret("s", "  k: fixture\n"),
        pod(
            "    volumeMounts:\n    - {name: c, mountPath: /etc/a.conf, subPath: a.conf}\n    - name: s\n      mountPath: /etc/k\n      subPathExpr: $(POD)/k\n    - name: scratch\n      mountPath: /tmp/x\n      subPath: x\n",
            "  - name: c\n    configMap: {name: app}\n  - name: s\n    secret: {secretName: s, defaultMode: 0400}\n  - name: scratch\n    emptyDir: {}\n"
        )
    );
    let findings = lint_text(&text);
    assert_eq!(
        summary(&findings),
        [
            (
                "KD002",
                Level::Warning,
                line_of(&text, "subPath: a.conf", 0)
            ),
            ("KD002", Level::Warning, line_of(&text, "subPathExpr", 0))
        ]
    );
    assert!(
        findings[0].message.contains(
            "container app mounts ConfigMap app (volume c) at /etc/a.conf with subPath a.conf"
        ),
        "{}",
        findings[0].message
    );
    assert!(
        findings[1].message.contains("Secret s (volume s)"),
        "{}",
        findings[1].message
    );
    assert!(
        findings[1].message.contains("subPathExpr $(POD)/k"),
        "{}",
        findings[1].message
    );
}

#[test]
fn kd003_env_and_volume_is_a_warning_env_alone_info() {
    let both = format!(
        "{}{}",
        cm("app", "  LOG_LEVEL: INFO\n"),
        pod(
            "    envFrom:\n    - configMapRef:\n        name: app\n",
            "  - name: c\n    projected:\n      sources:\n      - configMap:\n          name: app\n"
        )
    );
    let findings = lint_text(&both);
    let line = line_of(&both, "name: app", 2);
    assert_eq!(summary(&findings), [("KD003", Level::Warning, line)]);
    assert!(
        findings[0]
            .message
            .contains("(container app: envFrom) and as files (projected volume c)"),
        "{}",
        findings[0].message
    );

    let env_only = format!(
        "{}{}",
        secret("db", "  password: hunter2\n"),
        pod(
            "    env:\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef: {name: db, key: password}\n",
            ""
        )
    );
    let findings = lint_text(&env_only);
    let line = line_of(&env_only, "secretKeyRef", 0);
    assert_eq!(summary(&findings), [("KD003", Level::Info, line)]);
    assert!(findings[0].message.contains("Secret db reaches the pod only as environment variables (container app: env DB_PASSWORD)"), "{}", findings[0].message);
}

/// KD004 quotes kubelet: the same text kubedrill's kubelet model produces for the same pod.
#[test]
fn kd004_quotes_what_kubelet_says() {
    let text = format!(
        "{}{}",
        cm("app", "  LOG_LEVEL: INFO\n"),
        pod(
            "    env:\n    - name: A\n      valueFrom:\n        configMapKeyRef: {name: app, key: nope}\n    - name: B\n      valueFrom:\n        secretKeyRef: {name: gone, key: k, optional: true}\n",
            "  - name: c\n    configMap:\n      name: app\n      items:\n      - key: missing\n        path: m\n  - name: d\n    configMap: {name: absent}\n"
        )
    );
    let findings = lint_text(&text);
    let errors: Vec<&Finding> = findings.iter().filter(|f| f.code == "KD004").collect();
    assert_eq!(
        summary(&findings),
        [
            (
                "KD003",
                Level::Warning,
                line_of(&text, "configMapKeyRef", 0)
            ),
            ("KD004", Level::Error, line_of(&text, "configMapKeyRef", 0)),
            ("KD003", Level::Info, line_of(&text, "secretKeyRef", 0)),
            ("KD004", Level::Error, line_of(&text, "key: missing", 0)),
            ("KD004", Level::Error, line_of(&text, "name: absent", 0))
        ]
    );
    let set = set_of(&text);
    let workload = &set.workloads[0];
    let mut store = ObjectStore::new();
    assert!(store.create_all(&set).is_ok());
    let context = PodContext::from_pod(&workload.pod_metadata, &workload.spec, &workload.namespace);
    let env_error = match resolve_env(
        &workload.spec.containers[0],
        &context,
        &store,
        KubeVersion::default(),
    ) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("env resolved"),
    };
    assert_eq!(env_error, "couldn't find key nope in ConfigMap default/app");
    assert!(
        errors[0]
            .message
            .ends_with(&format!("(CreateContainerConfigError: {env_error})")),
        "{}",
        errors[0].message
    );
    for (finding, volume) in errors[1..]
        .iter()
        .zip(workload.spec.volumes.iter().flatten())
    {
        let mount_error = match build_volume_payload(volume, &context, &store) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("volume {} set up", volume.name),
        };
        assert!(
            finding.message.ends_with(&mount_error),
            "{} vs {mount_error}",
            finding.message
        );
    }
    assert!(errors[2].message.contains("configmap \"absent\" not found"));
}

#[test]
fn kd004_missing_env_sources_and_namespaces() {
    // The ConfigMap exists, but in another namespace than the pod.
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: other\ndata:\n  A: b\n---\n{}",
        pod(
            "    envFrom:\n    - configMapRef: {name: app}\n    - secretRef: {name: creds}\n    - secretRef: {name: maybe, optional: true}\n",
            ""
        )
    );
    let findings = lint_text(&text);
    let errors: Vec<&str> = findings
        .iter()
        .filter(|f| f.code == "KD004")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("needs ConfigMap app, which is not in the linted manifests (namespace default): the container does not start (CreateContainerConfigError: configmap \"app\" not found)"), "{}", errors[0]);
    assert!(
        errors[1].contains("secret \"creds\" not found"),
        "{}",
        errors[1]
    );
    // The ConfigMap in namespace other is used by nothing.
    assert!(findings.iter().any(|f| f.code == "KD009"));
}

#[test]
fn kd005_lookalike_secret_type_at_the_type_line() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\ntype: tls\nstringData:\n  tls.crt: fixture\n";
    let findings = lint_text(text);
    assert_eq!(
        summary(&findings),
        [("KD005", Level::Warning, line_of(text, "type:", 0))]
    );
    assert!(findings[0].hint.contains("kubernetes.io/tls"));
    let fine = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: example.com/tls\n";
    assert!(lint_text(fine).is_empty());
}

#[test]
fn kd006_immutable_volume_but_not_immutable_env() {
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v1\nimmutable: true\ndata:\n  a: b\n---\n{}",
        pod("", "  - name: c\n    configMap: {name: v1}\n")
    );
    let line = line_of(&text, "name: v1", 1);
    assert_eq!(summary(&lint_text(&text)), [("KD006", Level::Info, line)]);
}

#[test]
fn kd007_modes_readable_by_others() {
    let text = format!(
        "{}{}",
        secret("s", "  a: fixture\n  b: fixture\n"),
        pod(
            "",
            "  - name: ok\n    secret: {secretName: s, defaultMode: 0440}\n  - name: wide\n    secret:\n      secretName: s\n      defaultMode: 0444\n  - name: item\n    secret:\n      secretName: s\n      items:\n      - {key: a, path: a, mode: 0400}\n      - {key: b, path: b}\n  - name: proj\n    projected:\n      defaultMode: 0777\n      sources:\n      - secret: {name: s}\n      - configMap: {name: s, optional: true}\n"
        )
    );
    let findings = lint_text(&text);
    assert_eq!(
        summary(&findings),
        [
            (
                "KD007",
                Level::Warning,
                line_of(&text, "defaultMode: 0444", 0)
            ),
            ("KD007", Level::Warning, line_of(&text, "secretName: s", 2)),
            (
                "KD007",
                Level::Warning,
                line_of(&text, "defaultMode: 0777", 0)
            )
        ]
    );
    assert!(
        findings[0]
            .message
            .contains("volume wide puts Secret s on disk with mode 0444 (defaultMode)"),
        "{}",
        findings[0].message
    );
    assert!(
        findings[1]
            .message
            .contains("mode 0644 (the default): any user in the container can read the file b"),
        "{}",
        findings[1].message
    );
    assert!(
        findings[2]
            .message
            .contains("projected volume proj puts Secret s on disk with mode 0777 (defaultMode)"),
        "{}",
        findings[2].message
    );
}

#[test]
fn kd008_names_outside_c_identifiers() {
    let text = format!(
        "{}{}",
        cm("app", "  GOOD: a\n  2fa: b\n  log.level: c\n"),
        pod(
            "    envFrom:\n    - configMapRef: {name: app}\n    - prefix: X_\n      configMapRef: {name: app}\n",
            ""
        )
    );
    let findings: Vec<Finding> = lint_text(&text)
        .into_iter()
        .filter(|f| f.code == "KD008")
        .collect();
    assert_eq!(findings.len(), 2);
    assert!(findings[0].message.contains(": 2fa (dropped by kubelet 1.29 and older with a Warning event InvalidEnvironmentVariableNames"), "{}", findings[0].message);
    assert!(
        findings[0].message.contains("; log.level (passed through"),
        "{}",
        findings[0].message
    );
    // The prefix makes 2fa valid; log.level stays a name no shell can expand.
    assert!(
        !findings[1].message.contains("2fa"),
        "{}",
        findings[1].message
    );
    assert!(
        findings[1].message.contains("X_log.level (passed through"),
        "{}",
        findings[1].message
    );
}

#[test]
fn kd009_only_when_a_workload_is_linted() {
    let config_only = cm("app", "  a: b\n");
    assert!(lint_text(&config_only).is_empty());
    let text = format!("{config_only}{}", pod("", ""));
    assert_eq!(summary(&lint_text(&text)), [("KD009", Level::Info, 1)]);
}

#[test]
fn init_containers_are_linted_and_located() {
    let text = format!(
        "{}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n  - name: init\n    image: busybox\n    volumeMounts:\n    - name: c\n      mountPath: /x\n      subPath: a\n  containers:\n  - name: app\n    image: busybox\n  volumes:\n  - name: c\n    configMap: {{name: app}}\n",
        cm("app", "  a: b\n")
    );
    let line = line_of(&text, "subPath: a", 0);
    assert_eq!(
        summary(&lint_text(&text)),
        [("KD002", Level::Warning, line)]
    );
}

#[test]
fn findings_are_sorted_by_file_then_line() {
    let text = format!(
        "{}{}",
        cm("app", "  DB_PASSWORD: hunter2\n"),
        pod(
            "    env:\n    - name: P\n      valueFrom:\n        configMapKeyRef: {name: app, key: DB_PASSWORD}\n",
            "  - name: s\n    secret: {secretName: nope}\n"
        )
    );
    let lines: Vec<u64> = summary(&lint_text(&text)).iter().map(|s| s.2).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);
    assert_eq!(lines.len(), 4, "{lines:?}");
}

/// The lint-ignore annotation, read from where a manifest author would put it.
mod lint_ignore {
    use super::*;

    const ENV_AND_VOLUME: &str = "    envFrom:\n    - configMapRef: {name: settings}\n    volumeMounts:\n    - {name: v, mountPath: /etc/config}\n";
    const VOLUME: &str = "  - name: v\n    configMap: {name: settings}\n";

    fn codes(text: &str) -> Vec<&'static str> {
        lint_text(text).iter().map(|f| f.code).collect()
    }

    #[test]
    fn without_an_annotation_the_finding_is_reported() {
        let text = format!(
            "{}{}",
            cm("settings", "  a: b\n"),
            pod(ENV_AND_VOLUME, VOLUME)
        );
        assert_eq!(codes(&text), ["KD003"]);
    }

    #[test]
    fn on_the_configmap_a_pod_rule_names_it_silences_the_pod_rule() {
        let annotated = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  \
                         annotations: {kubedrill.dev/lint-ignore: KD003}\ndata:\n  a: b\n---\n";
        let text = format!("{annotated}{}", pod(ENV_AND_VOLUME, VOLUME));
        assert_eq!(codes(&text), Vec::<&str>::new());
    }

    #[test]
    fn on_the_pod_template_of_a_deployment_it_silences_its_findings() {
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
            selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: \
            web}\n      annotations: {kubedrill.dev/lint-ignore: \"KD002 KD009\"}\n    spec:\n      \
            containers:\n      - name: app\n        image: busybox\n        volumeMounts:\n        \
            - {name: v, mountPath: /x, subPath: a}\n      volumes:\n      - {name: v, configMap: \
            {name: settings}}\n";
        let text = format!("{}{deployment}", cm("settings", "  a: b\n"));
        assert_eq!(codes(&text), Vec::<&str>::new());
        // Another code on the same object is still reported.
        let other = text.replace("KD002 KD009", "KD009");
        assert_eq!(codes(&other), ["KD002"]);
    }

    #[test]
    fn on_another_object_it_silences_nothing() {
        let annotated = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unrelated\n  \
                         annotations: {kubedrill.dev/lint-ignore: KD003}\ndata:\n  a: b\n---\n";
        let text = format!(
            "{annotated}{}{}",
            cm("settings", "  a: b\n"),
            pod(ENV_AND_VOLUME, VOLUME)
        );
        assert_eq!(codes(&text), ["KD009", "KD003"]);
    }
}

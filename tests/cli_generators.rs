//! `configMap: {…}` and `secret: {…}` object sources (issue 11 §2) through the real binary:
//! objects made the way `kubectl create configmap|secret` makes them, at load, from files next
//! to the scenario; applied by steps; their Secret values redacted; hash-suffixed names; and
//! bad generators rejected with file:line:column, the field path and a hint (exit 2).

use std::fs;
use std::path::{Path, PathBuf};

mod common;

use common::{Out, root};
use kubedrill::api::generate::{ConfigMapGenerator, Generator, generate};
use kubedrill::api::manifest::Manifest;

fn kubedrill_in(tmp: &Path, args: &[&str]) -> Out {
    common::kubedrill_at(&root(), tmp, args)
}

/// A pod mounting ConfigMap `config_map` at /etc/kd-gen-config and reading `PASSWORD` from
/// Secret `db`'s `password` key.
fn write_pod(dir: &Path, config_map: &str) {
    fs::write(
        dir.join("pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n      env:\n        - name: PASSWORD\n          valueFrom:\n            secretKeyRef: {{name: db, key: password, optional: true}}\n      volumeMounts:\n        - {{name: cfg, mountPath: /etc/kd-gen-config}}\n  volumes:\n    - name: cfg\n      configMap: {{name: {config_map}}}\n"
        ),
    )
    .unwrap();
}

/// Writes scenario `name` into `dir` with the given `objects:` items and steps.
fn write_scenario(dir: &Path, name: &str, command: &str, objects: &str, steps: &str) -> PathBuf {
    let file = dir.join(format!("{name}.yaml"));
    fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  timing: fast\n  objects:\n{objects}  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, '{command}']\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    file
}

#[test]
fn example_generators_scenario_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let r = kubedrill_in(tmp.path(), &["run", "scenarios/generators.yaml"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("✓ generators:"), "{}", r.stdout);
}

#[test]
fn config_map_from_file_is_mounted_and_an_applied_generator_changes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("app.conf"), "version=v1\n").unwrap();
    fs::create_dir(dir.join("v2")).unwrap();
    fs::write(dir.join("v2/app.conf"), "version=v2\n").unwrap();
    write_pod(dir, "app-conf");
    let f = write_scenario(
        dir,
        "from-file",
        "exec sleep 30",
        "    - configMap: {name: app-conf, fromFile: [app.conf]}\n",
        "    - assert: {file: /etc/kd-gen-config/app.conf, equals: \"version=v1\\n\", within: 5s}\n\
         \x20   - name: v2\n\
         \x20     apply:\n\
         \x20       configMap: {name: app-conf, fromFile: [v2/app.conf]}\n\
         \x20   - assert: {file: /etc/kd-gen-config/app.conf, equals: \"version=v2\\n\", within: 5s, after: v2}\n",
    );
    let r = kubedrill_in(dir, &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("configmap/app-conf configured"),
        "{}",
        r.stdout
    );

    // The same scenario expecting the old content after the apply fails: the apply did change it.
    let stale = write_scenario(
        dir,
        "stale",
        "exec sleep 30",
        "    - configMap: {name: app-conf, fromFile: [app.conf]}\n",
        "    - name: v2\n\
         \x20     apply:\n\
         \x20       configMap: {name: app-conf, fromFile: [v2/app.conf]}\n\
         \x20   - assert: {file: /etc/kd-gen-config/app.conf, equals: \"version=v1\\n\", throughout: 2s}\n",
    );
    let r = kubedrill_in(dir, &["run", stale.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn generated_secret_values_are_redacted_in_console_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("app.conf"), "version=v1\n").unwrap();
    write_pod(dir, "app-conf");
    let f = write_scenario(
        dir,
        "leak",
        "echo password is $PASSWORD; exec sleep 30",
        "    - configMap: {name: app-conf, fromFile: [app.conf]}\n\
         \x20   - secret: {name: db, fromLiteral: [password=gen-hunter2-secret]}\n",
        "    - assert: {log: app, contains: \"password is\", within: 5s}\n\
         \x20   - assert: {env: PASSWORD, equals: wrong-guess, within: 200ms}\n",
    );
    let r = kubedrill_in(dir, &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        !r.combined().contains("gen-hunter2-secret"),
        "secret leaked:\n{}",
        r.combined()
    );
    assert!(
        r.stdout.contains("password is ‹redacted›"),
        "log lines are redacted: {}",
        r.stdout
    );
    let shown = kubedrill_in(dir, &["run", f.to_str().unwrap(), "--show-secrets"]);
    assert!(
        shown.stdout.contains("gen-hunter2-secret"),
        "--show-secrets shows it: {}",
        shown.stdout
    );
}

#[test]
fn hash_suffix_names_the_object_with_its_content_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("app.conf"), "version=v1\n").unwrap();
    let generator = Generator::ConfigMap(ConfigMapGenerator {
        name: "app-conf".to_string(),
        from_file: vec!["app.conf".to_string()],
        hash_suffix: true,
        ..ConfigMapGenerator::default()
    });
    let Manifest::ConfigMap(made, _) = generate(&generator, dir).unwrap() else {
        panic!("a ConfigMap generator makes a ConfigMap");
    };
    let hashed = made.metadata.name.unwrap();
    assert!(
        hashed.starts_with("app-conf-") && hashed.len() == "app-conf-".len() + 10,
        "{hashed}"
    );
    let objects = "    - configMap: {name: app-conf, fromFile: [app.conf], hashSuffix: true}\n";
    let steps = "    - assert: {file: /etc/kd-gen-config/app.conf, equals: \"version=v1\\n\", within: 3s}\n";

    // The workload names the hashed name: the generated object is found and mounted.
    write_pod(dir, &hashed);
    let f = write_scenario(dir, "hashed", "exec sleep 30", objects, steps);
    let r = kubedrill_in(dir, &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);

    // The workload names the plain name: no such ConfigMap exists, nothing is mounted.
    write_pod(dir, "app-conf");
    let r = kubedrill_in(dir, &["run", f.to_str().unwrap()]);
    assert_ne!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_ne!(r.code, 2, "the scenario loads: {}", r.stderr);

    // A changed file is a new name, shown by the apply.
    fs::write(dir.join("v2.conf"), "version=v2\n").unwrap();
    write_pod(dir, &hashed);
    let f = write_scenario(
        dir,
        "rename",
        "exec sleep 30",
        objects,
        "    - apply: {configMap: {name: app-conf, fromFile: [app.conf=v2.conf], hashSuffix: true}}\n",
    );
    let r = kubedrill_in(dir, &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("configmap/app-conf-") && !r.stdout.contains(&format!("{hashed} ")),
        "the applied object has another hashed name: {}",
        r.stdout
    );
}

/// Runs a scenario that must not load, returning stderr.
fn rejected(dir: &Path, name: &str, objects: &str, steps: &str) -> String {
    write_pod(dir, "app-conf");
    let f = write_scenario(dir, name, "exec sleep 30", objects, steps);
    let r = kubedrill_in(dir, &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    r.stderr
}

#[test]
fn bad_generators_exit_2_with_location_field_path_and_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("s");
    fs::create_dir(&base).unwrap();
    fs::write(tmp.path().join("outside.conf"), "outside-content\n").unwrap();
    fs::write(base.join("app.conf"), "version=v1\n").unwrap();
    let assert = "    - assert: {file: /etc/kd-gen-config/app.conf, exists: true}\n";

    let missing = rejected(
        &base,
        "missing",
        "    - configMap:\n        name: app-conf\n        fromFile: [app.conf, nope.conf]\n",
        assert,
    );
    assert!(
        missing.contains("missing.yaml:10:30: spec.objects[0].configMap.fromFile[1]"),
        "{missing}"
    );
    assert!(missing.contains("nope.conf"), "{missing}");
    assert!(missing.contains("hint:"), "{missing}");

    let escaping = rejected(
        &base,
        "escaping",
        "    - configMap: {name: app-conf, fromFile: [app.conf]}\n\
         \x20   - secret: {name: db, fromFile: [../outside.conf]}\n",
        assert,
    );
    assert!(
        escaping.contains("escaping.yaml:9:37: spec.objects[1].secret.fromFile[0]"),
        "{escaping}"
    );
    assert!(
        escaping.contains("outside the scenario's directory"),
        "{escaping}"
    );
    assert!(!escaping.contains("outside-content"), "{escaping}");

    let in_apply = rejected(
        &base,
        "in-apply",
        "    - configMap: {name: app-conf, fromFile: [app.conf]}\n",
        "    - apply: {configMap: {name: app-conf, fromFile: [/etc/hostname]}}\n",
    );
    assert!(
        in_apply.contains("in-apply.yaml:15:54: spec.steps[0].apply.configMap.fromFile[0]"),
        "{in_apply}"
    );

    let two = rejected(
        &base,
        "two",
        "    - file: objects.yaml\n      configMap: {name: app-conf, fromFile: [app.conf]}\n",
        assert,
    );
    assert!(
        two.contains("two.yaml:9:7: both `file` and `configMap` in one object source"),
        "{two}"
    );

    let typo = rejected(
        &base,
        "typo",
        "    - configMap: {name: app-conf, fromFiles: [app.conf]}\n",
        assert,
    );
    assert!(
        typo.contains("typo.yaml:8:35: unknown field `fromFiles`"),
        "{typo}"
    );
    assert!(typo.contains("did you mean `fromFile`?"), "{typo}");

    let quoted = rejected(
        &base,
        "quoted",
        "    - configMap: {name: app-conf, fromFile: [app.conf], hashSuffix: \"yes\"}\n",
        assert,
    );
    assert!(
        quoted.contains(
            "quoted.yaml:8:69: spec.objects[0].configMap.hashSuffix must be true or false"
        ),
        "{quoted}"
    );
}

//! Scenario loading through the public API: the valid fixtures round-trip into the expected
//! values, every invalid fixture fails with the right file, line:column and hint, and the
//! valid fixtures conform to the published JSON Schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kubedrill::api::Manifest;
use kubedrill::kubelet::KubeVersion;
use kubedrill::scenario::{
    self, AssertTiming, Assertion, ContainerMatch, ContainerStateKind, Detection, ObjectKind,
    ObjectRef, Observation, Operation, PodMatch, PodPhase, Predicates, Scenario, ScenarioErrorKind,
    Timing, Update,
};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios")
}

fn load_valid(name: &str) -> Scenario {
    let path = fixtures().join("valid").join(name);
    match scenario::load(&path) {
        Ok(scenario) => scenario,
        Err(err) => panic!("{name} should load: {err}"),
    }
}

fn assertion(scenario: &Scenario, index: usize) -> &Assertion {
    match &scenario.spec.steps[index].op {
        Operation::Assert(assertion) => assertion,
        other => panic!("step {index} is {other:?}, not an assert"),
    }
}

fn names(manifests: &[Manifest]) -> Vec<(String, String)> {
    manifests
        .iter()
        .map(|m| (m.kind().to_string(), m.name().to_string()))
        .collect()
}

fn map(entries: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect()
}

#[test]
fn full_scenario_round_trips_into_the_expected_values() {
    let s = load_valid("full.yaml");
    let dir = fixtures().join("valid");
    assert_eq!(s.name, "everything");
    assert_eq!(
        s.description.as_deref(),
        Some("Every operation and observation of the format.")
    );
    assert_eq!(s.file, dir.join("full.yaml"));
    assert_eq!(s.dir(), dir);
    assert_eq!(s.spec.timing, Timing::Kubelet);
    assert_eq!(s.spec.kube_version, Some(KubeVersion::v1(29)));

    // Objects: a file and an inline Secret whose origin is the scenario file.
    assert_eq!(s.spec.objects.len(), 2);
    match &s.spec.objects[0] {
        ObjectRef::File { path, manifests } => {
            assert_eq!(path, &dir.join("manifests/configmap.yaml"));
            assert_eq!(
                names(manifests),
                [("ConfigMap".into(), "python-app-config".into())]
            );
        }
        other => panic!("expected a file, got {other:?}"),
    }
    match &s.spec.objects[1] {
        ObjectRef::Inline(manifest) => match manifest.as_ref() {
            Manifest::Secret(secret, origin) => {
                assert_eq!(secret.metadata.name.as_deref(), Some("db"));
                assert_eq!(origin.file, dir.join("full.yaml"));
                assert_eq!(origin.line, 12);
            }
            other => panic!("expected an inline Secret, got {other:?}"),
        },
        other => panic!("expected an inline object, got {other:?}"),
    }

    // Workload and run.
    let workload = &s.spec.workload;
    assert_eq!(workload.file, dir.join("manifests/deployment.yaml"));
    assert_eq!(workload.workload.kind, "Deployment");
    assert_eq!(workload.workload.name, "python-app");
    assert_eq!(workload.container_names(), ["app"]);
    let run = &workload.run["app"];
    assert_eq!(run.command, ["python3", "apps/good_dirwatch.py"]);
    assert_eq!(run.args, ["--verbose"]);
    assert_eq!(run.working_dir, Some(dir.join("..")));
    assert_eq!(
        run.env.get("PYTHONUNBUFFERED").map(String::as_str),
        Some("1")
    );
    assert_eq!(run.image.as_deref(), Some("python:3.12-slim"));

    let steps = &s.spec.steps;
    assert_eq!(steps.len(), 28);
    assert_eq!((steps[0].line, steps[0].column), (23, 7));
    assert_eq!(steps[1].name.as_deref(), Some("bump"));
    assert_eq!((steps[1].line, steps[1].column), (24, 7));
    assert_eq!(steps[1].label(), "bump");
    assert_eq!(steps[0].label(), "assert (line 23)");

    let file = |path: &str| Observation::File {
        path: path.into(),
        container: None,
    };
    assert_eq!(
        assertion(&s, 0),
        &Assertion {
            observation: file("/etc/config/LOG_LEVEL"),
            predicates: Predicates {
                equals: Some("INFO".into()),
                ..Default::default()
            },
            timing: AssertTiming::Now,
            after: None,
        }
    );
    assert_eq!(
        steps[1].op,
        Operation::Update(Update {
            kind: ObjectKind::ConfigMap,
            name: "python-app-config".into(),
            data: map(&[("LOG_LEVEL", Some("DEBUG")), ("OLD", None)]),
            binary_data: BTreeMap::new(),
            string_data: BTreeMap::new(),
        })
    );
    assert_eq!(
        assertion(&s, 2).timing,
        AssertTiming::Within(Duration::from_secs(90))
    );
    let log = assertion(&s, 3);
    assert_eq!(
        log.observation,
        Observation::Log {
            container: "app".into(),
            since: None
        }
    );
    assert_eq!(log.predicates.contains.as_deref(), Some("LOG_LEVEL=DEBUG"));
    assert_eq!(log.timing, AssertTiming::Within(Duration::from_secs(10)));
    assert_eq!(log.after.as_deref(), Some("bump"));
    let env = assertion(&s, 4);
    assert_eq!(
        env.observation,
        Observation::Env {
            name: "LOG_LEVEL".into(),
            container: Some("app".into())
        }
    );
    assert_eq!(env.timing, AssertTiming::Throughout(Duration::from_secs(3)));
    assert_eq!(
        assertion(&s, 5).predicates,
        Predicates {
            link_target: Some("..data/LOG_LEVEL".into()),
            mode: Some(0o644),
            exists: Some(true),
            ..Default::default()
        }
    );
    let dir_assert = assertion(&s, 6);
    assert_eq!(
        dir_assert.observation,
        Observation::Dir {
            path: "/etc/config".into(),
            container: None
        }
    );
    assert_eq!(dir_assert.predicates.not_contains.as_deref(), Some("OLD"));
    let since = assertion(&s, 7);
    assert_eq!(
        since.observation,
        Observation::Log {
            container: "app".into(),
            since: Some("bump".into())
        }
    );
    let pattern = since.predicates.matches.as_ref().expect("matches");
    assert_eq!(pattern.as_str(), "level=(DEBUG|INFO)");
    assert!(pattern.regex().is_match("level=INFO"));
    assert_eq!(since.predicates.count, Some(2));
    assert_eq!(since.predicates.not_equals.as_deref(), Some(""));
    assert_eq!(assertion(&s, 8).predicates.exists, Some(false));
    assert_eq!(steps[9].name.as_deref(), Some("rotate"));
    assert_eq!(
        steps[9].op,
        Operation::Update(Update {
            kind: ObjectKind::Secret,
            name: "db".into(),
            data: map(&[("token", Some("dG9rZW4="))]),
            binary_data: BTreeMap::new(),
            string_data: map(&[("password", Some("n3w"))]),
        })
    );
    match &steps[10].op {
        Operation::Apply(ObjectRef::File { path, manifests }) => {
            assert_eq!(path, &dir.join("manifests/cm-v2.yaml"));
            assert_eq!(
                names(manifests),
                [
                    ("ConfigMap".into(), "python-app-config".into()),
                    ("ConfigMap".into(), "feature-flags".into())
                ]
            );
        }
        other => panic!("expected apply of a file, got {other:?}"),
    }
    match &steps[11].op {
        Operation::Apply(ObjectRef::Inline(manifest)) => {
            assert_eq!(manifest.name(), "extra");
            assert_eq!(manifest.origin().line, 38);
        }
        other => panic!("expected apply of an inline object, got {other:?}"),
    }
    assert_eq!(
        steps[12].op,
        Operation::Update(Update {
            kind: ObjectKind::ConfigMap,
            name: "extra".into(),
            data: BTreeMap::new(),
            binary_data: map(&[("blob", Some("AAEC"))]),
            string_data: BTreeMap::new(),
        })
    );
    assert_eq!(
        steps[13].op,
        Operation::Delete {
            kind: ObjectKind::ConfigMap,
            name: "extra".into()
        }
    );
    assert_eq!(steps[14].op, Operation::Restart("app".into()));
    assert_eq!(steps[15].op, Operation::Recreate);
    assert_eq!(steps[16].op, Operation::Touch);
    assert_eq!(
        steps[17].op,
        Operation::Signal {
            container: "app".into(),
            signal: "HUP".into()
        }
    );
    // No container named: the only one; SIGTERM is TERM.
    assert_eq!(
        steps[18].op,
        Operation::Signal {
            container: "app".into(),
            signal: "TERM".into()
        }
    );
    assert_eq!(steps[19].op, Operation::Sleep(Duration::from_millis(500)));
    assert_eq!(
        steps[20].op,
        Operation::Delete {
            kind: ObjectKind::Secret,
            name: "db".into()
        }
    );
    assert_eq!(
        assertion(&s, 21).observation,
        Observation::Container(ContainerMatch {
            name: Some("app".into()),
            state: Some(ContainerStateKind::Waiting),
            reason: Some("CreateContainerConfigError".into()),
            restarts: None,
        })
    );
    let restarts = assertion(&s, 22);
    assert_eq!(
        restarts.observation,
        Observation::Container(ContainerMatch {
            restarts: Some(1),
            ..Default::default()
        })
    );
    assert!(restarts.predicates.is_empty());
    assert_eq!(
        assertion(&s, 23).observation,
        Observation::Pod(PodMatch {
            phase: Some(PodPhase::Pending)
        })
    );
    let event = assertion(&s, 24);
    assert_eq!(
        event.observation,
        Observation::Event {
            reason: "FailedMount".into()
        }
    );
    assert_eq!(event.predicates.contains.as_deref(), Some("not found"));
    let http = assertion(&s, 25);
    assert_eq!(
        http.observation,
        Observation::Http {
            port: 8000,
            path: "/".into(),
            container: None,
            request: Default::default()
        }
    );
    assert_eq!(http.predicates.status, Some(200));
    assert_eq!(http.predicates.contains.as_deref(), Some("db-svc"));
    assert_eq!(
        assertion(&s, 26).observation,
        Observation::Http {
            port: 8000,
            path: "/".into(),
            container: Some("app".into()),
            request: Default::default()
        }
    );
    let tls = assertion(&s, 27);
    assert_eq!(
        tls.observation,
        Observation::Tls {
            port: 8443,
            container: None
        }
    );
    assert_eq!(tls.predicates.cn.as_deref(), Some("python-app.default.svc"));
    assert_eq!(
        tls.predicates.sha256.as_deref(),
        Some(&"abcdef0123456789".repeat(4)[..])
    );

    // Every operation and every observation keyword is used.
    let ops: std::collections::BTreeSet<&str> = steps.iter().map(|s| s.op.keyword()).collect();
    assert_eq!(ops.len(), 9, "{ops:?}");
    let observations: std::collections::BTreeSet<&str> = steps
        .iter()
        .filter_map(|s| match &s.op {
            Operation::Assert(a) => Some(a.observation.keyword()),
            _ => None,
        })
        .collect();
    assert_eq!(observations.len(), 9, "{observations:?}");
}

#[test]
fn defaults_apply_when_fields_are_omitted() {
    let s = load_valid("minimal.yaml");
    assert_eq!(s.name, "minimal", "the name defaults to the file stem");
    assert_eq!(s.description, None);
    assert_eq!(s.spec.timing, Timing::Fast);
    assert_eq!(s.spec.kube_version, None);
    assert!(s.spec.objects.is_empty());
    assert_eq!(s.spec.workload.workload.kind, "Pod");
    assert_eq!(s.spec.workload.run["echo"].working_dir, None);
}

#[test]
fn custom_timing_and_version_and_block_styles() {
    let s = load_valid("custom-timing.yml");
    assert_eq!(s.name, "cache-detection");
    assert_eq!(
        s.spec.timing,
        Timing::Custom {
            sync_period: Duration::from_secs(10),
            jitter: 0.0,
            detection: Detection::Cache,
            cache_ttl: Duration::from_secs(30),
            seed: Some(7),
        }
    );
    // Unquoted 1.30 stays 1.30 (not the float 1.3).
    assert_eq!(s.spec.kube_version, Some(KubeVersion::v1(30)));
    match &s.spec.steps[0].op {
        Operation::Update(update) => {
            assert_eq!(update.data, map(&[("LOG_LEVEL", Some("DEBUG\n"))]));
        }
        other => panic!("expected an update, got {other:?}"),
    }
    let assert = assertion(&s, 1);
    assert_eq!(assert.timing, AssertTiming::Within(Duration::from_secs(90)));
    assert_eq!(assert.after.as_deref(), Some("change"));
    assert_eq!(s.spec.workload.run["echo"].command.len(), 3);
}

#[test]
fn discover_lists_scenario_files_sorted() {
    let valid = fixtures().join("valid");
    let found = scenario::discover(std::slice::from_ref(&valid)).expect("discover");
    assert_eq!(
        found,
        [
            valid.join("custom-timing.yml"),
            valid.join("full.yaml"),
            valid.join("minimal.yaml"),
        ],
        "not-a-scenario.yaml and manifests/ are skipped"
    );
    // A file is taken as is; duplicates are dropped.
    let file = valid.join("minimal.yaml");
    let found = scenario::discover(&[file.clone(), valid.clone()]).expect("discover");
    assert_eq!(found.first(), Some(&file));
    assert_eq!(found.len(), 3);
    // The invalid scenarios are scenarios too (their first document says kind: Scenario),
    // even with a syntax error; a wrong `kind` is not.
    let invalid = scenario::discover(&[fixtures().join("invalid")]).expect("discover");
    assert!(invalid.contains(&fixtures().join("invalid/syntax-error.yaml")));
    assert!(!invalid.contains(&fixtures().join("invalid/wrong-kind.yaml")));
    // A path that does not exist is an error naming it.
    let missing = fixtures().join("no-such-dir");
    let err = scenario::discover(std::slice::from_ref(&missing)).expect_err("missing");
    assert_eq!(err.file(), missing);
    assert!(matches!(err.kind(), ScenarioErrorKind::Io(_)));
    // The OS reason is kept: it is what tells a typo from a permission problem.
    assert!(
        err.to_string()
            .ends_with("cannot read the path: No such file or directory (os error 2)"),
        "{err}"
    );
}

#[test]
fn invalid_utf8_names_the_line_and_column_of_the_first_bad_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("latin1.yaml");
    let text = b"apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: caf\xe9\n";
    std::fs::write(&path, text).expect("write");
    let err = scenario::load(&path).expect_err("not UTF-8");
    assert_eq!((err.line(), err.column()), (Some(4), Some(12)), "{err}");
    assert_eq!(
        err.message(),
        "invalid UTF-8: byte 0xe9 is not part of a UTF-8 character"
    );
}

#[test]
fn a_second_document_is_reported_without_reading_the_rest() {
    // The third document is not even YAML: loading stops at the second one.
    let file = fixtures().join("valid/inline.yaml");
    let text =
        "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\n---\nkind: Scenario\n---\n[unclosed\n";
    let err = scenario::load_str(text, &file).expect_err("two documents");
    assert_eq!((err.line(), err.column()), (Some(4), Some(1)), "{err}");
    assert!(err.to_string().contains("a second document"), "{err}");
}

/// One invalid fixture: where the error must be, and what it must say.
struct Expected {
    file: &'static str,
    /// The file the error is in, when not the scenario (a referenced manifest).
    in_file: Option<&'static str>,
    line: u64,
    column: u64,
    message: &'static str,
    hint: &'static str,
}

const fn at(
    file: &'static str,
    line: u64,
    column: u64,
    message: &'static str,
    hint: &'static str,
) -> Expected {
    Expected {
        file,
        in_file: None,
        line,
        column,
        message,
        hint,
    }
}

const INVALID: &[Expected] = &[
    at(
        "unknown-field.yaml",
        12,
        45,
        "unknown field `equal` in assert",
        "did you mean `equals`?",
    ),
    at(
        "unknown-spec-field.yaml",
        8,
        3,
        "unknown field `step` in spec",
        "did you mean `steps`?",
    ),
    at(
        "field-outside-container.yaml",
        12,
        40,
        "unknown field `state` in assert",
        "belongs inside `container: {…}`",
    ),
    at(
        "two-operations.yaml",
        14,
        7,
        "step has two operations, `update` and `assert`",
        "split it into `- update: …` and `- assert: …`",
    ),
    at(
        "no-operation.yaml",
        12,
        7,
        "step has no operation",
        "a step is one of `apply`",
    ),
    at(
        "no-observation.yaml",
        12,
        15,
        "assert has no observation",
        "observe one of `file`",
    ),
    at(
        "two-observations.yaml",
        12,
        45,
        "assert has two observations, `file` and `env`",
        "split it into two asserts",
    ),
    at(
        "within-and-throughout.yaml",
        12,
        58,
        "`within` and `throughout` conflict",
        "pick one",
    ),
    at(
        "bad-duration.yaml",
        12,
        67,
        "invalid duration \"90\" for within",
        "add a unit: `90s`",
    ),
    at(
        "bad-regex.yaml",
        12,
        35,
        "invalid regex \"level=(DEBUG\": unclosed group",
        "regular expression",
    ),
    at("bad-mode.yaml", 12, 51, "invalid mode \"0448\"", "in octal"),
    at(
        "bad-signal.yaml",
        12,
        24,
        "unknown signal \"hup\"",
        "signal names are uppercase: `HUP`",
    ),
    at(
        "bad-timing.yaml",
        4,
        11,
        "invalid timing profile \"kubelett\"",
        "did you mean `kubelet`?",
    ),
    at(
        "wrong-api-version.yaml",
        1,
        13,
        "unsupported apiVersion \"kubedrill.dev/v1\"",
        "kubedrill.dev/v1alpha1",
    ),
    at(
        "wrong-kind.yaml",
        2,
        7,
        "kind must be `Scenario`",
        "kinds are case-sensitive",
    ),
    at(
        "syntax-error.yaml",
        8,
        14,
        "did not find expected ',' or '}'",
        "check the indentation",
    ),
    at(
        "restart-unknown-container.yaml",
        12,
        16,
        "no container `ap` in Pod \"app\"",
        "did you mean `app`?",
    ),
    at(
        "log-unknown-container.yaml",
        12,
        21,
        "no container `sidecar` in Pod \"app\"",
        "the pod's containers are `app`",
    ),
    at(
        "container-unknown.yaml",
        12,
        43,
        "no container `web` in Pod \"app\"",
        "the pod's containers are `app`",
    ),
    at(
        "ambiguous-container.yaml",
        10,
        16,
        "file names no container and the pod has `app`, `sidecar`",
        "add `container: NAME`",
    ),
    at(
        "after-later-step.yaml",
        12,
        79,
        "after: step `bump` comes later (line 13)",
        "names an earlier step",
    ),
    at(
        "after-without-within.yaml",
        14,
        60,
        "`after` needs `within`",
        "add `within: D`",
    ),
    at(
        "since-unknown-step.yaml",
        14,
        33,
        "since: no step named `bumpp`",
        "did you mean `bump`?",
    ),
    at(
        "duplicate-step-name.yaml",
        14,
        13,
        "duplicate step name `bump`",
        "the first is at line 12",
    ),
    at(
        "update-undefined-object.yaml",
        12,
        27,
        "no ConfigMap `python-app-conf` is defined before this step",
        "did you mean `python-app-config`?",
    ),
    at(
        "delete-wrong-kind.yaml",
        12,
        24,
        "no Secret `python-app-config`",
        "is a ConfigMap: write `configMap: python-app-config`",
    ),
    at(
        "update-after-delete.yaml",
        13,
        27,
        "ConfigMap `python-app-config` was deleted by the step at line 12",
        "apply it again",
    ),
    at(
        "unquoted-data-value.yaml",
        12,
        62,
        "data.RETRIES must be a string, found an unquoted number",
        "quote it: RETRIES: \"3\"",
    ),
    at(
        "predicate-not-applicable.yaml",
        12,
        32,
        "`mode` does not apply to `env` observations",
        "env takes `equals`",
    ),
    at(
        "count-without-match.yaml",
        12,
        26,
        "count needs `contains` or `matches`",
        "non-overlapping matches",
    ),
    at(
        "run-unknown-container.yaml",
        8,
        7,
        "run: no container `sidecar` in Pod \"app\"",
        "the pod's containers are `app`",
    ),
    at(
        "missing-run-command.yaml",
        4,
        3,
        "container `app` has no run command",
        "add `run: {app: {command: [python3, app.py]}}`",
    ),
    at(
        "workload-file-missing.yaml",
        5,
        11,
        "cannot read",
        "paths are relative to the scenario file's directory",
    ),
    at(
        "object-is-a-workload.yaml",
        6,
        13,
        "Pod \"app\"",
        "the workload goes under spec.workload.file",
    ),
    at(
        "inline-object-invalid.yaml",
        11,
        20,
        "ConfigMap \"python-app-config\" is invalid: data[bad/key]",
        "the API server would reject",
    ),
    Expected {
        file: "object-fails-to-load.yaml",
        in_file: Some("manifests/bad-configmap.yaml"),
        line: 6,
        column: 9,
        message: "expected a string, found an unquoted number at field data.PORT",
        hint: "quote the value",
    },
];

#[test]
fn every_invalid_fixture_fails_with_file_location_and_hint() {
    let dir = fixtures().join("invalid");
    let mut failures = Vec::new();
    for expected in INVALID {
        let path = dir.join(expected.file);
        let err = match scenario::load(&path) {
            Ok(_) => {
                failures.push(format!("{}: loaded, expected an error", expected.file));
                continue;
            }
            Err(err) => err,
        };
        let text = err.to_string();
        let want_file = expected
            .in_file
            .map(|f| dir.join(f))
            .unwrap_or(path.clone());
        let want_prefix = format!(
            "{}:{}:{}: ",
            want_file.display(),
            expected.line,
            expected.column
        );
        let ok = err.file() == want_file
            && err.line() == Some(expected.line)
            && err.column() == Some(expected.column)
            && text.starts_with(&want_prefix)
            && err.message().contains(expected.message)
            && text.contains("(hint: ")
            && text.contains(expected.hint);
        if !ok {
            failures.push(format!(
                "{}: expected {want_prefix}…{}… (hint: …{}…)\n     got {text}",
                expected.file, expected.message, expected.hint
            ));
        }
        if let Some((reference, _, _)) = err.referenced_at() {
            assert_eq!(reference, path, "{}", expected.file);
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_invalid_fixture_has_an_expectation() {
    let dir = fixtures().join("invalid");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("invalid/")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .filter_map(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    files.sort();
    let mut covered: Vec<String> = INVALID.iter().map(|e| e.file.to_string()).collect();
    covered.sort();
    assert_eq!(files, covered);
}

#[test]
fn error_kinds_and_references() {
    let dir = fixtures().join("invalid");
    let kind = |file: &str| match scenario::load(&dir.join(file)) {
        Ok(_) => panic!("{file} loaded"),
        Err(err) => err,
    };
    let err = kind("unknown-field.yaml");
    match err.kind() {
        ScenarioErrorKind::UnknownField { field, suggestion } => {
            assert_eq!(field, "equal");
            assert_eq!(suggestion.as_deref(), Some("equals"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.hint(), Some("did you mean `equals`?"));
    assert!(matches!(
        kind("restart-unknown-container.yaml").kind(),
        ScenarioErrorKind::Reference
    ));
    assert!(matches!(
        kind("two-operations.yaml").kind(),
        ScenarioErrorKind::Structure
    ));
    assert!(matches!(
        kind("syntax-error.yaml").kind(),
        ScenarioErrorKind::Syntax
    ));
    let err = kind("object-fails-to-load.yaml");
    assert!(matches!(err.kind(), ScenarioErrorKind::Manifest(_)));
    assert_eq!(
        err.referenced_at(),
        Some((dir.join("object-fails-to-load.yaml").as_path(), 5, 13))
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn a_missing_scenario_file_names_the_file() {
    let path = fixtures().join("valid/nope.yaml");
    let err = scenario::load(&path).expect_err("missing");
    assert_eq!(err.file(), path);
    assert_eq!(err.line(), None);
    assert!(matches!(err.kind(), ScenarioErrorKind::Io(_)));
    assert!(
        err.to_string()
            .ends_with("cannot read the scenario file: No such file or directory (os error 2)"),
        "{err}"
    );
}

#[test]
fn load_str_checks_the_document_itself() {
    let file = fixtures().join("valid/inline.yaml");
    let err = scenario::load_str("", &file).expect_err("empty");
    assert_eq!((err.line(), err.column()), (Some(1), Some(1)));
    assert!(err.to_string().contains("the file is empty"));
    let two = "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\n---\nkind: Scenario\n";
    let err = scenario::load_str(two, &file).expect_err("two documents");
    assert_eq!((err.line(), err.column()), (Some(4), Some(1)));
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
    let err = scenario::load_str(manifest, &file).expect_err("a manifest");
    assert_eq!((err.line(), err.column()), (Some(2), Some(7)));
    assert!(err.to_string().contains("this is not a scenario file"));
}

// ---------------------------------------------------------------------------------------------
// JSON Schema conformance, checked by a small structural validator (draft-07 keywords the
// schema uses: $ref, type, const, enum, properties, additionalProperties, required, items,
// oneOf, not, minimum, maximum, minItems, minLength, pattern, propertyNames).
// ---------------------------------------------------------------------------------------------

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(root, root.pointer(pointer).unwrap_or(&Value::Null))
        }
        None => schema,
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

fn check(root: &Value, schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let schema = resolve(root, schema);
    if schema.is_null() {
        return Err(format!("{path}: dangling $ref"));
    }
    let fail = |what: String| Err(format!("{path}: {what}"));
    match schema.get("type") {
        Some(Value::String(name)) if !type_matches(name, value) => {
            return fail(format!("expected {name}, got {value}"));
        }
        Some(Value::Array(names))
            if !names
                .iter()
                .any(|n| n.as_str().is_some_and(|n| type_matches(n, value))) =>
        {
            return fail(format!("expected one of {names:?}, got {value}"));
        }
        _ => {}
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        return fail(format!("expected {constant}, got {value}"));
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        return fail(format!("{value} is not one of {options:?}"));
    }
    if let Some(number) = value.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && number < min
        {
            return fail(format!("{number} < {min}"));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && number > max
        {
            return fail(format!("{number} > {max}"));
        }
    }
    if let Some(text) = value.as_str() {
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && (text.chars().count() as u64) < min
        {
            return fail("string too short".into());
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            let regex = regex::Regex::new(pattern).map_err(|e| format!("{path}: {e}"))?;
            if !regex.is_match(text) {
                return fail(format!("{text:?} does not match {pattern}"));
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            return fail("too few items".into());
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(root, item_schema, item, &format!("{path}[{i}]"))?;
            }
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, item) in object {
            let item_path = format!("{path}.{key}");
            if let Some(names) = schema.get("propertyNames") {
                check(root, names, &Value::String(key.clone()), &item_path)?;
            }
            match (
                properties.and_then(|p| p.get(key)),
                schema.get("additionalProperties"),
            ) {
                (Some(property), _) => check(root, property, item, &item_path)?,
                (None, Some(Value::Bool(false))) => {
                    return Err(format!("{item_path}: not allowed here"));
                }
                (None, Some(additional)) if additional.is_object() => {
                    check(root, additional, item, &item_path)?
                }
                _ => {}
            }
        }
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    return fail(format!("missing `{name}`"));
                }
            }
        }
    }
    if let Some(Value::Array(branches)) = schema.get("oneOf") {
        let passing = branches
            .iter()
            .filter(|branch| check(root, branch, value, path).is_ok())
            .count();
        if passing != 1 {
            return fail(format!("{passing} oneOf branches match {value}"));
        }
    }
    if let Some(not) = schema.get("not")
        && check(root, not, value, path).is_ok()
    {
        return fail("matches a forbidden combination".into());
    }
    Ok(())
}

fn yaml_as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("fixture");
    serde_saphyr::from_str(&text).expect("fixture is YAML")
}

#[test]
fn valid_scenarios_conform_to_the_json_schema() {
    let schema = scenario::json_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    // The fixtures and the repository's example scenarios (where they exist).
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let dirs: Vec<PathBuf> = [
        fixtures().join("valid"),
        examples.clone(),
        examples.join("expected-failures"),
    ]
    .into_iter()
    .filter(|dir| dir.is_dir())
    .collect();
    let files = scenario::discover(&dirs).expect("discover");
    assert!(files.len() >= 3);
    for file in files {
        let value = yaml_as_json(&file);
        if let Err(problem) = check(&schema, &schema, &value, "$") {
            panic!("{} does not conform: {problem}", file.display());
        }
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects_structurally() {
    let schema = scenario::json_schema();
    let dir = fixtures().join("invalid");
    for file in [
        "unknown-field.yaml",
        "unknown-spec-field.yaml",
        "two-operations.yaml",
        "no-operation.yaml",
        "two-observations.yaml",
        "within-and-throughout.yaml",
        "bad-timing.yaml",
        "wrong-api-version.yaml",
        "field-outside-container.yaml",
    ] {
        let value = yaml_as_json(&dir.join(file));
        assert!(
            check(&schema, &schema, &value, "$").is_err(),
            "{file} passes the schema"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// metadata.labels and spec.expect (typed parts of the format)
// ---------------------------------------------------------------------------------------------

/// The minimal fixture with `metadata` and `spec.expect` as given.
fn with_metadata_and_expect(metadata: &str, expect: &str) -> Result<Scenario, String> {
    let file = fixtures().join("valid/typed.yaml");
    let text = format!(
        "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n{metadata}spec:\n{expect}  \
         workload:\n    file: manifests/pod.yaml\n    run:\n      echo:\n        command: [sh]\n  \
         steps:\n    - name: started\n      assert: {{log: echo, contains: started, within: 2s}}\n"
    );
    scenario::load_str(&text, &file).map_err(|err| err.to_string())
}

#[test]
fn labels_and_expect_load_as_written() {
    let s = with_metadata_and_expect(
        "  name: x\n  labels: {team: payments, example.com/tier: \"1.30\", empty: \"\"}\n",
        "  expect: {fail: started, message: RELOAD}\n",
    )
    .expect("loads");
    assert_eq!(s.labels["team"], "payments");
    assert_eq!(s.labels["example.com/tier"], "1.30");
    assert_eq!(s.labels["empty"], "");
    assert_eq!(
        s.spec.expect,
        Some(scenario::Expect {
            fail: "started".into(),
            message: Some("RELOAD".into()),
        })
    );
    let s = with_metadata_and_expect("  name: x\n", "").expect("loads");
    assert!(s.labels.is_empty());
    assert_eq!(s.spec.expect, None);
}

#[test]
fn labels_and_expect_errors_are_located_with_hints() {
    let cases = [
        (
            "  labels: {-bad: x}\n",
            "",
            "typed.yaml:4:12: invalid label key \"-bad\"",
            "example.com/tier",
        ),
        (
            "  labels: {team: \"a b\"}\n",
            "",
            "typed.yaml:4:18: invalid value \"a b\" of label \"team\"",
            "63",
        ),
        (
            "  labels: [team]\n",
            "",
            "typed.yaml:4:11: metadata.labels must be a mapping",
            "key: value",
        ),
        (
            "  lables: {team: x}\n",
            "",
            "typed.yaml:4:3: unknown field `lables` in metadata",
            "did you mean `labels`?",
        ),
        (
            "  name: \"\"\n",
            "",
            "typed.yaml:4:9: metadata.name must not be empty",
            "",
        ),
        (
            "  description:\n",
            "",
            "metadata.description has no value",
            "write a value",
        ),
        (
            "",
            "  expect: {fail: strated}\n",
            "typed.yaml:6:18: expect.fail: no step named `strated`",
            "did you mean `started`?",
        ),
        (
            "",
            "  expect: {fial: started}\n",
            "typed.yaml:6:12: unknown field `fial` in expect",
            "did you mean `fail`?",
        ),
        (
            "",
            "  expect: {message: x}\n",
            "typed.yaml:6:11: missing field `fail` in expect",
            "",
        ),
    ];
    for (metadata, expect, message, hint) in cases {
        let metadata = if metadata.is_empty() {
            "  name: x\n"
        } else {
            metadata
        };
        match with_metadata_and_expect(metadata, expect) {
            Ok(_) => panic!("{metadata}{expect} loaded"),
            Err(err) => assert!(
                err.contains(message) && err.contains(hint),
                "{metadata}{expect}: {err}"
            ),
        }
    }
}

//! `kubedrill run` through the real binary: the example scenarios, expected failures, invalid
//! input, redaction, reports, and cleanup after success, failure and SIGINT.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{BIN, Out, processes_with, root, scratch_dirs};

/// Runs kubedrill with TMPDIR pointing at `tmp`, so every scratch dir it makes is visible.
fn kubedrill_in(tmp: &Path, args: &[&str]) -> Out {
    common::kubedrill_at(&root(), tmp, args)
}

fn mount_count() -> usize {
    fs::read_to_string("/proc/self/mountinfo")
        .map(|m| m.lines().count())
        .unwrap_or(0)
}

/// Writes a scenario (and its manifests) into `dir`; the app is `command`.
fn write_scenario(dir: &Path, name: &str, command: &str, steps: &str) -> PathBuf {
    fs::write(
        dir.join("objects.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  LEVEL: INFO\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-very-secret\n",
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n      env:\n        - name: PASSWORD\n          valueFrom:\n            secretKeyRef: {name: db, key: password}\n      volumeMounts:\n        - {name: cfg, mountPath: /etc/kd-test-config}\n        - {name: db, mountPath: /etc/kd-test-db}\n  volumes:\n    - name: cfg\n      configMap: {name: cfg}\n    - name: db\n      secret: {secretName: db}\n",
    )
    .unwrap();
    let file = dir.join(format!("{name}.yaml"));
    fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, '{command}']\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    file
}

#[test]
fn example_scenarios_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let mounts_before = mount_count();
    let r = kubedrill_in(tmp.path(), &["run", "scenarios", "--jobs", "2"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for name in [
        "env-vs-volume",
        "configparser-reload",
        "deleted-secret",
        "subpath-stays-stale",
    ] {
        assert!(
            r.stdout.contains(&format!("✓ {name}:")),
            "{name} missing:\n{}",
            r.stdout
        );
    }
    assert!(
        scratch_dirs(tmp.path()).is_empty(),
        "{:?}",
        scratch_dirs(tmp.path())
    );
    assert_eq!(mount_count(), mounts_before, "no mount leaks into the host");
}

#[test]
fn read_once_app_is_reported_as_not_reloading() {
    let tmp = tempfile::tempdir().unwrap();
    let r = kubedrill_in(
        tmp.path(),
        &[
            "run",
            "scenarios/expected-failures/configparser-read-once.yaml",
        ],
    );
    // The scenario declares this failure (`spec.expect`): it passes by failing there.
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // names the step and what was observed: the file changed, the log never said so
    assert!(
        r.stdout
            .contains("✓   3 assert file /etc/config/app.conf contains \"host=db-v2\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("✗   4 reload-v2: assert log of app contains \"RELOAD n=1 version=v2\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("never logged it"), "{}", r.stdout);
    assert!(
        r.stdout.contains("[database] host=db-svc"),
        "the app's last lines are shown"
    );
    assert!(
        r.stdout
            .contains("expected failure: failed as expected at step `reload-v2`"),
        "{}",
        r.stdout
    );
    assert!(scratch_dirs(tmp.path()).is_empty());
}

#[test]
fn file_watch_app_reloads_once_then_never() {
    let tmp = tempfile::tempdir().unwrap();
    let r = kubedrill_in(
        tmp.path(),
        &["run", "scenarios/expected-failures/file-watch-dies.yaml"],
    );
    // The scenario declares this failure (`spec.expect`): it passes by failing there.
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("✓   4 assert log of app contains \"RELOAD n=1 version=v2\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("✗   7 reload-v3: assert log of app contains \"RELOAD n=2 version=v3\""),
        "{}",
        r.stdout
    );
}

#[test]
fn invalid_scenario_exits_2_with_location() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "typo",
        "sleep 1",
        "    - assert: {file: /etc/kd-test-config/LEVEL, equal: INFO}\n",
    );
    let r = kubedrill_in(tmp.path(), &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("typo.yaml:14:"), "{}", r.stderr);
    assert!(
        r.stderr.contains("equals"),
        "suggests the right field: {}",
        r.stderr
    );
    assert!(scratch_dirs(tmp.path()).is_empty(), "nothing ran");
}

#[test]
fn secret_values_never_appear_in_output_or_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "leak",
        "echo password is $PASSWORD; exec sleep 30",
        "    - assert: {env: PASSWORD, equals: wrong-guess, within: 200ms}\n",
    );
    let json = tmp.path().join("r.json");
    let junit = tmp.path().join("r.xml");
    let r = kubedrill_in(
        tmp.path(),
        &[
            "run",
            f.to_str().unwrap(),
            "--report",
            &format!("json={}", json.display()),
            "--report",
            &format!("junit={}", junit.display()),
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let json_text = fs::read_to_string(&json).unwrap();
    let junit_text = fs::read_to_string(&junit).unwrap();
    for (what, text) in [
        ("stdout", &r.stdout),
        ("stderr", &r.stderr),
        ("json", &json_text),
        ("junit", &junit_text),
    ] {
        assert!(
            !text.contains("hunter2-very-secret"),
            "secret leaked in {what}:\n{text}"
        );
    }
    assert!(r.stdout.contains("‹redacted›"), "{}", r.stdout);
    assert!(
        r.stdout.contains("password is ‹redacted›"),
        "log lines too: {}",
        r.stdout
    );
    let parsed: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(parsed["summary"]["failed"], 1);

    let shown = kubedrill_in(tmp.path(), &["run", f.to_str().unwrap(), "--show-secrets"]);
    assert!(
        shown.stdout.contains("hunter2-very-secret"),
        "--show-secrets shows it"
    );
}

#[test]
fn cleanup_after_success_and_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = "777.4242";
    let ok = write_scenario(
        tmp.path(),
        "ok",
        &format!("exec sleep {marker}"),
        "    - assert: {file: /etc/kd-test-config/LEVEL, equals: INFO, within: 5s}\n",
    );
    let bad = write_scenario(
        tmp.path(),
        "bad",
        &format!("exec sleep {marker}"),
        "    - assert: {file: /etc/kd-test-config/LEVEL, equals: NOPE}\n",
    );
    let mounts_before = mount_count();
    assert_eq!(
        kubedrill_in(tmp.path(), &["run", ok.to_str().unwrap()]).code,
        0
    );
    assert_eq!(
        kubedrill_in(tmp.path(), &["run", bad.to_str().unwrap()]).code,
        1
    );
    assert!(
        processes_with(marker).is_empty(),
        "the app outlived the run"
    );
    assert!(
        scratch_dirs(tmp.path()).is_empty(),
        "{:?}",
        scratch_dirs(tmp.path())
    );
    assert_eq!(mount_count(), mounts_before);
    assert!(
        !Path::new("/etc/kd-test-config").exists(),
        "the host never sees the mountPath"
    );
}

#[test]
fn keep_keeps_the_scratch_dir_and_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "kept",
        "exec sleep 30",
        "    - assert: {file: /etc/kd-test-config/LEVEL, equals: INFO, within: 5s}\n",
    );
    let r = kubedrill_in(tmp.path(), &["run", f.to_str().unwrap(), "--keep"]);
    assert_eq!(r.code, 0);
    let dirs = scratch_dirs(tmp.path());
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert!(r.stdout.contains(&dirs[0]), "{}", r.stdout);
    let md = fs::metadata(tmp.path().join(&dirs[0])).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&md.permissions()) & 0o777,
        0o700
    );
}

#[test]
fn sigint_stops_processes_and_removes_scratch() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = "778.4343";
    let f = write_scenario(
        tmp.path(),
        "slow",
        &format!("exec sleep {marker}"),
        "    - sleep: 60s\n",
    );
    let mut child = Command::new(BIN)
        .args(["run", f.to_str().unwrap()])
        .current_dir(root())
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while processes_with(marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!processes_with(marker).is_empty(), "the app started");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_with(marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(processes_with(marker).is_empty(), "the app outlived SIGINT");
    assert!(
        scratch_dirs(tmp.path()).is_empty(),
        "{:?}",
        scratch_dirs(tmp.path())
    );
}

#[test]
fn unknown_backend_and_report_are_invalid_input() {
    let tmp = tempfile::tempdir().unwrap();
    let r = kubedrill_in(tmp.path(), &["run", "scenarios", "--backend", "nosuch"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not available"), "{}", r.stderr);
    let r = kubedrill_in(tmp.path(), &["run", "scenarios", "--report", "xml=out"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("json=FILE"), "{}", r.stderr);
}

#[test]
fn missing_command_is_a_container_error_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "nocmd",
        "x",
        "    - assert: {container: {name: app, state: running}, within: 300ms}\n",
    );
    let text = fs::read_to_string(&f).unwrap().replace(
        "command: [sh, -c, 'x']",
        "command: [definitely-not-a-command-kd]",
    );
    fs::write(&f, text).unwrap();
    let r = kubedrill_in(tmp.path(), &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("definitely-not-a-command-kd"),
        "{}",
        r.stdout
    );
    assert!(scratch_dirs(tmp.path()).is_empty());
}

#[test]
fn validate_and_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let r = kubedrill_in(tmp.path(), &["validate", "scenarios"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("ok scenarios/deleted-secret.yaml"),
        "{}",
        r.stdout
    );
    let r = kubedrill_in(tmp.path(), &["schema"]);
    assert_eq!(r.code, 0);
    let schema: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(schema.get("properties").is_some() || schema.get("$defs").is_some());
}

#[test]
fn timing_7_3_periodic_sync_and_touch_syncs_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "timing",
        "exec sleep 30",
        "    - assert: {file: /etc/kd-test-config/LEVEL, equals: INFO, within: 5s}\n\
         \x20   - name: bump\n\
         \x20     update: {configMap: cfg, data: {LEVEL: DEBUG}}\n\
         \x20   - assert: {file: /etc/kd-test-config/LEVEL, equals: INFO, throughout: 600ms}\n\
         \x20   - assert: {file: /etc/kd-test-config/LEVEL, equals: DEBUG, within: 2s, after: bump}\n\
         \x20   - name: again\n\
         \x20     update: {configMap: cfg, data: {LEVEL: WARN}}\n\
         \x20   - touch: pod\n\
         \x20   - assert: {file: /etc/kd-test-config/LEVEL, equals: WARN}\n",
    );
    let text = fs::read_to_string(&f).unwrap().replace(
        "spec:\n  objects:",
        "spec:\n  timing: {syncPeriod: 1s, jitter: 0.0, seed: 1}\n  objects:",
    );
    fs::write(&f, text).unwrap();
    let json = tmp.path().join("t.json");
    let r = kubedrill_in(
        tmp.path(),
        &[
            "run",
            f.to_str().unwrap(),
            "--report",
            &format!("json={}", json.display()),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(json).unwrap()).unwrap();
    let latency = v["scenarios"][0]["steps"][3]["latencyMs"].as_f64().unwrap();
    assert!(
        (600.0..1600.0).contains(&latency),
        "propagation waited for the periodic sync: {latency}ms"
    );
    assert!(
        v["scenarios"][0]["timing"]
            .as_str()
            .unwrap()
            .contains("sync 1s")
    );
}

/// Every buggy sample app is caught, at the step that shows its bug (reload-pitfalls.md).
/// Each scenario declares that step in `spec.expect`, so the run passes (exit 0) only because
/// each failed exactly there; the report still shows the failed step and its message.
#[test]
fn every_pitfall_app_fails_at_the_step_that_shows_its_bug() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("pitfalls.json");
    let r = kubedrill_in(
        tmp.path(),
        &[
            "run",
            "scenarios/expected-failures",
            "--jobs",
            "4",
            "--report",
            &format!("json={}", json.display()),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("expected failure: failed as expected at step `reload-v2`"),
        "{}",
        r.stdout
    );
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(json).unwrap()).unwrap();
    // scenario -> (failing step, a fragment of its message)
    let expected = [
        ("configparser-read-once", 4, "RELOAD n=1 version=v2"),
        ("file-watch-dies", 7, "RELOAD n=2 version=v3"),
        ("modify-filter", 4, "RELOAD n=1 version=v2"),
        ("lstat-poll", 4, "RELOAD n=1 version=v2"),
        ("fd-cache", 4, "RELOAD n=1 version=v2"),
        ("reload-storm", 4, "expected 1 occurrence(s) of \"RELOAD\""),
        ("die-on-remove", 4, "restarts is 1, expected 0"),
        (
            "tls-built-once",
            4,
            "serves CN python-app-v1, expected \"python-app-v2\"",
        ),
        ("torn-tls-pair", 9, "MISMATCH"),
    ];
    let scenarios = v["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), expected.len());
    for (name, step, fragment) in expected {
        let s = scenarios
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} did not run"));
        assert_eq!(s["passed"], true, "{name} must fail as it expects: {s}");
        assert_eq!(s["expectedFailure"]["met"], true, "{name}");
        let failed: Vec<_> = s["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|st| st["status"] == "failed")
            .collect();
        assert_eq!(failed.len(), 1, "{name}: {failed:?}");
        assert_eq!(failed[0]["index"], step, "{name} failed at the wrong step");
        let message = failed[0]["message"].as_str().unwrap();
        assert!(message.contains(fragment), "{name}: {message}");
    }
}

/// The committed schema (what scenario files point yaml-language-server at) is current.
#[test]
fn committed_schema_matches_kubedrill_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let r = kubedrill_in(tmp.path(), &["schema"]);
    let committed = fs::read_to_string(root().join("kubedrill.schema.json")).unwrap();
    assert_eq!(
        r.stdout, committed,
        "regenerate it: cargo run -- schema > kubedrill.schema.json"
    );
}

/// Regression: `kubedrill run s.yaml` from the scenario's own directory (the file's parent is
/// the empty path) once gave the container an empty working directory.
#[test]
fn scenario_named_by_bare_file_name_runs() {
    let tmp = tempfile::tempdir().unwrap();
    write_scenario(
        tmp.path(),
        "bare",
        "exec sleep 30",
        "    - assert: {file: /etc/kd-test-config/LEVEL, equals: INFO, within: 5s}\n",
    );
    let out = Command::new(BIN)
        .args(["run", "bare.yaml"])
        .current_dir(tmp.path())
        .env("TMPDIR", tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

/// `spec.expect` (an xfail): a scenario that fails exactly at the named step (with the
/// message) passes; one that passes, fails at another step or with another message fails,
/// and the console says which; `fail:` naming no step is a load error (exit 2).
#[test]
fn expected_failure_passes_only_when_it_fails_exactly_as_declared() {
    let tmp = tempfile::tempdir().unwrap();
    let steps = "    - name: level\n\
                 \x20     assert: {file: /etc/kd-test-config/LEVEL, equals: DEBUG}\n\
                 \x20   - assert: {file: /etc/kd-test-config/LEVEL, equals: INFO}\n";
    let f = write_scenario(tmp.path(), "xfail", "exec sleep 30", steps);
    let with_expect = |expect: &str| {
        let text = fs::read_to_string(&f).unwrap();
        let text = text.replace("spec:\n", &format!("spec:\n  expect: {expect}\n"));
        let file = tmp.path().join("xfail-case.yaml");
        fs::write(&file, text).unwrap();
        kubedrill_in(tmp.path(), &["run", file.to_str().unwrap()])
    };
    // Fails at `level` with that message: passes.
    let r = with_expect("{fail: level, message: \"INFO\"}");
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("expected failure: failed as expected at step `level`"),
        "{}",
        r.stdout
    );
    // Another message: fails.
    let r = with_expect("{fail: level, message: \"no such text\"}");
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("its message does not contain \"no such text\""),
        "{}",
        r.stdout
    );
    // Passing unexpectedly: fails.
    let text = fs::read_to_string(&f)
        .unwrap()
        .replace("equals: DEBUG", "equals: INFO");
    fs::write(&f, text).unwrap();
    let r = with_expect("{fail: level}");
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("passed unexpectedly: expected to fail at step `level`"),
        "{}",
        r.stdout
    );
    // A step that does not exist: exit 2 at the value, with a suggestion.
    let r = with_expect("{fail: levle}");
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("xfail-case.yaml:6:18: expect.fail: no step named `levle`")
            && r.stderr.contains("did you mean `level`?"),
        "{}",
        r.stderr
    );
}

//! Reporter output: the console, JSON and JUnit reporters over hand-built results and events
//! (passing, failing with diagnostics, setup errors, errored and skipped steps, odd input).
//! Console output is compared as a snapshot with durations redacted.

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use kubedrill::report::console::{ConsoleReporter, format_duration};
use kubedrill::report::json::write_json;
use kubedrill::report::junit::{junit_report, write_junit};
use kubedrill::report::model::{
    Diagnostics, Outcome, RunEvent, RunEventKind, ScenarioResult, StepResult, TreeEntry, VolumeTree,
};
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::Value;

// ---------------------------------------------------------------- fixtures

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn step(index: usize, line: u64, summary: &str, outcome: Outcome) -> StepResult {
    StepResult {
        index,
        name: None,
        line,
        summary: summary.to_owned(),
        outcome,
        observed: None,
        latency: None,
        latency_from: None,
        elapsed: ms(1),
        diagnostics: None,
    }
}

fn entry(path: &str, kind: &str, mode: &str, target: Option<&str>, sha: Option<&str>) -> TreeEntry {
    TreeEntry {
        path: path.to_owned(),
        kind: kind.to_owned(),
        mode: mode.to_owned(),
        target: target.map(str::to_owned),
        sha256: sha.map(str::to_owned),
        size: sha.map(|_| 5000),
        ..TreeEntry::default()
    }
}

/// A small text file, shown by its first lines.
fn text_file(path: &str, preview: &str, size: u64) -> TreeEntry {
    TreeEntry {
        preview: Some(preview.to_owned()),
        size: Some(size),
        ..entry(path, "file", "0644", None, Some("0123456789ab"))
    }
}

/// A redacted Secret-derived file: its size only.
fn secret_file(path: &str, size: u64) -> TreeEntry {
    TreeEntry {
        size: Some(size),
        secret: true,
        ..entry(path, "file", "0400", None, None)
    }
}

const TS: &str = "..2026_05_01_10_00_00.000000001";

fn diagnostics() -> Diagnostics {
    Diagnostics {
        volumes: vec![
            VolumeTree {
                volume: "config".to_owned(),
                mount_path: "/etc/config".to_owned(),
                entries: vec![
                    entry(TS, "dir", "0755", None, None),
                    entry(
                        &format!("{TS}/LOG_LEVEL"),
                        "file",
                        "0644",
                        None,
                        Some("1a2b3c4d5e6f"),
                    ),
                    entry("..data", "link", "0777", Some(TS), None),
                    entry("LOG_LEVEL", "link", "0777", Some("..data/LOG_LEVEL"), None),
                ],
            },
            VolumeTree {
                volume: "settings".to_owned(),
                mount_path: "/etc/settings".to_owned(),
                entries: vec![
                    text_file("app.conf", "[database]\nhost=db-v1\nport=5432\n", 48),
                    text_file("LEVEL", "INFO", 4),
                ],
            },
            VolumeTree {
                volume: "db".to_owned(),
                mount_path: "/etc/db".to_owned(),
                entries: vec![secret_file("password", 7)],
            },
        ],
        env: vec![(
            "app".to_owned(),
            vec![
                ("LOG_LEVEL".to_owned(), "INFO".to_owned()),
                ("DB_PASSWORD".to_owned(), "<redacted>".to_owned()),
            ],
        )],
        logs: vec![("app".to_owned(), vec!["START version=INFO".to_owned()])],
        events: vec![
            "+0.004s Normal Scheduled assigned to node local".to_owned(),
            "+0.012s Normal Started Started container app".to_owned(),
        ],
    }
}

/// A scenario that passes: an assertion, a named mutation, an assertion with latency.
fn passing() -> ScenarioResult {
    let mut s1 = step(
        1,
        12,
        r#"assert file /etc/config/LOG_LEVEL equals "INFO""#,
        Outcome::Passed,
    );
    s1.observed = Some("INFO".to_owned());
    s1.elapsed = ms(3);
    let mut s2 = step(2, 13, "update configMap python-app-config", Outcome::Passed);
    s2.name = Some("bump".to_owned());
    let mut s3 = step(
        3,
        15,
        r#"assert file /etc/config/LOG_LEVEL equals "DEBUG" within 90s after bump"#,
        Outcome::Passed,
    );
    s3.observed = Some("DEBUG".to_owned());
    s3.latency = Some(ms(2));
    s3.latency_from = Some("bump".into());
    s3.elapsed = ms(2);
    ScenarioResult {
        scenario: "volume-reload".to_owned(),
        file: PathBuf::from("scenarios/volume-reload.yaml"),
        backend: "process".to_owned(),
        timing: "fast".to_owned(),
        steps: vec![s1, s2, s3],
        duration: ms(120),
        error: None,
        kept_dir: None,
        logs: Vec::new(),
        expected_failure: None,
    }
}

/// A scenario whose 4th step fails with diagnostics; the 5th is skipped.
fn failing() -> ScenarioResult {
    let mut result = passing();
    result.scenario = "env-vs-volume".to_owned();
    result.file = PathBuf::from("scenarios/env-vs-volume.yaml");
    let mut s4 = step(
        4,
        17,
        r#"assert log app contains "LOG_LEVEL=DEBUG" within 10s after bump"#,
        Outcome::Failed(
            "expected: log of app to contain \"LOG_LEVEL=DEBUG\" within 10s\n\
             observed: (last line) \"START version=INFO\""
                .to_owned(),
        ),
    );
    s4.observed = Some("START version=INFO".to_owned());
    s4.elapsed = ms(10_000);
    s4.diagnostics = Some(diagnostics());
    let s5 = step(5, 18, "restart app", Outcome::Skipped);
    result.steps.push(s4);
    result.steps.push(s5);
    result.duration = ms(10_020);
    result.kept_dir = Some(PathBuf::from("/tmp/kubedrill-env-vs-volume"));
    result
}

/// A scenario whose setup failed: no step ran.
fn setup_error() -> ScenarioResult {
    ScenarioResult {
        scenario: "missing-secret".to_owned(),
        file: PathBuf::from("scenarios/missing-secret.yaml"),
        backend: "process".to_owned(),
        timing: "kubelet".to_owned(),
        steps: vec![],
        duration: ms(5),
        error: Some(
            "workload references Secret \"db\" which does not exist\n(hint: add it to spec.objects)"
                .to_owned(),
        ),
        kept_dir: None,
        logs: Vec::new(),
        expected_failure: None,
    }
}

/// A scenario whose first step could not be carried out; the second is skipped.
fn errored_step() -> ScenarioResult {
    let mut s1 = step(
        1,
        9,
        "update secret tls",
        Outcome::Error("the API server rejected the update: field is immutable".to_owned()),
    );
    s1.diagnostics = Some(Diagnostics::default());
    ScenarioResult {
        scenario: "immutable-secret".to_owned(),
        file: PathBuf::from("scenarios/immutable-secret.yaml"),
        backend: "docker".to_owned(),
        timing: "fast".to_owned(),
        steps: vec![s1, step(2, 10, "assert env TLS equals x", Outcome::Skipped)],
        duration: ms(1_250),
        error: None,
        kept_dir: None,
        logs: Vec::new(),
        expected_failure: None,
    }
}

/// The events a runner emits for a result: started, every step that ran, finished.
fn events(result: &ScenarioResult) -> Vec<RunEvent> {
    let mut events = vec![RunEvent {
        at: Duration::ZERO,
        kind: RunEventKind::ScenarioStarted {
            scenario: result.scenario.clone(),
            file: result.file.clone(),
            backend: result.backend.clone(),
            timing: result.timing.clone(),
        },
    }];
    for step in &result.steps {
        if !matches!(step.outcome, Outcome::Skipped) {
            events.push(RunEvent {
                at: step.elapsed,
                kind: RunEventKind::StepFinished {
                    scenario: result.scenario.clone(),
                    step: step.clone(),
                },
            });
        }
    }
    events.push(RunEvent {
        at: result.duration,
        kind: RunEventKind::ScenarioFinished {
            result: result.clone(),
        },
    });
    events
}

/// A writer the test can read while the reporter holds it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).expect("console output is UTF-8")
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn render_console(results: &[ScenarioResult], color: bool) -> String {
    let mut reporter = ConsoleReporter::new(Vec::new(), color);
    for result in results {
        for event in events(result) {
            reporter.handle(&event).expect("write to a Vec");
        }
    }
    reporter.summary(results).expect("write to a Vec");
    String::from_utf8(reporter.into_inner()).expect("console output is UTF-8")
}

/// Replaces every rendered duration (`850µs`, `3ms`, `1.25s`, `2m05s`) with `<dur>`, so
/// snapshots do not depend on timings.
fn redact_durations(text: &str) -> String {
    let re = regex::Regex::new(r"\b(\d+m\d\ds|\d+(\.\d+)?(µs|ms|s))\b").expect("valid regex");
    re.replace_all(text, "<dur>").into_owned()
}

fn temp_path(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    (dir, path)
}

// ---------------------------------------------------------------- console

#[test]
fn redact_durations_replaces_every_duration_shape() {
    assert_eq!(
        redact_durations("3ms 1.25s 850µs 2m05s within 90s sha256:1a2b3c"),
        "<dur> <dur> <dur> <dur> within <dur> sha256:1a2b3c"
    );
}

#[test]
fn durations_are_short_and_readable() {
    assert_eq!(format_duration(Duration::from_micros(850)), "850µs");
    assert_eq!(format_duration(ms(3)), "3ms");
    assert_eq!(format_duration(ms(999)), "999ms");
    assert_eq!(format_duration(ms(1_250)), "1.25s");
    assert_eq!(format_duration(ms(10_020)), "10.02s");
    assert_eq!(format_duration(ms(125_000)), "2m05s");
    assert_eq!(format_duration(ms(3_725_000)), "1h02m05s");
    assert_eq!(format_duration(Duration::ZERO), "0µs");
}

#[test]
fn console_snapshot_of_a_failing_scenario() {
    let text = redact_durations(&render_console(&[failing()], false));
    let expected = r#"▶ env-vs-volume (scenarios/env-vs-volume.yaml) backend=process timing=fast
  ✓   1 assert file /etc/config/LOG_LEVEL equals "INFO"              observed "INFO"          <dur>
  ✓   2 bump: update configMap python-app-config                                              <dur>
  ✓   3 assert file /etc/config/LOG_LEVEL equals "DEBUG" within <dur> after bump observed "DEBUG"         latency <dur> (after bump)
  ✗   4 assert log app contains "LOG_LEVEL=DEBUG" within <dur> after bump observed "START version=INFO" <dur>
       expected: log of app to contain "LOG_LEVEL=DEBUG" within <dur>
       observed: (last line) "START version=INFO"
       volume config at /etc/config:
         ..2026_05_01_10_00_00.000000001/           0755
         ..2026_05_01_10_00_00.000000001/LOG_LEVEL  0644  sha256:1a2b3c4d5e6f (5000 bytes)
         ..data -> ..2026_05_01_10_00_00.000000001
         LOG_LEVEL -> ..data/LOG_LEVEL
       volume settings at /etc/settings:
         app.conf  0644  "[database]\nhost=db-v1\nport=5432\n"… (48 bytes)
         LEVEL     0644  "INFO"
       volume db at /etc/db:
         password  0400  ‹secret, 7 bytes›
       env of app:
         LOG_LEVEL=INFO
         DB_PASSWORD=<redacted>
       log of app (first and last lines, repeats collapsed):
         app | START version=INFO
       events:
         +<dur> Normal Scheduled assigned to node local
         +<dur> Normal Started Started container app
  -   5 restart app                                                                           skipped
  kept: /tmp/kubedrill-env-vs-volume
✗ env-vs-volume: 1 failed, 3 passed, 1 skipped in <dur>

1 scenario: 0 passed, 1 failed
  ✗ env-vs-volume  scenarios/env-vs-volume.yaml:17  step 4: assert log app contains "LOG_LEVEL=DEBUG" within <dur> after bump
"#;
    if text != expected {
        panic!(
            "console output differs from the snapshot:\n--- got\n{text}\n--- expected\n{expected}"
        );
    }
}

#[test]
fn console_lines_carry_marks_observed_values_and_latency() {
    let text = render_console(
        &[passing(), failing(), setup_error(), errored_step()],
        false,
    );
    let lines: Vec<&str> = text.lines().collect();
    let line_of = |needle: &str| {
        lines
            .iter()
            .find(|l| l.contains(needle))
            .copied()
            .unwrap_or_else(|| panic!("no line contains {needle:?} in:\n{text}"))
    };
    assert!(line_of(r#"equals "INFO""#).starts_with("  ✓   1 "));
    assert!(line_of(r#"equals "INFO""#).contains(r#"observed "INFO""#));
    assert!(line_of(r#"equals "INFO""#).ends_with(" 3ms"));
    assert!(line_of("bump: update configMap").starts_with("  ✓   2 "));
    assert!(line_of(r#"equals "DEBUG""#).ends_with("latency 2ms (after bump)"));
    assert!(line_of(r#"contains "LOG_LEVEL=DEBUG""#).starts_with("  ✗   4 "));
    assert!(line_of("restart app").starts_with("  -   5 "));
    assert!(line_of("restart app").ends_with("skipped"));
    // the failure block: message, tree with link targets, modes and hashes, env, logs, events
    assert!(text.contains("       expected: log of app to contain"));
    assert!(text.contains("..data -> ..2026_05_01_10_00_00.000000001"));
    assert!(text.contains("LOG_LEVEL -> ..data/LOG_LEVEL"));
    assert!(text.contains("0644  sha256:1a2b3c4d5e6f"));
    assert!(text.contains("DB_PASSWORD=<redacted>"));
    assert!(text.contains("app | START version=INFO"));
    assert!(text.contains("+0.012s Normal Started Started container app"));
    assert!(text.contains("  kept: /tmp/kubedrill-env-vs-volume"));
    // per-scenario closing lines
    assert!(text.contains("✓ volume-reload: 3 passed in 120ms"));
    assert!(text.contains("✗ env-vs-volume: 1 failed, 3 passed, 1 skipped in 10.02s"));
    assert!(text.contains("✗ missing-secret: setup failed in 5ms"));
    assert!(text.contains("  ✗ setup failed: workload references Secret \"db\""));
    assert!(text.contains("(hint: add it to spec.objects)"));
    assert!(text.contains("✗ immutable-secret: 1 errored, 1 skipped in 1.25s"));
    assert!(line_of("update secret tls").contains("error 1ms"));
    assert!(text.contains("       error: the API server rejected the update: field is immutable"));
    // the summary: counts, then each failed scenario with file:line of its first failed step
    assert!(text.contains("\n4 scenarios: 1 passed, 3 failed\n"));
    assert!(text.contains(
        "  ✗ env-vs-volume  scenarios/env-vs-volume.yaml:17  step 4: assert log app contains"
    ));
    assert!(text.contains("  ✗ missing-secret  scenarios/missing-secret.yaml  setup failed: workload references Secret \"db\" which does not exist\n"));
    assert!(text.contains(
        "  ✗ immutable-secret  scenarios/immutable-secret.yaml:9  step 1: update secret tls\n"
    ));
    assert!(!text.contains("  ✗ volume-reload "));
    assert!(!text.contains('\x1b'), "no colour when color is false");
}

#[test]
fn console_colours_marks_when_asked() {
    let text = render_console(&[failing()], true);
    assert!(text.contains("\x1b[32m✓\x1b[0m"));
    assert!(text.contains("\x1b[31m✗\x1b[0m"));
    assert!(text.contains("\x1b[33m-\x1b[0m"));
    assert!(text.contains("\x1b[33mskipped\x1b[0m"));
}

#[test]
fn console_streams_each_step_as_it_finishes() {
    let out = Shared::default();
    let mut reporter = ConsoleReporter::new(out.clone(), false);
    let events = events(&failing());
    reporter.handle(&events[0]).expect("write");
    assert!(out.text().starts_with("▶ env-vs-volume "));
    reporter.handle(&events[1]).expect("write");
    assert!(
        out.text()
            .contains(r#"  ✓   1 assert file /etc/config/LOG_LEVEL equals "INFO""#)
    );
    assert!(!out.text().contains("bump"));
    reporter.handle(&events[2]).expect("write");
    assert!(out.text().contains("bump: update configMap"));
    for event in &events[3..] {
        reporter.handle(event).expect("write");
    }
    // the skipped step arrives only with the final result, and is rendered once
    assert_eq!(out.text().matches("restart app").count(), 1);
    assert_eq!(out.text().matches("assert log app").count(), 1);
}

#[test]
fn console_keeps_concurrent_scenarios_grouped() {
    let a = failing();
    let b = passing();
    let (ea, eb) = (events(&a), events(&b));
    // interleaved as with --jobs 2: a starts, b starts, both make progress, b ends first
    let order = [
        &ea[0], &eb[0], &ea[1], &eb[1], &eb[2], &ea[2], &eb[3], &eb[4], &ea[3], &ea[4], &ea[5],
    ];
    let out = Shared::default();
    let mut reporter = ConsoleReporter::new(out.clone(), false);
    for event in order {
        reporter.handle(event).expect("write");
    }
    // b finished while a was still streaming: its output waits for a
    let text = out.text();
    let a_end = text.find("✗ env-vs-volume:").expect("a's closing line");
    let b_start = text.find("▶ volume-reload").expect("b's header");
    assert!(a_end < b_start, "a's block comes whole before b's:\n{text}");
    assert!(text.contains("✓ volume-reload: 3 passed"));
    reporter.summary(&[a, b]).expect("write");
    assert!(out.text().contains("2 scenarios: 1 passed, 1 failed"));
}

#[test]
fn console_writes_held_output_of_unfinished_scenarios_at_summary() {
    let a = passing();
    let b = failing();
    let (ea, eb) = (events(&a), events(&b));
    let out = Shared::default();
    let mut reporter = ConsoleReporter::new(out.clone(), false);
    // a never finishes (e.g. the run was interrupted); b's output is held behind it
    for event in [&ea[0], &ea[1], &eb[0], &eb[1]] {
        reporter.handle(event).expect("write");
    }
    assert!(!out.text().contains("env-vs-volume"));
    reporter.summary(&[]).expect("write");
    assert!(out.text().contains("▶ env-vs-volume"));
    assert!(out.text().contains("0 scenarios: 0 passed, 0 failed"));
}

#[test]
fn console_replays_a_result_without_step_events() {
    // a recorded run may carry only the final results
    let result = failing();
    let mut reporter = ConsoleReporter::new(Vec::new(), false);
    reporter
        .handle(&RunEvent {
            at: result.duration,
            kind: RunEventKind::ScenarioFinished {
                result: result.clone(),
            },
        })
        .expect("write");
    let text = String::from_utf8(reporter.into_inner()).expect("UTF-8");
    assert!(text.starts_with("▶ env-vs-volume (scenarios/env-vs-volume.yaml)"));
    for index in 1..=5 {
        assert!(
            text.contains(&format!("   {index} ")),
            "step {index} rendered:\n{text}"
        );
    }
    assert!(text.contains("✗ env-vs-volume: 1 failed, 3 passed, 1 skipped"));
}

// ---------------------------------------------------------------- JSON

#[test]
fn json_report_has_the_documented_fields_and_values() {
    let (_dir, path) = temp_path("report.json");
    let results = [passing(), failing(), setup_error(), errored_step()];
    write_json(&path, &results).expect("write json");
    let text = std::fs::read_to_string(&path).expect("read json");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");

    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["passed"], 1);
    assert_eq!(doc["summary"]["failed"], 3);
    let scenarios = doc["scenarios"].as_array().expect("scenarios array");
    assert_eq!(scenarios.len(), 4);

    let ok = &scenarios[0];
    assert_eq!(ok["name"], "volume-reload");
    assert_eq!(ok["file"], "scenarios/volume-reload.yaml");
    assert_eq!(ok["backend"], "process");
    assert_eq!(ok["timing"], "fast");
    assert_eq!(ok["passed"], true);
    assert_eq!(ok["durationMs"], 120.0);
    assert!(ok["error"].is_null());
    assert!(ok["keptDir"].is_null());
    let step3 = &ok["steps"][2];
    assert_eq!(step3["index"], 3);
    assert_eq!(step3["line"], 15);
    assert_eq!(step3["status"], "passed");
    assert_eq!(step3["observed"], "DEBUG");
    assert_eq!(step3["latencyMs"], 2.0);
    assert_eq!(step3["latencyFrom"], "bump");
    assert_eq!(step3["elapsedMs"], 2.0);
    assert!(step3["message"].is_null());
    assert!(step3["diagnostics"].is_null());
    assert_eq!(ok["steps"][1]["name"], "bump");
    assert!(ok["steps"][0]["name"].is_null());

    let bad = &scenarios[1];
    assert_eq!(bad["passed"], false);
    assert_eq!(bad["keptDir"], "/tmp/kubedrill-env-vs-volume");
    let step4 = &bad["steps"][3];
    assert_eq!(step4["status"], "failed");
    assert!(
        step4["message"]
            .as_str()
            .expect("message")
            .starts_with("expected: log of app")
    );
    assert_eq!(step4["elapsedMs"], 10_000.0);
    let diag = &step4["diagnostics"];
    assert_eq!(diag["volumes"][0]["volume"], "config");
    assert_eq!(diag["volumes"][0]["mountPath"], "/etc/config");
    let entries = diag["volumes"][0]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[1]["sha256"], "1a2b3c4d5e6f");
    assert_eq!(entries[1]["mode"], "0644");
    assert_eq!(entries[2]["kind"], "link");
    assert_eq!(entries[2]["target"], TS);
    assert_eq!(diag["env"][0]["container"], "app");
    assert_eq!(diag["env"][0]["vars"][1]["name"], "DB_PASSWORD");
    assert_eq!(diag["env"][0]["vars"][1]["value"], "<redacted>");
    assert_eq!(entries[1]["size"], 5000);
    assert_eq!(entries[1]["preview"], Value::Null);
    let text = &diag["volumes"][1]["entries"][0];
    assert_eq!(text["preview"], "[database]\nhost=db-v1\nport=5432\n");
    assert_eq!(text["size"], 48);
    assert_eq!(text["secret"], false);
    let secret = &diag["volumes"][2]["entries"][0];
    assert_eq!(secret["secret"], true);
    assert_eq!(secret["size"], 7);
    assert_eq!(secret["sha256"], Value::Null, "no hash of a Secret");
    assert_eq!(secret["preview"], Value::Null);
    assert_eq!(diag["logs"][0]["container"], "app");
    assert_eq!(diag["logs"][0]["lines"][0], "START version=INFO");
    assert_eq!(diag["events"].as_array().map(Vec::len), Some(2));
    assert_eq!(bad["steps"][4]["status"], "skipped");

    let setup = &scenarios[2];
    assert_eq!(setup["passed"], false);
    assert!(
        setup["error"]
            .as_str()
            .expect("error")
            .contains("Secret \"db\"")
    );
    assert_eq!(setup["steps"].as_array().map(Vec::len), Some(0));

    let errored = &scenarios[3];
    assert_eq!(errored["steps"][0]["status"], "error");
    assert_eq!(
        errored["steps"][0]["message"],
        "the API server rejected the update: field is immutable"
    );

    // every documented step field is present on every step, null or not
    for scenario in scenarios {
        for key in [
            "name",
            "file",
            "backend",
            "timing",
            "passed",
            "durationMs",
            "error",
            "keptDir",
            "steps",
        ] {
            assert!(scenario.get(key).is_some(), "scenario field {key}");
        }
        for step in scenario["steps"].as_array().expect("steps") {
            for key in [
                "index",
                "name",
                "line",
                "summary",
                "status",
                "message",
                "observed",
                "latencyMs",
                "latencyFrom",
                "elapsedMs",
                "diagnostics",
            ] {
                assert!(step.get(key).is_some(), "step field {key}");
            }
        }
    }
}

#[test]
fn json_report_replaces_an_existing_file_and_leaves_no_temp_file() {
    let (dir, path) = temp_path("report.json");
    std::fs::write(&path, "old").expect("seed");
    write_json(&path, &[passing()]).expect("write json");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    assert_eq!(doc["scenarios"][0]["name"], "volume-reload");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, vec!["report.json"]);
}

#[test]
fn json_report_into_a_missing_directory_is_an_error() {
    let (_dir, path) = temp_path("no/such/dir/report.json");
    assert!(write_json(&path, &[passing()]).is_err());
}

// ---------------------------------------------------------------- JUnit

#[test]
fn junit_report_counts_and_failure_bodies() {
    let (_dir, path) = temp_path("junit.xml");
    let results = [passing(), failing(), setup_error(), errored_step()];
    write_junit(&path, &results).expect("write junit");
    let xml = std::fs::read_to_string(&path).expect("read junit");
    let report = Report::deserialize_from_str(&xml).expect("valid JUnit XML");

    assert_eq!(report.test_suites.len(), 4);
    // 3 + 5 + 1 (setup) + 2 test cases; failures: the assertion; errors: setup + errored step
    assert_eq!(report.tests, 11);
    assert_eq!(report.failures, 1);
    assert_eq!(report.errors, 2);

    let ok = &report.test_suites[0];
    assert_eq!(ok.name.as_str(), "volume-reload");
    assert_eq!((ok.tests, ok.failures, ok.errors, ok.skipped), (3, 0, 0, 0));
    let file = ok
        .properties
        .iter()
        .find(|p| p.name.as_str() == "file")
        .expect("file property");
    assert_eq!(file.value.as_str(), "scenarios/volume-reload.yaml");
    let case3 = &ok.test_cases[2];
    assert_eq!(
        case3.name.as_str(),
        r#"03 assert file /etc/config/LOG_LEVEL equals "DEBUG" within 90s after bump"#
    );
    assert_eq!(
        case3.classname.as_ref().map(|c| c.as_str()),
        Some("volume-reload")
    );
    assert_eq!(case3.time, Some(ms(2)));
    let out = case3.system_out.as_ref().expect("system-out").as_str();
    assert!(out.contains(r#"observed: "DEBUG""#) && out.contains("latency: 2ms"));
    assert_eq!(
        ok.test_cases[1].name.as_str(),
        "02 bump: update configMap python-app-config"
    );

    let bad = &report.test_suites[1];
    assert_eq!(
        (bad.tests, bad.failures, bad.errors, bad.skipped),
        (5, 1, 0, 1)
    );
    match &bad.test_cases[3].status {
        TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Failure,
            message,
            description,
            ..
        } => {
            let message = message.as_ref().expect("message").as_str();
            assert!(
                message.starts_with("expected: log of app to contain"),
                "{message}"
            );
            let body = description.as_ref().expect("body").as_str();
            assert!(body.contains("..data -> ..2026_05_01_10_00_00.000000001"));
            assert!(body.contains("0644  sha256:1a2b3c4d5e6f"));
            assert!(body.contains("DB_PASSWORD=<redacted>"));
            assert!(body.contains("app | START version=INFO"));
            assert!(body.contains("+0.012s Normal Started"));
        }
        other => panic!("step 4 is a failure, got {other:?}"),
    }
    assert!(matches!(
        bad.test_cases[4].status,
        TestCaseStatus::Skipped { .. }
    ));

    let setup = &report.test_suites[2];
    assert_eq!((setup.tests, setup.errors), (1, 1));
    assert_eq!(setup.test_cases[0].name.as_str(), "00 setup");
    match &setup.test_cases[0].status {
        TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Error,
            message,
            ..
        } => assert!(
            message
                .as_ref()
                .expect("message")
                .as_str()
                .contains("Secret \"db\" which does not exist; (hint")
        ),
        other => panic!("setup is an error, got {other:?}"),
    }

    let errored = &report.test_suites[3];
    assert_eq!((errored.tests, errored.errors, errored.skipped), (2, 1, 1));
    assert!(xml.contains("field is immutable"));
}

// ---------------------------------------------------------------- odd input

fn odd_results(huge: Duration) -> Vec<ScenarioResult> {
    let mut weird = step(
        1,
        0,
        "assert file /etc/ünïcödé/名前 equals \"\u{1f600}\"",
        Outcome::Failed(String::new()),
    );
    weird.name = Some(String::new());
    weird.observed = Some("line1\nline2\r\x1b[31mred\x1b[0m\u{0}é".to_owned());
    weird.latency = Some(huge);
    weird.elapsed = huge;
    weird.diagnostics = Some(Diagnostics {
        volumes: vec![VolumeTree {
            volume: String::new(),
            mount_path: "/données".to_owned(),
            entries: vec![
                entry("", "socket", "", None, None),
                entry("lien", "link", "0777", None, None),
                entry("fichier", "file", "0600", None, None),
            ],
        }],
        env: vec![("".to_owned(), vec![])],
        logs: vec![
            ("app".to_owned(), vec![]),
            ("日本".to_owned(), vec!["\x1b[2J".to_owned()]),
        ],
        events: vec![String::new()],
    });
    let mut err = step(usize::MAX, u64::MAX, "", Outcome::Error("\n\n".to_owned()));
    err.diagnostics = Some(Diagnostics::default());
    vec![
        ScenarioResult {
            scenario: "empty".to_owned(),
            file: PathBuf::new(),
            backend: String::new(),
            timing: String::new(),
            steps: vec![],
            duration: Duration::ZERO,
            error: None,
            kept_dir: None,
            logs: Vec::new(),
            expected_failure: None,
        },
        ScenarioResult {
            scenario: "ünïcödé <&\"'>".to_owned(),
            file: PathBuf::from("scénarios/名前.yaml"),
            backend: "process".to_owned(),
            timing: "fast".to_owned(),
            steps: vec![weird, err],
            duration: huge,
            error: Some(String::new()),
            kept_dir: Some(PathBuf::from("/tmp/ü")),
            logs: Vec::new(),
            expected_failure: None,
        },
    ]
}

#[test]
fn rendering_never_panics_on_empty_or_odd_input() {
    // nothing at all
    let text = render_console(&[], false);
    assert_eq!(text, "\n0 scenarios: 0 passed, 0 failed\n");
    let (_dir, path) = temp_path("empty.json");
    write_json(&path, &[]).expect("write json");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    assert_eq!(doc["scenarios"].as_array().map(Vec::len), Some(0));
    assert_eq!(doc["summary"]["failed"], 0);
    let xml = junit_report(&[]).to_string().expect("serialize");
    assert_eq!(
        Report::deserialize_from_str(&xml).expect("valid XML").tests,
        0
    );

    // no steps, no diagnostics, unicode, control characters, extreme numbers
    let results = odd_results(Duration::MAX);
    for color in [false, true] {
        let text = render_console(&results, color);
        assert!(text.contains("empty: no steps in"), "{text}");
        assert!(text.contains("2 scenarios: 1 passed, 1 failed"));
        assert!(text.contains("/etc/ünïcödé/名前"));
        assert!(
            text.contains("   1 assert file /etc/ünïcödé/名前"),
            "an empty name adds no prefix"
        );
        assert!(text.contains("setup failed: (no message)"));
        // app output cannot drive the terminal: only our own colour codes are escapes
        let without_ours = text
            .replace("\x1b[32m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[33m", "")
            .replace("\x1b[1m", "")
            .replace("\x1b[0m", "");
        assert!(!without_ours.contains('\x1b'), "{without_ours:?}");
        assert!(!without_ours.contains('\r'));
    }

    let (_dir, path) = temp_path("odd.json");
    write_json(&path, &results).expect("write json");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    assert_eq!(doc["scenarios"][1]["name"], "ünïcödé <&\"'>");
    assert_eq!(
        doc["scenarios"][1]["steps"][0]["observed"],
        "line1\nline2\r\x1b[31mred\x1b[0m\u{0}é"
    );

    let (_dir, path) = temp_path("odd.xml");
    write_junit(&path, &results).expect("write junit");
    assert!(
        std::fs::read_to_string(&path)
            .expect("read")
            .contains("ünïcödé &lt;&amp;")
    );
    // quick-junit's reader cannot parse a time of 2^64 s back, so read back a long one instead
    let results = odd_results(Duration::from_secs(86_400 * 365));
    write_junit(&path, &results).expect("write junit");
    let xml = std::fs::read_to_string(&path).expect("read");
    let report = Report::deserialize_from_str(&xml).expect("valid XML despite odd input");
    assert_eq!(report.test_suites[1].name.as_str(), "ünïcödé <&\"'>");
    assert_eq!(report.tests, 3);
}

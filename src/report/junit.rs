//! The JUnit XML report (`--report junit=FILE`), for CI systems that show test results.
//!
//! It owns the mapping from scenario results to JUnit's vocabulary, built with quick-junit:
//! - one `<testsuite>` per scenario, named after it, with `file`, `backend` and `timing` (and
//!   `keptDir` when kept) as properties, and the scenario's wall time;
//! - one `<testcase>` per step, named `NN summary` (`03 bump: update configMap app-config`),
//!   classname = the scenario's name, time = the step's elapsed time, `<system-out>` = the
//!   observed value and latency;
//! - a failed assertion is a `<failure>` whose message is the failure message on one line and
//!   whose body is the full message followed by the diagnostics as text; a step that could not
//!   be carried out is an `<error>`; a step not run is `<skipped>`;
//! - the suite's `<system-out>` is every container's log, `container | line` per line;
//! - a setup error (the steps never ran) is an extra `<testcase name="00 setup">` with an
//!   `<error>`, so no CI hides it behind zero failures.

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::console::{format_duration, render_diagnostics, step_title};
use super::json::write_atomically;
use super::model::{Outcome, ScenarioResult, StepResult};

/// The name of the `<testsuites>` element.
const REPORT_NAME: &str = "kubedrill";

/// Writes the JUnit report to `path`, atomically (a temp file beside it, then a rename).
pub fn write_junit(path: &Path, results: &[ScenarioResult]) -> io::Result<()> {
    write_atomically(path, |out| write_junit_to(out, results))
}

/// Writes the JUnit report to any writer.
pub fn write_junit_to<W: Write>(out: W, results: &[ScenarioResult]) -> io::Result<()> {
    junit_report(results)
        .serialize(out)
        .map_err(io::Error::other)
}

/// The JUnit report as quick-junit's data model.
pub fn junit_report(results: &[ScenarioResult]) -> Report {
    let mut report = Report::new(REPORT_NAME);
    report.set_time(
        results
            .iter()
            .fold(Duration::ZERO, |total, r| total.saturating_add(r.duration)),
    );
    report.add_test_suites(results.iter().map(test_suite));
    report
}

fn test_suite(result: &ScenarioResult) -> TestSuite {
    let mut suite = TestSuite::new(result.scenario.as_str());
    suite.set_time(result.duration);
    suite.add_property(Property::new("file", result.file.to_string_lossy()));
    suite.add_property(Property::new("backend", result.backend.as_str()));
    suite.add_property(Property::new("timing", result.timing.as_str()));
    if let Some(dir) = &result.kept_dir {
        suite.add_property(Property::new("keptDir", dir.to_string_lossy()));
    }
    if let Some(error) = &result.error {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_type("setup")
            .set_message(one_line(error))
            .set_description(error.as_str());
        let mut case = TestCase::new("00 setup", status);
        case.set_classname(result.scenario.as_str());
        suite.add_test_case(case);
    }
    suite.add_test_cases(result.steps.iter().map(|s| test_case(&result.scenario, s)));
    if !result.logs.is_empty() {
        suite.set_system_out(
            result
                .logs
                .iter()
                .map(super::logs::log_text)
                .collect::<String>(),
        );
    }
    suite
}

fn test_case(scenario: &str, step: &StepResult) -> TestCase {
    let status = match &step.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Failed(message) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_type("assertion")
                .set_message(one_line(message))
                .set_description(body(message, step));
            status
        }
        Outcome::Error(message) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_type("error")
                .set_message(one_line(message))
                .set_description(body(message, step));
            status
        }
        Outcome::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message("not run: an earlier step failed");
            status
        }
    };
    let mut case = TestCase::new(format!("{:02} {}", step.index, step_title(step)), status);
    case.set_classname(scenario);
    case.set_time(step.elapsed);
    let mut out = String::new();
    if let Some(observed) = &step.observed {
        out += &format!("observed: {observed:?}\n");
    }
    if let Some(latency) = step.latency {
        out += &format!("latency: {}\n", format_duration(latency));
    }
    if !out.is_empty() {
        case.set_system_out(out);
    }
    case
}

/// The failure body: the full message, the observed value, then the diagnostics.
fn body(message: &str, step: &StepResult) -> String {
    let mut text = String::new();
    if !message.trim().is_empty() {
        text += message.trim_end();
        text.push('\n');
    }
    if let Some(observed) = &step.observed
        && !message.contains("observed")
    {
        text += &format!("observed: {observed:?}\n");
    }
    if let Some(diagnostics) = &step.diagnostics {
        text.push('\n');
        text += &render_diagnostics(diagnostics, "");
    }
    text
}

/// A message on one line, for the `message` attribute (XML readers fold newlines in
/// attributes into spaces).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

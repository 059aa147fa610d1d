//! Container logs as text: what `kubedrill run --logs` prints after each scenario and what the
//! JUnit report puts in a scenario's `<system-out>`. The lines are already redacted by the
//! runner; this only lays them out, one `container | line` per line like `kubedrill dev`.

use std::fmt::Write as _;

use super::model::{ContainerLog, ScenarioResult};

/// Every container's log of `result`, under a heading naming the scenario.
pub fn render_logs(result: &ScenarioResult) -> String {
    let mut out = String::new();
    if result.logs.is_empty() {
        let _ = writeln!(out, "  logs of {}: no container ran", result.scenario);
        return out;
    }
    for log in &result.logs {
        let _ = writeln!(
            out,
            "  log of {} in {} ({} {}):",
            log.container,
            result.scenario,
            log.lines.len(),
            if log.lines.len() == 1 {
                "line"
            } else {
                "lines"
            }
        );
        out += &indent(&log_text(log), "    ");
    }
    out
}

/// One container's lines as `container | line`.
pub fn log_text(log: &ContainerLog) -> String {
    let mut out = String::new();
    for line in &log.lines {
        let _ = writeln!(out, "{} | {line}", log.container);
    }
    out
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(logs: Vec<ContainerLog>) -> ScenarioResult {
        ScenarioResult {
            scenario: "s".into(),
            file: "s.yaml".into(),
            backend: "process".into(),
            timing: "fast".into(),
            steps: Vec::new(),
            duration: Duration::ZERO,
            error: None,
            kept_dir: None,
            logs,
            expected_failure: None,
        }
    }

    #[test]
    fn every_line_is_prefixed_with_its_container() {
        let text = render_logs(&result(vec![
            ContainerLog {
                container: "app".into(),
                lines: vec!["START".into(), "".into()],
            },
            ContainerLog {
                container: "side".into(),
                lines: vec!["x".into()],
            },
        ]));
        assert_eq!(
            text,
            "  log of app in s (2 lines):\n    app | START\n    app | \n  log of side in s (1 line):\n    side | x\n"
        );
        assert_eq!(
            render_logs(&result(Vec::new())),
            "  logs of s: no container ran\n"
        );
    }
}

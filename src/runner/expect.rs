//! Expected failures (`spec.expect`, an xfail): the verdict on a finished scenario that
//! declares the step it must fail at.
//!
//! It owns that judgement only, as a pure function of the scenario and its result: the
//! scenario passes when its first failed or errored step is the expected one (and the message
//! contains the expected fragment, if given), and fails when it passes, fails at another step,
//! with another message, or cannot set up. It must not run anything nor change step outcomes:
//! the steps stay as they ran, so reports still show where and why the scenario failed.

use crate::report::model::{ExpectedFailure, Outcome, ScenarioResult};
use crate::scenario::Expect;

/// The verdict on `expect` for `result`.
pub fn judge(expect: &Expect, result: &ScenarioResult) -> ExpectedFailure {
    let wanted = match &expect.message {
        Some(fragment) => format!(
            "step `{}` with a message containing {fragment:?}",
            expect.fail
        ),
        None => format!("step `{}`", expect.fail),
    };
    let verdict = |met: bool, detail: String| ExpectedFailure { met, detail };
    if let Some(error) = &result.error {
        let first = error.lines().next().unwrap_or_default();
        return verdict(
            false,
            format!("expected to fail at {wanted}, but setup failed: {first}"),
        );
    }
    let first_bad = result.steps.iter().find_map(|step| match &step.outcome {
        Outcome::Failed(message) | Outcome::Error(message) => Some((step, message)),
        _ => None,
    });
    let Some((step, message)) = first_bad else {
        return verdict(
            false,
            format!("passed unexpectedly: expected to fail at {wanted}"),
        );
    };
    let label = match &step.name {
        Some(name) => format!("`{name}`"),
        None => format!("{} (line {})", step.index, step.line),
    };
    if step.name.as_deref() != Some(expect.fail.as_str()) {
        return verdict(
            false,
            format!("failed at step {label}, not at the expected {wanted}"),
        );
    }
    if let Some(fragment) = &expect.message
        && !message.contains(fragment.as_str())
    {
        return verdict(
            false,
            format!(
                "failed at step {label} as expected, but its message does not contain {fragment:?}"
            ),
        );
    }
    verdict(true, format!("failed as expected at step {label}"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::report::model::StepResult;

    fn step(index: usize, name: Option<&str>, outcome: Outcome) -> StepResult {
        StepResult {
            index,
            name: name.map(str::to_string),
            line: 10 + index as u64,
            summary: String::new(),
            outcome,
            observed: None,
            latency: None,
            latency_from: None,
            elapsed: Duration::ZERO,
            diagnostics: None,
        }
    }

    fn result(steps: Vec<StepResult>, error: Option<&str>) -> ScenarioResult {
        ScenarioResult {
            scenario: "s".into(),
            file: "s.yaml".into(),
            backend: "process".into(),
            timing: "fast".into(),
            steps,
            duration: Duration::ZERO,
            error: error.map(str::to_string),
            kept_dir: None,
            logs: Vec::new(),
            expected_failure: None,
        }
    }

    fn expect(fail: &str, message: Option<&str>) -> Expect {
        Expect {
            fail: fail.into(),
            message: message.map(str::to_string),
        }
    }

    fn failing_at_reload() -> ScenarioResult {
        result(
            vec![
                step(1, None, Outcome::Passed),
                step(
                    2,
                    Some("reload"),
                    Outcome::Failed("no RELOAD n=1 in the log".into()),
                ),
                step(3, None, Outcome::Skipped),
            ],
            None,
        )
    }

    #[test]
    fn failing_at_the_expected_step_passes() {
        let verdict = judge(&expect("reload", None), &failing_at_reload());
        assert!(verdict.met, "{verdict:?}");
        assert_eq!(verdict.detail, "failed as expected at step `reload`");
        let verdict = judge(&expect("reload", Some("RELOAD n=1")), &failing_at_reload());
        assert!(verdict.met, "{verdict:?}");
    }

    #[test]
    fn an_error_at_the_expected_step_counts_as_its_failure() {
        let r = result(
            vec![step(1, Some("boom"), Outcome::Error("rejected".into()))],
            None,
        );
        assert!(judge(&expect("boom", Some("rejected")), &r).met);
    }

    #[test]
    fn another_message_fails() {
        let verdict = judge(&expect("reload", Some("RELOAD n=2")), &failing_at_reload());
        assert!(!verdict.met);
        assert!(
            verdict.detail.contains("does not contain \"RELOAD n=2\""),
            "{}",
            verdict.detail
        );
    }

    #[test]
    fn failing_at_another_step_fails() {
        let r = result(
            vec![
                step(1, Some("start"), Outcome::Failed("no START".into())),
                step(2, Some("reload"), Outcome::Skipped),
            ],
            None,
        );
        let verdict = judge(&expect("reload", None), &r);
        assert!(!verdict.met);
        assert_eq!(
            verdict.detail,
            "failed at step `start`, not at the expected step `reload`"
        );
        let r = result(vec![step(1, None, Outcome::Failed("x".into()))], None);
        assert_eq!(
            judge(&expect("reload", None), &r).detail,
            "failed at step 1 (line 11), not at the expected step `reload`"
        );
    }

    #[test]
    fn passing_unexpectedly_fails() {
        let r = result(
            vec![
                step(1, None, Outcome::Passed),
                step(2, Some("reload"), Outcome::Passed),
            ],
            None,
        );
        let verdict = judge(&expect("reload", None), &r);
        assert!(!verdict.met);
        assert_eq!(
            verdict.detail,
            "passed unexpectedly: expected to fail at step `reload`"
        );
    }

    #[test]
    fn a_setup_error_fails() {
        let r = result(Vec::new(), Some("cannot start app\nmore"));
        let verdict = judge(&expect("reload", None), &r);
        assert!(!verdict.met);
        assert_eq!(
            verdict.detail,
            "expected to fail at step `reload`, but setup failed: cannot start app"
        );
    }

    #[test]
    fn the_verdict_decides_passed() {
        let mut r = failing_at_reload();
        assert!(!r.passed());
        r.expected_failure = Some(judge(&expect("reload", None), &r));
        assert!(r.passed());
        let mut r = result(vec![step(1, Some("reload"), Outcome::Passed)], None);
        assert!(r.passed());
        r.expected_failure = Some(judge(&expect("reload", None), &r));
        assert!(!r.passed());
    }
}

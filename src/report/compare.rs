//! `--compare local,cluster`: the same scenario's results on two backends, step by step —
//! where the outcome, the observed value or the latency class differ. This is how a user
//! checks that the simulator is faithful for *their* app.
//!
//! Latency classes put real and simulated timing on one scale:
//! - `immediate`: the step passed within [`IMMEDIATE`] (of its `after:` step when it has one,
//!   else of its own start);
//! - `next sync`: it passed, later (a kubelet sync period, a watch delay);
//! - `never`: it failed or errored.
//!
//! Non-assertion steps and skipped steps have no class. The comparison is pure data; the
//! JSON report carries it as `comparison` ([`write_json_with_comparison`]).

use std::io;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::model::{Outcome, ScenarioResult, StepResult};

/// A step that passed within this is `immediate`.
pub const IMMEDIATE: Duration = Duration::from_secs(1);

/// The latency class of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LatencyClass {
    /// Passed within [`IMMEDIATE`].
    Immediate,
    /// Passed, later.
    NextSync,
    /// Failed or errored.
    Never,
}

impl LatencyClass {
    /// `immediate`, `next sync` or `never`.
    pub fn as_str(&self) -> &'static str {
        match self {
            LatencyClass::Immediate => "immediate",
            LatencyClass::NextSync => "next sync",
            LatencyClass::Never => "never",
        }
    }
}

/// One side of a step comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    /// The backend, e.g. `process` or `cluster`.
    pub backend: String,
    /// `passed`, `failed`, `error` or `skipped`.
    pub status: &'static str,
    /// The observed value (already redacted by the runner).
    pub observed: Option<String>,
    /// The latency class (assertions only).
    pub latency_class: Option<LatencyClass>,
    /// The measured latency from `after:`, in milliseconds.
    pub latency_ms: Option<f64>,
}

/// One step on both backends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepComparison {
    /// 1-based step index.
    pub index: usize,
    /// The step's summary.
    pub summary: String,
    /// The first backend's result.
    pub left: Side,
    /// The second backend's result.
    pub right: Side,
    /// What differs: `status`, `observed`, `latencyClass` (empty: the same).
    pub differs: Vec<&'static str>,
}

/// One scenario on both backends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// The scenario.
    pub scenario: String,
    /// Setup errors, per side (a side that could not start has no steps).
    pub left_error: Option<String>,
    /// See `left_error`.
    pub right_error: Option<String>,
    /// Every step.
    pub steps: Vec<StepComparison>,
}

impl Comparison {
    /// The steps that differ.
    pub fn differing(&self) -> impl Iterator<Item = &StepComparison> {
        self.steps.iter().filter(|s| !s.differs.is_empty())
    }

    /// Whether both sides behaved the same.
    pub fn same(&self) -> bool {
        self.left_error.is_none() == self.right_error.is_none() && self.differing().next().is_none()
    }
}

fn status(o: &Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed(_) => "failed",
        Outcome::Error(_) => "error",
        Outcome::Skipped => "skipped",
    }
}

/// The latency class of one step result (`None` for non-assertions and skipped steps).
pub fn latency_class(step: &StepResult) -> Option<LatencyClass> {
    if !step.summary.starts_with("assert ") {
        return None;
    }
    match step.outcome {
        Outcome::Skipped => None,
        Outcome::Failed(_) | Outcome::Error(_) => Some(LatencyClass::Never),
        Outcome::Passed => Some(if step.latency.unwrap_or(step.elapsed) < IMMEDIATE {
            LatencyClass::Immediate
        } else {
            LatencyClass::NextSync
        }),
    }
}

fn side(backend: &str, step: Option<&StepResult>) -> Side {
    match step {
        Some(s) => Side {
            backend: backend.into(),
            status: status(&s.outcome),
            observed: s.observed.clone(),
            latency_class: latency_class(s),
            latency_ms: s.latency.map(|d| d.as_secs_f64() * 1000.0),
        },
        None => Side {
            backend: backend.into(),
            status: "skipped",
            observed: None,
            latency_class: None,
            latency_ms: None,
        },
    }
}

/// Compares two results of the same scenario. Mutation messages (`configmap/x created`, with
/// a cluster's note on touching the pod) are not compared: only assertion values are.
pub fn compare(left: &ScenarioResult, right: &ScenarioResult) -> Comparison {
    let count = left.steps.len().max(right.steps.len());
    let steps = (0..count)
        .map(|i| {
            let (l, r) = (left.steps.get(i), right.steps.get(i));
            let a = side(&left.backend, l);
            let b = side(&right.backend, r);
            let is_assert = l.or(r).is_some_and(|s| s.summary.starts_with("assert "));
            let mut differs = Vec::new();
            if a.status != b.status {
                differs.push("status");
            }
            if is_assert && a.observed != b.observed {
                differs.push("observed");
            }
            if a.latency_class != b.latency_class {
                differs.push("latencyClass");
            }
            StepComparison {
                index: i + 1,
                summary: l.or(r).map(|s| s.summary.clone()).unwrap_or_default(),
                left: a,
                right: b,
                differs,
            }
        })
        .collect();
    Comparison {
        scenario: left.scenario.clone(),
        left_error: left.error.clone(),
        right_error: right.error.clone(),
        steps,
    }
}

/// The comparison as console text: one line for a scenario that behaved the same, else the
/// differing steps, `left | right`.
pub fn render_text(c: &Comparison) -> String {
    let (lb, rb) = c
        .steps
        .first()
        .map(|s| (s.left.backend.as_str(), s.right.backend.as_str()))
        .unwrap_or(("left", "right"));
    let mut out = String::new();
    if c.same() {
        out.push_str(&format!(
            "compare {}: same on {lb} and {rb} ({} steps)\n",
            c.scenario,
            c.steps.len()
        ));
        return out;
    }
    let n = c.differing().count();
    out.push_str(&format!(
        "compare {}: {n} of {} steps differ between {lb} and {rb}\n",
        c.scenario,
        c.steps.len()
    ));
    for (label, e) in [(lb, &c.left_error), (rb, &c.right_error)] {
        if let Some(e) = e {
            out.push_str(&format!("  {label} could not run: {e}\n"));
        }
    }
    let show = |s: &Side| {
        format!(
            "{}{}{}",
            s.status,
            s.observed
                .as_ref()
                .map(|o| format!(" {o:?}"))
                .unwrap_or_default(),
            s.latency_class
                .map(|c| format!(" ({})", c.as_str()))
                .unwrap_or_default()
        )
    };
    for s in c.differing() {
        out.push_str(&format!(
            "  step {} {}: {lb} {} | {rb} {}\n",
            s.index,
            s.summary,
            show(&s.left),
            show(&s.right)
        ));
    }
    out
}

/// The JSON report ([`super::json`]) with one more top-level field, `comparison`: a list of
/// [`Comparison`]s (camelCase fields as above). Written atomically like the plain report.
pub fn write_json_with_comparison(
    path: &Path,
    results: &[ScenarioResult],
    comparisons: &[Comparison],
) -> io::Result<()> {
    let mut plain = Vec::new();
    super::json::write_json_to(&mut plain, results)?;
    let mut doc: serde_json::Value = serde_json::from_slice(&plain).map_err(io::Error::other)?;
    if let Some(map) = doc.as_object_mut() {
        map.insert(
            "comparison".into(),
            serde_json::to_value(comparisons).map_err(io::Error::other)?,
        );
    }
    super::json::write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
        out.write_all(b"\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn step(
        index: usize,
        summary: &str,
        outcome: Outcome,
        observed: Option<&str>,
        latency_ms: Option<u64>,
        elapsed_ms: u64,
    ) -> StepResult {
        StepResult {
            index,
            name: None,
            line: index as u64,
            summary: summary.into(),
            outcome,
            observed: observed.map(str::to_string),
            latency: latency_ms.map(Duration::from_millis),
            latency_from: latency_ms.map(|_| "bump".into()),
            elapsed: Duration::from_millis(elapsed_ms),
            diagnostics: None,
        }
    }

    fn result(backend: &str, steps: Vec<StepResult>) -> ScenarioResult {
        ScenarioResult {
            scenario: "env-vs-volume".into(),
            file: PathBuf::from("scenarios/env-vs-volume.yaml"),
            backend: backend.into(),
            timing: "fast".into(),
            steps,
            duration: Duration::ZERO,
            error: None,
            kept_dir: None,
            logs: Vec::new(),
            expected_failure: None,
        }
    }

    #[test]
    fn steps_that_differ_in_status_value_or_latency_class_are_reported() {
        let local = result(
            "process",
            vec![
                step(
                    1,
                    "update configMap app",
                    Outcome::Passed,
                    Some("configmap/app patched"),
                    None,
                    3,
                ),
                step(
                    2,
                    "assert file /etc/config/A equals \"2\" within 90s after bump",
                    Outcome::Passed,
                    Some("2"),
                    Some(12),
                    12,
                ),
                step(
                    3,
                    "assert env A equals \"1\"",
                    Outcome::Passed,
                    Some("1"),
                    None,
                    1,
                ),
                step(
                    4,
                    "assert log of app contains \"A=2\" within 5s",
                    Outcome::Passed,
                    Some("A=2"),
                    None,
                    40,
                ),
            ],
        );
        let cluster = result(
            "cluster",
            vec![
                step(
                    1,
                    "update configMap app",
                    Outcome::Passed,
                    Some("configmap/app patched; touched pod/app"),
                    None,
                    30,
                ),
                step(
                    2,
                    "assert file /etc/config/A equals \"2\" within 90s after bump",
                    Outcome::Passed,
                    Some("2"),
                    Some(41_000),
                    41_000,
                ),
                step(
                    3,
                    "assert env A equals \"1\"",
                    Outcome::Failed("observed \"2\"".into()),
                    Some("2"),
                    None,
                    5,
                ),
                step(
                    4,
                    "assert log of app contains \"A=2\" within 5s",
                    Outcome::Skipped,
                    None,
                    None,
                    0,
                ),
            ],
        );
        let c = compare(&local, &cluster);
        assert!(!c.same());
        let differs: Vec<_> = c.steps.iter().map(|s| s.differs.clone()).collect();
        assert_eq!(
            differs,
            vec![
                vec![],
                vec!["latencyClass"],
                vec!["status", "observed", "latencyClass"],
                vec!["status", "observed", "latencyClass"],
            ]
        );
        assert_eq!(c.steps[1].right.latency_class, Some(LatencyClass::NextSync));
        assert_eq!(c.steps[1].left.latency_class, Some(LatencyClass::Immediate));
        assert_eq!(c.steps[2].right.latency_class, Some(LatencyClass::Never));
        let text = render_text(&c);
        assert!(
            text.starts_with(
                "compare env-vs-volume: 3 of 4 steps differ between process and cluster\n"
            ),
            "{text}"
        );
        assert!(text.contains("  step 3 assert env A equals \"1\": process passed \"1\" (immediate) | cluster failed \"2\" (never)\n"), "{text}");
        assert!(!text.contains("step 1 "), "{text}");
    }

    #[test]
    fn identical_runs_say_same_and_the_json_report_carries_the_comparison() {
        let a = result(
            "process",
            vec![step(
                1,
                "assert env A equals \"1\"",
                Outcome::Passed,
                Some("1"),
                None,
                1,
            )],
        );
        let b = result(
            "cluster",
            vec![step(
                1,
                "assert env A equals \"1\"",
                Outcome::Passed,
                Some("1"),
                None,
                200,
            )],
        );
        let c = compare(&a, &b);
        assert!(c.same());
        assert_eq!(
            render_text(&c),
            "compare env-vs-volume: same on process and cluster (1 steps)\n"
        );
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r.json");
        write_json_with_comparison(&path, &[a, b], &[c]).expect("written");
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["scenarios"].as_array().map(Vec::len), Some(2));
        assert_eq!(doc["comparison"][0]["scenario"], "env-vs-volume");
        assert_eq!(
            doc["comparison"][0]["steps"][0]["left"]["latencyClass"],
            "immediate"
        );
        assert_eq!(
            doc["comparison"][0]["steps"][0]["right"]["backend"],
            "cluster"
        );
        assert_eq!(
            doc["comparison"][0]["steps"][0]["differs"],
            serde_json::json!([])
        );
    }
}

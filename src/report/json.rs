//! The JSON report (`--report json=FILE`): the same facts as the console, as one stable
//! document for machines.
//!
//! It owns the document's shape, which is a contract: fields are only ever added, and a
//! change that is not an addition bumps `version`. Every field listed is always present;
//! optional facts are `null`. Durations are milliseconds as floating-point numbers.
//!
//! ```json
//! {
//!   "version": 1,
//!   "scenarios": [
//!     {
//!       "name": "env-vs-volume",
//!       "file": "scenarios/env-vs-volume.yaml",
//!       "backend": "process",
//!       "timing": "fast",
//!       "passed": false,
//!       "durationMs": 10020.0,
//!       "error": null,                  // setup error that kept the steps from running
//!       "keptDir": null,                // scratch dir kept by --keep
//!       "logs": [                       // each container's whole log (its last run), redacted
//!         { "container": "app", "lines": [ "START version=INFO", "RELOAD n=1 version=DEBUG" ] }
//!       ],
//!       "steps": [
//!         {
//!           "index": 1,                 // 1-based
//!           "name": "bump",             // the step's `name:`, or null
//!           "line": 14,                 // line in the scenario file
//!           "summary": "update configMap python-app-config",
//!           "status": "passed",         // passed | failed | error | skipped
//!           "message": null,            // what failed (failed, error)
//!           "observed": "INFO",         // last observed value, Secret values redacted
//!           "latencyMs": 2.0,           // from the `after:` step, or null
//!           "latencyFrom": "bump",      // that step's name, or null
//!           "elapsedMs": 3.0,
//!           "diagnostics": {            // or null; only on failed or errored steps
//!             "volumes": [ { "volume": "config", "mountPath": "/etc/config",
//!                            "entries": [ { "path": "..data", "kind": "link", "mode": "0777",
//!                                           "target": "..2026_…", "sha256": null,
//!                                           "size": null,     // bytes, for files
//!                                           "preview": null,  // first lines of a small text file
//!                                           "secret": false   // Secret-derived: size only, unless
//!                                                             // --show-secrets
//!                                         } ] } ],
//!             "env": [ { "container": "app", "vars": [ { "name": "LOG_LEVEL", "value": "INFO" } ] } ],
//!             "logs": [ { "container": "app",    // first and last lines, repeats collapsed
//!                         "lines": [ "START version=INFO", "GET / ×20" ] } ],
//!             "events": [ "+0.012s Normal Started …" ]
//!           }
//!         }
//!       ]
//!     }
//!   ],
//!   "summary": { "passed": 0, "failed": 1 }   // scenarios
//! }
//! ```

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::model::{Diagnostics, Outcome, ScenarioResult, StepResult};

/// The version of the document's shape written in `version`.
pub const JSON_VERSION: u32 = 1;

/// Writes the JSON report to `path`, atomically: a temp file beside it is written, flushed and
/// renamed over `path`, so a reader never sees half a report.
pub fn write_json(path: &Path, results: &[ScenarioResult]) -> io::Result<()> {
    write_atomically(path, |out| write_json_to(out, results))
}

/// Writes the JSON report (pretty-printed, newline-terminated) to any writer, e.g. stdout.
pub fn write_json_to<W: Write>(mut out: W, results: &[ScenarioResult]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &document(results)).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes `path` through a temp file in the same directory and a rename. The file gets the
/// usual permissions for a new file (0666 less the umask), not a temp file's 0600.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".kubedrill-report-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir)?;
    {
        let mut out = BufWriter::new(temp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn document(results: &[ScenarioResult]) -> Document<'_> {
    let passed = results.iter().filter(|r| r.passed()).count();
    Document {
        version: JSON_VERSION,
        scenarios: results.iter().map(scenario).collect(),
        summary: Summary {
            passed,
            failed: results.len() - passed,
        },
    }
}

fn scenario(result: &ScenarioResult) -> Scenario<'_> {
    Scenario {
        name: &result.scenario,
        file: result.file.to_string_lossy().into_owned(),
        backend: &result.backend,
        timing: &result.timing,
        passed: result.passed(),
        duration_ms: millis(result.duration),
        error: result.error.as_deref(),
        kept_dir: result
            .kept_dir
            .as_ref()
            .map(|d| d.to_string_lossy().into_owned()),
        steps: result.steps.iter().map(step).collect(),
        expected_failure: result.expected_failure.as_ref(),
        logs: result
            .logs
            .iter()
            .map(|l| Log {
                container: &l.container,
                lines: &l.lines,
            })
            .collect(),
    }
}

fn step(step: &StepResult) -> Step<'_> {
    let (status, message) = match &step.outcome {
        Outcome::Passed => ("passed", None),
        Outcome::Failed(message) => ("failed", Some(message.as_str())),
        Outcome::Error(message) => ("error", Some(message.as_str())),
        Outcome::Skipped => ("skipped", None),
    };
    Step {
        index: step.index,
        name: step.name.as_deref(),
        line: step.line,
        summary: &step.summary,
        status,
        message,
        observed: step.observed.as_deref(),
        latency_ms: step.latency.map(millis),
        latency_from: step.latency_from.as_deref(),
        elapsed_ms: millis(step.elapsed),
        diagnostics: step.diagnostics.as_ref().map(diagnostics),
    }
}

fn diagnostics(d: &Diagnostics) -> DiagnosticsDoc<'_> {
    DiagnosticsDoc {
        volumes: d
            .volumes
            .iter()
            .map(|v| Volume {
                volume: &v.volume,
                mount_path: &v.mount_path,
                entries: v
                    .entries
                    .iter()
                    .map(|e| Entry {
                        path: &e.path,
                        kind: &e.kind,
                        mode: &e.mode,
                        target: e.target.as_deref(),
                        sha256: e.sha256.as_deref(),
                        size: e.size,
                        preview: e.preview.as_deref(),
                        secret: e.secret,
                    })
                    .collect(),
            })
            .collect(),
        env: d
            .env
            .iter()
            .map(|(container, vars)| Env {
                container,
                vars: vars
                    .iter()
                    .map(|(name, value)| Var { name, value })
                    .collect(),
            })
            .collect(),
        logs: d
            .logs
            .iter()
            .map(|(container, lines)| Log { container, lines })
            .collect(),
        events: &d.events,
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    scenarios: Vec<Scenario<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    passed: usize,
    failed: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Scenario<'a> {
    name: &'a str,
    file: String,
    backend: &'a str,
    timing: &'a str,
    passed: bool,
    duration_ms: f64,
    error: Option<&'a str>,
    kept_dir: Option<String>,
    steps: Vec<Step<'a>>,
    /// `spec.expect`'s verdict, only for scenarios that declare one.
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_failure: Option<&'a crate::report::model::ExpectedFailure>,
    logs: Vec<Log<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Step<'a> {
    index: usize,
    name: Option<&'a str>,
    line: u64,
    summary: &'a str,
    status: &'static str,
    message: Option<&'a str>,
    observed: Option<&'a str>,
    latency_ms: Option<f64>,
    latency_from: Option<&'a str>,
    elapsed_ms: f64,
    diagnostics: Option<DiagnosticsDoc<'a>>,
}

#[derive(Serialize)]
struct DiagnosticsDoc<'a> {
    volumes: Vec<Volume<'a>>,
    env: Vec<Env<'a>>,
    logs: Vec<Log<'a>>,
    events: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Volume<'a> {
    volume: &'a str,
    mount_path: &'a str,
    entries: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    path: &'a str,
    kind: &'a str,
    mode: &'a str,
    target: Option<&'a str>,
    sha256: Option<&'a str>,
    size: Option<u64>,
    preview: Option<&'a str>,
    secret: bool,
}

#[derive(Serialize)]
struct Env<'a> {
    container: &'a str,
    vars: Vec<Var<'a>>,
}

#[derive(Serialize)]
struct Var<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Log<'a> {
    container: &'a str,
    lines: &'a [String],
}

//! Running one scenario: its steps in order against a [`Backend`] the caller's
//! [`BackendFactory`] makes, assertions sampled with their timing rule, results emitted as data
//! ([`RunEvent`]s). It never names a concrete backend.
//!
//! Time is tokio's ([`tokio::time::Instant`], [`tokio::time::sleep`]): `within:`, `throughout:`,
//! `sleep:` and `--timeout` all run on it, so under `tokio::time::pause()` a 90 s wait costs no
//! real time. Moments that cross the seam (when a step completed, for `since:` and `after:`)
//! are wall-clock ([`clock::now`]), comparable with the timestamps of log lines.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::check::judge;
use super::redact::Redactor;
use crate::backend::{Backend, BackendFactory, clock};
use crate::kubelet::timing::{Detection as KDetection, TimingProfile};
use crate::report::model::{
    ContainerLog, Outcome, RunEvent, RunEventKind, ScenarioResult, StepResult, WaitProgress,
};
use crate::scenario::format::{
    AssertTiming, Assertion, Detection, Observation, Operation, Predicates, Scenario, Step, Timing,
};

/// How often an eventual or consistent assertion samples.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// How often a waiting assertion reports progress ([`RunOptions::on_wait`]).
const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

/// How scenarios run, whatever the backend. What only one backend understands (the
/// executable, scratch directories, processes or Docker) goes to its [`BackendFactory`].
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Show Secret-derived values instead of redacting them.
    pub show_secrets: bool,
    /// A timing profile name (`fast`, `kubelet`) overriding the scenario's.
    pub timing: Option<String>,
    /// `--timeout`: a scenario still running after this long fails (its step says so) and its
    /// backend is shut down as after any failure.
    pub timeout: Option<Duration>,
    /// Called while an eventual or consistent assertion waits (about once a second), for a
    /// progress line on a terminal; never called when `None`.
    pub on_wait: Option<crate::report::model::OnWait>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("show_secrets", &self.show_secrets)
            .field("timing", &self.timing)
            .field("timeout", &self.timeout)
            .field("on_wait", &self.on_wait.is_some())
            .finish()
    }
}

/// The timing profile in force for `scenario` (a CLI override wins).
pub fn timing_profile(scenario: &Scenario, override_name: Option<&str>) -> TimingProfile {
    let seed = || rand::random::<u32>() as u64;
    let timing = match override_name {
        Some("fast") => Timing::Fast,
        Some("kubelet") => Timing::Kubelet,
        _ => scenario.spec.timing,
    };
    match timing {
        Timing::Fast => TimingProfile::fast(),
        Timing::Kubelet => TimingProfile::kubelet(seed()),
        Timing::Custom {
            sync_period,
            jitter,
            detection,
            cache_ttl,
            seed: s,
        } => TimingProfile {
            name: "custom".into(),
            sync_period: Some(sync_period),
            jitter,
            detection: match detection {
                Detection::Watch => KDetection::Watch,
                Detection::Cache => KDetection::Cache,
                Detection::Get => KDetection::Get,
            },
            cache_ttl,
            seed: s.unwrap_or_else(seed),
        },
    }
}

/// Runs one scenario on a backend made by `factory`, calling `emit` for every event. A failure
/// is a result (failed steps, or `error` for a setup error), never an `Err`.
pub async fn run_scenario<F: BackendFactory + ?Sized>(
    scenario: &Scenario,
    factory: &F,
    opts: &RunOptions,
    run_start: Instant,
    emit: &mut dyn FnMut(RunEvent),
) -> ScenarioResult {
    let timing = timing_profile(scenario, opts.timing.as_deref());
    let started = Instant::now();
    let mut result = ScenarioResult {
        scenario: scenario.name.clone(),
        file: scenario.file.clone(),
        backend: String::new(),
        timing: timing.describe(),
        steps: Vec::new(),
        duration: Duration::ZERO,
        error: None,
        kept_dir: None,
        logs: Vec::new(),
        expected_failure: None,
    };
    // Secret values are known before anything runs, so even a setup error is redacted.
    let objects: Vec<_> = scenario
        .spec
        .objects
        .iter()
        .flat_map(|o| o.manifests().iter().cloned())
        .collect();
    let mut redactor = Redactor::new(&[], !opts.show_secrets);
    for m in &objects {
        if let crate::api::Manifest::Secret(s, _) = m {
            redactor.extend(s.data.iter().flatten().map(|(_, v)| v.0.clone()));
            redactor.extend(
                s.string_data
                    .iter()
                    .flatten()
                    .map(|(_, v)| v.as_bytes().to_vec()),
            );
        }
    }
    let mut backend = match factory.create(scenario, &timing) {
        Ok(b) => b,
        Err(e) => {
            emit_started(scenario, &result, run_start, emit);
            result.error = Some(redactor.text(&e.to_string()));
            return finish(result, started, run_start, emit);
        }
    };
    result.backend = backend.name().to_string();
    emit_started(scenario, &result, run_start, emit);
    let deadline = opts.timeout.map(|t| (started + t, t));
    let start = match deadline {
        None => backend.start(&objects).await.map_err(|e| e.to_string()),
        Some((at, limit)) => match tokio::time::timeout_at(at, backend.start(&objects)).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "the scenario timed out while its pod was starting (--timeout {})",
                fmt_dur(limit)
            )),
        },
    };
    if let Err(e) = start {
        result.error = Some(redactor.text(&e));
    } else {
        redactor.extend(backend.secret_values());
        let mut completed: BTreeMap<String, SystemTime> = BTreeMap::new();
        let mut failed = false;
        let ctx = WaitContext {
            scenario: &scenario.name,
            on_wait: opts.on_wait.as_deref(),
        };
        for (i, step) in scenario.spec.steps.iter().enumerate() {
            let summary = redactor.text(&summarize(step));
            if failed {
                result.steps.push(StepResult {
                    index: i + 1,
                    name: step.name.clone(),
                    line: step.line,
                    summary,
                    outcome: Outcome::Skipped,
                    observed: None,
                    latency: None,
                    latency_from: None,
                    elapsed: Duration::ZERO,
                    diagnostics: None,
                });
                continue;
            }
            let step_start = Instant::now();
            let run_step = execute(step, &mut backend, &completed, &redactor, &ctx);
            let (outcome, observed, latency) = match deadline {
                None => run_step.await,
                Some((at, limit)) => match tokio::time::timeout_at(at, run_step).await {
                    Ok(r) => r,
                    Err(_) => (
                        Outcome::Failed(format!(
                            "the scenario timed out: still running after {} (--timeout {}); \
                             its processes were stopped",
                            fmt_dur(started.elapsed()),
                            fmt_dur(limit)
                        )),
                        None,
                        None,
                    ),
                },
            };
            redactor.extend(backend.secret_values());
            if let Some(name) = &step.name {
                completed.insert(name.clone(), clock::now());
            }
            let bad = !matches!(outcome, Outcome::Passed);
            let diagnostics = if bad {
                let mut d = backend.diagnostics().await;
                redact_diagnostics(&mut d, &redactor);
                Some(d)
            } else {
                None
            };
            failed |= bad;
            let outcome = match outcome {
                Outcome::Failed(m) => Outcome::Failed(redactor.text(&m)),
                Outcome::Error(m) => Outcome::Error(redactor.text(&m)),
                o => o,
            };
            let step_result = StepResult {
                index: i + 1,
                name: step.name.clone(),
                line: step.line,
                summary,
                outcome,
                observed,
                latency_from: latency.and(match &step.op {
                    Operation::Assert(a) => a.after.clone(),
                    _ => None,
                }),
                latency,
                elapsed: step_start.elapsed(),
                diagnostics,
            };
            emit(RunEvent {
                at: run_start.elapsed(),
                kind: RunEventKind::StepFinished {
                    scenario: scenario.name.clone(),
                    step: step_result.clone(),
                },
            });
            result.steps.push(step_result);
        }
    }
    backend.shutdown().await;
    // After shutdown: the last lines an app wrote as it stopped are in. Redacted as one text,
    // so a multi-line Secret value (a PEM key) printed over several lines is caught too.
    result.logs = backend
        .container_logs()
        .into_iter()
        .map(|(container, lines)| ContainerLog {
            container,
            lines: if lines.is_empty() {
                lines
            } else {
                redactor
                    .text(&lines.join("\n"))
                    .split('\n')
                    .map(str::to_string)
                    .collect()
            },
        })
        .collect();
    match backend.finish(&result.logs) {
        Ok(kept) => result.kept_dir = kept,
        Err(e) => {
            result.error.get_or_insert(redactor.text(&e.to_string()));
        }
    }
    // `spec.expect`: the verdict on an expected failure decides whether the scenario passed.
    result.expected_failure = scenario
        .spec
        .expect
        .as_ref()
        .map(|e| super::expect::judge(e, &result));
    finish(result, started, run_start, emit)
}

fn emit_started(
    scenario: &Scenario,
    result: &ScenarioResult,
    run_start: Instant,
    emit: &mut dyn FnMut(RunEvent),
) {
    emit(RunEvent {
        at: run_start.elapsed(),
        kind: RunEventKind::ScenarioStarted {
            scenario: scenario.name.clone(),
            file: scenario.file.clone(),
            backend: result.backend.clone(),
            timing: result.timing.clone(),
        },
    });
}

/// Who to tell while an assertion waits.
struct WaitContext<'a> {
    scenario: &'a str,
    on_wait: Option<&'a (dyn Fn(&WaitProgress) + Send + Sync)>,
}

fn finish(
    mut result: ScenarioResult,
    started: Instant,
    run_start: Instant,
    emit: &mut dyn FnMut(RunEvent),
) -> ScenarioResult {
    result.duration = started.elapsed();
    emit(RunEvent {
        at: run_start.elapsed(),
        kind: RunEventKind::ScenarioFinished {
            result: result.clone(),
        },
    });
    result
}

fn redact_diagnostics(d: &mut crate::report::model::Diagnostics, r: &Redactor) {
    // A Secret-derived file shows its size only: no content, and no hash (a short hash lets
    // anyone test guesses of a low-entropy Secret).
    for entry in d.volumes.iter_mut().flat_map(|v| v.entries.iter_mut()) {
        if entry.secret && r.enabled() {
            entry.preview = None;
            entry.sha256 = None;
        } else if let Some(preview) = &entry.preview {
            entry.preview = Some(r.text(preview));
        }
    }
    for (_, env) in &mut d.env {
        for (_, v) in env.iter_mut() {
            *v = r.text(v);
        }
    }
    // Redact each whole line first, then cut the excerpt: a collapsed `VALUE ×3` would no
    // longer equal a short Secret value, which is only redacted as a whole line.
    for (_, lines) in &mut d.logs {
        let redacted: Vec<String> = lines.iter().map(|l| r.text(l)).collect();
        *lines = crate::report::excerpt::log_excerpt(&redacted);
    }
    for e in &mut d.events {
        *e = r.text(e);
    }
}

async fn execute<B: Backend>(
    step: &Step,
    backend: &mut B,
    completed: &BTreeMap<String, SystemTime>,
    redactor: &Redactor,
    ctx: &WaitContext<'_>,
) -> (Outcome, Option<String>, Option<Duration>) {
    let done = |r: Result<String, crate::backend::BackendError>| match r {
        Ok(msg) => (Outcome::Passed, Some(msg).filter(|m| !m.is_empty()), None),
        Err(e) => (Outcome::Error(e.to_string()), None, None),
    };
    match &step.op {
        Operation::Apply(obj) => done(backend.apply(obj.manifests()).await),
        Operation::Update(u) => done(backend.update(u).await),
        Operation::Delete { kind, name } => done(backend.delete(*kind, name).await),
        Operation::Restart(c) => done(backend.restart(c).await.map(|()| String::new())),
        Operation::Recreate => done(backend.recreate_pod().await.map(|()| String::new())),
        Operation::Touch => done(backend.touch_pod().await.map(|()| String::new())),
        Operation::Signal { container, signal } => done(
            backend
                .signal(container, signal)
                .await
                .map(|()| String::new()),
        ),
        Operation::Sleep(d) => {
            let until = Instant::now() + *d;
            while Instant::now() < until {
                backend.tick().await;
                tokio::time::sleep(
                    POLL_INTERVAL.min(until.saturating_duration_since(Instant::now())),
                )
                .await;
            }
            (Outcome::Passed, None, None)
        }
        Operation::Assert(a) => assert(a, backend, completed, redactor, ctx).await,
    }
}

async fn assert<B: Backend>(
    a: &Assertion,
    backend: &mut B,
    completed: &BTreeMap<String, SystemTime>,
    redactor: &Redactor,
    ctx: &WaitContext<'_>,
) -> (Outcome, Option<String>, Option<Duration>) {
    let begin = Instant::now();
    let mut progress = ctx.on_wait.zip(match a.timing {
        AssertTiming::Now => None,
        AssertTiming::Within(d) | AssertTiming::Throughout(d) => Some(d),
    });
    let mut last_progress = begin;
    let since = match &a.observation {
        Observation::Log {
            since: Some(step), ..
        } => completed.get(step).copied(),
        _ => None,
    };
    let after = a.after.as_ref().and_then(|s| completed.get(s).copied());
    let result = loop {
        backend.tick().await;
        let observed = backend.observe(&a.observation).await;
        let sample = judge(&a.observation, &observed, &a.predicates, since);
        let now = Instant::now();
        let wall_now = clock::now();
        let secret = backend.is_secret(&a.observation) && redactor.enabled();
        let shown = if secret {
            redactor.whole(&sample.shown)
        } else {
            redactor.text(&sample.shown)
        };
        let diff = equals_diff(&sample, redactor, secret);
        let failed = |within| failure(a, &sample, &shown, within, redactor);
        match a.timing {
            AssertTiming::Now => {
                break if sample.ok {
                    (Outcome::Passed, Some(shown), None)
                } else {
                    (Outcome::Failed(failed(None) + &diff), Some(shown), None)
                };
            }
            AssertTiming::Within(d) => {
                if sample.ok {
                    let latency = after.map(|t| {
                        sample
                            .matched_at
                            .filter(|m| *m >= t)
                            .unwrap_or(wall_now)
                            .duration_since(t)
                            .unwrap_or_default()
                    });
                    break (Outcome::Passed, Some(shown), latency);
                }
                if now.duration_since(begin) >= d {
                    break (Outcome::Failed(failed(Some(d)) + &diff), Some(shown), None);
                }
            }
            AssertTiming::Throughout(d) => {
                if !sample.ok {
                    let at = now.duration_since(begin);
                    break (
                        Outcome::Failed(format!(
                            "{} at +{} of {}{diff}",
                            failed(None),
                            fmt_dur(at),
                            fmt_dur(d)
                        )),
                        Some(shown),
                        None,
                    );
                }
                if now.duration_since(begin) >= d {
                    break (Outcome::Passed, Some(shown), None);
                }
            }
        }
        if let Some((tell, limit)) = progress
            && now.duration_since(last_progress) >= PROGRESS_INTERVAL
        {
            last_progress = now;
            tell(&WaitProgress {
                scenario: ctx.scenario.to_string(),
                what: describe_observation(&a.observation),
                limit,
                waited: now.duration_since(begin),
                done: false,
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    };
    // Clear the line only if one was shown.
    if let Some((tell, limit)) = progress.take()
        && last_progress != begin
    {
        tell(&WaitProgress {
            scenario: ctx.scenario.to_string(),
            what: describe_observation(&a.observation),
            limit,
            waited: begin.elapsed(),
            done: true,
        });
    }
    result
}

fn failure(
    a: &Assertion,
    sample: &super::check::Sample,
    shown: &str,
    within: Option<Duration>,
    redactor: &Redactor,
) -> String {
    let why = sample.why.clone().unwrap_or_default();
    let when = within
        .map(|d| format!(" within {}", fmt_dur(d)))
        .unwrap_or_default();
    let observed = if matches!(a.observation, Observation::Log { .. }) {
        format!("last lines: {shown:?}")
    } else {
        format!("observed {shown:?}")
    };
    // The classic reload bug: the volume changed, the app never said so.
    let hint = match (&a.observation, &a.after) {
        (Observation::Log { container, .. }, Some(step)) => format!(
            " (hint: if the volume changed after {step:?} (see the tree below), {container} never \
             logged it: the app may read its config once, watch the file path instead of the \
             directory, or filter events on the file name)"
        ),
        _ => String::new(),
    };
    redactor.text(&format!(
        "{}: {why}{when}; {observed}{hint}",
        describe_observation(&a.observation)
    ))
}

/// For a failed multi-line `equals`: `\ndiff (-expected +observed):` and the diff lines, each
/// redacted whole; a Secret-derived value is not diffed at all (the diff would be the value).
/// Empty otherwise.
fn equals_diff(sample: &super::check::Sample, redactor: &Redactor, secret: bool) -> String {
    let mut message = String::new();
    if !sample.equals_diff.is_empty() {
        if secret {
            message.push_str("\ndiff (-expected +observed): ‹redacted›");
        } else {
            message.push_str("\ndiff (-expected +observed):");
            for line in &sample.equals_diff {
                message.push('\n');
                match ["- ", "+ ", "  "].iter().find(|m| line.starts_with(**m)) {
                    Some(mark) => {
                        message.push_str(mark);
                        message.push_str(&redactor.text(&line[mark.len()..]));
                    }
                    None => message.push_str(&redactor.text(line)),
                }
            }
        }
    }
    message
}

/// `file /etc/config/x`, `log of app`, `env LOG_LEVEL of app`, …
pub fn describe_observation(o: &Observation) -> String {
    let of = |c: &Option<String>| c.as_ref().map(|c| format!(" in {c}")).unwrap_or_default();
    match o {
        Observation::File { path, container } => format!("file {path}{}", of(container)),
        Observation::Dir { path, container } => format!("dir {path}{}", of(container)),
        Observation::Env { name, container } => format!("env {name}{}", of(container)),
        Observation::Log { container, since } => format!(
            "log of {container}{}",
            since
                .as_ref()
                .map(|s| format!(" since {s}"))
                .unwrap_or_default()
        ),
        Observation::Http {
            port,
            path,
            request,
            ..
        } => match request.method.as_str() {
            "GET" => format!("http :{port}{path}"),
            method => format!("http {method} :{port}{path}"),
        },
        Observation::Tls { port, .. } => format!("tls :{port}"),
        Observation::Container(m) => format!(
            "container {}",
            m.name.clone().unwrap_or_else(|| "(the only one)".into())
        ),
        Observation::Pod(_) => "pod".into(),
        Observation::Event { reason } => format!("event {reason}"),
    }
}

fn describe_predicates(p: &Predicates) -> String {
    let mut parts = Vec::new();
    if let Some(v) = &p.equals {
        parts.push(format!("equals {v:?}"));
    }
    if let Some(v) = &p.not_equals {
        parts.push(format!("notEquals {v:?}"));
    }
    if let Some(v) = &p.contains {
        parts.push(format!("contains {v:?}"));
    }
    if let Some(v) = &p.not_contains {
        parts.push(format!("notContains {v:?}"));
    }
    if let Some(v) = &p.matches {
        parts.push(format!("matches /{v}/"));
    }
    if let Some(v) = p.count {
        parts.push(format!("count {v}"));
    }
    if let Some(v) = p.exists {
        parts.push(format!("exists {v}"));
    }
    if let Some(v) = p.mode {
        parts.push(format!("mode {v:04o}"));
    }
    if let Some(v) = &p.link_target {
        parts.push(format!("linkTarget {v:?}"));
    }
    if let Some(v) = p.status {
        parts.push(format!("status {v}"));
    }
    if let Some(v) = &p.cn {
        parts.push(format!("cn {v:?}"));
    }
    if let Some(v) = &p.sha256 {
        parts.push(format!("sha256 {}", &v[..v.len().min(12)]));
    }
    parts.join(" ")
}

/// One line describing a step (without its name), e.g. `update configMap app` or
/// `assert file /etc/config/x equals "v2" within 5s after bump`.
pub fn summarize(step: &Step) -> String {
    match &step.op {
        Operation::Apply(obj) => format!(
            "apply {}",
            obj.manifests()
                .iter()
                .map(|m| format!("{}/{}", m.kind().to_lowercase(), m.name()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Operation::Update(u) => format!("update {} {}", lower_first(u.kind.as_str()), u.name),
        Operation::Delete { kind, name } => format!("delete {} {name}", lower_first(kind.as_str())),
        Operation::Restart(c) => format!("restart {c}"),
        Operation::Recreate => "recreate pod".into(),
        Operation::Touch => "touch pod".into(),
        Operation::Signal { container, signal } => format!("signal {signal} to {container}"),
        Operation::Sleep(d) => format!("sleep {}", fmt_dur(*d)),
        Operation::Assert(a) => {
            let mut parts = vec![
                "assert".to_string(),
                describe_observation(&a.observation),
                describe_predicates(&a.predicates),
            ];
            if let Observation::Container(m) = &a.observation {
                if let Some(st) = m.state {
                    parts.push(format!("state {}", st.as_str()));
                }
                if let Some(r) = &m.reason {
                    parts.push(format!("reason {r}"));
                }
                if let Some(r) = m.restarts {
                    parts.push(format!("restarts {r}"));
                }
            }
            if let Observation::Pod(m) = &a.observation
                && let Some(p) = m.phase
            {
                parts.push(format!("phase {}", p.as_str()));
            }
            match a.timing {
                AssertTiming::Now => {}
                AssertTiming::Within(d) => parts.push(format!("within {}", fmt_dur(d))),
                AssertTiming::Throughout(d) => parts.push(format!("throughout {}", fmt_dur(d))),
            }
            if let Some(after) = &a.after {
                parts.push(format!("after {after}"));
            }
            parts.retain(|p| !p.is_empty());
            parts.join(" ")
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `250ms`, `1.5s`, `90s` (see [`crate::duration::written`]).
pub fn fmt_dur(d: Duration) -> String {
    crate::duration::written(d)
}

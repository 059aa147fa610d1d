//! Running one scenario: its steps in order against a [`Backend`], assertions sampled with
//! their timing rule, results emitted as data ([`RunEvent`]s).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::check::judge;
use super::redact::Redactor;
use crate::backend::Backend;
use crate::backend::local::{LocalBackend, LocalOptions, RuntimeKind};
use crate::kubelet::timing::{Detection as KDetection, TimingProfile};
use crate::report::model::{
    ContainerLog, Outcome, RunEvent, RunEventKind, ScenarioResult, StepResult,
};
use crate::scenario::format::{
    AssertTiming, Assertion, Detection, Observation, Operation, Predicates, Scenario, Step, Timing,
};

/// How often an eventual or consistent assertion samples.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// How scenarios run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The kubedrill executable (the process runtime re-executes it).
    pub exe: PathBuf,
    /// Keep scratch directories and report where they are.
    pub keep: bool,
    /// Show Secret-derived values instead of redacting them.
    pub show_secrets: bool,
    /// A timing profile name (`fast`, `kubelet`) overriding the scenario's.
    pub timing: Option<String>,
    /// Where scratch directories are made (default: the system temp dir).
    pub scratch_root: Option<PathBuf>,
    /// Processes or Docker containers.
    pub runtime: RuntimeKind,
    /// `--logs`: the CLI prints each container's log after its scenario (the runner collects
    /// logs into every [`ScenarioResult`] regardless).
    pub print_logs: bool,
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

/// Runs one scenario on the local process backend, calling `emit` for every event.
pub async fn run_scenario(
    scenario: &Scenario,
    opts: &RunOptions,
    run_start: Instant,
    emit: &mut dyn FnMut(RunEvent),
) -> ScenarioResult {
    let timing = timing_profile(scenario, opts.timing.as_deref());
    let started = Instant::now();
    let mut result = ScenarioResult {
        scenario: scenario.name.clone(),
        file: scenario.file.clone(),
        backend: opts.runtime.as_str().into(),
        timing: timing.describe(),
        steps: Vec::new(),
        duration: Duration::ZERO,
        error: None,
        kept_dir: None,
        logs: Vec::new(),
        expected_failure: None,
    };
    emit(RunEvent {
        at: run_start.elapsed(),
        kind: RunEventKind::ScenarioStarted {
            scenario: scenario.name.clone(),
            file: scenario.file.clone(),
            backend: result.backend.clone(),
            timing: result.timing.clone(),
        },
    });
    // Private (it holds projected Secret values) and locked by this process, so the next run
    // removes it if this one is killed.
    let scratch =
        crate::runtime::scratch::ScratchDir::create(opts.scratch_root.as_deref(), opts.keep);
    let scratch = match scratch {
        Ok(d) => d,
        Err(e) => {
            result.error = Some(format!("creating a scratch directory: {e}"));
            return finish(result, started, run_start, emit);
        }
    };
    // `kubedrill run s.yaml` from the scenario's own directory: the parent is "", i.e. ".".
    let base_dir = scenario
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let base_dir = std::fs::canonicalize(&base_dir).unwrap_or(base_dir);
    let mut backend = LocalBackend::new(LocalOptions {
        runtime: opts.runtime,
        workload: scenario.spec.workload.workload.clone(),
        run: scenario.spec.workload.run.clone(),
        base_dir,
        scratch: scratch.path().to_path_buf(),
        timing,
        kube_version: scenario.spec.kube_version.unwrap_or_default(),
        exe: opts.exe.clone(),
    });
    let objects: Vec<_> = scenario
        .spec
        .objects
        .iter()
        .flat_map(|o| o.manifests().iter().cloned())
        .collect();
    // Secret values are known before anything runs, so even a setup error is redacted.
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
    if let Err(e) = backend.start(&objects).await {
        result.error = Some(redactor.text(&e.to_string()));
    } else {
        redactor.extend(backend.secret_values());
        let mut completed: BTreeMap<String, Instant> = BTreeMap::new();
        let mut failed = false;
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
            let (outcome, observed, latency) =
                execute(step, &mut backend, &completed, &redactor).await;
            redactor.extend(backend.secret_values());
            if let Some(name) = &step.name {
                completed.insert(name.clone(), Instant::now());
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
    if opts.keep {
        if let Err(e) = keep_logs(scratch.path(), &result.logs) {
            result.error.get_or_insert(format!(
                "writing container logs into {}: {e}",
                scratch.path().display()
            ));
        }
        result.kept_dir = Some(scratch.keep());
    } else {
        drop(scratch);
    }
    // `spec.expect`: the verdict on an expected failure decides whether the scenario passed.
    result.expected_failure = scenario
        .spec
        .expect
        .as_ref()
        .map(|e| super::expect::judge(e, &result));
    finish(result, started, run_start, emit)
}

/// `--keep`: each container's (redacted) log as `logs/CONTAINER.log` in the kept scratch dir.
fn keep_logs(scratch: &Path, logs: &[ContainerLog]) -> std::io::Result<()> {
    let dir = scratch.join("logs");
    std::fs::create_dir_all(&dir)?;
    for log in logs {
        // Container names are DNS labels (validated); refuse anything that could leave `dir`.
        if log.container.is_empty()
            || log.container.starts_with('.')
            || log.container.contains(['/', '\0'])
        {
            continue;
        }
        let mut text = log.lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        std::fs::write(dir.join(format!("{}.log", log.container)), text)?;
    }
    Ok(())
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

async fn execute(
    step: &Step,
    backend: &mut LocalBackend,
    completed: &BTreeMap<String, Instant>,
    redactor: &Redactor,
) -> (Outcome, Option<String>, Option<Duration>) {
    let done = |r: Result<String, crate::backend::BackendError>| match r {
        Ok(msg) => (Outcome::Passed, Some(msg).filter(|m| !m.is_empty()), None),
        Err(e) => (Outcome::Error(e.0), None, None),
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
                tokio::time::sleep(POLL_INTERVAL.min(until - Instant::now())).await;
            }
            (Outcome::Passed, None, None)
        }
        Operation::Assert(a) => assert(a, backend, completed, redactor).await,
    }
}

async fn assert(
    a: &Assertion,
    backend: &mut LocalBackend,
    completed: &BTreeMap<String, Instant>,
    redactor: &Redactor,
) -> (Outcome, Option<String>, Option<Duration>) {
    let begin = Instant::now();
    let since = match &a.observation {
        Observation::Log {
            since: Some(step), ..
        } => completed.get(step).copied(),
        _ => None,
    };
    let after = a.after.as_ref().and_then(|s| completed.get(s).copied());
    loop {
        backend.tick().await;
        let observed = backend.observe(&a.observation).await;
        let sample = judge(&a.observation, &observed, &a.predicates, since);
        let now = Instant::now();
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
                return if sample.ok {
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
                            .unwrap_or(now)
                            .saturating_duration_since(t)
                    });
                    return (Outcome::Passed, Some(shown), latency);
                }
                if now.duration_since(begin) >= d {
                    return (Outcome::Failed(failed(Some(d)) + &diff), Some(shown), None);
                }
            }
            AssertTiming::Throughout(d) => {
                if !sample.ok {
                    let at = now.duration_since(begin);
                    return (
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
                    return (Outcome::Passed, Some(shown), None);
                }
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
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

/// `250ms`, `1.5s`, `90s`.
pub fn fmt_dur(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

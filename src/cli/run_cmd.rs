//! `kubedrill run` and `kubedrill validate`: load every scenario first (invalid input stops
//! everything before anything runs), run them on worker threads (`--jobs`), stream events to
//! the console, write reports, and map results to exit codes. Ctrl-C (exit 130) or SIGTERM
//! (exit 143) cancels the running scenarios; dropping a scenario's run kills its processes
//! and removes its scratch dir. When a run is killed outright, the process runtime's watchdog
//! removes its scratch dir; whatever is left (the watchdog killed too, Docker containers) the
//! next run removes before it starts.
//!
//! This is the binary's edge of a run: it turns arguments into [`RunOptions`], prints and maps
//! the outcome to a [`CliError`]. It must not decide whether a step passed (the runner does)
//! nor how a report is laid out (`kubedrill::report` does).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Instant;

use kubedrill::backend::local::RuntimeKind;
use kubedrill::kubelet::KubeVersion;
use kubedrill::report::model::{RunEvent, ScenarioResult};
use kubedrill::report::{json, junit};
use kubedrill::runner::{RunOptions, run_scenario};
use kubedrill::scenario::{self, Scenario, ScenarioError};

use crate::exit::{CliError, StopSignal};
use crate::outln;
use crate::print::print_source_line;

/// The `run` subcommand's arguments.
pub struct RunArgs {
    pub paths: Vec<PathBuf>,
    pub backend: String,
    pub timing: Option<String>,
    pub reports: Vec<String>,
    pub jobs: usize,
    pub keep: bool,
    pub show_secrets: bool,
    /// `--logs`: print each container's log after its scenario.
    pub logs: bool,
    /// `--kube-version`: overrides every scenario's `spec.kubernetesVersion`.
    pub kube_version: Option<KubeVersion>,
}

enum Report {
    Json(PathBuf),
    Junit(PathBuf),
    /// `json=-`: the JSON report on stdout.
    JsonStdout,
    /// `junit=-`: the JUnit report on stdout.
    JunitStdout,
}

fn parse_report(spec: &str) -> Result<Report, String> {
    match spec.split_once('=') {
        Some(("json", "-")) => Ok(Report::JsonStdout),
        Some(("junit", "-")) => Ok(Report::JunitStdout),
        Some(("json", f)) if !f.is_empty() => Ok(Report::Json(PathBuf::from(f))),
        Some(("junit", f)) if !f.is_empty() => Ok(Report::Junit(PathBuf::from(f))),
        _ => Err(format!(
            "invalid --report {spec:?} (hint: write json=FILE or junit=FILE; FILE `-` is stdout)"
        )),
    }
}

/// Parses every `--report`; at most one may claim stdout, and when one does, console output
/// moves to stderr so stdout carries nothing but the report.
fn parse_reports(specs: &[String]) -> Result<Vec<Report>, CliError> {
    let reports: Vec<Report> = specs
        .iter()
        .map(|r| parse_report(r))
        .collect::<Result<_, _>>()
        .map_err(CliError::Invalid)?;
    let on_stdout = reports
        .iter()
        .filter(|r| matches!(r, Report::JsonStdout | Report::JunitStdout))
        .count();
    if on_stdout > 1 {
        return Err(CliError::invalid(
            "only one --report can write to stdout (hint: give the others a FILE)",
        ));
    }
    if on_stdout == 1 {
        crate::output::console_to_stderr();
    }
    Ok(reports)
}

/// Writes every report; the first that fails is a setup error (exit 2).
fn write_reports(reports: &[Report], results: &[ScenarioResult]) -> Result<(), CliError> {
    for r in reports {
        let (target, res) = match r {
            Report::Json(p) => (p.display().to_string(), json::write_json(p, results)),
            Report::Junit(p) => (p.display().to_string(), junit::write_junit(p, results)),
            Report::JsonStdout => (
                "to stdout".into(),
                json::write_json_to(std::io::stdout().lock(), results),
            ),
            Report::JunitStdout => (
                "to stdout".into(),
                junit::write_junit_to(std::io::stdout().lock(), results),
            ),
        };
        tracing::debug!(report = %target, ok = res.is_ok(), "report written");
        match res {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                return Err(CliError::BrokenPipe);
            }
            Err(e) => return Err(CliError::Invalid(format!("writing report {target}: {e}"))),
        }
    }
    Ok(())
}

fn print_scenario_error(e: &ScenarioError) {
    eprintln!("error: {e}");
    print_source_line(e.file(), e.line(), e.column());
}

/// Loads every scenario named by `paths` (default `./scenarios`).
fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, ScenarioError> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        paths.to_vec()
    };
    scenario::discover(&paths)?
        .iter()
        .map(|p| scenario::load(p))
        .collect()
}

/// `kubedrill validate`.
pub fn validate(paths: &[PathBuf]) -> Result<(), CliError> {
    let files = match scenario::discover(paths) {
        Ok(f) => f,
        Err(e) => {
            print_scenario_error(&e);
            return Err(CliError::InvalidReported);
        }
    };
    let mut bad = false;
    for f in &files {
        match scenario::load(f) {
            Ok(s) => outln!(
                "ok {} ({}: {} steps)",
                f.display(),
                s.name,
                s.spec.steps.len()
            )?,
            Err(e) => {
                print_scenario_error(&e);
                bad = true;
            }
        }
    }
    if bad {
        Err(CliError::InvalidReported)
    } else {
        Ok(())
    }
}

/// `kubedrill run`.
pub fn run(args: RunArgs) -> Result<(), CliError> {
    // Every event of the run's edge carries the backend and the job count (`-v`).
    let _span = tracing::debug_span!("run", backend = %args.backend, jobs = args.jobs).entered();
    let runtime = match args.backend.as_str() {
        "process" => RuntimeKind::Process,
        "docker" => {
            // Fail before anything runs when there is no engine to talk to.
            let docker = kubedrill::runtime::blocking::block_on(
                kubedrill::runtime::docker::DockerRuntime::connect(),
            )
            .map_err(CliError::invalid)?
            .map_err(CliError::invalid)?;
            // Containers of runs killed before they could remove them.
            let removed =
                kubedrill::runtime::blocking::block_on(docker.remove_orphans()).unwrap_or_default();
            if !removed.is_empty() {
                eprintln!(
                    "note: removed {} container(s) left by killed runs: {}",
                    removed.len(),
                    removed.join(", ")
                );
            }
            RuntimeKind::Docker
        }
        other => {
            return Err(CliError::Invalid(format!(
                "backend {other:?} is not available in this build (hint: use --backend \
                 process or docker; the kind and cluster backends are planned)"
            )));
        }
    };
    tracing::debug!(backend = %args.backend, "backend ready");
    let reports = parse_reports(&args.reports)?;
    let mut scenarios = match load_all(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            print_scenario_error(&e);
            return Err(CliError::InvalidReported);
        }
    };
    if scenarios.is_empty() {
        return Err(CliError::invalid(
            "no scenario files found (hint: a scenario has `kind: Scenario`)",
        ));
    }
    if let Some(version) = args.kube_version {
        override_kube_version(&mut scenarios, version)?;
    }
    tracing::debug!(
        scenarios = scenarios.len(),
        jobs = args.jobs,
        "scenarios loaded"
    );
    sweep_stale_scratch();
    let exe = std::env::current_exe()
        .map_err(|e| CliError::Invalid(format!("cannot find the kubedrill executable: {e}")))?;
    // Said once per run: without mount namespaces apps must read `$KUBEDRILL_ROOT/<mountPath>`.
    if runtime == RuntimeKind::Process
        && let kubedrill::runtime::process::Isolation::PathMapping { reason } =
            kubedrill::runtime::process::ProcessRuntime::new(&exe).isolation()
    {
        eprintln!(
            "note: mount namespaces are unavailable here ({reason}); containers see their \
             volumes under $KUBEDRILL_ROOT/<mountPath> instead of at the mountPath"
        );
    }
    let opts = RunOptions {
        exe,
        keep: args.keep,
        show_secrets: args.show_secrets,
        timing: args.timing.clone(),
        scratch_root: None,
        runtime,
        print_logs: args.logs,
    };
    let (results, interrupted) = run_parallel(scenarios, &opts, args.jobs.max(1));
    tracing::debug!(
        results = results.len(),
        interrupted = ?interrupted,
        "run finished"
    );
    write_reports(&reports, &results)?;
    if let Some(signal) = interrupted {
        eprintln!("interrupted: stopped every process and removed scratch directories");
        Err(match signal {
            Interrupt::Terminate => StopSignal::Terminate,
            Interrupt::Interrupt => StopSignal::Interrupt,
        }
        .into())
    } else if results.iter().any(|r| r.error.is_some()) {
        Err(CliError::InvalidReported)
    } else if results.iter().any(|r| !r.passed()) {
        Err(CliError::Failed)
    } else {
        Ok(())
    }
}

/// `--kube-version`: every scenario runs as that version's kubelet, and its workload is checked
/// again under that version's API rules (env names differ before 1.30), as the loader does for
/// `spec.kubernetesVersion`.
fn override_kube_version(scenarios: &mut [Scenario], version: KubeVersion) -> Result<(), CliError> {
    for sc in scenarios {
        sc.spec.kube_version = Some(version);
        if let Err(e) =
            kubedrill::api::manifest::check_workload(&sc.spec.workload.workload, version, None)
        {
            eprintln!("error: {e}");
            print_source_line(e.file(), e.line(), e.column());
            eprintln!(
                "  (--kube-version {version} applies that version's API rules to the workload of \
                 {})",
                sc.file.display()
            );
            return Err(CliError::InvalidReported);
        }
    }
    Ok(())
}

/// Removes the scratch directories of runs that were killed before they could (see
/// [`kubedrill::runtime::scratch`]), and says so.
fn sweep_stale_scratch() {
    let sweep = kubedrill::runtime::scratch::sweep_stale(&std::env::temp_dir());
    if !sweep.removed.is_empty() {
        eprintln!(
            "note: removed {} scratch director{} left by killed runs",
            sweep.removed.len(),
            if sweep.removed.len() == 1 { "y" } else { "ies" }
        );
    }
    for (dir, e) in &sweep.failed {
        eprintln!(
            "warning: cannot remove {} left by a killed run: {e}",
            dir.display()
        );
    }
}

/// The signal that stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interrupt {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

/// Runs scenarios on `jobs` worker threads (each with its own single-threaded tokio runtime)
/// and streams their events to the console from this thread. Returns the results in input
/// order and the signal that stopped the run, if one did.
fn run_parallel(
    scenarios: Vec<Scenario>,
    opts: &RunOptions,
    jobs: usize,
) -> (Vec<ScenarioResult>, Option<Interrupt>) {
    let run_start = Instant::now();
    let count = scenarios.len();
    let queue: Mutex<VecDeque<(usize, Scenario)>> =
        Mutex::new(scenarios.into_iter().enumerate().collect());
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let signal = std::sync::Arc::new(Mutex::new(None));
    spawn_interrupt_watcher(cancel_tx, std::sync::Arc::clone(&signal));
    let (tx, rx) = mpsc::channel::<(usize, Option<RunEvent>, Option<ScenarioResult>)>();
    let mut console = crate::output::console_reporter().with_logs(opts.print_logs);
    let mut results: Vec<Option<ScenarioResult>> = vec![None; count];
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(count) {
            let tx = tx.clone();
            let queue = &queue;
            let mut cancel = cancel_rx.clone();
            scope.spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                loop {
                    if *cancel.borrow() {
                        return;
                    }
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some((i, sc)) = next else { return };
                    let result = rt.block_on(async {
                        let mut emit = |e: RunEvent| {
                            let _ = tx.send((i, Some(e), None));
                        };
                        tokio::select! {
                            r = run_scenario(&sc, opts, run_start, &mut emit) => Some(r),
                            _ = cancel.wait_for(|c| *c) => None,
                        }
                    });
                    match result {
                        Some(r) => {
                            let _ = tx.send((i, None, Some(r)));
                        }
                        None => return,
                    }
                }
            });
        }
        drop(tx);
        for (i, event, result) in rx {
            if let Some(e) = event {
                let _ = console.handle(&e);
            }
            if let Some(r) = result {
                results[i] = Some(r);
            }
        }
    });
    let interrupted = if *cancel_rx.borrow() {
        Some(
            signal
                .lock()
                .ok()
                .and_then(|s| *s)
                .unwrap_or(Interrupt::Interrupt),
        )
    } else {
        None
    };
    let results: Vec<ScenarioResult> = results.into_iter().flatten().collect();
    let _ = console.summary(&results);
    (results, interrupted)
}

/// Turns SIGINT and SIGTERM into a cancellation every worker sees, recording which it was.
fn spawn_interrupt_watcher(
    cancel: tokio::sync::watch::Sender<bool>,
    signal_seen: std::sync::Arc<Mutex<Option<Interrupt>>>,
) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            let which = tokio::select! {
                _ = int.recv() => Interrupt::Interrupt,
                _ = term.recv() => Interrupt::Terminate,
            };
            if let Ok(mut seen) = signal_seen.lock() {
                *seen = Some(which);
            }
            let _ = cancel.send(true);
        });
    });
}

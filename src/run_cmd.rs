//! `kubedrill run` and `kubedrill validate`: load every scenario first (invalid input stops
//! everything before anything runs), run them on worker threads (`--jobs`), stream events to
//! the console, write reports, and map results to exit codes. Ctrl-C (exit 130) or SIGTERM
//! (exit 143) cancels the running scenarios; dropping a scenario's run kills its processes
//! and removes its scratch dir. When a run is killed outright, the process runtime's watchdog
//! removes its scratch dir; whatever is left (the watchdog killed too, Docker containers) the
//! next run removes before it starts.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Instant;

use kubedrill::backend::local::RuntimeKind;
use kubedrill::report::console::ConsoleReporter;
use kubedrill::report::model::{RunEvent, ScenarioResult};
use kubedrill::report::{json, junit};
use kubedrill::runner::{RunOptions, run_scenario};
use kubedrill::scenario::{self, Scenario, ScenarioError};

use crate::cli::{EXIT_FAILED, EXIT_INVALID, print_source_line};

/// Exit code after Ctrl-C, as shells report SIGINT (128 + 2).
const EXIT_INTERRUPTED: u8 = 130;
/// Exit code after SIGTERM (128 + 15): a supervisor that stopped kubedrill sees its signal.
const EXIT_TERMINATED: u8 = 143;

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
    /// `--kind-image`: the kind node image (`--backend kind`).
    pub kind_image: Option<String>,
    /// `--reuse-cluster NAME`: keep the kind node and reuse a kept one (`--backend kind`).
    pub reuse_cluster: Option<String>,
}

enum Report {
    Json(PathBuf),
    Junit(PathBuf),
}

fn parse_report(spec: &str) -> Result<Report, String> {
    match spec.split_once('=') {
        Some(("json", f)) if !f.is_empty() => Ok(Report::Json(PathBuf::from(f))),
        Some(("junit", f)) if !f.is_empty() => Ok(Report::Junit(PathBuf::from(f))),
        _ => Err(format!(
            "invalid --report {spec:?} (hint: write json=FILE or junit=FILE)"
        )),
    }
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
pub fn validate(paths: &[PathBuf]) -> ExitCode {
    let files = match scenario::discover(paths) {
        Ok(f) => f,
        Err(e) => {
            print_scenario_error(&e);
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let mut bad = false;
    for f in &files {
        match scenario::load(f) {
            Ok(s) => println!(
                "ok {} ({}: {} steps)",
                f.display(),
                s.name,
                s.spec.steps.len()
            ),
            Err(e) => {
                print_scenario_error(&e);
                bad = true;
            }
        }
    }
    if bad {
        ExitCode::from(EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}

/// `kubedrill run`.
pub fn run(args: RunArgs) -> ExitCode {
    if let Err(e) = crate::kind_cmd::check_flags(&args) {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_INVALID);
    }
    let runtime = match args.backend.as_str() {
        "process" => RuntimeKind::Process,
        // The node is booted once the scenarios are loaded (below).
        "kind" => RuntimeKind::Process,
        "docker" => {
            // Fail before anything runs when there is no engine to talk to.
            let reachable = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
                .and_then(|rt| {
                    rt.block_on(kubedrill::runtime::docker::DockerRuntime::connect())
                        .map_err(|e| e.to_string())
                });
            let docker = match reachable {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_INVALID);
                }
            };
            // Containers of runs killed before they could remove them.
            let removed = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(docker.remove_orphans()))
                .unwrap_or_default();
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
            eprintln!(
                "error: backend {other:?} is not available in this build (hint: use --backend \
                 process, docker or kind; the cluster backend is planned)"
            );
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let reports: Vec<Report> = match args.reports.iter().map(|r| parse_report(r)).collect() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let scenarios = match load_all(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            print_scenario_error(&e);
            return ExitCode::from(EXIT_INVALID);
        }
    };
    if scenarios.is_empty() {
        eprintln!("error: no scenario files found (hint: a scenario has `kind: Scenario`)");
        return ExitCode::from(EXIT_INVALID);
    }
    if args.backend == "kind" {
        return crate::kind_cmd::run(&args, &scenarios);
    }
    sweep_stale_scratch();
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot find the kubedrill executable: {e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
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
    for r in &reports {
        let (path, res) = match r {
            Report::Json(p) => (p, json::write_json(p, &results)),
            Report::Junit(p) => (p, junit::write_junit(p, &results)),
        };
        if let Err(e) = res {
            eprintln!("error: writing report {}: {e}", path.display());
            return ExitCode::from(EXIT_INVALID);
        }
    }
    if let Some(signal) = interrupted {
        eprintln!("interrupted: stopped every process and removed scratch directories");
        ExitCode::from(match signal {
            Interrupt::Terminate => EXIT_TERMINATED,
            Interrupt::Interrupt => EXIT_INTERRUPTED,
        })
    } else if results.iter().any(|r| r.error.is_some()) {
        ExitCode::from(EXIT_INVALID)
    } else if results.iter().any(|r| !r.passed()) {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
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
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut console = ConsoleReporter::new(std::io::stdout(), color).with_logs(opts.print_logs);
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

//! `kubedrill run` and `kubedrill validate`: find and load every scenario first (invalid input
//! stops everything before anything runs), pick them (`--filter`, `-l`), hand them to the
//! library's dispatcher ([`kubedrill::runner::run_all`]: `--jobs`, `--repeat`, `--fail-fast`,
//! Ctrl-C) with a local backend factory, print its events on the console, write reports, and
//! map results to exit codes. Ctrl-C (exit 130) or SIGTERM
//! (exit 143) cancels the running scenarios; dropping a scenario's run kills its processes
//! and removes its scratch dir. When a run is killed outright, the process runtime's watchdog
//! removes its scratch dir; whatever is left (the watchdog killed too, Docker containers) the
//! next run removes before it starts.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kubedrill::backend::local::{LocalBackendFactory, RuntimeKind};
use kubedrill::report::console::ConsoleReporter;
use kubedrill::report::model::ScenarioResult;
use kubedrill::report::{json, junit};
use kubedrill::runner::select::{Selection, discover};
use kubedrill::runner::{Cancel, Interrupt, RunAllOptions, RunOptions, run_all};
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
    /// `--filter REGEX`: only scenarios whose name or file path matches.
    pub filter: Option<String>,
    /// `-l key=value`: only scenarios whose labels match every selector.
    pub selectors: Vec<String>,
    /// `--fail-fast`: start no further scenario once one has failed.
    pub fail_fast: bool,
    /// `--repeat N`: run each scenario N times and report flaky ones.
    pub repeat: usize,
    /// `--timeout D`: a scenario running longer fails.
    pub timeout: Option<Duration>,
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

/// Loads every scenario under `paths` (default `./scenarios`; directories recursively).
fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, ScenarioError> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        paths.to_vec()
    };
    discover(&paths)?
        .iter()
        .map(|p| scenario::load(p))
        .collect()
}

/// `kubedrill validate`.
pub fn validate(paths: &[PathBuf]) -> ExitCode {
    let files = match discover(paths) {
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
    let runtime = match args.backend.as_str() {
        "process" => RuntimeKind::Process,
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
                 process or docker; the kind and cluster backends are planned)"
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
    let selection = match Selection::new(args.filter.as_deref(), &args.selectors) {
        Ok(s) => s,
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
    let found = scenarios.len();
    let scenarios: Vec<Scenario> = scenarios
        .into_iter()
        .filter(|s| selection.matches(s))
        .collect();
    if scenarios.is_empty() {
        eprintln!(
            "error: none of the {found} scenario(s) found matches --filter/-l (hint: `kubedrill \
             validate PATH` lists them with their names)"
        );
        return ExitCode::from(EXIT_INVALID);
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
    let factory = LocalBackendFactory {
        runtime,
        exe,
        keep: args.keep,
        scratch_root: None,
    };
    let progress = kubedrill::report::progress::WaitLine::on_terminal();
    let opts = RunAllOptions {
        run: RunOptions {
            show_secrets: args.show_secrets,
            timing: args.timing.clone(),
            timeout: args.timeout,
            on_wait: progress.callback(),
        },
        jobs: args.jobs.max(1),
        repeat: args.repeat.max(1),
        fail_fast: args.fail_fast,
    };
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut console = ConsoleReporter::new(std::io::stdout(), color).with_logs(args.logs);
    let cancel = Cancel::on_signals();
    let outcome = run_all(
        &scenarios,
        &factory,
        &opts,
        &mut |e| {
            progress.suspend(|| {
                let _ = console.handle(e);
            })
        },
        &cancel,
    );
    progress.clear();
    let results: Vec<ScenarioResult> = outcome.results.clone();
    let _ = console.summary(&results);
    for f in &outcome.flaky {
        println!(
            "flaky: {} ({}): passed {} of {} runs",
            f.scenario,
            f.file.display(),
            f.passed,
            f.passed + f.failed
        );
    }
    if outcome.not_started > 0 {
        println!(
            "--fail-fast: {} scenario run(s) not started after the first failure",
            outcome.not_started
        );
    }
    let interrupted = cancel.signal();
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

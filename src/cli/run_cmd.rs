//! `kubedrill run` and `kubedrill validate`: find and load every scenario first (invalid input
//! stops everything before anything runs), pick them (`--filter`, `-l`), hand them to the
//! library's dispatcher ([`kubedrill::runner::run_all`]: `--jobs`, `--repeat`, `--fail-fast`,
//! Ctrl-C) with a local backend factory, print its events on the console, write reports, and
//! map results to exit codes. Ctrl-C (exit 130) or SIGTERM
//! (exit 143) cancels the running scenarios; dropping a scenario's run kills its processes
//! and removes its scratch dir. When a run is killed outright, the process runtime's watchdog
//! removes its scratch dir; whatever is left (the watchdog killed too, Docker containers) the
//! next run removes before it starts.
//!
//! This is the binary's edge of a run: it turns arguments into [`RunOptions`], prints and maps
//! the outcome to a [`CliError`]. It must not decide whether a step passed (the runner does)
//! nor how a report is laid out (`kubedrill::report` does).

use std::path::PathBuf;
use std::time::Duration;

use kubedrill::backend::cluster::{ClusterArgs, ClusterBackendFactory};
use kubedrill::backend::local::{LocalBackendFactory, RuntimeKind};
use kubedrill::kubelet::KubeVersion;
use kubedrill::report::compare::Comparison;
use kubedrill::report::model::ScenarioResult;
use kubedrill::report::{json, junit};
use kubedrill::runner::select::{Selection, discover};
use kubedrill::runner::{Cancel, Interrupt, RunAllOptions, RunOptions, run_all};
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
    /// `--kubeconfig`, `--context`, `--namespace-prefix`, `--image`, `--compare`.
    pub cluster: ClusterArgs,
    /// `--kind-image`: the kind node image (`--backend kind`).
    pub kind_image: Option<String>,
    /// `--reuse-cluster NAME`: keep the kind node and reuse a kept one (`--backend kind`).
    pub reuse_cluster: Option<String>,
}

/// Where each scenario runs besides (or instead of) the local backend.
enum Remote {
    /// `--backend process|docker`: locally only.
    None,
    /// `--backend cluster`: on the cluster only.
    Cluster(ClusterBackendFactory),
    /// `--compare local,cluster`: locally, then on the cluster, then step by step compared.
    Compare(ClusterBackendFactory),
}

/// Connects to the cluster once, before anything runs: a missing kubeconfig, an unreachable
/// server or refused credentials are setup errors (exit 2) before the first scenario.
fn cluster_factory(
    args: &RunArgs,
    node: Option<&crate::kind_cmd::KindNode>,
) -> Result<ClusterBackendFactory, CliError> {
    let mut options = args.cluster.options(args.keep);
    if let Some(node) = node {
        // The kind node's own kubeconfig (rewritten to the mapped API server port).
        options.kubeconfig = Some(node.cluster.kubeconfig_path.clone());
        options.context = node.cluster.context.clone();
    }
    let connection =
        kubedrill::runtime::blocking::block_on(kubedrill::backend::cluster::connect(&options))
            .map_err(CliError::invalid)?
            .map_err(CliError::invalid)?;
    Ok(ClusterBackendFactory {
        connection,
        options,
    })
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
fn write_reports(
    reports: &[Report],
    results: &[ScenarioResult],
    comparisons: &[Comparison],
) -> Result<(), CliError> {
    for r in reports {
        let (target, res) = match r {
            Report::Json(p) if !comparisons.is_empty() => (
                p.display().to_string(),
                kubedrill::report::compare::write_json_with_comparison(p, results, comparisons),
            ),
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
pub fn validate(paths: &[PathBuf]) -> Result<(), CliError> {
    let files = match discover(paths) {
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
    let kind = crate::kind_cmd::KindArgs {
        kind_image: args.kind_image.clone(),
        reuse_cluster: args.reuse_cluster.clone(),
        timing: args.timing.clone(),
    };
    let uses_kind = crate::kind_cmd::uses_kind(&args.backend, args.cluster.compare.as_deref());
    crate::kind_cmd::check_flags(&kind, uses_kind)?;
    match (args.cluster.compare.as_deref(), args.backend.as_str()) {
        (None, _) | (Some("local,cluster" | "local,kind"), "process" | "docker") => {}
        (Some(other), _) => {
            return Err(CliError::Invalid(format!(
                "invalid --compare {other:?} with --backend {} (hint: --compare local,cluster \
                 or local,kind; the local side is --backend process or docker)",
                args.backend
            )));
        }
    }
    // A cluster is connected to before anything runs (setup errors exit 2 at once).
    let early_cluster = match (args.cluster.compare.as_deref(), args.backend.as_str()) {
        (None, "cluster") => Some(cluster_factory(&args, None)?),
        (Some("local,cluster"), _) => Some(cluster_factory(&args, None).map_err(|e| match e {
            CliError::Invalid(m) => CliError::Invalid(format!("--compare: {m}")),
            other => other,
        })?),
        _ => None,
    };
    let runtime = match args.backend.as_str() {
        // The cluster and kind backends still run the local side of --compare as processes.
        "process" | "cluster" | "kind" => RuntimeKind::Process,
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
                 process, docker, cluster or kind)"
            )));
        }
    };
    tracing::debug!(backend = %args.backend, "backend ready");
    let reports = parse_reports(&args.reports)?;
    let selection =
        Selection::new(args.filter.as_deref(), &args.selectors).map_err(CliError::invalid)?;
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
    let found = scenarios.len();
    scenarios.retain(|s| selection.matches(s));
    if scenarios.is_empty() {
        return Err(CliError::Invalid(format!(
            "none of the {found} scenario(s) found matches --filter/-l (hint: `kubedrill \
             validate PATH` lists them with their names)"
        )));
    }
    if let Some(version) = args.kube_version {
        override_kube_version(&mut scenarios, version)?;
    }
    tracing::debug!(
        scenarios = scenarios.len(),
        jobs = args.jobs,
        "scenarios loaded"
    );
    // The kind node boots once the scenarios are known (their images and timing).
    let node = if uses_kind {
        Some(crate::kind_cmd::boot(&kind, &scenarios)?)
    } else {
        None
    };
    let on_node = match &node {
        Some(n) => match cluster_factory(&args, Some(n)) {
            Ok(f) => Some(f),
            Err(e) => {
                if let Some(n) = node {
                    n.shutdown();
                }
                return Err(e);
            }
        },
        None => None,
    };
    let remote = match early_cluster.or(on_node) {
        Some(f) if args.cluster.compare.is_some() => Remote::Compare(f),
        Some(f) => Remote::Cluster(f),
        None => Remote::None,
    };
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
    let mut console = crate::output::console_reporter().with_logs(args.logs);
    let cancel = Cancel::on_signals();
    let mut sink = |e: &kubedrill::report::model::RunEvent| {
        progress.suspend(|| {
            let _ = console.handle(e);
        })
    };
    let mut comparisons = Vec::new();
    let outcome = match &remote {
        Remote::None => run_all(&scenarios, &factory, &opts, &mut sink, &cancel),
        Remote::Cluster(cluster) => {
            let mut outcome = run_all(&scenarios, cluster, &opts, &mut sink, &cancel);
            note_fast_on_a_cluster(&mut outcome.results);
            outcome
        }
        Remote::Compare(cluster) => {
            let mut local = run_all(&scenarios, &factory, &opts, &mut sink, &cancel);
            if !local.cancelled {
                let mut remote = run_all(&scenarios, cluster, &opts, &mut sink, &cancel);
                note_fast_on_a_cluster(&mut remote.results);
                comparisons = pair_up(&local.results, &remote.results);
                local.results.append(&mut remote.results);
                local.flaky.append(&mut remote.flaky);
                local.not_started += remote.not_started;
                local.cancelled |= remote.cancelled;
            }
            local
        }
    };
    progress.clear();
    let results: Vec<ScenarioResult> = outcome.results.clone();
    let _ = console.summary(&results);
    for c in &comparisons {
        crate::output::line(format_args!(
            "{}",
            kubedrill::report::compare::render_text(c).trim_end()
        ))?;
    }
    for f in &outcome.flaky {
        outln!(
            "flaky: {} ({}): passed {} of {} runs",
            f.scenario,
            f.file.display(),
            f.passed,
            f.passed + f.failed
        )?;
    }
    if outcome.not_started > 0 {
        outln!(
            "--fail-fast: {} scenario run(s) not started after the first failure",
            outcome.not_started
        )?;
    }
    let interrupted = cancel.signal();
    tracing::debug!(
        results = results.len(),
        interrupted = ?interrupted,
        "run finished"
    );
    let written = write_reports(&reports, &results, &comparisons);
    if let Some(node) = node {
        node.shutdown();
    }
    written?;
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

/// Under `fast` timing a cluster's kubelet is made to sync by touching the pod: the report's
/// timing line says so.
fn note_fast_on_a_cluster(results: &mut [ScenarioResult]) {
    for r in results.iter_mut().filter(|r| r.timing.starts_with("fast")) {
        r.timing = format!(
            "{} {}",
            r.timing,
            kubedrill::backend::cluster::FAST_ON_A_CLUSTER
        );
    }
}

/// Each local run with the cluster run of the same scenario (file and name; `--repeat` runs in
/// order), compared step by step.
fn pair_up(local: &[ScenarioResult], remote: &[ScenarioResult]) -> Vec<Comparison> {
    let mut used = vec![false; remote.len()];
    local
        .iter()
        .filter_map(|l| {
            let i = (0..remote.len()).find(|&i| {
                !used[i] && remote[i].file == l.file && remote[i].scenario == l.scenario
            })?;
            used[i] = true;
            Some(kubedrill::report::compare::compare(l, &remote[i]))
        })
        .collect()
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

//! Argument parsing, console output and the mapping of errors to exit codes. Everything else
//! lives in the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kubedrill::kubelet::KubeVersion;
use kubedrill::project::{self, ProjectError, ProjectOptions, ProjectReport};

/// Prove how your app behaves when the ConfigMaps and Secrets it consumes change.
#[derive(Debug, Parser)]
#[command(name = "kubedrill", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What `project` and `dev` project, and where.
#[derive(Debug, clap::Args)]
struct ProjectTarget {
    /// Manifest files with ConfigMaps and Secrets (multi-document YAML is fine).
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "MANIFEST",
        required = true
    )]
    manifests: Vec<PathBuf>,
    /// The file with the Pod or workload (Deployment, StatefulSet, DaemonSet, ReplicaSet,
    /// Job, CronJob). May be omitted when exactly one workload is among the manifests.
    #[arg(long, value_name = "FILE")]
    workload: Option<PathBuf>,
    /// Output directory: DIR/<mountPath> per volumeMount, DIR/<container>.env per container.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Reproduce this Kubernetes version's kubelet where behaviour differs (e.g. 1.29).
    #[arg(long, value_name = "VERSION", default_value_t = KubeVersion::CURRENT)]
    kube_version: KubeVersion,
}

impl ProjectTarget {
    fn options(self, restart: bool) -> ProjectOptions {
        ProjectOptions {
            manifests: self.manifests,
            workload: self.workload,
            out: self.out,
            restart,
            kube_version: self.kube_version,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Materialise a pod's volumes and env into DIR exactly as kubelet would.
    ///
    /// Re-running with changed manifests performs kubelet's next sync: a real AtomicWriter
    /// update (new timestamped dir, `..data` swap, removals). Env files and subPath mounts stay
    /// as they were at container start unless --restart.
    Project {
        #[command(flatten)]
        target: ProjectTarget,
        /// Restart the containers: re-resolve env files and subPath mounts (§5.3, §6.7).
        #[arg(long)]
        restart: bool,
    },
    /// Like project, then keep DIR in sync: every saved edit to a manifest is validated and
    /// projected as kubelet's next sync would. Run your app against DIR; stop with Ctrl-C.
    Dev {
        #[command(flatten)]
        target: ProjectTarget,
        /// With a COMMAND: the container whose mounts and env the app gets (default: the
        /// first container).
        #[arg(long, value_name = "NAME")]
        container: Option<String>,
        /// Run this app (after `--`) with the projected volumes at their real mountPaths and
        /// the projected env, in its own mount namespace; its output is shown as `app | …`.
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<String>,
        /// Show the app's output as it is; by default Secret values in it are redacted.
        #[arg(long)]
        show_secrets: bool,
    },
    /// Run scenario files (a directory means every scenario file in it; default ./scenarios).
    ///
    /// Exit codes: 0 all passed, 1 some failed, 2 invalid input or setup error, 130 interrupted
    /// (SIGINT), 143 terminated (SIGTERM).
    Run {
        /// Scenario files or directories.
        paths: Vec<PathBuf>,
        /// Where the app runs: process (local processes, default), docker (containers on the
        /// local Docker engine) or kind (a kind node booted through testcontainers). cluster is
        /// planned.
        #[arg(long, default_value = "process", value_name = "BACKEND")]
        backend: String,
        /// Override every scenario's timing profile: fast or kubelet.
        #[arg(long, value_name = "PROFILE", value_parser = ["fast", "kubelet"])]
        timing: Option<String>,
        /// Also write a report: json=FILE or junit=FILE (repeatable).
        #[arg(long = "report", value_name = "FORMAT=FILE")]
        reports: Vec<String>,
        /// Run up to N scenarios at once, each in its own scratch directory.
        #[arg(long, short = 'j', default_value_t = 1, value_name = "N")]
        jobs: usize,
        /// Keep each scenario's scratch directory and print where it is.
        #[arg(long)]
        keep: bool,
        /// Show Secret-derived values instead of redacting them.
        #[arg(long)]
        show_secrets: bool,
        /// Print each container's log (stdout and stderr, Secret values redacted) after its
        /// scenario, passed or not. Reports always carry the logs.
        #[arg(long)]
        logs: bool,
        /// With --backend kind: the kindest/node image (pin it by digest; default
        /// kindest/node:v1.35.0).
        #[arg(long, value_name = "IMAGE")]
        kind_image: Option<String>,
        /// With --backend kind: keep the node as cluster NAME after the run, and reuse the
        /// node a previous run kept under that name.
        #[arg(long, value_name = "NAME")]
        reuse_cluster: Option<String>,
    },
    /// Check scenario files without running them (exit 2 on the first invalid file).
    Validate {
        /// Scenario files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the scenario format (for yaml-language-server).
    Schema,
    /// Static findings: credentials in ConfigMaps, subPath or env where updates are expected,
    /// references to objects that do not exist, and more.
    ///
    /// Exit codes: 0 no warning or error, 1 some warning or error, 2 invalid input.
    Lint {
        /// Manifest files (ConfigMaps, Secrets and workloads; multi-document YAML is fine).
        #[arg(required = true, value_name = "MANIFEST")]
        manifests: Vec<PathBuf>,
    },
    /// Internal: set up a container's mount namespace from SPEC, then exec its command.
    #[command(name = "__ns-exec", hide = true)]
    NsExec {
        /// The spec file written by the process runtime.
        spec: PathBuf,
    },
    /// Internal: kill the process groups kubedrill registers on stdin once stdin ends.
    #[command(name = "__watchdog", hide = true)]
    Watchdog,
}

/// Exit code for invalid input or a setup error.
pub(crate) const EXIT_INVALID: u8 = 2;
/// Exit code when kubelet would fail to start a container.
pub(crate) const EXIT_FAILED: u8 = 1;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_INVALID)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::NsExec { spec } => kubedrill::runtime::process::ns_exec_main(&spec),
        Command::Watchdog => kubedrill::runtime::process::watchdog_main(),
        Command::Run {
            paths,
            backend,
            timing,
            reports,
            jobs,
            keep,
            show_secrets,
            logs,
            kind_image,
            reuse_cluster,
        } => crate::run_cmd::run(crate::run_cmd::RunArgs {
            paths,
            backend,
            timing,
            reports,
            jobs,
            keep,
            show_secrets,
            logs,
            kind_image,
            reuse_cluster,
        }),
        Command::Validate { paths } => crate::run_cmd::validate(&paths),
        Command::Lint { manifests } => lint(&manifests),
        Command::Dev {
            target,
            container,
            command,
            show_secrets,
        } => dev(
            target.options(false),
            container.as_deref(),
            &command,
            show_secrets,
        ),
        Command::Schema => {
            match serde_json::to_string_pretty(&kubedrill::scenario::json_schema()) {
                Ok(s) => {
                    println!("{s}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(EXIT_INVALID)
                }
            }
        }
        Command::Project { target, restart } => {
            let opts = target.options(restart);
            match project::project(&opts) {
                Ok(report) => {
                    print_report(&report, &opts.out);
                    if report.has_failures() {
                        ExitCode::from(EXIT_FAILED)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => {
                    print_error(&e);
                    ExitCode::from(EXIT_INVALID)
                }
            }
        }
    }
}

fn dev(
    opts: ProjectOptions,
    container: Option<&str>,
    command: &[String],
    show_secrets: bool,
) -> ExitCode {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            // SIGINT (Ctrl-C) or SIGTERM: stop the app and exit cleanly, never orphan it.
            rt.block_on(async {
                use tokio::signal::unix::{SignalKind, signal};
                match (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) {
                    (Ok(mut int), Ok(mut term)) => {
                        tokio::select! {
                            _ = int.recv() => {}
                            _ = term.recv() => {}
                        }
                    }
                    _ => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            });
            stop.store(true, Ordering::Relaxed);
        });
    }
    let mut first_failed_input = false;
    let mut first = true;
    let mut app: Option<crate::dev_app::DevApp> = None;
    let mut app_failed = false;
    // The app's output is redacted like a run's logs: every Secret value seen in any version of
    // the manifests stays redacted after an edit replaced it.
    let mut redactor = kubedrill::runner::redact::Redactor::new(&[], !show_secrets);
    let result = kubedrill::dev::run(&opts, &stop, |event| match event {
        kubedrill::dev::DevEvent::Tick => {
            if let Some(app) = app.as_mut() {
                for line in app.poll() {
                    println!("{}", redactor.text(&line));
                }
            }
        }
        kubedrill::dev::DevEvent::Watching(files) => {
            println!(
                "watching {} (Ctrl-C to stop)",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        kubedrill::dev::DevEvent::Projected { changed, result } => {
            if !changed.is_empty() {
                println!(
                    "changed: {}",
                    changed
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            match result {
                Ok(report) => {
                    redactor.extend(crate::dev_app::secret_values(&opts));
                    print_report(&report, &opts.out);
                    if first && !command.is_empty() {
                        match crate::dev_app::DevApp::start(&report, &opts.out, container, command)
                        {
                            Ok(a) => {
                                println!("app started (pid {}): {}", a.pid(), command.join(" "));
                                app = Some(a);
                            }
                            Err(e) => {
                                eprintln!("error: starting the app: {e}");
                                app_failed = true;
                                stop.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                }
                Err(e) => {
                    print_error(&e);
                    if first {
                        first_failed_input = true;
                        stop.store(true, Ordering::Relaxed);
                    } else {
                        eprintln!(
                            "  (nothing written: {} keeps the last good projection)",
                            opts.out.display()
                        );
                    }
                }
            }
            first = false;
        }
    });
    if let Some(app) = app {
        app.stop();
    }
    match result {
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_INVALID)
        }
        Ok(()) if first_failed_input || app_failed => ExitCode::from(EXIT_INVALID),
        Ok(()) => ExitCode::SUCCESS,
    }
}

fn lint(manifests: &[PathBuf]) -> ExitCode {
    let set = match kubedrill::api::manifest::load_files(manifests) {
        Ok(set) => set,
        Err(e) => {
            eprintln!("error: {e}");
            print_source_line(e.file(), e.line(), e.column());
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let findings = kubedrill::lint::lint(&set);
    for f in &findings {
        let level = match f.level {
            kubedrill::lint::Level::Info => "info",
            kubedrill::lint::Level::Warning => "warning",
            kubedrill::lint::Level::Error => "error",
        };
        println!(
            "{}: {level} {}: {} (hint: {})",
            f.location, f.code, f.message, f.hint
        );
    }
    let serious = findings
        .iter()
        .filter(|f| f.level >= kubedrill::lint::Level::Warning)
        .count();
    println!(
        "{} finding(s): {serious} warning(s) or error(s), {} info",
        findings.len(),
        findings.len() - serious
    );
    if serious > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// ✗ where kubelet would fail, ✓ otherwise.
fn mark(failed: bool) -> &'static str {
    if failed { "✗" } else { "✓" }
}

fn print_report(report: &ProjectReport, out: &Path) {
    println!("pod {} -> {}", report.pod, out.display());
    for m in &report.mounts {
        let mark = mark(matches!(m.result, project::MountResult::FailedMount(_)));
        println!(
            "  {mark} {}: volume {:?} at {}: {}",
            m.container, m.volume, m.mount_path, m.result
        );
        for r in &m.repaired {
            println!("      repaired: {r}");
        }
    }
    for e in &report.env {
        let mark = mark(matches!(e.result, project::EnvResult::ConfigError(_)));
        println!(
            "  {mark} {}: env {}: {}",
            e.container,
            e.file.display(),
            e.result
        );
        for ev in &e.events {
            println!("      event: {ev}");
        }
    }
}

/// Prints an error; for a manifest error with a location, also the offending line and a caret.
fn print_error(e: &ProjectError) {
    eprintln!("error: {e}");
    let ProjectError::Load(load) = e else { return };
    print_source_line(load.file(), load.line(), load.column());
}

/// The offending line of `file` and a caret under the column, when known; Secret values on
/// it are redacted.
pub(crate) fn print_source_line(file: &Path, line: Option<u64>, col: Option<u64>) {
    let Some(line) = line else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(file) else {
        return;
    };
    // The line may hold a Secret value the message itself was careful not to print.
    let text = kubedrill::runner::redact::redact_secret_source(&text);
    let Some(src) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return;
    };
    // A hostile file may hold one 50 KB line: show at most a window around the column.
    const WINDOW: usize = 60;
    let chars: Vec<char> = src.chars().collect();
    let at = col
        .map_or(0, |c| c.saturating_sub(1) as usize)
        .min(chars.len());
    let start = at.saturating_sub(WINDOW);
    let end = (at + WINDOW).min(chars.len());
    let shown: String = chars[start..end].iter().collect();
    let (before, after) = (
        if start > 0 { "…" } else { "" },
        if end < chars.len() { "…" } else { "" },
    );
    eprintln!("{line:>5} | {before}{shown}{after}");
    if col.is_some() {
        let pad = at - start + before.chars().count();
        eprintln!("      | {}^", " ".repeat(pad));
    }
}

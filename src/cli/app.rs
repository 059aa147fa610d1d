//! The argument definition (clap derive) and the dispatch of each subcommand to its printer.
//!
//! This module owns the flags and which function handles a subcommand; it must not decide
//! anything a subcommand does (the library does) nor exit codes (see [`crate::exit`]). Flags
//! shared by every subcommand (`--color`, `-q`, `-v`) live on [`Cli`]; each subcommand's flags
//! live on its variant of [`Command`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use kubedrill::kubelet::KubeVersion;
use kubedrill::project::{self, ProjectOptions};

use crate::exit::{CliError, EXIT_INVALID, exit_code};
use crate::output::ColorWhen;
use crate::print::{print_error, print_report};

/// Prove how your app behaves when the ConfigMaps and Secrets it consumes change.
#[derive(Debug, Parser)]
#[command(name = "kubedrill", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour the console output: auto (a terminal, unless NO_COLOR, CLICOLOR=0 or TERM=dumb;
    /// CLICOLOR_FORCE forces it), always or never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: ColorWhen,
    /// Less output: a run prints its summary only; logs show errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Structured logs (tracing) on stderr: -v debug, -vv trace.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

/// What `project` and `dev` project, and where.
#[derive(Debug, clap::Args)]
struct ProjectTarget {
    /// Manifest files with ConfigMaps and Secrets (multi-document YAML is fine), directories
    /// (their *.yaml, *.yml and *.json files, in name order), or - for standard input.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "MANIFEST",
        required = true
    )]
    manifests: Vec<PathBuf>,
    /// Also read the manifests in subdirectories of -f directories.
    #[arg(short = 'R', long)]
    recursive: bool,
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
    /// The options, with -f directories expanded (kubectl's rules: `api::sources`).
    fn options(self, restart: bool) -> Result<ProjectOptions, CliError> {
        Ok(ProjectOptions {
            manifests: kubedrill::api::sources::expand(&self.manifests, self.recursive)
                .map_err(CliError::invalid)?,
            workload: self.workload,
            out: self.out,
            restart,
            kube_version: self.kube_version,
        })
    }
}

// One value per process, parsed once: the size of the largest variant (run's flags) costs
// nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
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
        /// local Docker engine), cluster (a real cluster from a kubeconfig, one new namespace
        /// per scenario) or kind (a kind node booted through testcontainers, then as cluster).
        #[arg(long, default_value = "process", value_name = "BACKEND")]
        backend: String,
        /// Override every scenario's timing profile: fast or kubelet.
        #[arg(long, value_name = "PROFILE", value_parser = ["fast", "kubelet"])]
        timing: Option<String>,
        /// Also write a report: json=FILE or junit=FILE (repeatable). FILE `-` is stdout; the
        /// console output then goes to stderr.
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
        /// Reproduce this Kubernetes version's kubelet in every scenario (overrides
        /// spec.kubernetesVersion), e.g. 1.29.
        #[arg(long, value_name = "VERSION")]
        kube_version: Option<KubeVersion>,
        /// Run only the scenarios whose name or file path matches this regular expression.
        #[arg(long, short = 'k', value_name = "REGEX")]
        filter: Option<String>,
        /// Run only the scenarios whose metadata.labels match: key=value, key!=value, key or
        /// !key (comma-separated or repeated: all must hold).
        #[arg(long = "selector", short = 'l', value_name = "SELECTOR")]
        selectors: Vec<String>,
        /// Start no further scenario once one has failed (running ones finish).
        #[arg(long)]
        fail_fast: bool,
        /// Run each scenario N times; scenarios that pass some runs and fail others are
        /// reported as flaky (and the run fails).
        #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        repeat: u32,
        /// Fail a scenario still running after this long (e.g. 2m, 90s); its processes are
        /// stopped.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        timeout: Option<std::time::Duration>,
        #[command(flatten)]
        cluster: kubedrill::backend::cluster::ClusterArgs,
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
    /// Exit codes: 0 no finding at or above --fail-on, 1 some, 2 invalid input.
    Lint {
        /// Manifest files (ConfigMaps, Secrets and workloads; multi-document YAML is fine),
        /// directories (their *.yaml, *.yml and *.json files), or - for standard input.
        #[arg(value_name = "MANIFEST", required_unless_present = "files")]
        manifests: Vec<PathBuf>,
        /// Also read the manifests in subdirectories of directories.
        #[arg(short = 'R', long)]
        recursive: bool,
        /// Manifest files, like project and dev (may be combined with positional files).
        #[arg(short = 'f', long = "filename", value_name = "MANIFEST")]
        files: Vec<PathBuf>,
        /// Output format: text, json or sarif (SARIF 2.1.0, for GitHub code scanning).
        #[arg(short = 'o', long = "output", default_value = "text", value_parser = ["text", "json", "sarif"])]
        output: String,
        /// Exit 1 when a finding at or above this level exists: error, warning or info.
        #[arg(long, default_value = "warning", value_parser = ["error", "warning", "info"])]
        fail_on: String,
        /// Switch a rule off for this run, e.g. --allow KD009 (repeatable, or comma separated).
        #[arg(long = "allow", value_name = "RULE")]
        allow: Vec<String>,
    },
    /// Write a commented scenario skeleton for a workload of your manifests: it changes each
    /// ConfigMap and Secret the pod consumes and checks what kubelet does with the change.
    ///
    /// Exit codes: 0 written (or printed), 2 invalid input (nothing written).
    Init {
        /// Manifest files or directories (their *.yaml, *.yml and *.json files).
        #[arg(
            short = 'f',
            long = "filename",
            value_name = "MANIFEST",
            required = true
        )]
        manifests: Vec<PathBuf>,
        /// The workload (name or Kind/name); needed when the manifests hold several.
        #[arg(long, value_name = "NAME")]
        workload: Option<String>,
        /// Write the scenario here (default: print it; its paths are then relative to the
        /// current directory).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script: bash, zsh, fish or powershell.
    Completion {
        /// The shell.
        shell: crate::docs_cmd::Shell,
    },
    /// Print the man page (roff): `kubedrill man | man -l -`.
    Man,
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

/// Parses the arguments, sets up output and logging, runs the subcommand and maps its outcome
/// to the exit code.
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
    crate::output::set_color(cli.color);
    crate::output::set_quiet(cli.quiet);
    crate::logging::init(
        crate::logging::level(cli.quiet, cli.verbose),
        anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never,
    );
    match cli.command {
        // The namespace child and the watchdog keep their own exit codes (125-127, …).
        Command::NsExec { spec } => kubedrill::runtime::process::ns_exec_main(&spec),
        Command::Watchdog => kubedrill::runtime::process::watchdog_main(),
        command => exit_code(dispatch(command)),
    }
}

fn dispatch(command: Command) -> Result<(), CliError> {
    match command {
        Command::NsExec { .. } | Command::Watchdog => Ok(()),
        Command::Run {
            paths,
            backend,
            timing,
            reports,
            jobs,
            keep,
            show_secrets,
            logs,
            kube_version,
            filter,
            selectors,
            fail_fast,
            repeat,
            timeout,
            cluster,
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
            kube_version,
            filter,
            selectors,
            fail_fast,
            repeat: repeat as usize,
            timeout,
            cluster,
            kind_image,
            reuse_cluster,
        }),
        Command::Validate { paths } => crate::run_cmd::validate(&paths),
        Command::Lint {
            mut manifests,
            files,
            output,
            fail_on,
            allow,
            recursive,
        } => {
            manifests.extend(files);
            crate::lint_cmd::lint(&manifests, recursive, &output, &fail_on, &allow)
        }
        Command::Init {
            manifests,
            workload,
            output,
            force,
        } => crate::lint_cmd::init(kubedrill::init::InitOptions {
            manifests,
            workload,
            out: output,
            force,
        }),
        Command::Dev {
            target,
            container,
            command,
            show_secrets,
        } => {
            let opts = target.options(false)?;
            // dev watches files: standard input cannot be re-read after an edit.
            if opts
                .manifests
                .iter()
                .any(|m| kubedrill::api::sources::is_stdin(m))
            {
                return Err(CliError::invalid(
                    kubedrill::api::sources::SourceError::StdinUnsupported {
                        reason: "dev watches the manifest files (use project for - )",
                    },
                ));
            }
            crate::dev_cmd::dev(
                opts,
                crate::dev_cmd::DevArgs {
                    container: container.as_deref(),
                    command: &command,
                    show_secrets,
                },
            )
        }
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&kubedrill::scenario::json_schema())
                .map_err(CliError::invalid)?;
            crate::output::document(format!("{schema}\n").as_bytes())?;
            Ok(())
        }
        Command::Completion { shell } => crate::docs_cmd::completion(Cli::command(), shell),
        Command::Man => crate::docs_cmd::man(Cli::command()),
        Command::Project { target, restart } => {
            let opts = target.options(restart)?;
            match project::project(&opts) {
                Ok(report) => {
                    print_report(&report, &opts.out)?;
                    if report.has_failures() {
                        Err(CliError::Failed)
                    } else {
                        Ok(())
                    }
                }
                Err(e) => {
                    print_error(&e);
                    Err(CliError::InvalidReported)
                }
            }
        }
    }
}

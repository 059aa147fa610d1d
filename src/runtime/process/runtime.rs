//! [`ProcessRuntime`]: starting a container as a local process through `kubedrill __ns-exec`.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::child_error::{ChildError, ChildErrorKind};
use super::errors::RuntimeError;
use super::logs::{LogBuffer, LogStream};
use super::path_mapping::{KUBEDRILL_ROOT, lay_out_path_mapping};
use super::probe::{Isolation, probe_isolation};
use super::running::{DEFAULT_KILL_GRACE, ExitWatch, RunningProcess};
use super::spec::{ContainerSpec, ExecPlan, PlanIsolation, container_env};
use super::watchdog;

/// How long [`ProcessRuntime::start`] waits for the child to exec (mount setup included).
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts containers as local processes (see the module docs of [`super`]).
#[derive(Debug, Clone)]
pub struct ProcessRuntime {
    kubedrill_exe: PathBuf,
    isolation: Option<Isolation>,
    kill_grace: Duration,
    start_timeout: Duration,
    host_user: Option<(u32, u32)>,
}

impl ProcessRuntime {
    /// A runtime that re-executes `kubedrill_exe` (the CLI passes `std::env::current_exe()`,
    /// tests `env!("CARGO_BIN_EXE_kubedrill")`) as `kubedrill __ns-exec`.
    pub fn new(kubedrill_exe: impl Into<PathBuf>) -> Self {
        Self {
            kubedrill_exe: kubedrill_exe.into(),
            isolation: None,
            kill_grace: DEFAULT_KILL_GRACE,
            start_timeout: DEFAULT_START_TIMEOUT,
            host_user: None,
        }
    }

    /// Uses `isolation` instead of probing, e.g. [`Isolation::PathMapping`] to run without
    /// namespaces on purpose.
    pub fn with_isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = Some(isolation);
        self
    }

    /// The grace period between `SIGTERM` and `SIGKILL` for the processes this runtime starts
    /// (default [`DEFAULT_KILL_GRACE`]).
    pub fn with_kill_grace(mut self, grace: Duration) -> Self {
        self.kill_grace = grace;
        self
    }

    /// How long to wait for a container to get from spawn to exec (default 30 s).
    pub fn with_start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Runs containers as this host user and group instead of the current one (needs root).
    /// The container then sets itself up unprivileged, in a user namespace, and the scratch
    /// directory is handed to that user.
    pub fn with_host_user(mut self, uid: u32, gid: u32) -> Self {
        self.host_user = Some((uid, gid));
        self
    }

    /// How containers get their mounts: as configured, else probed once per process (see
    /// [`super::namespaces_available`]). Callers report [`Isolation::PathMapping`] to the user
    /// once.
    pub fn isolation(&self) -> Isolation {
        match (&self.isolation, self.host_user) {
            (Some(isolation), _) => isolation.clone(),
            (None, Some((uid, _))) if uid != 0 => Isolation::MountNamespace {
                user_namespace: true,
            },
            (None, _) => probe_isolation(),
        }
    }

    /// Starts the container and returns once its command was exec'd (volumes mounted) — or
    /// with the reason it could not start.
    pub async fn start(&self, spec: &ContainerSpec) -> Result<RunningProcess, RuntimeError> {
        spec.validate()?;
        let isolation = self.isolation();
        let spec_file = self.write_plan(spec, &isolation)?;
        let spawn_err = |source: io::Error| RuntimeError::Spawn {
            container: spec.name.clone(),
            exe: self.kubedrill_exe.clone(),
            source,
        };
        let (status_rx, status_tx) = io::pipe().map_err(spawn_err)?;
        let mut cmd = Command::new(&self.kubedrill_exe);
        cmd.arg("__ns-exec")
            .arg(&spec_file.0)
            .env_clear()
            .process_group(0)
            .stdin(Stdio::from(status_tx))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some((uid, gid)) = self.host_user {
            // std also drops supplementary groups when it changes the uid.
            cmd.uid(uid).gid(gid);
        }
        let parent = std::process::id();
        // SAFETY: `die_with_parent` only makes system calls (async-signal-safe). std runs it
        // after the uid change, which would otherwise clear the death signal.
        unsafe {
            cmd.pre_exec(move || watchdog::die_with_parent(parent));
        }
        let spawned = cmd.spawn();
        // Our copy of the pipe's write end must go, or its end of file never comes.
        drop(cmd);
        let mut child = spawned.map_err(spawn_err)?;
        let pid = child.id();
        watchdog::guard(&self.kubedrill_exe, pid);
        let exit = match ExitWatch::start(pid) {
            Ok(exit) => exit,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(spawn_err(e));
            }
        };
        // From here the process is owned by `running`: dropping it kills the group.
        let mut running = RunningProcess {
            name: spec.name.clone(),
            pid,
            logs: LogBuffer::new(),
            exit,
            kill_grace: self.kill_grace,
            started_at: Instant::now(),
            isolation,
        };
        capture_output(&mut child, &running.logs).map_err(spawn_err)?;
        let report = match self.await_exec(&spec.name, status_rx).await {
            Ok(report) => report,
            Err(e) => {
                return Err(e.unwrap_or_else(|| RuntimeError::Setup {
                    container: spec.name.clone(),
                    message: format!(
                        "did not start within {:?} (mount setup hung?)",
                        self.start_timeout
                    ),
                }));
            }
        };
        running.started_at = Instant::now();
        drop(spec_file);
        if report.is_empty() {
            return Ok(running);
        }
        let _ = running.wait().await;
        Err(child_error(&spec.name, &report))
    }

    /// Prepares the scratch directory (and the `KUBEDRILL_ROOT` layout without namespaces)
    /// and writes the plan for `__ns-exec` into it.
    fn write_plan(
        &self,
        spec: &ContainerSpec,
        isolation: &Isolation,
    ) -> Result<SpecFile, RuntimeError> {
        let scratch_err = |path: &Path, source: io::Error| RuntimeError::ScratchDir {
            container: spec.name.clone(),
            path: path.to_path_buf(),
            source,
        };
        prepare_scratch(&spec.scratch, self.host_user)
            .map_err(|e| scratch_err(&spec.scratch, e))?;
        let scratch = fs::canonicalize(&spec.scratch).map_err(|e| scratch_err(&spec.scratch, e))?;
        let mut container = spec.clone();
        container.scratch = scratch.clone();
        container.env = container_env(&spec.env, |k| std::env::var(k).ok());
        let plan_isolation = match isolation {
            Isolation::MountNamespace { .. } => PlanIsolation::MountNamespace,
            Isolation::PathMapping { .. } => {
                let root = scratch.join("root");
                lay_out_path_mapping(&root, &spec.mounts).map_err(|e| {
                    RuntimeError::MountFailed {
                        container: spec.name.clone(),
                        mount_path: root.clone(),
                        message: format!("laying out {KUBEDRILL_ROOT} at {}: {e}", root.display()),
                    }
                })?;
                container.env.retain(|(k, _)| k != KUBEDRILL_ROOT);
                container
                    .env
                    .push((KUBEDRILL_ROOT.to_string(), root.display().to_string()));
                PlanIsolation::PathMapping
            }
        };
        let plan = ExecPlan {
            container,
            isolation: plan_isolation,
            status_on_stdin: true,
            parent_pid: Some(std::process::id()),
        };
        let path = scratch.join("spec.json");
        let json = serde_json::to_vec_pretty(&plan)
            .map_err(|e| scratch_err(&path, io::Error::other(e)))?;
        fs::write(&path, json).map_err(|e| scratch_err(&path, e))?;
        let file = SpecFile(path);
        if let Some((uid, gid)) = self.host_user {
            std::os::unix::fs::chown(&file.0, Some(uid), Some(gid))
                .map_err(|e| scratch_err(&file.0, e))?;
        }
        Ok(file)
    }

    /// Reads the status pipe to its end: empty when the command was exec'd, else the child's
    /// JSON report. `Err(None)` on timeout.
    async fn await_exec(
        &self,
        container: &str,
        mut status: io::PipeReader,
    ) -> Result<Vec<u8>, Option<RuntimeError>> {
        let read = tokio::task::spawn_blocking(move || {
            let mut report = Vec::new();
            status.read_to_end(&mut report).map(|_| report)
        });
        let spawn_err = |source: io::Error| {
            Some(RuntimeError::Spawn {
                container: container.to_string(),
                exe: self.kubedrill_exe.clone(),
                source,
            })
        };
        match tokio::time::timeout(self.start_timeout, read).await {
            Ok(Ok(Ok(report))) => Ok(report),
            Ok(Ok(Err(e))) => Err(spawn_err(e)),
            Ok(Err(join)) => Err(spawn_err(io::Error::other(join))),
            Err(_) => Err(None),
        }
    }
}

/// The spec file, removed when dropped: it holds the env, Secret values included, and the
/// child has read it once it exec'd or failed.
struct SpecFile(PathBuf);

impl Drop for SpecFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Starts capturing the child's stdout and stderr into `logs`, each on a thread of its own so
/// capture never waits for the scenario's runtime.
fn capture_output(child: &mut std::process::Child, logs: &LogBuffer) -> io::Result<()> {
    if let Some(stdout) = child.stdout.take() {
        logs.capture_pipe(stdout, LogStream::Stdout)?;
    }
    if let Some(stderr) = child.stderr.take() {
        logs.capture_pipe(stderr, LogStream::Stderr)?;
    }
    Ok(())
}

/// Creates the scratch directory (0700) with the `ns` mount point in it.
fn prepare_scratch(scratch: &Path, owner: Option<(u32, u32)>) -> io::Result<()> {
    fs::create_dir_all(scratch)?;
    fs::set_permissions(scratch, fs::Permissions::from_mode(0o700))?;
    let ns = scratch.join("ns");
    match fs::create_dir(&ns) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    if let Some((uid, gid)) = owner {
        for dir in [scratch, ns.as_path()] {
            std::os::unix::fs::chown(dir, Some(uid), Some(gid))?;
        }
    }
    Ok(())
}

/// Maps the child's report to the error the caller sees.
fn child_error(container: &str, report: &[u8]) -> RuntimeError {
    let container = container.to_string();
    let Ok(err) = serde_json::from_slice::<ChildError>(report) else {
        return RuntimeError::Setup {
            container,
            message: String::from_utf8_lossy(report).into_owned(),
        };
    };
    match err.kind {
        ChildErrorKind::Exec => RuntimeError::ExecFailed {
            container,
            message: err.message,
        },
        ChildErrorKind::Mount => RuntimeError::MountFailed {
            container,
            mount_path: err.mount_path.unwrap_or_default(),
            message: err.message,
        },
        ChildErrorKind::Namespaces => RuntimeError::NamespacesUnavailable {
            reason: err.message,
        },
        ChildErrorKind::Setup => RuntimeError::Setup {
            container,
            message: err.message,
        },
    }
}

//! `kubedrill dev -- COMMAND`: the app under development, run by the process runtime so it sees
//! the projected volumes at their real mountPaths and exactly the projected env, while `dev`
//! keeps the volumes in sync with the manifests being edited.
//!
//! It owns turning a projection report into a process runtime [`ContainerSpec`] and the app's
//! lifetime; it must not decide what is projected ([`crate::project`]) nor print anything (the
//! binary shows the lines [`DevApp::poll`] returns).

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::project::{EnvResult, MountResult, ProjectOptions, ProjectReport, STATE_DIR};
use crate::runtime::process::{
    ContainerSpec, MountSpec, ProcessRuntime, RunningProcess, RuntimeError,
};

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevAppError {
    /// The projected pod has no container at all.
    #[error("the pod has no container")]
    NoContainer,
    /// `--container` names no container of the pod.
    #[error("the pod has no container {0:?} (hint: --container)")]
    UnknownContainer(String),
    /// Kubelet would not start the container (CreateContainerConfigError, FailedMount).
    #[error("container {container} cannot start: {reason}")]
    CannotStart {
        /// The container.
        container: String,
        /// Kubelet's reason.
        reason: String,
    },
    /// The projected env file could not be read.
    #[error("{}: {source}", path.display())]
    EnvFile {
        /// The env file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The kubedrill executable (re-executed for `__ns-exec`) or a runtime could not be found
    /// or built.
    #[error("{0}")]
    Setup(#[source] io::Error),
    /// The process runtime refused or failed to start the app.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// The running app and the runtime that drives its output capture.
pub struct DevApp {
    rt: tokio::runtime::Runtime,
    process: RunningProcess,
    shown: usize,
    exited: bool,
}

impl DevApp {
    /// Starts `command` as `container` of the projected pod: every volumeMount of that
    /// container at its mountPath (read-only), the env of `DIR/<container>.env`.
    pub fn start(
        report: &ProjectReport,
        out: &Path,
        container: Option<&str>,
        command: &[String],
    ) -> Result<DevApp, DevAppError> {
        let name = match container {
            Some(c) => c.to_string(),
            None => report
                .env
                .first()
                .map(|e| e.container.clone())
                .ok_or(DevAppError::NoContainer)?,
        };
        let env_report = report
            .env
            .iter()
            .find(|e| e.container == name)
            .ok_or_else(|| DevAppError::UnknownContainer(name.clone()))?;
        if let EnvResult::ConfigError(msg) = &env_report.result {
            return Err(DevAppError::CannotStart {
                container: name,
                reason: msg.clone(),
            });
        }
        let env_text =
            std::fs::read_to_string(&env_report.file).map_err(|source| DevAppError::EnvFile {
                path: env_report.file.clone(),
                source,
            })?;
        let env = env_text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), unescape(v)))
            .collect();
        let mut mounts = Vec::new();
        for m in report.mounts.iter().filter(|m| m.container == name) {
            if let MountResult::FailedMount(msg) = &m.result {
                return Err(DevAppError::CannotStart {
                    container: name.clone(),
                    reason: msg.clone(),
                });
            }
            let rel = m.mount_path.trim_start_matches('/');
            mounts.push(MountSpec {
                host_path: out.join(rel),
                container_path: Path::new(&m.mount_path).to_path_buf(),
                read_only: !matches!(m.result, MountResult::EmptyDir),
            });
        }
        let exe = std::env::current_exe().map_err(DevAppError::Setup)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(DevAppError::Setup)?;
        let spec = ContainerSpec {
            name: name.clone(),
            command: command.to_vec(),
            env,
            working_dir: std::env::current_dir().ok(),
            mounts,
            scratch: out.join(STATE_DIR).join("dev-app"),
        };
        let process = rt.block_on(ProcessRuntime::new(exe).start(&spec))?;
        Ok(DevApp {
            rt,
            process,
            shown: 0,
            exited: false,
        })
    }

    /// The app's pid.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Output lines not shown yet, and a last line when the app has exited.
    pub fn poll(&mut self) -> Vec<String> {
        let lines = self.process.logs().lines_since(self.shown);
        self.shown += lines.len();
        let mut out: Vec<String> = lines
            .into_iter()
            .map(|l| format!("app | {}", l.text))
            .collect();
        if !self.exited
            && let Some(exit) = self.process.try_wait()
        {
            self.exited = true;
            out.push(format!(
                "app exited with code {}; still projecting edits (Ctrl-C to stop)",
                exit.exit_code()
            ));
        }
        out
    }

    /// Stops the app (SIGTERM, then SIGKILL after a grace period).
    pub fn stop(self) {
        let DevApp { rt, process, .. } = self;
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), process.kill())
                .await
                .ok();
        });
    }
}

/// Every value of every Secret in the manifests (`data` and `stringData`), for redacting the
/// app's output. Unreadable manifests give nothing: the projection that just succeeded read them,
/// and an edit racing this read is caught by the next projection.
pub fn secret_values(opts: &ProjectOptions) -> Vec<Vec<u8>> {
    let mut files = opts.manifests.clone();
    files.extend(opts.workload.iter().cloned());
    let Ok(set) = crate::api::manifest::load_files(&files) else {
        return Vec::new();
    };
    set.secrets
        .iter()
        .flat_map(|(s, _)| {
            let data = s.data.iter().flatten().map(|(_, v)| v.0.clone());
            let string_data = s
                .string_data
                .iter()
                .flatten()
                .map(|(_, v)| v.clone().into_bytes());
            data.chain(string_data).collect::<Vec<_>>()
        })
        .collect()
}

/// The env file's escapes (`\n`, `\\`) back to characters.
fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

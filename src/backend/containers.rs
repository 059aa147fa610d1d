//! The container runtimes the local backend can drive (processes or Docker) behind one handle,
//! so the simulated kubelet's actions are carried out the same way on both.

use std::time::Duration;

use super::observe::parse_signal;
use crate::runtime::docker::{DockerContainer, DockerRuntime};
use crate::runtime::process::{
    ExitReason, LogBuffer, ProcessRuntime, RunningProcess, env_of_process,
};

/// Where the simulated kubelet runs containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    /// Local processes in their own mount namespaces.
    Process,
    /// Docker containers on the local engine.
    Docker,
    /// No process at all: each container is an idle stand-in that "runs" until kubelet kills
    /// it, sees its volumes at their host paths and its env as kubelet resolved it, and logs
    /// nothing. Kubelet's own work (payloads, the `..data` swap, env, states, events, timing)
    /// is exactly as with processes. It needs no OS support and no real time, so scenarios that
    /// observe volumes, env, states and events run under tokio's paused clock (see
    /// [`super::clock`]); not offered on the command line.
    Simulated,
}

impl RuntimeKind {
    /// `process` or `docker`, as `--backend` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeKind::Process => "process",
            RuntimeKind::Docker => "docker",
            RuntimeKind::Simulated => "simulated",
        }
    }
}

/// How long a container gets between SIGTERM and SIGKILL when kubedrill stops it.
pub(super) const KILL_GRACE: Duration = Duration::from_millis(500);

pub(super) enum Runtime {
    Process(ProcessRuntime),
    /// Connected on first use, inside the scenario's own async runtime.
    Docker(Option<DockerRuntime>),
    /// See [`RuntimeKind::Simulated`].
    Simulated,
}

/// A started container, whichever runtime runs it.
#[derive(Debug)]
pub(super) enum Running {
    Process(RunningProcess),
    Docker(DockerContainer),
    Simulated(SimulatedContainer),
}

/// A [`RuntimeKind::Simulated`] container: its resolved env and an empty log.
#[derive(Debug)]
pub(super) struct SimulatedContainer {
    pub(super) env: Vec<(String, String)>,
    pub(super) logs: LogBuffer,
}

impl Running {
    pub(super) fn pid(&self) -> u32 {
        match self {
            Running::Process(p) => p.pid(),
            Running::Docker(c) => c.pid(),
            // No process of its own: observations go through its mounts, not /proc.
            Running::Simulated(_) => 0,
        }
    }

    pub(super) fn logs(&self) -> &LogBuffer {
        match self {
            Running::Process(p) => p.logs(),
            Running::Docker(c) => c.logs(),
            Running::Simulated(c) => &c.logs,
        }
    }

    pub(super) fn try_wait(&self) -> Option<ExitReason> {
        match self {
            Running::Process(p) => p.try_wait(),
            Running::Docker(c) => c.try_wait(),
            Running::Simulated(_) => None,
        }
    }

    pub(super) async fn kill(&mut self) -> ExitReason {
        match self {
            Running::Process(p) => p.kill().await,
            Running::Docker(c) => c.kill(KILL_GRACE).await,
            Running::Simulated(_) => ExitReason::Signaled(libc::SIGKILL),
        }
    }

    pub(super) async fn signal(&self, name: &str) -> Result<(), String> {
        match self {
            Running::Process(p) => {
                let sig = parse_signal(name).ok_or_else(|| format!("unknown signal {name:?}"))?;
                p.signal(sig).map_err(|e| e.to_string())
            }
            // Docker takes a number too: the same table as the process runtime, no second
            // list of names.
            Running::Docker(c) => {
                let number = crate::scenario::signal_number(name)
                    .ok_or_else(|| format!("unknown signal {name:?}"))?;
                c.signal(&number.to_string()).await
            }
            Running::Simulated(_) => crate::scenario::signal_number(name)
                .map(|_| ())
                .ok_or_else(|| format!("unknown signal {name:?}")),
        }
    }

    pub(super) fn env(&self) -> std::io::Result<Vec<(String, String)>> {
        match self {
            Running::Simulated(c) => Ok(c.env.clone()),
            _ => env_of_process(self.pid()),
        }
    }
}

//! A started container process: its output, signals, exit and cleanup.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, WaitId, WaitIdOptions, WaitOptions};
use tokio::sync::watch;

use super::logs::LogBuffer;
use super::observe;
use super::probe::Isolation;

/// How long [`RunningProcess::kill`] waits after `SIGTERM` before `SIGKILL` (kubelet's
/// `terminationGracePeriodSeconds` is 30 s; a drill wants it short).
pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(2);

/// How long [`RunningProcess::wait`] waits for the output pipes to drain after the exit.
const LOG_DRAIN: Duration = Duration::from_secs(1);

/// How the container's main process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    /// It exited with this code.
    Exited(i32),
    /// A signal (this number) ended it.
    Signaled(i32),
    /// Its status was collected by someone else (should not happen).
    Unknown,
}

impl ExitReason {
    /// The exit code as Kubernetes reports it in `state.terminated.exitCode`: 128 + the signal
    /// number for a signal, -1 when unknown.
    pub fn exit_code(self) -> i32 {
        match self {
            ExitReason::Exited(code) => code,
            ExitReason::Signaled(sig) => 128 + sig,
            ExitReason::Unknown => -1,
        }
    }

    /// The terminating signal, if a signal ended it.
    pub fn signal(self) -> Option<i32> {
        match self {
            ExitReason::Signaled(sig) => Some(sig),
            _ => None,
        }
    }

    /// Whether it exited with code 0.
    pub fn success(self) -> bool {
        self == ExitReason::Exited(0)
    }
}

/// Whether the main process was reaped; while it is not, its pid (the process group id)
/// cannot be reused, so signalling the group is safe.
#[derive(Debug, Default)]
struct GroupState {
    reaped: bool,
}

/// Tracks a child's exit without reaping it first: when the main process exits, the rest of
/// its process group is killed (as a container's pid namespace would be), then it is reaped.
pub(crate) struct ExitWatch {
    group: Arc<Mutex<GroupState>>,
    exit: watch::Receiver<Option<ExitReason>>,
}

fn lock(group: &Mutex<GroupState>) -> MutexGuard<'_, GroupState> {
    group.lock().unwrap_or_else(PoisonError::into_inner)
}

fn as_pid(pid: u32) -> io::Result<Pid> {
    i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("invalid pid {pid}")))
}

impl ExitWatch {
    /// Starts a thread that waits for `pid` (a child of this process, leader of its group).
    pub(crate) fn start(pid: u32) -> io::Result<Self> {
        let raw = as_pid(pid)?;
        let group = Arc::new(Mutex::new(GroupState::default()));
        let (tx, exit) = watch::channel(None);
        let state = Arc::clone(&group);
        std::thread::Builder::new()
            .name(format!("kubedrill-wait-{pid}"))
            .spawn(move || {
                let reason = wait_without_reaping(raw);
                let mut state = lock(&state);
                let _ = rustix::process::kill_process_group(raw, Signal::KILL);
                // While the leader is an unreaped zombie its id cannot be reused.
                super::watchdog::release(pid);
                let _ = rustix::process::waitpid(Some(raw), WaitOptions::empty());
                state.reaped = true;
                drop(state);
                let _ = tx.send(Some(reason));
            })?;
        Ok(Self { group, exit })
    }

    /// Signals the process group unless the main process was already reaped.
    pub(crate) fn signal_group(&self, pid: u32, sig: Signal) -> io::Result<()> {
        let state = lock(&self.group);
        if state.reaped {
            return Err(io::Error::from_raw_os_error(
                rustix::io::Errno::SRCH.raw_os_error(),
            ));
        }
        rustix::process::kill_process_group(as_pid(pid)?, sig).map_err(io::Error::from)
    }

    pub(crate) fn try_wait(&self) -> Option<ExitReason> {
        *self.exit.borrow()
    }

    pub(crate) async fn wait(&self) -> ExitReason {
        let mut rx = self.exit.clone();
        match rx.wait_for(Option::is_some).await {
            Ok(reason) => reason.unwrap_or(ExitReason::Unknown),
            Err(_) => ExitReason::Unknown,
        }
    }
}

fn wait_without_reaping(pid: Pid) -> ExitReason {
    loop {
        match rustix::process::waitid(
            WaitId::Pid(pid),
            WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
        ) {
            Ok(Some(status)) => {
                if let Some(code) = status.exit_status() {
                    return ExitReason::Exited(code);
                }
                if let Some(sig) = status.terminating_signal() {
                    return ExitReason::Signaled(sig);
                }
                return ExitReason::Unknown;
            }
            Ok(None) | Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return ExitReason::Unknown,
        }
    }
}

/// A container process started by [`super::ProcessRuntime::start`]. Dropping it kills the
/// whole process group.
pub struct RunningProcess {
    pub(crate) name: String,
    pub(crate) pid: u32,
    pub(crate) logs: LogBuffer,
    pub(crate) exit: ExitWatch,
    pub(crate) kill_grace: Duration,
    pub(crate) started_at: Instant,
    pub(crate) isolation: Isolation,
}

impl std::fmt::Debug for RunningProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningProcess")
            .field("name", &self.name)
            .field("pid", &self.pid)
            .field("exit", &self.try_wait())
            .finish_non_exhaustive()
    }
}

impl RunningProcess {
    /// The pid of the container's main process (the exec'd command itself; also its process
    /// group id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The captured stdout and stderr.
    pub fn logs(&self) -> &LogBuffer {
        &self.logs
    }

    /// When the command was exec'd (mounts in place).
    pub fn started_at(&self) -> Instant {
        self.started_at
    }

    /// How the container gets its mounts.
    pub fn isolation(&self) -> &Isolation {
        &self.isolation
    }

    /// The grace period of [`RunningProcess::kill`].
    pub fn kill_grace(&self) -> Duration {
        self.kill_grace
    }

    /// Changes the grace period of [`RunningProcess::kill`].
    pub fn set_kill_grace(&mut self, grace: Duration) {
        self.kill_grace = grace;
    }

    /// Sends `sig` to the container's process group. Fails with `ESRCH` once it exited.
    pub fn signal(&self, sig: Signal) -> io::Result<()> {
        self.exit.signal_group(self.pid, sig)
    }

    /// The exit, if the main process has exited.
    pub fn try_wait(&self) -> Option<ExitReason> {
        self.exit.try_wait()
    }

    /// Waits for the main process to exit (the rest of its group is then killed), then up to
    /// a second for the output to be captured to the end.
    pub async fn wait(&self) -> ExitReason {
        let reason = self.exit.wait().await;
        let _ = tokio::time::timeout(LOG_DRAIN, self.logs.wait_closed(2)).await;
        reason
    }

    /// Stops the container as kubelet does: `SIGTERM` to the process group, `SIGKILL` after
    /// the grace period; either way nothing of the group survives.
    pub async fn kill(&self) -> ExitReason {
        if let Some(reason) = self.try_wait() {
            return reason;
        }
        let _ = self.signal(Signal::TERM);
        match tokio::time::timeout(self.kill_grace, self.exit.wait()).await {
            Ok(reason) => reason,
            Err(_) => {
                let _ = self.signal(Signal::KILL);
                self.exit.wait().await
            }
        }
    }

    /// The environment the process was exec'd with (`/proc/PID/environ`).
    pub fn env(&self) -> io::Result<Vec<(String, String)>> {
        observe::env_of_process(self.pid)
    }

    /// Reads a file as the container sees it (see [`super::read_file_in`]).
    pub fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        observe::read_file_in(self.pid, path)
    }
}

impl Drop for RunningProcess {
    fn drop(&mut self) {
        let _ = self.exit.signal_group(self.pid, Signal::KILL);
    }
}

//! Ties every container process group to kubedrill's lifetime, even when kubedrill is killed
//! with `SIGKILL` and no destructor runs.
//!
//! Two layers:
//! - **The container's main process** gets `PR_SET_PDEATHSIG(SIGKILL)`, set in the forked
//!   child before it execs `kubedrill __ns-exec` and again in `__ns-exec` right before it execs
//!   the command (a user namespace or a uid change clears the setting). After each `prctl` the
//!   child compares `getppid()` with the pid of the kubedrill that started it: if kubedrill died
//!   before the `prctl`, no signal would ever come, so the child gives up instead. The signal
//!   fires when the *thread* that forked dies, so containers must be started from a thread that
//!   lives as long as they do (kubedrill starts them from the scenario's worker thread or the
//!   main thread).
//! - **Everything else in its process group** (what `sh -c` forks, say) does not inherit that
//!   setting. A small `kubedrill __watchdog` process, started once per kubedrill process in its
//!   own process group, reads `+PGID` / `-PGID` lines on its stdin as groups start and are
//!   reaped. Its stdin is the only reader of a pipe whose write end only kubedrill holds (it is
//!   close-on-exec): when kubedrill dies, however it dies, the kernel closes it, the watchdog
//!   reads end of file and kills every group still registered. The run's scratch directories
//!   are registered the same way (`d+HEX` / `d-HEX`), and removed once their owner lock is
//!   free — so a killed run's projected Secret values do not wait on disk for the next run's
//!   sweep ([`crate::runtime::scratch::sweep_stale`], which remains the fallback when the
//!   watchdog is killed too).
//!
//! A group is unregistered while its leader is still a zombie of kubedrill, so its id cannot
//! be reused before the watchdog forgets it. Limitation: a process that leaves the group
//! (`setsid`, `setpgid`) escapes, as it escapes [`super::RunningProcess::kill`].

use std::collections::BTreeSet;
use std::io::{self, BufRead, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};

/// The hidden subcommand that runs the watchdog.
const WATCHDOG_SUBCOMMAND: &str = "__watchdog";

struct Watchdog {
    stdin: ChildStdin,
    /// Kept so the handle is not dropped; the watchdog is never waited for (it outlives us).
    _child: Child,
}

/// The watchdog (once started) and the scratch directories it removes if we die.
struct State {
    watchdog: Option<Watchdog>,
    dirs: BTreeSet<PathBuf>,
}

static STATE: Mutex<State> = Mutex::new(State {
    watchdog: None,
    dirs: BTreeSet::new(),
});

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// Sends one line; a watchdog that cannot be written to is gone and is forgotten (the
    /// next [`guard`] starts a new one).
    fn send(&mut self, line: &str) {
        if let Some(w) = self.watchdog.as_mut()
            && writeln!(w.stdin, "{line}").is_err()
        {
            self.watchdog = None;
        }
    }
}

/// A path as one protocol token: hex of its bytes (a path may hold newlines).
fn encode(path: &Path) -> String {
    path.as_os_str()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode(hex: &str) -> Option<PathBuf> {
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes?)))
}

/// Registers a scratch directory: if kubedrill dies while it is registered, the watchdog
/// removes it (when its owner lock is free and it is not kept; see
/// [`crate::runtime::scratch`]). Without a running watchdog it is handed over when one starts.
pub(crate) fn watch_dir(dir: &Path) {
    let mut st = state();
    if st.dirs.insert(dir.to_path_buf()) {
        st.send(&format!("d+{}", encode(dir)));
    }
}

/// Unregisters a scratch directory (removed or kept).
pub(crate) fn unwatch_dir(dir: &Path) {
    let mut st = state();
    if st.dirs.remove(dir) {
        st.send(&format!("d-{}", encode(dir)));
    }
}

/// Sets `PR_SET_PDEATHSIG(SIGKILL)` and checks that the parent is still `parent` (see the
/// module docs). Async-signal-safe: only system calls, so it may run between fork and exec.
pub(crate) fn die_with_parent(parent: u32) -> io::Result<()> {
    rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
    let current = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get() as u32);
    if current != parent {
        // No allocation here (this may run between fork and exec): ESRCH, "no such process".
        return Err(io::Error::from_raw_os_error(libc::ESRCH));
    }
    Ok(())
}

/// Registers a started process group with the watchdog (starting it on first use). A
/// watchdog that cannot be started leaves the group protected only by the main process's
/// death signal; the run itself goes on.
pub(crate) fn guard(kubedrill_exe: &Path, pgid: u32) {
    let mut st = state();
    if st.watchdog.is_none() {
        st.watchdog = spawn(kubedrill_exe).ok();
        let dirs: Vec<String> = st.dirs.iter().map(|d| format!("d+{}", encode(d))).collect();
        for line in dirs {
            st.send(&line);
        }
    }
    st.send(&format!("+{pgid}"));
}

/// Unregisters a process group (call before its leader is reaped).
pub(crate) fn release(pgid: u32) {
    state().send(&format!("-{pgid}"));
}

fn spawn(kubedrill_exe: &Path) -> io::Result<Watchdog> {
    let mut child = Command::new(kubedrill_exe)
        .arg(WATCHDOG_SUBCOMMAND)
        .env_clear()
        // Its own group: Ctrl-C in the terminal must not stop it before kubedrill cleans up.
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("no stdin pipe"))?;
    Ok(Watchdog {
        stdin,
        _child: child,
    })
}

/// How long the watchdog waits for a dead kubedrill's owner locks to be released (the kernel
/// closes the pipe and the lock files one after the other).
const LOCK_RELEASE_WAIT: Duration = Duration::from_secs(2);

/// Entry point of `kubedrill __watchdog`: tracks registered process groups and scratch
/// directories until its stdin ends, then kills what is left and removes the directories.
pub fn watchdog_main() -> ExitCode {
    let mut live = BTreeSet::new();
    let mut dirs = BTreeSet::new();
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if let Some(hex) = line.strip_prefix("d+") {
            dirs.extend(decode(hex));
            continue;
        }
        if let Some(hex) = line.strip_prefix("d-") {
            if let Some(d) = decode(hex) {
                dirs.remove(&d);
            }
            continue;
        }
        let (op, id) = line.split_at(line.len().min(1));
        let Some(pid) = id.parse::<i32>().ok().filter(|p| *p > 0) else {
            continue;
        };
        match op {
            "+" => {
                live.insert(pid);
            }
            "-" => {
                live.remove(&pid);
            }
            _ => {}
        }
    }
    for pgid in live.into_iter().filter_map(Pid::from_raw) {
        let _ = rustix::process::kill_process_group(pgid, Signal::KILL);
    }
    let deadline = Instant::now() + LOCK_RELEASE_WAIT;
    while !dirs.is_empty() {
        // Kept or still locked (by a kubedrill that is not us: never happens when our
        // stdin ended because our kubedrill died, except for a moment) stay.
        dirs.retain(|d| !crate::runtime::scratch::remove_if_orphaned(d));
        if Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_whose_parent_is_someone_else_refuses_to_start() {
        // Our own parent is not pid 1 under the test harness, and certainly not u32::MAX.
        assert!(die_with_parent(u32::MAX).is_err());
        let ppid = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get() as u32);
        assert!(die_with_parent(ppid).is_ok());
        // Undo: the test harness must not die with its parent.
        rustix::process::set_parent_process_death_signal(None).unwrap();
    }
}

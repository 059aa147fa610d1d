//! Helpers shared by the integration tests that drive the built `kubedrill` binary: where it
//! is, running it and collecting its output, finding the processes and scratch directories it
//! leaves, waiting for a condition, and reading a long-running child's output line by line.
//!
//! Each test binary uses a subset, hence `dead_code` is allowed. Scenario and manifest texts stay
//! in the test files: they are what each test is about.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

/// The repository root (the example scenarios and manifests are relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a finished `kubedrill` printed and how it exited.
#[derive(Debug)]
pub struct Out {
    /// The exit code (-1 when a signal ended it).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Out {
    /// Stdout followed by stderr, for checks that do not care which stream a line is on.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A `kubedrill` command with colour off (`NO_COLOR=1`).
pub fn command() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd` to the end and collects its output.
pub fn output(cmd: &mut Command) -> Out {
    let out = cmd.output().expect("run kubedrill");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `kubedrill ARGS` in `cwd` with `TMPDIR=tmp` (so every scratch dir it makes is visible
/// there) and colour off.
pub fn kubedrill_at(cwd: &Path, tmp: &Path, args: &[&str]) -> Out {
    output(command().args(args).current_dir(cwd).env("TMPDIR", tmp))
}

/// Pids of the processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for e in fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmd) = fs::read(format!("/proc/{pid}/cmdline"))
            && String::from_utf8_lossy(&cmd).contains(marker)
        {
            pids.push(pid);
        }
    }
    pids
}

/// Like [`processes_with`], without zombies (an unreaped zombie runs nothing).
pub fn live_processes_with(marker: &str) -> Vec<u32> {
    processes_with(marker)
        .into_iter()
        .filter(|&pid| alive(pid))
        .collect()
}

/// Whether `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the parenthesised command name.
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'))
    })
}

/// Names of the `kubedrill-*` scratch directories in `tmp`.
pub fn scratch_dirs(tmp: &Path) -> Vec<String> {
    fs::read_dir(tmp)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("kubedrill-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `ok` every 20 ms until it holds or `limit` has passed; whether it held.
pub fn wait_until(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if ok() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `sig` to `child`.
pub fn signal(child: &Child, sig: rustix::process::Signal) {
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).expect("a pid"),
        sig,
    )
    .expect("kill");
}

/// Collects the child's stdout and stderr lines in the background.
pub fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().expect("piped stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("piped stderr")),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    rx
}

/// Waits up to 10 s for a line containing `needle`, keeping every line seen in `seen`.
pub fn wait_line(rx: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(50)) {
            seen.push(l.clone());
            if l.contains(needle) {
                return true;
            }
        }
    }
    false
}

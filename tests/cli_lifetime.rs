//! kubedrill's lifetime is its containers' lifetime, through the real binary and real
//! signals: `kill -9` of `kubedrill run` takes the app and everything it forked with it and
//! its scratch directory is removed — by the watchdog at once, or, when the watchdog was
//! killed too, by the next run (never a live run's, never a kept one) — and SIGTERM stops a
//! run with exit 143 after the same cleanup as Ctrl-C.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process};

mod common;

use common::{BIN, alive, signal, wait_until};

/// Writes a scenario whose app is `sh -c COMMAND` and which then sleeps for a minute.
fn write_scenario(dir: &Path, name: &str, command: &str) -> PathBuf {
    fs::write(
        dir.join("objects.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-very-secret\n",
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n      volumeMounts:\n        - {name: db, mountPath: /etc/kd-lifetime-db}\n  volumes:\n    - name: db\n      secret: {secretName: db}\n",
    )
    .unwrap();
    let file = dir.join(format!("{name}.yaml"));
    fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, '{command}']\n  steps:\n    - sleep: 60s\n"
        ),
    )
    .unwrap();
    file
}

fn start_run(tmp: &Path, scenario: &Path, extra: &[&str]) -> Child {
    Command::new(BIN)
        .arg("run")
        .arg(scenario)
        .args(extra)
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kubedrill")
}

/// Live (not zombie) processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<u32> {
    common::live_processes_with(marker)
}

/// The scratch directories in `tmp`, with the pid in their owner file.
fn scratch_dirs(tmp: &Path) -> Vec<(PathBuf, Option<u32>)> {
    let mut dirs: Vec<_> = fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("kubedrill-"))
        .map(|e| {
            let owner = fs::read_to_string(e.path().join(".kubedrill-owner"))
                .ok()
                .and_then(|s| s.trim().parse().ok());
            (e.path(), owner)
        })
        .collect();
    dirs.sort();
    dirs
}

fn dir_of(tmp: &Path, owner: u32) -> Option<PathBuf> {
    scratch_dirs(tmp)
        .into_iter()
        .find(|(_, o)| *o == Some(owner))
        .map(|(d, _)| d)
}

/// A scenario that finishes at once (its only step sleeps 10 ms).
fn quick_scenario(tmp: &Path) -> PathBuf {
    let quick = write_scenario(tmp, "quick", "exec sleep 30");
    fs::write(
        &quick,
        fs::read_to_string(&quick)
            .unwrap()
            .replace("- sleep: 60s", "- sleep: 10ms"),
    )
    .unwrap();
    quick
}

#[test]
fn kill_9_of_run_takes_the_app_and_its_scratch_dir_along() {
    let tmp = tempfile::tempdir().unwrap();
    // Not `exec`: the shell is the container's main process and the sleeps are its children,
    // so the whole process group must go, not just the main process.
    let killed_marker = "881.1111";
    let live_marker = "882.2222";
    let kept_marker = "883.3333";
    let killed_sc = write_scenario(
        tmp.path(),
        "killed",
        &format!("sleep {killed_marker} & sleep {killed_marker}; wait"),
    );
    let live_sc = write_scenario(tmp.path(), "live", &format!("sleep {live_marker}; wait"));
    let kept_sc = write_scenario(tmp.path(), "kept", &format!("sleep {kept_marker}; wait"));

    let mut killed = start_run(tmp.path(), &killed_sc, &[]);
    let mut live = start_run(tmp.path(), &live_sc, &[]);
    let mut kept = start_run(tmp.path(), &kept_sc, &["--keep"]);
    for marker in [killed_marker, live_marker, kept_marker] {
        assert!(
            wait_until(Duration::from_secs(20), || processes_with(marker).len()
                >= 2),
            "app {marker} started"
        );
    }
    // The shell and both sleeps.
    let app = processes_with(killed_marker);
    assert!(app.len() >= 3, "{app:?}");
    let killed_dir = dir_of(tmp.path(), killed.id()).expect("the killed run's scratch dir");
    let live_dir = dir_of(tmp.path(), live.id()).expect("the live run's scratch dir");
    let kept_dir = dir_of(tmp.path(), kept.id()).expect("the kept run's scratch dir");

    signal(&killed, Signal::KILL);
    signal(&kept, Signal::KILL);
    killed.wait().unwrap();
    kept.wait().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || app.iter().all(|p| !alive(*p))),
        "app processes outlived kill -9 of kubedrill: {:?}",
        app.iter().filter(|p| alive(**p)).collect::<Vec<_>>()
    );
    assert!(
        wait_until(Duration::from_secs(5), || processes_with(kept_marker)
            .is_empty()),
        "the --keep run's app outlived it"
    );
    assert!(
        wait_until(Duration::from_secs(5), || !killed_dir.exists()),
        "the killed run's scratch dir (with its Secret files) was removed"
    );
    assert!(kept_dir.exists(), "a --keep dir survives its killed run");
    assert!(
        !processes_with(live_marker).is_empty(),
        "the other run's app is untouched"
    );
    assert!(live_dir.join(".kubedrill-owner").exists());

    signal(&live, Signal::TERM);
    assert_eq!(live.wait().unwrap().code(), Some(143));
    assert!(!live_dir.exists());
}

#[test]
fn sigterm_exits_143_after_stopping_the_app_and_removing_scratch() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = "884.4444";
    let sc = write_scenario(tmp.path(), "slow", &format!("exec sleep {marker}"));
    let mut run = start_run(tmp.path(), &sc, &[]);
    assert!(
        wait_until(Duration::from_secs(20), || !processes_with(marker)
            .is_empty()),
        "the app started"
    );
    signal(&run, Signal::TERM);
    let status = run.wait().unwrap();
    assert_eq!(status.code(), Some(143), "SIGTERM is 128 + 15, not 130");
    assert!(
        wait_until(Duration::from_secs(5), || processes_with(marker).is_empty()),
        "the app outlived SIGTERM"
    );
    assert!(
        scratch_dirs(tmp.path()).is_empty(),
        "{:?}",
        scratch_dirs(tmp.path())
    );
}

/// The watchdog's pid among the children of `parent`.
fn watchdog_of(parent: u32) -> Option<u32> {
    fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_string_lossy().parse().ok()?;
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let ppid: u32 = stat.rsplit_once(") ")?.1.split(' ').nth(1)?.parse().ok()?;
        let cmd = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        (ppid == parent && String::from_utf8_lossy(&cmd).contains("__watchdog")).then_some(pid)
    })
}

#[test]
fn without_the_watchdog_the_app_still_dies_and_the_next_run_sweeps_the_scratch_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = "885.5555";
    let live_marker = "886.6666";
    let sc = write_scenario(tmp.path(), "pdeathsig", &format!("exec sleep {marker}"));
    let live_sc = write_scenario(tmp.path(), "live", &format!("exec sleep {live_marker}"));
    let mut run = start_run(tmp.path(), &sc, &[]);
    let mut live = start_run(tmp.path(), &live_sc, &[]);
    for m in [marker, live_marker] {
        assert!(
            wait_until(Duration::from_secs(20), || !processes_with(m).is_empty()),
            "app {m} started"
        );
    }
    let app = processes_with(marker);
    let dir = dir_of(tmp.path(), run.id()).expect("the run's scratch dir");
    let live_dir = dir_of(tmp.path(), live.id()).expect("the live run's scratch dir");
    // Take the watchdog away: only the parent-death signal and the next run's sweep are left.
    let watchdog = watchdog_of(run.id()).expect("a watchdog runs beside kubedrill");
    kill_process(Pid::from_raw(watchdog as i32).unwrap(), Signal::KILL).unwrap();
    signal(&run, Signal::KILL);
    run.wait().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || app.iter().all(|p| !alive(*p))),
        "the app's main process outlived kill -9 of kubedrill"
    );
    assert!(dir.exists(), "nobody was left to remove it");

    let next = Command::new(BIN)
        .arg("run")
        .arg(quick_scenario(tmp.path()))
        .env("TMPDIR", tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&next.stderr);
    assert_eq!(next.status.code(), Some(0), "{stderr}");
    assert!(
        !dir.exists(),
        "the next run removed the dead run's scratch dir"
    );
    assert!(
        stderr.contains("removed 1 scratch directory left by killed runs"),
        "{stderr}"
    );
    assert!(
        live_dir.join(".kubedrill-owner").exists(),
        "a live run's dir is never removed"
    );
    assert!(!processes_with(live_marker).is_empty());
    signal(&live, Signal::TERM);
    assert_eq!(live.wait().unwrap().code(), Some(143));
}

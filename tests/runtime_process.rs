//! `runtime::process` with real processes: volumes at their real mountPaths without touching
//! the host, exact env, `..data` swaps, read-only binds, output capture, signals and cleanup.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kubedrill::runtime::process::{
    ContainerSpec, ExitReason, Isolation, KUBEDRILL_ROOT, LogStream, MountSpec, ProcessRuntime,
    RunningProcess, RuntimeError, env_of_process, namespaces_available, read_file_in,
};
use rustix::process::Signal;
use tempfile::TempDir;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const WAIT: Duration = Duration::from_secs(10);

fn runtime() -> ProcessRuntime {
    ProcessRuntime::new(env!("CARGO_BIN_EXE_kubedrill"))
}

fn unique() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// A temp dir others may traverse (the unprivileged test runs as `nobody`).
fn tempdir() -> Result<TempDir, std::io::Error> {
    let tmp = tempfile::Builder::new().prefix("kubedrill-rt-").tempdir()?;
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755))?;
    Ok(tmp)
}

fn sh(name: &str, script: &str, scratch: &Path, mounts: Vec<MountSpec>) -> ContainerSpec {
    ContainerSpec {
        name: name.into(),
        command: vec!["sh".into(), "-c".into(), script.into()],
        env: vec![],
        working_dir: None,
        mounts,
        scratch: scratch.to_path_buf(),
    }
}

fn mount(host: &Path, container: &str, read_only: bool) -> MountSpec {
    MountSpec {
        host_path: host.to_path_buf(),
        container_path: container.into(),
        read_only,
    }
}

/// A volume as kubelet's AtomicWriter lays it out: `key -> ..data/key`, `..data -> ..v1`.
fn projected_volume(dir: &Path, key: &str, value: &str) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("..v1"))?;
    fs::write(dir.join("..v1").join(key), value)?;
    std::os::unix::fs::symlink("..v1", dir.join("..data"))?;
    std::os::unix::fs::symlink(format!("..data/{key}"), dir.join(key))?;
    Ok(())
}

/// The `..data` swap of an AtomicWriter update.
fn swap_data(dir: &Path, version: &str, key: &str, value: &str) -> std::io::Result<()> {
    let ts = format!("..{version}");
    fs::create_dir_all(dir.join(&ts))?;
    fs::write(dir.join(&ts).join(key), value)?;
    std::os::unix::fs::symlink(&ts, dir.join("..data_tmp"))?;
    fs::rename(dir.join("..data_tmp"), dir.join("..data"))
}

fn host_mounts() -> String {
    fs::read_to_string("/proc/self/mountinfo").unwrap_or_default()
}

async fn line(p: &RunningProcess, from: usize, text: &str) -> Result<usize, String> {
    match tokio::time::timeout(WAIT, p.logs().wait_for(from, |l| l.text == text)).await {
        Ok((i, _)) => Ok(i),
        Err(_) => Err(format!(
            "no line {text:?} within {WAIT:?}; output: {:#?}",
            p.logs().lines()
        )),
    }
}

fn gone(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // A zombie waiting for its (new) parent to reap it is gone for our purposes.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|s| s.trim_start().starts_with('Z')),
    }
}

async fn eventually_gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if gone(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn volumes_appear_at_mount_paths_that_do_not_exist_on_the_host() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let config = tmp.path().join("config");
    projected_volume(&config, "key", "config-v1")?;
    let data = tmp.path().join("data");
    fs::create_dir(&data)?;
    fs::write(data.join("d"), "data-1")?;
    let pinned = tmp.path().join("pinned.conf");
    fs::write(&pinned, "pinned-1")?;
    let (etc_dir, root_dir, etc_file) = (
        format!("/etc/kubedrill-{r}/config"),
        format!("/kubedrill-{r}/data"),
        format!("/etc/kubedrill-{r}.conf"),
    );
    let script = format!(
        "cat {etc_dir}/key; echo; cat {root_dir}/d; echo; cat {etc_file}; echo; \
         ls /proc/self/fd >/dev/null && echo proc-ok; \
         echo x >/dev/null && echo devnull-ok; \
         t=$(mktemp /tmp/kubedrill-rt.XXXXXX) && echo tmp-ok && rm -f $t; \
         test -e /etc/passwd && echo etc-ok; \
         echo ready; exec sleep 60"
    );
    let before = host_mounts();
    let spec = sh(
        "app",
        &script,
        &tmp.path().join("scratch"),
        vec![
            mount(&config, &etc_dir, true),
            mount(&data, &root_dir, false),
            mount(&pinned, &etc_file, true),
        ],
    );
    let p = runtime().start(&spec).await?;
    line(&p, 0, "ready").await?;
    let out = p.logs().texts_since(0, LogStream::Stdout);
    assert_eq!(
        out,
        [
            "config-v1",
            "data-1",
            "pinned-1",
            "proc-ok",
            "devnull-ok",
            "tmp-ok",
            "etc-ok",
            "ready"
        ],
        "stderr: {:?}",
        p.logs().texts_since(0, LogStream::Stderr)
    );
    // Seen from outside through /proc/PID/root, too.
    assert_eq!(
        read_file_in(p.pid(), Path::new(&format!("{etc_dir}/key")))?,
        b"config-v1"
    );
    assert_eq!(
        read_file_in(p.pid(), Path::new(&format!("{root_dir}/d")))?,
        b"data-1"
    );
    assert_eq!(p.read_file(Path::new(&etc_file))?, b"pinned-1");
    // The host has none of it, and its mount table did not change.
    for path in [&etc_dir, &root_dir, &etc_file] {
        assert!(!Path::new(path).exists(), "{path} exists on the host");
    }
    assert!(!Path::new(&format!("/etc/kubedrill-{r}")).exists());
    assert!(!Path::new(&format!("/kubedrill-{r}")).exists());
    assert_eq!(host_mounts(), before);
    let exit = p.kill().await;
    assert_eq!(exit.signal(), Some(Signal::TERM.as_raw()));
    assert!(!Path::new(&format!("/kubedrill-{r}")).exists());
    assert!(!Path::new(&format!("/etc/kubedrill-{r}")).exists());
    assert_eq!(host_mounts(), before);
    Ok(())
}

#[tokio::test]
async fn env_is_exactly_the_spec_env_plus_path_home_lang_from_the_host() -> TestResult {
    let tmp = tempdir()?;
    let mut spec = sh(
        "app",
        "trap 'exit 0' TERM; env; echo END; while :; do sleep 0.05; done",
        &tmp.path().join("scratch"),
        vec![],
    );
    spec.env = vec![
        ("GREETING".into(), "hello world".into()),
        ("HOME".into(), "/app".into()),
        ("EMPTY".into(), String::new()),
        ("WITH_EQUALS".into(), "a=b".into()),
    ];
    let p = runtime().start(&spec).await?;
    line(&p, 0, "END").await?;
    // The spec file carried the env (Secret values too): gone once the app runs.
    assert!(!spec.scratch.join("spec.json").exists());
    let mut expected = spec.env.clone();
    for name in ["PATH", "LANG"] {
        if let Ok(value) = std::env::var(name) {
            expected.push((name.to_string(), value));
        }
    }
    expected.sort();
    let mut observed = env_of_process(p.pid())?;
    observed.sort();
    assert_eq!(observed, expected, "/proc/PID/environ");
    assert_eq!(p.env()?.len(), expected.len());
    // What the app itself prints: the same, plus what sh adds for its children.
    let mut printed: Vec<(String, String)> = p
        .logs()
        .texts_since(0, LogStream::Stdout)
        .into_iter()
        .take_while(|l| l != "END")
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .filter(|(k, _)| !["PWD", "SHLVL", "OLDPWD", "_"].contains(&k.as_str()))
        .collect();
    printed.sort();
    assert_eq!(printed, expected, "env printed by the app");
    assert_eq!(p.kill().await, ExitReason::Exited(0));
    Ok(())
}

#[tokio::test]
async fn a_data_swap_on_the_host_is_visible_inside_at_once() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let vol = tmp.path().join("vol");
    projected_volume(&vol, "key", "v1")?;
    let path = format!("/etc/kubedrill-{r}/config");
    let script = format!(
        "last=; while :; do v=$(cat {path}/key); \
         if [ \"$v\" != \"$last\" ]; then echo \"seen=$v\"; last=$v; fi; sleep 0.01; done"
    );
    let spec = sh(
        "app",
        &script,
        &tmp.path().join("scratch"),
        vec![mount(&vol, &path, true)],
    );
    let p = runtime().start(&spec).await?;
    line(&p, 0, "seen=v1").await?;
    let key = PathBuf::from(format!("{path}/key"));
    assert_eq!(p.read_file(&key)?, b"v1");
    let swapped = Instant::now();
    swap_data(&vol, "v2", "key", "v2")?;
    // Through /proc/PID/root there is no polling: it is the same directory.
    assert_eq!(p.read_file(&key)?, b"v2");
    let i = line(&p, 0, "seen=v2").await?;
    let seen = p.logs().lines_since(i)[0].at;
    eprintln!("app saw the swap after {:?}", seen.duration_since(swapped));
    assert!(seen.duration_since(swapped) < Duration::from_secs(1));
    p.kill().await;
    Ok(())
}

#[tokio::test]
async fn read_only_mounts_reject_writes_and_read_write_ones_reach_the_host() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let (ro, rw) = (tmp.path().join("ro"), tmp.path().join("rw"));
    fs::create_dir(&ro)?;
    fs::write(ro.join("existing"), "keep")?;
    fs::create_dir(&rw)?;
    let script = format!(
        "if echo x > /kubedrill-{r}/ro/new; then echo WROTE-NEW; fi; \
         if echo x > /kubedrill-{r}/ro/existing; then echo WROTE-EXISTING; fi; \
         echo y > /kubedrill-{r}/rw/new && echo rw-ok"
    );
    let spec = sh(
        "app",
        &script,
        &tmp.path().join("scratch"),
        vec![
            mount(&ro, &format!("/kubedrill-{r}/ro"), true),
            mount(&rw, &format!("/kubedrill-{r}/rw"), false),
        ],
    );
    let p = runtime().start(&spec).await?;
    assert_eq!(p.wait().await, ExitReason::Exited(0));
    assert_eq!(p.logs().texts_since(0, LogStream::Stdout), ["rw-ok"]);
    let errors = p.logs().texts_since(0, LogStream::Stderr);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.contains("Read-only file system")),
        "{errors:?}"
    );
    assert!(!ro.join("new").exists());
    assert_eq!(fs::read_to_string(ro.join("existing"))?, "keep");
    assert_eq!(fs::read_to_string(rw.join("new"))?, "y\n");
    Ok(())
}

#[tokio::test]
async fn stdout_and_stderr_are_captured_in_order_with_timestamps() -> TestResult {
    let tmp = tempdir()?;
    let spec = sh(
        "app",
        "echo out-1; sleep 0.1; echo err-1 >&2; sleep 0.1; echo out-2; printf partial",
        &tmp.path().join("scratch"),
        vec![],
    );
    let p = runtime().start(&spec).await?;
    assert_eq!(p.wait().await, ExitReason::Exited(0));
    let lines = p.logs().lines();
    let got: Vec<_> = lines.iter().map(|l| (l.stream, l.text.as_str())).collect();
    assert_eq!(
        got,
        [
            (LogStream::Stdout, "out-1"),
            (LogStream::Stderr, "err-1"),
            (LogStream::Stdout, "out-2"),
            (LogStream::Stdout, "partial"),
        ]
    );
    assert!(lines[0].at >= p.started_at() - Duration::from_secs(1));
    for pair in lines[..3].windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap >= Duration::from_millis(50), "{gap:?} between {pair:?}");
    }
    Ok(())
}

#[tokio::test]
async fn hup_reaches_a_trap_in_sh() -> TestResult {
    let tmp = tempdir()?;
    let spec = sh(
        "app",
        "trap 'echo got-hup' HUP; echo ready; while :; do sleep 0.05; done",
        &tmp.path().join("scratch"),
        vec![],
    );
    let p = runtime().start(&spec).await?;
    line(&p, 0, "ready").await?;
    p.signal(Signal::HUP)?;
    line(&p, 0, "got-hup").await?;
    p.signal(Signal::HUP)?;
    let first = line(&p, 0, "got-hup").await?;
    line(&p, first + 1, "got-hup").await?;
    assert_eq!(p.try_wait(), None);
    p.kill().await;
    Ok(())
}

/// Reads the pid the app printed as `child=PID`.
async fn child_pid(p: &RunningProcess) -> Result<u32, Box<dyn std::error::Error>> {
    let wait = p.logs().wait_for(0, |l| l.text.starts_with("child="));
    let (_, l) = tokio::time::timeout(WAIT, wait).await?;
    Ok(l.text.trim_start_matches("child=").parse()?)
}

#[tokio::test]
async fn kill_takes_down_the_whole_process_group() -> TestResult {
    let tmp = tempdir()?;
    let spec = sh(
        "app",
        "sleep 300 & echo child=$!; wait",
        &tmp.path().join("scratch"),
        vec![],
    );
    let p = runtime().start(&spec).await?;
    let child = child_pid(&p).await?;
    assert!(!gone(child));
    let exit = p.kill().await;
    assert_eq!(exit.signal(), Some(Signal::TERM.as_raw()));
    assert_eq!(exit.exit_code(), 128 + 15);
    assert!(eventually_gone(p.pid()).await && eventually_gone(child).await);
    assert!(
        p.signal(Signal::HUP).is_err(),
        "signalling after exit must fail"
    );
    Ok(())
}

#[tokio::test]
async fn kill_escalates_to_sigkill_after_the_grace_period() -> TestResult {
    let tmp = tempdir()?;
    let spec = sh(
        "app",
        "trap '' TERM; sleep 300 & echo child=$!; while :; do sleep 0.05; done",
        &tmp.path().join("scratch"),
        vec![],
    );
    let grace = Duration::from_millis(300);
    let p = runtime().with_kill_grace(grace).start(&spec).await?;
    let child = child_pid(&p).await?;
    let t = Instant::now();
    let exit = p.kill().await;
    assert_eq!(exit, ExitReason::Signaled(Signal::KILL.as_raw()));
    assert!(t.elapsed() >= grace, "{:?}", t.elapsed());
    assert!(
        eventually_gone(child).await,
        "the background sleep survived"
    );
    Ok(())
}

#[tokio::test]
async fn when_the_main_process_exits_the_rest_of_its_group_is_killed() -> TestResult {
    let tmp = tempdir()?;
    let spec = sh(
        "app",
        "sleep 300 & echo child=$!; sleep 0.2; exit 3",
        &tmp.path().join("scratch"),
        vec![],
    );
    let p = runtime().start(&spec).await?;
    let child = child_pid(&p).await?;
    assert_eq!(p.wait().await, ExitReason::Exited(3));
    assert!(eventually_gone(child).await);
    Ok(())
}

#[tokio::test]
async fn dropping_the_process_kills_the_group_even_on_panic() -> TestResult {
    let tmp = tempdir()?;
    let scratch = tmp.path().join("scratch");
    let spec = sh("app", "sleep 300 & echo child=$!; wait", &scratch, vec![]);
    let p = runtime().start(&spec).await?;
    let (main, child) = (p.pid(), child_pid(&p).await?);
    drop(p);
    assert!(eventually_gone(main).await && eventually_gone(child).await);

    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let p = runtime().start(&spec).await.expect("start");
        let child = child_pid(&p).await.expect("child pid");
        let _ = tx.send((p.pid(), child));
        panic!("a test failing while its container runs");
    });
    assert!(task.await.is_err());
    let (main, child) = rx.await?;
    assert!(eventually_gone(main).await && eventually_gone(child).await);
    Ok(())
}

#[tokio::test]
async fn a_missing_command_fails_to_start_with_containerds_message() -> TestResult {
    let tmp = tempdir()?;
    let before = host_mounts();
    let r = unique();
    let vol = tmp.path().join("vol");
    fs::create_dir(&vol)?;
    let mut spec = sh(
        "app",
        "",
        &tmp.path().join("scratch"),
        vec![mount(&vol, &format!("/kubedrill-{r}/x"), true)],
    );
    spec.command = vec![format!("kubedrill-no-such-command-{r}")];
    match runtime().start(&spec).await {
        Err(RuntimeError::ExecFailed { container, message }) => {
            assert_eq!(container, "app");
            assert_eq!(
                message,
                format!(
                    "exec: \"kubedrill-no-such-command-{r}\": executable file not found in $PATH"
                )
            );
        }
        other => panic!("expected ExecFailed, got {other:?}"),
    }
    spec.command = vec!["/nonexistent/app".into()];
    match runtime().start(&spec).await {
        Err(RuntimeError::ExecFailed { message, .. }) => assert_eq!(
            message,
            "exec: \"/nonexistent/app\": stat /nonexistent/app: no such file or directory"
        ),
        other => panic!("expected ExecFailed, got {other:?}"),
    }
    assert_eq!(host_mounts(), before);
    assert!(!Path::new(&format!("/kubedrill-{r}")).exists());
    Ok(())
}

#[tokio::test]
async fn a_missing_volume_or_working_dir_fails_to_start() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let spec = sh(
        "app",
        "true",
        &tmp.path().join("scratch"),
        vec![mount(
            &tmp.path().join("absent"),
            &format!("/kubedrill-{r}"),
            true,
        )],
    );
    match runtime().start(&spec).await {
        Err(RuntimeError::MountFailed {
            mount_path,
            message,
            ..
        }) => {
            assert_eq!(mount_path, PathBuf::from(format!("/kubedrill-{r}")));
            assert!(message.contains("no such file or directory"), "{message}");
        }
        other => panic!("expected MountFailed, got {other:?}"),
    }
    let mut spec = sh("app", "true", &tmp.path().join("scratch"), vec![]);
    spec.working_dir = Some(format!("/kubedrill-{r}/nowhere").into());
    assert!(matches!(
        runtime().start(&spec).await,
        Err(RuntimeError::Setup { .. })
    ));
    Ok(())
}

#[tokio::test]
async fn nested_mount_paths_and_working_dir() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let (outer, inner) = (tmp.path().join("outer"), tmp.path().join("inner"));
    fs::create_dir(&outer)?;
    fs::write(outer.join("o"), "outer")?;
    fs::create_dir(&inner)?;
    fs::write(inner.join("i"), "inner")?;
    let base = format!("/kubedrill-{r}/app");
    let mut spec = sh(
        "app",
        "pwd; cat o; echo; cat sub/dir/i; echo; ls",
        &tmp.path().join("scratch"),
        vec![
            mount(&inner, &format!("{base}/sub/dir"), true),
            mount(&outer, &base, false),
        ],
    );
    spec.working_dir = Some(PathBuf::from(&base));
    let p = runtime().start(&spec).await?;
    assert_eq!(p.wait().await, ExitReason::Exited(0));
    assert_eq!(
        p.logs().texts_since(0, LogStream::Stdout),
        [base.as_str(), "outer", "inner", "o", "sub"]
    );
    // `sub/dir` was made in a mirror of the volume, not in the host volume.
    assert!(!outer.join("sub").exists());
    Ok(())
}

#[tokio::test]
async fn a_mount_under_tmp_keeps_tmp_usable_and_hides_the_scaffolding() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let vol = tmp.path().join("vol");
    fs::create_dir(&vol)?;
    fs::write(vol.join("k"), "v")?;
    let scratch = tmp.path().join("scratch");
    let script = format!(
        "cat /tmp/kubedrill-{r}/vol/k; echo; \
         t=$(mktemp) && echo x > $t && rm $t && echo tmp-ok; \
         ls -A {scratch}/ns | wc -l",
        scratch = scratch.display()
    );
    let spec = sh(
        "app",
        &script,
        &scratch,
        vec![mount(&vol, &format!("/tmp/kubedrill-{r}/vol"), true)],
    );
    let p = runtime().start(&spec).await?;
    assert_eq!(p.wait().await, ExitReason::Exited(0));
    assert_eq!(
        p.logs().texts_since(0, LogStream::Stdout),
        ["v", "tmp-ok", "0"]
    );
    assert!(!Path::new(&format!("/tmp/kubedrill-{r}")).exists());
    Ok(())
}

#[tokio::test]
#[ignore = "needs unprivileged user namespaces (.ci/run runs it where `unshare --user` works for \
            an unprivileged user)"]
async fn unprivileged_containers_get_a_user_namespace() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let config = tmp.path().join("config");
    projected_volume(&config, "key", "v1")?;
    for entry in [config.clone(), config.join("..v1")] {
        fs::set_permissions(&entry, fs::Permissions::from_mode(0o755))?;
    }
    fs::set_permissions(config.join("..v1/key"), fs::Permissions::from_mode(0o644))?;
    let path = format!("/etc/kubedrill-{r}/config");
    let script = format!(
        "id -u; cat {path}/key; echo; cat /etc/hostname >/dev/null && echo etc-ok; \
         echo x > /dev/null && echo dev-ok; echo ready; exec sleep 60"
    );
    let spec = sh(
        "app",
        &script,
        &tmp.path().join("scratch"),
        vec![mount(&config, &path, true)],
    );
    let rt = if rustix::process::geteuid().is_root() {
        runtime().with_host_user(65534, 65534)
    } else {
        runtime()
    };
    let p = rt.start(&spec).await?;
    line(&p, 0, "ready").await?;
    let uid = rustix::process::geteuid().as_raw();
    let expected_uid = if uid == 0 { 65534 } else { uid };
    assert_eq!(
        p.logs().texts_since(0, LogStream::Stdout),
        [
            expected_uid.to_string().as_str(),
            "v1",
            "etc-ok",
            "dev-ok",
            "ready"
        ],
        "stderr: {:?}",
        p.logs().texts_since(0, LogStream::Stderr)
    );
    assert_eq!(p.read_file(Path::new(&format!("{path}/key")))?, b"v1");
    swap_data(&config, "v2", "key", "v2")?;
    assert_eq!(p.read_file(Path::new(&format!("{path}/key")))?, b"v2");
    assert!(!Path::new(&format!("/etc/kubedrill-{r}")).exists());
    p.kill().await;
    Ok(())
}

#[tokio::test]
async fn without_namespaces_mounts_are_mapped_under_kubedrill_root() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let vol = tmp.path().join("vol");
    projected_volume(&vol, "key", "v1")?;
    let path = format!("/etc/kubedrill-{r}/config");
    let script = format!(
        "cat \"$KUBEDRILL_ROOT{path}/key\"; echo; echo ready; \
         while :; do sleep 0.05; done"
    );
    let spec = sh(
        "app",
        &script,
        &tmp.path().join("scratch"),
        vec![mount(&vol, &path, true)],
    );
    let rt = runtime().with_isolation(Isolation::PathMapping {
        reason: "test".into(),
    });
    let p = rt.start(&spec).await?;
    line(&p, 0, "ready").await?;
    assert_eq!(p.logs().texts_since(0, LogStream::Stdout), ["v1", "ready"]);
    let env = p.env()?;
    let root = env
        .iter()
        .find(|(k, _)| k == KUBEDRILL_ROOT)
        .map(|(_, v)| PathBuf::from(v))
        .ok_or("no KUBEDRILL_ROOT")?;
    assert_eq!(p.isolation(), &rt.isolation());
    swap_data(&vol, "v2", "key", "v2")?;
    assert_eq!(fs::read_to_string(root.join(&path[1..]).join("key"))?, "v2");
    assert!(!Path::new(&format!("/etc/kubedrill-{r}")).exists());
    p.kill().await;
    Ok(())
}

#[tokio::test]
async fn start_latency() -> TestResult {
    let tmp = tempdir()?;
    let r = unique();
    let vol = tmp.path().join("vol");
    projected_volume(&vol, "key", "v1")?;
    let mut samples = Vec::new();
    for (label, mounts) in [
        ("no mounts", vec![]),
        (
            "/etc + / mounts",
            vec![
                mount(&vol, &format!("/etc/kubedrill-{r}/a"), true),
                mount(&vol, &format!("/kubedrill-{r}/b"), true),
            ],
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..10 {
            let spec = sh("app", "exit 0", &tmp.path().join("scratch"), mounts.clone());
            let t = Instant::now();
            let p = runtime().start(&spec).await?;
            times.push(t.elapsed());
            p.wait().await;
        }
        times.sort();
        eprintln!(
            "start latency ({label}): median {:?}, max {:?}",
            times[times.len() / 2],
            times[times.len() - 1]
        );
        samples.push(times[times.len() / 2]);
    }
    assert!(samples.iter().all(|t| *t < Duration::from_secs(2)));
    eprintln!("namespaces available: {}", namespaces_available());
    Ok(())
}

/// Ignores SIGHUP in this process until dropped (as under `nohup`).
struct IgnoreHup;

impl IgnoreHup {
    fn new() -> Self {
        // SAFETY: SIG_IGN installs no handler; restored on drop.
        unsafe { libc::signal(libc::SIGHUP, libc::SIG_IGN) };
        IgnoreHup
    }
}

impl Drop for IgnoreHup {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe { libc::signal(libc::SIGHUP, libc::SIG_DFL) };
    }
}

#[tokio::test]
async fn the_app_starts_with_default_signal_dispositions() -> TestResult {
    // Rust ignores SIGPIPE in `kubedrill`, `nohup` ignores SIGHUP: an ignored signal would
    // survive the exec. Here the test process ignores one for real.
    let _hup_ignored = IgnoreHup::new();
    eprintln!(
        "DEBUG test process: {}",
        fs::read_to_string("/proc/self/status")?
            .lines()
            .filter(|l| l.starts_with("Sig"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let tmp = tempdir()?;
    let mut spec = sh("app", "", &tmp.path().join("scratch"), vec![]);
    spec.command = ["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]
        .map(String::from)
        .to_vec();
    let p = runtime().start(&spec).await?;
    assert_eq!(p.wait().await, ExitReason::Exited(0));
    assert_eq!(
        p.logs().texts_since(0, LogStream::Stdout),
        ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"]
    );
    Ok(())
}

/// The name of the test below, run by `namespaces_unavailable_falls_back_to_kubedrill_root`.
const SANDBOXED: &str = "inside_a_sandbox_without_namespaces";

#[tokio::test]
#[ignore = "run by namespaces_unavailable_falls_back_to_kubedrill_root in a sandbox"]
async fn inside_a_sandbox_without_namespaces() -> TestResult {
    assert!(!namespaces_available());
    let rt = runtime();
    let isolation = rt.isolation();
    eprintln!("isolation: {isolation}");
    assert!(
        matches!(&isolation, Isolation::PathMapping { reason } if reason.contains("unshare")),
        "{isolation:?}"
    );
    let tmp = tempdir()?;
    let r = unique();
    let vol = tmp.path().join("vol");
    projected_volume(&vol, "key", "v1")?;
    let path = format!("/etc/kubedrill-{r}/config");
    let spec = sh(
        "app",
        &format!("cat \"$KUBEDRILL_ROOT{path}/key\""),
        &tmp.path().join("scratch"),
        vec![mount(&vol, &path, true)],
    );
    let p = rt.start(&spec).await?;
    assert_eq!(p.wait().await, ExitReason::Exited(0));
    assert_eq!(p.logs().texts_since(0, LogStream::Stdout), ["v1"]);
    // Insisting on namespaces reports why they are unavailable.
    let forced = runtime().with_isolation(Isolation::MountNamespace {
        user_namespace: false,
    });
    match forced.start(&spec).await {
        Err(e @ RuntimeError::NamespacesUnavailable { .. }) => eprintln!("{e}"),
        other => panic!("expected NamespacesUnavailable, got {other:?}"),
    }
    Ok(())
}

#[test]
fn namespaces_unavailable_falls_back_to_kubedrill_root() -> TestResult {
    let me = std::env::current_exe()?;
    let mut cmd = if namespaces_available() {
        // Take the privilege away: a user namespace whose limit on nested user namespaces is
        // 0, entered without any capability (so neither unshare(2) attempt can work).
        let mut cmd = std::process::Command::new("unshare");
        cmd.args(["--user", "--map-root-user", "sh", "-c"]).arg(
            "echo 0 > /proc/sys/user/max_user_namespaces && \
             exec setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all \"$0\" \"$@\"",
        );
        cmd.arg(&me);
        cmd
    } else {
        std::process::Command::new(&me)
    };
    cmd.args(["--ignored", "--exact", SANDBOXED, "--nocapture"]);
    let out = cmd.output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "sandboxed run failed:\n{text}");
    assert!(text.contains("1 passed"), "{text}");
    eprintln!("{text}");
    Ok(())
}

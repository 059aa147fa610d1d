//! `kubedrill dev` through the real binary: edits are projected, invalid edits change nothing,
//! Ctrl-C stops it.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;

use common::{BIN, lines_of, wait_line};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: x\n      volumeMounts:\n        - {name: cfg, mountPath: /etc/config}\n  volumes:\n    - name: cfg\n      configMap: {name: settings}\n";

fn cm(level: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: {level}\n"
    )
}

fn wait_for(path: &Path, want: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if fs::read_to_string(path).is_ok_and(|s| s == want) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn dev_projects_every_saved_edit_and_ignores_invalid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let objects = dir.path().join("cm.yaml");
    let pod = dir.path().join("pod.yaml");
    let out = dir.path().join("out");
    fs::write(&objects, cm("INFO")).unwrap();
    fs::write(&pod, POD).unwrap();
    let mut child = Command::new(BIN)
        .args(["dev", "-f"])
        .arg(&objects)
        .arg("--workload")
        .arg(&pod)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    let mut seen = Vec::new();
    assert!(wait_line(&rx, "watching", &mut seen), "{seen:?}");
    let level = out.join("etc/config/LOG_LEVEL");
    assert_eq!(fs::read_to_string(&level).unwrap(), "INFO");
    let first = fs::read_link(out.join("etc/config/..data")).unwrap();

    // An editor-style save: write a temp file, rename it over the manifest.
    let tmp = dir.path().join(".cm.yaml.swp");
    fs::write(&tmp, cm("DEBUG")).unwrap();
    fs::rename(&tmp, &objects).unwrap();
    assert!(
        wait_for(&level, "DEBUG"),
        "the edit was projected: {seen:?}"
    );
    assert_ne!(
        fs::read_link(out.join("etc/config/..data")).unwrap(),
        first,
        "a real swap"
    );

    // An invalid edit is reported with its location and changes nothing.
    fs::write(
        &objects,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  bad key: x\n",
    )
    .unwrap();
    assert!(
        wait_line(&rx, "a valid config key must consist of", &mut seen),
        "{seen:?}"
    );
    assert_eq!(fs::read_to_string(&level).unwrap(), "DEBUG");

    // A second save after the watch saw a rename: still watched.
    fs::write(&objects, cm("WARN")).unwrap();
    assert!(wait_for(&level, "WARN"), "{seen:?}");

    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    // Issue 12: stopped by SIGINT, dev exits as shells report it (128 + 2).
    assert_eq!(status.code(), Some(130));
}

#[test]
fn dev_with_invalid_manifests_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let objects = dir.path().join("cm.yaml");
    fs::write(&objects, "kind: ConfigMap\n").unwrap();
    fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    let out = Command::new(BIN)
        .args(["dev", "-f"])
        .arg(&objects)
        .arg("--workload")
        .arg(dir.path().join("pod.yaml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn dev_runs_the_app_with_volumes_at_their_mount_paths() {
    let dir = tempfile::tempdir().unwrap();
    let objects = dir.path().join("cm.yaml");
    let pod = dir.path().join("pod.yaml");
    fs::write(&objects, cm("INFO")).unwrap();
    fs::write(&pod, POD).unwrap();
    let marker = "kd-dev-app-4711";
    let mut child = Command::new(BIN)
        .args(["dev", "-f"])
        .arg(&objects)
        .arg("--workload")
        .arg(&pod)
        .arg("--out")
        .arg(dir.path().join("out"))
        .args([
            "--",
            "sh",
            "-c",
            "while true; do echo level=$(cat /etc/config/LOG_LEVEL); sleep 0.05; done",
            marker,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    let mut seen = Vec::new();
    assert!(wait_line(&rx, "app | level=INFO", &mut seen), "{seen:?}");
    fs::write(&objects, cm("DEBUG")).unwrap();
    assert!(
        wait_line(&rx, "app | level=DEBUG", &mut seen),
        "the app sees the edit: {seen:?}"
    );
    assert!(
        !Path::new("/etc/config/LOG_LEVEL").exists()
            || fs::read_to_string("/etc/config/LOG_LEVEL").is_ok_and(|s| s != "DEBUG"),
        "the host is untouched"
    );
    // SIGTERM (what `timeout` and service managers send) stops the app too, not only Ctrl-C.
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    // Issue 12: stopped by SIGTERM, dev exits 143 (128 + 15).
    assert_eq!(child.wait().unwrap().code(), Some(143));
    let alive = fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| fs::read(e.path().join("cmdline")).ok())
        .any(|c| String::from_utf8_lossy(&c).contains(marker));
    assert!(!alive, "the app is stopped with dev");
}

/// Starts `kubedrill dev` on a ConfigMap file and the pod, and waits until it watches.
fn start_dev(objects: &Path, pod: &Path, out: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(["dev", "-f"])
        .arg(objects)
        .arg("--workload")
        .arg(pod)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    let mut seen = Vec::new();
    assert!(wait_line(&rx, "watching", &mut seen), "{seen:?}");
    (child, rx)
}

/// The lines printed during `quiet`.
fn lines_during(rx: &mpsc::Receiver<String>, quiet: Duration) -> Vec<String> {
    let deadline = Instant::now() + quiet;
    let mut lines = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if let Ok(l) = rx.recv_timeout(left) {
            lines.push(l);
        }
    }
    lines
}

/// How many projections (`pod NS/NAME -> DIR` headers) are among `lines`.
fn projections(lines: &[String]) -> usize {
    lines.iter().filter(|l| l.starts_with("pod ")).count()
}

fn stop(mut child: Child) {
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
}

/// Issue 6 §3: a read-only `cat` of a watched manifest used to start an endless loop of
/// re-projections (OPEN/ACCESS events taken for changes, dev's own re-read making the next).
#[test]
fn dev_a_read_of_a_manifest_projects_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let objects = dir.path().join("cm.yaml");
    let pod = dir.path().join("pod.yaml");
    let out = dir.path().join("out");
    fs::write(&objects, cm("INFO")).unwrap();
    fs::write(&pod, POD).unwrap();
    let (child, rx) = start_dev(&objects, &pod, &out);

    let cat = Command::new("cat").arg(&objects).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&cat.stdout), cm("INFO"));
    fs::read_to_string(&pod).unwrap();
    let after_read = lines_during(&rx, Duration::from_secs(2));
    assert!(after_read.is_empty(), "a read: {after_read:?}");

    // Metadata only (touch, chmod) and a save of identical bytes change no content either.
    let touched = Command::new("touch").arg(&objects).status().unwrap();
    assert!(touched.success());
    fs::write(&objects, cm("INFO")).unwrap();
    let after_same = lines_during(&rx, Duration::from_secs(2));
    assert!(after_same.is_empty(), "same bytes: {after_same:?}");

    // A real edit projects once, then dev is quiet again (its own reads start nothing).
    fs::write(&objects, cm("DEBUG")).unwrap();
    assert!(wait_for(&out.join("etc/config/LOG_LEVEL"), "DEBUG"));
    let after_edit = lines_during(&rx, Duration::from_secs(1));
    assert_eq!(projections(&after_edit), 1, "one edit: {after_edit:?}");
    let later = lines_during(&rx, Duration::from_secs(2));
    assert!(later.is_empty(), "quiet after the edit: {later:?}");
    stop(child);
}

/// Issue 6 §3: 200 rapid saves — in place and editor-style (temp file renamed over the
/// manifest), some of them invalid — settle on the last version, and dev is quiet afterwards.
#[test]
fn dev_200_rapid_edits_settle_on_the_last_version() {
    let dir = tempfile::tempdir().unwrap();
    let objects = dir.path().join("cm.yaml");
    let pod = dir.path().join("pod.yaml");
    let out = dir.path().join("out");
    let version = |i: usize| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: v{i}\n  app.conf: |\n    n={i}\n    pad={}\n",
            "x".repeat(i % 13)
        )
    };
    let invalid = |i: usize| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  bad key {i}: x\n"
        )
    };
    fs::write(&objects, version(0)).unwrap();
    fs::write(&pod, POD).unwrap();
    let (child, rx) = start_dev(&objects, &pod, &out);

    let last = 200;
    for i in 1..=last {
        let text = if i % 7 == 0 && i != last {
            invalid(i)
        } else {
            version(i)
        };
        if i % 2 == 0 {
            let tmp = dir.path().join(format!(".cm.yaml.{i}.tmp"));
            fs::write(&tmp, &text).unwrap();
            fs::rename(&tmp, &objects).unwrap();
        } else {
            fs::write(&objects, &text).unwrap();
        }
        std::thread::sleep(Duration::from_micros(500 * (i as u64 % 5)));
    }
    let level = out.join("etc/config/LOG_LEVEL");
    assert!(
        wait_for(&level, &format!("v{last}")),
        "settled: {:?}",
        fs::read_to_string(&level)
    );
    // Let the round that wrote it finish printing, then dev must stay quiet.
    lines_during(&rx, Duration::from_millis(500));
    let later = lines_during(&rx, Duration::from_secs(2));
    assert!(later.is_empty(), "quiet once settled: {later:?}");
    assert_eq!(
        fs::read_to_string(out.join("etc/config/app.conf")).unwrap(),
        format!("n={last}\npad={}\n", "x".repeat(last % 13))
    );
    let data = fs::read_link(out.join("etc/config/..data")).unwrap();
    let mut files: Vec<String> = fs::read_dir(out.join("etc/config").join(&data))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["LOG_LEVEL", "app.conf"], "exactly the last version");
    stop(child);
}

/// The app of `dev -- COMMAND` prints the Secret it mounts: redacted unless `--show-secrets`,
/// also after an edit rotated it (the old value stays redacted too).
#[test]
fn dev_app_output_redacts_secret_values_unless_show_secrets() {
    const SECRET_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: x\n      volumeMounts:\n        - {name: creds, mountPath: /etc/creds}\n  volumes:\n    - name: creds\n      secret: {secretName: db}\n";
    let secret = |pw: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {pw}\n"
        )
    };
    for show in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let objects = dir.path().join("secret.yaml");
        let pod = dir.path().join("pod.yaml");
        fs::write(&objects, secret("kd-canary-one-7731")).unwrap();
        fs::write(&pod, SECRET_POD).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.args(["dev", "-f"])
            .arg(&objects)
            .arg("--workload")
            .arg(&pod)
            .arg("--out")
            .arg(dir.path().join("out"));
        if show {
            cmd.arg("--show-secrets");
        }
        let mut child = cmd
            .args([
                "--",
                "sh",
                "-c",
                "while true; do echo pw=$(cat /etc/creds/password) end; sleep 0.05; done",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let rx = lines_of(&mut child);
        let mut seen = Vec::new();
        let first = if show {
            "app | pw=kd-canary-one-7731 end"
        } else {
            "app | pw=‹redacted› end"
        };
        assert!(wait_line(&rx, first, &mut seen), "{seen:?}");
        fs::write(&objects, secret("kd-canary-two-9904")).unwrap();
        let second = if show {
            "app | pw=kd-canary-two-9904 end"
        } else {
            "changed:"
        };
        assert!(wait_line(&rx, second, &mut seen), "{seen:?}");
        // A little more output after the rotation, then stop.
        std::thread::sleep(Duration::from_millis(400));
        seen.extend(rx.try_iter());
        stop(child);
        seen.extend(rx.try_iter());
        let all = seen.join("\n");
        for canary in ["kd-canary-one-7731", "kd-canary-two-9904"] {
            assert_eq!(
                all.contains(canary),
                show,
                "{canary} with show={show}: {all}"
            );
        }
    }
}

//! `kubedrill project` through the real binary: layout, updates, no-ops, restarts, bad input.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

mod common;

use common::Out as Run;

fn kubedrill(args: &[&str]) -> Run {
    common::output(common::command().args(args))
}

/// A scratch folder with `objects.yaml`, `pod.yaml` and an `out/` target.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(objects: &str, pod: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("objects.yaml"), objects).unwrap();
        fs::write(dir.path().join("pod.yaml"), pod).unwrap();
        Case { dir }
    }
    fn set_objects(&self, objects: &str) {
        fs::write(self.dir.path().join("objects.yaml"), objects).unwrap();
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn out(&self, rel: &str) -> PathBuf {
        self.dir.path().join("out").join(rel)
    }
    fn project(&self, extra: &[&str]) -> Run {
        let objects = self.path("objects.yaml");
        let pod = self.path("pod.yaml");
        let out = self.path("out");
        let mut args = vec![
            "project",
            "-f",
            objects.to_str().unwrap(),
            "--workload",
            pod.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        kubedrill(&args)
    }
    fn data_target(&self, mount: &str) -> String {
        fs::read_link(self.out(mount).join("..data"))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}

fn cm(name: &str, data: &[(&str, &str)]) -> String {
    let mut s = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n");
    for (k, v) in data {
        s.push_str(&format!("  {k}: \"{v}\"\n"));
    }
    s
}

/// A pod with envFrom, a volume and a subPath mount of the ConfigMap `settings`; `extra_volume`
/// lines go under the volume's `configMap:` and `pod_security` under `spec:`.
fn pod(extra_volume: &str, extra_env_from: &str, pod_security: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
{pod_security}  containers:
    - name: app
      image: busybox
      envFrom:
        - configMapRef:
            name: settings
{extra_env_from}      volumeMounts:
        - name: config
          mountPath: /etc/config
        - name: config
          mountPath: /etc/app.conf
          subPath: app.conf
  volumes:
    - name: config
      configMap:
        name: settings
{extra_volume}"#
    )
}

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: busybox
      envFrom:
        - configMapRef:
            name: settings
      volumeMounts:
        - name: config
          mountPath: /etc/config
        - name: config
          mountPath: /etc/app.conf
          subPath: app.conf
  volumes:
    - name: config
      configMap:
        name: settings
"#;

#[test]
fn pod_helper_matches_plain_pod() {
    assert_eq!(pod("", "", ""), POD);
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn project_seed_example_layout() {
    let out = tempfile::tempdir().unwrap();
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed");
    let r = kubedrill(&[
        "project",
        "-f",
        seed.join("configmap.yaml").to_str().unwrap(),
        "-f",
        seed.join("secret.yaml").to_str().unwrap(),
        "--workload",
        seed.join("deployment.yaml").to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let o = out.path();
    assert!(fs::read_link(o.join("etc/config/..data")).is_ok());
    assert_eq!(
        fs::read_link(o.join("etc/config/app.conf")).unwrap(),
        Path::new("..data/app.conf")
    );
    assert!(
        fs::read_to_string(o.join("etc/config/app.conf"))
            .unwrap()
            .contains("host=db-svc")
    );
    let cert = fs::read_to_string(o.join("etc/tls/cert.pem")).unwrap();
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
    let env = fs::read_to_string(o.join("app.env")).unwrap();
    assert!(env.contains("LOG_LEVEL=INFO\n"));
    assert!(
        env.contains("DATABASE_PASSWORD=SecureP@ssw0rd\n"),
        "DIR is the user's own"
    );
    assert_eq!(
        mode(&o.join("app.env")),
        0o600,
        "env with Secret values is private"
    );
    assert_eq!(mode(&o.join(".kubedrill")), 0o700);
    assert!(
        r.stdout.contains("pod default/python-app-deployment-"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("SecureP@ssw0rd"),
        "no Secret value on the console"
    );
}

#[test]
fn project_update_swaps_adds_changes_and_removes() {
    let c = Case::new(
        &cm("settings", &[("a", "1"), ("b", "2"), ("app.conf", "v1")]),
        POD,
    );
    assert_eq!(c.project(&[]).code, 0);
    let first = c.data_target("etc/config");
    c.set_objects(&cm(
        "settings",
        &[("a", "changed"), ("c", "3"), ("app.conf", "v1")],
    ));
    let r = c.project(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("changed a"), "{}", r.stdout);
    assert!(r.stdout.contains("added c"), "{}", r.stdout);
    assert!(r.stdout.contains("removed b"), "{}", r.stdout);
    let second = c.data_target("etc/config");
    assert_ne!(first, second);
    assert!(
        !c.out("etc/config").join(&first).exists(),
        "old version removed"
    );
    assert!(fs::symlink_metadata(c.out("etc/config/b")).is_err());
    assert_eq!(
        fs::read_to_string(c.out("etc/config/a")).unwrap(),
        "changed"
    );
    assert_eq!(fs::read_to_string(c.out("etc/config/c")).unwrap(), "3");
}

#[test]
fn project_unchanged_rerun_is_a_noop() {
    let c = Case::new(&cm("settings", &[("a", "1"), ("app.conf", "v1")]), POD);
    assert_eq!(c.project(&[]).code, 0);
    let first = c.data_target("etc/config");
    let r = c.project(&[]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("unchanged (no-op"), "{}", r.stdout);
    assert_eq!(c.data_target("etc/config"), first);
}

#[test]
fn cm_2_6_volume_root_is_0777() {
    let c = Case::new(&cm("settings", &[("a", "1"), ("app.conf", "v1")]), POD);
    assert_eq!(c.project(&[]).code, 0);
    assert_eq!(mode(&c.out("etc/config")), 0o777);
}

#[test]
fn env_6_6_config_error_names_the_missing_key() {
    let pod = POD.replace(
        "      volumeMounts:",
        "      env:\n        - name: PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db\n              key: password\n      volumeMounts:",
    );
    let objects = format!(
        "{}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  user: admin\n",
        cm("settings", &[("app.conf", "v1")])
    );
    let c = Case::new(&objects, &pod);
    let r = c.project(&[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "CreateContainerConfigError: couldn't find key password in Secret default/db"
        ),
        "{}",
        r.stdout
    );
    assert!(
        !c.out("app.env").exists(),
        "a container that cannot start has no env"
    );
}

#[test]
fn sp_5_2_subpath_stays_old_until_restart_5_3() {
    let c = Case::new(&cm("settings", &[("app.conf", "v1")]), POD);
    assert_eq!(c.project(&[]).code, 0);
    let pinned = c.out("etc/app.conf");
    assert!(
        fs::symlink_metadata(&pinned).unwrap().is_file(),
        "§5.1 a plain file"
    );
    c.set_objects(&cm("settings", &[("app.conf", "v2")]));
    let r = c.project(&[]);
    assert_eq!(
        fs::read_to_string(c.out("etc/config/app.conf")).unwrap(),
        "v2"
    );
    assert_eq!(
        fs::read_to_string(&pinned).unwrap(),
        "v1",
        "subPath never updates"
    );
    assert!(
        r.stdout.contains("subPath kept from container start"),
        "{}",
        r.stdout
    );
    let r = c.project(&["--restart"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        fs::read_to_string(&pinned).unwrap(),
        "v2",
        "a restart re-resolves"
    );
}

#[test]
fn env_6_7_env_frozen_until_restart() {
    let c = Case::new(
        &cm("settings", &[("LOG_LEVEL", "INFO"), ("app.conf", "x")]),
        POD,
    );
    assert_eq!(c.project(&[]).code, 0);
    c.set_objects(&cm(
        "settings",
        &[("LOG_LEVEL", "DEBUG"), ("app.conf", "x")],
    ));
    let r = c.project(&[]);
    let env = fs::read_to_string(c.out("app.env")).unwrap();
    assert!(env.contains("LOG_LEVEL=INFO"), "{env}");
    assert!(
        r.stdout.contains("a restart would change LOG_LEVEL"),
        "{}",
        r.stdout
    );
    c.project(&["--restart"]);
    let env = fs::read_to_string(c.out("app.env")).unwrap();
    assert!(env.contains("LOG_LEVEL=DEBUG"), "{env}");
}

#[test]
fn cm_2_4_missing_object_is_failed_mount_exit_1() {
    let c = Case::new(&cm("other", &[("x", "1")]), POD);
    let r = c.project(&[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            r#"MountVolume.SetUp failed for volume "config" : configmap "settings" not found"#
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(r#"CreateContainerConfigError: configmap "settings" not found"#)
    );
}

#[test]
fn cm_2_5_deleted_non_optional_object_keeps_files() {
    let c = Case::new(&cm("settings", &[("a", "1"), ("app.conf", "v1")]), POD);
    assert_eq!(c.project(&[]).code, 0);
    let before = c.data_target("etc/config");
    c.set_objects(&cm("unrelated", &[("x", "1")]));
    let r = c.project(&[]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("FailedMount"), "{}", r.stdout);
    assert_eq!(c.data_target("etc/config"), before);
    assert_eq!(fs::read_to_string(c.out("etc/config/a")).unwrap(), "1");
}

#[test]
fn cm_2_5_deleted_optional_object_empties_volume() {
    let pod = pod(
        "        optional: true\n",
        "            optional: true\n",
        "",
    );
    let c = Case::new(&cm("settings", &[("a", "1"), ("app.conf", "v1")]), &pod);
    assert_eq!(c.project(&[]).code, 0);
    c.set_objects(&cm("unrelated", &[("x", "1")]));
    let r = c.project(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("removed a, app.conf"), "{}", r.stdout);
    assert!(fs::symlink_metadata(c.out("etc/config/a")).is_err());
    assert!(
        fs::read_link(c.out("etc/config/..data")).is_ok(),
        "the volume stays, empty"
    );
}

#[test]
fn cm_2_7_fs_group_modes() {
    let pod = pod(
        "        defaultMode: 0400\n",
        "",
        "  securityContext:\n    fsGroup: 2000\n",
    );
    let c = Case::new(&cm("settings", &[("a", "1"), ("app.conf", "v1")]), &pod);
    let r = c.project(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let file = c.out("etc/config/a");
    assert_eq!(mode(&file), 0o440, "0400 | 0440");
    let ts = c.out("etc/config").join(c.data_target("etc/config"));
    assert_eq!(mode(&ts), 0o2755, "0755 | 0550 | setgid");
    if rustix::process::geteuid().is_root() {
        assert_eq!(fs::metadata(&file).unwrap().gid(), 2000);
    } else {
        eprintln!("note: chown to fsGroup checked only as root");
    }
}

#[test]
fn bad_yaml_exits_2_with_location() {
    let c = Case::new(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: [1, 2]\n",
        POD,
    );
    let r = c.project(&[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("objects.yaml:6:"), "{}", r.stderr);
    assert!(!c.out("").exists(), "invalid input writes nothing");
}

#[test]
fn invalid_key_rejected_like_the_api_server() {
    let c = Case::new(&cm("settings", &[("bad key", "1")]), POD);
    let r = c.project(&[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("objects.yaml"), "{}", r.stderr);
    assert!(
        r.stderr.contains("a valid config key must consist of"),
        "{}",
        r.stderr
    );
    assert!(!c.out("").exists());
}

#[test]
fn unknown_kind_is_reported() {
    // Issue 11 §3: another kind (a Service) is skipped with a note, not rejected; a supported
    // kind spelt with the wrong case is still an error.
    let c = Case::new("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n", POD);
    let r = c.project(&[]);
    assert_ne!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("skipped Service \"s\""), "{}", r.stderr);
    let c = Case::new(
        "apiVersion: v1\nkind: configmap\nmetadata:\n  name: s\n",
        POD,
    );
    let r = c.project(&[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean ConfigMap?"), "{}", r.stderr);
}

#[test]
fn symlink_inside_out_dir_is_never_followed() {
    let c = Case::new(&cm("settings", &[("a", "1"), ("app.conf", "v1")]), POD);
    let outside = tempfile::tempdir().unwrap();
    fs::create_dir_all(c.out("")).unwrap();
    std::os::unix::fs::symlink(outside.path(), c.out("etc")).unwrap();
    let r = c.project(&[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("symlink"), "{}", r.stderr);
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn missing_manifest_file_exits_2() {
    let r = kubedrill(&[
        "project",
        "-f",
        "/nonexistent/x.yaml",
        "--out",
        "/tmp/never-kd",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/x.yaml"), "{}", r.stderr);
    assert!(!Path::new("/tmp/never-kd").exists());
}

/// Issue 6 §1: a re-run that changes nothing must not touch the mount directory — kubelet's
/// emptyDir SetUp returns early once set up and a no-op AtomicWriter write changes nothing, so
/// an app reloading on any event in its config dir sees none.
#[test]
fn cm_2_6_noop_rerun_raises_no_event_on_the_mount_dir() {
    use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
    let c = Case::new(&cm("settings", &[("a", "1"), ("app.conf", "v1")]), POD);
    assert_eq!(c.project(&[]).code, 0);
    let fd = inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC).unwrap();
    let mask = WatchFlags::CREATE
        | WatchFlags::ATTRIB
        | WatchFlags::MOVED_FROM
        | WatchFlags::MOVED_TO
        | WatchFlags::DELETE
        | WatchFlags::DELETE_SELF
        | WatchFlags::MODIFY
        | WatchFlags::CLOSE_WRITE;
    inotify::add_watch(&fd, c.out("etc/config"), mask).unwrap();
    let r = c.project(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
    let mut reader = inotify::Reader::new(&fd, &mut buf);
    let mut events = Vec::new();
    while let Ok(e) = reader.next() {
        events.push(format!("{:?} {:?}", e.events(), e.file_name()));
    }
    assert_eq!(events, Vec::<String>::new());
}

/// Issue 6 §1: a Secret volume is a tmpfs on a node; the root a container sees is the tmpfs
/// root, mode 01777 (upstream: secret.go wraps emptyDir{medium: Memory}, and emptyDir mounts the
/// tmpfs without a mode option).
#[test]
fn sec_3_2_secret_volume_root_is_a_tmpfs_root() {
    let pod = POD
        .replace("        - name: config\n          mountPath: /etc/app.conf\n          subPath: app.conf\n", "        - name: creds\n          mountPath: /run/creds\n")
        .replace("  volumes:\n", "  volumes:\n    - name: creds\n      secret:\n        secretName: db\n");
    let objects = format!(
        "{}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: pw\n",
        cm("settings", &[("app.conf", "v1")])
    );
    let c = Case::new(&objects, &pod);
    let r = c.project(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(mode(&c.out("run/creds")), 0o1777);
    assert_eq!(mode(&c.out("etc/config")), 0o777);
}

/// Issue 7: a stale `..data_tmp` (a `kill -9` between steps 8 and 9) used to make every later
/// run fail; the volume plugin's setup now removes it and says so.
#[test]
fn aw_1_9_stale_data_tmp_is_repaired_by_the_next_run() {
    let c = Case::new(&cm("settings", &[("a", "1"), ("app.conf", "v1")]), POD);
    assert_eq!(c.project(&[]).code, 0);
    let live = c.data_target("etc/config");
    let orphan = c.out("etc/config/..2026_01_01_00_00_00.42");
    fs::create_dir(&orphan).unwrap();
    fs::write(orphan.join("a"), "half-written").unwrap();
    std::os::unix::fs::symlink("..2026_01_01_00_00_00.42", c.out("etc/config/..data_tmp")).unwrap();
    c.set_objects(&cm("settings", &[("a", "2"), ("app.conf", "v2")]));
    let r = c.project(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("repaired: removed stale ..data_tmp"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("repaired: removed orphaned ..2026_01_01_00_00_00.42"),
        "{}",
        r.stdout
    );
    let ts: Vec<String> = fs::read_dir(c.out("etc/config"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("..2"))
        .collect();
    assert_eq!(ts, vec![c.data_target("etc/config")]);
    assert_ne!(ts[0], live);
    assert_eq!(fs::read_to_string(c.out("etc/config/a")).unwrap(), "2");
    let again = c.project(&[]);
    assert!(!again.stdout.contains("repaired"), "{}", again.stdout);
}

/// §1.9 / §2.6: a payload where `x` is a file and `x/y` a key fails kubelet's write in every map
/// order. On a node that is a FailedMount of that volume, not a failure of the pod's other
/// volumes: `project` reports it (exit 1), keeps the good volume, and once the objects are fixed
/// the next run repairs the half-written directory and leaves exactly one.
#[test]
fn aw_1_9_payload_file_and_dir_collision_is_failed_mount_of_that_volume_only() {
    let objects = format!(
        "{}---\n{}",
        cm("a", &[("one", "1"), ("two", "2")]),
        cm("b", &[("k", "v")])
    );
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: x\n      volumeMounts:\n        - {name: good, mountPath: /etc/good}\n        - {name: clash, mountPath: /etc/clash}\n  volumes:\n    - name: clash\n      configMap:\n        name: a\n        items:\n          - {key: one, path: x}\n          - {key: two, path: x/y}\n    - name: good\n      configMap: {name: b}\n";
    let case = Case::new(&objects, pod);
    let r = case.project(&[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "FailedMount: MountVolume.SetUp failed for volume \"clash\" : volume \"clash\": unable to create directory"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(fs::read_to_string(case.out("etc/good/k")).unwrap(), "v");
    assert!(!case.out("etc/clash/..data").exists(), "nothing swapped in");

    // Fixed objects: the next run repairs the half-written dir and mounts the volume.
    let fixed = pod.replace("path: x/y", "path: z/y");
    fs::write(case.path("pod.yaml"), fixed).unwrap();
    let r = case.project(&[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("repaired:"), "{}", r.stdout);
    assert_eq!(fs::read_to_string(case.out("etc/clash/z/y")).unwrap(), "2");
    let timestamped = fs::read_dir(case.out("etc/clash"))
        .unwrap()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("..") && n != "..data"
        })
        .count();
    assert_eq!(timestamped, 1);
}

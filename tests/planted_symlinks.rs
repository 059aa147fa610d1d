//! Issue 7, "symlinks pre-planted in DIR are followed": every attack of the report, through the
//! real binary, and the README's promise ("kubedrill never writes outside DIR") as a property —
//! random symlinks to an outside victim tree, planted anywhere kubedrill reads or writes in DIR,
//! must leave the victim byte for byte as it was (contents, modes, owners, mtimes, ctimes).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use kubedrill::kubelet::KubeVersion;
use kubedrill::project::{ProjectOptions, project};
use proptest::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

const OBJECTS_V1: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  app.conf: \"v1\"\n  a: \"1\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n";
const OBJECTS_V2: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  app.conf: \"v2\"\n  b: \"2\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter3\n";

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
        - name: creds
          mountPath: /run/creds
  volumes:
    - name: config
      configMap:
        name: settings
    - name: creds
      secret:
        secretName: db
"#;

/// A scratch folder: manifests, `out/` (DIR) and `victim/`, a tree outside DIR.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("objects.yaml"), OBJECTS_V1).unwrap();
        fs::write(dir.path().join("pod.yaml"), POD).unwrap();
        let victim = dir.path().join("victim");
        fs::create_dir_all(victim.join("sub/deeper")).unwrap();
        fs::write(victim.join("file"), "precious\n").unwrap();
        fs::write(
            victim.join("pod"),
            "evil-pod 00000000-0000-4000-a000-000000000000\n",
        )
        .unwrap();
        fs::write(victim.join("sub/app.conf"), "outside\n").unwrap();
        fs::write(victim.join("sub/deeper/x"), "x").unwrap();
        fs::set_permissions(
            victim.join("file"),
            std::os::unix::fs::PermissionsExt::from_mode(0o640),
        )
        .unwrap();
        fs::create_dir_all(dir.path().join("out")).unwrap();
        Case { dir }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn out(&self, rel: &str) -> PathBuf {
        self.path("out").join(rel)
    }
    fn victim(&self) -> PathBuf {
        self.path("victim")
    }
    fn set_objects(&self, objects: &str) {
        fs::write(self.path("objects.yaml"), objects).unwrap();
    }
    fn options(&self) -> ProjectOptions {
        ProjectOptions {
            manifests: vec![self.path("objects.yaml")],
            workload: Some(self.path("pod.yaml")),
            out: self.path("out"),
            restart: false,
            kube_version: KubeVersion::default(),
        }
    }
    /// `kubedrill project` through the binary: (exit code, stdout, stderr).
    fn project_bin(&self) -> (i32, String, String) {
        let o = Command::new(BIN)
            .args(["project", "-f"])
            .arg(self.path("objects.yaml"))
            .arg("--workload")
            .arg(self.path("pod.yaml"))
            .arg("--out")
            .arg(self.path("out"))
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }
    /// Replaces whatever is at `rel` in DIR by a symlink to `target` (parents made real dirs).
    fn plant(&self, rel: &str, target: &Path) {
        let at = self.out(rel);
        if let Some(parent) = at.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        match fs::symlink_metadata(&at) {
            Ok(md) if md.is_dir() => fs::remove_dir_all(&at).unwrap(),
            Ok(_) => fs::remove_file(&at).unwrap(),
            Err(_) => {}
        }
        symlink(target, &at).unwrap();
    }
}

/// Everything observable about a tree, without following links: per path, kind, mode, owner,
/// mtime, ctime and bytes (or link target).
type Snapshot = BTreeMap<PathBuf, (String, u32, u32, u32, i64, i64, i64, i64, Vec<u8>)>;

fn snapshot(root: &Path) -> Snapshot {
    fn walk(root: &Path, p: &Path, out: &mut Snapshot) {
        let md = fs::symlink_metadata(p).unwrap();
        let (kind, bytes) = if md.file_type().is_symlink() {
            (
                "link",
                fs::read_link(p)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes(),
            )
        } else if md.is_dir() {
            ("dir", Vec::new())
        } else {
            ("file", fs::read(p).unwrap())
        };
        out.insert(
            p.strip_prefix(root).unwrap().to_path_buf(),
            (
                kind.to_string(),
                md.mode(),
                md.uid(),
                md.gid(),
                md.mtime(),
                md.mtime_nsec(),
                md.ctime(),
                md.ctime_nsec(),
                bytes,
            ),
        );
        if md.is_dir() {
            let mut names: Vec<_> = fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            names.sort();
            for n in names {
                walk(root, &n, out);
            }
        }
    }
    let mut out = Snapshot::new();
    walk(root, root, &mut out);
    out
}

/// One attack through the binary: exit 2, the planted link named, the victim untouched.
fn assert_refused(c: &Case, planted: &str) {
    let before = snapshot(&c.victim());
    let (code, stdout, stderr) = c.project_bin();
    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let named = c.out(planted);
    assert!(
        stderr.contains(&named.display().to_string()) && stderr.contains("symbolic link"),
        "the error names the planted link {}:\n{stderr}",
        named.display()
    );
    assert_eq!(snapshot(&c.victim()), before, "the victim tree changed");
}

#[test]
fn issue7_staging_env_file_symlink_is_refused() {
    let c = Case::new();
    c.plant("app.kubedrill-tmp", &c.victim().join("file"));
    assert_refused(&c, "app.kubedrill-tmp");
}

#[test]
fn issue7_staging_pod_file_symlink_is_refused() {
    let c = Case::new();
    c.plant(".kubedrill/pod.kubedrill-tmp", &c.victim().join("file"));
    assert_refused(&c, ".kubedrill/pod.kubedrill-tmp");
}

#[test]
fn issue7_state_dir_symlink_is_refused() {
    let c = Case::new();
    c.plant(".kubedrill", &c.victim());
    assert_refused(&c, ".kubedrill");
}

#[test]
fn issue7_state_volumes_symlink_is_refused() {
    let c = Case::new();
    c.plant(".kubedrill/volumes", &c.victim().join("sub"));
    assert_refused(&c, ".kubedrill/volumes");
}

#[test]
fn issue7_node_volume_dir_symlink_is_refused() {
    let c = Case::new();
    c.plant(".kubedrill/volumes/config", &c.victim().join("sub"));
    assert_refused(&c, ".kubedrill/volumes/config");
}

#[test]
fn issue7_outside_pod_identity_is_not_read() {
    let c = Case::new();
    c.plant(".kubedrill/pod", &c.victim().join("pod"));
    assert_refused(&c, ".kubedrill/pod");
}

#[test]
fn issue7_env_file_symlink_is_refused() {
    let c = Case::new();
    assert_eq!(c.project_bin().0, 0);
    c.plant("app.env", &c.victim().join("file"));
    assert_refused(&c, "app.env");
}

#[test]
fn issue7_two_hop_data_link_is_refused() {
    let c = Case::new();
    assert_eq!(c.project_bin().0, 0);
    c.plant("etc/config/..evil", &c.victim().join("sub"));
    c.plant("etc/config/..data", Path::new("..evil"));
    c.set_objects(OBJECTS_V2);
    assert_refused(&c, "etc/config/..evil");
}

#[test]
fn issue7_foreign_user_visible_link_is_refused() {
    let c = Case::new();
    assert_eq!(c.project_bin().0, 0);
    c.plant("etc/config/app.conf", &c.victim().join("sub/app.conf"));
    assert_refused(&c, "etc/config/app.conf");
}

#[test]
fn issue7_mount_path_parent_symlink_is_refused() {
    let c = Case::new();
    c.plant("run", &c.victim().join("sub"));
    let before = snapshot(&c.victim());
    let (code, _, stderr) = c.project_bin();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("symlink") || stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert_eq!(snapshot(&c.victim()), before);
}

#[test]
fn issue7_kubedrills_own_links_still_work_after_refusals() {
    // A volume that kubedrill wrote holds its own relative links; a re-run and an update must
    // keep working with them (they are expected, only foreign links are refused).
    let c = Case::new();
    assert_eq!(c.project_bin().0, 0);
    assert_eq!(c.project_bin().0, 0);
    c.set_objects(OBJECTS_V2);
    let (code, stdout, stderr) = c.project_bin();
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        fs::read_to_string(c.out("etc/config/app.conf")).unwrap(),
        "v2"
    );
    assert_eq!(
        fs::read_to_string(c.out("run/creds/password")).unwrap(),
        "hunter3"
    );
}

/// Where the property plants links: every name kubedrill reads or writes in DIR.
const PLACES: &[&str] = &[
    "app.kubedrill-tmp",
    "app.env",
    ".kubedrill",
    ".kubedrill/pod",
    ".kubedrill/pod.kubedrill-tmp",
    ".kubedrill/volumes",
    ".kubedrill/volumes/config",
    ".kubedrill/volumes/config/..data",
    ".kubedrill/volumes/config/..data_tmp",
    ".kubedrill/volumes/config/app.conf",
    ".kubedrill/volumes/config/CURRENT_TS",
    ".kubedrill/volumes/config/CURRENT_TS/app.conf",
    "etc",
    "etc/config",
    "etc/config/..data",
    "etc/config/..data_tmp",
    "etc/config/..2026_01_01_00_00_00.1",
    "etc/config/CURRENT_TS",
    "etc/config/CURRENT_TS/app.conf",
    "etc/config/CURRENT_TS/a",
    "etc/config/app.conf",
    "etc/config/a",
    "etc/config/b",
    "etc/app.conf",
    "etc/.app.conf.kubedrill-tmp",
    "run",
    "run/creds",
    "run/creds/..data",
    "run/creds/password",
    "run/creds/CURRENT_TS",
    "run/creds/CURRENT_TS/password",
];

/// Where a planted link points: into the victim tree, or one hop through a `..evil` sibling.
const TARGETS: &[&str] = &[
    "victim",
    "victim/file",
    "victim/sub",
    "victim/pod",
    "victim/missing",
    "..evil",
];

fn plant_at(c: &Case, place: &str, target: &str) {
    // `CURRENT_TS` stands for the timestamped dir `..data` names at planting time.
    let place = match place.split_once("/CURRENT_TS") {
        Some((dir, rest)) => match fs::read_link(c.out(dir).join("..data")) {
            Ok(ts) => format!("{dir}/{}{rest}", ts.to_string_lossy()),
            Err(_) => return,
        },
        None => place.to_string(),
    };
    // A parent that is already a planted link stays one (the next plant would write through it).
    let mut p = c.out("");
    for comp in Path::new(&place)
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
    {
        p.push(comp);
        if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return;
        }
    }
    if target == "..evil" {
        let evil = Path::new(&place).with_file_name("..evil");
        c.plant(&evil.to_string_lossy(), &c.victim().join("sub"));
        c.plant(&place, Path::new("..evil"));
    } else {
        c.plant(&place, &c.path(target));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// README: "kubedrill never writes outside DIR", for any set of planted links.
    #[test]
    fn issue7_planted_symlinks_never_touch_the_victim(
        first_run in any::<bool>(),
        plants in prop::collection::vec((0..PLACES.len(), 0..TARGETS.len()), 1..4),
        then_update in any::<bool>(),
    ) {
        let c = Case::new();
        if first_run {
            project(&c.options()).unwrap();
        }
        for (place, target) in &plants {
            plant_at(&c, PLACES[*place], TARGETS[*target]);
        }
        let before = snapshot(&c.victim());
        let _ = project(&c.options());
        if then_update {
            c.set_objects(OBJECTS_V2);
            let _ = project(&c.options());
        }
        prop_assert_eq!(snapshot(&c.victim()), before);
    }
}

/// Names inside one volume directory where the writer-level property plants links.
const VOLUME_PLACES: &[&str] = &[
    "..data",
    "..data_tmp",
    "..2026_01_01_00_00_00.1",
    "CURRENT_TS",
    "CURRENT_TS/k",
    "CURRENT_TS/d",
    "CURRENT_TS/d/e",
    "k",
    "d",
    "gone",
];

fn volume_payload(version: &str) -> kubedrill::kubelet::Payload {
    ["k", "d/e", "new"]
        .iter()
        .map(|k| {
            (
                k.to_string(),
                kubedrill::kubelet::FileProjection {
                    data: format!("{k} {version}").into_bytes(),
                    mode: 0o644,
                    fs_user: None,
                },
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The simulator's path (volume setup, recovery, AtomicWriter with the fsGroup walk) never
    /// reads, writes, chmods or chowns through a link planted in a volume directory.
    #[test]
    fn aw_planted_symlinks_in_a_volume_never_touch_the_victim(
        plants in prop::collection::vec((0..VOLUME_PLACES.len(), 0..TARGETS.len()), 1..4),
        with_previous in any::<bool>(),
    ) {
        use kubedrill::kubelet::anchored::AnchoredDir;
        use kubedrill::kubelet::atomic_writer::{AtomicWriter, recover_interrupted_write};
        use kubedrill::kubelet::ownership::apply_fs_group_at;

        let c = Case::new();
        let vol = c.out("vol");
        fs::create_dir_all(&vol).unwrap();
        let mut v1 = volume_payload("v1");
        v1.insert(
            "gone".to_string(),
            kubedrill::kubelet::FileProjection { data: b"x".to_vec(), mode: 0o600, fs_user: None },
        );
        AtomicWriter::new(&vol, "t").write(&v1, None).unwrap();
        for (place, target) in &plants {
            plant_at(&c, &format!("vol/{}", VOLUME_PLACES[*place]), TARGETS[*target]);
        }
        let before = snapshot(&c.victim());
        let run = || -> Result<(), String> {
            let dir = AnchoredDir::open(&vol).map_err(|e| e.to_string())?;
            recover_interrupted_write(&dir).map_err(|e| e.to_string())?;
            let root = dir.try_clone().map_err(|e| e.to_string())?;
            let hook = |_: &str| apply_fs_group_at(&root, 4321);
            let previous = with_previous.then_some(&v1);
            AtomicWriter::in_dir(dir, "t")
                .write_with_previous(&volume_payload("v2"), previous, Some(&hook))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let _ = run();
        prop_assert_eq!(snapshot(&c.victim()), before);
    }
}

//! What an inotify watcher sees during one AtomicWriter update (spec §1, "What a watcher sees"):
//! this is exactly what the pitfall apps get wrong, so the sequence must match kubelet's.

use std::collections::BTreeMap;
use std::mem::MaybeUninit;

use kubedrill::kubelet::atomic_writer::{AtomicWriter, FileProjection, Payload};
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};

fn payload(v: &str) -> Payload {
    BTreeMap::from([(
        "app.conf".to_string(),
        FileProjection {
            data: v.as_bytes().to_vec(),
            mode: 0o644,
            fs_user: None,
        },
    )])
}

/// (watch descriptor, flags, name, cookie) of every pending event.
fn drain(fd: &rustix::fd::OwnedFd) -> Vec<(i32, ReadFlags, String, u32)> {
    let mut buf = [MaybeUninit::<u8>::uninit(); 8192];
    let mut reader = inotify::Reader::new(fd, &mut buf);
    let mut out = Vec::new();
    while let Ok(e) = reader.next() {
        let name = e
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push((e.wd(), e.events(), name, e.cookie()));
    }
    out
}

#[test]
fn aw_1_watcher_sees_kubelets_event_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let writer = AtomicWriter::new(dir.path(), "t");
    writer.write(&payload("v1"), None).unwrap();
    let old = std::fs::read_link(dir.path().join("..data"))
        .unwrap()
        .to_string_lossy()
        .into_owned();

    let fd = inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC).unwrap();
    let structural = WatchFlags::CREATE
        | WatchFlags::ATTRIB
        | WatchFlags::MOVED_FROM
        | WatchFlags::MOVED_TO
        | WatchFlags::DELETE
        | WatchFlags::MODIFY
        | WatchFlags::CLOSE_WRITE;
    let dir_wd = inotify::add_watch(&fd, dir.path(), structural).unwrap();
    // A watch on the user-visible name follows the link into the old timestamped dir (P1).
    let file_wd = inotify::add_watch(
        &fd,
        dir.path().join("app.conf"),
        WatchFlags::ATTRIB | WatchFlags::DELETE_SELF | WatchFlags::MODIFY | WatchFlags::CLOSE_WRITE,
    )
    .unwrap();

    let out = writer.write(&payload("v2"), None).unwrap();
    let new = out.current_dir.unwrap();
    let events = drain(&fd);

    let on_dir: Vec<(ReadFlags, String, u32)> = events
        .iter()
        .filter(|(wd, ..)| *wd == dir_wd)
        .map(|(_, f, n, c)| (*f, n.clone(), *c))
        .collect();
    let shape: Vec<(String, &str)> = on_dir
        .iter()
        .map(|(f, n, _)| {
            let kind = if f.contains(ReadFlags::CREATE) {
                "CREATE"
            } else if f.contains(ReadFlags::ATTRIB) {
                "ATTRIB"
            } else if f.contains(ReadFlags::MOVED_FROM) {
                "MOVED_FROM"
            } else if f.contains(ReadFlags::MOVED_TO) {
                "MOVED_TO"
            } else if f.contains(ReadFlags::DELETE) {
                "DELETE"
            } else {
                "OTHER"
            };
            (n.clone(), kind)
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (new.clone(), "CREATE"),
            (new.clone(), "ATTRIB"),
            ("..data_tmp".to_string(), "CREATE"),
            ("..data_tmp".to_string(), "MOVED_FROM"),
            ("..data".to_string(), "MOVED_TO"),
            (old.clone(), "DELETE"),
        ],
        "{on_dir:?}"
    );
    assert!(on_dir[0].0.contains(ReadFlags::ISDIR));
    assert!(on_dir[5].0.contains(ReadFlags::ISDIR));
    assert_eq!(
        on_dir[3].2, on_dir[4].2,
        "MOVED_FROM and MOVED_TO share a cookie"
    );
    assert!(
        !on_dir.iter().any(|(f, n, _)| n == "app.conf"
            && (f.contains(ReadFlags::MODIFY) || f.contains(ReadFlags::CLOSE_WRITE))),
        "the user-visible name never gets MODIFY or CLOSE_WRITE"
    );

    let on_file: Vec<ReadFlags> = events
        .iter()
        .filter(|(wd, ..)| *wd == file_wd)
        .map(|(_, f, ..)| *f)
        .collect();
    assert!(
        on_file.iter().any(|f| f.contains(ReadFlags::DELETE_SELF)),
        "the file watch dies with the old dir: {on_file:?}"
    );
    assert!(on_file.iter().any(|f| f.contains(ReadFlags::IGNORED)));
    assert!(!on_file.iter().any(|f| f.contains(ReadFlags::MODIFY)));
}

// ---- Issue 6 §1: what a pod sync shows a watcher, through the simulated kubelet -------------

mod pod_sync {
    use std::collections::BTreeMap;
    use std::mem::MaybeUninit;
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    use k8s_openapi::api::core::v1::{ConfigMap, PodSpec};
    use kubedrill::api::ObjectStore;
    use kubedrill::api::manifest::{Manifest, load_str};
    use kubedrill::kubelet::KubeVersion;
    use kubedrill::kubelet::payload::PodContext;
    use kubedrill::kubelet::pod::{BackOff, PodSim};
    use rustix::fd::OwnedFd;
    use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};

    /// Two ConfigMap volumes and a Secret only used for env: `cfg` is the volume under watch,
    /// `other` and `unrelated` are what a sync may change without touching it.
    const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: x
      volumeMounts:
        - {name: cfg, mountPath: /etc/config}
        - {name: other, mountPath: /etc/other}
  volumes:
    - name: cfg
      configMap: {name: cfg}
    - name: other
      configMap: {name: other}
"#;

    /// The keys of `cfg`: four at the top and one in a subdirectory.
    const KEYS: &[&str] = &["a.conf", "b.conf", "c.conf", "d.conf", "sub/inner.conf"];

    fn spec() -> PodSpec {
        match load_str(POD, Path::new("pod.yaml")).unwrap().remove(0) {
            Manifest::Workload(w) => w.spec,
            _ => unreachable!(),
        }
    }

    fn cm(name: &str, version: &str, changed_key: Option<&str>) -> ConfigMap {
        let mut c = ConfigMap::default();
        c.metadata.name = Some(name.into());
        c.data = Some(
            KEYS.iter()
                .map(|k| {
                    let v = if Some(*k) == changed_key {
                        format!("{k} {version}")
                    } else {
                        format!("{k} v1")
                    };
                    // ConfigMap keys cannot hold '/': items map them (see `items` below).
                    (k.replace('/', "-"), v)
                })
                .collect(),
        );
        c
    }

    struct Node {
        store: ObjectStore,
        pod: PodSim,
        _dir: tempfile::TempDir,
    }

    impl Node {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let mut spec = spec();
            // Map `sub-inner.conf` to `sub/inner.conf` so the volume has a subdirectory.
            for v in spec.volumes.iter_mut().flatten() {
                if let Some(c) = v.config_map.as_mut().filter(|_| v.name == "cfg") {
                    c.items = Some(
                        KEYS.iter()
                            .map(|k| k8s_openapi::api::core::v1::KeyToPath {
                                key: k.replace('/', "-"),
                                path: k.to_string(),
                                mode: None,
                            })
                            .collect(),
                    );
                }
            }
            let ctx = PodContext::from_pod(&Default::default(), &spec, "default");
            let pod = PodSim::new(
                ctx,
                spec,
                dir.path().join("pod"),
                KubeVersion::CURRENT,
                BackOff::FAST,
            )
            .unwrap();
            let mut store = ObjectStore::new();
            store.create_config_map(cm("cfg", "v1", None)).unwrap();
            store.create_config_map(cm("other", "v1", None)).unwrap();
            store
                .create_config_map(cm("unrelated", "v1", None))
                .unwrap();
            let mut n = Node {
                store,
                pod,
                _dir: dir,
            };
            n.sync();
            n
        }
        fn sync(&mut self) {
            self.pod.sync(&self.store, Instant::now());
        }
        fn cfg(&self) -> PathBuf {
            self.pod.volume_dir("cfg").unwrap().to_path_buf()
        }
        fn ts(&self) -> String {
            std::fs::read_link(self.cfg().join("..data"))
                .unwrap()
                .to_string_lossy()
                .into_owned()
        }
    }

    /// One inotify event: which watch (by label), its flags without ISDIR, whether ISDIR, name.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    struct Ev {
        watch: String,
        kind: String,
        is_dir: bool,
        name: String,
    }

    struct Recorder {
        fd: OwnedFd,
        labels: BTreeMap<i32, String>,
    }

    const NAMES: &[(ReadFlags, &str)] = &[
        (ReadFlags::ACCESS, "ACCESS"),
        (ReadFlags::MODIFY, "MODIFY"),
        (ReadFlags::ATTRIB, "ATTRIB"),
        (ReadFlags::CLOSE_WRITE, "CLOSE_WRITE"),
        (ReadFlags::CLOSE_NOWRITE, "CLOSE_NOWRITE"),
        (ReadFlags::OPEN, "OPEN"),
        (ReadFlags::MOVED_FROM, "MOVED_FROM"),
        (ReadFlags::MOVED_TO, "MOVED_TO"),
        (ReadFlags::CREATE, "CREATE"),
        (ReadFlags::DELETE, "DELETE"),
        (ReadFlags::DELETE_SELF, "DELETE_SELF"),
        (ReadFlags::MOVE_SELF, "MOVE_SELF"),
        (ReadFlags::IGNORED, "IGNORED"),
    ];

    /// What an app that ignores reads watches: everything but OPEN, ACCESS and CLOSE_NOWRITE.
    fn structural() -> WatchFlags {
        WatchFlags::CREATE
            | WatchFlags::ATTRIB
            | WatchFlags::MOVED_FROM
            | WatchFlags::MOVED_TO
            | WatchFlags::DELETE
            | WatchFlags::DELETE_SELF
            | WatchFlags::MOVE_SELF
            | WatchFlags::MODIFY
            | WatchFlags::CLOSE_WRITE
    }

    impl Recorder {
        fn new() -> Self {
            Recorder {
                fd: inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC).unwrap(),
                labels: BTreeMap::new(),
            }
        }
        fn watch(&mut self, path: &Path, label: &str, mask: WatchFlags) {
            let wd = inotify::add_watch(&self.fd, path, mask).unwrap();
            self.labels.insert(wd, label.to_string());
        }
        /// A recursive all-events watch, as the `notify` crate sets up by default.
        fn watch_tree(&mut self, root: &Path) {
            fn walk(r: &mut Recorder, base: &Path, rel: &str) {
                let p = base.join(rel);
                let label = if rel.is_empty() { "." } else { rel };
                r.watch(&p, label, WatchFlags::ALL_EVENTS);
                let mut names: Vec<_> = std::fs::read_dir(&p)
                    .unwrap()
                    .map(|e| e.unwrap())
                    .filter(|e| e.file_type().unwrap().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                for n in names {
                    let child = if rel.is_empty() {
                        n
                    } else {
                        format!("{rel}/{n}")
                    };
                    walk(r, base, &child);
                }
            }
            walk(self, root, "");
            // Setting the watches up read the tree: start from a clean queue.
            self.drain();
        }
        fn drain(&self) -> Vec<Ev> {
            let mut buf = [MaybeUninit::<u8>::uninit(); 65536];
            let mut reader = inotify::Reader::new(&self.fd, &mut buf);
            let mut out = Vec::new();
            while let Ok(e) = reader.next() {
                let flags = e.events();
                let kind: Vec<&str> = NAMES
                    .iter()
                    .filter(|(f, _)| flags.contains(*f))
                    .map(|(_, n)| *n)
                    .collect();
                out.push(Ev {
                    watch: self.labels.get(&e.wd()).cloned().unwrap_or_default(),
                    kind: kind.join("|"),
                    is_dir: flags.contains(ReadFlags::ISDIR),
                    name: e
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                });
            }
            out
        }
    }

    /// How many OPEN and ACCESS events each (watch, name) got.
    fn read_footprint(events: &[Ev]) -> BTreeMap<(String, String, &'static str), usize> {
        let mut out = BTreeMap::new();
        for e in events {
            for k in ["OPEN", "ACCESS"] {
                if e.kind.split('|').any(|x| x == k) {
                    *out.entry((e.watch.clone(), e.name.clone(), k)).or_default() += 1;
                }
            }
        }
        out
    }

    /// The OPEN and ACCESS events of `(watch, name, times opened)`. A file read once gives one
    /// ACCESS (one `read` with data; the `read` at end of file raises none). A directory read once
    /// gives two: the kernel raises IN_ACCESS on every `getdents` call, and Go's `Readdirnames`
    /// (kubelet) and rustix's `Dir` (kubedrill) both read until `getdents` returns 0 — two calls
    /// for a small directory. With the parent and the directory itself watched, their events
    /// interleave, so the kernel does not merge the two.
    fn footprint(
        entries: &[(&str, &str, usize)],
    ) -> BTreeMap<(String, String, &'static str), usize> {
        let mut out = BTreeMap::new();
        for (watch, name, opens) in entries {
            let is_dir = !name.contains('.') || name.starts_with("..");
            let access = if is_dir { 2 * opens } else { *opens };
            out.insert((watch.to_string(), name.to_string(), "OPEN"), *opens);
            out.insert((watch.to_string(), name.to_string(), "ACCESS"), access);
        }
        out
    }

    #[test]
    fn aw_1_6_noop_pod_sync_raises_no_event() {
        let mut n = Node::new();
        let mut rec = Recorder::new();
        rec.watch(&n.cfg(), "cfg", structural());
        let ts = n.ts();
        rec.watch(&n.cfg().join(&ts), "ts", structural());
        for _ in 0..3 {
            n.sync();
        }
        assert_eq!(
            rec.drain(),
            vec![],
            "a sync that changes nothing touches nothing"
        );
        assert_eq!(n.ts(), ts);
    }

    #[test]
    fn aw_1_6_sync_of_unrelated_object_or_other_volume_raises_no_event() {
        let mut n = Node::new();
        let mut rec = Recorder::new();
        rec.watch(&n.cfg(), "cfg", structural());
        n.store
            .update_config_map(cm("unrelated", "v2", Some("a.conf")))
            .unwrap();
        n.sync();
        n.store
            .update_config_map(cm("other", "v2", Some("a.conf")))
            .unwrap();
        n.sync();
        assert_eq!(rec.drain(), vec![]);
        let other = n.pod.volume_dir("other").unwrap().join("a.conf");
        assert_eq!(std::fs::read_to_string(other).unwrap(), "a.conf v2");
    }

    #[test]
    fn aw_1_pod_sync_update_shows_kubelets_sequence() {
        let mut n = Node::new();
        let old = n.ts();
        let mut rec = Recorder::new();
        rec.watch(&n.cfg(), "cfg", structural());
        n.store
            .update_config_map(cm("cfg", "v2", Some("b.conf")))
            .unwrap();
        n.sync();
        let new = n.ts();
        let shape: Vec<(String, bool, String)> = rec
            .drain()
            .into_iter()
            .map(|e| (e.kind, e.is_dir, e.name))
            .collect();
        let ev = |k: &str, d: bool, n: &str| (k.to_string(), d, n.to_string());
        assert_eq!(
            shape,
            vec![
                ev("CREATE", true, &new),
                ev("ATTRIB", true, &new),
                ev("CREATE", false, "..data_tmp"),
                ev("MOVED_FROM", false, "..data_tmp"),
                ev("MOVED_TO", false, "..data"),
                ev("DELETE", true, &old),
            ]
        );
    }

    /// kubelet's read footprint on a no-op (upstream `atomic_writer.go`): step 3 walks the old
    /// version (each directory opened and read once), step 4 reads every file because none
    /// differs.
    #[test]
    fn aw_1_6_noop_recursive_all_events_footprint_is_kubelets() {
        let mut n = Node::new();
        let ts = n.ts();
        let mut rec = Recorder::new();
        rec.watch_tree(&n.cfg());
        n.sync();
        let events = rec.drain();
        let ts_sub = format!("{ts}/sub");
        let expected = footprint(&[
            (".", &ts, 1),
            (&ts, "", 1),
            (&ts, "sub", 1),
            (&ts, "a.conf", 1),
            (&ts, "b.conf", 1),
            (&ts, "c.conf", 1),
            (&ts, "d.conf", 1),
            (&ts_sub, "", 1),
            (&ts_sub, "inner.conf", 1),
        ]);
        assert_eq!(read_footprint(&events), expected, "{events:#?}");
        assert!(
            events
                .iter()
                .all(|e| ["OPEN", "ACCESS", "CLOSE_NOWRITE"].contains(&e.kind.as_str())),
            "a no-op only reads: {events:#?}"
        );
    }

    /// kubelet's read footprint on an update of one key: the walk of step 3 and the removal of
    /// step 12 each open every old directory once; step 4 stops at the first key that differs.
    /// Go's map order decides how many equal keys kubelet reads before that one (none to all);
    /// kubedrill reproduces the shortest order — the changed key's old file is the only file read.
    #[test]
    fn aw_1_update_recursive_all_events_footprint_is_kubelets() {
        let mut n = Node::new();
        let ts = n.ts();
        let mut rec = Recorder::new();
        rec.watch_tree(&n.cfg());
        n.store
            .update_config_map(cm("cfg", "v2", Some("c.conf")))
            .unwrap();
        n.sync();
        let events = rec.drain();
        let ts_sub = format!("{ts}/sub");
        let expected = footprint(&[
            (".", &ts, 2),
            (&ts, "", 2),
            (&ts, "sub", 2),
            (&ts, "c.conf", 1),
            (&ts_sub, "", 2),
        ]);
        assert_eq!(read_footprint(&events), expected, "{events:#?}");
    }
}

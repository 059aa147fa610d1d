//! AtomicWriter fidelity tests, named after spec/kubelet-behaviour.md §1 items, plus property
//! tests of its invariants over random operation sequences.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use kubedrill::kubelet::atomic_writer::{
    AtomicWriter, FaultPoint, FileProjection, Payload, WriteError, timestamp_prefix, validate_path,
};
use proptest::prelude::*;

fn file(data: &str, mode: u32) -> FileProjection {
    FileProjection {
        data: data.as_bytes().to_vec(),
        mode,
        fs_user: None,
    }
}

fn payload(entries: &[(&str, &str)]) -> Payload {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), file(v, 0o644)))
        .collect()
}

fn write(dir: &Path, p: &Payload) -> kubedrill::kubelet::WriteOutcome {
    AtomicWriter::new(dir, "test")
        .write(p, None)
        .expect("write")
}

fn data_target(dir: &Path) -> String {
    fs::read_link(dir.join("..data"))
        .expect("..data link")
        .to_string_lossy()
        .into_owned()
}

/// Every entry of the volume dir whose name starts with `..`.
fn dotdot_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".."))
        .collect();
    v.sort();
    v
}

/// What a reader sees through the user-visible entries: path -> (bytes, mode), following links.
fn visible_tree(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    fn walk(base: &Path, rel: &str, out: &mut BTreeMap<String, (Vec<u8>, u32)>) {
        for e in fs::read_dir(base.join(rel)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if rel.is_empty() && name.starts_with("..") {
                continue;
            }
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let meta = fs::metadata(base.join(&r)).unwrap();
            if meta.is_dir() {
                walk(base, &r, out);
            } else {
                let data = fs::read(base.join(&r)).unwrap();
                out.insert(r, (data, meta.permissions().mode() & 0o7777));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn expected_tree(p: &Payload) -> BTreeMap<String, (Vec<u8>, u32)> {
    p.iter()
        .map(|(k, f)| (k.clone(), (f.data.clone(), f.mode)))
        .collect()
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

// ---- §1.1 reserved names -------------------------------------------------------------------

#[test]
fn aw_1_1_reserved_dotdot_names_rejected() {
    for key in ["..data", "..data_tmp", "..2026_01_01_00_00_00.1"] {
        assert!(validate_path(key).is_err(), "{key} must be reserved");
    }
}

// ---- §1.2 timestamped directory -----------------------------------------------------------

#[test]
fn aw_1_2_ts_dir_name_is_utc_with_numeric_suffix_and_0755() {
    let dir = tempfile::tempdir().unwrap();
    let before = timestamp_prefix(std::time::SystemTime::now());
    write(dir.path(), &payload(&[("k", "v")]));
    let after = timestamp_prefix(std::time::SystemTime::now());
    let ts = data_target(dir.path());
    let re = regex::Regex::new(r"^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{1,10}$").unwrap();
    assert!(re.is_match(&ts), "bad ts dir name {ts}");
    assert!(
        ts.starts_with(&before) || ts.starts_with(&after),
        "{ts} not from now ({before} / {after})"
    );
    let mode = fs::metadata(dir.path().join(&ts))
        .unwrap()
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o755);
}

#[test]
fn aw_1_2_utc_prefix_format() {
    // 2026-11-29T07:14:52Z
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_936_492);
    assert_eq!(timestamp_prefix(t), "..2026_11_29_07_14_52.");
    assert_eq!(
        timestamp_prefix(std::time::UNIX_EPOCH),
        "..1970_01_01_00_00_00."
    );
    // leap day
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(951_782_400);
    assert_eq!(timestamp_prefix(t), "..2000_02_29_00_00_00.");
}

// ---- §1.3 relative symlinks, one per first segment ---------------------------------------

#[test]
fn aw_1_3_relative_links_one_per_first_segment() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &payload(&[("a/b/c", "deep"), ("a/d", "x"), ("top", "t")]),
    );
    let d = dir.path();
    let ts = data_target(d);
    assert!(!ts.contains('/'), "..data must point to a bare name: {ts}");
    assert_eq!(fs::read_link(d.join("a")).unwrap(), Path::new("..data/a"));
    assert_eq!(
        fs::read_link(d.join("top")).unwrap(),
        Path::new("..data/top")
    );
    let inner = d.join(&ts);
    assert!(fs::symlink_metadata(inner.join("a")).unwrap().is_dir());
    assert!(fs::symlink_metadata(inner.join("a/b")).unwrap().is_dir());
    assert!(fs::symlink_metadata(inner.join("a/b/c")).unwrap().is_file());
    let mut top: Vec<_> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(
        top,
        vec![ts.clone(), "..data".into(), "a".into(), "top".into()]
    );
    assert_eq!(fs::read_to_string(d.join("a/b/c")).unwrap(), "deep");
}

// ---- §1.4 modes --------------------------------------------------------------------------

/// Both umask rules in one test: the umask is process-wide, so it must not race other tests.
#[test]
fn aw_1_4_file_modes_exact_and_intermediate_dirs_follow_umask() {
    use rustix::fs::Mode;
    let old = rustix::process::umask(Mode::from_raw_mode(0o077));
    let dir = tempfile::tempdir().unwrap();
    let mut p = Payload::new();
    p.insert("sub/dir/f".into(), file("x", 0o644));
    p.insert("g".into(), file("y", 0o777));
    p.insert("h".into(), file("z", 0o400));
    let result = AtomicWriter::new(dir.path(), "t").write(&p, None);
    rustix::process::umask(old);
    result.unwrap();
    let ts = dir.path().join(data_target(dir.path()));
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&ts.join("sub/dir/f")), 0o644);
    assert_eq!(mode(&ts.join("g")), 0o777);
    assert_eq!(mode(&ts.join("h")), 0o400);
    assert_eq!(mode(&ts.join("sub")), 0o700, "0777 & ~umask(077), no chmod");
    assert_eq!(mode(&ts), 0o755, "ts dir is chmod-ed regardless of umask");
}

#[test]
#[ignore = "needs root to chown to another uid (.ci/run runs it as root)"]
fn aw_1_4_fs_user_chowns_file() {
    assert!(is_root(), "this test needs root: chown to another uid");
    let dir = tempfile::tempdir().unwrap();
    let mut p = Payload::new();
    p.insert(
        "token".into(),
        FileProjection {
            data: b"t".to_vec(),
            mode: 0o600,
            fs_user: Some(4321),
        },
    );
    write(dir.path(), &p);
    assert_eq!(fs::metadata(dir.path().join("token")).unwrap().uid(), 4321);
}

// ---- §1.5 order ------------------------------------------------------------------------

#[test]
fn aw_1_5_new_dir_complete_before_swap_and_old_removed_after() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("k", "v1"), ("gone", "x")]));
    let old = data_target(dir.path());
    let d = dir.path().to_path_buf();
    let seen = std::cell::RefCell::new(None);
    let hook = |ts: &str| -> std::io::Result<()> {
        // step 7: new dir fully written, ..data still on the old dir, no ..data_tmp yet
        *seen.borrow_mut() = Some((
            ts.to_string(),
            fs::read_to_string(d.join(ts).join("k")).unwrap(),
            data_target(&d),
            d.join("..data_tmp").exists(),
        ));
        Ok(())
    };
    let out = AtomicWriter::new(dir.path(), "t")
        .write(&payload(&[("k", "v2")]), Some(&hook))
        .unwrap();
    let (ts, content, link_at_step7, tmp_at_step7) = seen.into_inner().unwrap();
    assert_eq!(content, "v2");
    assert_eq!(link_at_step7, old);
    assert!(!tmp_at_step7);
    assert_eq!(data_target(dir.path()), ts);
    assert!(
        !dir.path().join(&old).exists(),
        "old ts dir removed (step 12)"
    );
    assert!(!dir.path().join("..data_tmp").exists());
    assert!(
        fs::symlink_metadata(dir.path().join("gone")).is_err(),
        "step 11"
    );
    assert_eq!(out.changed, vec!["k"]);
    assert_eq!(out.removed, vec!["gone"]);
    assert_eq!(dotdot_entries(dir.path()), vec![ts, "..data".to_string()]);
}

#[test]
fn aw_1_5_unclean_paths_are_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &payload(&[("foo//bar", "1"), ("./x", "2"), ("y/", "3")]),
    );
    let tree = visible_tree(dir.path());
    let keys: Vec<_> = tree.keys().cloned().collect();
    assert_eq!(keys, vec!["foo/bar", "x", "y"]);
}

// ---- §1.6 no-op --------------------------------------------------------------------------

#[test]
fn aw_1_6_noop_keeps_dir_and_link() {
    let dir = tempfile::tempdir().unwrap();
    let p = payload(&[("a", "1"), ("b/c", "2")]);
    write(dir.path(), &p);
    let before = data_target(dir.path());
    let out = write(dir.path(), &p);
    assert!(out.is_noop() && !out.swapped);
    assert_eq!(data_target(dir.path()), before);
    assert_eq!(dotdot_entries(dir.path()).len(), 2);
}

#[test]
fn aw_1_6_noop_recreates_missing_links() {
    let dir = tempfile::tempdir().unwrap();
    let p = payload(&[("a", "1"), ("b/c", "2")]);
    write(dir.path(), &p);
    let before = data_target(dir.path());
    fs::remove_file(dir.path().join("b")).unwrap();
    let out = write(dir.path(), &p);
    assert!(!out.swapped);
    assert_eq!(out.links_created, vec!["b"]);
    assert_eq!(data_target(dir.path()), before);
    assert_eq!(fs::read_to_string(dir.path().join("b/c")).unwrap(), "2");
}

#[test]
fn aw_1_6_mode_only_change_is_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = payload(&[("a", "1")]);
    write(dir.path(), &p);
    let before = data_target(dir.path());
    p.get_mut("a").unwrap().mode = 0o400;
    let out = write(dir.path(), &p);
    assert!(!out.swapped);
    assert_eq!(data_target(dir.path()), before);
    let mode = fs::metadata(dir.path().join("a"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644, "kubelet compares bytes only");
}

// ---- §1.7 removal ------------------------------------------------------------------------

#[test]
fn aw_1_7_only_top_level_entries_removed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &payload(&[("a/x", "1"), ("a/y", "2"), ("z", "3")]),
    );
    write(dir.path(), &payload(&[("a/x", "1")]));
    assert_eq!(
        fs::read_link(dir.path().join("a")).unwrap(),
        Path::new("..data/a")
    );
    assert!(!dir.path().join("a/y").exists());
    assert!(fs::symlink_metadata(dir.path().join("z")).is_err());
}

// ---- §1.8 path validation ----------------------------------------------------------------

#[test]
fn aw_1_8_valid_paths() {
    for p in ["a", "a/b/c", ".env", "a/.b", "x..y", "..", "a/..b"] {
        // ".." alone is rejected as a segment; everything else here is fine
        assert_eq!(validate_path(p).is_ok(), p != "..", "{p}");
    }
}

#[test]
fn aw_1_8_max_path_length() {
    let mut ok = vec!["a".repeat(200); 20].join("/"); // 20*200 + 19 = 4019
    ok.push('/');
    ok.push_str(&"b".repeat(76));
    assert_eq!(ok.len(), 4096);
    assert!(validate_path(&ok).is_ok());
    ok.push('c');
    assert!(matches!(
        validate_path(&ok),
        Err(WriteError::InvalidPath { reason, .. }) if reason.contains("4096")
    ));
}

#[test]
fn aw_1_8_max_file_name_length() {
    assert!(validate_path(&"f".repeat(255)).is_ok());
    assert!(validate_path(&format!("d/{}", "f".repeat(256))).is_err());
}

#[test]
fn aw_1_8_rejects_absolute() {
    assert!(validate_path("/etc/passwd").is_err());
}

#[test]
fn aw_1_8_rejects_reserved_sneaky_prefix() {
    assert!(validate_path("..sneaky.txt").is_err());
    assert!(validate_path("..sneaky/x").is_err());
}

#[test]
fn aw_1_8_rejects_dotdot_segment() {
    assert!(validate_path("a/../../etc").is_err());
    assert!(validate_path("../x").is_err());
}

#[test]
fn aw_1_8_rejects_empty() {
    assert!(validate_path("").is_err());
}

#[test]
fn aw_1_8_invalid_payload_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let err = AtomicWriter::new(dir.path(), "t")
        .write(&payload(&[("ok", "1"), ("../escape", "x")]), None)
        .unwrap_err();
    assert!(err.to_string().contains("must not contain '..'"), "{err}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

// ---- §1.9 failures -----------------------------------------------------------------------

#[test]
fn aw_1_9_stale_data_tmp_fails_and_removes_new_dir() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("k", "v1")]));
    let old = data_target(dir.path());
    std::os::unix::fs::symlink("stale", dir.path().join("..data_tmp")).unwrap();
    let err = AtomicWriter::new(dir.path(), "t")
        .write(&payload(&[("k", "v2")]), None)
        .unwrap_err();
    assert!(err.to_string().contains("..data_tmp"), "{err}");
    assert_eq!(data_target(dir.path()), old);
    assert_eq!(fs::read_to_string(dir.path().join("k")).unwrap(), "v1");
    let ts_dirs: Vec<_> = dotdot_entries(dir.path())
        .into_iter()
        .filter(|n| n.starts_with("..2"))
        .collect();
    assert_eq!(ts_dirs, vec![old], "the new dir was removed");
}

#[test]
fn aw_1_9_file_write_failure_keeps_old_data_and_leaves_new_dir() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("k", "v1")]));
    let old = data_target(dir.path());
    // "a" as a file and "a/b" below it: mkdir of a/ fails with ENOTDIR, as in kubelet.
    let err = AtomicWriter::new(dir.path(), "t")
        .write(&payload(&[("a", "file"), ("a/b", "x"), ("k", "v2")]), None)
        .unwrap_err();
    assert!(
        err.to_string().contains("unable to create directory"),
        "{err}"
    );
    assert_eq!(data_target(dir.path()), old);
    assert_eq!(fs::read_to_string(dir.path().join("k")).unwrap(), "v1");
    let ts_dirs = dotdot_entries(dir.path())
        .into_iter()
        .filter(|n| n.starts_with("..2"))
        .count();
    assert_eq!(ts_dirs, 2, "kubelet leaves the half-written dir behind");
}

#[test]
fn aw_1_9_set_perms_failure_keeps_old_data() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("k", "v1")]));
    let old = data_target(dir.path());
    let fail = |_: &str| -> std::io::Result<()> { Err(std::io::Error::other("chown denied")) };
    let err = AtomicWriter::new(dir.path(), "t")
        .write(&payload(&[("k", "v2")]), Some(&fail))
        .unwrap_err();
    assert!(err.to_string().contains("chown denied"));
    assert_eq!(data_target(dir.path()), old);
}

#[test]
fn aw_1_9_rename_failure_removes_tmp_link_and_new_dir() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("k", "v1")]));
    let old = data_target(dir.path());
    let err = AtomicWriter::new(dir.path(), "t")
        .with_fault(FaultPoint::Rename)
        .write(&payload(&[("k", "v2")]), None)
        .unwrap_err();
    assert!(err.to_string().contains("renaming"), "{err}");
    assert_eq!(
        dotdot_entries(dir.path()),
        vec![old.clone(), "..data".into()]
    );
    assert_eq!(fs::read_to_string(dir.path().join("k")).unwrap(), "v1");
}

#[test]
fn aw_1_9_remove_old_dir_failure_errors_after_swap() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("k", "v1")]));
    let old = data_target(dir.path());
    let err = AtomicWriter::new(dir.path(), "t")
        .with_fault(FaultPoint::RemoveOldDir)
        .write(&payload(&[("k", "v2")]), None)
        .unwrap_err();
    assert!(
        err.to_string().contains("removing old data directory"),
        "{err}"
    );
    assert_ne!(data_target(dir.path()), old, "the swap already happened");
    assert_eq!(fs::read_to_string(dir.path().join("k")).unwrap(), "v2");
}

#[test]
fn aw_1_9_injected_file_write_failure() {
    let dir = tempfile::tempdir().unwrap();
    let err = AtomicWriter::new(dir.path(), "t")
        .with_fault(FaultPoint::WriteFile)
        .write(&payload(&[("k", "v")]), None)
        .unwrap_err();
    assert!(err.to_string().contains("unable to write file"));
    assert!(fs::symlink_metadata(dir.path().join("..data")).is_err());
}

// ---- §1.10 target dir ------------------------------------------------------------------

#[test]
fn aw_1_10_requires_existing_target_dir() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = AtomicWriter::new(&missing, "t")
        .write(&payload(&[("k", "v")]), None)
        .unwrap_err();
    assert!(matches!(err, WriteError::MissingTargetDir(_)));
    assert!(!missing.exists());
}

#[test]
fn data_link_pointing_outside_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let victim = tempfile::tempdir().unwrap();
    fs::write(victim.path().join("precious"), "keep").unwrap();
    std::os::unix::fs::symlink(victim.path(), dir.path().join("..data")).unwrap();
    let err = AtomicWriter::new(dir.path(), "t")
        .write(&payload(&[("k", "v")]), None)
        .unwrap_err();
    assert!(matches!(err, WriteError::DataLinkEscapes { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(victim.path().join("precious")).unwrap(),
        "keep"
    );
}

// ---- §1.11 upstream scenarios -------------------------------------------------------------

#[test]
fn aw_1_11_paths_to_remove_subdirs() {
    // upstream "subdirs 1-5": removing nested files keeps shared parents, drops lone dirs
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &payload(&[
            ("foo/bar.txt", "1"),
            ("foo/baz/blah.txt", "2"),
            ("zip/zap.txt", "3"),
        ]),
    );
    let out = write(dir.path(), &payload(&[("foo/bar.txt", "1")]));
    assert_eq!(out.removed, vec!["foo/baz/blah.txt", "zip/zap.txt"]);
    assert_eq!(visible_tree(dir.path()).len(), 1);
    assert!(fs::symlink_metadata(dir.path().join("zip")).is_err());
}

#[test]
fn aw_1_11_write_once_basic_binary_modes_dotfiles_subdirs() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Payload::new();
    p.insert("foo".into(), file("foo", 0o644));
    p.insert(
        "bin".into(),
        FileProjection {
            data: vec![0, 159, 146, 150, 255],
            mode: 0o644,
            fs_user: None,
        },
    );
    p.insert("ro".into(), file("r", 0o400));
    p.insert("x".into(), file("x", 0o755));
    p.insert(".dotfile".into(), file("d", 0o644));
    p.insert(".dotdir/.f".into(), file("dd", 0o644));
    p.insert("sub/dir/f".into(), file("s", 0o600));
    write(dir.path(), &p);
    assert_eq!(visible_tree(dir.path()), expected_tree(&p));
}

#[test]
fn aw_1_11_write_once_kitchen_sink_10_levels() {
    let dir = tempfile::tempdir().unwrap();
    let deep = (0..10)
        .map(|i| format!("l{i}"))
        .collect::<Vec<_>>()
        .join("/");
    let mut p = payload(&[("top", "t"), ("a/b", "ab")]);
    p.insert(format!("{deep}/file"), file("deep", 0o640));
    p.insert(format!("{deep}/.hidden"), file("h", 0o600));
    write(dir.path(), &p);
    assert_eq!(visible_tree(dir.path()), expected_tree(&p));
}

#[test]
fn aw_1_11_update_content_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("a", "1")]));
    let mut p = payload(&[("a", "2")]);
    p.get_mut("a").unwrap().mode = 0o600;
    let out = write(dir.path(), &p);
    assert!(out.swapped);
    assert_eq!(visible_tree(dir.path()), expected_tree(&p));
}

#[test]
fn aw_1_11_update_add_and_delete_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let steps: Vec<Payload> = vec![
        payload(&[("a", "1")]),
        payload(&[("a", "1"), ("b", "2")]), // add 1
        payload(&[("a", "1"), ("b", "2"), ("c/d", "3"), ("e", "4")]), // add 2 (one nested)
        payload(&[("a", "1"), ("c/d", "3")]), // delete 2
        payload(&[("f/g/h", "5")]),         // add and delete
        payload(&[]),                       // delete all
        payload(&[("a", "again")]),
    ];
    for p in &steps {
        write(dir.path(), p);
        assert_eq!(visible_tree(dir.path()), expected_tree(p));
        assert_eq!(
            dotdot_entries(dir.path()).len(),
            2,
            "{:?}",
            dotdot_entries(dir.path())
        );
    }
}

#[test]
fn aw_1_11_multiple_updates_each_swap() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..5 {
        let out = write(dir.path(), &payload(&[("v", &i.to_string())]));
        assert!(out.swapped);
        assert!(seen.insert(out.current_dir.unwrap()), "a new dir each time");
        assert_eq!(
            fs::read_to_string(dir.path().join("v")).unwrap(),
            i.to_string()
        );
    }
}

// ---- properties ------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Set(String, String, u32),
    Remove(usize),
    Noop,
}

fn key_strategy() -> impl Strategy<Value = String> {
    let seg = prop::sample::select(vec!["a", "b", "conf", ".env", "x.y", "d1"]);
    prop::collection::vec(seg, 1..4).prop_map(|v| v.join("/"))
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (key_strategy(), "[a-z0-9]{0,12}", prop::sample::select(vec![0o644u32, 0o600, 0o400, 0o755]))
            .prop_map(|(k, v, m)| Op::Set(k, v, m)),
        2 => any::<usize>().prop_map(Op::Remove),
        1 => Just(Op::Noop),
    ]
}

/// Applies an op to a payload, keeping the payload writable: a key may not be both a file and
/// a directory (kubelet would fail the write, see aw_1_9_file_write_failure…).
fn apply(p: &mut Payload, op: &Op) {
    match op {
        Op::Set(k, v, m) => {
            let conflicts = p
                .keys()
                .any(|e| e.starts_with(&format!("{k}/")) || k.starts_with(&format!("{e}/")));
            if !conflicts {
                p.insert(k.clone(), file(v, *m));
            }
        }
        Op::Remove(i) => {
            if !p.is_empty() {
                let k = p.keys().nth(i % p.len()).unwrap().clone();
                p.remove(&k);
            }
        }
        Op::Noop => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// (a) after each write the visible tree equals the payload, and only `..data` and one
    /// timestamped dir remain among `..` entries. (c) a write that changes no bytes and removes
    /// nothing never moves `..data`.
    #[test]
    fn prop_visible_tree_equals_payload_and_noop_keeps_link(ops in prop::collection::vec(op_strategy(), 1..25)) {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Payload::new();
        let mut last_written: Option<Payload> = None;
        for op in &ops {
            apply(&mut p, op);
            let before = fs::read_link(dir.path().join("..data")).ok();
            let out = write(dir.path(), &p);
            let same_bytes = last_written.as_ref().is_some_and(|l| {
                l.len() == p.len() && l.iter().zip(p.iter()).all(|((ka, a), (kb, b))| ka == kb && a.data == b.data)
            });
            if same_bytes {
                prop_assert!(!out.swapped);
                prop_assert_eq!(fs::read_link(dir.path().join("..data")).ok(), before);
            } else {
                prop_assert!(out.swapped);
                // modes follow the payload only when rewritten (§1.6), so compare on a swap
                prop_assert_eq!(visible_tree(dir.path()), expected_tree(&p));
                last_written = Some(p.clone());
            }
            let dots = dotdot_entries(dir.path());
            prop_assert_eq!(dots.len(), 2, "{:?}", dots);
            prop_assert!(dots.contains(&"..data".to_string()));
        }
    }
}

/// (b) a reader that resolves `..data` once and reads every file from that directory always
/// sees one complete version — never a mix — while a writer swaps versions underneath it. If the
/// version it resolved is deleted mid-read, it sees files vanish (and retries), never a mix.
#[test]
fn prop_concurrent_reader_never_sees_a_mix() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = (0..8).map(|i| format!("k{i}")).collect();
    let nested: Vec<String> = (0..4).map(|i| format!("sub/n{i}")).collect();
    let all: Vec<String> = keys.iter().chain(nested.iter()).cloned().collect();
    let version = |v: usize| -> Payload {
        all.iter()
            .map(|k| (k.clone(), file(&format!("v{v}"), 0o644)))
            .collect()
    };
    write(dir.path(), &version(0));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let dir = dir.path().to_path_buf();
        let all = all.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut complete, mut vanished) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                let Ok(ts) = fs::read_link(dir.join("..data")) else {
                    continue;
                };
                let base = dir.join(ts);
                let mut contents = Vec::new();
                for k in &all {
                    match fs::read_to_string(base.join(k)) {
                        Ok(c) => contents.push(c),
                        Err(_) => break,
                    }
                }
                if contents.len() == all.len() {
                    assert!(
                        contents.iter().all(|c| *c == contents[0]),
                        "mixed read: {contents:?}"
                    );
                    complete += 1;
                } else {
                    assert!(
                        contents.iter().all(|c| *c == contents[0]),
                        "mixed partial read"
                    );
                    vanished += 1;
                }
            }
            (complete, vanished)
        })
    };
    for v in 1..300 {
        write(dir.path(), &version(v));
    }
    stop.store(true, Ordering::Relaxed);
    let (complete, _vanished) = reader.join().expect("reader saw a mixed version");
    assert!(complete > 0, "the reader completed at least one read");
}

// ---- Issue 6 §2: modes, file <-> directory ------------------------------------------------

/// kubelet writes `os.FileMode(mode)`, and Go hands only the permission bits of a FileMode to
/// open(2) and chmod(2): setuid, setgid and sticky in the int32 never reach the file.
#[test]
fn aw_1_4_only_permission_bits_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p: Payload = [
        ("suid".to_string(), file("x", 0o4755)),
        ("sgid".to_string(), file("x", 0o2644)),
        ("sticky".to_string(), file("x", 0o1600)),
        ("all".to_string(), file("x", 0o7777)),
    ]
    .into();
    write(dir.path(), &p);
    let mode = |n: &str| {
        fs::metadata(dir.path().join(n))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("suid"), 0o755);
    assert_eq!(mode("sgid"), 0o644);
    assert_eq!(mode("sticky"), 0o600);
    assert_eq!(mode("all"), 0o777);
}

/// A key that was a file becomes a directory (`a` -> `a/b`) while another key changes: kubelet
/// succeeds when Go's map order visits the changed key first, so kubedrill writes.
#[test]
fn aw_1_5_file_becomes_dir_with_another_change_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("a", "file"), ("k", "v1")]));
    let v2 = payload(&[("a/b", "nested"), ("k", "v2")]);
    let out = write(dir.path(), &v2);
    assert!(out.swapped);
    assert_eq!(visible_tree(dir.path()), expected_tree(&v2));
}

/// The reverse (`a/b` -> `a`) with another change: written as well.
#[test]
fn aw_1_5_dir_becomes_file_with_another_change_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("a/b", "nested"), ("k", "v1")]));
    let v2 = payload(&[("a", "file"), ("k", "v2")]);
    let out = write(dir.path(), &v2);
    assert!(out.swapped);
    assert_eq!(visible_tree(dir.path()), expected_tree(&v2));
}

/// With nothing else to write, every map order reaches the unreadable key: kubelet always
/// fails (ENOTDIR reading `a/b` below the old file `a`), and so does kubedrill, keeping the old
/// version live.
#[test]
fn aw_1_5_file_becomes_dir_alone_fails_like_kubelet() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("a", "file"), ("k", "v1")]));
    let old = data_target(dir.path());
    let err = AtomicWriter::new(dir.path(), "t")
        .write(&payload(&[("a/b", "nested"), ("k", "v1")]), None)
        .unwrap_err();
    assert!(err.to_string().contains("Not a directory"), "{err}");
    assert_eq!(data_target(dir.path()), old);
    assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "file");
}

/// The reverse alone: EISDIR reading the old directory `a` as a file, in every order.
#[test]
fn aw_1_5_dir_becomes_file_alone_fails_like_kubelet() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = payload(&[("a/b", "nested"), ("k", "v1")]);
    write(dir.path(), &v1);
    let err = AtomicWriter::new(dir.path(), "t")
        .write_with_previous(&payload(&[("a", "file"), ("k", "v1")]), Some(&v1), None)
        .unwrap_err();
    assert!(err.to_string().contains("Is a directory"), "{err}");
    assert_eq!(visible_tree(dir.path()), expected_tree(&v1));
}

/// Given the previous payload, the per-key report needs no reading and matches the one made by
/// reading the old files.
#[test]
fn aw_1_5_report_from_previous_payload_matches_report_from_disk() {
    let v1 = payload(&[("a", "1"), ("b", "1"), ("c/d", "1")]);
    let v2 = payload(&[("a", "2"), ("b", "1"), ("e", "new")]);
    let by_reading = {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &v1);
        write(dir.path(), &v2)
    };
    let from_previous = {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &v1);
        AtomicWriter::new(dir.path(), "t")
            .write_with_previous(&v2, Some(&v1), None)
            .unwrap()
    };
    assert_eq!(from_previous.added, by_reading.added);
    assert_eq!(from_previous.changed, by_reading.changed);
    assert_eq!(from_previous.removed, by_reading.removed);
    assert_eq!(by_reading.changed, vec!["a".to_string()]);
    assert_eq!(by_reading.added, vec!["e".to_string()]);
}

// ---- Issue 7: recovery of an interrupted write (the volume plugin's step, not the writer's) ----

#[test]
fn aw_1_9_recovery_removes_stale_tmp_and_orphans_only() {
    use kubedrill::kubelet::anchored::AnchoredDir;
    use kubedrill::kubelet::atomic_writer::recover_interrupted_write;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &payload(&[("k", "v1")]));
    let live = data_target(dir.path());
    let anchor = AnchoredDir::open(dir.path()).unwrap();
    assert_eq!(
        recover_interrupted_write(&anchor).unwrap(),
        Vec::<String>::new()
    );

    fs::create_dir(dir.path().join("..2026_01_01_00_00_00.7")).unwrap();
    fs::write(dir.path().join("..2026_01_01_00_00_00.7/k"), "half").unwrap();
    std::os::unix::fs::symlink("..2026_01_01_00_00_00.7", dir.path().join("..data_tmp")).unwrap();
    // Not kubelet's names: left alone.
    fs::create_dir(dir.path().join("..keep")).unwrap();
    let repairs = recover_interrupted_write(&anchor).unwrap();
    assert_eq!(repairs.len(), 2, "{repairs:?}");
    assert_eq!(
        dotdot_entries(dir.path()),
        vec![live.clone(), "..data".to_string(), "..keep".to_string()]
    );
    // The next write succeeds where a stale ..data_tmp made every write fail (§1.9).
    write(dir.path(), &payload(&[("k", "v2")]));
    assert_eq!(fs::read_to_string(dir.path().join("k")).unwrap(), "v2");
}

#[test]
fn aw_1_2_timestamp_dir_names_recognised() {
    use kubedrill::kubelet::atomic_writer::is_timestamp_dir_name;
    assert!(is_timestamp_dir_name("..2026_11_29_07_14_52.3172498345"));
    assert!(is_timestamp_dir_name("..2026_11_29_07_14_52.1"));
    assert!(!is_timestamp_dir_name("..data"));
    assert!(!is_timestamp_dir_name("..data_tmp"));
    assert!(!is_timestamp_dir_name("..2026_11_29_07_14_52."));
    assert!(!is_timestamp_dir_name("2026_11_29_07_14_52.1"));
    assert!(!is_timestamp_dir_name("..2026-11-29_07_14_52.1"));
}

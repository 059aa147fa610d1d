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

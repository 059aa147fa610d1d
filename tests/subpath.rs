//! subPath resolution (§5): through every symlink, never out of the volume.

use std::fs;
use std::os::unix::fs::symlink;

use kubedrill::kubelet::atomic_writer::{AtomicWriter, FileProjection, Payload};
use kubedrill::kubelet::subpath::{SubPathError, pin_copy, resolve};

fn volume(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p: Payload = entries
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                FileProjection {
                    data: v.as_bytes().to_vec(),
                    mode: 0o640,
                    fs_user: None,
                },
            )
        })
        .collect();
    AtomicWriter::new(dir.path(), "t").write(&p, None).unwrap();
    dir
}

#[test]
fn sp_5_1_resolves_through_links_to_the_versioned_file() {
    let v = volume(&[("app.conf", "v1"), ("nested/x", "n")]);
    let ts = fs::read_link(v.path().join("..data")).unwrap();
    let r = resolve(v.path(), "app.conf").unwrap();
    assert_eq!(r, v.path().join(&ts).join("app.conf"));
    assert!(fs::symlink_metadata(&r).unwrap().is_file());
    let r = resolve(v.path(), "nested/x").unwrap();
    assert_eq!(r, v.path().join(&ts).join("nested/x"));
}

#[test]
fn sp_5_1_pinned_copy_is_a_plain_file_with_the_same_mode() {
    let v = volume(&[("app.conf", "v1")]);
    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("app.conf");
    pin_copy(
        &resolve(v.path(), "app.conf").unwrap(),
        &target,
        "/etc/app.conf",
    )
    .unwrap();
    let md = fs::symlink_metadata(&target).unwrap();
    assert!(md.is_file());
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&md.permissions()) & 0o777,
        0o640
    );
}

#[test]
fn sp_5_2_pin_is_independent_of_later_swaps() {
    let v = volume(&[("app.conf", "v1")]);
    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("app.conf");
    pin_copy(
        &resolve(v.path(), "app.conf").unwrap(),
        &target,
        "/etc/app.conf",
    )
    .unwrap();
    let p: Payload = [(
        "app.conf".to_string(),
        FileProjection {
            data: b"v2".to_vec(),
            mode: 0o644,
            fs_user: None,
        },
    )]
    .into();
    AtomicWriter::new(v.path(), "t").write(&p, None).unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "v1");
    // §5.3: resolving again (a container restart) finds the new version.
    pin_copy(
        &resolve(v.path(), "app.conf").unwrap(),
        &target,
        "/etc/app.conf",
    )
    .unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "v2");
}

#[test]
fn sp_5_1_refuses_links_leaving_the_volume() {
    let v = volume(&[("app.conf", "v1")]);
    symlink("/etc/passwd", v.path().join("abs")).unwrap();
    symlink("../../../../etc/passwd", v.path().join("up")).unwrap();
    assert!(matches!(
        resolve(v.path(), "abs"),
        Err(SubPathError::Escapes { .. })
    ));
    assert!(matches!(
        resolve(v.path(), "up"),
        Err(SubPathError::Escapes { .. })
    ));
    assert!(matches!(
        resolve(v.path(), "../x"),
        Err(SubPathError::Invalid(_))
    ));
    assert!(matches!(
        resolve(v.path(), "/etc/passwd"),
        Err(SubPathError::Invalid(_))
    ));
}

#[test]
fn sp_5_1_missing_key_is_an_error() {
    let v = volume(&[("app.conf", "v1")]);
    let err = resolve(v.path(), "nope").unwrap_err();
    assert!(err.to_string().contains("No such file"), "{err}");
}

#[test]
fn sp_5_1_symlink_loop_is_an_error_not_a_hang() {
    let v = volume(&[("app.conf", "v1")]);
    symlink("loop2", v.path().join("loop1")).unwrap();
    symlink("loop1", v.path().join("loop2")).unwrap();
    assert!(resolve(v.path(), "loop1").is_err());
}

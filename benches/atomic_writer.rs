//! AtomicWriter update cost against a "floor": the same filesystem syscalls with no validation,
//! no diffing and no bookkeeping. The ratio writer/floor is what the README reports; the target
//! is ≤ 1.15 at every size.
//!
//! Each iteration is one real update: every key changes, so the writer compares all files,
//! writes a new timestamped directory, swaps `..data` and removes the old directory.

use std::fs;
use std::hint::black_box;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt, symlink};
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kubedrill::kubelet::atomic_writer::{AtomicWriter, FileProjection, Payload};

fn payload(keys: usize, size: usize, version: u8) -> Payload {
    (0..keys)
        .map(|i| {
            let mut data = vec![b'a' + (i % 26) as u8; size];
            data[0] = version;
            (
                format!("key-{i:04}"),
                FileProjection {
                    data,
                    mode: 0o644,
                    fs_user: None,
                },
            )
        })
        .collect()
}

/// The syscalls of one update with nothing else: readlink, readdir + lstat + read of the old
/// files, mkdir + chmod, open/write/close + chmod per file, symlink, rename, readlink per
/// top-level name, recursive remove of the old dir.
fn floor_update(dir: &Path, p: &Payload, n: &mut u64) {
    let old = fs::read_link(dir.join("..data")).ok();
    if let Some(old) = &old {
        let old_dir = dir.join(old);
        for e in fs::read_dir(&old_dir).unwrap() {
            black_box(e.unwrap().file_type().unwrap());
        }
        for k in p.keys() {
            let f = old_dir.join(k);
            black_box(fs::symlink_metadata(&f).ok());
            black_box(fs::read(&f).ok());
        }
    }
    *n += 1;
    let ts = format!("..2026_11_29_00_00_00.{n}");
    let ts_path = dir.join(&ts);
    fs::create_dir(&ts_path).unwrap();
    fs::set_permissions(&ts_path, fs::Permissions::from_mode(0o755)).unwrap();
    for (k, f) in p {
        let path = ts_path.join(k);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(f.mode)
            .open(&path)
            .unwrap();
        file.write_all(&f.data).unwrap();
        drop(file);
        fs::set_permissions(&path, fs::Permissions::from_mode(f.mode)).unwrap();
    }
    symlink(&ts, dir.join("..data_tmp")).unwrap();
    fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    for k in p.keys() {
        let visible = dir.join(k);
        if fs::read_link(&visible).is_err() {
            symlink(Path::new("..data").join(k), &visible).unwrap();
        }
    }
    if let Some(old) = old {
        fs::remove_dir_all(dir.join(old)).unwrap();
    }
}

/// A scratch dir on tmpfs when the machine has one (Secret and projected volumes are tmpfs in
/// kubelet, §3.2), so the numbers measure the writer rather than a disk's journal.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(d) = tempfile::tempdir_in(shm)
    {
        return d;
    }
    tempfile::tempdir().unwrap()
}

fn bench(c: &mut Criterion) {
    let sizes = [
        ("10x1KiB", 10, 1024),
        ("100x1KiB", 100, 1024),
        ("1000x1KiB", 1000, 1024),
        ("1x1MiB", 1, 1 << 20),
    ];
    let mut group = c.benchmark_group("atomic_writer_update");
    for (name, keys, size) in sizes {
        let versions = [payload(keys, size, b'A'), payload(keys, size, b'B')];
        group.bench_with_input(BenchmarkId::new("kubedrill", name), &versions, |b, v| {
            let dir = scratch();
            let writer = AtomicWriter::new(dir.path(), "bench");
            writer.write(&v[0], None).unwrap();
            let mut i = 0;
            b.iter(|| {
                i += 1;
                black_box(writer.write(&v[i % 2], None).unwrap());
            });
        });
        group.bench_with_input(BenchmarkId::new("floor", name), &versions, |b, v| {
            let dir = scratch();
            let mut n = 0;
            floor_update(dir.path(), &v[0], &mut n);
            let mut i = 0;
            b.iter(|| {
                i += 1;
                floor_update(dir.path(), &v[i % 2], &mut n);
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The volume tree shown with a failure: every entry of a volume as the container sees it,
//! with modes, link targets and, for files, what a reader needs to tell versions apart — the
//! first lines of a small text file, else a content hash.
//!
//! It reads only. It marks Secret-derived files (`secret: true`) but does not redact them: the
//! runner does, once, where results are made (so `--show-secrets` can show them). A redacted
//! Secret file shows its size only, no hash: a hash of a low-entropy Secret lets anyone test
//! guesses against it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::report::model::TreeEntry;

/// Files up to this size that are valid UTF-8 get a text preview.
pub const PREVIEW_MAX_BYTES: u64 = 4096;
/// A preview holds at most this many lines…
pub const PREVIEW_LINES: usize = 3;
/// …and at most this many characters.
pub const PREVIEW_CHARS: usize = 120;

/// The tree under `root` (a volume directory, or the pinned file of a subPath mount), in walk
/// order, names sorted. `secret` marks every file as Secret-derived (a Secret volume, or a
/// projected one with a Secret source: its files are not told apart by source).
pub fn volume_tree(root: &Path, secret: bool) -> Vec<TreeEntry> {
    let mut out = Vec::new();
    if root.is_file() {
        if let Ok(md) = fs::metadata(root) {
            out.push(file_entry("(subPath file)".into(), root, &md, secret));
        }
    } else {
        walk(root, Path::new(""), secret, &mut out);
    }
    out
}

fn walk(root: &Path, rel: &Path, secret: bool, out: &mut Vec<TreeEntry>) {
    let Ok(rd) = fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = rel.join(e.file_name());
        // `DirEntry::metadata` does not follow symlinks.
        let Ok(md) = e.metadata() else { continue };
        let shown = path.display().to_string();
        if md.file_type().is_symlink() {
            out.push(TreeEntry {
                path: shown,
                kind: "link".into(),
                mode: mode_of(&md),
                target: fs::read_link(e.path())
                    .ok()
                    .map(|t| t.display().to_string()),
                ..TreeEntry::default()
            });
        } else if md.is_dir() {
            out.push(TreeEntry {
                path: shown,
                kind: "dir".into(),
                mode: mode_of(&md),
                ..TreeEntry::default()
            });
            walk(root, &path, secret, out);
        } else {
            out.push(file_entry(shown, &e.path(), &md, secret));
        }
    }
}

fn file_entry(shown: String, file: &Path, md: &fs::Metadata, secret: bool) -> TreeEntry {
    let content = fs::read(file).ok();
    TreeEntry {
        path: shown,
        kind: "file".into(),
        mode: mode_of(md),
        target: None,
        sha256: content.as_deref().map(short_hash),
        size: Some(content.as_ref().map_or(md.len(), |c| c.len() as u64)),
        preview: content.as_deref().and_then(preview),
        secret,
    }
}

fn mode_of(md: &fs::Metadata) -> String {
    format!("{:04o}", md.permissions().mode() & 0o7777)
}

/// The first 12 hex digits of the sha256.
fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(6)
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The beginning of a small UTF-8 file: at most [`PREVIEW_LINES`] lines and
/// [`PREVIEW_CHARS`] characters, newlines kept. `None` for binary or large files.
pub fn preview(bytes: &[u8]) -> Option<String> {
    if bytes.len() as u64 > PREVIEW_MAX_BYTES {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    // NUL and other C0 controls besides tab/newline/CR mean binary in practice.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return None;
    }
    let mut end = text.len();
    if let Some((i, _)) = text.match_indices('\n').nth(PREVIEW_LINES - 1) {
        end = i + 1;
    }
    if let Some((i, _)) = text.char_indices().nth(PREVIEW_CHARS) {
        end = end.min(i);
    }
    Some(text[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_text_file_is_previewed_whole() {
        assert_eq!(preview(b"DEBUG").as_deref(), Some("DEBUG"));
        assert_eq!(
            preview(b"[database]\nhost=db\n").as_deref(),
            Some("[database]\nhost=db\n")
        );
        assert_eq!(preview(b"").as_deref(), Some(""));
    }

    #[test]
    fn a_preview_stops_after_three_lines_or_120_characters() {
        assert_eq!(preview(b"a\nb\nc\nd\ne\n").as_deref(), Some("a\nb\nc\n"));
        let long = "é".repeat(200);
        assert_eq!(preview(long.as_bytes()), Some("é".repeat(120)));
    }

    #[test]
    fn binary_and_large_files_get_no_preview() {
        assert_eq!(preview(&[0xff, 0xfe, 0x00]), None, "not UTF-8");
        assert_eq!(preview(b"PK\x03\x04\x00\x00"), None, "UTF-8 but binary");
        assert_eq!(preview("x".repeat(5000).as_bytes()), None, "large");
    }

    #[test]
    fn the_tree_marks_secret_files_and_keeps_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("..2026_01_01_00_00_00.1");
        fs::create_dir(&data).unwrap();
        fs::write(data.join("password"), "hunter2").unwrap();
        std::os::unix::fs::symlink("..2026_01_01_00_00_00.1", dir.path().join("..data")).unwrap();
        std::os::unix::fs::symlink("..data/password", dir.path().join("password")).unwrap();
        let tree = volume_tree(dir.path(), true);
        let kinds: Vec<(&str, &str)> = tree
            .iter()
            .map(|e| (e.path.as_str(), e.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("..2026_01_01_00_00_00.1", "dir"),
                ("..2026_01_01_00_00_00.1/password", "file"),
                ("..data", "link"),
                ("password", "link"),
            ]
        );
        let file = &tree[1];
        assert!(file.secret);
        assert_eq!(file.size, Some(7));
        assert_eq!(file.preview.as_deref(), Some("hunter2"), "redacted later");
        assert!(!tree[2].secret, "only files carry Secret data");
    }
}

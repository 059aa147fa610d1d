//! Paths a generator reads are relative to the scenario's directory and never leave it: not
//! by being absolute, not by `..`, not through a symlink (the canonical target must still be
//! inside). A scenario from elsewhere cannot make kubedrill read `~/.ssh/id_rsa` into a
//! Secret it then mounts and prints.

use std::path::{Component, Path, PathBuf};

use super::error::GenerateErrorKind;

/// The canonical form of `written` (relative to `base`, which must be canonical), or why it
/// may not be read. The path must exist.
pub(crate) fn resolve(base: &Path, written: &str) -> Result<PathBuf, GenerateErrorKind> {
    let outside = || GenerateErrorKind::OutsideBase {
        path: written.to_string(),
    };
    let relative = Path::new(written);
    let mut depth = 0_usize;
    for component in relative.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => depth = depth.checked_sub(1).ok_or_else(outside)?,
            Component::RootDir | Component::Prefix(_) => return Err(outside()),
        }
    }
    let canonical =
        base.join(relative)
            .canonicalize()
            .map_err(|source| GenerateErrorKind::Read {
                path: written.to_string(),
                source,
            })?;
    if canonical.starts_with(base) {
        Ok(canonical)
    } else {
        Err(outside())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confine_rejects_absolute_parent_and_symlinked_escapes() {
        let outer = tempfile::tempdir().unwrap();
        let base = outer.path().join("scenario");
        std::fs::create_dir(&base).unwrap();
        std::fs::write(outer.path().join("secret.txt"), "x").unwrap();
        std::fs::write(base.join("ok.txt"), "x").unwrap();
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), base.join("link")).unwrap();
        let base = base.canonicalize().unwrap();
        assert!(resolve(&base, "ok.txt").is_ok());
        assert!(
            resolve(&base, "./sub/../ok.txt").is_err(),
            "sub does not exist"
        );
        for bad in ["/etc/passwd", "../secret.txt", "link", "a/../../secret.txt"] {
            assert!(
                matches!(
                    resolve(&base, bad),
                    Err(GenerateErrorKind::OutsideBase { .. })
                ),
                "{bad}"
            );
        }
    }
}

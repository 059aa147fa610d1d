//! What `-f` names, expanded like kubectl expands it (issue 11 §3): a file is read whatever
//! its name; a directory contributes its `*.json`, `*.yaml` and `*.yml` files in name order
//! (kubectl's `ExpandPathsToFileVisitors`, with `FileExtensions = [".json", ".yaml", ".yml"]`:
//! `filepath.Walk` order, subdirectories only with `-R`/`--recursive`); `-` is standard input
//! (kubectl's `FileVisitorForSTDIN`), read once.
//!
//! This module only finds and reads inputs; turning their text into objects is
//! [`crate::api::manifest::load_str`]'s job. Symlinked directories are not descended (as
//! `filepath.Walk` does not); a symlinked *file* with a manifest extension is read. When a
//! root is given (scenario `file:` entries), every path, symlinks resolved, must stay in it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::api::manifest::{self, LoadError, ManifestSet};
use crate::api::text::{TextError, into_text};

/// The path that means standard input.
pub const STDIN: &str = "-";

/// The name standard input's documents carry in origins and errors.
pub const STDIN_ORIGIN: &str = "<stdin>";

/// The extensions a directory's files must have to be read (kubectl's `FileExtensions`).
pub const MANIFEST_EXTENSIONS: [&str; 3] = ["json", "yaml", "yml"];

/// One input: where it came from and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The file (as found: the given directory joined with the entry's name), or
    /// [`STDIN_ORIGIN`].
    pub origin: PathBuf,
    /// Its whole text (a UTF-8 BOM is left for the loader, which strips it).
    pub text: String,
}

/// Why `-f`'s paths could not be expanded or read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path does not exist.
    #[error(
        "{}: cannot read the file: no such file or directory (hint: -f takes files, directories and - for standard input)",
        path.display()
    )]
    Missing {
        /// The path as given.
        path: PathBuf,
    },
    /// The path exists but cannot be listed or read.
    #[error("{}: cannot read the file: {source}", path.display())]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The OS reason.
        source: std::io::Error,
    },
    /// The text is not UTF-8.
    #[error("{}: {source}", path.display())]
    Text {
        /// The path (or `<stdin>`).
        path: PathBuf,
        /// Where the first bad byte is.
        source: TextError,
    },
    /// A directory with nothing to read.
    #[error(
        "{}: no .yaml, .yml or .json file in this directory (hint: {})",
        path.display(),
        if *recursive { "check the path" } else { "-R/--recursive also reads subdirectories" }
    )]
    EmptyDirectory {
        /// The directory.
        path: PathBuf,
        /// Whether subdirectories were searched.
        recursive: bool,
    },
    /// `-` given twice: standard input can be read only once.
    #[error("- (standard input) is given more than once (hint: give it once)")]
    StdinTwice,
    /// Standard input where it cannot be used (e.g. `dev` watches files).
    #[error("- (standard input) cannot be used here: {reason}")]
    StdinUnsupported {
        /// Why.
        reason: &'static str,
    },
    /// A path that leaves the root it must stay in.
    #[error(
        "{}: outside {} (hint: paths are relative to the scenario's directory and may not leave it)",
        path.display(),
        root.display()
    )]
    OutsideRoot {
        /// The path.
        path: PathBuf,
        /// The root.
        root: PathBuf,
    },
}

/// Whether `path` is `-`.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// Expands `paths` into the files (and at most one `-`) to read, in order: directories
/// replaced by their manifest files (recursively with `recursive`), files kept as given.
pub fn expand(paths: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>, SourceError> {
    let mut out = Vec::new();
    let mut stdin_seen = false;
    for path in paths {
        if is_stdin(path) {
            if stdin_seen {
                return Err(SourceError::StdinTwice);
            }
            stdin_seen = true;
            out.push(path.clone());
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => SourceError::Missing { path: path.clone() },
            _ => SourceError::Unreadable {
                path: path.clone(),
                source,
            },
        })?;
        if meta.is_dir() {
            let before = out.len();
            walk(path, recursive, &mut out)?;
            if out.len() == before {
                return Err(SourceError::EmptyDirectory {
                    path: path.clone(),
                    recursive,
                });
            }
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Like [`expand`], for paths relative to `root` that must stay in it (symlinks resolved);
/// `-` is refused (a scenario file has no standard input).
pub fn expand_within(
    root: &Path,
    paths: &[PathBuf],
    recursive: bool,
) -> Result<Vec<PathBuf>, SourceError> {
    let canonical_root = root
        .canonicalize()
        .map_err(|source| SourceError::Unreadable {
            path: root.to_path_buf(),
            source,
        })?;
    let mut joined = Vec::new();
    for path in paths {
        if is_stdin(path) {
            return Err(SourceError::StdinUnsupported {
                reason: "a scenario's file entries name files",
            });
        }
        joined.push(root.join(path));
    }
    let files = expand(&joined, recursive)?;
    for file in &files {
        let canonical = file
            .canonicalize()
            .map_err(|source| SourceError::Unreadable {
                path: file.clone(),
                source,
            })?;
        if !canonical.starts_with(&canonical_root) {
            return Err(SourceError::OutsideRoot {
                path: file.clone(),
                root: root.to_path_buf(),
            });
        }
    }
    Ok(files)
}

/// `filepath.Walk` of `dir` in lexical order, keeping files with a manifest extension; a
/// subdirectory is entered only when `recursive` (a symlink to a directory never is).
fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let unreadable = |source| SourceError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let file_type = entry.file_type().map_err(unreadable)?;
        entries.push((entry.file_name(), file_type));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, file_type) in entries {
        let path = dir.join(&name);
        if file_type.is_dir() {
            if recursive {
                walk(&path, recursive, out)?;
            }
        } else if has_manifest_extension(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// `.json`, `.yaml` or `.yml` (exactly: kubectl compares `filepath.Ext` case-sensitively).
fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e))
}

/// Standard input's text, read on first use and kept: a process has one standard input.
fn stdin_text() -> Result<String, SourceError> {
    static STDIN_TEXT: OnceLock<Result<String, String>> = OnceLock::new();
    let read = STDIN_TEXT.get_or_init(|| {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        into_text(bytes).map_err(|e| e.to_string())
    });
    read.clone().map_err(|message| SourceError::Unreadable {
        path: PathBuf::from(STDIN_ORIGIN),
        source: std::io::Error::other(message),
    })
}

/// Reads one expanded path (`-` is standard input).
pub fn read(path: &Path) -> Result<Input, SourceError> {
    if is_stdin(path) {
        return Ok(Input {
            origin: PathBuf::from(STDIN_ORIGIN),
            text: stdin_text()?,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => SourceError::Missing {
            path: path.to_path_buf(),
        },
        _ => SourceError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let text = into_text(bytes).map_err(|source| SourceError::Text {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Input {
        origin: path.to_path_buf(),
        text,
    })
}

/// Either step of loading `-f`'s inputs.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Finding or reading an input.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// An input's documents.
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// Every object of already expanded `paths` (files and `-`), in order: the loader's
/// `load_file` for files (its errors keep their file:line:column), `load_str` for stdin.
pub fn load_manifests(paths: &[PathBuf]) -> Result<ManifestSet, InputError> {
    let mut set = ManifestSet::default();
    for path in paths {
        if is_stdin(path) {
            let input = read(path)?;
            set.absorb(manifest::load_text(&input.text, &input.origin)?);
        } else {
            set.absorb(manifest::load_file_text(path)?);
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, "").unwrap();
    }

    fn names(root: &Path, files: &[PathBuf]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn sources_expand_directories_like_kubectl() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for f in [
            "deploy/b.yaml",
            "deploy/a.yml",
            "deploy/c.json",
            "deploy/README.md",
            "deploy/d.YAML",
            "deploy/nested/e.yaml",
            "deploy/nested/deeper/f.yml",
            "single.txt",
        ] {
            touch(&root.join(f));
        }
        std::os::unix::fs::symlink(root.join("deploy/nested"), root.join("deploy/z-link")).unwrap();
        let flat = expand(&[root.join("deploy")], false).unwrap();
        assert_eq!(
            names(root, &flat),
            ["deploy/a.yml", "deploy/b.yaml", "deploy/c.json"]
        );
        let deep = expand(&[root.join("deploy")], true).unwrap();
        assert_eq!(
            names(root, &deep),
            [
                "deploy/a.yml",
                "deploy/b.yaml",
                "deploy/c.json",
                "deploy/nested/deeper/f.yml",
                "deploy/nested/e.yaml"
            ]
        );
        // A file named explicitly is read whatever its extension; `-` passes through once.
        let mixed = expand(&[root.join("single.txt"), PathBuf::from("-")], false).unwrap();
        assert_eq!(mixed[1], PathBuf::from("-"));
        assert!(matches!(
            expand(&[PathBuf::from("-"), PathBuf::from("-")], false),
            Err(SourceError::StdinTwice)
        ));
        assert!(matches!(
            expand(&[root.join("missing")], false),
            Err(SourceError::Missing { .. })
        ));
        touch(&root.join("only-sub/deeper/x.yaml"));
        let err = expand(&[root.join("only-sub")], false).unwrap_err();
        assert!(err.to_string().contains("-R/--recursive"), "{err}");
    }

    #[test]
    fn sources_within_a_root_refuse_escapes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("scenario");
        touch(&root.join("objects/a.yaml"));
        touch(&tmp.path().join("outside.yaml"));
        std::os::unix::fs::symlink(tmp.path().join("outside.yaml"), root.join("objects/b.yaml"))
            .unwrap();
        let err = expand_within(&root, &[PathBuf::from("objects")], false).unwrap_err();
        assert!(matches!(err, SourceError::OutsideRoot { .. }), "{err}");
        let err = expand_within(&root, &[PathBuf::from("../outside.yaml")], false).unwrap_err();
        assert!(matches!(err, SourceError::OutsideRoot { .. }), "{err}");
        std::fs::remove_file(root.join("objects/b.yaml")).unwrap();
        let ok = expand_within(&root, &[PathBuf::from("objects")], false).unwrap();
        assert_eq!(ok, [root.join("objects/a.yaml")]);
    }
}

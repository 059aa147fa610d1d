//! `kubedrill init`: from a team's manifests to a validated scenario skeleton on disk.
//!
//! Reads the manifests with the loader (`-f` files, or directories: their `*.yaml`, `*.yml`
//! and `*.json` files, sorted), picks the workload, analyses what it consumes, renders the
//! skeleton with paths relative to where it will live, and loads the text with the scenario
//! loader before writing anything: a skeleton the loader refuses is never written. An existing
//! output file is kept unless `force`.

use std::path::{Component, Path, PathBuf};

use super::analysis::analyse;
use super::errors::InitError;
use super::render::{Skeleton, render};
use crate::api::manifest::{Manifest, load_file};
use crate::api::{ManifestSet, Workload};

/// What `kubedrill init` was asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitOptions {
    /// Manifest files or directories.
    pub manifests: Vec<PathBuf>,
    /// The workload's name (or `Kind/name`); needed when the manifests hold several.
    pub workload: Option<String>,
    /// Where to write the scenario; `None`: nowhere (the caller prints it), paths relative to
    /// the current directory.
    pub out: Option<PathBuf>,
    /// Overwrite an existing `out`.
    pub force: bool,
}

/// A generated, validated skeleton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The scenario text.
    pub text: String,
    /// `Deployment web`.
    pub workload: String,
    /// Where it was written, if it was.
    pub written: Option<PathBuf>,
}

/// Generates the skeleton and, with [`InitOptions::out`], writes it.
pub fn init(options: &InitOptions) -> Result<Generated, InitError> {
    let files = manifest_files(&options.manifests)?;
    let mut by_file: Vec<(PathBuf, Vec<Manifest>)> = Vec::new();
    for file in &files {
        by_file.push((file.clone(), load_file(file)?));
    }
    let set: ManifestSet = by_file
        .iter()
        .flat_map(|(_, manifests)| manifests.iter().cloned())
        .collect();
    let workload = pick_workload(&set, options.workload.as_deref())?;
    let consumption = analyse(&set, workload);

    let out = match &options.out {
        Some(out) => {
            if out.exists() && !options.force {
                return Err(InitError::Exists(out.clone()));
            }
            out.clone()
        }
        None => PathBuf::from(format!("{}.yaml", workload.name)),
    };
    let base = scenario_dir(&out)?;
    let relative = |file: &Path| -> Result<String, InitError> {
        let absolute = std::fs::canonicalize(file).map_err(|source| InitError::Io {
            path: file.to_path_buf(),
            source,
        })?;
        Ok(relative_path(&absolute, &base))
    };

    // The workload's file must hold only it: a scenario names one pod by file.
    let workload_file = &workload.origin.file;
    let others: Vec<String> = by_file
        .iter()
        .filter(|(file, _)| file == workload_file)
        .flat_map(|(_, manifests)| manifests)
        .filter_map(|m| match m {
            Manifest::Workload(w) if w.name != workload.name || w.kind != workload.kind => {
                Some(format!("{} {}", w.kind, w.name))
            }
            _ => None,
        })
        .collect();
    if !others.is_empty() {
        return Err(InitError::SharedWorkloadFile {
            file: workload_file.clone(),
            workload: format!("{} {}", workload.kind, workload.name),
            others,
        });
    }
    let mut object_files = Vec::new();
    for (file, manifests) in &by_file {
        let consumed = manifests.iter().any(|m| {
            let (kind, name) = match m {
                Manifest::ConfigMap(..) => (super::analysis::ObjectKind::ConfigMap, m.name()),
                Manifest::Secret(..) => (super::analysis::ObjectKind::Secret, m.name()),
                Manifest::Workload(_) => return false,
            };
            m.namespace() == workload.namespace
                && consumption
                    .referenced
                    .iter()
                    .any(|(k, n)| *k == kind && n == name)
        });
        if !consumed {
            continue;
        }
        let foreign: Vec<String> = manifests
            .iter()
            .filter_map(|m| match m {
                Manifest::Workload(w) if file != workload_file => {
                    Some(format!("{} {}", w.kind, w.name))
                }
                _ => None,
            })
            .collect();
        if !foreign.is_empty() {
            return Err(InitError::SharedWorkloadFile {
                file: file.clone(),
                workload: "the ConfigMaps and Secrets".to_string(),
                others: foreign,
            });
        }
        object_files.push(relative(file)?);
    }
    let skeleton = Skeleton {
        workload_kind: &workload.kind,
        workload_name: &workload.name,
        workload_file: relative(workload_file)?,
        object_files,
        consumption: &consumption,
    };
    let text = render(&skeleton);

    // Validate exactly what would be written, as if it were already at `out`.
    let at = base.join(out.file_name().unwrap_or_default());
    crate::scenario::load_str(&text, &at).map_err(|error| InitError::Invalid {
        error: Box::new(error),
    })?;
    let written = match &options.out {
        Some(out) => {
            std::fs::write(out, &text).map_err(|source| InitError::Io {
                path: out.clone(),
                source,
            })?;
            Some(out.clone())
        }
        None => None,
    };
    Ok(Generated {
        text,
        workload: format!("{} {}", workload.kind, workload.name),
        written,
    })
}

/// The files of `paths`: a file as given, a directory's YAML and JSON files in name order.
fn manifest_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InitError> {
    if paths.is_empty() {
        return Err(InitError::NoManifests);
    }
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|source| InitError::Io {
            path: path.clone(),
            source,
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
            })
            .collect();
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// The workload named `wanted` (`name` or `Kind/name`), or the only one.
fn pick_workload<'a>(
    set: &'a ManifestSet,
    wanted: Option<&str>,
) -> Result<&'a Workload, InitError> {
    let list = || {
        set.workloads
            .iter()
            .map(|w| format!("{}/{} ({})", w.kind, w.name, w.origin))
            .collect::<Vec<_>>()
    };
    match wanted {
        Some(wanted) => {
            let matches: Vec<&Workload> = set
                .workloads
                .iter()
                .filter(|w| {
                    w.name == wanted
                        || wanted
                            .split_once('/')
                            .is_some_and(|(k, n)| k.eq_ignore_ascii_case(&w.kind) && n == w.name)
                })
                .collect();
            match matches.as_slice() {
                [one] => Ok(one),
                [] => Err(InitError::NoSuchWorkload {
                    wanted: wanted.to_string(),
                    found: list(),
                }),
                _ => Err(InitError::SeveralWorkloads {
                    found: matches
                        .iter()
                        .map(|w| format!("{}/{} ({})", w.kind, w.name, w.origin))
                        .collect(),
                }),
            }
        }
        None => match set.workloads.as_slice() {
            [one] => Ok(one),
            [] => Err(InitError::NoWorkload {
                found: set.describe(),
            }),
            _ => Err(InitError::SeveralWorkloads { found: list() }),
        },
    }
}

/// The absolute directory the scenario will live in (created if missing, so its relative
/// paths can be checked).
fn scenario_dir(out: &Path) -> Result<PathBuf, InitError> {
    let dir = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|source| InitError::Io {
        path: dir.clone(),
        source,
    })?;
    std::fs::canonicalize(&dir).map_err(|source| InitError::Io { path: dir, source })
}

/// `target` relative to the directory `base` (both absolute), with `/` separators.
fn relative_path(target: &Path, base: &Path) -> String {
    let target: Vec<Component> = target.components().collect();
    let base: Vec<Component> = base.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); base.len() - common];
    parts.extend(
        target[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_ancestor() {
        let rel = relative_path(Path::new("/r/deploy/a.yaml"), Path::new("/r/scenarios"));
        assert_eq!(rel, "../deploy/a.yaml");
        let rel = relative_path(Path::new("/r/a.yaml"), Path::new("/r"));
        assert_eq!(rel, "a.yaml");
        let rel = relative_path(Path::new("/x/a.yaml"), Path::new("/r/s/t"));
        assert_eq!(rel, "../../../x/a.yaml");
    }
}

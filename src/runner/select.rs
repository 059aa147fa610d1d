//! Which scenarios a run takes: recursive discovery under the given paths, then `--filter
//! REGEX` (on the scenario's name or file path) and `-l` label selectors (on
//! `metadata.labels`, kubectl's equality syntax). It only picks; loading is
//! [`crate::scenario::load`]'s job and running is [`super::run_all`]'s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::scenario::{self, Scenario, ScenarioError};

/// Directory names discovery does not descend into: the sample apps and the manifests that
/// scenarios reference are not scenarios (a scenario file in them still runs when named
/// directly), and `gaps` holds conformance scenarios kubedrill cannot yet run as upstream
/// expects (scenarios/conformance/README.md). `expected-failures` is not skipped: its
/// scenarios declare `spec.expect` and pass when they fail where they say.
pub const SKIPPED_DIRS: &[&str] = &["apps", "manifests", "gaps"];

/// Every scenario file under `paths`: a file as given; a directory, every `kind: Scenario`
/// YAML file in it and, recursively, in its sub-directories (sorted; hidden directories,
/// [`SKIPPED_DIRS`] and symlinked directories left out, so a link cannot loop). Each file once.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScenarioError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found)?;
        } else {
            // A file, or a path that does not exist: the loader's discovery says why.
            found.extend(scenario::discover(std::slice::from_ref(path))?);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    found.retain(|f| seen.insert(f.clone()));
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), ScenarioError> {
    found.extend(scenario::discover(&[dir.to_path_buf()])?);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref())
        })
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        walk(&sub, found)?;
    }
    Ok(())
}

/// A bad `--filter` or `-l`.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// `--filter` is not a regular expression.
    #[error("invalid --filter {pattern:?}: {source}")]
    Filter {
        /// What was given.
        pattern: String,
        /// Why it does not parse.
        #[source]
        source: regex::Error,
    },
    /// `-l` is not `key=value`, `key!=value`, `key` or `!key`.
    #[error(
        "invalid label selector {selector:?} (hint: write key=value, key!=value, key or !key; \
         separate several with commas)"
    )]
    Selector {
        /// What was given.
        selector: String,
    },
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Absent(String),
}

impl Requirement {
    fn holds(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::Absent(k) => !labels.contains_key(k),
        }
    }
}

/// `--filter` and `-l` together: a scenario runs when it matches the filter (if any) and every
/// label requirement.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    filter: Option<Regex>,
    requirements: Vec<Requirement>,
}

impl Selection {
    /// From `--filter REGEX` and the `-l` values (each may hold several, comma-separated).
    pub fn new(filter: Option<&str>, selectors: &[String]) -> Result<Self, SelectError> {
        let filter = filter
            .map(|p| {
                Regex::new(p).map_err(|source| SelectError::Filter {
                    pattern: p.to_string(),
                    source,
                })
            })
            .transpose()?;
        let mut requirements = Vec::new();
        for selector in selectors {
            for part in selector.split(',') {
                requirements.push(requirement(part.trim()).ok_or_else(|| {
                    SelectError::Selector {
                        selector: selector.clone(),
                    }
                })?);
            }
        }
        Ok(Selection {
            filter,
            requirements,
        })
    }

    /// Whether nothing is selected out.
    pub fn is_everything(&self) -> bool {
        self.filter.is_none() && self.requirements.is_empty()
    }

    /// Whether `scenario` is selected.
    pub fn matches(&self, scenario: &Scenario) -> bool {
        let by_name = self.filter.as_ref().is_none_or(|re| {
            re.is_match(&scenario.name) || re.is_match(&scenario.file.to_string_lossy())
        });
        by_name && self.requirements.iter().all(|r| r.holds(labels(scenario)))
    }
}

/// The scenario's `metadata.labels` (the one place that knows where they live).
fn labels(scenario: &Scenario) -> &BTreeMap<String, String> {
    &scenario.labels
}

fn requirement(part: &str) -> Option<Requirement> {
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    };
    let valid_value = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if let Some((k, v)) = part.split_once("!=") {
        return (valid(k) && valid_value(v)).then(|| Requirement::NotEquals(k.into(), v.into()));
    }
    if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return (valid(k) && valid_value(v)).then(|| Requirement::Equals(k.into(), v.into()));
    }
    if let Some(k) = part.strip_prefix('!') {
        return valid(k).then(|| Requirement::Absent(k.into()));
    }
    valid(part).then(|| Requirement::Exists(part.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selector_forms_follow_kubectl_equality_syntax() {
        let l = labelled(&[("tier", "reload"), ("speed", "slow")]);
        let holds = |s: &str| requirement(s).unwrap().holds(&l);
        assert!(holds("tier=reload"));
        assert!(holds("tier==reload"));
        assert!(!holds("tier=env"));
        assert!(holds("tier!=env"));
        assert!(!holds("speed!=slow"));
        assert!(holds("speed"));
        assert!(!holds("owner"));
        assert!(holds("!owner"));
        assert!(!holds("!tier"));
    }

    #[test]
    fn malformed_selectors_are_errors_not_matches() {
        for bad in ["", "=x", "a=b=c", "a b=c", "!"] {
            assert!(requirement(bad).is_none(), "{bad:?}");
        }
        let e = Selection::new(None, &["tier=reload,=x".into()]).unwrap_err();
        assert!(e.to_string().contains("hint: write key=value"), "{e}");
        let e = Selection::new(Some("("), &[]).unwrap_err();
        assert!(e.to_string().starts_with("invalid --filter \"(\""), "{e}");
    }
}

//! Finding scenario files: the files among the paths a user gives, and in directories the
//! YAML files whose first document says `kind: Scenario`.
//!
//! It owns discovery only; it never validates a scenario (a syntax error elsewhere in a file
//! does not hide it: loading reports the error).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::errors::{ScenarioError, ScenarioErrorKind};
use super::format::KIND;
use crate::yaml::{self, Node};

/// The scenario files among `paths`: a file is taken as is; a directory contributes every
/// `*.yaml`/`*.yml` file directly in it (not in subdirectories) whose first document has
/// `kind: Scenario`, sorted by name. Duplicates are dropped; an empty result is not an error.
pub fn discover(paths: &[PathBuf]) -> std::result::Result<Vec<PathBuf>, ScenarioError> {
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for path in paths {
        let io_error = |err: std::io::Error, what: &str| {
            // The OS reason is part of the message: "No such file or directory" is the fix.
            let message = format!("cannot read {what}: {err}");
            ScenarioError::new(path, None, ScenarioErrorKind::Io(err), message, None)
        };
        let metadata = std::fs::metadata(path).map_err(|err| io_error(err, "the path"))?;
        if !metadata.is_dir() {
            if seen.insert(path.clone()) {
                found.push(path.clone());
            }
            continue;
        }
        let mut in_dir = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|err| io_error(err, "the directory"))? {
            let entry = entry.map_err(|err| io_error(err, "the directory"))?;
            let file = entry.path();
            let yaml_ext = file
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml");
            if yaml_ext && file.is_file() && is_scenario_file(&file) {
                in_dir.push(file);
            }
        }
        in_dir.sort();
        for file in in_dir {
            if seen.insert(file.clone()) {
                found.push(file);
            }
        }
    }
    Ok(found)
}

/// Whether the file's first document says `kind: Scenario` (unreadable files are not).
fn is_scenario_file(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| is_scenario_text(&text))
}

/// Whether the first document's top-level `kind` is `Scenario`. A syntax error elsewhere does
/// not hide a scenario (its loading reports the error): the top-level lines are scanned.
pub(crate) fn is_scenario_text(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Ok(documents) = yaml::parse_documents(text, 1) {
        return documents
            .iter()
            .find(|doc| !doc.is_null())
            .and_then(|doc| doc.get("kind"))
            .and_then(Node::scalar)
            == Some(KIND);
    }
    let mut seen_content = false;
    for line in text.lines() {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") || bare == "..." {
            if seen_content {
                break;
            }
            continue;
        }
        if bare.is_empty() || bare.starts_with('#') {
            continue;
        }
        seen_content = true;
        if let Some(value) = bare.strip_prefix("kind:") {
            let value = value.split(" #").next().unwrap_or_default().trim();
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            return value == KIND;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_text_detection() {
        assert!(is_scenario_text(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\n"
        ));
        assert!(is_scenario_text(
            "# c\n---\nkind: 'Scenario' # x\nspec: [\n"
        ));
        assert!(!is_scenario_text("apiVersion: v1\nkind: ConfigMap\n"));
        assert!(!is_scenario_text("kind: ConfigMap\n---\nkind: Scenario\n"));
        assert!(!is_scenario_text(""));
    }
}

//! Findings as text (for people), JSON (for scripts) and SARIF 2.1.0 (for GitHub code
//! scanning), and whether they fail a run (`--fail-on`).
//!
//! The JSON document is a contract, versioned like the run report:
//! `{"version": 1, "findings": [{code, level, file, line, message, hint}], "summary": {findings,
//! error, warning, info}}`. SARIF lists every rule of [`RULES`] with its help, so code scanning
//! can explain a finding, and one result per finding with its `file` as a relative URI
//! (`%SRCROOT%`-based, as `github/codeql-action/upload-sarif` expects) and its line. Findings
//! carry no column yet, so `startColumn` is 1.

use std::fmt::Write as _;
use std::path::{Component, Path};
use std::str::FromStr;

use serde_json::{Value, json};

use super::finding::{Finding, Level};
use super::rules::RULES;

/// How `kubedrill lint -o` prints findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// One `LOCATION: LEVEL CODE: MESSAGE (hint: HINT)` line each, then a summary.
    #[default]
    Text,
    /// One JSON document (version 1).
    Json,
    /// A SARIF 2.1.0 log.
    Sarif,
}

/// An output format that is not `text`, `json` or `sarif`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown output format `{0}` (hint: use text, json or sarif)")]
pub struct UnknownFormat(pub String);

impl FromStr for OutputFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(OutputFormat::Text),
            "json" => Ok(OutputFormat::Json),
            "sarif" => Ok(OutputFormat::Sarif),
            other => Err(UnknownFormat(other.to_string())),
        }
    }
}

/// Whether `findings` fail a run that fails on `fail_on` and above.
pub fn should_fail(findings: &[Finding], fail_on: Level) -> bool {
    findings.iter().any(|f| f.level >= fail_on)
}

/// The findings in `format`, ending with a newline.
pub fn render(findings: &[Finding], format: OutputFormat) -> String {
    match format {
        OutputFormat::Text => text(findings),
        OutputFormat::Json => pretty(&json_report(findings)),
        OutputFormat::Sarif => pretty(&sarif(findings)),
    }
}

fn pretty(value: &Value) -> String {
    // Serialising a `Value` cannot fail: its keys are strings.
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}

fn count(findings: &[Finding], level: Level) -> usize {
    findings.iter().filter(|f| f.level == level).count()
}

fn text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let _ = writeln!(out, "{finding}");
    }
    let info = count(findings, Level::Info);
    let _ = writeln!(
        out,
        "{} finding(s): {} warning(s) or error(s), {info} info",
        findings.len(),
        findings.len() - info
    );
    out
}

fn json_report(findings: &[Finding]) -> Value {
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code,
                "level": f.level.as_str(),
                "file": f.file.display().to_string(),
                "line": f.line,
                "message": f.message,
                "hint": f.hint,
            })
        })
        .collect();
    json!({
        "version": 1,
        "findings": items,
        "summary": {
            "findings": findings.len(),
            "error": count(findings, Level::Error),
            "warning": count(findings, Level::Warning),
            "info": count(findings, Level::Info),
        },
    })
}

/// SARIF's name for a level (`note` is its informational level).
fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
    }
}

fn sarif(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": format!("{} {}", rule.summary, rule.help)},
                "help": {
                    "text": rule.help,
                    "markdown": format!("**{}** ({}): {}\n\n{}", rule.code, rule.name, rule.summary, rule.help),
                },
                "defaultConfiguration": {"level": sarif_level(rule.level)},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.code,
                "level": sarif_level(f.level),
                "message": {"text": format!("{} (hint: {})", f.message, f.hint)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&f.file),
                        "region": {"startLine": f.line.max(1), "startColumn": 1},
                    },
                }],
            });
            if let Some(index) = RULES.iter().position(|r| r.code == f.code) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "kubedrill",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "results": results,
        }],
    })
}

/// A relative path as a URI reference against `%SRCROOT%` (the directory lint ran in, the
/// repository root in CI); an absolute path as a `file://` URI.
fn artifact_location(file: &Path) -> Value {
    let mut segments = Vec::new();
    for component in file.components() {
        match component {
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => segments.push("..".to_string()),
            Component::Normal(part) => segments.push(percent_encode(&part.to_string_lossy())),
        }
    }
    let path = segments.join("/");
    if file.is_absolute() {
        json!({"uri": format!("file:///{path}")})
    } else {
        json!({"uri": path, "uriBaseId": "%SRCROOT%"})
    }
}

/// RFC 3986 percent-encoding of a path segment (unreserved characters stay).
fn percent_encode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn finding(file: &str, line: u64, level: Level) -> Finding {
        Finding {
            code: "KD002",
            level,
            location: format!("{file}:{line}"),
            file: PathBuf::from(file),
            line,
            message: "m".into(),
            hint: "h".into(),
        }
    }

    #[test]
    fn fail_on_counts_findings_at_or_above_the_level() {
        let findings = [finding("a.yaml", 1, Level::Warning)];
        assert!(should_fail(&findings, Level::Info));
        assert!(should_fail(&findings, Level::Warning));
        assert!(!should_fail(&findings, Level::Error));
        assert!(!should_fail(&[], Level::Info));
    }

    #[test]
    fn sarif_uris_are_relative_to_the_source_root_and_encoded() {
        assert_eq!(
            artifact_location(Path::new("./deploy/my app.yaml")),
            json!({"uri": "deploy/my%20app.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location(Path::new("/srv/x.yaml")),
            json!({"uri": "file:///srv/x.yaml"})
        );
    }

    #[test]
    fn sarif_maps_info_to_note_and_points_at_the_rule() {
        let log = sarif(&[finding("a.yaml", 3, Level::Info)]);
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["level"], "note");
        assert_eq!(result["ruleIndex"], 1);
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"][1]["id"],
            result["ruleId"]
        );
    }
}

//! Object sources: the manifest files and inline objects a scenario names (`spec.objects[]`,
//! `apply:`, `spec.workload.file`), read and validated as the API server would.
//!
//! It owns resolving a scenario path against the scenario's directory, reading a manifest
//! file with its errors located at the naming node, and padding inline objects so manifest
//! errors point into the scenario. It must not decide which objects exist at a step
//! (`object_state`) nor what the workload is (`workload`).

use std::path::{Path, PathBuf};

use crate::api::generate::{
    ConfigMapGenerator, GenerateContext, Generator, SecretGenerator, generate_with, process_env,
};
use crate::api::manifest::{self, LoadErrorKind, Manifest, Origin, Workload};

use super::de::from_node;
use super::decode::{Cx, Result};
use super::errors::{ScenarioError, ScenarioErrorKind};
use super::fields::OBJECT_FIELDS;
use super::format::ObjectRef;
use crate::yaml::Node;

/// A path from the scenario, resolved against its directory.
pub(super) fn resolve(dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

/// Reads a manifest file named at `node`; a missing file is reported at `node`.
pub(super) fn load_manifest_file(
    cx: &Cx<'_>,
    dir: &Path,
    node: &Node,
    path: &Path,
) -> Result<Vec<Manifest>> {
    manifest::load_file(path).map_err(|err| match err.kind() {
        LoadErrorKind::Io(io) => {
            let message = format!("cannot read {}: {io}", path.display());
            let hint = if io.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "paths are relative to the scenario file's directory ({})",
                    if dir.as_os_str().is_empty() {
                        ".".to_string()
                    } else {
                        dir.display().to_string()
                    }
                )
            } else {
                "check the file's permissions".to_string()
            };
            cx.error(node, ScenarioErrorKind::Manifest(err), message, hint)
        }
        _ => ScenarioError::manifest(err, (cx.file, node.line, node.column)),
    })
}

/// The keys of an object source, of which an entry names exactly one.
const SOURCE_KINDS: [&str; 4] = ["file", "inline", "configMap", "secret"];

/// `{file: …}`, `{inline: …}`, `{configMap: …}` or `{secret: …}` (in `spec.objects` and
/// `apply`): ConfigMaps and Secrets. `path` names the entry in messages (`spec.objects[0]`).
pub(crate) fn object_ref(
    cx: &Cx<'_>,
    text: &str,
    dir: &Path,
    node: &Node,
    path: &str,
    workload_file: &Path,
) -> Result<ObjectRef> {
    cx.fields(node, *OBJECT_FIELDS, "an object source")?;
    let given: Vec<(&Node, &Node)> = SOURCE_KINDS
        .iter()
        .filter_map(|field| node.entry(field))
        .collect();
    if let [(first, _), (second, _), ..] = given.as_slice() {
        return Err(cx.structure(
            second,
            format!(
                "both `{}` and `{}` in one object source",
                first.scalar().unwrap_or_default(),
                second.scalar().unwrap_or_default()
            ),
            "use one per list item".to_string(),
        ));
    }
    if let Some((key, value)) = given.first()
        && matches!(key.scalar(), Some("configMap" | "secret"))
    {
        return generated(cx, dir, key, value, path);
    }
    let object = match (node.entry("file"), node.entry("inline")) {
        (Some((_, file_node)), None) => {
            let path = resolve(dir, &cx.string(file_node, "file")?);
            let all = load_manifest_file(cx, dir, file_node, &path)?;
            // An all-in-one file may hold the workload too: it is read as the workload there.
            let same_as_workload = path == workload_file;
            let mut manifests = Vec::new();
            let mut skipped = 0;
            for manifest in all {
                match manifest {
                    Manifest::Workload(_) if same_as_workload => skipped += 1,
                    Manifest::Workload(workload) => {
                        return Err(not_an_object(cx, file_node, &workload));
                    }
                    other => manifests.push(other),
                }
            }
            if manifests.is_empty() {
                return Err(cx.invalid(
                    file_node,
                    format!("{} holds no ConfigMap or Secret", path.display()),
                    if skipped > 0 {
                        "objects are ConfigMaps and Secrets; this file holds only the workload"
                    } else {
                        "objects are ConfigMaps and Secrets"
                    }
                    .to_string(),
                ));
            }
            ObjectRef::File { path, manifests }
        }
        (None, Some((_, inline))) => {
            cx.mapping(inline, "inline")?;
            let mut manifests =
                manifest::load_str(&inline_text(text, inline), cx.file).map_err(|err| {
                    ScenarioError::manifest(err, (cx.file, inline.line, inline.column))
                })?;
            match manifests.pop() {
                Some(Manifest::Workload(workload)) => {
                    return Err(not_an_object(cx, inline, &workload));
                }
                Some(object) => ObjectRef::Inline(Box::new(object)),
                None => {
                    return Err(cx.invalid(
                        inline,
                        "inline holds no object",
                        "write a ConfigMap or Secret: {apiVersion: v1, kind: ConfigMap, \
                         metadata: {name: …}, data: {…}}"
                            .to_string(),
                    ));
                }
            }
        }
        _ => {
            return Err(cx.structure(
                node,
                "an object source needs `file`, `inline`, `configMap` or `secret`",
                "write `- file: manifests/configmap.yaml`, `- inline: {apiVersion: v1, kind: \
                 ConfigMap, …}` or `- configMap: {name: app-config, fromFile: [app.conf]}`"
                    .to_string(),
            ));
        }
    };
    Ok(object)
}

/// `configMap: {…}` / `secret: {…}`: the object `kubectl create configmap|secret` would make,
/// made now (at load) from files under the scenario's directory, and then used like an
/// `inline:` object (so a Secret's values are redacted like any Secret's).
fn generated(cx: &Cx<'_>, dir: &Path, key: &Node, value: &Node, path: &str) -> Result<ObjectRef> {
    let field = key.scalar().unwrap_or_default();
    let field_path = format!("{path}.{field}");
    let generator = if field == "secret" {
        Generator::Secret(from_node::<SecretGenerator>(*cx, value, &field_path)?)
    } else {
        Generator::ConfigMap(from_node::<ConfigMapGenerator>(*cx, value, &field_path)?)
    };
    // An empty directory is the current one; canonicalizing "" fails.
    let base_dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let ctx = GenerateContext {
        base_dir,
        origin: Origin {
            file: cx.file.to_path_buf(),
            line: value.line,
        },
        env: &process_env,
    };
    let manifest = generate_with(&generator, &ctx).map_err(|err| {
        // At the field the generator names (`fromFile[1]`) when it is written, else the entry.
        let at = node_at(value, &err.field).unwrap_or(value);
        let field = if err.field.is_empty() {
            field_path.clone()
        } else {
            format!("{field_path}.{}", err.field)
        };
        cx.invalid(
            at,
            format!("{field}: {}", err.kind),
            err.kind.hint().to_string(),
        )
    })?;
    Ok(ObjectRef::Inline(Box::new(manifest)))
}

/// The node a generator's field path (`fromFile[1]`, `tls.cert`) names under `node`, if written.
fn node_at<'n>(node: &'n Node, field: &str) -> Option<&'n Node> {
    let mut at = node;
    for part in field.split('.').filter(|part| !part.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        at = at.get(name)?;
        if let Some(index) = index {
            at = at.sequence()?.get(index)?;
        }
    }
    Some(at)
}

fn not_an_object(cx: &Cx<'_>, node: &Node, workload: &Workload) -> ScenarioError {
    cx.invalid(
        node,
        format!(
            "{} {:?} ({}) is not a ConfigMap or Secret",
            workload.kind, workload.name, workload.origin
        ),
        "objects are ConfigMaps and Secrets; the workload goes under spec.workload.file"
            .to_string(),
    )
}

/// The text of an inline object, padded so that lines and columns are the scenario file's:
/// the manifest loader's errors then point into the scenario.
fn inline_text(text: &str, node: &Node) -> String {
    let body = text.get(node.start..node.end).unwrap_or_default();
    let mut out = String::with_capacity(body.len() + node.line as usize + node.column as usize);
    out.extend(std::iter::repeat_n(
        '\n',
        node.line.saturating_sub(1) as usize,
    ));
    out.extend(std::iter::repeat_n(
        ' ',
        node.column.saturating_sub(1) as usize,
    ));
    out.push_str(body);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    #[test]
    fn inline_text_keeps_lines_and_columns() {
        let text = "a:\n  - inline: {k: v}\n";
        let docs = yaml::parse(text).expect("yaml");
        let inline = docs[0]
            .get("a")
            .and_then(Node::sequence)
            .and_then(|items| items[0].get("inline"))
            .expect("inline");
        assert_eq!(inline_text(text, inline), "\n            {k: v}\n");
    }
}

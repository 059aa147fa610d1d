//! Loading a scenario file: parse, check every field strictly, load the manifests it names,
//! and check every reference (containers, steps, objects).
//!
//! Every problem is a [`ScenarioError`] at the offending node (file, line, column) with a hint.
//! The loader reads the scenario and the manifest files it references, nothing else; it never
//! runs anything.

//!
//! This module reads the file level (the document, `apiVersion`/`kind`, `metadata`, `spec`,
//! `timing`) and hands the parts to `sources`, `workload` and `steps`. It must not decide what
//! a step or an assert means (`steps`, `assert`, `observation`).

use std::path::Path;
use std::str::FromStr;

use crate::api::manifest;
use crate::api::text::TextError;
use crate::kubelet::KubeVersion;

use super::de::from_node;
use super::decode::{Cx, Result, describe_value, quote_list};
use super::errors::{ScenarioError, ScenarioErrorKind, closest};
use super::fields::{SPEC_FIELDS, TIMING_FIELDS, TOP_FIELDS};
use super::format::{API_VERSION, Detection, Expect, KIND, Scenario, ScenarioSpec, Step, Timing};
use super::metadata::{Metadata, NonEmpty, metadata};
use super::object_state::ObjectState;
use super::sources::object_ref;
use super::steps;
use super::workload::{workload, workload_file};
use crate::yaml::{self, Node};

const SYNTAX_HINT: &str = "check the indentation (spaces, never tabs) and the quoting";
const HEADER_HINT: &str =
    "a scenario file starts with `apiVersion: kubedrill.dev/v1alpha1` and `kind: Scenario`";

/// Reads and validates one scenario file.
///
/// Relative paths inside it (manifests, `workingDir`) are resolved against the file's
/// directory; the manifests are loaded and validated as the API server would.
pub fn load(path: &Path) -> std::result::Result<Scenario, ScenarioError> {
    let text = crate::api::text::read_text(path).map_err(|err| match err {
        TextError::Io(err) => {
            let message = format!("cannot read the scenario file: {err}");
            ScenarioError::new(path, None, ScenarioErrorKind::Io(err), message, None)
        }
        TextError::InvalidUtf8 { byte, line, column } => ScenarioError::new(
            path,
            Some((line, column)),
            ScenarioErrorKind::Syntax,
            format!("invalid UTF-8: byte 0x{byte:02x} is not part of a UTF-8 character"),
            Some("save the file as UTF-8".to_string()),
        ),
    })?;
    load_str(&text, path)
}

/// Validates the scenario text `text`, as if read from `file` (which names the scenario in
/// errors and is the base of its relative paths; the manifests it references are read).
pub fn load_str(text: &str, file: &Path) -> std::result::Result<Scenario, ScenarioError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cx = Cx::new(file);
    let root = document(text, file)?;

    header(&cx, &root)?;
    cx.fields(&root, TOP_FIELDS, "the scenario")?;
    let Metadata {
        name,
        description,
        labels,
    } = match root.get("metadata") {
        Some(meta) => metadata(&cx, meta)?,
        None => Metadata::default(),
    };
    let name = match name {
        Some(NonEmpty(name)) => name,
        None => file
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".to_string()),
    };
    let Some(spec_node) = root.get("spec") else {
        return Err(cx.missing(
            &root,
            "spec",
            "the scenario",
            "add `spec:` with `workload:` and `steps:`",
        ));
    };
    let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    let spec = spec(&cx, text, &dir, spec_node)?;
    Ok(Scenario {
        name,
        description,
        labels,
        file: file.to_path_buf(),
        spec,
    })
}

/// The scenario document: the file must hold exactly one non-empty document.
fn document(text: &str, file: &Path) -> Result<Node> {
    // Two non-null documents are enough to refuse the file.
    let documents = yaml::parse_documents(text, 2).map_err(|err| {
        ScenarioError::new(
            file,
            Some((err.line, err.column)),
            ScenarioErrorKind::Syntax,
            err.message,
            Some(SYNTAX_HINT.to_string()),
        )
    })?;
    let mut documents = documents.into_iter().filter(|doc| !doc.is_null());
    let Some(root) = documents.next() else {
        return Err(ScenarioError::new(
            file,
            Some((1, 1)),
            ScenarioErrorKind::MissingField {
                field: "kind".into(),
            },
            "the file is empty",
            Some(HEADER_HINT.to_string()),
        ));
    };
    if let Some(extra) = documents.next() {
        return Err(ScenarioError::new(
            file,
            Some((extra.line, extra.column)),
            ScenarioErrorKind::Structure,
            "a second document in a scenario file",
            Some("a scenario file holds one scenario: put each in its own file".to_string()),
        ));
    }
    Ok(root)
}

/// `apiVersion` and `kind`, checked before anything else: a manifest passed by mistake is
/// reported as such, not as a list of unknown fields.
fn header(cx: &Cx<'_>, root: &Node) -> Result<()> {
    cx.mapping(root, "a scenario")?;
    match root.entry("kind") {
        None => return Err(cx.missing(root, "kind", "the scenario", HEADER_HINT)),
        Some((_, value)) if value.scalar() != Some(KIND) => {
            let found = describe_value(value);
            let hint = if value
                .scalar()
                .is_some_and(|kind| kind.eq_ignore_ascii_case(KIND))
            {
                "kinds are case-sensitive: write `kind: Scenario`".to_string()
            } else {
                format!(
                    "this is not a scenario file; {}",
                    HEADER_HINT.trim_start_matches("a scenario file ")
                )
            };
            return Err(cx.invalid(
                value,
                format!("kind must be `Scenario`, found {found}"),
                hint,
            ));
        }
        Some(_) => {}
    }
    match root.entry("apiVersion") {
        None => Err(cx.missing(
            root,
            "apiVersion",
            "the scenario",
            &format!("add `apiVersion: {API_VERSION}`"),
        )),
        Some((_, value)) if value.scalar() != Some(API_VERSION) => Err(cx.invalid(
            value,
            format!("unsupported apiVersion {}", describe_value(value)),
            format!("this kubedrill reads `apiVersion: {API_VERSION}`"),
        )),
        Some(_) => Ok(()),
    }
}

fn spec(cx: &Cx<'_>, text: &str, dir: &Path, node: &Node) -> Result<ScenarioSpec> {
    cx.fields(node, *SPEC_FIELDS, "spec")?;
    let timing = node
        .get("timing")
        .map(|n| timing(cx, n))
        .transpose()?
        .unwrap_or_default();
    let kube_version = node
        .get("kubernetesVersion")
        .map(|n| kube_version(cx, n))
        .transpose()?;
    let Some((workload_key, workload_node)) = node.entry("workload") else {
        return Err(cx.missing(
            node,
            "workload",
            "spec",
            "add `workload: {file: manifests/deployment.yaml, run: {app: {command: [...]}}}`",
        ));
    };
    // The workload's file is needed first: objects may come from the same (all-in-one) file.
    let workload_file = workload_file(cx, dir, workload_node)?;
    let objects = match node.get("objects") {
        Some(list) => cx
            .sequence(list, "spec.objects")?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                object_ref(
                    cx,
                    text,
                    dir,
                    item,
                    &format!("spec.objects[{i}]"),
                    &workload_file,
                )
            })
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let workload = workload(cx, dir, workload_key, workload_node, workload_file)?;
    // Loading used the current API server's rules; env names depend on the version.
    if let Some(version) = kube_version {
        manifest::check_workload(&workload.workload, version, None).map_err(|err| {
            let at = workload_node.get("file").unwrap_or(workload_node);
            ScenarioError::manifest(err, (cx.file, at.line, at.column))
        })?;
    }
    let Some(steps_node) = node.get("steps") else {
        return Err(cx.missing(
            node,
            "steps",
            "spec",
            "add `steps:` with at least one `- assert: {…}`",
        ));
    };
    let mut state = ObjectState::new(&workload.workload.namespace);
    for object in &objects {
        state.define_all(object.manifests());
    }
    let steps = steps::steps(
        &steps::StepCx {
            cx: *cx,
            text,
            dir,
            workload: &workload,
        },
        steps_node,
        state,
    )?;
    let expect = node
        .get("expect")
        .map(|n| expect(cx, n, &steps))
        .transpose()?;
    Ok(ScenarioSpec {
        expect,
        timing,
        kube_version,
        objects,
        workload,
        steps,
    })
}

/// `spec.expect`, whose `fail:` must name a step.
fn expect(cx: &Cx<'_>, node: &Node, steps: &[Step]) -> Result<Expect> {
    let expect: Expect = from_node(*cx, node, "expect")?;
    let names: Vec<&str> = steps.iter().filter_map(|s| s.name.as_deref()).collect();
    if !names.contains(&expect.fail.as_str()) {
        let at = node.get("fail").unwrap_or(node);
        let hint = match closest(&expect.fail, &names) {
            Some(close) => format!("did you mean `{close}`?"),
            None if names.is_empty() => {
                "give the step that should fail a `name:` and name it here".to_string()
            }
            None => format!("the named steps are {}", quote_list(&names)),
        };
        return Err(cx.reference(
            at,
            format!("expect.fail: no step named `{}`", expect.fail),
            hint,
        ));
    }
    Ok(expect)
}

fn timing(cx: &Cx<'_>, node: &Node) -> Result<Timing> {
    if node.scalar().is_some() && !node.is_null() {
        return cx.one_of(
            node,
            "timing profile",
            &[("fast", Timing::Fast), ("kubelet", Timing::Kubelet)],
        );
    }
    if node.mapping().is_none() {
        return Err(cx.invalid(
            node,
            format!(
                "timing must be a profile or a mapping, found {}",
                node.describe()
            ),
            format!(
                "write `timing: fast`, `timing: kubelet` or `timing: {{{}}}`",
                TIMING_FIELDS
                    .iter()
                    .map(|f| format!("{f}: …"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    cx.fields(node, *TIMING_FIELDS, "timing")?;
    let sync_period = match node.get("syncPeriod") {
        Some(n) => {
            let period = cx.duration(n, "syncPeriod")?;
            if period.is_zero() {
                return Err(cx.invalid(n, "syncPeriod must be positive", None::<String>));
            }
            period
        }
        None => Timing::KUBELET_SYNC_PERIOD,
    };
    let jitter = match node.get("jitter") {
        Some(n) => {
            let value = n
                .scalar()
                .filter(|_| n.is_plain())
                .and_then(|text| text.parse::<f64>().ok())
                .filter(|j| j.is_finite() && *j >= 0.0);
            value.ok_or_else(|| {
                cx.invalid(
                    n,
                    format!("jitter must be a number ≥ 0, found {}", describe_value(n)),
                    "kubelet's is 0.5: each sync waits syncPeriod × (1 + random[0, jitter))"
                        .to_string(),
                )
            })?
        }
        None => Timing::KUBELET_JITTER,
    };
    let detection = match node.get("detection") {
        Some(n) => cx.one_of(
            n,
            "detection",
            &[
                ("watch", Detection::Watch),
                ("cache", Detection::Cache),
                ("get", Detection::Get),
            ],
        )?,
        None => Detection::Watch,
    };
    let cache_ttl = match node.entry("cacheTTL") {
        Some((key, n)) => {
            if detection != Detection::Cache {
                return Err(cx.structure(
                    key,
                    format!(
                        "cacheTTL applies to `detection: cache`, not `{}`",
                        detection.as_str()
                    ),
                    "add `detection: cache` or remove cacheTTL".to_string(),
                ));
            }
            cx.duration(n, "cacheTTL")?
        }
        None => Timing::KUBELET_CACHE_TTL,
    };
    let seed = node
        .get("seed")
        .map(|n| cx.integer(n, "seed", u64::MAX))
        .transpose()?;
    Ok(Timing::Custom {
        sync_period,
        jitter,
        detection,
        cache_ttl,
        seed,
    })
}

fn kube_version(cx: &Cx<'_>, node: &Node) -> Result<KubeVersion> {
    let text = cx.string(node, "kubernetesVersion")?;
    KubeVersion::from_str(&text).map_err(|_| {
        cx.invalid(
            node,
            format!("invalid kubernetesVersion {text:?}"),
            "write a Kubernetes minor version such as \"1.29\" or \"v1.34\"".to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::discover::is_scenario_text;
    use std::path::PathBuf;

    fn full_fixture() -> (PathBuf, String) {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios/valid/full.yaml");
        let text = std::fs::read_to_string(&path).expect("fixture");
        (path, text)
    }

    #[test]
    fn any_truncation_or_dropped_line_is_an_error_not_a_panic() {
        let (path, text) = full_fixture();
        assert!(load_str(&text, &path).is_ok());
        for (end, _) in text.char_indices().step_by(7) {
            let _ = load_str(&text[..end], &path);
        }
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let mut kept = lines.clone();
            kept.remove(skip);
            let _ = load_str(&kept.join("\n"), &path);
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_yaml_like_text_never_panics(text in "[a-z:{}\\[\\], \n&*!|>'\"#-]{0,200}") {
            let _ = load_str(&text, Path::new("p.yaml"));
            let _ = is_scenario_text(&text);
        }
    }
}

//! Loading a scenario file: parse, check every field strictly, load the manifests it names,
//! and check every reference (containers, steps, objects). Also finding scenario files in
//! directories.
//!
//! Every problem is a [`ScenarioError`] at the offending node (file, line, column) with a hint.
//! The loader reads the scenario and the manifest files it references, nothing else; it never
//! runs anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::api::manifest::{self, LoadErrorKind, Manifest, Workload};
use crate::api::text::TextError;
use crate::kubelet::KubeVersion;

use super::decode::{Cx, Result, describe_value, quote_list};
use super::errors::{ScenarioError, ScenarioErrorKind, closest};
use super::format::{
    API_VERSION, Detection, KIND, ObjectRef, RunSpec, Scenario, ScenarioSpec, Timing, WorkloadSpec,
};
use super::steps::{self, ObjectState};
use crate::yaml::{self, Node};

/// The fields of a scenario file's top level.
pub(crate) const TOP_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
/// The fields of `metadata`.
pub(crate) const METADATA_FIELDS: &[&str] = &["name", "description", "labels"];
/// The fields of `spec`.
pub(crate) const SPEC_FIELDS: &[&str] = &[
    "timing",
    "kubernetesVersion",
    "objects",
    "workload",
    "steps",
];
/// The fields of a custom `timing`.
pub(crate) const TIMING_FIELDS: &[&str] =
    &["syncPeriod", "jitter", "detection", "cacheTTL", "seed"];
/// The timing profiles.
pub(crate) const TIMING_PROFILES: &[&str] = &["fast", "kubelet"];
/// The detection strategies.
pub(crate) const DETECTIONS: &[&str] = &["watch", "cache", "get"];
/// The fields of an object source (`spec.objects[]`, `apply`).
pub(crate) const OBJECT_FIELDS: &[&str] = &["file", "inline"];
/// The fields of `spec.workload`.
pub(crate) const WORKLOAD_FIELDS: &[&str] = &["file", "run"];
/// The fields of `spec.workload.run.<container>`.
pub(crate) const RUN_FIELDS: &[&str] = &["command", "args", "workingDir", "env", "image"];

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
    let (name, description, labels) = match root.get("metadata") {
        Some(meta) => metadata(&cx, meta)?,
        None => (None, None, BTreeMap::new()),
    };
    let name = match name {
        Some(name) => name,
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

type Metadata = (Option<String>, Option<String>, BTreeMap<String, String>);

fn metadata(cx: &Cx<'_>, node: &Node) -> Result<Metadata> {
    cx.fields(node, METADATA_FIELDS, "metadata")?;
    let name = node
        .get("name")
        .map(|n| cx.string(n, "metadata.name"))
        .transpose()?;
    let description = node
        .get("description")
        .map(|n| cx.text(n, "metadata.description"))
        .transpose()?;
    let labels = node
        .get("labels")
        .map(|n| cx.string_map(n, "metadata.labels"))
        .transpose()?
        .unwrap_or_default();
    Ok((name, description, labels))
}

fn spec(cx: &Cx<'_>, text: &str, dir: &Path, node: &Node) -> Result<ScenarioSpec> {
    cx.fields(node, SPEC_FIELDS, "spec")?;
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
            .map(|item| object_ref(cx, text, dir, item, &workload_file))
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
    Ok(ScenarioSpec {
        timing,
        kube_version,
        objects,
        workload,
        steps,
    })
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
    cx.fields(node, TIMING_FIELDS, "timing")?;
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

/// A path from the scenario, resolved against its directory.
fn resolve(dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

/// Reads a manifest file named at `node`; a missing file is reported at `node`.
fn load_manifest_file(cx: &Cx<'_>, dir: &Path, node: &Node, path: &Path) -> Result<Vec<Manifest>> {
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

/// `{file: …}` or `{inline: …}` (in `spec.objects` and `apply`): ConfigMaps and Secrets.
pub(crate) fn object_ref(
    cx: &Cx<'_>,
    text: &str,
    dir: &Path,
    node: &Node,
    workload_file: &Path,
) -> Result<ObjectRef> {
    cx.fields(node, OBJECT_FIELDS, "an object source")?;
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
        (Some(_), Some((key, _))) => {
            return Err(cx.structure(
                key,
                "both `file` and `inline` in one object source",
                "use one per list item".to_string(),
            ));
        }
        (None, None) => {
            return Err(cx.structure(
                node,
                "an object source needs `file` or `inline`",
                "write `- file: manifests/configmap.yaml` or `- inline: {apiVersion: v1, kind: \
                 ConfigMap, …}`"
                    .to_string(),
            ));
        }
    };
    Ok(object)
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

fn workload_file(cx: &Cx<'_>, dir: &Path, node: &Node) -> Result<PathBuf> {
    cx.fields(node, WORKLOAD_FIELDS, "workload")?;
    let Some(file) = node.get("file") else {
        return Err(cx.missing(
            node,
            "file",
            "workload",
            "name the manifest with the Pod or Deployment: `file: manifests/deployment.yaml`",
        ));
    };
    Ok(resolve(dir, &cx.string(file, "workload.file")?))
}

/// `spec.workload` (`key` is the `workload:` key, where a missing run command is reported).
fn workload(
    cx: &Cx<'_>,
    dir: &Path,
    key: &Node,
    node: &Node,
    path: PathBuf,
) -> Result<WorkloadSpec> {
    let Some(file_node) = node.get("file") else {
        return Err(cx.missing(node, "file", "workload", "add `file:`"));
    };
    let manifests = load_manifest_file(cx, dir, file_node, &path)?;
    // What the file holds instead, should it hold no workload.
    let found: Vec<String> = manifests
        .iter()
        .map(|m| format!("{} {} ({})", m.kind(), m.name(), m.origin()))
        .collect();
    let workloads: Vec<Workload> = manifests
        .into_iter()
        .filter_map(|m| match m {
            Manifest::Workload(workload) => Some(workload),
            _ => None,
        })
        .collect();
    let workload =
        match <[Workload; 1]>::try_from(workloads) {
            Ok([workload]) => workload,
            Err(workloads) if workloads.is_empty() => {
                let found = if found.is_empty() {
                    "nothing".to_string()
                } else {
                    found.join(", ")
                };
                return Err(cx.invalid(
                file_node,
                format!("{} holds no Pod or workload (found: {found})", path.display()),
                "the workload is a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or \
                 CronJob"
                    .to_string(),
            ));
            }
            Err(workloads) => {
                let names: Vec<String> = workloads
                    .iter()
                    .map(|w| format!("{} {:?} ({})", w.kind, w.name, w.origin))
                    .collect();
                return Err(cx.invalid(
                    file_node,
                    format!(
                        "{} holds {} workloads: {}",
                        path.display(),
                        workloads.len(),
                        names.join(", ")
                    ),
                    "a scenario runs one pod: put the other workloads in their own files"
                        .to_string(),
                ));
            }
        };

    let containers: Vec<&str> = workload
        .spec
        .containers
        .iter()
        .chain(workload.spec.init_containers.iter().flatten())
        .map(|c| c.name.as_str())
        .collect();
    let mut run = std::collections::BTreeMap::new();
    if let Some(run_node) = node.get("run") {
        for (key, value) in cx.mapping(run_node, "run")? {
            let name = key.scalar().unwrap_or_default();
            if !containers.contains(&name) {
                let hint = match closest(name, &containers) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the pod's containers are {}", quote_list(&containers)),
                };
                return Err(cx.reference(
                    key,
                    format!(
                        "run: no container `{name}` in {} {:?}",
                        workload.kind, workload.name
                    ),
                    hint,
                ));
            }
            run.insert(name.to_string(), run_spec(cx, dir, value, name)?);
        }
    }
    let all: Vec<_> = workload
        .spec
        .containers
        .iter()
        .chain(workload.spec.init_containers.iter().flatten())
        .collect();
    for container in all {
        if run.contains_key(&container.name) {
            continue;
        }
        let at = node.entry("run").map(|(run_key, _)| run_key).unwrap_or(key);
        let example = match &container.command {
            Some(command) if !command.is_empty() => format!(
                "[{}]",
                command
                    .iter()
                    .chain(container.args.iter().flatten())
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "[python3, app.py]".to_string(),
        };
        return Err(cx.structure(
            at,
            format!("container `{}` has no run command", container.name),
            format!(
                "the local backends run every container as a process: add `run: {{{}: \
                 {{command: {example}}}}}` under spec.workload",
                container.name
            ),
        ));
    }
    Ok(WorkloadSpec {
        file: path,
        workload,
        run,
    })
}

fn run_spec(cx: &Cx<'_>, dir: &Path, node: &Node, container: &str) -> Result<RunSpec> {
    let context = format!("run.{container}");
    cx.fields(node, RUN_FIELDS, &context)?;
    let Some(command_node) = node.get("command") else {
        return Err(cx.missing(
            node,
            "command",
            &context,
            "add `command: [program, arg…]`: the local backends run the container as a process",
        ));
    };
    let command = cx.string_list(command_node, "command")?;
    if command.first().is_none_or(String::is_empty) {
        return Err(cx.invalid(
            command_node,
            "command must name a program",
            "write `command: [python3, app.py]`".to_string(),
        ));
    }
    let args = node
        .get("args")
        .map(|n| cx.string_list(n, "args"))
        .transpose()?
        .unwrap_or_default();
    let working_dir = node
        .get("workingDir")
        .map(|n| cx.string(n, "workingDir").map(|p| resolve(dir, &p)))
        .transpose()?;
    let env = match node.get("env") {
        Some(n) => {
            let env = cx.string_map(n, "env")?;
            if let Some((key, _)) = cx
                .mapping(n, "env")?
                .iter()
                .find(|(k, _)| k.scalar().is_some_and(|k| k.contains('=')))
            {
                return Err(cx.invalid(
                    key,
                    "an environment variable name cannot contain `=`",
                    None::<String>,
                ));
            }
            env
        }
        None => Default::default(),
    };
    let image = node
        .get("image")
        .map(|n| cx.string(n, "image"))
        .transpose()?;
    Ok(RunSpec {
        command,
        args,
        working_dir,
        env,
        image,
    })
}

// ---------------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------------

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

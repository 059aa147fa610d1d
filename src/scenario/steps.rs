//! Decoding `spec.steps`: one operation per step, one observation per assert, and every name a
//! step uses checked against what exists at that point (containers, earlier steps, objects as
//! the earlier steps leave them).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;

use crate::api::manifest::Manifest;
use crate::api::validation;

use super::decode::{Cx, Result, describe_value, quote_list};
use super::errors::{ScenarioErrorKind, closest};
use super::format::{
    AssertTiming, Assertion, ContainerMatch, ContainerStateKind, HTTP_METHODS, HttpRequest,
    ObjectKind, Observation, Operation, Pattern, PodMatch, PodPhase, Predicates, SIGNALS, Step,
    Update, WorkloadSpec,
};
use super::load::object_ref;
use crate::yaml::Node;

/// The operations a step can have (exactly one).
pub(crate) const OPERATIONS: &[&str] = &[
    "apply", "update", "delete", "restart", "recreate", "touch", "signal", "sleep", "assert",
];
/// The fields of a step: `name` and the operations.
pub(crate) const STEP_FIELDS: &[&str] = &[
    "name", "apply", "update", "delete", "restart", "recreate", "touch", "signal", "sleep",
    "assert",
];
/// The fields of `update`.
pub(crate) const UPDATE_FIELDS: &[&str] =
    &["configMap", "secret", "data", "binaryData", "stringData"];
/// The fields of `delete`.
pub(crate) const DELETE_FIELDS: &[&str] = &["configMap", "secret"];
/// The fields of `signal`.
pub(crate) const SIGNAL_FIELDS: &[&str] = &["container", "signal"];
/// The observations an assert can have (exactly one).
pub(crate) const OBSERVATIONS: &[&str] = &[
    "file",
    "dir",
    "env",
    "log",
    "http",
    "tls",
    "container",
    "pod",
    "event",
];
/// The predicates of an assert.
pub(crate) const PREDICATES: &[&str] = &[
    "equals",
    "notEquals",
    "contains",
    "notContains",
    "matches",
    "exists",
    "mode",
    "count",
    "linkTarget",
    "status",
    "cn",
    "sha256",
];
/// The timing fields of an assert.
#[cfg(test)]
pub(crate) const ASSERT_TIMING_FIELDS: &[&str] = &["within", "throughout", "after"];
/// Every field of an assert: observations, `since`, predicates, timing.
pub(crate) const ASSERT_FIELDS: &[&str] = &[
    "file",
    "dir",
    "env",
    "log",
    "http",
    "tls",
    "container",
    "pod",
    "event",
    "since",
    "equals",
    "notEquals",
    "contains",
    "notContains",
    "matches",
    "exists",
    "mode",
    "count",
    "linkTarget",
    "status",
    "cn",
    "sha256",
    "within",
    "throughout",
    "after",
];
/// The fields of `http: {…}`.
pub(crate) const HTTP_FIELDS: &[&str] = &["port", "path", "method", "headers", "body"];
/// The fields of `tls: {…}`.
pub(crate) const TLS_FIELDS: &[&str] = &["port"];
/// The fields of `container: {…}` (observation).
pub(crate) const CONTAINER_FIELDS: &[&str] = &["name", "state", "reason", "restarts"];
/// The fields of `pod: {…}`.
pub(crate) const POD_FIELDS: &[&str] = &["phase"];
/// The fields of `event: {…}`.
pub(crate) const EVENT_FIELDS: &[&str] = &["reason"];
/// The values of `container.state`.
pub(crate) const STATES: &[&str] = &["running", "waiting", "terminated"];
/// The values of `pod.phase`.
pub(crate) const PHASES: &[&str] = &["Pending", "Running", "Succeeded", "Failed", "Unknown"];

const TEXT_PREDICATES: &[&str] = &[
    "equals",
    "notEquals",
    "contains",
    "notContains",
    "matches",
    "count",
];

/// The predicates (and `container:`) each observation takes.
fn applicable(observation: &str) -> (&'static [&'static str], bool) {
    match observation {
        "file" => (
            &[
                "equals",
                "notEquals",
                "contains",
                "notContains",
                "matches",
                "count",
                "exists",
                "mode",
                "linkTarget",
            ],
            true,
        ),
        "dir" => (
            &[
                "equals",
                "notEquals",
                "contains",
                "notContains",
                "matches",
                "count",
                "exists",
            ],
            true,
        ),
        "env" => (
            &[
                "equals",
                "notEquals",
                "contains",
                "notContains",
                "matches",
                "count",
                "exists",
            ],
            true,
        ),
        "http" => (
            &[
                "equals",
                "notEquals",
                "contains",
                "notContains",
                "matches",
                "count",
                "status",
            ],
            true,
        ),
        "tls" => (&["cn", "sha256"], true),
        "log" | "event" => (TEXT_PREDICATES, false),
        _ => (&[], false),
    }
}

/// What the steps need to know about the scenario.
pub(crate) struct StepCx<'a> {
    pub cx: Cx<'a>,
    pub text: &'a str,
    pub dir: &'a Path,
    pub workload: &'a WorkloadSpec,
}

/// Which ConfigMaps and Secrets exist in the workload's namespace, step by step.
pub(crate) struct ObjectState {
    namespace: String,
    /// `None`: exists; `Some(line)`: deleted by the step at that line.
    objects: BTreeMap<(ObjectKind, String), Option<u64>>,
    /// Objects defined in other namespaces (for hints).
    elsewhere: BTreeMap<(ObjectKind, String), String>,
}

impl ObjectState {
    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_string(),
            objects: BTreeMap::new(),
            elsewhere: BTreeMap::new(),
        }
    }

    /// Records objects as existing (created or replaced).
    pub fn define_all(&mut self, manifests: &[Manifest]) {
        for manifest in manifests {
            let kind = match manifest {
                Manifest::ConfigMap(..) => ObjectKind::ConfigMap,
                Manifest::Secret(..) => ObjectKind::Secret,
                Manifest::Workload(_) => continue,
            };
            let key = (kind, manifest.name().to_string());
            if manifest.namespace() == self.namespace {
                self.objects.insert(key, None);
            } else {
                self.elsewhere.insert(key, manifest.namespace().to_string());
            }
        }
    }

    /// Checks that the object exists now; the error is at `node` (the name).
    fn check(&self, cx: &Cx<'_>, node: &Node, kind: ObjectKind, name: &str) -> Result<()> {
        let key = (kind, name.to_string());
        match self.objects.get(&key) {
            Some(None) => return Ok(()),
            Some(Some(line)) => {
                return Err(cx.reference(
                    node,
                    format!("{kind} `{name}` was deleted by the step at line {line}"),
                    format!("apply it again before this step, or remove the step at line {line}"),
                ));
            }
            None => {}
        }
        let other = match kind {
            ObjectKind::ConfigMap => ObjectKind::Secret,
            ObjectKind::Secret => ObjectKind::ConfigMap,
        };
        let hint = if self.objects.get(&(other, name.to_string())) == Some(&None) {
            format!("`{name}` is a {other}: write `{}: {name}`", other.key())
        } else if let Some(namespace) = self.elsewhere.get(&key) {
            format!(
                "`{name}` is in namespace {namespace}, the workload in {}",
                self.namespace
            )
        } else {
            let names: Vec<&str> = self
                .objects
                .iter()
                .filter(|((k, _), deleted)| *k == kind && deleted.is_none())
                .map(|((_, n), _)| n.as_str())
                .collect();
            match closest(name, &names) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "define it under spec.objects or apply it in an earlier step{}",
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(" (the {kind}s are {})", quote_list(&names))
                    }
                ),
            }
        };
        Err(cx.reference(
            node,
            format!("no {kind} `{name}` is defined before this step"),
            hint,
        ))
    }

    fn delete(&mut self, kind: ObjectKind, name: &str, line: u64) {
        self.objects.insert((kind, name.to_string()), Some(line));
    }
}

/// A step name seen in the pre-scan: where it is.
struct NamedStep {
    index: usize,
    line: u64,
}

struct Steps<'a, 'b> {
    scx: &'b StepCx<'a>,
    cx: Cx<'a>,
    /// Regular containers, in manifest order.
    containers: Vec<&'a str>,
    /// Regular and init containers.
    all_containers: Vec<&'a str>,
    /// Every step name in the file, first occurrence.
    names: BTreeMap<String, NamedStep>,
    objects: ObjectState,
}

/// Decodes `spec.steps`, given the objects that exist before the first step.
pub(crate) fn steps(scx: &StepCx<'_>, node: &Node, objects: ObjectState) -> Result<Vec<Step>> {
    let cx = scx.cx;
    let items = cx.sequence(node, "spec.steps")?;
    if items.is_empty() {
        return Err(cx.structure(
            node,
            "spec.steps is empty",
            "add at least one step, e.g. `- assert: {file: /etc/config/KEY, equals: VALUE}`"
                .to_string(),
        ));
    }
    let spec = &scx.workload.workload.spec;
    let mut this = Steps {
        scx,
        cx,
        containers: spec.containers.iter().map(|c| c.name.as_str()).collect(),
        all_containers: spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
            .map(|c| c.name.as_str())
            .collect(),
        names: BTreeMap::new(),
        objects,
    };
    // Pre-scan the names, so that a reference to a later step says so.
    for (index, item) in items.iter().enumerate() {
        if let Some(name) = item.get("name").and_then(Node::scalar) {
            this.names.entry(name.to_string()).or_insert(NamedStep {
                index,
                line: item.line,
            });
        }
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| this.step(index, item))
        .collect()
}

impl<'a> Steps<'a, '_> {
    fn step(&mut self, index: usize, node: &Node) -> Result<Step> {
        let cx = self.cx;
        if node.mapping().is_none() {
            let hint = match node.scalar() {
                Some(op @ ("recreate" | "touch")) => format!("write `- {op}: pod`"),
                _ => "a step is a mapping with one operation, e.g. `- restart: app` or \
                      `- assert: {…}`"
                    .to_string(),
            };
            return Err(cx.structure(
                node,
                format!("a step must be a mapping, found {}", node.describe()),
                hint,
            ));
        }
        let entries = cx.fields(node, STEP_FIELDS, "step")?;
        let ops: Vec<&(Node, Node)> = entries
            .iter()
            .filter(|(key, _)| key.scalar().is_some_and(|k| OPERATIONS.contains(&k)))
            .collect();
        let (op_key, op_value) = match ops.as_slice() {
            [(key, value)] => (key, value),
            [] => {
                return Err(cx.structure(
                    node,
                    "step has no operation",
                    format!("a step is one of {}", quote_list(OPERATIONS)),
                ));
            }
            [(first, _), (second, _), ..] => {
                let (first, second) = (
                    first.scalar().unwrap_or_default(),
                    second.scalar().unwrap_or_default(),
                );
                return Err(cx.structure(
                    &ops[1].0,
                    format!("step has two operations, `{first}` and `{second}`"),
                    format!(
                        "a step does one thing: split it into `- {first}: …` and `- {second}: …`"
                    ),
                ));
            }
        };
        let name = match node.get("name") {
            Some(name_node) => {
                let name = cx.string(name_node, "step name")?;
                if let Some(first) = self.names.get(&name)
                    && first.index != index
                {
                    return Err(cx.structure(
                        name_node,
                        format!("duplicate step name `{name}`"),
                        format!(
                            "step names must be unique; the first is at line {}",
                            first.line
                        ),
                    ));
                }
                Some(name)
            }
            None => None,
        };
        let op = match op_key.scalar().unwrap_or_default() {
            "apply" => {
                let object = object_ref(
                    &cx,
                    self.scx.text,
                    self.scx.dir,
                    op_value,
                    &self.scx.workload.file,
                )?;
                self.objects.define_all(object.manifests());
                Operation::Apply(object)
            }
            "update" => Operation::Update(self.update(op_value)?),
            "delete" => {
                let (kind, name, name_node) =
                    self.object_name(op_value, DELETE_FIELDS, "delete")?;
                self.objects.check(&cx, name_node, kind, &name)?;
                self.objects.delete(kind, &name, node.line);
                Operation::Delete { kind, name }
            }
            "restart" => {
                let container = cx.string(op_value, "restart")?;
                self.container(op_value, &container, false)?;
                Operation::Restart(container)
            }
            "recreate" => {
                cx.one_of(op_value, "recreate target", &[("pod", Operation::Recreate)])?
            }
            "touch" => cx.one_of(op_value, "touch target", &[("pod", Operation::Touch)])?,
            "signal" => self.signal(op_key, op_value)?,
            "sleep" => Operation::Sleep(cx.duration(op_value, "sleep")?),
            _ => Operation::Assert(self.assert(index, op_value)?),
        };
        Ok(Step {
            name,
            line: node.line,
            column: node.column,
            op,
        })
    }

    /// `{configMap|secret: NAME, …}`: the kind, the name and the name's node.
    fn object_name<'n>(
        &self,
        node: &'n Node,
        fields: &[&str],
        context: &str,
    ) -> Result<(ObjectKind, String, &'n Node)> {
        let cx = self.cx;
        cx.fields(node, fields, context)?;
        match (node.entry("configMap"), node.entry("secret")) {
            (Some((_, name)), None) => {
                Ok((ObjectKind::ConfigMap, cx.string(name, "configMap")?, name))
            }
            (None, Some((_, name))) => Ok((ObjectKind::Secret, cx.string(name, "secret")?, name)),
            (Some(_), Some((key, _))) => Err(cx.structure(
                key,
                format!("{context} names both a configMap and a secret"),
                "one object per step: split it into two steps".to_string(),
            )),
            (None, None) => Err(cx.missing(
                node,
                "configMap",
                context,
                &format!(
                    "name the object: `{context}: {{configMap: NAME, …}}` or `{{secret: NAME, …}}`"
                ),
            )),
        }
    }

    fn update(&mut self, node: &Node) -> Result<Update> {
        let cx = self.cx;
        let (kind, name, name_node) = self.object_name(node, UPDATE_FIELDS, "update")?;
        let map = |field: &str| -> Result<BTreeMap<String, Option<String>>> {
            let Some((key, value)) = node.entry(field) else {
                return Ok(BTreeMap::new());
            };
            match (kind, field) {
                (ObjectKind::ConfigMap, "stringData") => {
                    return Err(cx.structure(
                        key,
                        "a ConfigMap has no stringData",
                        "put plain text under data".to_string(),
                    ));
                }
                (ObjectKind::Secret, "binaryData") => {
                    return Err(cx.structure(
                        key,
                        "a Secret has no binaryData",
                        "put base64 under data, or plain text under stringData".to_string(),
                    ));
                }
                _ => {}
            }
            let values = cx.nullable_string_map(value, field)?;
            let base64 = matches!(
                (kind, field),
                (ObjectKind::Secret, "data") | (ObjectKind::ConfigMap, "binaryData")
            );
            for (key_node, value_node) in value.mapping().unwrap_or_default() {
                let key_text = key_node.scalar().unwrap_or_default();
                if let Some(problem) = validation::config_map_key_errors(key_text).first() {
                    return Err(cx.invalid(
                        key_node,
                        format!("invalid key {key_text:?} in {field}: {problem}"),
                        "keys are letters, digits, `-`, `_` and `.`".to_string(),
                    ));
                }
                if base64
                    && let Some(text) = value_node.scalar().filter(|_| !value_node.is_null())
                    && base64::engine::general_purpose::STANDARD
                        .decode(text.trim())
                        .is_err()
                {
                    let hint = match kind {
                        ObjectKind::Secret => {
                            "Secret data values are base64; put plain text under stringData"
                        }
                        ObjectKind::ConfigMap => {
                            "binaryData values are base64; put text under data"
                        }
                    };
                    return Err(cx.invalid(
                        value_node,
                        format!("{field}.{key_text} is not valid base64"),
                        hint.to_string(),
                    ));
                }
            }
            Ok(values)
        };
        let update = Update {
            kind,
            name: name.clone(),
            data: map("data")?,
            binary_data: map("binaryData")?,
            string_data: map("stringData")?,
        };
        if update.data.is_empty() && update.binary_data.is_empty() && update.string_data.is_empty()
        {
            let fields = match kind {
                ObjectKind::ConfigMap => "data or binaryData",
                ObjectKind::Secret => "data (base64) or stringData",
            };
            return Err(cx.structure(
                node,
                format!("update of {kind} `{name}` changes nothing"),
                format!("add {fields}, e.g. `data: {{KEY: value}}` (null deletes a key)"),
            ));
        }
        self.objects.check(&cx, name_node, kind, &name)?;
        Ok(update)
    }

    fn signal(&self, key: &Node, node: &Node) -> Result<Operation> {
        let cx = self.cx;
        cx.fields(node, SIGNAL_FIELDS, "signal")?;
        let Some(signal_node) = node.get("signal") else {
            return Err(cx.missing(
                node,
                "signal",
                "signal",
                "write `signal: {container: app, signal: HUP}`",
            ));
        };
        let written = cx.string(signal_node, "signal")?;
        let bare = written.strip_prefix("SIG").unwrap_or(&written);
        if !SIGNALS.contains(&bare) {
            let upper = bare.to_ascii_uppercase();
            let upper = upper.strip_prefix("SIG").unwrap_or(&upper);
            let hint = if SIGNALS.contains(&upper) {
                format!("signal names are uppercase: `{upper}`")
            } else {
                match closest(bare, SIGNALS) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("signals are {}", SIGNALS.join(", ")),
                }
            };
            return Err(cx.invalid(signal_node, format!("unknown signal {written:?}"), hint));
        }
        let container = match node.get("container") {
            Some(container_node) => {
                let name = cx.string(container_node, "container")?;
                self.container(container_node, &name, false)?;
                name
            }
            None => self.only_container(key, "signal")?.to_string(),
        };
        Ok(Operation::Signal {
            container,
            signal: bare.to_string(),
        })
    }

    /// Checks that `name` is a container of the pod (`init`: init containers count too).
    fn container(&self, node: &Node, name: &str, init: bool) -> Result<()> {
        let known = if init {
            &self.all_containers
        } else {
            &self.containers
        };
        if known.contains(&name) {
            return Ok(());
        }
        let workload = &self.scx.workload.workload;
        let hint = if self.all_containers.contains(&name) {
            format!(
                "`{name}` is an init container; this takes one of {}",
                quote_list(known)
            )
        } else {
            match closest(name, known) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the pod's containers are {}", quote_list(known)),
            }
        };
        Err(self.cx.reference(
            node,
            format!(
                "no container `{name}` in {} {:?}",
                workload.kind, workload.name
            ),
            hint,
        ))
    }

    /// The pod's only container, for an observation or signal that names none.
    fn only_container(&self, node: &Node, what: &str) -> Result<&'a str> {
        match self.containers.as_slice() {
            [only] => Ok(only),
            many => Err(self.cx.structure(
                node,
                format!(
                    "{what} names no container and the pod has {}",
                    quote_list(many)
                ),
                "add `container: NAME`".to_string(),
            )),
        }
    }

    /// A step name that must be defined earlier than step `index`.
    fn earlier_step(&self, index: usize, node: &Node, field: &str) -> Result<String> {
        let cx = self.cx;
        let name = cx.string(node, field)?;
        match self.names.get(&name) {
            Some(step) if step.index < index => Ok(name),
            Some(step) => Err(cx.reference(
                node,
                if step.index == index {
                    format!("{field}: `{name}` is this step itself")
                } else {
                    format!("{field}: step `{name}` comes later (line {})", step.line)
                },
                format!("{field} names an earlier step, whose completion it measures from"),
            )),
            None => {
                let earlier: Vec<&str> = self
                    .names
                    .iter()
                    .filter(|(_, step)| step.index < index)
                    .map(|(n, _)| n.as_str())
                    .collect();
                let hint = match closest(&name, &earlier) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None if earlier.is_empty() => {
                        "give an earlier step a `name:` and refer to it".to_string()
                    }
                    None => format!("the earlier steps are {}", quote_list(&earlier)),
                };
                Err(cx.reference(node, format!("{field}: no step named `{name}`"), hint))
            }
        }
    }

    fn assert(&self, index: usize, node: &Node) -> Result<Assertion> {
        let cx = self.cx;
        cx.mapping(node, "assert")?;
        // A field of a structured observation written at the assert's level.
        for (key, _) in node.mapping().unwrap_or_default() {
            let field = key.scalar().unwrap_or_default();
            if ASSERT_FIELDS.contains(&field) {
                continue;
            }
            let owner = [
                ("container", CONTAINER_FIELDS),
                ("pod", POD_FIELDS),
                ("event", EVENT_FIELDS),
                ("http", HTTP_FIELDS),
            ]
            .into_iter()
            .find(|(owner, fields)| fields.contains(&field) && node.get(owner).is_some());
            if let Some((owner, _)) = owner {
                return Err(cx.error(
                    key,
                    ScenarioErrorKind::UnknownField {
                        field: field.to_string(),
                        suggestion: None,
                    },
                    format!("unknown field `{field}` in assert"),
                    format!("`{field}` belongs inside `{owner}: {{…}}`"),
                ));
            }
        }
        let entries = cx.fields(node, ASSERT_FIELDS, "assert")?;
        // `container: NAME` selects a container; `container: {…}` observes one.
        let observations: Vec<&(Node, Node)> = entries
            .iter()
            .filter(|(key, value)| match key.scalar() {
                Some("container") => value.mapping().is_some(),
                Some(k) => OBSERVATIONS.contains(&k),
                None => false,
            })
            .collect();
        let (obs_key, obs_value) = match observations.as_slice() {
            [(key, value)] => (key, value),
            [] => {
                let hint = if node.get("container").is_some() {
                    format!(
                        "`container: NAME` only picks the container; observe one of {} (or \
                         write `container: {{name: NAME, state: running}}`)",
                        quote_list(&OBSERVATIONS[..6])
                    )
                } else {
                    format!("observe one of {}", quote_list(OBSERVATIONS))
                };
                return Err(cx.structure(node, "assert has no observation", hint));
            }
            [(first, _), (second, _), ..] => {
                let (first, second) = (
                    first.scalar().unwrap_or_default(),
                    second.scalar().unwrap_or_default(),
                );
                return Err(cx.structure(
                    &observations[1].0,
                    format!("assert has two observations, `{first}` and `{second}`"),
                    "an assert observes one thing: split it into two asserts".to_string(),
                ));
            }
        };
        let kind = obs_key.scalar().unwrap_or_default();
        let (allowed, takes_container) = applicable(kind);
        for (key, _) in entries {
            let field = key.scalar().unwrap_or_default();
            let misplaced = (PREDICATES.contains(&field) && !allowed.contains(&field))
                || (field == "container" && kind != "container" && !takes_container)
                || (field == "since" && kind != "log");
            if misplaced {
                let hint = if field == "since" {
                    "since applies to log observations".to_string()
                } else if field == "container" && kind == "log" {
                    "log names its container: `log: NAME`".to_string()
                } else if allowed.is_empty() {
                    format!(
                        "{kind} observations match by the fields inside `{kind}: {{…}}` and take no predicates"
                    )
                } else {
                    format!("{kind} takes {}", quote_list(allowed))
                };
                return Err(cx.structure(
                    key,
                    format!("`{field}` does not apply to `{kind}` observations"),
                    hint,
                ));
            }
        }
        let container = match node.entry("container") {
            Some((_, value)) if kind != "container" => {
                let name = cx.string(value, "container")?;
                self.container(value, &name, true)?;
                Some(name)
            }
            _ => None,
        };
        let observation = self.observation(index, kind, obs_key, obs_value, node, container)?;
        let predicates = self.predicates(node)?;
        let needs_predicate = matches!(kind, "file" | "dir" | "env" | "log" | "http" | "tls");
        if needs_predicate && predicates.is_empty() {
            return Err(cx.structure(
                node,
                format!("assert on {kind} has no predicate"),
                format!("add one of {}", quote_list(allowed)),
            ));
        }
        self.check_predicates(node, &predicates)?;
        let (timing, after) = self.timing(index, node)?;
        Ok(Assertion {
            observation,
            predicates,
            timing,
            after,
        })
    }

    fn observation(
        &self,
        index: usize,
        kind: &str,
        key: &Node,
        value: &Node,
        assert: &Node,
        container: Option<String>,
    ) -> Result<Observation> {
        let cx = self.cx;
        // Observations inside a container default to the only one.
        let check_default = |container: &Option<String>| -> Result<()> {
            if container.is_none() {
                self.only_container(key, kind)?;
            }
            Ok(())
        };
        let path = |what: &str| -> Result<String> {
            let path = cx.string(value, what)?;
            if !path.starts_with('/') {
                return Err(cx.invalid(
                    value,
                    format!("{what} path {path:?} is not absolute"),
                    "paths are as seen inside the container, e.g. /etc/config/LOG_LEVEL"
                        .to_string(),
                ));
            }
            Ok(path)
        };
        let observation = match kind {
            "file" => {
                check_default(&container)?;
                Observation::File {
                    path: path("file")?,
                    container,
                }
            }
            "dir" => {
                check_default(&container)?;
                Observation::Dir {
                    path: path("dir")?,
                    container,
                }
            }
            "env" => {
                check_default(&container)?;
                let name = cx.string(value, "env")?;
                if name.contains('=') {
                    return Err(cx.invalid(
                        value,
                        "an environment variable name cannot contain `=`",
                        None::<String>,
                    ));
                }
                Observation::Env { name, container }
            }
            "log" => {
                let container = cx.string(value, "log")?;
                self.container(value, &container, true)?;
                let since = assert
                    .get("since")
                    .map(|n| self.earlier_step(index, n, "since"))
                    .transpose()?;
                Observation::Log { container, since }
            }
            "http" => {
                check_default(&container)?;
                cx.fields(value, HTTP_FIELDS, "http")?;
                let port = self.port(value, "http")?;
                let path = match value.get("path") {
                    Some(n) => {
                        let path = cx.string(n, "http.path")?;
                        if !path.starts_with('/') {
                            return Err(cx.invalid(
                                n,
                                format!("http.path {path:?} does not start with `/`"),
                                format!("write `path: /{path}`"),
                            ));
                        }
                        // It goes into the request line as written.
                        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
                            return Err(cx.invalid(
                                n,
                                format!("http.path {path:?} contains a space or control character"),
                                "percent-encode it, e.g. `%20` for a space".to_string(),
                            ));
                        }
                        path
                    }
                    None => "/".to_string(),
                };
                Observation::Http {
                    port,
                    path,
                    container,
                    request: self.http_request(value)?,
                }
            }
            "tls" => {
                check_default(&container)?;
                cx.fields(value, TLS_FIELDS, "tls")?;
                Observation::Tls {
                    port: self.port(value, "tls")?,
                    container,
                }
            }
            "container" => Observation::Container(self.container_match(key, value)?),
            "pod" => {
                cx.fields(value, POD_FIELDS, "pod")?;
                let Some(phase) = value.get("phase") else {
                    return Err(cx.missing(value, "phase", "pod", "write `pod: {phase: Running}`"));
                };
                let phases = [
                    ("Pending", PodPhase::Pending),
                    ("Running", PodPhase::Running),
                    ("Succeeded", PodPhase::Succeeded),
                    ("Failed", PodPhase::Failed),
                    ("Unknown", PodPhase::Unknown),
                ];
                Observation::Pod(PodMatch {
                    phase: Some(cx.one_of(phase, "pod phase", &phases)?),
                })
            }
            _ => {
                cx.fields(value, EVENT_FIELDS, "event")?;
                let Some(reason) = value.get("reason") else {
                    return Err(cx.missing(
                        value,
                        "reason",
                        "event",
                        "write `event: {reason: FailedMount}`",
                    ));
                };
                Observation::Event {
                    reason: cx.string(reason, "event.reason")?,
                }
            }
        };
        Ok(observation)
    }

    /// `method:`, `headers:` and `body:` of an `http` observation.
    fn http_request(&self, node: &Node) -> Result<HttpRequest> {
        let cx = self.cx;
        let mut request = HttpRequest::default();
        if let Some(n) = node.get("method") {
            let written = cx.string(n, "http.method")?;
            let upper = written.to_ascii_uppercase();
            if !HTTP_METHODS.contains(&written.as_str()) {
                let hint = if HTTP_METHODS.contains(&upper.as_str()) {
                    format!("methods are uppercase: `{upper}`")
                } else {
                    match closest(&upper, HTTP_METHODS) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!("methods are {}", quote_list(HTTP_METHODS)),
                    }
                };
                return Err(cx.invalid(n, format!("unknown http.method {written:?}"), hint));
            }
            request.method = written;
        }
        if let Some(n) = node.get("headers") {
            for (key, value) in cx.mapping(n, "http.headers")? {
                let name = cx.string(key, "a header name")?;
                // RFC 9110 token characters: anything else would corrupt the request.
                let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if !name.chars().all(token) {
                    return Err(cx.invalid(
                        key,
                        format!("header name {name:?} is not a valid HTTP token"),
                        "header names are letters, digits and !#$%&'*+-.^_`|~, e.g. `X-Request-Id`"
                            .to_string(),
                    ));
                }
                if request
                    .headers
                    .iter()
                    .any(|(seen, _)| seen.eq_ignore_ascii_case(&name))
                {
                    return Err(cx.invalid(
                        key,
                        format!("header {name:?} is given twice"),
                        "header names are case-insensitive; keep one".to_string(),
                    ));
                }
                let text = cx.text(value, &format!("http.headers.{name}"))?;
                if text.contains(['\r', '\n', '\0']) {
                    return Err(cx.invalid(
                        value,
                        format!("header {name:?} contains a line break or NUL"),
                        "a header value is one line".to_string(),
                    ));
                }
                if name.eq_ignore_ascii_case("Content-Length")
                    || name.eq_ignore_ascii_case("Transfer-Encoding")
                {
                    return Err(cx.invalid(
                        key,
                        format!("header {name:?} is set by kubedrill"),
                        "write `body:`; kubedrill sends its Content-Length".to_string(),
                    ));
                }
                request.headers.push((name, text));
            }
        }
        if let Some(n) = node.get("body") {
            if matches!(request.method.as_str(), "GET" | "HEAD") {
                return Err(cx.invalid(
                    n,
                    format!("a {} request has no body", request.method),
                    "add `method: POST` (or PUT, PATCH…)".to_string(),
                ));
            }
            request.body = Some(cx.text(n, "http.body")?);
        }
        Ok(request)
    }

    fn port(&self, node: &Node, what: &str) -> Result<u16> {
        let cx = self.cx;
        let Some(port) = node.get("port") else {
            return Err(cx.missing(
                node,
                "port",
                what,
                &format!("write `{what}: {{port: 8000}}`"),
            ));
        };
        match cx.integer(port, "port", u64::from(u16::MAX))? {
            0 => Err(cx.invalid(port, "port must be 1 to 65535", None::<String>)),
            value => Ok(u16::try_from(value).unwrap_or(u16::MAX)),
        }
    }

    fn container_match(&self, key: &Node, node: &Node) -> Result<ContainerMatch> {
        let cx = self.cx;
        cx.fields(node, CONTAINER_FIELDS, "container")?;
        let name = match node.get("name") {
            Some(n) => {
                let name = cx.string(n, "container.name")?;
                self.container(n, &name, true)?;
                Some(name)
            }
            None => {
                self.only_container(key, "container")?;
                None
            }
        };
        let states = [
            ("running", ContainerStateKind::Running),
            ("waiting", ContainerStateKind::Waiting),
            ("terminated", ContainerStateKind::Terminated),
        ];
        let state = node
            .get("state")
            .map(|n| cx.one_of(n, "container state", &states))
            .transpose()?;
        let reason = node
            .get("reason")
            .map(|n| cx.string(n, "container.reason"))
            .transpose()?;
        let restarts = node
            .get("restarts")
            .map(|n| {
                cx.integer(n, "restarts", u64::from(u32::MAX))
                    .map(|r| u32::try_from(r).unwrap_or(u32::MAX))
            })
            .transpose()?;
        if state.is_none() && reason.is_none() && restarts.is_none() {
            return Err(cx.structure(
                node,
                "container: {…} checks nothing",
                "add state (running, waiting, terminated), reason or restarts".to_string(),
            ));
        }
        Ok(ContainerMatch {
            name,
            state,
            reason,
            restarts,
        })
    }

    fn predicates(&self, node: &Node) -> Result<Predicates> {
        let cx = self.cx;
        let text = |field: &str| node.get(field).map(|n| cx.text(n, field)).transpose();
        let matches = match node.get("matches") {
            Some(n) => {
                let source = cx.text(n, "matches")?;
                Some(Pattern::new(&source).map_err(|err| {
                    cx.invalid(
                        n,
                        format!("invalid regex {source:?}: {}", regex_message(&err)),
                        "matches takes a regular expression (Rust regex syntax): escape \
                         . ( ) [ ] { } with a backslash, and single-quote it in YAML"
                            .to_string(),
                    )
                })?)
            }
            None => None,
        };
        let mode = match node.get("mode") {
            Some(n) => Some(
                parse_mode(n.scalar().filter(|_| !n.is_null())).ok_or_else(|| {
                    cx.invalid(
                        n,
                        format!("invalid mode {}", describe_value(n)),
                        "write the permission bits in octal, e.g. \"0440\" or \"0644\"".to_string(),
                    )
                })?,
            ),
            None => None,
        };
        let status = match node.get("status") {
            Some(n) => {
                let status = cx.integer(n, "status", 599)?;
                if status < 100 {
                    return Err(cx.invalid(
                        n,
                        format!("status {status} is not an HTTP status"),
                        "write a status code from 100 to 599, e.g. 200".to_string(),
                    ));
                }
                Some(u16::try_from(status).unwrap_or(599))
            }
            None => None,
        };
        let sha256 = match node.get("sha256") {
            Some(n) => {
                let written = cx.string(n, "sha256")?;
                let hex: String = written
                    .chars()
                    .filter(|c| *c != ':')
                    .collect::<String>()
                    .to_ascii_lowercase();
                if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(cx.invalid(
                        n,
                        "sha256 must be 64 hex digits",
                        "e.g. from `openssl x509 -noout -fingerprint -sha256` (colons are fine)"
                            .to_string(),
                    ));
                }
                Some(hex)
            }
            None => None,
        };
        Ok(Predicates {
            equals: text("equals")?,
            not_equals: text("notEquals")?,
            contains: text("contains")?,
            not_contains: text("notContains")?,
            matches,
            exists: node
                .get("exists")
                .map(|n| cx.boolean(n, "exists"))
                .transpose()?,
            mode,
            count: node
                .get("count")
                .map(|n| {
                    cx.integer(n, "count", u32::MAX.into())
                        .map(|c| usize::try_from(c).unwrap_or(usize::MAX))
                })
                .transpose()?,
            link_target: node
                .get("linkTarget")
                .map(|n| cx.string(n, "linkTarget"))
                .transpose()?,
            status,
            cn: text("cn")?,
            sha256,
        })
    }

    /// Combinations that cannot hold together.
    fn check_predicates(&self, node: &Node, predicates: &Predicates) -> Result<()> {
        let cx = self.cx;
        if predicates.exists == Some(false) {
            let other = PREDICATES
                .iter()
                .filter(|p| **p != "exists")
                .find_map(|p| node.entry(p));
            if let Some((key, _)) = other {
                return Err(cx.structure(
                    key,
                    format!(
                        "`{}` cannot hold when `exists: false`",
                        key.scalar().unwrap_or_default()
                    ),
                    "assert absence and content in separate steps".to_string(),
                ));
            }
        }
        if let Some((key, _)) = node.entry("count") {
            match (node.entry("contains"), node.entry("matches")) {
                (Some(_), Some((second, _))) => {
                    return Err(cx.structure(
                        second,
                        "count with both `contains` and `matches`",
                        "count counts the matches of one of them: keep one".to_string(),
                    ));
                }
                (None, None) => {
                    return Err(cx.structure(
                        key,
                        "count needs `contains` or `matches`",
                        "count is the number of non-overlapping matches of contains or matches"
                            .to_string(),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn timing(&self, index: usize, node: &Node) -> Result<(AssertTiming, Option<String>)> {
        let cx = self.cx;
        let positive = |n: &Node, field: &str| -> Result<Duration> {
            let duration = cx.duration(n, field)?;
            if duration.is_zero() {
                return Err(cx.invalid(
                    n,
                    format!("{field} must be longer than 0s"),
                    format!("omit {field} to check once, now"),
                ));
            }
            Ok(duration)
        };
        let within = node.entry("within");
        let throughout = node.entry("throughout");
        if let (Some((first, _)), Some((second, _))) = (within, throughout) {
            let later = if (first.line, first.column) > (second.line, second.column) {
                first
            } else {
                second
            };
            return Err(cx.structure(
                later,
                "`within` and `throughout` conflict",
                "within: D passes on the first good sample, throughout: D fails on the first \
                 bad one: pick one (or use two asserts)"
                    .to_string(),
            ));
        }
        let timing = match (within, throughout) {
            (Some((_, n)), _) => AssertTiming::Within(positive(n, "within")?),
            (_, Some((_, n))) => AssertTiming::Throughout(positive(n, "throughout")?),
            _ => AssertTiming::Now,
        };
        let after = match node.entry("after") {
            Some((key, n)) => {
                if !matches!(timing, AssertTiming::Within(_)) {
                    return Err(cx.structure(
                        key,
                        "`after` needs `within`",
                        "after measures how long the change took to show: add `within: D`"
                            .to_string(),
                    ));
                }
                Some(self.earlier_step(index, n, "after")?)
            }
            None => None,
        };
        Ok((timing, after))
    }
}

/// Permission bits written in octal: `0440`, `440`, `0o440`; at most `07777`.
pub(crate) fn parse_mode(text: Option<&str>) -> Option<u32> {
    let text = text?.trim();
    let digits = text.strip_prefix("0o").unwrap_or(text);
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return None;
    }
    u32::from_str_radix(digits, 8).ok().filter(|m| *m <= 0o7777)
}

/// The last line of a regex error (the others show the pattern with a caret).
fn regex_message(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("invalid pattern")
        .trim_start_matches("error: ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::load_str;
    use std::path::PathBuf;

    /// A scenario in the valid fixtures' directory (pod.yaml: one container, `echo`) with
    /// `spec_extra` under spec and `steps` as its steps.
    fn scenario(spec_extra: &str, steps: &str) -> std::result::Result<(), String> {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/scenarios/valid/unit.yaml");
        let text = format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nspec:\n{spec_extra}  objects:\n    \
             - file: manifests/configmap.yaml\n  workload:\n    file: manifests/pod.yaml\n    \
             run: {{echo: {{command: [sh]}}}}\n  steps:\n{steps}"
        );
        load_str(&text, &file)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn rejections_say_what_and_how() {
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "",
                "    - restart:\n",
                "restart has no value",
                "write a value",
            ),
            (
                "",
                "    - recreate\n",
                "a step must be a mapping",
                "`- recreate: pod`",
            ),
            (
                "",
                "    - recreate: container\n",
                "invalid recreate target",
                "use one of `pod`",
            ),
            (
                "",
                "    - touch: {pod: x}\n",
                "touch target must be a string",
                "single value",
            ),
            (
                "",
                "    - signal: {signal: HUPP}\n",
                "unknown signal",
                "did you mean `HUP`?",
            ),
            (
                "",
                "    - signal: {signal: sigterm}\n",
                "unknown signal",
                "uppercase: `TERM`",
            ),
            (
                "",
                "    - signal: {container: echo}\n",
                "missing field `signal`",
                "signal: HUP",
            ),
            ("", "    - sleep: soon\n", "invalid duration", "500ms"),
            (
                "",
                "    - assert: {file: etc/x, exists: true}\n",
                "not absolute",
                "inside the container",
            ),
            (
                "",
                "    - assert: {file: /x}\n",
                "assert on file has no predicate",
                "`equals`",
            ),
            (
                "",
                "    - assert: {file: /x, exists: false, equals: a}\n",
                "cannot hold when `exists: false`",
                "separate steps",
            ),
            (
                "",
                "    - assert: {log: echo, count: 1, contains: a, matches: b}\n",
                "count with both",
                "keep one",
            ),
            (
                "",
                "    - assert: {log: echo, contains: a, container: echo}\n",
                "`container` does not apply",
                "`log: NAME`",
            ),
            (
                "",
                "    - assert: {file: /x, exists: true, since: s}\n",
                "`since` does not apply",
                "log observations",
            ),
            (
                "",
                "    - assert: {pod: {phase: Pending}, equals: x}\n",
                "`equals` does not apply",
                "take no predicates",
            ),
            (
                "",
                "    - assert: {pod: {phase: running}}\n",
                "invalid pod phase",
                "did you mean `Running`?",
            ),
            (
                "",
                "    - assert: {pod: {}}\n",
                "missing field `phase`",
                "phase: Running",
            ),
            (
                "",
                "    - assert: {container: {name: echo}}\n",
                "checks nothing",
                "state",
            ),
            (
                "",
                "    - assert: {container: {state: Running}}\n",
                "invalid container state",
                "did you mean `running`?",
            ),
            (
                "",
                "    - assert: {event: {}}\n",
                "missing field `reason`",
                "FailedMount",
            ),
            (
                "",
                "    - assert: {http: {port: 0}, status: 200}\n",
                "port must be 1 to 65535",
                "",
            ),
            (
                "",
                "    - assert: {http: {port: 70000}, status: 200}\n",
                "port must be a whole number",
                "",
            ),
            (
                "",
                "    - assert: {http: {port: 80, path: health}, status: 200}\n",
                "does not start with `/`",
                "`path: /health`",
            ),
            (
                "",
                "    - assert: {http: {port: 80}, status: 42}\n",
                "not an HTTP status",
                "100 to 599",
            ),
            (
                "",
                "    - assert: {http: {port: 80, path: /a b}, status: 200}\n",
                "contains a space or control character",
                "%20",
            ),
            (
                "",
                "    - assert: {http: {port: 80, method: get}, status: 200}\n",
                "unknown http.method",
                "uppercase: `GET`",
            ),
            (
                "",
                "    - assert: {http: {port: 80, method: PUTT}, status: 200}\n",
                "unknown http.method",
                "did you mean `PUT`?",
            ),
            (
                "",
                "    - assert: {http: {port: 80, metod: POST}, status: 200}\n",
                "unknown field `metod` in http",
                "did you mean `method`?",
            ),
            (
                "",
                "    - assert: {http: {port: 80}, method: POST, status: 200}\n",
                "unknown field `method`",
                "",
            ),
            (
                "",
                "    - assert: {http: {port: 80, body: x}, status: 200}\n",
                "a GET request has no body",
                "`method: POST`",
            ),
            (
                "",
                "    - assert: {http: {port: 80, headers: {Bad Name: x}}, status: 200}\n",
                "not a valid HTTP token",
                "X-Request-Id",
            ),
            (
                "",
                "    - assert: {http: {port: 80, headers: {Host: a, host: b}}, status: 200}\n",
                "given twice",
                "case-insensitive",
            ),
            (
                "",
                "    - assert: {http: {port: 80, headers: {X: \"a\\r\\nY: b\"}}, status: 200}\n",
                "line break",
                "one line",
            ),
            (
                "",
                "    - assert: {http: {port: 80, method: POST, headers: {Content-Length: \"3\"}}, status: 200}\n",
                "is set by kubedrill",
                "`body:`",
            ),
            (
                "",
                "    - assert: {http: {port: 80, headers: [Host]}, status: 200}\n",
                "http.headers must be a mapping",
                "",
            ),
            (
                "",
                "    - assert: {tls: {port: 443}}\n",
                "assert on tls has no predicate",
                "`cn`",
            ),
            (
                "",
                "    - assert: {tls: {port: 443}, sha256: abc}\n",
                "64 hex digits",
                "openssl",
            ),
            (
                "",
                "    - assert: {env: X, exists: maybe}\n",
                "exists must be true or false",
                "unquoted",
            ),
            (
                "",
                "    - assert: {env: X, equals: a, within: 0s}\n",
                "within must be longer than 0s",
                "omit within",
            ),
            (
                "",
                "    - name: me\n      assert: {log: echo, contains: a, within: 1s, after: me}\n",
                "is this step itself",
                "earlier step",
            ),
            (
                "",
                "    - assert: {log: echo, contains: a, within: 1s, after: nobody}\n",
                "no step named `nobody`",
                "give an earlier step a `name:`",
            ),
            (
                "",
                "    - update: {configMap: python-app-config, stringData: {a: b}}\n",
                "a ConfigMap has no stringData",
                "under data",
            ),
            (
                "",
                "    - update: {configMap: python-app-config}\n",
                "changes nothing",
                "data or binaryData",
            ),
            (
                "",
                "    - update: {configMap: python-app-config, binaryData: {a: \"%%%\"}}\n",
                "not valid base64",
                "binaryData values are base64",
            ),
            (
                "",
                "    - update: {configMap: python-app-config, data: {\"a b\": x}}\n",
                "invalid key \"a b\"",
                "letters, digits",
            ),
            (
                "",
                "    - update: {configMap: python-app-config, secret: x, data: {a: b}}\n",
                "names both",
                "two steps",
            ),
            (
                "",
                "    - update: {data: {a: b}}\n",
                "missing field `configMap`",
                "secret: NAME",
            ),
            (
                "",
                "    - delete: {configMap: python-app-config}\n    - delete: {configMap: python-app-config}\n",
                "was deleted by the step at line 10",
                "apply it again",
            ),
            (
                "",
                "    - apply: {file: manifests/configmap.yaml, inline: {}}\n",
                "both `file` and `inline`",
                "one per list item",
            ),
            (
                "",
                "    - apply: {}\n",
                "needs `file` or `inline`",
                "- file:",
            ),
            (
                "",
                "    - apply: {file: manifests/pod.yaml}\n",
                "holds no ConfigMap or Secret",
                "holds only the workload",
            ),
            (
                "",
                "    - apply: {inline: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: i}]}}}\n",
                "is not a ConfigMap or Secret",
                "spec.workload.file",
            ),
            (
                "  timing: {cacheTTL: 5s}\n",
                "    - restart: echo\n",
                "cacheTTL applies to `detection: cache`",
                "detection: cache",
            ),
            (
                "  timing: {jitter: -1}\n",
                "    - restart: echo\n",
                "jitter must be a number",
                "0.5",
            ),
            (
                "  timing: {seed: -1}\n",
                "    - restart: echo\n",
                "seed must be a whole number",
                "",
            ),
            (
                "  timing: {syncPeriod: 0s}\n",
                "    - restart: echo\n",
                "syncPeriod must be positive",
                "",
            ),
            (
                "  timing: [fast]\n",
                "    - restart: echo\n",
                "timing must be a profile or a mapping",
                "timing: kubelet",
            ),
            (
                "  kubernetesVersion: \"2.0\"\n",
                "    - restart: echo\n",
                "invalid kubernetesVersion",
                "1.29",
            ),
            ("", "    []\n", "spec.steps is empty", "at least one step"),
        ];
        let mut failures = Vec::new();
        for (extra, steps, message, hint) in cases {
            match scenario(extra, steps) {
                Ok(()) => failures.push(format!("{steps:?}: loaded")),
                Err(text) if text.contains(message) && text.contains(hint) => {}
                Err(text) => failures.push(format!("{steps:?}: {text}")),
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn accepted_variants() {
        for steps in [
            "    - assert: {file: /x, mode: 0440}\n",
            "    - assert: {file: /x, mode: \"0o600\"}\n",
            "    - assert: {env: X, equals: 8080}\n",
            "    - assert: {env: X, equals: \"\"}\n",
            "    - assert: {log: echo, matches: '^a\\d+$', count: 0}\n",
            "    - assert: {tls: {port: 443}, sha256: \"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\"}\n",
            "    - update: {configMap: python-app-config, data: {LOG_LEVEL: null}}\n",
            "    - signal: {signal: SIGUSR1}\n",
            "    - assert: {container: {state: terminated, reason: Completed, restarts: 0}}\n",
        ] {
            if let Err(err) = scenario("", steps) {
                panic!("{steps:?} should load: {err}");
            }
        }
    }

    #[test]
    fn http_method_headers_and_body_load_in_order() {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/scenarios/valid/unit.yaml");
        let text = "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nspec:\n  objects:\n    \
             - file: manifests/configmap.yaml\n  workload:\n    file: manifests/pod.yaml\n    \
             run: {echo: {command: [sh]}}\n  steps:\n    - assert: {http: {port: 80, method: \
             PATCH, headers: {X-B: '2', Host: 'app.local:80', X-A: ''}, body: '{\"a\": 1}'}, \
             status: 204}\n    - assert: {http: {port: 80, method: HEAD}, status: 200}\n";
        let scenario = load_str(text, &file).expect("loads");
        let requests: Vec<HttpRequest> = scenario
            .spec
            .steps
            .iter()
            .map(|step| match &step.op {
                Operation::Assert(Assertion {
                    observation: Observation::Http { request, .. },
                    ..
                }) => request.clone(),
                other => panic!("not an http assert: {other:?}"),
            })
            .collect();
        assert_eq!(
            requests,
            [
                HttpRequest {
                    method: "PATCH".into(),
                    headers: vec![
                        ("X-B".into(), "2".into()),
                        ("Host".into(), "app.local:80".into()),
                        ("X-A".into(), String::new()),
                    ],
                    body: Some("{\"a\": 1}".into()),
                },
                HttpRequest {
                    method: "HEAD".into(),
                    ..HttpRequest::default()
                },
            ]
        );
    }

    /// One table: every name the validator accepts has a number the process runtime can send
    /// (rustix knows it as a named signal), and no two names share a number.
    #[test]
    fn every_accepted_signal_has_one_sendable_number() {
        use crate::scenario::format::{SIGNAL_TABLE, signal_number};
        let mut numbers = Vec::new();
        for name in SIGNALS {
            for written in [name.to_string(), format!("SIG{name}")] {
                let steps = format!("    - signal: {{signal: {written}}}\n");
                if let Err(err) = scenario("", &steps) {
                    panic!("{written} should load: {err}");
                }
            }
            let number = signal_number(name).expect("a number");
            assert_eq!(signal_number(&format!("SIG{name}")), Some(number));
            assert!(
                rustix::process::Signal::from_named_raw(number).is_some(),
                "{name} = {number} is not a signal rustix can send"
            );
            numbers.push(number);
        }
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), SIGNAL_TABLE.len());
        assert_eq!(signal_number("WINCH"), Some(libc::SIGWINCH));
        assert_eq!(signal_number("RTMIN"), None);
    }

    #[test]
    fn modes() {
        assert_eq!(parse_mode(Some("0440")), Some(0o440));
        assert_eq!(parse_mode(Some("644")), Some(0o644));
        assert_eq!(parse_mode(Some("0o600")), Some(0o600));
        assert_eq!(parse_mode(Some("04755")), Some(0o4755));
        assert_eq!(parse_mode(Some("0448")), None);
        assert_eq!(parse_mode(Some("rw-r--r--")), None);
        assert_eq!(parse_mode(Some("")), None);
        assert_eq!(parse_mode(Some("077777")), None);
        assert_eq!(parse_mode(None), None);
    }

    #[test]
    fn field_lists_agree() {
        let mut all: Vec<&str> = OBSERVATIONS.to_vec();
        all.push("since");
        all.extend(PREDICATES);
        all.extend(ASSERT_TIMING_FIELDS);
        assert_eq!(all, ASSERT_FIELDS);
        let mut step = vec!["name"];
        step.extend(OPERATIONS);
        assert_eq!(step, STEP_FIELDS);
        for observation in OBSERVATIONS {
            for predicate in applicable(observation).0 {
                assert!(PREDICATES.contains(predicate), "{predicate}");
            }
        }
    }

    #[test]
    fn regex_messages_are_one_line() {
        let source = format!("a({}", "b");
        let err = regex::Regex::new(&source).expect_err("invalid");
        let message = regex_message(&err);
        assert!(!message.contains('\n'));
        assert!(message.contains("unclosed group"), "{message}");
    }
}

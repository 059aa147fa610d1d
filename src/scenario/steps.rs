//! Decoding `spec.steps`: one operation per step, one observation per assert, and every name a
//! step uses checked against what exists at that point (containers, earlier steps, objects as
//! the earlier steps leave them).

//!
//! This module owns the step level: one operation per step, the objects `update`/`delete`
//! name, containers and step names. Asserts are decoded in `assert` and `observation` (as
//! methods of the same [`Steps`] walker); object sources in `sources`.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;

use crate::api::validation;

use super::decode::{Cx, Result, quote_list};
use super::errors::closest;
use super::fields::{DELETE_FIELDS, OPERATIONS, SIGNAL_FIELDS, STEP_FIELDS, UPDATE_FIELDS};
use super::format::{ObjectKind, Operation, SIGNALS, Step, Update, WorkloadSpec};
use super::object_state::ObjectState;
use super::sources::object_ref;
use crate::yaml::Node;

/// What the steps need to know about the scenario.
pub(crate) struct StepCx<'a> {
    pub cx: Cx<'a>,
    pub text: &'a str,
    pub dir: &'a Path,
    pub workload: &'a WorkloadSpec,
}

/// A step name seen in the pre-scan: where it is.
pub(super) struct NamedStep {
    pub(super) index: usize,
    pub(super) line: u64,
}

/// The walker over `spec.steps`: what a step may refer to so far. Its assert and observation
/// methods live in `assert` and `observation`.
pub(super) struct Steps<'a, 'b> {
    pub(super) scx: &'b StepCx<'a>,
    pub(super) cx: Cx<'a>,
    /// Regular containers, in manifest order.
    pub(super) containers: Vec<&'a str>,
    /// Regular and init containers.
    pub(super) all_containers: Vec<&'a str>,
    /// Every step name in the file, first occurrence.
    pub(super) names: BTreeMap<String, NamedStep>,
    pub(super) objects: ObjectState,
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
        let entries = cx.fields(node, *STEP_FIELDS, "step")?;
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
                    &format!("spec.steps[{index}].apply"),
                    &self.scx.workload.file,
                )?;
                self.objects.define_all(object.manifests());
                Operation::Apply(object)
            }
            "update" => Operation::Update(self.update(op_value)?),
            "delete" => {
                let (kind, name, name_node) =
                    self.object_name(op_value, *DELETE_FIELDS, "delete")?;
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
        let (kind, name, name_node) = self.object_name(node, *UPDATE_FIELDS, "update")?;
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
        cx.fields(node, *SIGNAL_FIELDS, "signal")?;
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
    pub(super) fn container(&self, node: &Node, name: &str, init: bool) -> Result<()> {
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
    pub(super) fn only_container(&self, node: &Node, what: &str) -> Result<&'a str> {
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
    pub(super) fn earlier_step(&self, index: usize, node: &Node, field: &str) -> Result<String> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::assert::{parse_mode, regex_message};
    use crate::scenario::fields::{ASSERT_FIELDS, ASSERT_TIMING_FIELDS, OBSERVATIONS, PREDICATES};
    use crate::scenario::format::{Assertion, HttpRequest, Observation};
    use crate::scenario::load::load_str;
    use crate::scenario::observation::ObservationKind;
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
                "needs `file`, `inline`, `configMap` or `secret`",
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

    /// `event` is read through `de` into `written::Event`: its messages are the hand
    /// decoder's, word for word and at the same line:column.
    #[test]
    fn event_observation_reads_typed_with_the_decoders_messages() {
        let cases = [
            (
                "{event: {}}",
                "unit.yaml:10:23: missing field `reason` in event \
                 (hint: write `event: {reason: FailedMount}`)",
            ),
            (
                "{event: {reason: \"\"}}",
                "unit.yaml:10:32: event.reason must not be empty",
            ),
            (
                "{event: {reason: ~}}",
                "unit.yaml:10:32: event.reason has no value (hint: write a value after the colon)",
            ),
            (
                "{event: {reasn: Failed}}",
                "unit.yaml:10:24: unknown field `reasn` in event (hint: did you mean `reason`?)",
            ),
            (
                "{event: [Failed]}",
                "unit.yaml:10:23: event must be a mapping, found a sequence \
                 (hint: write event as `key: value` lines or `{key: value}`)",
            ),
        ];
        for (assert, expected) in cases {
            let err =
                scenario("", &format!("    - assert: {assert}\n")).expect_err("should be refused");
            let at = err.find("unit.yaml:").expect("located");
            assert_eq!(&err[at..], expected, "{assert}");
        }
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/scenarios/valid/unit.yaml");
        let text = "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nspec:\n  objects:\n    \
                    - file: manifests/configmap.yaml\n  workload:\n    \
                    file: manifests/pod.yaml\n    run: {echo: {command: [sh]}}\n  steps:\n    \
                    - assert: {event: {reason: 1.30}, contains: x}\n";
        let scenario = load_str(text, &file).expect("loads");
        let crate::scenario::Operation::Assert(assertion) = &scenario.spec.steps[0].op else {
            panic!("an assert");
        };
        assert_eq!(
            assertion.observation,
            Observation::Event {
                reason: "1.30".to_string()
            }
        );
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
        assert_eq!(all, *ASSERT_FIELDS);
        let mut step = vec!["name"];
        step.extend(OPERATIONS);
        assert_eq!(step, *STEP_FIELDS);
        let keys: Vec<&str> = ObservationKind::ALL.iter().map(|k| k.key()).collect();
        assert_eq!(keys, OBSERVATIONS);
        for observation in ObservationKind::ALL {
            for predicate in observation.predicates() {
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

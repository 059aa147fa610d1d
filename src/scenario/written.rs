//! The hand-decoded mappings of the format as written: for each, its field names (in the order
//! hints list them), what each field is (doc comments) and its JSON type, as Rust types.
//!
//! The decoder takes its field lists from here (unknown field, "did you mean") and the JSON
//! Schema is generated from here (schemars), so a field's name, description and type are
//! written once. Typed mappings (the `event` observation) are also filled with values: `de`
//! reads them from the located tree. The others are never filled: the decoder (`load`,
//! `workload`, `sources`, `steps`, `observation`) reads their values from the located tree with
//! its own located messages, and must read a field added here (see the module doc of
//! `scenario` for which are which, and why). It must not decide anything a value means.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;

use super::format::{HTTP_METHODS, SIGNALS};
use super::metadata::NonEmpty;

/// The operations a step can have (exactly one).
pub(crate) const OPERATIONS: &[&str] = &[
    "apply", "update", "delete", "restart", "recreate", "touch", "signal", "sleep", "assert",
];
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
/// The timing profiles.
const TIMING_PROFILES: &[&str] = &["fast", "kubelet"];
/// The values of a custom timing's `detection`.
const DETECTIONS: &[&str] = &["watch", "cache", "get"];
/// The values of `container.state`.
const STATES: &[&str] = &["running", "waiting", "terminated"];
/// The values of `pod.phase`.
const PHASES: &[&str] = &["Pending", "Running", "Succeeded", "Failed", "Unknown"];

/// Declares a leaf type whose schema is written out (a shared JSON type such as a duration).
macro_rules! leaf {
    ($(#[$doc:meta])* $name:ident, $schema_name:literal, $schema:tt) => {
        $(#[$doc])*
        #[derive(Default, Deserialize)]
        #[allow(dead_code)]
        pub(crate) struct $name(String);

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                $schema_name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

leaf!(
    /// Text: an unquoted number or boolean is taken as written.
    Text,
    "text",
    {"type": ["string", "number", "boolean"]}
);
leaf!(
    /// A duration such as 500ms, 10s, 1m30s.
    DurationText,
    "duration",
    {"type": "string", "pattern": "^\\s*([0-9]+(\\.[0-9]+)?\\s*[a-zA-Zµ]+\\s*)+$"}
);
leaf!(
    /// A container of the workload's pod.
    ContainerName,
    "containerName",
    {"type": "string", "minLength": 1}
);
leaf!(
    /// A port the pod listens on.
    Port,
    "port",
    {"type": "integer", "minimum": 1, "maximum": 65535}
);
leaf!(
    /// Keys to values; null deletes the key.
    DataMap,
    "dataMap",
    {
        "type": "object",
        "propertyNames": {"pattern": "^[-._a-zA-Z0-9]+$"},
        "additionalProperties": {"type": ["string", "null"]}
    }
);

/// `spec.workload.run.<container>`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(description = "How one container runs as a local process.")]
pub(crate) struct Run {
    /// The program and its first arguments. `$(VAR)` is expanded from the container's env as
    /// kubelet expands a container's command (`$$` for a literal `$`).
    #[schemars(length(min = 1))]
    command: Vec<Text>,
    /// More arguments, expanded like `command`.
    #[serde(default)]
    args: Vec<Text>,
    /// Where the process starts, relative to the scenario file (default: its directory).
    #[serde(default)]
    working_dir: String,
    /// Extra host-side environment variables, added to the container's resolved env (which
    /// wins on a clash).
    #[serde(default)]
    env: BTreeMap<String, Text>,
    /// Docker backend: overrides the manifest's image.
    #[serde(default)]
    image: String,
}

/// `spec.workload`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(
    description = "The pod: a Pod, or a Deployment/StatefulSet/DaemonSet/ReplicaSet/Job/CronJob \
                   whose pod template is used."
)]
pub(crate) struct Workload {
    /// The manifest file, relative to the scenario file.
    #[schemars(length(min = 1))]
    file: String,
    /// Local backends: how each container runs (every container needs a command).
    #[serde(default)]
    run: BTreeMap<String, Run>,
}

/// An object source: `spec.objects[]` and `apply:`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(
    description = "A manifest file, one inline object (ConfigMap or Secret), or a ConfigMap or \
                   Secret made the way `kubectl create configmap|secret` makes it.",
    extend("oneOf" = [
        {"required": ["file"]},
        {"required": ["inline"]},
        {"required": ["configMap"]},
        {"required": ["secret"]}
    ])
)]
pub(crate) struct ObjectSource {
    /// A manifest file, relative to the scenario file; may hold several documents.
    #[serde(default)]
    #[schemars(length(min = 1))]
    file: String,
    /// A ConfigMap or Secret written in place.
    #[serde(default)]
    #[schemars(extend("required" = ["apiVersion", "kind", "metadata"]))]
    inline: BTreeMap<String, serde_json::Value>,
    /// `kubectl create configmap`: `{name, fromLiteral, fromFile, fromEnvFile, hashSuffix}`;
    /// paths are relative to the scenario file and may not leave its directory.
    #[serde(default)]
    config_map: Option<crate::api::generate::ConfigMapGenerator>,
    /// `kubectl create secret generic|tls|docker-registry`; its values are redacted like any
    /// Secret's.
    #[serde(default)]
    secret: Option<crate::api::generate::SecretGenerator>,
}

/// A custom `timing`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(description = "Custom values; each omitted field has kubelet's default.")]
pub(crate) struct CustomTiming {
    /// How often each pod is re-synced (default 60s).
    #[serde(default)]
    sync_period: DurationText,
    /// Jitter factor of the sync period (default 0.5).
    #[serde(default)]
    #[schemars(range(min = 0))]
    jitter: f64,
    /// How kubelet notices object changes (default watch).
    #[serde(default)]
    #[schemars(extend("enum" = DETECTIONS))]
    detection: String,
    /// TTL of cached objects with detection: cache (default 60s).
    #[serde(default, rename = "cacheTTL")]
    cache_ttl: DurationText,
    /// Random seed for jitter (default: one per run, reported).
    #[serde(default)]
    seed: u64,
}

/// `update:`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(
    description = "Merge into a ConfigMap or Secret; null deletes a key.",
    extend("oneOf" = [{"required": ["configMap"]}, {"required": ["secret"]}])
)]
pub(crate) struct Update {
    /// The ConfigMap's name.
    #[serde(default)]
    config_map: String,
    /// The Secret's name.
    #[serde(default)]
    secret: String,
    /// Keys to set (ConfigMap: text; Secret: base64); null deletes.
    #[serde(default)]
    data: DataMap,
    /// ConfigMap only: base64 values; null deletes.
    #[serde(default)]
    binary_data: DataMap,
    /// Secret only: plain-text values; null deletes.
    #[serde(default)]
    string_data: DataMap,
}

/// `delete:`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(
    description = "Delete a ConfigMap or Secret.",
    extend("oneOf" = [{"required": ["configMap"]}, {"required": ["secret"]}])
)]
pub(crate) struct Delete {
    /// The ConfigMap's name.
    #[serde(default)]
    config_map: String,
    /// The Secret's name.
    #[serde(default)]
    secret: String,
}

/// `signal:`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(description = "Send a signal to a container's process.")]
pub(crate) struct Signal {
    /// The container (default: the only one).
    #[serde(default)]
    container: ContainerName,
    /// The signal, e.g. HUP or TERM (with or without SIG).
    #[schemars(extend("enum" = signal_names()))]
    signal: String,
}

/// Every spelling `signal:` accepts: each name with and without `SIG`.
fn signal_names() -> Vec<String> {
    SIGNALS
        .iter()
        .flat_map(|s| [s.to_string(), format!("SIG{s}")])
        .collect()
}

/// `http: {…}` (observation).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(
    description = "Observe the response to a request to the pod on 127.0.0.1 (by default a GET \
                   like curl's)."
)]
pub(crate) struct Http {
    /// The port.
    port: Port,
    /// The request path (default /).
    #[serde(default)]
    #[schemars(pattern(r"^/\S*$"))]
    path: String,
    /// The request method (default GET).
    #[serde(default)]
    #[schemars(extend("enum" = HTTP_METHODS))]
    method: String,
    /// Request headers; each replaces the default of the same name (Host: 127.0.0.1:PORT,
    /// User-Agent, Accept: */*, Connection: close).
    #[serde(default)]
    #[schemars(extend(
        "additionalProperties" = {"type": "string", "pattern": "^[^\\r\\n]*$"},
        "propertyNames" = {"pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"}
    ))]
    headers: BTreeMap<String, String>,
    /// The request body (not with GET or HEAD).
    #[serde(default)]
    body: String,
}

/// `tls: {…}` (observation).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(description = "Observe the leaf certificate the pod serves.")]
pub(crate) struct Tls {
    /// The port.
    port: Port,
}

/// `container: {…}` (observation).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(description = "A partial match of a container's status.")]
pub(crate) struct ContainerMatch {
    /// The container (default: the only one).
    #[serde(default)]
    name: ContainerName,
    /// The container's state.
    #[serde(default)]
    #[schemars(extend("enum" = STATES))]
    state: String,
    /// The reason of a waiting or terminated state, e.g. CreateContainerConfigError.
    #[serde(default)]
    reason: String,
    /// The restart count.
    #[serde(default)]
    restarts: u32,
}

/// `pod: {…}` (observation).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(description = "A partial match of the pod's status.")]
pub(crate) struct Pod {
    /// The pod's phase.
    #[schemars(extend("enum" = PHASES))]
    phase: String,
}

/// `event: {…}` (observation). Typed: `observation` reads it through `de`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(description = "Some event with that reason (contains then applies to its message).")]
pub(crate) struct Event {
    /// The event's reason, e.g. FailedMount.
    #[schemars(with = "String")]
    pub(crate) reason: NonEmpty,
}

leaf!(
    /// The `name:` of an earlier step.
    StepName,
    "stepName",
    {"type": "string", "minLength": 1}
);
leaf!(
    /// An absolute path as seen inside the container.
    ContainerPath,
    "containerPath",
    {"type": "string", "pattern": "^/"}
);
leaf!(
    /// The only target: `pod`.
    PodTarget,
    "podTarget",
    {"const": "pod"}
);
leaf!(
    /// Permission bits in octal, e.g. "0440".
    Mode,
    "mode",
    {"type": ["string", "integer"], "pattern": "^(0o)?[0-7]{1,5}$"}
);

/// `{"required": [key]}` for each key: exactly one of them (with `oneOf`).
fn one_required(keys: &[&str]) -> Vec<serde_json::Value> {
    keys.iter()
        .map(|key| serde_json::json!({"required": [key]}))
        .collect()
}

/// One step of `spec.steps`: one operation, optionally with a name.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(
    description = "One operation, optionally with a name.",
    extend("oneOf" = one_required(OPERATIONS))
)]
pub(crate) struct Step {
    /// The step's name, for after: and since: and in reports.
    #[serde(default)]
    #[schemars(length(min = 1))]
    name: String,
    /// Create or replace objects.
    #[serde(default)]
    #[schemars(with = "ObjectSource")]
    apply: Option<ObjectSource>,
    /// Merge into a ConfigMap or Secret; null deletes a key.
    #[serde(default)]
    #[schemars(with = "Update")]
    update: Option<Update>,
    /// Delete a ConfigMap or Secret.
    #[serde(default)]
    #[schemars(with = "Delete")]
    delete: Option<Delete>,
    /// Restart a container in the same pod: volumes persist, env and subPath are re-resolved.
    #[serde(default)]
    restart: ContainerName,
    /// A new pod: everything re-resolved; may fail to start.
    #[serde(default)]
    recreate: PodTarget,
    /// A pod update: kubelet syncs the pod at once.
    #[serde(default)]
    touch: PodTarget,
    /// Send a signal to a container's process.
    #[serde(default)]
    #[schemars(with = "Signal")]
    signal: Option<Signal>,
    /// Wait.
    #[serde(default)]
    sleep: DurationText,
    /// One observation, predicates on it, and a timing rule.
    #[serde(default)]
    #[schemars(with = "Assert")]
    assert: Option<Box<Assert>>,
}

/// `container:` of an assert: a name (selects the container of a file, dir, env, http or tls
/// observation) or the container observation itself.
#[derive(Default, Deserialize)]
#[allow(dead_code)]
pub(crate) struct ContainerField(String);

impl JsonSchema for ContainerField {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "containerField".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let name = generator.subschema_for::<ContainerName>();
        let observation = generator.subschema_for::<ContainerMatch>();
        json_schema!({"oneOf": [name, observation]})
    }
}

/// The observations of an assert, as `oneOf` branches: `container` observes only in its
/// mapping form (as a name it selects a container).
fn one_observation() -> Vec<serde_json::Value> {
    OBSERVATIONS
        .iter()
        .map(|obs| {
            if *obs == "container" {
                serde_json::json!({"required": ["container"], "properties": {"container": {"type": "object"}}})
            } else {
                serde_json::json!({"required": [obs]})
            }
        })
        .collect()
}

/// `assert:`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(
    description = "One observation, predicates on it, and a timing rule.",
    extend(
        "oneOf" = one_observation(),
        "not" = {"required": ["within", "throughout"]}
    )
)]
pub(crate) struct Assert {
    /// Observe a file's content inside the container.
    #[serde(default)]
    file: ContainerPath,
    /// Observe a directory's visible entry names, one per line.
    #[serde(default)]
    dir: ContainerPath,
    /// Observe a variable of the running process's environment.
    #[serde(default)]
    #[schemars(length(min = 1))]
    env: String,
    /// Observe a container's output since it started (or since:).
    #[serde(default)]
    log: ContainerName,
    /// Observe the response to a request to the pod on 127.0.0.1 (by default a GET like
    /// curl's).
    #[serde(default)]
    #[schemars(with = "Http")]
    http: Option<Http>,
    /// Observe the leaf certificate the pod serves.
    #[serde(default)]
    #[schemars(with = "Tls")]
    tls: Option<Tls>,
    /// A container name (selects the container of a file, dir, env, http or tls observation),
    /// or a partial match of a container's status.
    #[serde(default)]
    container: ContainerField,
    /// A partial match of the pod's status.
    #[serde(default)]
    #[schemars(with = "Pod")]
    pod: Option<Pod>,
    /// Some event with that reason (contains then applies to its message).
    #[serde(default)]
    #[schemars(with = "Event")]
    event: Option<Event>,
    /// log: only output after that step completed.
    #[serde(default)]
    since: StepName,
    /// The whole text equals this.
    #[serde(default)]
    equals: Text,
    /// The whole text differs from this.
    #[serde(default)]
    not_equals: Text,
    /// The text contains this.
    #[serde(default)]
    contains: Text,
    /// The text does not contain this.
    #[serde(default)]
    not_contains: Text,
    /// The text matches this regular expression.
    #[serde(default)]
    matches: String,
    /// The file or directory exists, the variable is set.
    #[serde(default)]
    exists: bool,
    /// Permission bits in octal, e.g. "0440".
    #[serde(default)]
    mode: Mode,
    /// The number of non-overlapping matches of contains or matches.
    #[serde(default)]
    count: u32,
    /// The path's symlink target.
    #[serde(default)]
    link_target: String,
    /// http: the response status.
    #[serde(default)]
    #[schemars(range(min = 100, max = 599))]
    status: u16,
    /// tls: the certificate subject's common name.
    #[serde(default)]
    cn: Text,
    /// tls: the certificate's SHA-256 fingerprint.
    #[serde(default)]
    sha256: String,
    /// Eventually: passes on the first good sample within this time.
    #[serde(default)]
    within: DurationText,
    /// Consistently: fails on the first bad sample within this time.
    #[serde(default)]
    throughout: DurationText,
    /// Measure the latency from that step's completion (with within).
    #[serde(default)]
    after: StepName,
}

leaf!(
    /// kubedrill extension: the Kubernetes minor version whose kubelet is reproduced where
    /// versions differ, e.g. "1.29" (default: current).
    KubeVersionText,
    "kubernetesVersion",
    {"type": ["string", "number"]}
);

/// `spec.timing`: a profile name or custom values.
#[derive(Default, Deserialize)]
#[allow(dead_code)]
pub(crate) struct TimingField(String);

impl JsonSchema for TimingField {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "timing".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let custom = generator.subschema_for::<CustomTiming>();
        json_schema!({
            "oneOf": [
                {"type": "string", "enum": TIMING_PROFILES},
                custom
            ]
        })
    }
}

/// `spec`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(description = "What to set up and what to do.")]
pub(crate) struct Spec {
    /// How kubelet's sync loop is timed: fast (default: a sync right after every mutation),
    /// kubelet (defaults: 60s sync period, jitter 0.5, watch) or custom values.
    #[serde(default)]
    timing: TimingField,
    /// kubedrill extension: the Kubernetes minor version whose kubelet is reproduced where
    /// versions differ, e.g. "1.29" (default: current).
    #[serde(default)]
    kubernetes_version: KubeVersionText,
    /// API objects (ConfigMaps, Secrets) that exist before the workload starts.
    #[serde(default)]
    objects: Vec<ObjectSource>,
    /// The pod: a Pod, or a Deployment/StatefulSet/DaemonSet/ReplicaSet/Job/CronJob whose pod
    /// template is used.
    workload: Workload,
    /// The steps, in order; each is one operation.
    #[schemars(length(min = 1))]
    steps: Vec<Step>,
    /// An expected failure (xfail): the scenario passes when it fails exactly at the step
    /// `fail` names (and, if `message` is given, its failure message contains it); it fails
    /// when it passes or fails elsewhere.
    #[serde(default)]
    #[schemars(with = "super::format::Expect")]
    expect: Option<super::format::Expect>,
}

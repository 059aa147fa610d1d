//! The hand-decoded mappings of the format as written: for each, its field names (in the order
//! hints list them), what each field is (doc comments) and its JSON type, as Rust types.
//!
//! The decoder takes its field lists from here (unknown field, "did you mean") and the JSON
//! Schema is generated from here (schemars), so a field's name, description and type are
//! written once. These types are never filled with values: the decoder (`load`, `workload`,
//! `sources`, `steps`, `observation`) reads values from the located tree with its own located
//! messages, and must read a field added here. It must not decide anything a value means.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;

use super::format::{HTTP_METHODS, SIGNALS};

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
    description = "A manifest file or one inline object (ConfigMap or Secret).",
    extend("oneOf" = [{"required": ["file"]}, {"required": ["inline"]}])
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

/// `event: {…}` (observation).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
#[schemars(description = "Some event with that reason (contains then applies to its message).")]
pub(crate) struct Event {
    /// The event's reason, e.g. FailedMount.
    reason: String,
}

//! The JSON Schema of the scenario format, for editors (yaml-language-server:
//! `# yaml-language-server: $schema=scenario.schema.json`) and `kubedrill schema`.
//!
//! The typed parts of the format (`metadata`, `spec.expect`) are generated from their Rust
//! types with schemars; the rest is still written by hand from the field lists the loader
//! checks against (a unit test keeps them in sync). The schema catches structure (field names, types, enums, one operation per step);
//! the loader checks more (references, durations, regexes), so a file valid against the schema
//! can still be rejected by `kubedrill validate`.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::fields::{DETECTIONS, OBSERVATIONS, OPERATIONS, PHASES, STATES, TIMING_PROFILES};
use super::format::{API_VERSION, Expect, HTTP_METHODS, KIND, SIGNALS};
use super::metadata::Metadata;

/// The schema's `$id`.
pub const SCHEMA_ID: &str = "https://kubedrill.dev/schemas/scenario-v1alpha1.json";

/// The JSON Schema (draft-07) of scenario files: `additionalProperties: false` wherever the
/// loader is strict, a description on every field, enums for profiles, states and phases.
pub fn json_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "kubedrill scenario (v1alpha1)",
        "description": "A kubedrill scenario: API objects, a workload, and steps that change \
                        the objects and assert what the app sees.",
        "type": "object",
        "additionalProperties": false,
        "required": ["apiVersion", "kind", "spec"],
        "properties": {
            "apiVersion": {"const": API_VERSION, "description": "The format version."},
            "kind": {"const": KIND, "description": "Always `Scenario`."},
            "metadata": typed::<Metadata>(),
            "spec": {"$ref": "#/definitions/spec"}
        },
        "definitions": definitions()
    })
}

/// The schema of a part of the format that is defined as a typed struct (schemars reads the
/// type: its fields, their doc comments, `deny_unknown_fields`), inlined as draft-07.
fn typed<T: JsonSchema>() -> Value {
    let mut settings = SchemaSettings::draft07();
    settings.inline_subschemas = true;
    let mut value = settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if let Some(object) = value.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
    }
    not_null(&mut value);
    value
}

/// An optional field is optional by being absent: the loader refuses a null value, so the
/// `null` schemars adds to an `Option`'s type goes, with its `default` annotations (the field
/// descriptions say the defaults).
fn not_null(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("default");
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    map.insert("type".into(), only);
                }
            }
            map.values_mut().for_each(not_null);
        }
        Value::Array(items) => items.iter_mut().for_each(not_null),
        _ => {}
    }
}

fn definitions() -> Value {
    let mut defs = Map::new();
    let mut add = |name: &str, schema: Value| {
        defs.insert(name.to_string(), schema);
    };
    add(
        "duration",
        json!({
            "type": "string",
            "pattern": "^\\s*([0-9]+(\\.[0-9]+)?\\s*[a-zA-Zµ]+\\s*)+$",
            "description": "A duration such as 500ms, 10s, 1m30s."
        }),
    );
    add(
        "text",
        json!({
            "type": ["string", "number", "boolean"],
            "description": "Text (an unquoted number or boolean is taken as written)."
        }),
    );
    add(
        "stepName",
        json!({
            "type": "string",
            "minLength": 1,
            "description": "The `name:` of an earlier step."
        }),
    );
    add(
        "containerName",
        json!({
            "type": "string",
            "minLength": 1,
            "description": "A container of the workload's pod."
        }),
    );
    add(
        "containerPath",
        json!({
            "type": "string",
            "pattern": "^/",
            "description": "An absolute path as seen inside the container."
        }),
    );
    add(
        "port",
        json!({
            "type": "integer", "minimum": 1, "maximum": 65535,
            "description": "A port the pod listens on."
        }),
    );
    add(
        "spec",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["workload", "steps"],
            "description": "What to set up and what to do.",
            "properties": {
                "timing": {"$ref": "#/definitions/timing"},
                "kubernetesVersion": {
                    "type": ["string", "number"],
                    "description": "kubedrill extension: the Kubernetes minor version whose kubelet \
                                    is reproduced where versions differ, e.g. \"1.29\" (default: \
                                    current)."
                },
                "objects": {
                    "type": "array",
                    "description": "API objects (ConfigMaps, Secrets) that exist before the \
                                    workload starts.",
                    "items": {"$ref": "#/definitions/objectSource"}
                },
                "workload": {"$ref": "#/definitions/workload"},
                "steps": {
                    "type": "array",
                    "minItems": 1,
                    "description": "The steps, in order; each is one operation.",
                    "items": {"$ref": "#/definitions/step"}
                },
                "expect": typed::<Expect>()
            }
        }),
    );
    add(
        "timing",
        json!({
            "description": "How kubelet's sync loop is timed: fast (default: a sync right after \
                            every mutation), kubelet (defaults: 60s sync period, jitter 0.5, watch) \
                            or custom values.",
            "oneOf": [
                {"type": "string", "enum": TIMING_PROFILES},
                {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "syncPeriod": {"$ref": "#/definitions/duration",
                                       "description": "How often each pod is re-synced (default 60s)."},
                        "jitter": {"type": "number", "minimum": 0,
                                   "description": "Jitter factor of the sync period (default 0.5)."},
                        "detection": {"type": "string", "enum": DETECTIONS,
                                      "description": "How kubelet notices object changes (default watch)."},
                        "cacheTTL": {"$ref": "#/definitions/duration",
                                     "description": "TTL of cached objects with detection: cache (default 60s)."},
                        "seed": {"type": "integer", "minimum": 0,
                                 "description": "Random seed for jitter (default: one per run, reported)."}
                    }
                }
            ]
        }),
    );
    add(
        "objectSource",
        json!({
            "type": "object",
            "additionalProperties": false,
            "description": "A manifest file or one inline object (ConfigMap or Secret).",
            "properties": {
                "file": {"type": "string", "minLength": 1,
                         "description": "A manifest file, relative to the scenario file; may hold \
                                         several documents."},
                "inline": {"type": "object",
                           "description": "A ConfigMap or Secret written in place.",
                           "required": ["apiVersion", "kind", "metadata"]}
            },
            "oneOf": [{"required": ["file"]}, {"required": ["inline"]}]
        }),
    );
    add(
        "workload",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["file"],
            "description": "The pod: a Pod, or a Deployment/StatefulSet/DaemonSet/ReplicaSet/Job/\
                            CronJob whose pod template is used.",
            "properties": {
                "file": {"type": "string", "minLength": 1,
                         "description": "The manifest file, relative to the scenario file."},
                "run": {
                    "type": "object",
                    "description": "Local backends: how each container runs (every container needs \
                                    a command).",
                    "additionalProperties": {"$ref": "#/definitions/run"}
                }
            }
        }),
    );
    add(
        "run",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["command"],
            "description": "How one container runs as a local process.",
            "properties": {
                "command": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/text"},
                            "description": "The program and its first arguments. `$(VAR)` is \
                                            expanded from the container's env as kubelet expands \
                                            a container's command (`$$` for a literal `$`)."},
                "args": {"type": "array", "items": {"$ref": "#/definitions/text"},
                         "description": "More arguments, expanded like `command`."},
                "workingDir": {"type": "string",
                               "description": "Where the process starts, relative to the scenario \
                                               file (default: its directory)."},
                "env": {"type": "object",
                        "additionalProperties": {"$ref": "#/definitions/text"},
                        "description": "Extra host-side environment variables, added to the \
                                        container's resolved env (which wins on a clash)."},
                "image": {"type": "string",
                          "description": "Docker backend: overrides the manifest's image."}
            }
        }),
    );
    add("step", step());
    add(
        "update",
        json!({
            "type": "object",
            "additionalProperties": false,
            "description": "Merge into a ConfigMap or Secret; null deletes a key.",
            "properties": {
                "configMap": {"type": "string", "description": "The ConfigMap's name."},
                "secret": {"type": "string", "description": "The Secret's name."},
                "data": {"$ref": "#/definitions/dataMap",
                         "description": "Keys to set (ConfigMap: text; Secret: base64); null deletes."},
                "binaryData": {"$ref": "#/definitions/dataMap",
                               "description": "ConfigMap only: base64 values; null deletes."},
                "stringData": {"$ref": "#/definitions/dataMap",
                               "description": "Secret only: plain-text values; null deletes."}
            },
            "oneOf": [{"required": ["configMap"]}, {"required": ["secret"]}]
        }),
    );
    add(
        "dataMap",
        json!({
            "type": "object",
            "propertyNames": {"pattern": "^[-._a-zA-Z0-9]+$"},
            "additionalProperties": {"type": ["string", "null"]}
        }),
    );
    add(
        "delete",
        json!({
            "type": "object",
            "additionalProperties": false,
            "description": "Delete a ConfigMap or Secret.",
            "properties": {
                "configMap": {"type": "string", "description": "The ConfigMap's name."},
                "secret": {"type": "string", "description": "The Secret's name."}
            },
            "oneOf": [{"required": ["configMap"]}, {"required": ["secret"]}]
        }),
    );
    let signals: Vec<String> = SIGNALS
        .iter()
        .flat_map(|s| [s.to_string(), format!("SIG{s}")])
        .collect();
    add(
        "signal",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["signal"],
            "description": "Send a signal to a container's process.",
            "properties": {
                "container": {"$ref": "#/definitions/containerName",
                              "description": "The container (default: the only one)."},
                "signal": {"type": "string", "enum": signals,
                           "description": "The signal, e.g. HUP or TERM."}
            }
        }),
    );
    add("assert", assert());
    Value::Object(defs)
}

fn step() -> Value {
    let descriptions = [
        (
            "apply",
            json!({"$ref": "#/definitions/objectSource",
                         "description": "Create or replace objects."}),
        ),
        ("update", json!({"$ref": "#/definitions/update"})),
        ("delete", json!({"$ref": "#/definitions/delete"})),
        (
            "restart",
            json!({"$ref": "#/definitions/containerName",
                           "description": "Restart a container in the same pod: volumes persist, \
                                           env and subPath are re-resolved."}),
        ),
        (
            "recreate",
            json!({"const": "pod",
                            "description": "A new pod: everything re-resolved; may fail to start."}),
        ),
        (
            "touch",
            json!({"const": "pod",
                         "description": "A pod update: kubelet syncs the pod at once."}),
        ),
        ("signal", json!({"$ref": "#/definitions/signal"})),
        (
            "sleep",
            json!({"$ref": "#/definitions/duration", "description": "Wait."}),
        ),
        ("assert", json!({"$ref": "#/definitions/assert"})),
    ];
    let mut properties = Map::new();
    properties.insert(
        "name".into(),
        json!({"type": "string", "minLength": 1,
               "description": "The step's name, for after: and since: and in reports."}),
    );
    for (name, schema) in descriptions {
        properties.insert(name.into(), schema);
    }
    let one_of: Vec<Value> = OPERATIONS
        .iter()
        .map(|op| json!({"required": [op]}))
        .collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "One operation, optionally with a name.",
        "properties": properties,
        "oneOf": one_of
    })
}

fn assert() -> Value {
    let text =
        |description: &str| json!({"$ref": "#/definitions/text", "description": description});
    // `container` is both an observation (a mapping) and a selector (a name): the observation
    // branch requires the mapping form.
    let one_of: Vec<Value> = OBSERVATIONS
        .iter()
        .map(|obs| {
            if *obs == "container" {
                json!({"required": ["container"], "properties": {"container": {"type": "object"}}})
            } else {
                json!({"required": [obs]})
            }
        })
        .collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "One observation, predicates on it, and a timing rule.",
        "properties": {
            "file": {"$ref": "#/definitions/containerPath",
                     "description": "Observe a file's content inside the container."},
            "dir": {"$ref": "#/definitions/containerPath",
                    "description": "Observe a directory's visible entry names, one per line."},
            "env": {"type": "string", "minLength": 1,
                    "description": "Observe a variable of the running process's environment."},
            "log": {"$ref": "#/definitions/containerName",
                    "description": "Observe a container's output since it started (or since:)."},
            "http": {
                "type": "object",
                "additionalProperties": false,
                "required": ["port"],
                "description": "Observe the response to a request to the pod on 127.0.0.1 \
                                (by default a GET like curl's).",
                "properties": {
                    "port": {"$ref": "#/definitions/port"},
                    "path": {"type": "string", "pattern": "^/\\S*$",
                             "description": "The request path (default /)."},
                    "method": {"type": "string", "enum": HTTP_METHODS,
                               "description": "The request method (default GET)."},
                    "headers": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "pattern": "^[^\\r\\n]*$"},
                        "propertyNames": {"pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},
                        "description": "Request headers; each replaces the default of the \
                                        same name (Host: 127.0.0.1:PORT, User-Agent, \
                                        Accept: */*, Connection: close)."
                    },
                    "body": {"type": "string",
                             "description": "The request body (not with GET or HEAD)."}
                }
            },
            "tls": {
                "type": "object",
                "additionalProperties": false,
                "required": ["port"],
                "description": "Observe the leaf certificate the pod serves.",
                "properties": {"port": {"$ref": "#/definitions/port"}}
            },
            "container": {
                "description": "A container name (selects the container of a file, dir, env, \
                                http or tls observation), or a partial match of a container's \
                                status.",
                "oneOf": [
                    {"$ref": "#/definitions/containerName"},
                    {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "name": {"$ref": "#/definitions/containerName"},
                            "state": {"type": "string", "enum": STATES,
                                      "description": "The container's state."},
                            "reason": {"type": "string",
                                       "description": "e.g. CreateContainerConfigError"},
                            "restarts": {"type": "integer", "minimum": 0,
                                         "description": "The restart count."}
                        }
                    }
                ]
            },
            "pod": {
                "type": "object",
                "additionalProperties": false,
                "required": ["phase"],
                "description": "A partial match of the pod's status.",
                "properties": {"phase": {"type": "string", "enum": PHASES,
                                         "description": "The pod's phase."}}
            },
            "event": {
                "type": "object",
                "additionalProperties": false,
                "required": ["reason"],
                "description": "Some event with that reason (contains then applies to its message).",
                "properties": {"reason": {"type": "string", "description": "e.g. FailedMount"}}
            },
            "since": {"$ref": "#/definitions/stepName",
                      "description": "log: only output after that step completed."},
            "equals": text("The whole text equals this."),
            "notEquals": text("The whole text differs from this."),
            "contains": text("The text contains this."),
            "notContains": text("The text does not contain this."),
            "matches": {"type": "string", "description": "The text matches this regular expression."},
            "exists": {"type": "boolean",
                       "description": "The file or directory exists, the variable is set."},
            "mode": {"type": ["string", "integer"], "pattern": "^(0o)?[0-7]{1,5}$",
                     "description": "Permission bits in octal, e.g. \"0440\"."},
            "count": {"type": "integer", "minimum": 0,
                      "description": "The number of non-overlapping matches of contains or matches."},
            "linkTarget": {"type": "string", "description": "The path's symlink target."},
            "status": {"type": "integer", "minimum": 100, "maximum": 599,
                       "description": "http: the response status."},
            "cn": text("tls: the certificate subject's common name."),
            "sha256": {"type": "string", "description": "tls: the certificate's SHA-256 fingerprint."},
            "within": {"$ref": "#/definitions/duration",
                       "description": "Eventually: passes on the first good sample within this time."},
            "throughout": {"$ref": "#/definitions/duration",
                           "description": "Consistently: fails on the first bad sample within this time."},
            "after": {"$ref": "#/definitions/stepName",
                      "description": "Measure the latency from that step's completion (with within)."}
        },
        "oneOf": one_of,
        "not": {"required": ["within", "throughout"]}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::de::fields_of;
    use crate::scenario::fields::{
        ASSERT_FIELDS, CONTAINER_FIELDS, DELETE_FIELDS, EVENT_FIELDS, HTTP_FIELDS, OBJECT_FIELDS,
        POD_FIELDS, RUN_FIELDS, SIGNAL_FIELDS, SPEC_FIELDS, STEP_FIELDS, TIMING_FIELDS, TLS_FIELDS,
        TOP_FIELDS, UPDATE_FIELDS, WORKLOAD_FIELDS,
    };

    fn keys(schema: &Value) -> Vec<String> {
        let mut keys: Vec<String> = schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn sorted(fields: &[&str]) -> Vec<String> {
        let mut fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        fields.sort();
        fields
    }

    #[test]
    fn schema_fields_match_the_loader() {
        let schema = json_schema();
        let defs = &schema["definitions"];
        let container = &defs["assert"]["properties"]["container"]["oneOf"][1];
        let timing = &defs["timing"]["oneOf"][1];
        let cases: [(&Value, &[&str]); 17] = [
            (&schema, TOP_FIELDS),
            (&schema["properties"]["metadata"], fields_of::<Metadata>()),
            (&defs["spec"]["properties"]["expect"], fields_of::<Expect>()),
            (&defs["spec"], SPEC_FIELDS),
            (timing, TIMING_FIELDS),
            (&defs["objectSource"], OBJECT_FIELDS),
            (&defs["workload"], WORKLOAD_FIELDS),
            (&defs["run"], RUN_FIELDS),
            (&defs["step"], STEP_FIELDS),
            (&defs["update"], UPDATE_FIELDS),
            (&defs["delete"], DELETE_FIELDS),
            (&defs["signal"], SIGNAL_FIELDS),
            (&defs["assert"], ASSERT_FIELDS),
            (&defs["assert"]["properties"]["http"], HTTP_FIELDS),
            (&defs["assert"]["properties"]["tls"], TLS_FIELDS),
            (container, CONTAINER_FIELDS),
            (&defs["assert"]["properties"]["pod"], POD_FIELDS),
        ];
        for (node, fields) in cases {
            assert_eq!(keys(node), sorted(fields));
            assert_eq!(node["additionalProperties"], Value::Bool(false));
        }
        assert_eq!(
            keys(&defs["assert"]["properties"]["event"]),
            sorted(EVENT_FIELDS)
        );
    }

    #[test]
    fn every_property_is_described() {
        fn walk(value: &Value, path: &str) {
            if let Some(properties) = value.get("properties").and_then(Value::as_object) {
                for (name, schema) in properties {
                    let described = schema.get("description").is_some()
                        || schema.get("$ref").is_some()
                        || path.ends_with("oneOf");
                    assert!(described, "{path}.{name} has no description");
                    walk(schema, &format!("{path}.{name}"));
                }
            }
            for key in ["definitions", "oneOf"] {
                match value.get(key) {
                    Some(Value::Object(map)) => {
                        for (name, schema) in map {
                            walk(schema, &format!("{path}.{name}"));
                        }
                    }
                    Some(Value::Array(items)) => {
                        for item in items {
                            walk(item, &format!("{path}.{key}"));
                        }
                    }
                    _ => {}
                }
            }
        }
        walk(&json_schema(), "");
    }
}

//! The JSON Schema of the scenario format, for editors (yaml-language-server:
//! `# yaml-language-server: $schema=scenario.schema.json`) and `kubedrill schema`.
//!
//! Generated from the format's types with schemars (draft-07, subschemas inlined): `metadata`
//! and `spec.expect` (typed values), and every mapping below `spec` (steps, asserts,
//! observations, `run`, `workload`, object sources, custom `timing`, `update`, `delete`,
//! `signal`, and `spec` itself: the types in `written`, whose field lists the decoder also
//! checks against). Only the top level (`apiVersion`, `kind`, `metadata`, `spec`) is written
//! here. The schema catches structure (field names, types, enums, one operation per
//! step, one observation per assert); the loader checks more (references, durations,
//! regexes), so a file valid against the schema can still be rejected by `kubedrill validate`.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::format::{API_VERSION, KIND};
use super::metadata::Metadata;
use super::written;

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
/// descriptions say the defaults). Descriptions from wrapped doc comments become one line.
fn not_null(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let from_option = map.remove("default").is_some_and(|d| d.is_null());
            if let Some(Value::Array(types)) = map.get_mut("type")
                && from_option
            {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    map.insert("type".into(), only);
                }
            }
            // Doc comments wrap; a description is one paragraph.
            if let Some(Value::String(text)) = map.get_mut("description") {
                *text = text.replace('\n', " ");
            }
            map.values_mut().for_each(not_null);
        }
        Value::Array(items) => items.iter_mut().for_each(not_null),
        _ => {}
    }
}

/// One definition, `spec`, with everything below it inlined (schemars' `inline_subschemas`).
fn definitions() -> Value {
    let mut defs = Map::new();
    defs.insert("spec".into(), typed::<written::Spec>());
    Value::Object(defs)
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
        // Everything below spec is inlined: walk to each mapping.
        let spec = &defs["spec"];
        let step = &spec["properties"]["steps"]["items"];
        let workload = &spec["properties"]["workload"];
        let assert = &step["properties"]["assert"];
        let container = &assert["properties"]["container"]["oneOf"][1];
        let timing = &spec["properties"]["timing"]["oneOf"][1];
        let cases: [(&Value, &[&str]); 17] = [
            (&schema, TOP_FIELDS),
            (&schema["properties"]["metadata"], fields_of::<Metadata>()),
            (
                &spec["properties"]["expect"],
                fields_of::<crate::scenario::Expect>(),
            ),
            (spec, *SPEC_FIELDS),
            (timing, *TIMING_FIELDS),
            (&spec["properties"]["objects"]["items"], *OBJECT_FIELDS),
            (workload, *WORKLOAD_FIELDS),
            (
                &workload["properties"]["run"]["additionalProperties"],
                *RUN_FIELDS,
            ),
            (step, *STEP_FIELDS),
            (&step["properties"]["update"], *UPDATE_FIELDS),
            (&step["properties"]["delete"], *DELETE_FIELDS),
            (&step["properties"]["signal"], *SIGNAL_FIELDS),
            (assert, *ASSERT_FIELDS),
            (&assert["properties"]["http"], *HTTP_FIELDS),
            (&assert["properties"]["tls"], *TLS_FIELDS),
            (container, *CONTAINER_FIELDS),
            (&assert["properties"]["pod"], *POD_FIELDS),
        ];
        for (node, fields) in cases {
            assert_eq!(keys(node), sorted(fields));
            assert_eq!(node["additionalProperties"], Value::Bool(false));
        }
        assert_eq!(keys(&assert["properties"]["event"]), sorted(*EVENT_FIELDS));
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

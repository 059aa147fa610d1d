//! ConfigMap validation (§8.1, §8.2, §8.5): keys, the 1 MiB size limit, `immutable` on update.
//!
//! Owns the ConfigMap rules only; key and name rules come from `names`.

use super::*;

// ---------------------------------------------------------------------------------------------
// ConfigMap (§8.1, §8.2, §8.5)
// ---------------------------------------------------------------------------------------------

/// The bytes a ConfigMap holds for the 1 MiB limit: `data` values as UTF-8 bytes plus
/// `binaryData` raw bytes. Keys and metadata are not counted.
pub fn config_map_size(config_map: &ConfigMap) -> usize {
    let data: usize = config_map
        .data
        .iter()
        .flatten()
        .map(|(_, value)| value.len())
        .sum();
    let binary: usize = config_map
        .binary_data
        .iter()
        .flatten()
        .map(|(_, value)| value.0.len())
        .sum();
    data + binary
}

pub(super) fn config_map_errors(config_map: &ConfigMap) -> Vec<FieldError> {
    let mut errors = validate_object_meta(&config_map.metadata);
    let data_path = FieldPath::new("data");
    let binary_path = FieldPath::new("binaryData");
    for key in config_map.data.iter().flatten().map(|(k, _)| k) {
        for message in config_map_key_errors(key) {
            errors.push(FieldError::invalid(
                data_path.key(key),
                BadValue::String(key.clone()),
                &message,
            ));
        }
        if config_map
            .binary_data
            .as_ref()
            .is_some_and(|binary| binary.contains_key(key))
        {
            errors.push(FieldError::invalid(
                data_path.key(key),
                BadValue::String(key.clone()),
                "duplicate of key present in binaryData",
            ));
        }
    }
    for key in config_map.binary_data.iter().flatten().map(|(k, _)| k) {
        for message in config_map_key_errors(key) {
            errors.push(FieldError::invalid(
                binary_path.key(key),
                BadValue::String(key.clone()),
                &message,
            ));
        }
    }
    if config_map_size(config_map) > MAX_DATA_SIZE {
        // Upstream passes field.NewPath(""): the error is about the whole object.
        errors.push(FieldError::too_long(
            FieldPath::whole_object(),
            MAX_DATA_SIZE,
        ));
    }
    errors
}

/// Validates a ConfigMap as the API server does on create (§8.1, §8.2): its name, every key in
/// `data` and `binaryData`, no key in both, and at most 1 MiB of values.
pub fn validate_config_map(config_map: &ConfigMap) -> Result<(), ValidationError> {
    into_result(
        "ConfigMap",
        object_name(&config_map.metadata),
        config_map_errors(config_map),
    )
}

pub(super) fn is_immutable(flag: Option<bool>) -> bool {
    flag == Some(true)
}

/// `None` and an empty map are the same thing once stored.
pub(super) fn same_map<V: PartialEq>(
    a: &Option<std::collections::BTreeMap<String, V>>,
    b: &Option<std::collections::BTreeMap<String, V>>,
) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        (Some(m), None) | (None, Some(m)) => m.is_empty(),
        (None, None) => true,
    }
}

/// §8.5: once `immutable: true` is set, the flag cannot be cleared and none of `fields`
/// (name, whether it changed) may change; metadata may.
pub(super) fn immutability_errors(
    old: Option<bool>,
    new: Option<bool>,
    fields: &[(&str, bool)],
) -> Vec<FieldError> {
    if !is_immutable(old) {
        return Vec::new();
    }
    let cleared = (!is_immutable(new)).then_some("immutable");
    cleared
        .into_iter()
        .chain(
            fields
                .iter()
                .filter(|(_, changed)| *changed)
                .map(|(f, _)| *f),
        )
        .map(|f| FieldError::forbidden(FieldPath::new(f), IMMUTABLE_WHEN_SET))
        .collect()
}

/// Validates replacing `old` by `new` (§8.5): once `immutable: true` is set, `data` and
/// `binaryData` cannot change and the flag cannot be cleared; metadata may still change. The
/// new object must also pass [`validate_config_map`].
pub fn validate_update_config_map(old: &ConfigMap, new: &ConfigMap) -> Result<(), ValidationError> {
    let mut errors = immutability_errors(
        old.immutable,
        new.immutable,
        &[
            ("data", !same_map(&old.data, &new.data)),
            ("binaryData", !same_map(&old.binary_data, &new.binary_data)),
        ],
    );
    errors.extend(config_map_errors(new));
    into_result("ConfigMap", object_name(&new.metadata), errors)
}

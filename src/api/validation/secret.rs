//! Secret validation (§8.3, §8.4, §8.5): keys, size, the per-type required keys
//! (`kubernetes.io/tls`, `dockerconfigjson`, ...), `immutable` on update, and the `stringData` merge.
//!
//! Owns the Secret rules only. Secret values are never echoed in its messages.

use super::*;

// ---------------------------------------------------------------------------------------------
// Secret (§8.3, §8.4, §8.5)
// ---------------------------------------------------------------------------------------------

/// Moves `stringData` into `data`, overwriting keys present in both, and clears `stringData`
/// — what the API server does before it validates or stores a Secret (§8.3).
pub fn merge_string_data(secret: &mut Secret) {
    if let Some(string_data) = secret.string_data.take() {
        if string_data.is_empty() {
            return;
        }
        let data = secret.data.get_or_insert_with(Default::default);
        for (key, value) in string_data {
            data.insert(key, k8s_openapi::ByteString(value.into_bytes()));
        }
    }
}

/// The Secret's type, `Opaque` when unset or empty (§8.4).
pub fn secret_type(secret: &Secret) -> &str {
    match secret.type_.as_deref() {
        None | Some("") => SECRET_TYPE_OPAQUE,
        Some(t) => t,
    }
}

/// The bytes a Secret holds for the 1 MiB limit: the decoded `data` values (keys excluded).
/// Call it after [`merge_string_data`].
pub fn secret_size(secret: &Secret) -> usize {
    secret
        .data
        .iter()
        .flatten()
        .map(|(_, value)| value.0.len())
        .sum()
}

/// Go's `json.Unmarshal(bytes, &map[string]interface{}{})`: valid JSON holding an object.
pub(super) fn json_object_error(bytes: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Err(err) => Some(err.to_string()),
        Ok(serde_json::Value::Object(_)) | Ok(serde_json::Value::Null) => None,
        Ok(other) => {
            let found = match other {
                serde_json::Value::Array(_) => "array",
                serde_json::Value::String(_) => "string",
                serde_json::Value::Number(_) => "number",
                _ => "bool",
            };
            Some(format!(
                "json: cannot unmarshal {found} into Go value of type map[string]interface {{}}"
            ))
        }
    }
}

pub(super) fn secret_errors(secret: &Secret) -> Vec<FieldError> {
    let mut errors = validate_object_meta(&secret.metadata);
    let data_path = FieldPath::new("data");
    let empty = std::collections::BTreeMap::new();
    let data = secret.data.as_ref().unwrap_or(&empty);
    for key in data.keys() {
        for message in config_map_key_errors(key) {
            errors.push(FieldError::invalid(
                data_path.key(key),
                BadValue::String(key.clone()),
                &message,
            ));
        }
    }
    if secret_size(secret) > MAX_DATA_SIZE {
        errors.push(FieldError::too_long(data_path.clone(), MAX_DATA_SIZE));
    }

    let json_key = |key: &str, errors: &mut Vec<FieldError>| match data.get(key) {
        None => errors.push(FieldError::required(data_path.key(key), "")),
        Some(bytes) => {
            if let Some(message) = json_object_error(&bytes.0) {
                errors.push(FieldError::invalid(
                    data_path.key(key),
                    BadValue::Redacted,
                    &message,
                ));
            }
        }
    };
    match secret_type(secret) {
        SECRET_TYPE_SERVICE_ACCOUNT_TOKEN => {
            let annotated = secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(SERVICE_ACCOUNT_NAME_ANNOTATION))
                .is_some_and(|v| !v.is_empty());
            if !annotated {
                errors.push(FieldError::required(
                    FieldPath::new("metadata")
                        .child("annotations")
                        .key(SERVICE_ACCOUNT_NAME_ANNOTATION),
                    "",
                ));
            }
        }
        SECRET_TYPE_DOCKERCFG => json_key(".dockercfg", &mut errors),
        SECRET_TYPE_DOCKER_CONFIG_JSON => json_key(".dockerconfigjson", &mut errors),
        // Either may be empty, but one of them must be present.
        SECRET_TYPE_BASIC_AUTH
            if !data.contains_key("username") && !data.contains_key("password") =>
        {
            errors.push(FieldError::required(data_path.key("username"), ""));
            errors.push(FieldError::required(data_path.key("password"), ""));
        }
        SECRET_TYPE_SSH_AUTH if data.get("ssh-privatekey").is_none_or(|v| v.0.is_empty()) => {
            errors.push(FieldError::required(data_path.key("ssh-privatekey"), ""));
        }
        SECRET_TYPE_TLS => {
            for key in ["tls.crt", "tls.key"] {
                if !data.contains_key(key) {
                    errors.push(FieldError::required(data_path.key(key), ""));
                }
            }
        }
        _ => {}
    }
    errors
}

/// Validates a Secret as the API server does on create (§8.1, §8.3, §8.4): its name, every
/// key, at most 1 MiB of decoded values, and the keys its type requires. Call it after
/// [`merge_string_data`]: `stringData` is not looked at. Values never appear in the error.
pub fn validate_secret(secret: &Secret) -> Result<(), ValidationError> {
    into_result(
        "Secret",
        object_name(&secret.metadata),
        secret_errors(secret),
    )
}

/// Validates replacing `old` by `new` (§8.4, §8.5): the type never changes (`field is
/// immutable`); once `immutable: true` is set, `data` cannot change and the flag cannot be
/// cleared. The new Secret must also pass [`validate_secret`]. Both are expected with
/// `stringData` already merged.
pub fn validate_update_secret(old: &Secret, new: &Secret) -> Result<(), ValidationError> {
    let mut errors = Vec::new();
    let new_type = secret_type(new);
    if new_type != secret_type(old) {
        errors.push(FieldError::invalid(
            FieldPath::new("type"),
            BadValue::String(new_type.to_string()),
            FIELD_IMMUTABLE,
        ));
    }
    errors.extend(immutability_errors(
        old.immutable,
        new.immutable,
        &[("data", !same_map(&old.data, &new.data))],
    ));
    errors.extend(secret_errors(new));
    into_result("Secret", object_name(&new.metadata), errors)
}

//! Keys and names (apimachinery `util/validation`): ConfigMap keys, RFC 1123 labels and subdomains,
//! and object metadata.
//!
//! Owns these naming rules and their messages. It knows nothing about ConfigMap or Secret content.

use super::*;

// ---------------------------------------------------------------------------------------------
// Keys and names (apimachinery util/validation)
// ---------------------------------------------------------------------------------------------

pub(super) fn max_len_error(max: usize) -> String {
    format!("must be no more than {max} characters")
}

/// apimachinery's `RegexError`: the message, the examples, and the regex.
pub(crate) fn regex_error(message: &str, format: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{message} (regex used for validation is '{format}')");
    }
    let mut out = format!("{message} (e.g. ");
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            // Upstream appends " or " after "', ", hence the double space.
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(example);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(format);
    out.push_str("')");
    out
}

/// Why `key` is not a valid ConfigMap/Secret key (`IsConfigMapKey`); empty when it is valid.
/// Keys match `[-._a-zA-Z0-9]+`, are at most 253 characters, are not `.` or `..` and do not
/// start with `..`.
pub fn config_map_key_errors(key: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if key.len() > MAX_KEY_LENGTH {
        errors.push(max_len_error(MAX_KEY_LENGTH));
    }
    let charset_ok = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !charset_ok {
        errors.push(regex_error(
            CONFIG_KEY_ERROR,
            CONFIG_KEY_FORMAT,
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    errors.extend(dot_name_error(key).map(String::from));
    errors
}

/// The rule `IsConfigMapKey` and `IsEnvVarName` share: a name that would mean "this
/// directory", "the parent" or one of the AtomicWriter's reserved `..` entries.
pub(crate) fn dot_name_error(name: &str) -> Option<&'static str> {
    if name == "." {
        Some("must not be '.'")
    } else if name == ".." {
        Some("must not be '..'")
    } else if name.starts_with("..") {
        Some("must not start with '..'")
    } else {
        None
    }
}

pub(super) fn is_dns1123_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
            alnum(first) && alnum(last) && bytes.iter().all(|b| alnum(b) || *b == b'-')
        }
        _ => false,
    }
}

/// Why `name` is not a lowercase RFC 1123 subdomain (`IsDNS1123Subdomain`, the rule for
/// ConfigMap and Secret names); empty when it is valid.
pub fn dns1123_subdomain_errors(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if name.len() > MAX_KEY_LENGTH {
        errors.push(max_len_error(MAX_KEY_LENGTH));
    }
    if !name.split('.').all(is_dns1123_label) {
        errors.push(regex_error(
            DNS1123_SUBDOMAIN_ERROR,
            DNS1123_SUBDOMAIN_FORMAT,
            &["example.com"],
        ));
    }
    errors
}

/// Why `name` is not a lowercase RFC 1123 label (`IsDNS1123Label`, the rule for namespaces and
/// volume names); empty when it is valid.
pub fn dns1123_label_errors(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if name.len() > DNS1123_LABEL_MAX_LENGTH {
        errors.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !is_dns1123_label(name) {
        errors.push(regex_error(
            DNS1123_LABEL_ERROR,
            DNS1123_LABEL_FORMAT,
            &["my-name", "123-abc"],
        ));
    }
    errors
}

/// `ValidateObjectMeta` for a namespaced object named by a DNS subdomain. A missing namespace
/// is accepted: the store puts the object in `default`, as kubectl does.
pub(super) fn validate_object_meta(meta: &ObjectMeta) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let path = FieldPath::new("metadata");
    let name = meta.name.as_deref().unwrap_or("");
    let generate_name = meta.generate_name.as_deref().unwrap_or("");
    if name.is_empty() {
        if generate_name.is_empty() {
            errors.push(FieldError::required(
                path.child("name"),
                "name or generateName is required",
            ));
        }
    } else {
        for message in dns1123_subdomain_errors(name) {
            errors.push(FieldError::invalid(
                path.child("name"),
                BadValue::String(name.to_string()),
                &message,
            ));
        }
    }
    if let Some(namespace) = meta.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        for message in dns1123_label_errors(namespace) {
            errors.push(FieldError::invalid(
                path.child("namespace"),
                BadValue::String(namespace.to_string()),
                &message,
            ));
        }
    }
    errors
}

pub(super) fn object_name(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or("")
}

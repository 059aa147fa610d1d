//! API-server validation of ConfigMaps, Secrets and the volume fields of a pod (spec §8, §4.2).
//!
//! This module owns the rules of `pkg/apis/core/validation/validation.go` that decide whether the
//! API server accepts an object, and the exact sentences it answers with, e.g.
//! `ConfigMap "app" is invalid: data[a b]: Invalid value: "a b": a valid config key must …`.
//! Everything here is a pure function of its arguments: it never touches a store or a disk.
//!
//! Secret values are never echoed: a bad value is reported as `"<secret contents redacted>"`,
//! exactly as the API server does. Keys and names are not secret and are echoed.

use std::collections::BTreeSet;
use std::fmt;

use k8s_openapi::api::core::v1::{
    ConfigMap, DownwardAPIVolumeFile, KeyToPath, PodSpec, ProjectedVolumeSource, Secret, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::go_quote::go_quote;
use crate::api::manifest::Workload;
use crate::kubelet::KubeVersion;

/// The most bytes a ConfigMap's or a Secret's values may hold together (`core.MaxSecretSize`).
pub const MAX_DATA_SIZE: usize = 1024 * 1024;

/// The longest ConfigMap/Secret key and the longest object name (`DNS1123SubdomainMaxLength`).
pub const MAX_KEY_LENGTH: usize = 253;

/// The largest file mode accepted in `defaultMode` and `items[].mode` (octal 0777).
pub const MAX_FILE_MODE: i32 = 0o777;

/// The Secret type used when none is given.
pub const SECRET_TYPE_OPAQUE: &str = "Opaque";
/// `kubernetes.io/tls`: needs `tls.crt` and `tls.key`.
pub const SECRET_TYPE_TLS: &str = "kubernetes.io/tls";
/// `kubernetes.io/basic-auth`: needs `username` or `password`.
pub const SECRET_TYPE_BASIC_AUTH: &str = "kubernetes.io/basic-auth";
/// `kubernetes.io/ssh-auth`: needs a non-empty `ssh-privatekey`.
pub const SECRET_TYPE_SSH_AUTH: &str = "kubernetes.io/ssh-auth";
/// `kubernetes.io/dockerconfigjson`: needs a JSON object in `.dockerconfigjson`.
pub const SECRET_TYPE_DOCKER_CONFIG_JSON: &str = "kubernetes.io/dockerconfigjson";
/// `kubernetes.io/dockercfg`: needs a JSON object in `.dockercfg`.
pub const SECRET_TYPE_DOCKERCFG: &str = "kubernetes.io/dockercfg";
/// `kubernetes.io/service-account-token`: needs the service-account name annotation.
pub const SECRET_TYPE_SERVICE_ACCOUNT_TOKEN: &str = "kubernetes.io/service-account-token";

const REDACTED: &str = "<secret contents redacted>";
const FILE_MODE_ERROR: &str = "must be a number between 0 and 0777 (octal), both inclusive";
const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";
const FIELD_IMMUTABLE: &str = "field is immutable";
const CONFIG_KEY_ERROR: &str =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const CONFIG_KEY_FORMAT: &str = "[-._a-zA-Z0-9]+";
const DNS1123_LABEL_ERROR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FORMAT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_ERROR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FORMAT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_LABEL_MAX_LENGTH: usize = 63;
const SERVICE_ACCOUNT_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";

// ---------------------------------------------------------------------------------------------
// Field paths and field errors
// ---------------------------------------------------------------------------------------------

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A named field, e.g. `data` or `items`. An empty name prints as `[]` (the whole object).
    Field(String),
    /// A map key, printed as `[key]`, e.g. `data[tls.crt]`.
    Key(String),
    /// A list index, printed as `[index]`.
    Index(usize),
}

/// The path to a field, printed the way the API server prints it: `spec.volumes[0].name`,
/// `data[tls.key]`, or `[]` for the whole object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldPath {
    segments: Vec<PathSegment>,
}

impl FieldPath {
    /// A path starting at the named field.
    pub fn new(name: &str) -> Self {
        Self {
            segments: vec![PathSegment::Field(name.to_string())],
        }
    }

    /// The path of the whole object, printed `[]` (`field.NewPath("")` upstream).
    pub fn whole_object() -> Self {
        Self::new("")
    }

    /// Parses the printed form, e.g. `spec.volumes[0].configMap.items` or `data[tls.crt]`.
    /// A bracketed run of digits is an index, any other bracketed text is a map key.
    pub fn parse(text: &str) -> Self {
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let (key, after) = match inner.find(']') {
                    Some(end) => (&inner[..end], &inner[end + 1..]),
                    None => (inner, ""),
                };
                segments.push(match key.parse::<usize>() {
                    Ok(index) if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) => {
                        PathSegment::Index(index)
                    }
                    _ => PathSegment::Key(key.to_string()),
                });
                rest = after.strip_prefix('.').unwrap_or(after);
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                segments.push(PathSegment::Field(rest[..end].to_string()));
                rest = &rest[end..];
                rest = rest.strip_prefix('.').unwrap_or(rest);
            }
        }
        Self { segments }
    }

    /// This path extended by a named field.
    #[must_use]
    pub fn child(&self, name: &str) -> Self {
        self.with(PathSegment::Field(name.to_string()))
    }

    /// This path extended by a map key (`[key]`).
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        self.with(PathSegment::Key(key.to_string()))
    }

    /// This path extended by a list index (`[index]`).
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        self.with(PathSegment::Index(index))
    }

    /// The steps of this path, from the root.
    pub fn segments(&self) -> &[PathSegment] {
        &self.segments
    }

    fn with(&self, segment: PathSegment) -> Self {
        let mut segments = self.segments.clone();
        segments.push(segment);
        Self { segments }
    }
}

impl From<&str> for FieldPath {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                PathSegment::Field(name) if name.is_empty() => f.write_str("[]")?,
                PathSegment::Field(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                PathSegment::Key(key) => write!(f, "[{key}]")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// The offending value of an [`FieldErrorKind::Invalid`] error, as the API server echoes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadValue {
    /// A string, printed quoted (`"a b"`).
    String(String),
    /// A number, printed as is (`512`).
    Int(i64),
    /// A Secret value, printed as `"<secret contents redacted>"`.
    Redacted,
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::String(s) => f.write_str(&go_quote(s)),
            BadValue::Int(n) => write!(f, "{n}"),
            BadValue::Redacted => f.write_str(&go_quote(REDACTED)),
        }
    }
}

/// What is wrong with a field (apimachinery's `field.ErrorType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// `Required value`, with an optional detail.
    Required {
        /// Extra explanation; empty for none.
        detail: String,
    },
    /// `Invalid value: <value>: <detail>`.
    Invalid {
        /// The rejected value.
        value: BadValue,
        /// Why it is rejected.
        detail: String,
    },
    /// `Forbidden: <detail>`.
    Forbidden {
        /// Why it is forbidden.
        detail: String,
    },
    /// `Too long: must have at most <max> bytes`.
    TooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// `Duplicate value: <value>`.
    Duplicate {
        /// The repeated value.
        value: BadValue,
    },
    /// `Not found: <value>`.
    NotFound {
        /// The value that refers to nothing.
        value: BadValue,
    },
    /// `Unsupported value: <value>: supported values: "a", "b"`.
    NotSupported {
        /// The value given.
        value: BadValue,
        /// The values accepted, in the order upstream lists them (sorted).
        supported: Vec<String>,
    },
}

/// One rejected field: where, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field, e.g. `data[tls.key]`.
    pub path: FieldPath,
    /// What is wrong with it.
    pub kind: FieldErrorKind,
    /// Where the field is when that differs from `path`: upstream prints a few paths without
    /// the list index (`spec.containers[0].volumeMounts.subPath`); the message keeps its
    /// wording and the location still points at the right entry.
    pub at: Option<FieldPath>,
}

impl FieldError {
    /// `Required value` (with an optional detail, empty for none).
    pub fn required(path: FieldPath, detail: &str) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Required {
                detail: detail.to_string(),
            },
            at: None,
        }
    }

    /// `Invalid value: <value>: <detail>`.
    pub fn invalid(path: FieldPath, value: BadValue, detail: &str) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Invalid {
                value,
                detail: detail.to_string(),
            },
            at: None,
        }
    }

    /// `Forbidden: <detail>`.
    pub fn forbidden(path: FieldPath, detail: &str) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Forbidden {
                detail: detail.to_string(),
            },
            at: None,
        }
    }

    /// `Too long: must have at most <max> bytes`.
    pub fn too_long(path: FieldPath, max: usize) -> Self {
        Self {
            path,
            kind: FieldErrorKind::TooLong { max },
            at: None,
        }
    }

    /// `Duplicate value: <value>`.
    pub fn duplicate(path: FieldPath, value: BadValue) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Duplicate { value },
            at: None,
        }
    }

    /// `Not found: <value>`.
    pub fn not_found(path: FieldPath, value: BadValue) -> Self {
        Self {
            path,
            kind: FieldErrorKind::NotFound { value },
            at: None,
        }
    }

    /// `Unsupported value: <value>: supported values: …`.
    pub fn not_supported(path: FieldPath, value: BadValue, supported: &[&str]) -> Self {
        Self {
            path,
            kind: FieldErrorKind::NotSupported {
                value,
                supported: supported.iter().map(|s| s.to_string()).collect(),
            },
            at: None,
        }
    }

    /// The same error, located at `at` (see [`FieldError::at`]).
    #[must_use]
    pub fn located_at(mut self, at: FieldPath) -> Self {
        self.at = Some(at);
        self
    }

    /// The path of the field in the manifest: [`FieldError::at`] when set, else the path.
    pub fn location_path(&self) -> &FieldPath {
        self.at.as_ref().unwrap_or(&self.path)
    }

    /// The field path as printed, e.g. `data[tls.key]`.
    pub fn field(&self) -> String {
        self.path.to_string()
    }

    /// The sentence after the field path, e.g. `Required value`.
    pub fn body(&self) -> String {
        match &self.kind {
            FieldErrorKind::Required { detail } if detail.is_empty() => "Required value".into(),
            FieldErrorKind::Required { detail } => format!("Required value: {detail}"),
            FieldErrorKind::Invalid { value, detail } if detail.is_empty() => {
                format!("Invalid value: {value}")
            }
            FieldErrorKind::Invalid { value, detail } => {
                format!("Invalid value: {value}: {detail}")
            }
            FieldErrorKind::Forbidden { detail } => format!("Forbidden: {detail}"),
            FieldErrorKind::TooLong { max } => format!("Too long: must have at most {max} bytes"),
            FieldErrorKind::Duplicate { value } => format!("Duplicate value: {value}"),
            FieldErrorKind::NotFound { value } => format!("Not found: {value}"),
            FieldErrorKind::NotSupported { value, supported } => {
                let quoted: Vec<String> = supported.iter().map(|v| go_quote(v)).collect();
                format!(
                    "Unsupported value: {value}: supported values: {}",
                    quoted.join(", ")
                )
            }
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.body())
    }
}

/// An object the API server would reject: `<Kind> "<name>" is invalid: <field errors>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The qualified kind as the API server names it: `ConfigMap`, `Secret`, `Pod`,
    /// `Deployment.apps`, `Job.batch`, ...
    pub kind: String,
    /// The object's name (may be empty when the name itself is missing).
    pub name: String,
    /// Every rejected field, in the order the API server checks them; never empty.
    pub errors: Vec<FieldError>,
}

impl ValidationError {
    fn new(kind: &str, name: &str, errors: Vec<FieldError>) -> Self {
        Self {
            kind: kind.to_string(),
            name: name.to_string(),
            errors,
        }
    }

    /// The path of the first rejected field, e.g. `data[a b]`.
    pub fn field(&self) -> String {
        self.errors
            .first()
            .map(FieldError::field)
            .unwrap_or_default()
    }

    /// Where the first rejected field is, structured (for pointing into a manifest).
    pub fn first_path(&self) -> Option<&FieldPath> {
        self.errors.first().map(FieldError::location_path)
    }

    /// The message after `is invalid: `, as the API server aggregates it: a single error as is,
    /// several as `[first, second]` (duplicates dropped).
    pub fn message(&self) -> String {
        let mut seen = BTreeSet::new();
        let messages: Vec<String> = self
            .errors
            .iter()
            .map(ToString::to_string)
            .filter(|m| seen.insert(m.clone()))
            .collect();
        match messages.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.errors.is_empty() {
            write!(f, "{} {} is invalid", self.kind, go_quote(&self.name))
        } else {
            write!(
                f,
                "{} {} is invalid: {}",
                self.kind,
                go_quote(&self.name),
                self.message()
            )
        }
    }
}

impl std::error::Error for ValidationError {}

fn into_result(kind: &str, name: &str, errors: Vec<FieldError>) -> Result<(), ValidationError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationError::new(kind, name, errors))
    }
}

// ---------------------------------------------------------------------------------------------
// Keys and names (apimachinery util/validation)
// ---------------------------------------------------------------------------------------------

fn max_len_error(max: usize) -> String {
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

fn is_dns1123_label(label: &str) -> bool {
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
fn validate_object_meta(meta: &ObjectMeta) -> Vec<FieldError> {
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

fn object_name(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or("")
}

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

fn config_map_errors(config_map: &ConfigMap) -> Vec<FieldError> {
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

fn is_immutable(flag: Option<bool>) -> bool {
    flag == Some(true)
}

/// `None` and an empty map are the same thing once stored.
fn same_map<V: PartialEq>(
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
fn immutability_errors(
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
fn json_object_error(bytes: &[u8]) -> Option<String> {
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

fn secret_errors(secret: &Secret) -> Vec<FieldError> {
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

// ---------------------------------------------------------------------------------------------
// Volume items and projected volumes (§8.6, §4.2)
// ---------------------------------------------------------------------------------------------

fn validate_mode(mode: Option<i32>, path: FieldPath, errors: &mut Vec<FieldError>) {
    if let Some(mode) = mode
        && !(0..=MAX_FILE_MODE).contains(&mode)
    {
        errors.push(FieldError::invalid(
            path,
            BadValue::Int(i64::from(mode)),
            FILE_MODE_ERROR,
        ));
    }
}

/// `validateLocalDescendingPath`: relative, and no `..` element.
pub(crate) fn local_descending_path_errors(target: &str, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if target.starts_with('/') {
        errors.push(FieldError::invalid(
            path.clone(),
            BadValue::String(target.to_string()),
            "must be a relative path",
        ));
    }
    if target.split('/').any(|part| part == "..") {
        errors.push(FieldError::invalid(
            path.clone(),
            BadValue::String(target.to_string()),
            "must not contain '..'",
        ));
    }
    errors
}

/// `ValidateLocalNonReservedPath`: relative, no `..` element, and not starting with `..`
/// (which would collide with the AtomicWriter's `..data` and timestamped directories).
fn local_non_reserved_path_errors(target: &str, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = local_descending_path_errors(target, path);
    if target.starts_with("..") && !target.starts_with("../") {
        errors.push(FieldError::invalid(
            path.clone(),
            BadValue::String(target.to_string()),
            "must not start with '..'",
        ));
    }
    errors
}

fn key_to_path_errors(item: &KeyToPath, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if item.key.is_empty() {
        errors.push(FieldError::required(path.child("key"), ""));
    }
    if item.path.is_empty() {
        errors.push(FieldError::required(path.child("path"), ""));
    }
    errors.extend(local_non_reserved_path_errors(
        &item.path,
        &path.child("path"),
    ));
    validate_mode(item.mode, path.child("mode"), &mut errors);
    errors
}

/// Validates one `items[]` entry of a configMap/secret volume or projection (§8.6): `key` and
/// `path` required, `path` relative without a `..` element and not starting with `..`, `mode`
/// within 0–0777. `field` is the item's own path, e.g. `spec.volumes[0].configMap.items[1]`.
pub fn validate_key_to_path(item: &KeyToPath, field: &str) -> Vec<FieldError> {
    key_to_path_errors(item, &FieldPath::parse(field))
}

/// Validates every entry of an `items` list (§8.6); `field` is the list's path, e.g.
/// `spec.volumes[0].configMap.items`.
pub fn validate_volume_items(items: &[KeyToPath], field: &str) -> Vec<FieldError> {
    let path = FieldPath::parse(field);
    items
        .iter()
        .enumerate()
        .flat_map(|(i, item)| key_to_path_errors(item, &path.index(i)))
        .collect()
}

fn downward_api_file_errors(file: &DownwardAPIVolumeFile, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if file.path.is_empty() {
        errors.push(FieldError::required(path.child("path"), ""));
    }
    errors.extend(local_non_reserved_path_errors(
        &file.path,
        &path.child("path"),
    ));
    match (&file.field_ref, &file.resource_field_ref) {
        (Some(_), Some(_)) => errors.push(FieldError::invalid(
            path.clone(),
            BadValue::String("resource".into()),
            "fieldRef and resourceFieldRef can not be specified simultaneously",
        )),
        (None, None) => errors.push(FieldError::required(
            path.clone(),
            "one of fieldRef and resourceFieldRef is required",
        )),
        _ => {}
    }
    validate_mode(file.mode, path.child("mode"), &mut errors);
    errors
}

fn projected_errors(projected: &ProjectedVolumeSource, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    validate_mode(
        projected.default_mode,
        path.child("defaultMode"),
        &mut errors,
    );
    let mut all_paths: BTreeSet<String> = BTreeSet::new();
    let mut conflict = |file_path: &str, value: &str, errors: &mut Vec<FieldError>| {
        if !file_path.is_empty() && !all_paths.insert(file_path.to_string()) {
            errors.push(FieldError::invalid(
                path.clone(),
                BadValue::String(value.to_string()),
                "conflicting duplicate paths",
            ));
        }
    };
    for (i, source) in projected.sources.iter().flatten().enumerate() {
        let source_path = path.child("sources").index(i);
        let mut count = 0;
        if let Some(secret) = &source.secret {
            count += 1;
            let here = source_path.child("secret");
            if secret.name.is_empty() {
                errors.push(FieldError::required(here.child("name"), ""));
            }
            for (j, item) in secret.items.iter().flatten().enumerate() {
                errors.extend(key_to_path_errors(item, &here.child("items").index(j)));
                conflict(&item.path, &secret.name, &mut errors);
            }
        }
        if let Some(config_map) = &source.config_map {
            count += 1;
            let here = source_path.child("configMap");
            if config_map.name.is_empty() {
                errors.push(FieldError::required(here.child("name"), ""));
            }
            for (j, item) in config_map.items.iter().flatten().enumerate() {
                errors.extend(key_to_path_errors(item, &here.child("items").index(j)));
                conflict(&item.path, &config_map.name, &mut errors);
            }
        }
        if let Some(downward) = &source.downward_api {
            count += 1;
            let here = source_path.child("downwardAPI");
            for file in downward.items.iter().flatten() {
                errors.extend(downward_api_file_errors(file, &here));
                conflict(&file.path, &file.path, &mut errors);
            }
        }
        if let Some(token) = &source.service_account_token {
            count += 1;
            let here = source_path.child("serviceAccountToken");
            // Unset is defaulted to 3600 by the API server.
            if let Some(seconds) = token.expiration_seconds {
                if seconds < 10 * 60 {
                    errors.push(FieldError::invalid(
                        here.child("expirationSeconds"),
                        BadValue::Int(seconds),
                        "may not specify a duration less than 10 minutes",
                    ));
                }
                if seconds > 1 << 32 {
                    errors.push(FieldError::invalid(
                        here.child("expirationSeconds"),
                        BadValue::Int(seconds),
                        "may not specify a duration larger than 2^32 seconds",
                    ));
                }
            }
            // Upstream reports these against the volume's path, not the source's.
            if token.path.is_empty() {
                errors.push(FieldError::required(path.child("path"), ""));
            } else {
                errors.extend(local_non_reserved_path_errors(
                    &token.path,
                    &path.child("path"),
                ));
            }
        }
        if let Some(bundle) = &source.cluster_trust_bundle {
            count += 1;
            let here = source_path.child("clusterTrustBundlePEM");
            if bundle.path.is_empty() {
                errors.push(FieldError::required(here.child("path"), ""));
            }
            errors.extend(local_non_reserved_path_errors(
                &bundle.path,
                &here.child("path"),
            ));
            conflict(&bundle.path, &bundle.path, &mut errors);
        }
        if source.pod_certificate.is_some() {
            count += 1;
        }
        if count > 1 {
            errors.push(FieldError::forbidden(
                source_path,
                "may not specify more than 1 volume type",
            ));
        }
    }
    errors
}

/// Validates a projected volume (§4.2, §8.6): `defaultMode`, every source's items, and no
/// explicit path used twice across sources (`conflicting duplicate paths`). `field` is the
/// volume source's path, e.g. `spec.volumes[0].projected`.
pub fn validate_projected_sources(
    projected: &ProjectedVolumeSource,
    field: &str,
) -> Vec<FieldError> {
    projected_errors(projected, &FieldPath::parse(field))
}

/// The volume sources of a `Volume`, in the order upstream's `validateVolumeSource` checks
/// them, with whether each is set.
fn volume_sources(volume: &Volume) -> [(&'static str, bool); 29] {
    [
        ("emptyDir", volume.empty_dir.is_some()),
        ("hostPath", volume.host_path.is_some()),
        ("gitRepo", volume.git_repo.is_some()),
        ("gcePersistentDisk", volume.gce_persistent_disk.is_some()),
        (
            "awsElasticBlockStore",
            volume.aws_elastic_block_store.is_some(),
        ),
        ("secret", volume.secret.is_some()),
        ("nfs", volume.nfs.is_some()),
        ("iscsi", volume.iscsi.is_some()),
        ("glusterfs", volume.glusterfs.is_some()),
        ("flocker", volume.flocker.is_some()),
        (
            "persistentVolumeClaim",
            volume.persistent_volume_claim.is_some(),
        ),
        ("rbd", volume.rbd.is_some()),
        ("quobyte", volume.quobyte.is_some()),
        ("cinder", volume.cinder.is_some()),
        ("cephfs", volume.cephfs.is_some()),
        ("flexVolume", volume.flex_volume.is_some()),
        ("downwardAPI", volume.downward_api.is_some()),
        ("fc", volume.fc.is_some()),
        ("azureFile", volume.azure_file.is_some()),
        ("vsphereVolume", volume.vsphere_volume.is_some()),
        ("azureDisk", volume.azure_disk.is_some()),
        (
            "photonPersistentDisk",
            volume.photon_persistent_disk.is_some(),
        ),
        ("projected", volume.projected.is_some()),
        ("portworxVolume", volume.portworx_volume.is_some()),
        ("scaleIO", volume.scale_io.is_some()),
        ("storageos", volume.storageos.is_some()),
        ("configMap", volume.config_map.is_some()),
        ("csi", volume.csi.is_some()),
        ("ephemeral", volume.ephemeral.is_some()),
    ]
}

/// `validateVolumeSource` for the sources kubedrill projects (configMap, secret, downwardAPI,
/// projected), plus the one-source-per-volume rule for every type.
fn volume_source_errors(volume: &Volume, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut count = 0;
    let image = [("image", volume.image.is_some())];
    for (name, set) in volume_sources(volume).iter().chain(image.iter()) {
        if !set {
            continue;
        }
        if count > 0 {
            errors.push(FieldError::forbidden(
                path.child(name),
                "may not specify more than 1 volume type",
            ));
        }
        count += 1;
    }
    if count == 0 {
        errors.push(FieldError::required(
            path.clone(),
            "must specify a volume type",
        ));
    }
    if let Some(config_map) = &volume.config_map {
        let here = path.child("configMap");
        if config_map.name.is_empty() {
            errors.push(FieldError::required(here.child("name"), ""));
        }
        validate_mode(
            config_map.default_mode,
            here.child("defaultMode"),
            &mut errors,
        );
        for (j, item) in config_map.items.iter().flatten().enumerate() {
            errors.extend(key_to_path_errors(item, &here.child("items").index(j)));
        }
    }
    if let Some(secret) = &volume.secret {
        let here = path.child("secret");
        if secret.secret_name.as_deref().unwrap_or("").is_empty() {
            errors.push(FieldError::required(here.child("secretName"), ""));
        }
        validate_mode(secret.default_mode, here.child("defaultMode"), &mut errors);
        for (j, item) in secret.items.iter().flatten().enumerate() {
            errors.extend(key_to_path_errors(item, &here.child("items").index(j)));
        }
    }
    if let Some(downward) = &volume.downward_api {
        let here = path.child("downwardAPI");
        validate_mode(
            downward.default_mode,
            here.child("defaultMode"),
            &mut errors,
        );
        for file in downward.items.iter().flatten() {
            errors.extend(downward_api_file_errors(file, &here));
        }
    }
    if let Some(projected) = &volume.projected {
        errors.extend(projected_errors(projected, &path.child("projected")));
    }
    errors
}

/// `ValidateVolumes`: each volume's source, then its name (required, an RFC 1123 label,
/// unique). Returns the errors and the names of the valid volumes: as upstream, a mount of a
/// volume that has errors is also reported `Not found`.
pub(crate) fn volumes_errors(
    spec: &PodSpec,
    spec_path: &FieldPath,
) -> (Vec<FieldError>, BTreeSet<String>) {
    let mut errors = Vec::new();
    let mut names = BTreeSet::new();
    for (i, volume) in spec.volumes.iter().flatten().enumerate() {
        let path = spec_path.child("volumes").index(i);
        let name_path = path.child("name");
        let mut here = volume_source_errors(volume, &path);
        if volume.name.is_empty() {
            here.push(FieldError::required(name_path.clone(), ""));
        } else {
            for message in dns1123_label_errors(&volume.name) {
                here.push(FieldError::invalid(
                    name_path.clone(),
                    BadValue::String(volume.name.clone()),
                    &message,
                ));
            }
        }
        if names.contains(&volume.name) {
            here.push(FieldError::duplicate(
                name_path,
                BadValue::String(volume.name.clone()),
            ));
        }
        if here.is_empty() {
            names.insert(volume.name.clone());
        } else {
            errors.extend(here);
        }
    }
    (errors, names)
}

/// Validates a pod spec as the API server does on create, for every field kubedrill reads
/// (see [`crate::api::pod_spec`]), with the rules of the current Kubernetes version. `field` is
/// the pod spec's path, e.g. `spec.template.spec`.
pub fn validate_pod_volumes(spec: &PodSpec, field: &str) -> Vec<FieldError> {
    crate::api::pod_spec::validate_pod_spec(spec, &FieldPath::parse(field), KubeVersion::CURRENT)
}

/// The kind as the API server qualifies it in errors: `Deployment.apps`, `Job.batch`, `Pod`.
pub fn qualified_kind(kind: &str) -> String {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => format!("{kind}.apps"),
        "Job" | "CronJob" => format!("{kind}.batch"),
        _ => kind.to_string(),
    }
}

/// Validates a workload's pod spec with the rules of the current Kubernetes version
/// ([`validate_workload_for`]).
pub fn validate_workload(workload: &Workload) -> Result<(), ValidationError> {
    validate_workload_for(workload, KubeVersion::CURRENT, None)
}

/// Validates a workload's pod spec as the API server of `version` would (env names are
/// version-dependent) and reports it as the API server would for that object, e.g.
/// `Deployment.apps "web" is invalid: …`. Also refuses what kubedrill could not create on disk
/// ([`crate::api::pod_spec::os_limit_errors`]; `out` is the directory the pod is projected
/// into, when known), so that nothing fails half-way later.
pub fn validate_workload_for(
    workload: &Workload,
    version: KubeVersion,
    out: Option<&std::path::Path>,
) -> Result<(), ValidationError> {
    let spec_path = FieldPath::parse(workload.pod_spec_path());
    let mut errors = crate::api::pod_spec::validate_pod_spec(&workload.spec, &spec_path, version);
    errors.extend(crate::api::pod_spec::os_limit_errors(
        &workload.spec,
        &spec_path,
        out,
    ));
    into_result(&qualified_kind(&workload.kind), &workload.name, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::{
        ConfigMapProjection, SecretProjection, ServiceAccountTokenProjection, VolumeProjection,
    };
    use std::collections::BTreeMap;

    fn cm(data: &[(&str, &str)]) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                name: Some("app".into()),
                ..Default::default()
            },
            data: Some(
                data.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn secret(type_: Option<&str>, data: &[(&str, &[u8])]) -> Secret {
        Secret {
            metadata: ObjectMeta {
                name: Some("x".into()),
                ..Default::default()
            },
            type_: type_.map(str::to_string),
            data: Some(
                data.iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.to_vec())))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn err_text<T>(r: Result<T, ValidationError>) -> String {
        match r {
            Ok(_) => String::from("<ok>"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn api_8_1_rejects_key_with_space() {
        assert_eq!(
            err_text(validate_config_map(&cm(&[("a b", "v")]))),
            "ConfigMap \"app\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key \
             must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or \
             'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        );
    }

    #[test]
    fn api_8_1_rejects_dot_and_dotdot_keys() {
        assert!(err_text(validate_config_map(&cm(&[(".", "v")]))).ends_with("must not be '.'"));
        assert!(err_text(validate_config_map(&cm(&[("..", "v")]))).ends_with("must not be '..'"));
    }

    #[test]
    fn api_8_1_rejects_dotdot_prefix_key() {
        let text = err_text(validate_config_map(&cm(&[("..data", "v")])));
        assert_eq!(
            text,
            "ConfigMap \"app\" is invalid: data[..data]: Invalid value: \"..data\": must not \
             start with '..'"
        );
        // A single leading dot is fine.
        assert!(validate_config_map(&cm(&[(".hidden", "v")])).is_ok());
    }

    #[test]
    fn api_8_1_rejects_empty_key() {
        let text = err_text(validate_config_map(&cm(&[("", "v")])));
        assert!(text.starts_with(
            "ConfigMap \"app\" is invalid: data[]: Invalid value: \"\": a valid config key"
        ));
    }

    #[test]
    fn api_8_1_key_253_ok_254_rejected() {
        let ok = "k".repeat(253);
        assert!(validate_config_map(&cm(&[(&ok, "v")])).is_ok());
        let long = "k".repeat(254);
        let text = err_text(validate_config_map(&cm(&[(&long, "v")])));
        assert!(
            text.ends_with("must be no more than 253 characters"),
            "{text}"
        );
    }

    #[test]
    fn api_8_1_accepts_valid_keys() {
        assert!(
            validate_config_map(&cm(&[
                ("key.name", "1"),
                ("KEY_NAME", "2"),
                ("key-name", "3")
            ]))
            .is_ok()
        );
    }

    #[test]
    fn api_8_1_secret_keys_follow_the_same_rules() {
        let text = err_text(validate_secret(&secret(None, &[("bad/key", b"v")])));
        assert!(
            text.starts_with("Secret \"x\" is invalid: data[bad/key]: Invalid value: \"bad/key\""),
            "{text}"
        );
    }

    #[test]
    fn api_8_1_several_errors_are_bracketed() {
        let text = err_text(validate_config_map(&cm(&[("a b", "v"), ("..x", "v")])));
        assert!(
            text.starts_with("ConfigMap \"app\" is invalid: [data[..x]: Invalid value"),
            "{text}"
        );
        assert!(text.contains(", data[a b]: Invalid value"), "{text}");
        assert!(text.ends_with(']'));
    }

    #[test]
    fn api_8_2_rejects_key_in_data_and_binary_data() {
        let mut c = cm(&[("both", "v")]);
        c.binary_data = Some(BTreeMap::from([("both".to_string(), ByteString(vec![1]))]));
        assert_eq!(
            err_text(validate_config_map(&c)),
            "ConfigMap \"app\" is invalid: data[both]: Invalid value: \"both\": duplicate of key \
             present in binaryData"
        );
    }

    #[test]
    fn api_8_2_size_limit_counts_values_not_keys() {
        // Exactly 1 MiB of values across data and binaryData, with long keys: accepted.
        let mut c = cm(&[(
            "a-long-key-that-does-not-count",
            &"x".repeat(MAX_DATA_SIZE - 10),
        )]);
        c.binary_data = Some(BTreeMap::from([(
            "another-long-key".to_string(),
            ByteString(vec![0; 10]),
        )]));
        assert_eq!(config_map_size(&c), MAX_DATA_SIZE);
        assert!(validate_config_map(&c).is_ok());
        // One byte more: rejected, about the whole object.
        c.binary_data = Some(BTreeMap::from([(
            "another-long-key".to_string(),
            ByteString(vec![0; 11]),
        )]));
        assert_eq!(
            err_text(validate_config_map(&c)),
            "ConfigMap \"app\" is invalid: []: Too long: must have at most 1048576 bytes"
        );
    }

    #[test]
    fn api_8_2_size_counts_utf8_bytes() {
        // "é" is two bytes.
        let c = cm(&[("k", &"é".repeat(MAX_DATA_SIZE / 2))]);
        assert!(validate_config_map(&c).is_ok());
        let c = cm(&[("k", &format!("{}a", "é".repeat(MAX_DATA_SIZE / 2)))]);
        assert!(validate_config_map(&c).is_err());
    }

    #[test]
    fn api_8_3_string_data_overwrites_data() {
        let mut s = secret(None, &[("password", b"old"), ("user", b"admin")]);
        s.string_data = Some(BTreeMap::from([
            ("password".to_string(), "new".to_string()),
            ("extra".to_string(), "e".to_string()),
        ]));
        merge_string_data(&mut s);
        assert_eq!(s.string_data, None);
        let data = s.data.unwrap_or_default();
        assert_eq!(data["password"].0, b"new");
        assert_eq!(data["user"].0, b"admin");
        assert_eq!(data["extra"].0, b"e");
    }

    #[test]
    fn api_8_3_secret_size_counts_decoded_bytes() {
        let exact = vec![0u8; MAX_DATA_SIZE];
        assert!(validate_secret(&secret(None, &[("k", &exact)])).is_ok());
        let over = vec![0u8; MAX_DATA_SIZE + 1];
        assert_eq!(
            err_text(validate_secret(&secret(None, &[("k", &over)]))),
            "Secret \"x\" is invalid: data: Too long: must have at most 1048576 bytes"
        );
    }

    #[test]
    fn api_8_3_size_is_checked_after_string_data_merge() {
        let mut s = secret(None, &[("k", &vec![0u8; MAX_DATA_SIZE])]);
        s.string_data = Some(BTreeMap::from([("k".to_string(), "small".to_string())]));
        merge_string_data(&mut s);
        assert!(validate_secret(&s).is_ok());
    }

    #[test]
    fn api_8_4_tls_requires_crt_and_key() {
        assert_eq!(
            err_text(validate_secret(&secret(
                Some(SECRET_TYPE_TLS),
                &[("tls.crt", b"c")]
            ))),
            "Secret \"x\" is invalid: data[tls.key]: Required value"
        );
        assert_eq!(
            err_text(validate_secret(&secret(Some(SECRET_TYPE_TLS), &[]))),
            "Secret \"x\" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]"
        );
        // Present is enough, even empty.
        assert!(
            validate_secret(&secret(
                Some(SECRET_TYPE_TLS),
                &[("tls.crt", b""), ("tls.key", b"")]
            ))
            .is_ok()
        );
    }

    #[test]
    fn api_8_4_basic_auth_needs_username_or_password() {
        assert_eq!(
            err_text(validate_secret(&secret(Some(SECRET_TYPE_BASIC_AUTH), &[]))),
            "Secret \"x\" is invalid: [data[username]: Required value, data[password]: Required value]"
        );
        assert!(
            validate_secret(&secret(Some(SECRET_TYPE_BASIC_AUTH), &[("username", b"")])).is_ok()
        );
        assert!(
            validate_secret(&secret(Some(SECRET_TYPE_BASIC_AUTH), &[("password", b"p")])).is_ok()
        );
    }

    #[test]
    fn api_8_4_ssh_auth_needs_non_empty_private_key() {
        let text = err_text(validate_secret(&secret(
            Some(SECRET_TYPE_SSH_AUTH),
            &[("ssh-privatekey", b"")],
        )));
        assert_eq!(
            text,
            "Secret \"x\" is invalid: data[ssh-privatekey]: Required value"
        );
        assert!(
            validate_secret(&secret(
                Some(SECRET_TYPE_SSH_AUTH),
                &[("ssh-privatekey", b"k")]
            ))
            .is_ok()
        );
    }

    #[test]
    fn api_8_4_dockerconfigjson_invalid_json() {
        let value: &[u8] = b"{\"auths\": s3cr3t-token";
        let text = err_text(validate_secret(&secret(
            Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
            &[(".dockerconfigjson", value)],
        )));
        assert!(
            text.starts_with(
                "Secret \"x\" is invalid: data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": "
            ),
            "{text}"
        );
        assert!(!text.contains("s3cr3t"), "{text}");
        assert_eq!(
            err_text(validate_secret(&secret(
                Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
                &[]
            ))),
            "Secret \"x\" is invalid: data[.dockerconfigjson]: Required value"
        );
        let array = err_text(validate_secret(&secret(
            Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
            &[(".dockerconfigjson", b"[1]")],
        )));
        assert!(
            array.ends_with(
                "json: cannot unmarshal array into Go value of type map[string]interface {}"
            ),
            "{array}"
        );
        assert!(
            validate_secret(&secret(
                Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
                &[(".dockerconfigjson", b"{\"auths\":{}}")]
            ))
            .is_ok()
        );
    }

    #[test]
    fn api_8_4_dockercfg_invalid_json() {
        let text = err_text(validate_secret(&secret(
            Some(SECRET_TYPE_DOCKERCFG),
            &[(".dockercfg", b"nope")],
        )));
        assert!(text.starts_with("Secret \"x\" is invalid: data[.dockercfg]: Invalid value: \"<secret contents redacted>\""), "{text}");
    }

    #[test]
    fn api_8_4_empty_type_is_opaque() {
        assert_eq!(secret_type(&secret(None, &[])), "Opaque");
        assert_eq!(secret_type(&secret(Some(""), &[])), "Opaque");
        assert!(validate_secret(&secret(Some(""), &[])).is_ok());
    }

    #[test]
    fn api_8_4_type_never_changes() {
        let old = secret(
            Some(SECRET_TYPE_TLS),
            &[("tls.crt", b"c"), ("tls.key", b"k")],
        );
        let new = secret(None, &[("tls.crt", b"c"), ("tls.key", b"k")]);
        assert_eq!(
            err_text(validate_update_secret(&old, &new)),
            "Secret \"x\" is invalid: type: Invalid value: \"Opaque\": field is immutable"
        );
        // Unset and Opaque are the same type.
        assert!(validate_update_secret(&secret(None, &[]), &secret(Some("Opaque"), &[])).is_ok());
    }

    #[test]
    fn api_8_5_immutable_forbids_data_change() {
        let mut old = cm(&[("k", "v")]);
        old.immutable = Some(true);
        let mut new = cm(&[("k", "v2")]);
        new.immutable = Some(true);
        assert_eq!(
            err_text(validate_update_config_map(&old, &new)),
            "ConfigMap \"app\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
        );
        let mut new_binary = old.clone();
        new_binary.binary_data = Some(BTreeMap::from([("b".to_string(), ByteString(vec![1]))]));
        assert_eq!(
            err_text(validate_update_config_map(&old, &new_binary)),
            "ConfigMap \"app\" is invalid: binaryData: Forbidden: field is immutable when `immutable` is set"
        );
        let mut s_old = secret(None, &[("k", b"v")]);
        s_old.immutable = Some(true);
        let mut s_new = secret(None, &[("k", b"secret-v2")]);
        s_new.immutable = Some(true);
        let text = err_text(validate_update_secret(&s_old, &s_new));
        assert_eq!(
            text,
            "Secret \"x\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
        );
    }

    #[test]
    fn api_8_5_immutable_allows_metadata_and_delete() {
        let mut old = cm(&[("k", "v")]);
        old.immutable = Some(true);
        let mut new = old.clone();
        new.metadata.labels = Some(BTreeMap::from([("a".to_string(), "b".to_string())]));
        assert!(validate_update_config_map(&old, &new).is_ok());
        let mut s_old = secret(None, &[("k", b"v")]);
        s_old.immutable = Some(true);
        let mut s_new = s_old.clone();
        s_new.metadata.annotations = Some(BTreeMap::from([("a".to_string(), "b".to_string())]));
        assert!(validate_update_secret(&s_old, &s_new).is_ok());
        // Deletion has no validation at all: nothing to check here beyond the store test.
    }

    #[test]
    fn api_8_5_cannot_clear_immutable() {
        let mut old = cm(&[("k", "v")]);
        old.immutable = Some(true);
        for flag in [None, Some(false)] {
            let mut new = old.clone();
            new.immutable = flag;
            assert_eq!(
                err_text(validate_update_config_map(&old, &new)),
                "ConfigMap \"app\" is invalid: immutable: Forbidden: field is immutable when `immutable` is set"
            );
        }
        // Setting it on a mutable object is fine, and so is changing data at the same time.
        let mutable = cm(&[("k", "v")]);
        let mut newly = cm(&[("k", "v2")]);
        newly.immutable = Some(true);
        assert!(validate_update_config_map(&mutable, &newly).is_ok());
    }

    #[test]
    fn api_8_5_empty_and_missing_data_are_the_same() {
        let mut old = cm(&[]);
        old.data = None;
        old.immutable = Some(true);
        let mut new = cm(&[]);
        new.immutable = Some(true);
        assert!(validate_update_config_map(&old, &new).is_ok());
    }

    fn item(key: &str, path: &str, mode: Option<i32>) -> KeyToPath {
        KeyToPath {
            key: key.into(),
            path: path.into(),
            mode,
        }
    }

    #[test]
    fn api_8_6_item_path_rules_key_and_path_required() {
        let errors =
            validate_key_to_path(&item("", "", None), "spec.volumes[0].configMap.items[0]");
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "spec.volumes[0].configMap.items[0].key: Required value",
                "spec.volumes[0].configMap.items[0].path: Required value",
            ]
        );
    }

    #[test]
    fn api_8_6_item_path_rules_relative_no_dotdot() {
        let one = |path: &str| -> Vec<String> {
            validate_key_to_path(&item("k", path, None), "items[0]")
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            one("/etc/passwd"),
            ["items[0].path: Invalid value: \"/etc/passwd\": must be a relative path"]
        );
        assert_eq!(
            one("a/../b"),
            ["items[0].path: Invalid value: \"a/../b\": must not contain '..'"]
        );
        assert_eq!(
            one("../x"),
            ["items[0].path: Invalid value: \"../x\": must not contain '..'"]
        );
        assert_eq!(
            one("..data"),
            ["items[0].path: Invalid value: \"..data\": must not start with '..'"]
        );
        assert!(one("a/b.conf").is_empty());
        assert!(one("a..b").is_empty());
    }

    #[test]
    fn api_8_6_item_path_rules_mode_range() {
        assert!(validate_key_to_path(&item("k", "p", Some(0)), "i").is_empty());
        assert!(validate_key_to_path(&item("k", "p", Some(0o777)), "i").is_empty());
        let texts: Vec<String> = validate_volume_items(
            &[item("k", "p", Some(0o1000)), item("k", "q", Some(-1))],
            "spec.volumes[1].secret.items",
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            texts,
            [
                "spec.volumes[1].secret.items[0].mode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
                "spec.volumes[1].secret.items[1].mode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive",
            ]
        );
    }

    #[test]
    fn api_4_2_conflicting_duplicate_paths() {
        let projected = ProjectedVolumeSource {
            default_mode: None,
            sources: Some(vec![
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: "cfg".into(),
                        items: Some(vec![item("a", "app.conf", None)]),
                        optional: None,
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    secret: Some(SecretProjection {
                        name: "creds".into(),
                        items: Some(vec![item("b", "app.conf", None)]),
                        optional: None,
                    }),
                    ..Default::default()
                },
            ]),
        };
        let texts: Vec<String> =
            validate_projected_sources(&projected, "spec.volumes[0].projected")
                .iter()
                .map(ToString::to_string)
                .collect();
        assert_eq!(
            texts,
            ["spec.volumes[0].projected: Invalid value: \"creds\": conflicting duplicate paths"]
        );
    }

    #[test]
    fn api_4_2_distinct_paths_and_token_rules() {
        let projected = ProjectedVolumeSource {
            default_mode: Some(0o1000),
            sources: Some(vec![
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: "cfg".into(),
                        items: Some(vec![item("a", "a.conf", None)]),
                        optional: None,
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        audience: None,
                        expiration_seconds: Some(60),
                        path: "token".into(),
                    }),
                    ..Default::default()
                },
            ]),
        };
        let texts: Vec<String> = validate_projected_sources(&projected, "p")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            texts,
            [
                "p.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
                "p.sources[1].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
            ]
        );
    }

    #[test]
    fn api_8_name_must_be_dns_subdomain() {
        let mut c = cm(&[]);
        c.metadata.name = Some("App_1".into());
        let text = err_text(validate_config_map(&c));
        assert!(text.starts_with("ConfigMap \"App_1\" is invalid: metadata.name: Invalid value: \"App_1\": a lowercase RFC 1123 subdomain"), "{text}");
        assert!(text.ends_with("(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"), "{text}");
        c.metadata.name = Some("a.b-c.d".into());
        assert!(validate_config_map(&c).is_ok());
        c.metadata.name = Some("a".repeat(254));
        assert!(err_text(validate_config_map(&c)).contains("must be no more than 253 characters"));
        c.metadata.name = None;
        assert_eq!(
            err_text(validate_config_map(&c)),
            "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
        );
    }

    #[test]
    fn api_8_secret_values_never_appear_in_errors() {
        let value = b"hunter2-very-secret";
        let mut s = secret(
            Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
            &[(".dockerconfigjson", value)],
        );
        s.metadata.name = Some("Bad Name".into());
        let text = err_text(validate_secret(&s));
        assert!(!text.contains("hunter2"), "{text}");
        let mut big = secret(None, &[("k", &[b'z'; MAX_DATA_SIZE + 1])]);
        big.immutable = Some(true);
        let text = err_text(validate_update_secret(
            &big,
            &secret(None, &[("k", b"hunter2")]),
        ));
        assert!(!text.contains("hunter2") && !text.contains("zzz"), "{text}");
    }

    #[test]
    fn field_path_parse_round_trips() {
        for text in [
            "spec.volumes[0].configMap.items[12].path",
            "data[tls.crt]",
            "[]",
            "metadata.annotations[kubernetes.io/x]",
        ] {
            assert_eq!(FieldPath::parse(text).to_string(), text);
        }
    }

    #[test]
    fn go_quote_escapes_like_go() {
        assert_eq!(go_quote("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\x01\"");
    }
}

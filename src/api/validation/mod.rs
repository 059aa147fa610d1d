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

mod config_map;
mod error;
mod names;
mod path;
mod secret;
mod volumes;
pub use config_map::*;
pub use error::*;
pub use names::*;
pub use path::*;
pub use secret::*;
pub use volumes::*;
#[cfg(test)]
mod tests;

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

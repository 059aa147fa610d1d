//! What a scenario writes to have an object made the way `kubectl create configmap|secret`
//! makes it: plain serde types, ready to be embedded in `objects:` / `apply:` entries.

use serde::{Deserialize, Serialize};

/// One generator: `{configMap: {…}}` or `{secret: {…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Generator {
    /// `kubectl create configmap NAME --from-literal/--from-file/--from-env-file`.
    ConfigMap(ConfigMapGenerator),
    /// `kubectl create secret generic|tls|docker-registry NAME …`.
    Secret(SecretGenerator),
}

impl Generator {
    /// The name given (before any hash suffix).
    pub fn name(&self) -> &str {
        match self {
            Generator::ConfigMap(g) => &g.name,
            Generator::Secret(g) => &g.name,
        }
    }

    /// `configMap` or `secret`, as written in the scenario.
    pub fn field(&self) -> &'static str {
        match self {
            Generator::ConfigMap(_) => "configMap",
            Generator::Secret(_) => "secret",
        }
    }
}

/// `kubectl create configmap NAME [--from-file=[KEY=]PATH] [--from-literal=KEY=VALUE]
/// [--from-env-file=PATH] [--append-hash]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigMapGenerator {
    /// `metadata.name` (before the hash suffix).
    pub name: String,
    /// `metadata.namespace`; omitted like kubectl without `-n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `KEY=VALUE`: the key is everything before the first `=`, the value everything after
    /// (quotes and whitespace kept, as kubectl keeps them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_literal: Vec<String>,
    /// `PATH` (key = the file's base name), `KEY=PATH`, or a directory `DIR` (one key per
    /// regular file directly in it). Relative to the scenario file's directory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_file: Vec<String>,
    /// Env files: `KEY=VALUE` lines, `#` comments; `KEY` alone takes kubedrill's environment.
    /// Cannot be combined with `fromFile`/`fromLiteral` (kubectl refuses too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_env_file: Vec<String>,
    /// Append kubectl's/kustomize's content hash to the name (`NAME-<10 chars>`), so that
    /// every change makes a new name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hash_suffix: bool,
}

/// A Secret made like `kubectl create secret generic` (the default), `… tls` (`tls:`) or
/// `… docker-registry` (`dockerRegistry:`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretGenerator {
    /// `metadata.name` (before the hash suffix).
    pub name: String,
    /// `metadata.namespace`; omitted like kubectl without `-n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `generic` (the default: no `type`, which the API server defaults to `Opaque`), or the
    /// `--type` of `kubectl create secret generic` (e.g. `kubernetes.io/basic-auth`). With
    /// `tls:`/`dockerRegistry:` it may only repeat their type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<String>,
    /// As for a ConfigMap.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_literal: Vec<String>,
    /// As for a ConfigMap (every file's bytes go to `data`, UTF-8 or not).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_file: Vec<String>,
    /// As for a ConfigMap.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_env_file: Vec<String>,
    /// `kubectl create secret tls`: `tls.crt` and `tls.key`, type `kubernetes.io/tls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSource>,
    /// `kubectl create secret docker-registry`: `.dockerconfigjson`, type
    /// `kubernetes.io/dockerconfigjson`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_registry: Option<DockerRegistrySource>,
    /// As for a ConfigMap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hash_suffix: bool,
}

/// `--cert` and `--key` of `kubectl create secret tls`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsSource {
    /// The PEM certificate (chain) file.
    pub cert: String,
    /// The PEM private key file; it must match the certificate.
    pub key: String,
}

/// The `--docker-*` flags of `kubectl create secret docker-registry`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DockerRegistrySource {
    /// `--docker-server`; kubectl's default is `https://index.docker.io/v1/`.
    #[serde(default = "default_docker_server")]
    pub server: String,
    /// `--docker-username`.
    pub username: String,
    /// `--docker-password`.
    pub password: String,
    /// `--docker-email`; omitted from the config when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// kubectl's default `--docker-server`.
pub const DEFAULT_DOCKER_SERVER: &str = "https://index.docker.io/v1/";

fn default_docker_server() -> String {
    DEFAULT_DOCKER_SERVER.to_string()
}

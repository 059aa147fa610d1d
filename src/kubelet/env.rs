//! Container environment resolution, as kubelet's `makeEnvironmentVariables`
//! (pkg/kubelet/kubelet_pods.go) does it when a container starts (spec §6).
//!
//! This module owns the rules: envFrom then env precedence, prefixes, optional sources, the
//! `$(VAR)` expansion of literal values (a port of
//! `third_party/forked/golang/expansion/expand.go`), the ≤1.29 invalid-name filter and the exact
//! error texts. It is pure: objects come in through [`ObjectLookup`], a [`ResolvedEnv`] comes
//! out. It does not decide container state; the caller turns an [`EnvError`] into a
//! `CreateContainerConfigError` wait and a `Failed` event (§6.6).
//!
//! Two kinds of variables come from outside the container spec, and both are added here so
//! that every consumer (`project`'s env file, the process and the docker runtimes) gets them:
//! - **Service links** (`getServiceEnvVarMap`): the variables of the `kubernetes` Service in
//!   `default` are always injected — `enableServiceLinks: false` only drops the *other*
//!   Services of the pod's namespace, and kubedrill has no other Services. They are appended
//!   after the container's own variables for the names the container does not set, and a
//!   `$(VAR)` in a literal value can refer to them, as in kubelet. Their values are kind's (and
//!   kubeadm's) defaults, see [`KUBERNETES_SERVICE_HOST`].
//! - **`HOSTNAME`**: set by the container runtime, not kubelet (containerd's CRI adds
//!   `HOSTNAME=<sandbox hostname>` before the container's env, which overrides it). The sandbox
//!   hostname is the pod name cut to 63 characters ([`pod_hostname`]); `spec.hostname`,
//!   `spec.subdomain` and `hostNetwork` are not considered. It is not a kubelet variable, so
//!   `$(HOSTNAME)` does not expand.

use std::collections::{BTreeSet, HashMap};

use k8s_openapi::api::core::v1::{Container, EnvVar, ObjectFieldSelector};

use super::KubeVersion;
use super::payload::{PodContext, extract_field_path};
use crate::api::ObjectLookup;

/// The node name kubedrill reports for `spec.nodeName`.
pub const NODE_NAME: &str = "kubedrill-node";
/// The pod IP kubedrill reports for `status.podIP` / `status.podIPs`.
pub const POD_IP: &str = "127.0.0.1";
/// The host IP kubedrill reports for `status.hostIP` / `status.hostIPs`.
pub const HOST_IP: &str = "127.0.0.1";

/// The ClusterIP of the `kubernetes` Service in `default` that kubedrill reports: the first
/// address of kind's and kubeadm's default Service CIDR, `10.96.0.0/12`.
pub const KUBERNETES_SERVICE_HOST: &str = "10.96.0.1";
/// The port of the `kubernetes` Service (named `https`, TCP), as on kind and kubeadm clusters.
pub const KUBERNETES_SERVICE_PORT: u16 = 443;

/// The variable the container runtime sets to the pod's hostname.
pub const HOSTNAME_VAR: &str = "HOSTNAME";

/// The service-link variables of the `kubernetes` Service in `default`, as kubelet's
/// `envvars.FromServices` makes them (in its order): `KUBERNETES_SERVICE_HOST`,
/// `KUBERNETES_SERVICE_PORT`, `KUBERNETES_SERVICE_PORT_HTTPS`, then the Docker-link ones
/// (`KUBERNETES_PORT=tcp://10.96.0.1:443`, `KUBERNETES_PORT_443_TCP{,_PROTO,_PORT,_ADDR}`).
pub fn master_service_env() -> Vec<(String, String)> {
    let host = KUBERNETES_SERVICE_HOST;
    let port = KUBERNETES_SERVICE_PORT;
    let url = format!("tcp://{host}:{port}");
    let prefix = format!("KUBERNETES_PORT_{port}_TCP");
    vec![
        ("KUBERNETES_SERVICE_HOST".into(), host.into()),
        ("KUBERNETES_SERVICE_PORT".into(), port.to_string()),
        ("KUBERNETES_SERVICE_PORT_HTTPS".into(), port.to_string()),
        ("KUBERNETES_PORT".into(), url.clone()),
        (prefix.clone(), url),
        (format!("{prefix}_PROTO"), "tcp".into()),
        (format!("{prefix}_PORT"), port.to_string()),
        (format!("{prefix}_ADDR"), host.into()),
    ]
}

/// The pod's hostname as kubelet hands it to the runtime (`GeneratePodHostNameAndDomain`
/// without `spec.hostname`): the pod name, cut to 63 characters with trailing `-` and `.`
/// removed.
pub fn pod_hostname(pod_name: &str) -> String {
    const HOSTNAME_MAX_LEN: usize = 63;
    if pod_name.len() <= HOSTNAME_MAX_LEN {
        return pod_name.to_string();
    }
    // Pod names are DNS subdomains (ASCII), but stay on a char boundary for any input.
    let mut end = HOSTNAME_MAX_LEN;
    while !pod_name.is_char_boundary(end) {
        end -= 1;
    }
    pod_name[..end].trim_end_matches(['-', '.']).to_string()
}

/// The reason of the Warning event kubelet ≤1.29 emits for skipped envFrom keys (§6.4).
pub const INVALID_ENV_NAMES_REASON: &str = "InvalidEnvironmentVariableNames";

/// A container's environment as kubelet would pass it to the runtime.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedEnv {
    /// `(name, value)` pairs, each name once.
    ///
    /// kubelet collects the variables in a Go map and emits them in map iteration order, which
    /// Go randomises; no order is more faithful than another. kubedrill uses a deterministic one:
    /// the order in which each name first appeared — envFrom sources in order (keys of one object
    /// sorted), then `env` entries — and a later value replaces an earlier one in place.
    pub vars: Vec<(String, String)>,
    /// Names whose final value came from a Secret: an envFrom `secretRef`, a `secretKeyRef`, or a
    /// literal value whose `$(VAR)` expansion used such a variable. Redact these.
    pub secret_derived: BTreeSet<String>,
    /// Events kubelet records while resolving (≤1.29: `InvalidEnvironmentVariableNames`).
    pub events: Vec<EnvEvent>,
}

impl ResolvedEnv {
    /// The value of variable `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An event recorded on the pod while resolving env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEvent {
    /// The Kubernetes event type: `Warning`.
    pub event_type: String,
    /// The event reason, e.g. [`INVALID_ENV_NAMES_REASON`].
    pub reason: String,
    /// The event message, worded as kubelet words it.
    pub message: String,
}

/// Why a container's env could not be resolved: the container does not start (§6.6).
///
/// Display is kubelet's error text alone (e.g. `couldn't find key db in Secret default/app`);
/// the caller adds the `Error: ` prefix of the `Failed` event. Never contains a Secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A non-optional ConfigMap (envFrom or configMapKeyRef) does not exist.
    #[error("configmap \"{name}\" not found")]
    ConfigMapNotFound {
        /// The ConfigMap's name.
        name: String,
    },
    /// A non-optional Secret (envFrom or secretKeyRef) does not exist.
    #[error("secret \"{name}\" not found")]
    SecretNotFound {
        /// The Secret's name.
        name: String,
    },
    /// A non-optional configMapKeyRef names a key the ConfigMap's `data` lacks.
    #[error("couldn't find key {key} in ConfigMap {namespace}/{name}")]
    ConfigMapKeyNotFound {
        /// The missing key.
        key: String,
        /// The pod's namespace.
        namespace: String,
        /// The ConfigMap's name.
        name: String,
    },
    /// A non-optional secretKeyRef names a key the Secret's `data` lacks.
    #[error("couldn't find key {key} in Secret {namespace}/{name}")]
    SecretKeyNotFound {
        /// The missing key.
        key: String,
        /// The pod's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
    },
    /// A `fieldRef` kubelet (or kubedrill) cannot evaluate.
    #[error("{0}")]
    FieldRef(String),
    /// A source kubedrill does not reproduce (`resourceFieldRef`, `fileKeyRef`).
    #[error("{0}")]
    Unsupported(String),
}

impl EnvError {
    /// The waiting reason of the container that failed: `CreateContainerConfigError`.
    pub fn reason(&self) -> &'static str {
        "CreateContainerConfigError"
    }
}

/// Resolves the environment of `container` in the pod described by `pod`, with the behaviour of
/// kubelet `version` (§6.1–§6.5).
pub fn resolve_env(
    container: &Container,
    pod: &PodContext,
    lookup: &dyn ObjectLookup,
    version: KubeVersion,
) -> Result<ResolvedEnv, EnvError> {
    let mut env = EnvMap::default();
    let mut events = Vec::new();
    let namespace = pod.namespace.as_str();

    // §6.1/§6.2: envFrom first, in order; a later source overwrites an earlier one.
    for source in container.env_from.iter().flatten() {
        let prefix = source.prefix.as_deref().unwrap_or_default();
        let (kind, name, entries, secret) = if let Some(cm_ref) = &source.config_map_ref {
            let Some(cm) = lookup.config_map(namespace, &cm_ref.name) else {
                if cm_ref.optional.unwrap_or(false) {
                    continue;
                }
                return Err(EnvError::ConfigMapNotFound {
                    name: cm_ref.name.clone(),
                });
            };
            // binaryData is ignored.
            let entries: Vec<(String, String)> = cm
                .data
                .iter()
                .flatten()
                .map(|(k, v)| (format!("{prefix}{k}"), v.clone()))
                .collect();
            ("configMap", &cm_ref.name, entries, false)
        } else if let Some(secret_ref) = &source.secret_ref {
            let Some(secret) = lookup.secret(namespace, &secret_ref.name) else {
                if secret_ref.optional.unwrap_or(false) {
                    continue;
                }
                return Err(EnvError::SecretNotFound {
                    name: secret_ref.name.clone(),
                });
            };
            let entries: Vec<(String, String)> = secret
                .data
                .iter()
                .flatten()
                .map(|(k, v)| (format!("{prefix}{k}"), bytes_to_value(&v.0)))
                .collect();
            ("secret", &secret_ref.name, entries, true)
        } else {
            continue;
        };

        let mut invalid = Vec::new();
        for (key, value) in entries {
            if version.skips_invalid_env_names() && !is_env_var_name(&key) {
                invalid.push(key);
                continue;
            }
            env.set(key, value, secret);
        }
        if !invalid.is_empty() {
            invalid.sort();
            events.push(EnvEvent {
                event_type: "Warning".to_string(),
                reason: INVALID_ENV_NAMES_REASON.to_string(),
                message: format!(
                    "Keys [{}] from the EnvFrom {kind} {namespace}/{name} were skipped since they \
                     are considered invalid environment variable names.",
                    invalid.join(", ")
                ),
            });
        }
    }

    // §6.1/§6.3/§6.5: env entries in order, overriding envFrom.
    for var in container.env.iter().flatten() {
        let Some((value, secret)) = resolve_var(var, pod, lookup, &env)? else {
            // An optional reference to a missing object or key: the variable is omitted (an
            // envFrom value of the same name, if any, stays).
            continue;
        };
        env.set(var.name.clone(), value, secret);
    }

    let mut resolved = env.finish(events);
    // kubelet: "Append remaining service env vars" — those the container does not set.
    for (name, value) in master_service_env() {
        if resolved.get(&name).is_none() {
            resolved.vars.push((name, value));
        }
    }
    // The runtime's HOSTNAME comes first; the container's own env overrides it.
    if resolved.get(HOSTNAME_VAR).is_none() {
        resolved
            .vars
            .insert(0, (HOSTNAME_VAR.to_string(), pod_hostname(&pod.name)));
    }
    Ok(resolved)
}

/// One `env` entry's value and whether it is secret, or `None` when it is omitted.
fn resolve_var(
    var: &EnvVar,
    pod: &PodContext,
    lookup: &dyn ObjectLookup,
    env: &EnvMap,
) -> Result<Option<(String, bool)>, EnvError> {
    let namespace = pod.namespace.as_str();
    let literal = var.value.as_deref().unwrap_or_default();
    // kubelet checks `Value != ""` first: a non-empty literal wins over valueFrom.
    if !literal.is_empty() {
        let mut secret = false;
        // kubelet's `MappingFuncFor(tmpEnv, serviceEnv)`: the container's variables first,
        // then the service links.
        let value = expand(literal, |name| match env.get(name) {
            Some((value, from_secret)) => {
                secret |= from_secret;
                Some(value.to_string())
            }
            None => master_service_env()
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v),
        });
        return Ok(Some((value, secret)));
    }
    let Some(from) = &var.value_from else {
        return Ok(Some((String::new(), false)));
    };
    if let Some(field_ref) = &from.field_ref {
        return pod_field_value(field_ref, pod).map(|v| Some((v, false)));
    }
    if let Some(resource) = &from.resource_field_ref {
        return Err(EnvError::Unsupported(format!(
            "resourceFieldRef {:?} is not supported by kubedrill",
            resource.resource
        )));
    }
    if let Some(key_ref) = &from.config_map_key_ref {
        let optional = key_ref.optional.unwrap_or(false);
        let Some(cm) = lookup.config_map(namespace, &key_ref.name) else {
            if optional {
                return Ok(None);
            }
            return Err(EnvError::ConfigMapNotFound {
                name: key_ref.name.clone(),
            });
        };
        return match cm.data.as_ref().and_then(|d| d.get(&key_ref.key)) {
            Some(value) => Ok(Some((value.clone(), false))),
            None if optional => Ok(None),
            None => Err(EnvError::ConfigMapKeyNotFound {
                key: key_ref.key.clone(),
                namespace: namespace.to_string(),
                name: key_ref.name.clone(),
            }),
        };
    }
    if let Some(key_ref) = &from.secret_key_ref {
        let optional = key_ref.optional.unwrap_or(false);
        let Some(secret) = lookup.secret(namespace, &key_ref.name) else {
            if optional {
                return Ok(None);
            }
            return Err(EnvError::SecretNotFound {
                name: key_ref.name.clone(),
            });
        };
        return match secret.data.as_ref().and_then(|d| d.get(&key_ref.key)) {
            Some(value) => Ok(Some((bytes_to_value(&value.0), true))),
            None if optional => Ok(None),
            None => Err(EnvError::SecretKeyNotFound {
                key: key_ref.key.clone(),
                namespace: namespace.to_string(),
                name: key_ref.name.clone(),
            }),
        };
    }
    if from.file_key_ref.is_some() {
        return Err(EnvError::Unsupported(
            "fileKeyRef (EnvFiles feature gate) is not supported by kubedrill".to_string(),
        ));
    }
    Ok(Some((String::new(), false)))
}

/// kubelet's `podFieldSelectorRuntimeValue`: node and IP fields get kubedrill's fixed values
/// ([`NODE_NAME`], [`POD_IP`], [`HOST_IP`]); metadata fields come from the pod.
fn pod_field_value(selector: &ObjectFieldSelector, pod: &PodContext) -> Result<String, EnvError> {
    if let Some(version) = selector.api_version.as_deref()
        && !version.is_empty()
        && version != "v1"
    {
        return Err(EnvError::FieldRef(format!(
            "unsupported pod version: {version}"
        )));
    }
    match selector.field_path.as_str() {
        "spec.nodeName" => Ok(NODE_NAME.to_string()),
        "status.hostIP" | "status.hostIPs" => Ok(HOST_IP.to_string()),
        "status.podIP" | "status.podIPs" => Ok(POD_IP.to_string()),
        path => extract_field_path(pod, path).map_err(EnvError::FieldRef),
    }
}

/// Secret bytes as an env value. Linux env values are bytes and kubelet passes them through;
/// kubedrill's values are text, so invalid UTF-8 is replaced with U+FFFD.
fn bytes_to_value(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether `name` is a valid env var name for kubelet ≤1.29 (`IsEnvVarName`):
/// `^[-._a-zA-Z][-._a-zA-Z0-9]*$` (§6.4).
pub fn is_env_var_name(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphabetic() || matches!(c, '-' | '.' | '_');
    let mut chars = name.chars();
    chars.next().is_some_and(allowed) && chars.all(|c| allowed(c) || c.is_ascii_digit())
}

/// Expands `$(VAR)` references in `input` — a port of Kubernetes'
/// `third_party/forked/golang/expansion` `Expand` with `MappingFuncFor` (§6.5).
///
/// `lookup` returns a variable's value, or `None` when it is undefined; an undefined reference
/// stays literal `$(VAR)`. `$$` yields `$` (so `$$(VAR)` yields the literal `$(VAR)`); an
/// unterminated `$(` stays literal; `$` before anything else, and a trailing `$`, stay as they
/// are. Expansion is not recursive: a value containing `$(X)` is inserted as is.
///
/// ```
/// use kubedrill::kubelet::env::expand;
///
/// let lookup = |name: &str| (name == "HOST").then(|| "db".to_string());
/// assert_eq!(expand("$(HOST):5432", lookup), "db:5432");
/// assert_eq!(expand("$(PORT) $$(HOST) $(HOST", lookup), "$(PORT) $(HOST) $(HOST");
/// ```
pub fn expand(input: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> String {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            out.push_str(&input[checkpoint..cursor]);
            // `cursor` is at an ASCII `$`, so `cursor + 1` is a char boundary.
            let rest = &input[cursor + 1..];
            let advance = match rest.chars().next() {
                Some('$') => {
                    // Escaped operator.
                    out.push('$');
                    1
                }
                Some('(') => match rest[1..].find(')') {
                    Some(close) => {
                        let name = &rest[1..1 + close];
                        match lookup(name) {
                            Some(value) => out.push_str(&value),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        close + 2
                    }
                    None => {
                        // Incomplete reference: keep `$(` and carry on after the `(`.
                        out.push_str("$(");
                        1
                    }
                },
                Some(other) => {
                    // An operator that does not begin an expression.
                    out.push('$');
                    out.push(other);
                    other.len_utf8()
                }
                None => 0,
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.push_str(&input[checkpoint.min(input.len())..]);
    out
}

/// kubelet's `tmpEnv` map, remembering first-appearance order and Secret origin.
#[derive(Default)]
struct EnvMap {
    order: Vec<String>,
    values: HashMap<String, (String, bool)>,
}

impl EnvMap {
    fn set(&mut self, name: String, value: String, secret: bool) {
        if !self.values.contains_key(&name) {
            self.order.push(name.clone());
        }
        self.values.insert(name, (value, secret));
    }

    fn get(&self, name: &str) -> Option<(&str, bool)> {
        self.values.get(name).map(|(v, s)| (v.as_str(), *s))
    }

    fn finish(mut self, events: Vec<EnvEvent>) -> ResolvedEnv {
        let mut vars = Vec::with_capacity(self.order.len());
        let mut secret_derived = BTreeSet::new();
        for name in self.order {
            if let Some((value, secret)) = self.values.remove(&name) {
                if secret {
                    secret_derived.insert(name.clone());
                }
                vars.push((name, value));
            }
        }
        ResolvedEnv {
            vars,
            secret_derived,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubelet::payload::test_support::{Objects, pod};
    use serde_json::json;

    fn container(spec: serde_json::Value) -> Container {
        let mut spec = spec;
        spec["name"] = json!("app");
        serde_json::from_value(spec).expect("valid container")
    }

    fn objects() -> Objects {
        Objects::default()
            .with_cm(
                "cfg",
                &[("LOG_LEVEL", "INFO"), ("MODE", "cm"), ("REF", "$(MODE)")],
                &[("BLOB", b"bin")],
            )
            .with_cm("cfg2", &[("MODE", "cm2"), ("EXTRA", "e")], &[])
            .with_cm("bad", &[("1bad", "x"), ("good", "y"), ("a b", "z")], &[])
            .with_cm("e2e", &[("data_1", "value-1")], &[])
            .with_secret("db", &[("PASSWORD", b"s3cret"), ("MODE", b"secret")])
    }

    fn resolve(spec: serde_json::Value) -> Result<ResolvedEnv, EnvError> {
        resolve_env(&container(spec), &pod(), &objects(), KubeVersion::CURRENT)
    }

    fn ok(spec: serde_json::Value) -> ResolvedEnv {
        resolve(spec).expect("env resolves")
    }

    fn err(spec: serde_json::Value) -> String {
        resolve(spec).expect_err("env fails").to_string()
    }

    /// The container's own variables: without the runtime's `HOSTNAME` of the test pod
    /// (`web`) and the service links, which every resolved env has (pinned in the
    /// `env_6_1_hostname_…`/`…_service_links_…` tests).
    fn pairs(env: &ResolvedEnv) -> Vec<(&str, &str)> {
        let added = master_service_env();
        env.vars
            .iter()
            .filter(|(n, v)| {
                let runtime_hostname = n == HOSTNAME_VAR && v == "web";
                let service_link = added.iter().any(|(an, av)| an == n && av == v);
                !runtime_hostname && !service_link
            })
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn env_6_1_hostname_and_service_links_surround_the_container_env() {
        let env = ok(json!({"env": [{"name": "A", "value": "a"}]}));
        assert_eq!(
            env.vars,
            [
                ("HOSTNAME", "web"),
                ("A", "a"),
                ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                ("KUBERNETES_SERVICE_PORT", "443"),
                ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
                ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
                ("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
                ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
                ("KUBERNETES_PORT_443_TCP_PORT", "443"),
                ("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"),
            ]
            .map(|(n, v)| (n.to_string(), v.to_string()))
        );
        assert!(env.secret_derived.is_empty());
    }

    #[test]
    fn env_6_1_service_links_are_added_even_with_enable_service_links_false() {
        // enableServiceLinks only drops the namespace's other Services; the master Service's
        // variables are always injected. kubedrill has no other Services, so the pod field
        // changes nothing.
        let env = ok(json!({}));
        assert_eq!(
            env.get("KUBERNETES_SERVICE_HOST"),
            Some(KUBERNETES_SERVICE_HOST)
        );
        assert_eq!(env.vars.len(), 1 + master_service_env().len());
    }

    #[test]
    fn env_6_1_the_container_env_overrides_hostname_and_service_links() {
        let env = ok(json!({
            "envFrom": [{"secretRef": {"name": "db"}, "prefix": "KUBERNETES_"}],
            "env": [
                {"name": "HOSTNAME", "value": "mine"},
                {"name": "KUBERNETES_SERVICE_HOST", "value": "api.example"}
            ]
        }));
        assert_eq!(env.get("HOSTNAME"), Some("mine"));
        assert_eq!(env.get("KUBERNETES_SERVICE_HOST"), Some("api.example"));
        assert_eq!(env.get("KUBERNETES_PASSWORD"), Some("s3cret"));
        for name in ["HOSTNAME", "KUBERNETES_SERVICE_HOST"] {
            assert_eq!(
                env.vars.iter().filter(|(n, _)| n == name).count(),
                1,
                "{name}"
            );
        }
        assert_eq!(
            env.vars.iter().position(|(n, _)| n == "HOSTNAME"),
            Some(2),
            "where the container's env set it, after the envFrom keys"
        );
    }

    #[test]
    fn env_6_5_expansion_sees_service_links_but_not_hostname() {
        let env = ok(json!({"env": [
            {"name": "API", "value": "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)"},
            {"name": "ME", "value": "$(HOSTNAME)"}
        ]}));
        assert_eq!(env.get("API"), Some("https://10.96.0.1:443"));
        assert_eq!(
            env.get("ME"),
            Some("$(HOSTNAME)"),
            "HOSTNAME is the runtime's"
        );
    }

    #[test]
    fn pod_hostname_is_the_pod_name_cut_to_63_characters() {
        assert_eq!(pod_hostname("web-7d9f-abcde"), "web-7d9f-abcde");
        let long = format!("{}-{}", "a".repeat(62), "b".repeat(10));
        assert_eq!(pod_hostname(&long), "a".repeat(62), "trailing '-' dropped");
        assert_eq!(pod_hostname(&"x".repeat(70)).len(), 63);
    }

    #[test]
    fn env_6_1_env_overrides_env_from() {
        let env = ok(json!({
            "envFrom": [{"configMapRef": {"name": "cfg"}}],
            "env": [{"name": "MODE", "value": "literal"}, {"name": "NEW", "value": "n"}]
        }));
        assert_eq!(
            pairs(&env),
            vec![
                ("LOG_LEVEL", "INFO"),
                ("MODE", "literal"),
                ("REF", "$(MODE)"),
                ("NEW", "n")
            ]
        );
    }

    #[test]
    fn env_6_1_later_env_from_wins() {
        let env = ok(json!({
            "envFrom": [{"configMapRef": {"name": "cfg"}}, {"configMapRef": {"name": "cfg2"}}]
        }));
        assert_eq!(env.get("MODE"), Some("cm2"));
        assert_eq!(env.get("EXTRA"), Some("e"));
        assert_eq!(pairs(&env).len(), 4);
    }

    #[test]
    fn env_6_2_prefix() {
        let env = ok(json!({"envFrom": [{"configMapRef": {"name": "cfg2"}, "prefix": "P_"}]}));
        assert_eq!(pairs(&env), vec![("P_EXTRA", "e"), ("P_MODE", "cm2")]);
    }

    #[test]
    fn env_6_2_binary_data_ignored() {
        let env = ok(json!({"envFrom": [{"configMapRef": {"name": "cfg"}}]}));
        assert_eq!(env.get("BLOB"), None);
    }

    #[test]
    fn env_6_2_optional_missing_source_skipped() {
        let env = ok(json!({"envFrom": [
            {"configMapRef": {"name": "gone", "optional": true}},
            {"secretRef": {"name": "gone", "optional": true}},
            {"configMapRef": {"name": "cfg2"}}
        ]}));
        assert_eq!(pairs(&env).len(), 2);
    }

    #[test]
    fn env_6_2_missing_source_fails() {
        assert_eq!(
            err(json!({"envFrom": [{"configMapRef": {"name": "gone"}}]})),
            "configmap \"gone\" not found"
        );
        assert_eq!(
            err(json!({"envFrom": [{"secretRef": {"name": "gone"}}]})),
            "secret \"gone\" not found"
        );
    }

    #[test]
    fn env_6_3_key_refs() {
        let env = ok(json!({"env": [
            {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "LOG_LEVEL"}}},
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "PASSWORD"}}}
        ]}));
        assert_eq!(pairs(&env), vec![("LEVEL", "INFO"), ("PW", "s3cret")]);
    }

    #[test]
    fn env_6_3_optional_missing_key_omitted_not_empty() {
        let env = ok(json!({"env": [
            {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "nope", "optional": true}}},
            {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "gone", "key": "k", "optional": true}}},
            {"name": "C", "valueFrom": {"secretKeyRef": {"name": "db", "key": "nope", "optional": true}}},
            {"name": "D", "valueFrom": {"secretKeyRef": {"name": "gone", "key": "k", "optional": true}}},
            {"name": "E", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "BLOB", "optional": true}}}
        ]}));
        assert!(pairs(&env).is_empty(), "{env:?}");
    }

    #[test]
    fn env_6_3_optional_missing_key_keeps_env_from_value() {
        let env = ok(json!({
            "envFrom": [{"configMapRef": {"name": "cfg2"}}],
            "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "nope", "optional": true}}}]
        }));
        assert_eq!(env.get("MODE"), Some("cm2"));
    }

    #[test]
    fn env_6_3_error_wording_configmap_key() {
        assert_eq!(
            err(
                json!({"env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "nope"}}}]})
            ),
            "couldn't find key nope in ConfigMap default/cfg"
        );
    }

    #[test]
    fn env_6_3_error_wording_secret_key() {
        let e = resolve(json!({"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "db", "key": "nope"}}}]}))
            .expect_err("fails");
        assert_eq!(e.to_string(), "couldn't find key nope in Secret default/db");
        assert_eq!(e.reason(), "CreateContainerConfigError");
    }

    #[test]
    fn env_6_3_error_wording_configmap_not_found() {
        assert_eq!(
            err(
                json!({"env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "gone", "key": "k"}}}]})
            ),
            "configmap \"gone\" not found"
        );
    }

    #[test]
    fn env_6_3_error_wording_secret_not_found() {
        assert_eq!(
            err(
                json!({"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "gone", "key": "k"}}}]})
            ),
            "secret \"gone\" not found"
        );
    }

    #[test]
    fn env_6_3_field_refs() {
        let env = ok(json!({"env": [
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {"name": "NOTE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['x']"}}},
            {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
            {"name": "IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
            {"name": "HOST", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}}
        ]}));
        assert_eq!(
            pairs(&env),
            vec![
                ("POD", "web"),
                ("NS", "default"),
                ("UID", "0000-uid"),
                ("APP", "web"),
                ("NOTE", ""),
                ("NODE", NODE_NAME),
                ("IP", POD_IP),
                ("HOST", HOST_IP),
            ]
        );
        assert!(env.secret_derived.is_empty());
    }

    #[test]
    fn env_6_3_unsupported_sources_fail() {
        assert!(
            err(json!({"env": [{"name": "A", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}]}))
                .contains("not supported")
        );
        assert_eq!(
            err(
                json!({"env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "spec.bogus"}}}]})
            ),
            "unsupported fieldPath: spec.bogus"
        );
    }

    #[test]
    fn env_6_4_v129_skips_invalid_names_with_event() {
        let env = resolve_env(
            &container(json!({"envFrom": [
                {"configMapRef": {"name": "bad"}},
                {"secretRef": {"name": "db"}, "prefix": "1"}
            ]})),
            &pod(),
            &objects(),
            KubeVersion::v1(29),
        )
        .expect("resolves");
        assert_eq!(pairs(&env), vec![("good", "y")]);
        assert_eq!(
            env.events,
            vec![
                EnvEvent {
                    event_type: "Warning".into(),
                    reason: "InvalidEnvironmentVariableNames".into(),
                    message:
                        "Keys [1bad, a b] from the EnvFrom configMap default/bad were skipped \
                              since they are considered invalid environment variable names."
                            .into(),
                },
                EnvEvent {
                    event_type: "Warning".into(),
                    reason: "InvalidEnvironmentVariableNames".into(),
                    message: "Keys [1MODE, 1PASSWORD] from the EnvFrom secret default/db were \
                              skipped since they are considered invalid environment variable names."
                        .into(),
                },
            ]
        );
    }

    #[test]
    fn env_6_4_v130_passes_invalid_names() {
        let env = resolve_env(
            &container(json!({"envFrom": [{"configMapRef": {"name": "bad"}}]})),
            &pod(),
            &objects(),
            KubeVersion::v1(30),
        )
        .expect("resolves");
        assert_eq!(
            pairs(&env),
            vec![("1bad", "x"), ("a b", "z"), ("good", "y")]
        );
        assert!(env.events.is_empty());
    }

    #[test]
    fn env_6_4_is_env_var_name() {
        for good in ["A", "_x", "-a.b", "a1", ".env"] {
            assert!(is_env_var_name(good), "{good}");
        }
        for bad in ["", "1a", "a b", "a=b", "$x", "é"] {
            assert!(!is_env_var_name(bad), "{bad}");
        }
    }

    /// e9: envFrom prefixes from the upstream e2e list, current behaviour (1.34).
    #[test]
    fn env_e9_prefixes_current() {
        for prefix in ["1-", "$_-", "ABC_", "#@!"] {
            let env = ok(json!({"envFrom": [{"configMapRef": {"name": "e2e"}, "prefix": prefix}]}));
            assert_eq!(
                pairs(&env),
                vec![(format!("{prefix}data_1").as_str(), "value-1")]
            );
            assert!(env.events.is_empty());
        }
    }

    /// e9 under 1.29: only `ABC_` yields a valid name; the others are skipped with an event.
    #[test]
    fn env_e9_prefixes_v129() {
        for (prefix, kept) in [
            ("1-", false),
            ("$_-", false),
            ("ABC_", true),
            ("#@!", false),
        ] {
            let env = resolve_env(
                &container(
                    json!({"envFrom": [{"configMapRef": {"name": "e2e"}, "prefix": prefix}]}),
                ),
                &pod(),
                &objects(),
                KubeVersion::v1(29),
            )
            .expect("resolves");
            assert_eq!(pairs(&env).len(), usize::from(kept), "{prefix}");
            assert_eq!(env.events.len(), usize::from(!kept), "{prefix}");
            if !kept {
                assert!(
                    env.events[0]
                        .message
                        .starts_with(&format!("Keys [{prefix}data_1] "))
                );
            }
        }
    }

    #[test]
    fn env_6_5_expansion_defined() {
        let env = ok(json!({
            "envFrom": [{"configMapRef": {"name": "cfg"}}],
            "env": [
                {"name": "A", "value": "level=$(LOG_LEVEL)"},
                {"name": "B", "value": "$(A)/$(A)"}
            ]
        }));
        assert_eq!(env.get("A"), Some("level=INFO"));
        assert_eq!(env.get("B"), Some("level=INFO/level=INFO"));
    }

    #[test]
    fn env_6_5_expansion_undefined_literal() {
        let env = ok(json!({"env": [{"name": "A", "value": "x-$(NOPE)-y"}]}));
        assert_eq!(env.get("A"), Some("x-$(NOPE)-y"));
    }

    #[test]
    fn env_6_5_expansion_dollar_dollar() {
        let env = ok(json!({"env": [
            {"name": "V", "value": "v"},
            {"name": "A", "value": "$$(V) $$ $$$(V)"}
        ]}));
        assert_eq!(env.get("A"), Some("$(V) $ $v"));
    }

    #[test]
    fn env_6_5_expansion_unterminated() {
        let env = ok(json!({"env": [
            {"name": "V", "value": "v"},
            {"name": "A", "value": "$(V)__$(V"},
            {"name": "B", "value": "end$"}
        ]}));
        assert_eq!(env.get("A"), Some("v__$(V"));
        assert_eq!(env.get("B"), Some("end$"));
    }

    #[test]
    fn env_6_5_expansion_only_earlier_entries() {
        let env = ok(json!({"env": [
            {"name": "A", "value": "$(B)"},
            {"name": "B", "value": "b"}
        ]}));
        assert_eq!(env.get("A"), Some("$(B)"));
    }

    #[test]
    fn env_6_5_expansion_not_applied_to_value_from() {
        let env = ok(json!({
            "envFrom": [{"configMapRef": {"name": "cfg"}}],
            "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "REF"}}}]
        }));
        // envFrom values and valueFrom values stay as written.
        assert_eq!(env.get("REF"), Some("$(MODE)"));
        assert_eq!(env.get("X"), Some("$(MODE)"));
    }

    /// The upstream expand_test.go table, with its context.
    #[test]
    fn env_6_5_expansion_upstream_cases() {
        let context: HashMap<&str, &str> = [
            ("VAR_A", "A"),
            ("VAR_B", "B"),
            ("VAR_C", "C"),
            ("VAR_REF", "$(VAR_A)"),
            ("VAR_EMPTY", ""),
        ]
        .into();
        let cases = [
            ("$(VAR_A)", "A"),
            ("$(VAR_A)-$(VAR_A)", "A-A"),
            ("___$(VAR_B)___", "___B___"),
            ("$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"),
            ("$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"),
            ("$$(VAR_A)_$$(VAR_B)", "$(VAR_A)_$(VAR_B)"),
            ("f000-$$VAR_A", "f000-$VAR_A"),
            ("foo\\$(VAR_C)bar", "foo\\Cbar"),
            ("$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"),
            ("$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"),
            ("$(VAR_REF)", "$(VAR_A)"),
            ("%%$(VAR_REF)--$(VAR_REF)%%", "%%$(VAR_A)--$(VAR_A)%%"),
            ("foo$(VAR_EMPTY)bar", "foobar"),
            ("foo$(VAR_Awhoops!", "foo$(VAR_Awhoops!"),
            ("f00__(VAR_A)__", "f00__(VAR_A)__"),
            ("$?_boo_$!", "$?_boo_$!"),
            ("$VAR_A", "$VAR_A"),
            ("$(VAR_DNE)", "$(VAR_DNE)"),
            ("$$$$$$(BIG_MONEY)", "$$$(BIG_MONEY)"),
            ("$$$$$$(VAR_A)", "$$$(VAR_A)"),
            ("$$$$$$$(GOOD_ODDS)", "$$$$(GOOD_ODDS)"),
            ("$$$$$$$(VAR_A)", "$$$A"),
            ("$VAR_A)", "$VAR_A)"),
            ("${VAR_A}", "${VAR_A}"),
            ("$(VAR_B)_______$(A", "B_______$(A"),
            ("$(VAR_C)_______$(", "C_______$("),
            ("$(VAR_A)foobarzab$", "Afoobarzab$"),
            ("foo-\\$(VAR_A", "foo-\\$(VAR_A"),
            ("--$($($($($--", "--$($($($($--"),
            ("$($($($($--foo$(", "$($($($($--foo$("),
            ("foo0--$($($($(", "foo0--$($($($("),
            ("$(foo$$var)", "$(foo$$var)"),
            ("\n", "\n"),
            ("$é-$(VAR_A)", "$é-A"),
        ];
        for (input, expected) in cases {
            let got = expand(input, |name| context.get(name).map(|v| v.to_string()));
            assert_eq!(got, expected, "input {input:?}");
        }
    }

    #[test]
    fn env_secret_values_marked_secret_derived() {
        let env = ok(json!({
            "envFrom": [{"secretRef": {"name": "db"}}, {"configMapRef": {"name": "cfg2"}}],
            "env": [
                {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "PASSWORD"}}},
                {"name": "DSN", "value": "postgres://u:$(PASSWORD)@db"},
                {"name": "PLAIN", "value": "$(EXTRA)"},
                {"name": "PASSWORD", "value": "overridden"}
            ]
        }));
        // MODE came from the Secret but the later ConfigMap overwrote it; PASSWORD was
        // overridden by a literal.
        assert_eq!(
            env.secret_derived,
            BTreeSet::from(["DSN".to_string(), "PW".to_string()])
        );
        assert_eq!(env.get("DSN"), Some("postgres://u:s3cret@db"));
        assert_eq!(env.get("MODE"), Some("cm2"));
    }

    #[test]
    fn env_empty_value_without_source_is_set() {
        let env = ok(json!({"env": [{"name": "EMPTY"}, {"name": "E2", "value": ""}]}));
        assert_eq!(pairs(&env), vec![("EMPTY", ""), ("E2", "")]);
    }
}

//! Rules about ConfigMaps and Secrets on their own: KD001 (credentials in a ConfigMap), KD005
//! (a Secret type that only looks built-in) and KD009 (a ConfigMap nothing uses).

use std::collections::HashSet;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use super::credentials::{Credential, credential};
use super::finding::Level;
use super::findings::Findings;
use super::ignore::Subject;
use super::locate::{Anchor, Locator};
use super::objects::namespace_of;
use super::refs::ObjectKind;
use crate::api::{ManifestSet, Origin};

/// Runs the object rules. `used` holds `(namespace, name)` of every ConfigMap a workload of the
/// set references.
pub(crate) fn check(
    set: &ManifestSet,
    used: &HashSet<(String, String)>,
    locator: &Locator,
    out: &mut Findings,
) {
    for (cm, origin) in &set.config_maps {
        credentials_in_config_map(cm, origin, locator, out);
        if !set.workloads.is_empty() {
            unused_config_map(cm, origin, used, out);
        }
    }
    for (secret, origin) in &set.secrets {
        lookalike_secret_type(secret, origin, locator, out);
    }
}

const KD001_HINT: &str = "move it to a Secret and consume it with env valueFrom.secretKeyRef or \
     a secret volume; ConfigMaps are not access-controlled or encrypted like Secrets and show in \
     plain text in kubectl describe";

/// KD001: a ConfigMap entry that looks like a credential, by its key name or its value.
fn credentials_in_config_map(
    cm: &ConfigMap,
    origin: &Origin,
    locator: &Locator,
    out: &mut Findings,
) {
    let name = cm.metadata.name.as_deref().unwrap_or_default();
    let entries = cm
        .data
        .iter()
        .flatten()
        .map(|(k, v)| ("data", k, Some(v.as_str())))
        .chain(
            cm.binary_data
                .iter()
                .flatten()
                .map(|(k, _)| ("binaryData", k, None)),
        );
    for (field, key, value) in entries {
        let Some(found) = credential(key, value) else {
            continue;
        };
        let anchors = [Anchor::key(field), Anchor::key(key)];
        let (location, what) = match found {
            Credential::Name(term) => (
                locator.find(origin, &anchors),
                format!("key {key} is named like a credential ({term:?}) and holds a value"),
            ),
            Credential::UrlPassword { line: 1 } if !value.unwrap_or_default().contains('\n') => (
                locator.find(origin, &anchors),
                format!("value of key {key} embeds a password in its URL"),
            ),
            Credential::UrlPassword { line } => (
                locator.find_in_block(origin, &anchors, line),
                format!("value of key {key} embeds a password in a URL on its line {line}"),
            ),
            Credential::Setting {
                line,
                name: setting,
            } => (
                locator.find_in_block(origin, &anchors, line),
                format!("value of key {key} sets {setting} on its line {line}"),
            ),
        };
        out.about(Subject::object(
            ObjectKind::ConfigMap,
            namespace_of(&cm.metadata),
            name,
        ))
        .push(
            location,
            "KD001",
            Level::Warning,
            format!("ConfigMap {name}: {what}"),
            KD001_HINT,
        );
    }
}

/// The built-in Secret types, with the form a look-alike reduces to (see [`reduce`]).
const BUILT_IN_TYPES: [(&str, &str); 7] = [
    ("Opaque", "opaque"),
    ("kubernetes.io/tls", "tls"),
    ("kubernetes.io/basic-auth", "basicauth"),
    ("kubernetes.io/ssh-auth", "sshauth"),
    ("kubernetes.io/dockerconfigjson", "dockerconfigjson"),
    ("kubernetes.io/dockercfg", "dockercfg"),
    ("kubernetes.io/service-account-token", "serviceaccounttoken"),
];

/// The built-in type a custom `type` looks like, if any: the same words after the last `/`,
/// ignoring case and separators, with no domain or a Kubernetes-looking one (`tls`,
/// `kubernetes.io/TLS`, `basic-auth`, `k8s.io/dockerconfigjson`; not `example.com/tls`,
/// which is deliberately custom).
pub(crate) fn lookalike_type(secret_type: &str) -> Option<&'static str> {
    if secret_type.is_empty() || BUILT_IN_TYPES.iter().any(|(t, _)| *t == secret_type) {
        return None;
    }
    if secret_type.starts_with("bootstrap.kubernetes.io/") {
        return None;
    }
    let (domain, last) = secret_type.rsplit_once('/').unwrap_or(("", secret_type));
    let domain = domain.to_ascii_lowercase();
    if !(domain.is_empty() || domain.contains("kubernetes") || domain.contains("k8s")) {
        return None;
    }
    let reduced = reduce(last);
    BUILT_IN_TYPES
        .iter()
        .find(|(_, form)| *form == reduced)
        .map(|(built_in, _)| *built_in)
}

fn reduce(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// KD005: a Secret `type` the API server takes as a custom type but that was meant as a
/// built-in one.
fn lookalike_secret_type(secret: &Secret, origin: &Origin, locator: &Locator, out: &mut Findings) {
    let Some(written) = secret.type_.as_deref() else {
        return;
    };
    let Some(built_in) = lookalike_type(written) else {
        return;
    };
    let name = secret.metadata.name.as_deref().unwrap_or_default();
    let consequence = match built_in {
        "kubernetes.io/tls" => {
            "tls.crt and tls.key are not required, and ingress controllers, cert-manager and other \
             tools will not treat it as a TLS Secret"
        }
        "Opaque" => "tools that look for Opaque Secrets will not match it",
        _ => "the keys that type requires are not checked, and tools will not recognise it",
    };
    out.about(Subject::object(
        ObjectKind::Secret,
        namespace_of(&secret.metadata),
        name,
    ))
    .push(
        locator.find(origin, &[Anchor::entry("type", written)]),
        "KD005",
        Level::Warning,
        format!(
            "Secret {name}: type {written:?} is not the built-in type {built_in}: the API server \
             accepts it as a custom type, so {consequence}"
        ),
        format!(
            "write type: {built_in}; a Secret's type cannot change, so delete and re-create the \
             Secret"
        ),
    );
}

/// KD009: a ConfigMap that no workload of the linted manifests references.
fn unused_config_map(
    cm: &ConfigMap,
    origin: &Origin,
    used: &HashSet<(String, String)>,
    out: &mut Findings,
) {
    let name = cm.metadata.name.as_deref().unwrap_or_default();
    let namespace = namespace_of(&cm.metadata);
    if used.contains(&(namespace.to_string(), name.to_string())) {
        return;
    }
    out.about(Subject::object(ObjectKind::ConfigMap, namespace, name)).push(
        super::locate::Location {
            file: origin.file.clone(),
            line: origin.line,
        },
        "KD009",
        Level::Info,
        format!(
            "ConfigMap {name} (namespace {namespace}) is not used by any workload in the linted \
             manifests"
        ),
        "check the name and namespace the workload refers to, delete the ConfigMap, or lint it \
         together with the workload that uses it",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookalike_secret_types() {
        for (written, built_in) in [
            ("tls", "kubernetes.io/tls"),
            ("TLS", "kubernetes.io/tls"),
            ("kubernetes.io/TLS", "kubernetes.io/tls"),
            ("opaque", "Opaque"),
            ("basic-auth", "kubernetes.io/basic-auth"),
            ("basic_auth", "kubernetes.io/basic-auth"),
            ("dockerconfigjson", "kubernetes.io/dockerconfigjson"),
            (
                "kubernetes.io/docker-config-json",
                "kubernetes.io/dockerconfigjson",
            ),
            ("k8s.io/ssh-auth", "kubernetes.io/ssh-auth"),
            (
                "service-account-token",
                "kubernetes.io/service-account-token",
            ),
        ] {
            assert_eq!(lookalike_type(written), Some(built_in), "{written}");
        }
        for written in [
            "",
            "Opaque",
            "kubernetes.io/tls",
            "example.com/tls",
            "helm.sh/release.v1",
            "bootstrap.kubernetes.io/token",
            "my-app-config",
        ] {
            assert_eq!(lookalike_type(written), None, "{written}");
        }
    }
}

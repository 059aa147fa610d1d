//! The pod facts a payload depends on: identity (name, namespace, UID, labels, annotations) for
//! the downward API, fsGroup/fsUser for ownership and token modes, and the downward API
//! `fieldPath` evaluation.
//!
//! Owns reading these facts from a pod spec and its metadata. It does not decide which files a
//! volume holds (see `sources`).

use super::*;

/// The pod facts that payloads and env resolution depend on: identity for the downward API,
/// and the fsGroup/fsUser that decide ownership and token modes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodContext {
    /// The pod's namespace; ConfigMaps and Secrets are looked up in it.
    pub namespace: String,
    /// The pod's name (`metadata.name` for the downward API).
    pub name: String,
    /// The pod's UID (`metadata.uid`). [`PodContext::from_pod`] fills in a stable made-up one when
    /// the manifest has none; a caller that creates the pod may overwrite it.
    pub uid: String,
    /// The pod's labels.
    pub labels: BTreeMap<String, String>,
    /// The pod's annotations.
    pub annotations: BTreeMap<String, String>,
    /// `spec.securityContext.fsGroup`: the gid volumes are chowned to (§2.7).
    pub fs_group: Option<i64>,
    /// The pod's fsUser as kubelet computes it (`FsUserFrom`): the effective `runAsUser` shared
    /// by every init and app container, or `None` when one has none or they differ.
    pub fs_user: Option<i64>,
}

impl PodContext {
    /// The name given to a pod whose manifest has neither `name` nor `generateName`
    /// (e.g. a bare Deployment pod template).
    pub const DEFAULT_NAME: &'static str = "kubedrill-pod";

    /// Reads the context from a pod's (or pod template's) metadata and spec.
    ///
    /// `namespace` is used when the metadata names none. A missing name becomes
    /// `<generateName>kubedrill` when `generateName` is set (as the API server would append a
    /// random suffix), else [`PodContext::DEFAULT_NAME`]. A missing UID becomes a stable
    /// UUID-shaped hash of namespace and name, so runs are reproducible.
    pub fn from_pod(meta: &ObjectMeta, spec: &PodSpec, namespace: &str) -> Self {
        let namespace = meta
            .namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
            .unwrap_or(namespace)
            .to_string();
        let name = match (meta.name.as_deref(), meta.generate_name.as_deref()) {
            (Some(name), _) if !name.is_empty() => name.to_string(),
            (_, Some(prefix)) if !prefix.is_empty() => format!("{prefix}kubedrill"),
            _ => Self::DEFAULT_NAME.to_string(),
        };
        let uid = meta
            .uid
            .clone()
            .filter(|uid| !uid.is_empty())
            .unwrap_or_else(|| stable_uid(&namespace, &name));
        PodContext {
            labels: meta.labels.clone().unwrap_or_default(),
            annotations: meta.annotations.clone().unwrap_or_default(),
            fs_group: spec.security_context.as_ref().and_then(|sc| sc.fs_group),
            fs_user: fs_user_from(spec),
            namespace,
            name,
            uid,
        }
    }
}

/// A UUID-shaped, deterministic UID for a pod that has none.
pub(super) fn stable_uid(namespace: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("kubedrill/{namespace}/{name}").as_bytes());
    let hex: String = digest.iter().take(16).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// kubelet's `FsUserFrom` (pkg/volume/util): the effective runAsUser common to all init and app
/// containers (a container's own `runAsUser` wins over the pod's), or `None` if any container has
/// none or two differ. Ephemeral containers are excluded, as upstream.
pub(super) fn fs_user_from(spec: &PodSpec) -> Option<i64> {
    let pod_user = spec.security_context.as_ref().and_then(|sc| sc.run_as_user);
    let mut fs_user = None;
    for container in spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
    {
        let user = container
            .security_context
            .as_ref()
            .and_then(|sc| sc.run_as_user)
            .or(pod_user)?;
        match fs_user {
            Some(existing) if existing != user => return None,
            _ => fs_user = Some(user),
        }
    }
    fs_user
}

/// Evaluates a downward API `fieldPath` on the pod's metadata, as `fieldpath.ExtractFieldPathAsString`
/// does: `metadata.name`, `metadata.namespace`, `metadata.uid`, `metadata.labels`,
/// `metadata.annotations` (one `key="value"` line per entry, sorted by key, value quoted like
/// Go's `%q`, no trailing newline) and `metadata.labels['k']` / `metadata.annotations['k']`
/// (the value, empty when absent). Any other path is an error with kubelet's wording.
pub fn extract_field_path(pod: &PodContext, field_path: &str) -> Result<String, String> {
    if let Some((path, subscript)) = split_subscripted_path(field_path) {
        return match path {
            "metadata.annotations" => {
                Ok(pod.annotations.get(subscript).cloned().unwrap_or_default())
            }
            "metadata.labels" => Ok(pod.labels.get(subscript).cloned().unwrap_or_default()),
            _ => Err(format!(
                "fieldPath {} does not support subscript",
                go_quote(field_path)
            )),
        };
    }
    match field_path {
        "metadata.annotations" => Ok(format_map(&pod.annotations)),
        "metadata.labels" => Ok(format_map(&pod.labels)),
        "metadata.name" => Ok(pod.name.clone()),
        "metadata.namespace" => Ok(pod.namespace.clone()),
        "metadata.uid" => Ok(pod.uid.clone()),
        _ => Err(format!("unsupported fieldPath: {field_path}")),
    }
}

/// `metadata.labels['k']` → `("metadata.labels", "k")` (fieldpath.SplitMaybeSubscriptedPath).
pub(super) fn split_subscripted_path(field_path: &str) -> Option<(&str, &str)> {
    let inner = field_path.strip_suffix("']")?;
    let (path, subscript) = inner.split_once("['")?;
    (!path.is_empty()).then_some((path, subscript))
}

/// fieldpath.FormatMap: `key="value"` lines sorted by key, without a trailing newline.
pub(super) fn format_map(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(key, value)| format!("{key}={}", go_quote(value)))
        .collect::<Vec<_>>()
        .join("\n")
}

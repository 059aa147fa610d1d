//! Volume payloads: what kubelet decides to put into a ConfigMap, Secret, projected or downward
//! API volume before the [`AtomicWriter`](super::AtomicWriter) writes it (spec §2, §3, §4).
//!
//! This module owns the *rules* — which keys become which files with which modes, when a missing
//! object or key is fatal, what the FailedMount message says. It is pure: objects come in through
//! [`ObjectLookup`], a [`Payload`] comes out. It never touches the disk and never applies fsGroup
//! itself: [`fs_group_mode`] states the rule and the writer's caller applies it after a write.
//!
//! Upstream: `pkg/volume/configmap/configmap.go` (`MakePayload`), `pkg/volume/secret/secret.go`
//! (`MakePayload`), `pkg/volume/projected/projected.go` (`collectData`),
//! `pkg/volume/downwardapi/downwardapi.go` (`CollectData`) and
//! `pkg/api/v1/pod/util.go`/`pkg/fieldpath` for downward API values.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use k8s_openapi::api::core::v1::{
    ConfigMap, DownwardAPIVolumeFile, KeyToPath, PodSpec, ProjectedVolumeSource, Secret, Volume,
    VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};

use super::atomic_writer::{FileProjection, Payload};
use crate::api::ObjectLookup;

/// The API server's default for `defaultMode` of configMap, secret, projected and downwardAPI
/// volumes (§2.1, §3.1, §4.3).
pub const DEFAULT_MODE: u32 = 0o644;

/// Mode of a projected serviceAccountToken file when the pod has an fsUser or fsGroup (§4.3);
/// the fsGroup mask then turns it into 0640.
pub const SERVICE_ACCOUNT_TOKEN_OWNED_MODE: u32 = 0o600;

/// The bytes kubedrill writes for a projected `serviceAccountToken` source.
///
/// The local backend has no API server to issue a TokenRequest, so the file holds this fixed,
/// deliberately unusable text: an app can see that a token file exists, watch it and read it, but
/// nothing can mistake it for a credential. It is still treated as secret for redaction, because
/// on a real cluster the same path holds a real token.
pub const FAKE_SERVICE_ACCOUNT_TOKEN: &str =
    "kubedrill-fake-token: not a real service account token";

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
fn stable_uid(namespace: &str, name: &str) -> String {
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
fn fs_user_from(spec: &PodSpec) -> Option<i64> {
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

/// Where a volume's files live on the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// A plain directory on the node's disk (configMap volumes, §2.6).
    Disk,
    /// tmpfs: Secret, projected and downwardAPI volumes never touch the node's disk (§3.2,
    /// §4.3; `pkg/volume/downwardapi` wraps an `emptyDir{medium: Memory}` too).
    Memory,
}

/// Everything one AtomicWriter write needs for a volume, plus what redaction needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumePayload {
    /// The files, by path relative to the volume root, with their exact modes (before fsGroup).
    pub files: Payload,
    /// Disk for configMap, memory (tmpfs) for secret, projected and downwardAPI.
    pub medium: Medium,
    /// True when any file's bytes came from a Secret (or a service account token): its contents
    /// must be redacted in reports.
    pub secret_derived: bool,
    /// The paths of [`files`](Self::files) whose bytes came from a Secret or a token.
    pub secret_paths: BTreeSet<String>,
    /// The gid to chown the volume to after each real write; apply [`fs_group_mode`] then.
    pub fs_group: Option<i64>,
}

/// What a pod volume turns into on the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeContent {
    /// A volume written by the AtomicWriter: configMap, secret, projected or downwardAPI.
    Projection(VolumePayload),
    /// An emptyDir (also what the API server defaults a volume without a source to).
    EmptyDir,
    /// A volume type kubedrill does not reproduce, by its field name (e.g. `hostPath`).
    Unsupported(String),
}

/// A volume that kubelet would fail to set up: the FailedMount event message.
///
/// Display is kubelet's sentence, e.g.
/// `MountVolume.SetUp failed for volume "config" : configmap "app" not found` — note the space
/// before the colon, as kubelet prints it. Messages name keys and objects, never Secret values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("MountVolume.SetUp failed for volume {} : {reason}", go_quote(volume))]
pub struct MountError {
    volume: String,
    reason: String,
}

impl MountError {
    /// A SetUp failure of `volume` because of `reason` (the text after ` : `).
    pub fn new(volume: impl Into<String>, reason: impl Into<String>) -> Self {
        MountError {
            volume: volume.into(),
            reason: reason.into(),
        }
    }

    /// The pod volume's name.
    pub fn volume(&self) -> &str {
        &self.volume
    }

    /// Why SetUp failed, e.g. `configmap "app" not found`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Decides what kubelet would write for `volume` of the pod described by `pod`.
///
/// Objects are looked up in the pod's namespace. Errors carry kubelet's FailedMount wording:
/// a missing non-optional object (§2.4), a missing non-optional item key (§2.3, §3.3), or for a
/// projected volume every failing source, aggregated as kubelet does (`[a, b]`).
pub fn build_volume_payload(
    volume: &Volume,
    pod: &PodContext,
    lookup: &dyn ObjectLookup,
) -> Result<VolumeContent, MountError> {
    let fail = |reason: String| MountError::new(volume.name.clone(), reason);
    let mut builder = Builder::default();
    let medium = if let Some(source) = &volume.config_map {
        let optional = source.optional.unwrap_or(false);
        let default_mode = mode_or(source.default_mode, DEFAULT_MODE);
        let object = lookup.config_map(&pod.namespace, &source.name);
        if object.is_none() && !optional {
            return Err(fail(config_map_not_found(&source.name)));
        }
        let files = config_map_payload(source.items.as_deref(), object, default_mode, optional)
            .map_err(fail)?;
        builder.merge(files, false);
        Medium::Disk
    } else if let Some(source) = &volume.secret {
        let name = source.secret_name.as_deref().unwrap_or_default();
        let optional = source.optional.unwrap_or(false);
        let default_mode = mode_or(source.default_mode, DEFAULT_MODE);
        let object = lookup.secret(&pod.namespace, name);
        if object.is_none() && !optional {
            return Err(fail(secret_not_found(name)));
        }
        let files = secret_payload(source.items.as_deref(), object, default_mode, optional)
            .map_err(fail)?;
        builder.merge(files, true);
        Medium::Memory
    } else if let Some(source) = &volume.projected {
        builder = projected_payload(source, pod, lookup).map_err(fail)?;
        Medium::Memory
    } else if let Some(source) = &volume.downward_api {
        let default_mode = mode_or(source.default_mode, DEFAULT_MODE);
        let files = downward_api_payload(
            source.items.as_deref().unwrap_or_default(),
            pod,
            default_mode,
        )
        .map_err(|errors| fail(aggregate(&errors)))?;
        builder.merge(files, false);
        // downwardapi.go wraps emptyDir{Medium: Memory}, like secret and projected.
        Medium::Memory
    } else if volume.empty_dir.is_some() {
        return Ok(VolumeContent::EmptyDir);
    } else {
        return Ok(match other_volume_type(volume) {
            Some(kind) => VolumeContent::Unsupported(kind.to_string()),
            // The API server defaults a volume without any source to an emptyDir.
            None => VolumeContent::EmptyDir,
        });
    };
    Ok(VolumeContent::Projection(
        builder.finish(medium, pod.fs_group),
    ))
}

/// The fsGroup permission rule kubelet applies to every entry of a read-only volume after a real
/// write (`SetVolumeOwnership`, pkg/volume/volume_linux.go; §2.7).
///
/// The entry is chowned to gid fsGroup; a file gets `mode | 0o440` (group read), a directory
/// `mode | 0o550 | 0o2000` (group read+search and setgid, so new entries inherit the group).
/// Symlinks are only chowned, never chmod-ed: the caller must skip them. Examples: a 0400 file
/// becomes 0440, a 0600 token 0640, the 0755 timestamped dir 02755.
///
/// ```
/// use kubedrill::kubelet::payload::fs_group_mode;
///
/// assert_eq!(fs_group_mode(0o400, false), 0o440);
/// assert_eq!(fs_group_mode(0o755, true), 0o2755);
/// ```
pub fn fs_group_mode(mode: u32, is_dir: bool) -> u32 {
    if is_dir {
        mode | 0o550 | 0o2000
    } else {
        mode | 0o440
    }
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
fn split_subscripted_path(field_path: &str) -> Option<(&str, &str)> {
    let inner = field_path.strip_suffix("']")?;
    let (path, subscript) = inner.split_once("['")?;
    (!path.is_empty()).then_some((path, subscript))
}

/// fieldpath.FormatMap: `key="value"` lines sorted by key, without a trailing newline.
fn format_map(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(key, value)| format!("{key}={}", go_quote(value)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Go's `strconv.Quote` (`%q`), as kubelet's messages print names and values: the one
/// implementation in [`crate::api::go_quote`].
pub(crate) use crate::api::go_quote::go_quote;

// ---------------------------------------------------------------------------------------------
// Payload assembly

/// Files of one source, in the order the source produced them; later entries win.
type SourceFiles = Vec<(String, FileProjection)>;

/// Merges sources in order into one payload, remembering which paths hold Secret bytes.
#[derive(Default)]
struct Builder {
    files: Payload,
    secret_paths: BTreeSet<String>,
}

impl Builder {
    /// A later source silently overwrites an earlier one at the same path (§4.1), and so does its
    /// secret-ness.
    fn merge(&mut self, files: SourceFiles, secret: bool) {
        for (path, file) in files {
            if secret {
                self.secret_paths.insert(path.clone());
            } else {
                self.secret_paths.remove(&path);
            }
            self.files.insert(path, file);
        }
    }

    fn finish(self, medium: Medium, fs_group: Option<i64>) -> VolumePayload {
        VolumePayload {
            secret_derived: !self.secret_paths.is_empty(),
            files: self.files,
            medium,
            secret_paths: self.secret_paths,
            fs_group,
        }
    }
}

/// An API mode field (0–0777, validated by the API server) as permission bits.
fn mode_or(mode: Option<i32>, default: u32) -> u32 {
    mode.map_or(default, |m| (m as u32) & 0o7777)
}

fn file(data: Vec<u8>, mode: u32) -> FileProjection {
    FileProjection {
        data,
        mode,
        fs_user: None,
    }
}

fn config_map_not_found(name: &str) -> String {
    format!("configmap {} not found", go_quote(name))
}

fn secret_not_found(name: &str) -> String {
    format!("secret {} not found", go_quote(name))
}

/// configmap.MakePayload (§2.2, §2.3). A missing optional object behaves as an empty one.
fn config_map_payload(
    items: Option<&[KeyToPath]>,
    object: Option<&ConfigMap>,
    default_mode: u32,
    optional: bool,
) -> Result<SourceFiles, String> {
    let data = object.and_then(|cm| cm.data.as_ref());
    let binary = object.and_then(|cm| cm.binary_data.as_ref());
    let mut files = SourceFiles::new();
    match items {
        None | Some([]) => {
            for (key, value) in data.into_iter().flatten() {
                files.push((key.clone(), file(value.as_bytes().to_vec(), default_mode)));
            }
            for (key, value) in binary.into_iter().flatten() {
                files.push((key.clone(), file(value.0.clone(), default_mode)));
            }
        }
        Some(items) => {
            for item in items {
                let bytes = if let Some(value) = data.and_then(|d| d.get(&item.key)) {
                    value.as_bytes().to_vec()
                } else if let Some(value) = binary.and_then(|b| b.get(&item.key)) {
                    value.0.clone()
                } else if optional {
                    continue;
                } else {
                    return Err(format!(
                        "configmap references non-existent config key: {}",
                        item.key
                    ));
                };
                files.push((
                    item.path.clone(),
                    file(bytes, mode_or(item.mode, default_mode)),
                ));
            }
        }
    }
    Ok(files)
}

/// secret.MakePayload (§3.3): `data` only (stringData was merged by the API server).
fn secret_payload(
    items: Option<&[KeyToPath]>,
    object: Option<&Secret>,
    default_mode: u32,
    optional: bool,
) -> Result<SourceFiles, String> {
    let data = object.and_then(|s| s.data.as_ref());
    let mut files = SourceFiles::new();
    match items {
        None | Some([]) => {
            for (key, value) in data.into_iter().flatten() {
                files.push((key.clone(), file(value.0.clone(), default_mode)));
            }
        }
        Some(items) => {
            for item in items {
                let Some(value) = data.and_then(|d| d.get(&item.key)) else {
                    if optional {
                        continue;
                    }
                    return Err(format!("references non-existent secret key: {}", item.key));
                };
                files.push((
                    item.path.clone(),
                    file(value.0.clone(), mode_or(item.mode, default_mode)),
                ));
            }
        }
    }
    Ok(files)
}

/// downwardapi.CollectData: one file per item at the cleaned path. Errors are collected per item.
fn downward_api_payload(
    items: &[DownwardAPIVolumeFile],
    pod: &PodContext,
    default_mode: u32,
) -> Result<SourceFiles, Vec<String>> {
    let mut files = SourceFiles::new();
    let mut errors = Vec::new();
    for item in items {
        let mut data = Vec::new();
        if let Some(field_ref) = &item.field_ref {
            match extract_field_path(pod, &field_ref.field_path) {
                Ok(value) => data = value.into_bytes(),
                Err(error) => errors.push(error),
            }
        } else if let Some(resource) = &item.resource_field_ref {
            errors.push(format!(
                "resourceFieldRef {} is not supported by kubedrill",
                go_quote(&resource.resource)
            ));
        }
        files.push((
            clean_path(&item.path),
            file(data, mode_or(item.mode, default_mode)),
        ));
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// projected collectData (§4.1, §4.3): every source in order into one payload; every failing
/// source is reported, aggregated as `utilerrors.NewAggregate` prints them.
fn projected_payload(
    source: &ProjectedVolumeSource,
    pod: &PodContext,
    lookup: &dyn ObjectLookup,
) -> Result<Builder, String> {
    let default_mode = mode_or(source.default_mode, DEFAULT_MODE);
    let mut builder = Builder::default();
    let mut errors = Vec::new();
    for projection in source.sources.iter().flatten() {
        match project_one(projection, pod, lookup, default_mode) {
            Ok((files, secret)) => builder.merge(files, secret),
            Err(mut errs) => errors.append(&mut errs),
        }
    }
    if errors.is_empty() {
        Ok(builder)
    } else {
        Err(aggregate(&errors))
    }
}

/// One projected source: its files and whether they are secret, or its errors.
fn project_one(
    projection: &VolumeProjection,
    pod: &PodContext,
    lookup: &dyn ObjectLookup,
    default_mode: u32,
) -> Result<(SourceFiles, bool), Vec<String>> {
    // ServiceAccountToken and ClusterTrustBundle files are 0600 when fsUser or fsGroup is set;
    // SetVolumeOwnership then makes them 0640 (§4.3).
    let owned_mode = if pod.fs_user.is_some() || pod.fs_group.is_some() {
        SERVICE_ACCOUNT_TOKEN_OWNED_MODE
    } else {
        default_mode
    };
    let fs_user = pod.fs_user.and_then(|uid| u32::try_from(uid).ok());
    if let Some(source) = &projection.secret {
        let optional = source.optional.unwrap_or(false);
        let object = lookup.secret(&pod.namespace, &source.name);
        if object.is_none() && !optional {
            return Err(vec![secret_not_found(&source.name)]);
        }
        let files = secret_payload(source.items.as_deref(), object, default_mode, optional)
            .map_err(|e| vec![e])?;
        Ok((files, true))
    } else if let Some(source) = &projection.config_map {
        let optional = source.optional.unwrap_or(false);
        let object = lookup.config_map(&pod.namespace, &source.name);
        if object.is_none() && !optional {
            return Err(vec![config_map_not_found(&source.name)]);
        }
        let files = config_map_payload(source.items.as_deref(), object, default_mode, optional)
            .map_err(|e| vec![e])?;
        Ok((files, false))
    } else if let Some(source) = &projection.downward_api {
        let items = source.items.as_deref().unwrap_or_default();
        Ok((downward_api_payload(items, pod, default_mode)?, false))
    } else if let Some(source) = &projection.service_account_token {
        let token = FileProjection {
            data: FAKE_SERVICE_ACCOUNT_TOKEN.as_bytes().to_vec(),
            mode: owned_mode,
            fs_user,
        };
        Ok((vec![(source.path.clone(), token)], true))
    } else if let Some(source) = &projection.cluster_trust_bundle {
        // kubedrill keeps no ClusterTrustBundle objects, so every bundle is "not found": an
        // optional one projects an empty file, as kubelet does with allowEmpty.
        if source.optional.unwrap_or(false) {
            let empty = FileProjection {
                data: Vec::new(),
                mode: owned_mode,
                fs_user,
            };
            Ok((vec![(source.path.clone(), empty)], false))
        } else {
            Err(vec![format!(
                "clusterTrustBundle projections are not supported by kubedrill (path {})",
                go_quote(&source.path)
            )])
        }
    } else if projection.pod_certificate.is_some() {
        Err(vec![
            "podCertificate projections are not supported by kubedrill".to_string(),
        ])
    } else {
        Ok((SourceFiles::new(), false))
    }
}

/// `utilerrors.NewAggregate(errs).Error()`: one message alone, several de-duplicated, joined
/// with `, ` and bracketed.
fn aggregate(errors: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for error in errors {
        if !seen.contains(&error.as_str()) {
            seen.push(error);
        }
    }
    match seen.as_slice() {
        [one] => (*one).to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// Go's `filepath.Clean` for the slash-separated paths of downward API items.
fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// The field name of the first volume source kubedrill does not reproduce, if any.
fn other_volume_type(volume: &Volume) -> Option<&'static str> {
    let kinds: [(&'static str, bool); 25] = [
        (
            "awsElasticBlockStore",
            volume.aws_elastic_block_store.is_some(),
        ),
        ("azureDisk", volume.azure_disk.is_some()),
        ("azureFile", volume.azure_file.is_some()),
        ("cephfs", volume.cephfs.is_some()),
        ("cinder", volume.cinder.is_some()),
        ("csi", volume.csi.is_some()),
        ("ephemeral", volume.ephemeral.is_some()),
        ("fc", volume.fc.is_some()),
        ("flexVolume", volume.flex_volume.is_some()),
        ("flocker", volume.flocker.is_some()),
        ("gcePersistentDisk", volume.gce_persistent_disk.is_some()),
        ("gitRepo", volume.git_repo.is_some()),
        ("glusterfs", volume.glusterfs.is_some()),
        ("hostPath", volume.host_path.is_some()),
        ("image", volume.image.is_some()),
        ("iscsi", volume.iscsi.is_some()),
        ("nfs", volume.nfs.is_some()),
        (
            "persistentVolumeClaim",
            volume.persistent_volume_claim.is_some(),
        ),
        (
            "photonPersistentDisk",
            volume.photon_persistent_disk.is_some(),
        ),
        ("portworxVolume", volume.portworx_volume.is_some()),
        ("quobyte", volume.quobyte.is_some()),
        ("rbd", volume.rbd.is_some()),
        ("scaleIO", volume.scale_io.is_some()),
        ("storageos", volume.storageos.is_some()),
        ("vsphereVolume", volume.vsphere_volume.is_some()),
    ];
    kinds
        .into_iter()
        .find(|(_, set)| *set)
        .map(|(kind, _)| kind)
}

/// Test helpers shared with the env tests: an in-memory [`ObjectLookup`] and object builders.
#[cfg(test)]
pub(crate) mod test_support {
    use std::collections::BTreeMap;

    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::{ConfigMap, Secret};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::PodContext;
    use crate::api::ObjectLookup;

    /// ConfigMaps and Secrets by (namespace, name).
    #[derive(Default)]
    pub struct Objects {
        pub config_maps: BTreeMap<(String, String), ConfigMap>,
        pub secrets: BTreeMap<(String, String), Secret>,
    }

    impl ObjectLookup for Objects {
        fn config_map(&self, namespace: &str, name: &str) -> Option<&ConfigMap> {
            self.config_maps
                .get(&(namespace.to_string(), name.to_string()))
        }
        fn secret(&self, namespace: &str, name: &str) -> Option<&Secret> {
            self.secrets.get(&(namespace.to_string(), name.to_string()))
        }
    }

    impl Objects {
        pub fn with_cm(
            mut self,
            name: &str,
            data: &[(&str, &str)],
            binary: &[(&str, &[u8])],
        ) -> Self {
            let cm = ConfigMap {
                metadata: ObjectMeta {
                    name: Some(name.into()),
                    namespace: Some("default".into()),
                    ..Default::default()
                },
                data: (!data.is_empty()).then(|| {
                    data.iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                }),
                binary_data: (!binary.is_empty()).then(|| {
                    binary
                        .iter()
                        .map(|(k, v)| (k.to_string(), ByteString(v.to_vec())))
                        .collect()
                }),
                ..Default::default()
            };
            self.config_maps.insert(("default".into(), name.into()), cm);
            self
        }

        pub fn with_secret(mut self, name: &str, data: &[(&str, &[u8])]) -> Self {
            let secret = Secret {
                metadata: ObjectMeta {
                    name: Some(name.into()),
                    namespace: Some("default".into()),
                    ..Default::default()
                },
                data: Some(
                    data.iter()
                        .map(|(k, v)| (k.to_string(), ByteString(v.to_vec())))
                        .collect(),
                ),
                ..Default::default()
            };
            self.secrets.insert(("default".into(), name.into()), secret);
            self
        }
    }

    /// A pod `web` in `default` with a label and an annotation.
    pub fn pod() -> PodContext {
        PodContext {
            namespace: "default".into(),
            name: "web".into(),
            uid: "0000-uid".into(),
            labels: [("app".to_string(), "web".to_string())].into(),
            annotations: BTreeMap::new(),
            fs_group: None,
            fs_user: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{Objects, pod};
    use super::*;
    use serde_json::json;

    fn volume(spec: serde_json::Value) -> Volume {
        serde_json::from_value(spec).expect("valid volume")
    }

    fn payload(vol: serde_json::Value, pod: &PodContext, objects: &Objects) -> VolumePayload {
        match build_volume_payload(&volume(vol), pod, objects) {
            Ok(VolumeContent::Projection(p)) => p,
            other => panic!("expected a projection, got {other:?}"),
        }
    }

    fn error(vol: serde_json::Value, pod: &PodContext, objects: &Objects) -> MountError {
        match build_volume_payload(&volume(vol), pod, objects) {
            Err(e) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn summary(p: &VolumePayload) -> Vec<(String, String, u32)> {
        p.files
            .iter()
            .map(|(k, f)| {
                (
                    k.clone(),
                    String::from_utf8_lossy(&f.data).into_owned(),
                    f.mode,
                )
            })
            .collect()
    }

    fn s(path: &str, data: &str, mode: u32) -> (String, String, u32) {
        (path.to_string(), data.to_string(), mode)
    }

    fn cm_objects() -> Objects {
        Objects::default().with_cm(
            "cfg",
            &[("LOG_LEVEL", "INFO"), ("app.conf", "x=1")],
            &[("blob", b"\x00\x01")],
        )
    }

    #[test]
    fn cm_2_1_default_mode_0644() {
        let p = payload(
            json!({"name": "v", "configMap": {"name": "cfg"}}),
            &pod(),
            &cm_objects(),
        );
        assert!(p.files.values().all(|f| f.mode == 0o644));
        assert_eq!(p.medium, Medium::Disk);
        assert!(!p.secret_derived);
        assert!(p.secret_paths.is_empty());
    }

    #[test]
    fn cm_2_1_default_mode_0400() {
        let p = payload(
            json!({"name": "v", "configMap": {"name": "cfg", "defaultMode": 0o400}}),
            &pod(),
            &cm_objects(),
        );
        assert!(p.files.values().all(|f| f.mode == 0o400));
    }

    #[test]
    fn cm_2_2_no_items_data_then_binary() {
        let p = payload(
            json!({"name": "v", "configMap": {"name": "cfg"}}),
            &pod(),
            &cm_objects(),
        );
        assert_eq!(
            summary(&p),
            vec![
                s("LOG_LEVEL", "INFO", 0o644),
                s("app.conf", "x=1", 0o644),
                s("blob", "\u{0}\u{1}", 0o644),
            ]
        );
        assert_eq!(p.files["blob"].data, vec![0, 1]);
    }

    #[test]
    fn cm_2_2_empty_items_means_all_keys() {
        let p = payload(
            json!({"name": "v", "configMap": {"name": "cfg", "items": []}}),
            &pod(),
            &cm_objects(),
        );
        assert_eq!(p.files.len(), 3);
    }

    #[test]
    fn cm_2_3_items_select_and_nest() {
        let p = payload(
            json!({"name": "v", "configMap": {"name": "cfg", "items": [
                {"key": "LOG_LEVEL", "path": "path/to/data-2"},
                {"key": "blob", "path": "bin"}
            ]}}),
            &pod(),
            &cm_objects(),
        );
        assert_eq!(
            summary(&p),
            vec![
                s("bin", "\u{0}\u{1}", 0o644),
                s("path/to/data-2", "INFO", 0o644)
            ]
        );
    }

    #[test]
    fn cm_2_3_item_mode_overrides_default() {
        let p = payload(
            json!({"name": "v", "configMap": {"name": "cfg", "defaultMode": 0o600, "items": [
                {"key": "LOG_LEVEL", "path": "a", "mode": 0o400},
                {"key": "app.conf", "path": "b"}
            ]}}),
            &pod(),
            &cm_objects(),
        );
        assert_eq!(
            summary(&p),
            vec![s("a", "INFO", 0o400), s("b", "x=1", 0o600)]
        );
    }

    #[test]
    fn cm_2_3_items_missing_key_fails() {
        let e = error(
            json!({"name": "config", "configMap": {"name": "cfg", "items": [
                {"key": "LOG_LEVEL", "path": "a"}, {"key": "nope", "path": "b"}
            ]}}),
            &pod(),
            &cm_objects(),
        );
        assert_eq!(
            e.reason(),
            "configmap references non-existent config key: nope"
        );
        assert_eq!(
            e.to_string(),
            "MountVolume.SetUp failed for volume \"config\" : configmap references non-existent config key: nope"
        );
    }

    #[test]
    fn cm_2_3_items_missing_key_optional_skipped() {
        let p = payload(
            json!({"name": "v", "configMap": {"name": "cfg", "optional": true, "items": [
                {"key": "LOG_LEVEL", "path": "a"}, {"key": "nope", "path": "b"}
            ]}}),
            &pod(),
            &cm_objects(),
        );
        assert_eq!(summary(&p), vec![s("a", "INFO", 0o644)]);
    }

    #[test]
    fn cm_2_4_missing_object_optional_empty() {
        for vol in [
            json!({"name": "v", "configMap": {"name": "gone", "optional": true}}),
            json!({"name": "v", "configMap": {"name": "gone", "optional": true,
                   "items": [{"key": "k", "path": "k"}]}}),
        ] {
            let p = payload(vol, &pod(), &cm_objects());
            assert!(p.files.is_empty());
        }
    }

    #[test]
    fn cm_2_4_missing_object_fails_with_kubelet_wording() {
        let e = error(
            json!({"name": "config", "configMap": {"name": "app"}}),
            &pod(),
            &cm_objects(),
        );
        assert_eq!(
            e.to_string(),
            "MountVolume.SetUp failed for volume \"config\" : configmap \"app\" not found"
        );
        assert_eq!(e.volume(), "config");
        assert_eq!(e.reason(), "configmap \"app\" not found");
    }

    #[test]
    fn cm_2_4_looks_up_in_pod_namespace() {
        let mut other = pod();
        other.namespace = "prod".into();
        let e = error(
            json!({"name": "v", "configMap": {"name": "cfg"}}),
            &other,
            &cm_objects(),
        );
        assert_eq!(e.reason(), "configmap \"cfg\" not found");
    }

    #[test]
    fn cm_2_7_fs_group_modes() {
        assert_eq!(fs_group_mode(0o400, false), 0o440);
        assert_eq!(fs_group_mode(0o644, false), 0o644);
        assert_eq!(fs_group_mode(0o600, false), 0o640);
        assert_eq!(fs_group_mode(0o755, true), 0o2755);
        assert_eq!(fs_group_mode(0o700, true), 0o2750);
    }

    #[test]
    fn cm_2_7_fs_group_carried_to_payload() {
        let mut p = pod();
        p.fs_group = Some(1234);
        let vp = payload(
            json!({"name": "v", "configMap": {"name": "cfg", "defaultMode": 0o400}}),
            &p,
            &cm_objects(),
        );
        assert_eq!(vp.fs_group, Some(1234));
        // e9: non-root + defaultMode + fsGroup gives -r--r-----.
        assert_eq!(fs_group_mode(vp.files["LOG_LEVEL"].mode, false), 0o440);
    }

    fn secret_objects() -> Objects {
        Objects::default().with_secret("db", &[("password", b"s3cret"), ("user", b"admin")])
    }

    #[test]
    fn secret_3_1_default_mode_0644() {
        let p = payload(
            json!({"name": "v", "secret": {"secretName": "db"}}),
            &pod(),
            &secret_objects(),
        );
        assert_eq!(
            summary(&p),
            vec![s("password", "s3cret", 0o644), s("user", "admin", 0o644)]
        );
    }

    #[test]
    fn secret_3_2_memory_and_secret_paths() {
        let p = payload(
            json!({"name": "v", "secret": {"secretName": "db"}}),
            &pod(),
            &secret_objects(),
        );
        assert_eq!(p.medium, Medium::Memory);
        assert!(p.secret_derived);
        assert_eq!(
            p.secret_paths,
            BTreeSet::from(["password".to_string(), "user".to_string()])
        );
    }

    #[test]
    fn secret_3_3_uses_data_only() {
        let mut objects = secret_objects();
        if let Some(secret) = objects.secrets.values_mut().next() {
            secret.string_data = Some([("extra".to_string(), "nope".to_string())].into());
        }
        let p = payload(
            json!({"name": "v", "secret": {"secretName": "db"}}),
            &pod(),
            &objects,
        );
        assert!(!p.files.contains_key("extra"));
        assert_eq!(p.files.len(), 2);
    }

    #[test]
    fn secret_3_3_items_and_mode() {
        let p = payload(
            json!({"name": "v", "secret": {"secretName": "db", "defaultMode": 0o400,
                   "items": [{"key": "password", "path": "creds/pw", "mode": 0o440}]}}),
            &pod(),
            &secret_objects(),
        );
        assert_eq!(summary(&p), vec![s("creds/pw", "s3cret", 0o440)]);
    }

    #[test]
    fn secret_3_3_missing_key_wording() {
        let e = error(
            json!({"name": "creds", "secret": {"secretName": "db",
                   "items": [{"key": "token", "path": "t"}]}}),
            &pod(),
            &secret_objects(),
        );
        assert_eq!(
            e.to_string(),
            "MountVolume.SetUp failed for volume \"creds\" : references non-existent secret key: token"
        );
        assert!(!e.to_string().contains("s3cret"));
    }

    #[test]
    fn secret_3_3_missing_key_optional_skipped() {
        let p = payload(
            json!({"name": "v", "secret": {"secretName": "db", "optional": true,
                   "items": [{"key": "token", "path": "t"}, {"key": "user", "path": "u"}]}}),
            &pod(),
            &secret_objects(),
        );
        assert_eq!(summary(&p), vec![s("u", "admin", 0o644)]);
    }

    #[test]
    fn secret_3_4_missing_object() {
        let e = error(
            json!({"name": "creds", "secret": {"secretName": "gone"}}),
            &pod(),
            &secret_objects(),
        );
        assert_eq!(e.reason(), "secret \"gone\" not found");
        let p = payload(
            json!({"name": "v", "secret": {"secretName": "gone", "optional": true}}),
            &pod(),
            &secret_objects(),
        );
        assert!(p.files.is_empty());
        assert!(!p.secret_derived);
    }

    fn all_objects() -> Objects {
        Objects::default()
            .with_cm("cfg", &[("shared", "from-cm"), ("only-cm", "c")], &[])
            .with_secret("db", &[("shared", b"from-secret"), ("password", b"s3cret")])
    }

    #[test]
    fn proj_4_1_later_source_overwrites() {
        let p = payload(
            json!({"name": "v", "projected": {"sources": [
                {"secret": {"name": "db"}},
                {"configMap": {"name": "cfg"}}
            ]}}),
            &pod(),
            &all_objects(),
        );
        assert_eq!(
            summary(&p),
            vec![
                s("only-cm", "c", 0o644),
                s("password", "s3cret", 0o644),
                s("shared", "from-cm", 0o644),
            ]
        );
        // The overwritten path no longer holds Secret bytes.
        assert_eq!(p.secret_paths, BTreeSet::from(["password".to_string()]));
        assert!(p.secret_derived);

        let p = payload(
            json!({"name": "v", "projected": {"sources": [
                {"configMap": {"name": "cfg"}},
                {"secret": {"name": "db"}}
            ]}}),
            &pod(),
            &all_objects(),
        );
        assert_eq!(p.files["shared"].data, b"from-secret");
        assert!(p.secret_paths.contains("shared"));
    }

    #[test]
    fn proj_4_1_downward_api_labels_format() {
        let mut p = pod();
        p.labels = [
            ("zeta".to_string(), "z".to_string()),
            ("app".to_string(), "we\"b\n".to_string()),
        ]
        .into();
        p.annotations = [("note".to_string(), "héllo\u{7}".to_string())].into();
        let vp = payload(
            json!({"name": "v", "projected": {"sources": [{"downwardAPI": {"items": [
                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
                {"path": "./dir//app", "fieldRef": {"fieldPath": "metadata.labels['app']"}},
                {"path": "missing", "fieldRef": {"fieldPath": "metadata.labels['nope']"}},
                {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
                {"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}},
                {"path": "uid", "fieldRef": {"fieldPath": "metadata.uid"}, "mode": 0o400}
            ]}}]}}),
            &p,
            &Objects::default(),
        );
        assert_eq!(
            summary(&vp),
            vec![
                s("annotations", "note=\"héllo\\a\"", 0o644),
                s("dir/app", "we\"b\n", 0o644),
                s("labels", "app=\"we\\\"b\\n\"\nzeta=\"z\"", 0o644),
                s("missing", "", 0o644),
                s("name", "web", 0o644),
                s("ns", "default", 0o644),
                s("uid", "0000-uid", 0o400),
            ]
        );
        assert!(!vp.secret_derived);
    }

    #[test]
    fn proj_4_1_errors_aggregated() {
        let e = error(
            json!({"name": "all", "projected": {"sources": [
                {"configMap": {"name": "gone"}},
                {"secret": {"name": "db", "items": [{"key": "nope", "path": "x"}]}},
                {"secret": {"name": "missing", "optional": true}}
            ]}}),
            &pod(),
            &all_objects(),
        );
        assert_eq!(
            e.reason(),
            "[configmap \"gone\" not found, references non-existent secret key: nope]"
        );
        let e = error(
            json!({"name": "all", "projected": {"sources": [{"secret": {"name": "gone"}}]}}),
            &pod(),
            &all_objects(),
        );
        assert_eq!(
            e.to_string(),
            "MountVolume.SetUp failed for volume \"all\" : secret \"gone\" not found"
        );
    }

    #[test]
    fn proj_4_3_default_mode_and_memory() {
        let p = payload(
            json!({"name": "v", "projected": {"defaultMode": 0o440, "sources": [
                {"configMap": {"name": "cfg", "items": [{"key": "only-cm", "path": "c", "mode": 0o400}]}},
                {"configMap": {"name": "cfg", "items": [{"key": "shared", "path": "s"}]}}
            ]}}),
            &pod(),
            &all_objects(),
        );
        assert_eq!(p.medium, Medium::Memory);
        assert_eq!(
            summary(&p),
            vec![s("c", "c", 0o400), s("s", "from-cm", 0o440)]
        );
        let p = payload(
            json!({"name": "v", "projected": {"sources": [{"configMap": {"name": "cfg"}}]}}),
            &pod(),
            &all_objects(),
        );
        assert!(p.files.values().all(|f| f.mode == DEFAULT_MODE));
    }

    #[test]
    fn proj_4_3_sa_token_mode_0600_with_fs_group() {
        let vol = json!({"name": "v", "projected": {"sources": [
            {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}
        ]}});
        let mut p = pod();
        p.fs_group = Some(2000);
        let vp = payload(vol.clone(), &p, &Objects::default());
        let token = &vp.files["token"];
        assert_eq!(token.mode, 0o600);
        assert_eq!(fs_group_mode(token.mode, false), 0o640);
        assert_eq!(token.data, FAKE_SERVICE_ACCOUNT_TOKEN.as_bytes());
        assert!(vp.secret_paths.contains("token"));
        assert_eq!(token.fs_user, None);

        let vp = payload(vol, &pod(), &Objects::default());
        assert_eq!(vp.files["token"].mode, 0o644);
    }

    #[test]
    fn proj_4_3_sa_token_fs_user() {
        let mut p = pod();
        p.fs_user = Some(1000);
        let vp = payload(
            json!({"name": "v", "projected": {"defaultMode": 0o420, "sources": [
                {"serviceAccountToken": {"path": "token"}}
            ]}}),
            &p,
            &Objects::default(),
        );
        assert_eq!(vp.files["token"].mode, 0o600);
        assert_eq!(vp.files["token"].fs_user, Some(1000));
    }

    #[test]
    fn proj_cluster_trust_bundle() {
        let e = error(
            json!({"name": "v", "projected": {"sources": [
                {"clusterTrustBundle": {"name": "b", "path": "ca.pem"}}
            ]}}),
            &pod(),
            &Objects::default(),
        );
        assert!(e.reason().contains("clusterTrustBundle"), "{e}");
        let p = payload(
            json!({"name": "v", "projected": {"sources": [
                {"clusterTrustBundle": {"name": "b", "path": "ca.pem", "optional": true}}
            ]}}),
            &pod(),
            &Objects::default(),
        );
        assert_eq!(summary(&p), vec![s("ca.pem", "", 0o644)]);
    }

    #[test]
    fn downward_api_volume_in_memory() {
        let p = payload(
            json!({"name": "v", "downwardAPI": {"defaultMode": 0o400, "items": [
                {"path": "podname", "fieldRef": {"fieldPath": "metadata.name"}}
            ]}}),
            &pod(),
            &Objects::default(),
        );
        assert_eq!(p.medium, Medium::Memory);
        assert_eq!(summary(&p), vec![s("podname", "web", 0o400)]);
        let e = error(
            json!({"name": "v", "downwardAPI": {"items": [
                {"path": "x", "fieldRef": {"fieldPath": "spec.nodeName"}},
                {"path": "y", "fieldRef": {"fieldPath": "metadata.name['x']"}}
            ]}}),
            &pod(),
            &Objects::default(),
        );
        assert_eq!(
            e.reason(),
            "[unsupported fieldPath: spec.nodeName, fieldPath \"metadata.name['x']\" does not support subscript]"
        );
    }

    #[test]
    fn other_volume_kinds() {
        let objects = Objects::default();
        let kind = |v| build_volume_payload(&volume(v), &pod(), &objects);
        assert_eq!(
            kind(json!({"name": "a", "emptyDir": {}})),
            Ok(VolumeContent::EmptyDir)
        );
        assert_eq!(kind(json!({"name": "a"})), Ok(VolumeContent::EmptyDir));
        assert_eq!(
            kind(json!({"name": "a", "hostPath": {"path": "/tmp"}})),
            Ok(VolumeContent::Unsupported("hostPath".into()))
        );
        assert_eq!(
            kind(json!({"name": "a", "persistentVolumeClaim": {"claimName": "c"}})),
            Ok(VolumeContent::Unsupported("persistentVolumeClaim".into()))
        );
    }

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("plain"), "\"plain\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("\t\n\r\u{0}\u{7f}"), "\"\\t\\n\\r\\x00\\x7f\"");
        assert_eq!(go_quote("日本 é"), "\"日本 é\"");
        assert_eq!(go_quote("\u{a0}\u{200b}"), "\"\\u00a0\\u200b\"");
        assert_eq!(go_quote("\u{e0001}"), "\"\\U000e0001\"");
    }

    #[test]
    fn clean_path_like_go() {
        assert_eq!(clean_path("a//b/./c/"), "a/b/c");
        assert_eq!(clean_path("./x"), "x");
        assert_eq!(clean_path("a/../../b"), "../b");
        assert_eq!(clean_path(""), ".");
        assert_eq!(clean_path("/../a"), "/a");
    }

    #[test]
    fn pod_context_from_pod() {
        let meta: ObjectMeta = serde_json::from_value(json!({
            "generateName": "web-7d9f-", "labels": {"app": "web"}
        }))
        .expect("meta");
        let spec: PodSpec = serde_json::from_value(json!({
            "securityContext": {"fsGroup": 2000, "runAsUser": 1000},
            "initContainers": [{"name": "init"}],
            "containers": [{"name": "app"}, {"name": "side", "securityContext": {"runAsUser": 1000}}]
        }))
        .expect("spec");
        let ctx = PodContext::from_pod(&meta, &spec, "team");
        assert_eq!(ctx.namespace, "team");
        assert_eq!(ctx.name, "web-7d9f-kubedrill");
        assert_eq!(ctx.fs_group, Some(2000));
        assert_eq!(ctx.fs_user, Some(1000));
        assert_eq!(ctx.labels["app"], "web");
        assert_eq!(ctx.uid.len(), 36);
        assert_eq!(ctx.uid, PodContext::from_pod(&meta, &spec, "team").uid);

        let spec: PodSpec = serde_json::from_value(json!({
            "securityContext": {"runAsUser": 1000},
            "containers": [{"name": "app"}, {"name": "side", "securityContext": {"runAsUser": 0}}]
        }))
        .expect("spec");
        let meta: ObjectMeta =
            serde_json::from_value(json!({"name": "p", "namespace": "prod", "uid": "u-1"}))
                .expect("meta");
        let ctx = PodContext::from_pod(&meta, &spec, "default");
        assert_eq!(
            (ctx.namespace.as_str(), ctx.name.as_str(), ctx.uid.as_str()),
            ("prod", "p", "u-1")
        );
        assert_eq!(ctx.fs_user, None);
        assert_eq!(ctx.fs_group, None);

        let bare = PodContext::from_pod(&ObjectMeta::default(), &PodSpec::default(), "default");
        assert_eq!(bare.name, PodContext::DEFAULT_NAME);
        assert_eq!(bare.fs_user, None);
    }
}

//! API-server validation of a pod spec's containers (issue 7): names, env, envFrom and
//! volumeMounts, with upstream's wording (`pkg/apis/core/validation/validation.go`:
//! `ValidatePodSpec`, `validateContainers`, `validateInitContainers`, `ValidateEnv`,
//! `ValidateEnvFrom`, `ValidateVolumeMounts`), plus the limits of the filesystem kubedrill
//! writes the pod to ([`os_limit_errors`]).
//!
//! Why here and before anything runs: `project` and `dev` write `DIR/<container>.env` and
//! `DIR/<mountPath>`; a container named `../../x` would otherwise write outside DIR. The API
//! server never lets such a pod exist, so neither does kubedrill.
//!
//! `mountPath` is checked as upstream does: non-empty and unique per container; an absolute
//! path is not required (on Linux the container runtime refuses a relative one later, and
//! `project` maps either under DIR).
//!
//! Deliberately not checked (kubedrill never reads them, and the process backend needs no
//! image): `image`, ports, probes, resources, security context.

use std::collections::BTreeSet;
use std::path::Path;

use k8s_openapi::api::core::v1::{Container, EnvFromSource, EnvVar, PodSpec, VolumeMount};

use super::go_quote::is_go_printable;
use super::validation::{
    BadValue, FieldError, FieldPath, config_map_key_errors, dns1123_label_errors,
    dns1123_subdomain_errors, dot_name_error, into_result, local_descending_path_errors,
    regex_error, volumes_errors,
};
use crate::api::objects::Workload;
use crate::api::validation::ValidationError;
use crate::kubelet::KubeVersion;

const ENV_VAR_NAME_FORMAT: &str = "[-._a-zA-Z][-._a-zA-Z0-9]*";
const ENV_VAR_NAME_ERROR: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const RELAXED_ENV_VAR_NAME_ERROR: &str = "a valid environment variable name must consist only of printable ASCII characters other than '='";

/// The `fieldRef.fieldPath`s an env var may name (`validEnvDownwardAPIFieldPathExpressions`,
/// sorted as upstream lists them).
const ENV_FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// Every field label the v1 conversion knows (`ConvertDownwardAPIFieldLabel`); others fail
/// conversion before the supported list is even looked at.
const CONVERTIBLE_FIELD_PATHS: &[&str] = &[
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// The `resourceFieldRef.resource`s an env var may name (sorted).
const ENV_RESOURCES: &[&str] = &[
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

const MOUNT_PROPAGATIONS: &[&str] = &["Bidirectional", "HostToContainer", "None"];

/// The longest name of a ConfigMap/Secret key, hence of a file projected without `items`.
const MAX_KEY_FILE_NAME: usize = 253;
/// The longest file name the filesystem accepts (`NAME_MAX`).
const NAME_MAX: usize = 255;
/// The longest path a system call accepts, NUL included (`PATH_MAX`).
const PATH_MAX: usize = 4096;
/// Room for what the AtomicWriter adds between a mount and its files: a timestamped
/// directory (`..2006_01_02_15_04_05.123456789`, 31 bytes) or `..data_tmp`, and separators.
const WRITER_OVERHEAD: usize = 40;

/// How env var names are checked: the relaxed rule (any printable ASCII but `=`) is the
/// default from Kubernetes 1.32 (`RelaxedEnvironmentVariableValidation` beta; GA in 1.34),
/// the C-identifier-like rule before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EnvNames {
    Strict,
    Relaxed,
}

impl EnvNames {
    fn for_version(version: KubeVersion) -> Self {
        if version >= KubeVersion::v1(32) {
            EnvNames::Relaxed
        } else {
            EnvNames::Strict
        }
    }

    /// `IsEnvVarName` / `IsRelaxedEnvVarName`: why `name` is not a valid env var name.
    fn errors(self, name: &str) -> Vec<String> {
        match self {
            EnvNames::Relaxed => {
                let mut errors = Vec::new();
                if name.is_empty() {
                    errors.push("environment variable name must be non-empty".to_string());
                }
                if name
                    .chars()
                    .any(|c| !c.is_ascii() || !is_go_printable(c) || c == '=')
                {
                    errors.push(RELAXED_ENV_VAR_NAME_ERROR.to_string());
                }
                errors
            }
            EnvNames::Strict => {
                let mut errors = Vec::new();
                let bytes = name.as_bytes();
                let head = |b: &u8| b.is_ascii_alphabetic() || matches!(b, b'-' | b'.' | b'_');
                let matches = bytes.first().is_some_and(head)
                    && bytes.iter().all(|b| head(b) || b.is_ascii_digit());
                if !matches {
                    errors.push(regex_error(
                        ENV_VAR_NAME_ERROR,
                        ENV_VAR_NAME_FORMAT,
                        &["my.env-name", "MY_ENV.NAME", "MyEnvName1"],
                    ));
                }
                errors.extend(dot_name_error(name).map(String::from));
                errors
            }
        }
    }
}

/// `ValidatePodSpec` for the fields kubedrill reads, in upstream's order: volumes, containers,
/// then init containers (names unique across both lists).
pub fn validate_pod_spec(
    spec: &PodSpec,
    spec_path: &FieldPath,
    version: KubeVersion,
) -> Vec<FieldError> {
    let env_names = EnvNames::for_version(version);
    let (mut errors, volumes) = volumes_errors(spec, spec_path);
    let image_volumes: BTreeSet<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| v.image.is_some() && volumes.contains(&v.name))
        .map(|v| v.name.as_str())
        .collect();
    let volumes = Volumes {
        valid: &volumes,
        image: &image_volumes,
    };

    let containers_path = spec_path.child("containers");
    if spec.containers.is_empty() {
        errors.push(FieldError::required(containers_path.clone(), ""));
    }
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for (i, container) in spec.containers.iter().enumerate() {
        let path = containers_path.index(i);
        errors.extend(container_errors(container, &volumes, &path, env_names));
        if !names.insert(container.name.as_str()) {
            errors.push(FieldError::duplicate(
                path.child("name"),
                BadValue::String(container.name.clone()),
            ));
        }
    }

    let init_path = spec_path.child("initContainers");
    for (i, container) in spec.init_containers.iter().flatten().enumerate() {
        let path = init_path.index(i);
        errors.extend(container_errors(container, &volumes, &path, env_names));
        if names.contains(container.name.as_str()) {
            errors.push(FieldError::duplicate(
                path.child("name"),
                BadValue::String(container.name.clone()),
            ));
        } else if !container.name.is_empty() {
            names.insert(container.name.as_str());
        }
    }
    errors
}

/// `validateContainerCommon`, for the fields kubedrill reads.
/// The pod's volumes as mounts see them.
struct Volumes<'a> {
    /// The volumes without errors (a mount of any other is `Not found`).
    valid: &'a BTreeSet<String>,
    /// The valid `image` volumes (no subPath into them).
    image: &'a BTreeSet<&'a str>,
}

fn container_errors(
    container: &Container,
    volumes: &Volumes<'_>,
    path: &FieldPath,
    env_names: EnvNames,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name_path = path.child("name");
    if container.name.is_empty() {
        errors.push(FieldError::required(name_path, ""));
    } else {
        for message in dns1123_label_errors(&container.name) {
            errors.push(FieldError::invalid(
                name_path.clone(),
                BadValue::String(container.name.clone()),
                &message,
            ));
        }
    }
    let env_path = path.child("env");
    for (i, var) in container.env.iter().flatten().enumerate() {
        errors.extend(env_var_errors(var, &env_path.index(i), env_names));
    }
    let env_from_path = path.child("envFrom");
    for (i, source) in container.env_from.iter().flatten().enumerate() {
        errors.extend(env_from_errors(source, &env_from_path, i, env_names));
    }
    errors.extend(volume_mount_errors(
        container,
        volumes,
        &path.child("volumeMounts"),
    ));
    errors
}

/// `ValidateEnv` for one variable, with `validateEnvVarValueFrom`.
fn env_var_errors(var: &EnvVar, path: &FieldPath, env_names: EnvNames) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name_path = path.child("name");
    if var.name.is_empty() {
        errors.push(FieldError::required(name_path, ""));
    } else {
        for message in env_names.errors(&var.name) {
            errors.push(FieldError::invalid(
                name_path.clone(),
                BadValue::String(var.name.clone()),
                &message,
            ));
        }
    }
    let Some(from) = &var.value_from else {
        return errors;
    };
    let from_path = path.child("valueFrom");
    let mut sources = 0;
    if let Some(field_ref) = &from.field_ref {
        sources += 1;
        errors.extend(field_ref_errors(
            &field_ref.field_path,
            &from_path.child("fieldRef"),
        ));
    }
    if let Some(resource) = &from.resource_field_ref {
        sources += 1;
        let here = from_path.child("resourceFieldRef");
        let hugepages = ["requests.hugepages-", "limits.hugepages-"]
            .iter()
            .any(|prefix| resource.resource.starts_with(prefix));
        if resource.resource.is_empty() {
            errors.push(FieldError::required(here.child("resource"), ""));
        } else if !ENV_RESOURCES.contains(&resource.resource.as_str()) && !hugepages {
            errors.push(FieldError::not_supported(
                here.child("resource"),
                BadValue::String(resource.resource.clone()),
                ENV_RESOURCES,
            ));
        }
    }
    if let Some(selector) = &from.config_map_key_ref {
        sources += 1;
        errors.extend(key_selector_errors(
            &selector.name,
            &selector.key,
            &from_path.child("configMapKeyRef"),
        ));
    }
    if let Some(selector) = &from.secret_key_ref {
        sources += 1;
        errors.extend(key_selector_errors(
            &selector.name,
            &selector.key,
            &from_path.child("secretKeyRef"),
        ));
    }
    if from.file_key_ref.is_some() {
        sources += 1;
    }
    let value_set = var.value.as_deref().is_some_and(|v| !v.is_empty());
    let message = if sources == 0 {
        Some(
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        )
    } else if value_set {
        Some("may not be specified when `value` is not empty")
    } else if sources > 1 {
        Some("may not have more than one field specified at a time")
    } else {
        None
    };
    if let Some(message) = message {
        errors.push(FieldError::invalid(
            from_path,
            BadValue::String(String::new()),
            message,
        ));
    }
    errors
}

/// `validateObjectFieldSelector` for env (the apiVersion is defaulted to v1 upstream).
fn field_ref_errors(field_path: &str, path: &FieldPath) -> Vec<FieldError> {
    let here = path.child("fieldPath");
    if field_path.is_empty() {
        return vec![FieldError::required(here, "")];
    }
    if let Some((base, rest)) = field_path.split_once('[')
        && rest.ends_with(']')
    {
        if matches!(base, "metadata.labels" | "metadata.annotations") {
            return Vec::new();
        }
        return vec![FieldError::invalid(
            path.clone(),
            BadValue::String(base.to_string()),
            "does not support subscript",
        )];
    }
    if !CONVERTIBLE_FIELD_PATHS.contains(&field_path) {
        return vec![FieldError::invalid(
            here,
            BadValue::String(field_path.to_string()),
            &format!("error converting fieldPath: field label not supported: {field_path}"),
        )];
    }
    if !ENV_FIELD_PATHS.contains(&field_path) {
        return vec![FieldError::not_supported(
            here,
            BadValue::String(field_path.to_string()),
            ENV_FIELD_PATHS,
        )];
    }
    Vec::new()
}

/// `validateConfigMapKeySelector` / `validateSecretKeySelector`.
fn key_selector_errors(name: &str, key: &str, path: &FieldPath) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = dns1123_subdomain_errors(name)
        .iter()
        .map(|m| FieldError::invalid(path.child("name"), BadValue::String(name.into()), m))
        .collect();
    if key.is_empty() {
        errors.push(FieldError::required(path.child("key"), ""));
    } else {
        for message in config_map_key_errors(key) {
            errors.push(FieldError::invalid(
                path.child("key"),
                BadValue::String(key.to_string()),
                &message,
            ));
        }
    }
    errors
}

/// `NameIsDNSSubdomain(name, prefix=true)`: a trailing `-` is allowed (it is masked).
fn name_prefix_errors(name: &str) -> Vec<String> {
    match name.strip_suffix('-') {
        Some(head) if name.len() > 1 => dns1123_subdomain_errors(&format!("{head}a")),
        _ => dns1123_subdomain_errors(name),
    }
}

/// `ValidateEnvFrom` for entry `index` of `path` (upstream reports the source count against
/// the list itself, `…envFrom`, which is kept in the message and located at the entry).
fn env_from_errors(
    source: &EnvFromSource,
    path: &FieldPath,
    index: usize,
    env_names: EnvNames,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let here = path.index(index);
    if let Some(prefix) = source.prefix.as_deref().filter(|p| !p.is_empty()) {
        for message in env_names.errors(prefix) {
            errors.push(FieldError::invalid(
                here.child("prefix"),
                BadValue::String(prefix.to_string()),
                &message,
            ));
        }
    }
    let refs = [
        (
            "configMapRef",
            source.config_map_ref.as_ref().map(|r| &r.name),
        ),
        ("secretRef", source.secret_ref.as_ref().map(|r| &r.name)),
    ];
    let mut sources = 0;
    for (field, name) in refs {
        let Some(name) = name else { continue };
        sources += 1;
        let name_path = here.child(field).child("name");
        if name.is_empty() {
            errors.push(FieldError::required(name_path, ""));
        } else {
            for message in name_prefix_errors(name) {
                errors.push(FieldError::invalid(
                    name_path.clone(),
                    BadValue::String(name.clone()),
                    &message,
                ));
            }
        }
    }
    let message = match sources {
        0 => Some("must specify one of: `configMapRef` or `secretRef`"),
        1 => None,
        _ => Some("may not have more than one field specified at a time"),
    };
    if let Some(message) = message {
        errors.push(
            FieldError::invalid(path.clone(), BadValue::String(String::new()), message)
                .located_at(here),
        );
    }
    errors
}

/// `ValidateVolumeMounts`. Upstream reports `subPath`/`subPathExpr` path errors against
/// `…volumeMounts.subPath` (no index): the message keeps that, the location is the entry's.
fn volume_mount_errors(
    container: &Container,
    volumes: &Volumes<'_>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut mount_points: BTreeSet<&str> = BTreeSet::new();
    for (i, mount) in container.volume_mounts.iter().flatten().enumerate() {
        let here = path.index(i);
        if mount.name.is_empty() {
            errors.push(FieldError::required(here.child("name"), ""));
        }
        if !volumes.valid.contains(&mount.name) {
            errors.push(FieldError::not_found(
                here.child("name"),
                BadValue::String(mount.name.clone()),
            ));
        }
        if mount.mount_path.is_empty() {
            errors.push(FieldError::required(here.child("mountPath"), ""));
        }
        if !mount_points.insert(mount.mount_path.as_str()) {
            errors.push(FieldError::invalid(
                here.child("mountPath"),
                BadValue::String(mount.mount_path.clone()),
                "must be unique",
            ));
        }
        let sub_path = mount.sub_path.as_deref().unwrap_or("");
        let expr = mount.sub_path_expr.as_deref().unwrap_or("");
        if volumes.image.contains(mount.name.as_str()) {
            for (field, text) in [("subPath", sub_path), ("subPathExpr", expr)] {
                if !text.is_empty() {
                    errors.push(FieldError::invalid(
                        here.child(field),
                        BadValue::String(text.to_string()),
                        "not allowed in image volume sources",
                    ));
                }
            }
        }
        if !sub_path.is_empty() {
            errors.extend(
                local_descending_path_errors(sub_path, &path.child("subPath"))
                    .into_iter()
                    .map(|e| e.located_at(here.child("subPath"))),
            );
        }
        if !expr.is_empty() {
            if !sub_path.is_empty() {
                errors.push(FieldError::invalid(
                    here.child("subPathExpr"),
                    BadValue::String(expr.to_string()),
                    "subPathExpr and subPath are mutually exclusive",
                ));
            }
            errors.extend(
                local_descending_path_errors(expr, &path.child("subPathExpr"))
                    .into_iter()
                    .map(|e| e.located_at(here.child("subPathExpr"))),
            );
        }
        errors.extend(mount_propagation_errors(container, mount, path, &here));
    }
    errors
}

/// `validateMountPropagation`: a known mode, and `Bidirectional` only for privileged
/// containers (reported against `…volumeMounts.mountPropagation`, as upstream does).
fn mount_propagation_errors(
    container: &Container,
    mount: &VolumeMount,
    path: &FieldPath,
    here: &FieldPath,
) -> Vec<FieldError> {
    let Some(mode) = mount.mount_propagation.as_deref() else {
        return Vec::new();
    };
    let field = path.child("mountPropagation");
    let at = here.child("mountPropagation");
    if !MOUNT_PROPAGATIONS.contains(&mode) {
        return vec![
            FieldError::not_supported(field, BadValue::String(mode.into()), MOUNT_PROPAGATIONS)
                .located_at(at),
        ];
    }
    let privileged = container
        .security_context
        .as_ref()
        .and_then(|s| s.privileged)
        .unwrap_or(false);
    if mode == "Bidirectional" && !privileged {
        return vec![
            FieldError::forbidden(
                field,
                "Bidirectional mount propagation is available only to privileged containers",
            )
            .located_at(at),
        ];
    }
    Vec::new()
}

/// What the filesystem would refuse when kubedrill writes the pod under `out` (or under any
/// directory, when `out` is unknown): a NUL byte, or a segment longer than 255 bytes
/// (`NAME_MAX`), in a `mountPath`, `subPath`, `subPathExpr` or item `path`; a mount whose
/// files would have paths of 4096 bytes or more (`PATH_MAX`). The API server
/// accepts these (a node fails later, at mount time); kubedrill refuses them up front so that
/// a run that exits 2 has written nothing.
pub fn os_limit_errors(
    spec: &PodSpec,
    spec_path: &FieldPath,
    out: Option<&Path>,
) -> Vec<FieldError> {
    let base = out.map_or(0, |dir| dir.as_os_str().len() + 1);
    let mut errors = Vec::new();
    for (i, volume) in spec.volumes.iter().flatten().enumerate() {
        let path = spec_path.child("volumes").index(i);
        for (item_path, text) in item_paths(volume, &path) {
            errors.extend(path_text_error(item_path, text));
        }
    }
    let containers = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| (spec_path.child("containers").index(i), c))
        .chain(
            spec.init_containers
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| (spec_path.child("initContainers").index(i), c)),
        );
    for (container_path, container) in containers {
        for (k, mount) in container.volume_mounts.iter().flatten().enumerate() {
            let here = container_path.child("volumeMounts").index(k);
            let fields = [
                ("mountPath", Some(mount.mount_path.as_str())),
                ("subPath", mount.sub_path.as_deref()),
                ("subPathExpr", mount.sub_path_expr.as_deref()),
            ];
            for (field, text) in fields {
                if let Some(text) = text {
                    errors.extend(path_text_error(here.child(field), text));
                }
            }
            let longest_file = spec
                .volumes
                .iter()
                .flatten()
                .find(|v| v.name == mount.name)
                .map_or(MAX_KEY_FILE_NAME, |v| {
                    item_paths(v, &FieldPath::default())
                        .into_iter()
                        .map(|(_, p)| p.len())
                        .fold(MAX_KEY_FILE_NAME, usize::max)
                });
            let total = base + mount.mount_path.len() + WRITER_OVERHEAD + longest_file;
            if !mount.mount_path.contains('\0') && total >= PATH_MAX {
                errors.push(FieldError::invalid(
                    here.child("mountPath"),
                    BadValue::String(mount.mount_path.clone()),
                    &format!(
                        "the volume's files would have paths of up to {total} bytes{}, more than \
                         the {PATH_MAX} a path may have (PATH_MAX): kubedrill cannot create them",
                        out.map(|dir| format!(" under {}", dir.display()))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
    }
    errors
}

/// A NUL byte, or a segment longer than `NAME_MAX`, in a path kubedrill creates.
fn path_text_error(path: FieldPath, text: &str) -> Option<FieldError> {
    let value = || BadValue::String(text.to_string());
    if text.contains('\0') {
        return Some(FieldError::invalid(
            path,
            value(),
            "must not contain a NUL byte: no file name can hold one, kubedrill cannot create it",
        ));
    }
    let long = text.split('/').find(|s| s.len() > NAME_MAX)?;
    Some(FieldError::invalid(
        path,
        value(),
        &format!(
            "a path segment is {} bytes long, more than the {NAME_MAX} a file name may have \
             (NAME_MAX): kubedrill cannot create it",
            long.len()
        ),
    ))
}

/// Every explicit file path of a volume (`items[].path` of each source), with its field path.
fn item_paths<'v>(
    volume: &'v k8s_openapi::api::core::v1::Volume,
    path: &FieldPath,
) -> Vec<(FieldPath, &'v str)> {
    let mut out = Vec::new();
    if let Some(cm) = &volume.config_map {
        for (j, item) in cm.items.iter().flatten().enumerate() {
            out.push((
                path.child("configMap")
                    .child("items")
                    .index(j)
                    .child("path"),
                item.path.as_str(),
            ));
        }
    }
    if let Some(secret) = &volume.secret {
        for (j, item) in secret.items.iter().flatten().enumerate() {
            out.push((
                path.child("secret").child("items").index(j).child("path"),
                item.path.as_str(),
            ));
        }
    }
    if let Some(downward) = &volume.downward_api {
        for (j, item) in downward.items.iter().flatten().enumerate() {
            out.push((
                path.child("downwardAPI")
                    .child("items")
                    .index(j)
                    .child("path"),
                item.path.as_str(),
            ));
        }
    }
    if let Some(projected) = &volume.projected {
        for (s, source) in projected.sources.iter().flatten().enumerate() {
            let here = path.child("projected").child("sources").index(s);
            let lists = [
                (
                    "configMap",
                    source.config_map.as_ref().and_then(|c| c.items.as_ref()),
                ),
                (
                    "secret",
                    source.secret.as_ref().and_then(|c| c.items.as_ref()),
                ),
            ];
            for (kind, items) in lists {
                for (j, item) in items.into_iter().flatten().enumerate() {
                    out.push((
                        here.child(kind).child("items").index(j).child("path"),
                        item.path.as_str(),
                    ));
                }
            }
            if let Some(downward) = &source.downward_api {
                for (j, item) in downward.items.iter().flatten().enumerate() {
                    out.push((
                        here.child("downwardAPI")
                            .child("items")
                            .index(j)
                            .child("path"),
                        item.path.as_str(),
                    ));
                }
            }
        }
    }
    out
}

/// Validates a pod spec as the API server does on create, for every field kubedrill reads
/// (see [`crate::api::pod_spec`]), with the rules of the current Kubernetes version. `field` is
/// the pod spec's path, e.g. `spec.template.spec`.
pub fn validate_pod_volumes(spec: &PodSpec, field: &str) -> Vec<FieldError> {
    validate_pod_spec(spec, &FieldPath::parse(field), KubeVersion::CURRENT)
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
    let mut errors = validate_pod_spec(&workload.spec, &spec_path, version);
    errors.extend(os_limit_errors(&workload.spec, &spec_path, out));
    into_result(&qualified_kind(&workload.kind), &workload.name, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spec(json: serde_json::Value) -> PodSpec {
        match serde_json::from_value(json) {
            Ok(spec) => spec,
            Err(e) => panic!("bad test spec: {e}"),
        }
    }

    fn texts(spec: &PodSpec, version: KubeVersion) -> Vec<String> {
        validate_pod_spec(spec, &FieldPath::new("spec"), version)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn api_env_names_strict_before_1_32_relaxed_after() {
        let pod = spec(serde_json::json!({"containers": [{"name": "app", "env": [
            {"name": "1X", "value": "a"}, {"name": "a b", "value": "b"}, {"name": "..x", "value": "c"}
        ]}]}));
        assert!(texts(&pod, KubeVersion::v1(32)).is_empty());
        let old = texts(&pod, KubeVersion::v1(31));
        // `..x` matches the regex (dots are allowed) but starts with `..`.
        assert_eq!(old.len(), 3, "{old:#?}");
        assert!(old[0].starts_with("spec.containers[0].env[0].name: Invalid value: \"1X\""));
        assert_eq!(
            old[2],
            "spec.containers[0].env[2].name: Invalid value: \"..x\": must not start with '..'"
        );
        let eq = spec(
            serde_json::json!({"containers": [{"name": "app", "env": [{"name": "A=B", "value": "x"}, {"name": "é", "value": "x"}]}]}),
        );
        assert_eq!(texts(&eq, KubeVersion::CURRENT).len(), 2);
    }

    #[test]
    fn api_env_from_prefix_and_names_with_trailing_dash() {
        let pod = spec(
            serde_json::json!({"containers": [{"name": "app", "envFrom": [
                {"configMapRef": {"name": "cfg-"}}, {"secretRef": {"name": "Bad"}, "prefix": "P_"},
                {"configMapRef": {"name": "a"}, "secretRef": {"name": "b"}}
            ]}]}),
        );
        let errors = texts(&pod, KubeVersion::CURRENT);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].starts_with(
            "spec.containers[0].envFrom[1].secretRef.name: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain"
        ));
        assert_eq!(
            errors[1],
            "spec.containers[0].envFrom: Invalid value: \"\": may not have more than one field specified at a time"
        );
    }

    #[test]
    fn api_container_names_unique_across_init_and_app_containers() {
        let pod = spec(serde_json::json!({
            "initContainers": [{"name": "a"}, {"name": "init"}, {"name": "init"}],
            "containers": [{"name": "a"}, {"name": ""}]
        }));
        assert_eq!(
            texts(&pod, KubeVersion::CURRENT),
            [
                "spec.containers[1].name: Required value",
                "spec.initContainers[0].name: Duplicate value: \"a\"",
                "spec.initContainers[2].name: Duplicate value: \"init\"",
            ]
        );
    }

    #[test]
    fn api_field_refs_and_resource_refs() {
        let pod = spec(serde_json::json!({"containers": [{"name": "app", "env": [
            {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.phase"}}},
            {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "nope"}}},
            {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['x']"}}},
            {"name": "D", "valueFrom": {"resourceFieldRef": {"resource": "limits.gpu"}}},
            {"name": "E", "value": "x", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
            {"name": "F", "valueFrom": {}}
        ]}]}));
        let errors = texts(&pod, KubeVersion::CURRENT);
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with(
            "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"status.phase\": supported values: \"metadata.name\", \"metadata.namespace\""
        ));
        assert_eq!(
            errors[1],
            "spec.containers[0].env[1].valueFrom.fieldRef.fieldPath: Invalid value: \"nope\": error converting fieldPath: field label not supported: nope"
        );
        assert!(errors[2].starts_with("spec.containers[0].env[3].valueFrom.resourceFieldRef.resource: Unsupported value: \"limits.gpu\""));
        assert!(errors[3].ends_with("may not be specified when `value` is not empty"));
        assert!(errors[4].ends_with("must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
    }

    #[test]
    fn api_no_sub_path_into_an_image_volume() {
        let pod = spec(serde_json::json!({
            "containers": [{"name": "app", "volumeMounts": [
                {"name": "img", "mountPath": "/a", "subPath": "etc"}
            ]}],
            "volumes": [{"name": "img", "image": {"reference": "busybox"}}]
        }));
        assert_eq!(
            texts(&pod, KubeVersion::CURRENT),
            [
                "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"etc\": not allowed in image volume sources"
            ]
        );
    }

    #[test]
    fn api_mount_propagation() {
        let pod = spec(serde_json::json!({
            "containers": [{"name": "app", "volumeMounts": [
                {"name": "v", "mountPath": "/a", "mountPropagation": "Sideways"},
                {"name": "v", "mountPath": "/b", "mountPropagation": "Bidirectional"}
            ]}],
            "volumes": [{"name": "v", "emptyDir": {}}]
        }));
        let errors = validate_pod_spec(&pod, &FieldPath::new("spec"), KubeVersion::CURRENT);
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[1].to_string(),
            "spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"
        );
        assert_eq!(
            errors[1].location_path().to_string(),
            "spec.containers[0].volumeMounts[1].mountPropagation"
        );
    }

    #[test]
    fn os_limits_count_the_output_directory() {
        let mount = format!("/{}", vec!["m".repeat(200); 15].join("/"));
        let pod = spec(serde_json::json!({
            "containers": [{"name": "app", "volumeMounts": [{"name": "v", "mountPath": mount}]}],
            "volumes": [{"name": "v", "configMap": {"name": "c"}}]
        }));
        let path = FieldPath::new("spec");
        assert!(os_limit_errors(&pod, &path, None).is_empty());
        let deep = format!("/{}", "d".repeat(900));
        let errors = os_limit_errors(&pod, &path, Some(Path::new(&deep)));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .to_string()
                .contains("more than the 4096 a path may have")
        );
    }

    proptest! {
        /// Whatever a container is named, if the API-server rules accept the pod, the env file
        /// `DIR/<name>.env` is a direct child of DIR: a name can never lead outside it.
        #[test]
        fn accepted_container_names_never_escape_dir(name in "[a-z0-9./\\-]{0,12}|\\PC{0,8}") {
            let pod = spec(serde_json::json!({"containers": [{"name": name}]}));
            if validate_pod_spec(&pod, &FieldPath::new("spec"), KubeVersion::CURRENT).is_empty() {
                let dir = Path::new("/out");
                let file = dir.join(format!("{name}.env"));
                prop_assert_eq!(file.parent(), Some(dir));
                prop_assert!(!name.contains('/') && !name.starts_with('.'));
            }
        }
    }
}

//! Volume validation (§8.6, §4.2): one volume source per volume, `items` paths, modes, projected
//! and downward API sources.
//!
//! Owns the volume field rules of a pod spec. It does not validate containers or env (see
//! [`crate::api::pod_spec`]).

use super::*;

// ---------------------------------------------------------------------------------------------
// Volume items and projected volumes (§8.6, §4.2)
// ---------------------------------------------------------------------------------------------

pub(super) fn validate_mode(mode: Option<i32>, path: FieldPath, errors: &mut Vec<FieldError>) {
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
pub(super) fn local_non_reserved_path_errors(target: &str, path: &FieldPath) -> Vec<FieldError> {
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

pub(super) fn key_to_path_errors(item: &KeyToPath, path: &FieldPath) -> Vec<FieldError> {
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

pub(super) fn downward_api_file_errors(
    file: &DownwardAPIVolumeFile,
    path: &FieldPath,
) -> Vec<FieldError> {
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

pub(super) fn projected_errors(
    projected: &ProjectedVolumeSource,
    path: &FieldPath,
) -> Vec<FieldError> {
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
pub(super) fn volume_sources(volume: &Volume) -> [(&'static str, bool); 29] {
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
pub(super) fn volume_source_errors(volume: &Volume, path: &FieldPath) -> Vec<FieldError> {
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

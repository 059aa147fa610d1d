//! Payload assembly, one volume source at a time: ConfigMap, Secret, downward API and projected
//! sources become files with modes, merged in order; missing objects and keys become kubelet's
//! FailedMount messages.
//!
//! Owns the per-source rules (`MakePayload`, `collectData`). It does not write files (the
//! [`AtomicWriter`](crate::kubelet::AtomicWriter) does) and never applies fsGroup.

use super::*;

// ---------------------------------------------------------------------------------------------
// Payload assembly

/// Files of one source, in the order the source produced them; later entries win.
pub(super) type SourceFiles = Vec<(String, FileProjection)>;

/// Merges sources in order into one payload, remembering which paths hold Secret bytes.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) files: Payload,
    pub(super) secret_paths: BTreeSet<String>,
}

impl Builder {
    /// A later source silently overwrites an earlier one at the same path (§4.1), and so does its
    /// secret-ness.
    pub(super) fn merge(&mut self, files: SourceFiles, secret: bool) {
        for (path, file) in files {
            if secret {
                self.secret_paths.insert(path.clone());
            } else {
                self.secret_paths.remove(&path);
            }
            self.files.insert(path, file);
        }
    }

    pub(super) fn finish(self, medium: Medium, fs_group: Option<i64>) -> VolumePayload {
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
pub(super) fn mode_or(mode: Option<i32>, default: u32) -> u32 {
    mode.map_or(default, |m| (m as u32) & 0o7777)
}

pub(super) fn file(data: Vec<u8>, mode: u32) -> FileProjection {
    FileProjection {
        data,
        mode,
        fs_user: None,
    }
}

pub(super) fn config_map_not_found(name: &str) -> String {
    format!("configmap {} not found", go_quote(name))
}

pub(super) fn secret_not_found(name: &str) -> String {
    format!("secret {} not found", go_quote(name))
}

/// configmap.MakePayload (§2.2, §2.3). A missing optional object behaves as an empty one.
pub(super) fn config_map_payload(
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
pub(super) fn secret_payload(
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
pub(super) fn downward_api_payload(
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
pub(super) fn projected_payload(
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
pub(super) fn project_one(
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
pub(super) fn aggregate(errors: &[String]) -> String {
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
pub(super) fn clean_path(path: &str) -> String {
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
pub(super) fn other_volume_type(volume: &Volume) -> Option<&'static str> {
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

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

mod pod_context;
mod sources;
#[cfg(test)]
pub(crate) mod test_support;
pub use pod_context::*;
use sources::*;
#[cfg(test)]
mod tests;

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
/// Go's `strconv.Quote` (`%q`), as kubelet's messages print names and values: the one
/// implementation in [`crate::api::go_quote`].
pub(crate) use crate::api::go_quote::go_quote;

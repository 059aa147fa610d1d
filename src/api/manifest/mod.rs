//! Reading Kubernetes manifests: the ConfigMaps, Secrets and the workload's pod template.
//!
//! This module owns turning YAML files (each possibly holding several `---` documents) into
//! k8s-openapi objects, and every error on the way carries the file, the line and column *in
//! that file*, the field path where it can be known, and a hint. It rejects what `kubectl
//! apply` plus the API server would reject (unknown kinds, unquoted numbers in string fields,
//! invalid keys, ...) instead of silently skipping it. It does not store objects (see
//! [`crate::api::store`]) and never touches anything but the files it is asked to read.
//!
//! How: the text is split into documents on `---` / `...` lines, remembering where each
//! starts (`documents`); each document is parsed once into the located tree of
//! [`crate::yaml`] and flattened with field paths (`index`); a small header (`apiVersion`,
//! `kind`) picks the concrete type or skips the document with a [`Note`] (`kinds`); serde-saphyr
//! deserializes it (`deserialize`), and its error locations are mapped to field paths, API
//! validation errors back to locations (`document`). Each object keeps its located tree
//! ([`LocatedDocument`]) for lint.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, PodSpec, PodTemplateSpec, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_saphyr::MessageFormatter;

use crate::api::validation::{self, FieldPath, PathSegment, ValidationError};
use crate::kubelet::KubeVersion;

use crate::api::objects::pod_spec_path;
pub use crate::api::objects::{
    DEFAULT_NAMESPACE, Loaded, LocatedDocument, Manifest, ManifestSet, Note, Origin, Workload,
};

mod deserialize;
mod document;
mod documents;
mod error;
mod index;
mod kinds;
mod workload;
use deserialize::*;
use document::*;
use documents::*;
pub use error::*;
use index::*;
use kinds::*;
use workload::*;
#[cfg(test)]
mod tests;

/// The kinds kubedrill reads, with the `apiVersion` each must have.
pub const SUPPORTED_KINDS: [(&str, &str); 9] = [
    ("ConfigMap", "v1"),
    ("Secret", "v1"),
    ("Pod", "v1"),
    ("Deployment", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("DaemonSet", "apps/v1"),
    ("ReplicaSet", "apps/v1"),
    ("Job", "batch/v1"),
    ("CronJob", "batch/v1"),
];
// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Reads every document of every file, in order. The first error stops the load.
pub fn load_files(paths: &[PathBuf]) -> Result<ManifestSet, LoadError> {
    let mut set = ManifestSet::default();
    for path in paths {
        set.absorb(load_file_text(path)?);
    }
    Ok(set)
}

/// Reads every document of one file.
pub fn load_file(path: &Path) -> Result<Vec<Manifest>, LoadError> {
    load_file_text(path).map(|loaded| loaded.manifests)
}

/// Reads every document of one file, with notes and located documents ([`load_text`]).
pub fn load_file_text(path: &Path) -> Result<Loaded, LoadError> {
    let text = crate::api::text::read_text(path).map_err(|err| match err {
        crate::api::text::TextError::Io(err) => LoadError::new(path, None, LoadErrorKind::Io(err)),
        crate::api::text::TextError::InvalidUtf8 { byte, line, column } => LoadError::new(
            path,
            Some((line, column)),
            LoadErrorKind::InvalidUtf8 { byte },
        ),
    })?;
    load_text(&text, path)
}

/// Validates a loaded workload again for what loading could not know: the env-name rules of
/// `version` (loading uses the current ones) and the filesystem limits under `out`, the
/// directory it is about to be written to. The error points at the field in the manifest,
/// like a load error (the file is read again to find it; if it cannot be, at the document).
pub fn check_workload(
    workload: &Workload,
    version: KubeVersion,
    out: Option<&Path>,
) -> Result<(), LoadError> {
    let Err(error) = crate::api::pod_spec::validate_workload_for(workload, version, out) else {
        return Ok(());
    };
    let file = workload.origin.file.as_path();
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let chunks = split_documents(text);
    let chunk = chunks
        .iter()
        .rfind(|chunk| chunk.first_line <= workload.origin.line);
    let located = chunk.and_then(|chunk| {
        let index = NodeIndex::build(chunk.text).ok()?;
        let doc = Document {
            chunk,
            file,
            index,
            kind: workload.kind.clone(),
        };
        Some(doc.invalid(error.clone()))
    });
    Err(located.unwrap_or_else(|| {
        LoadError::new(
            file,
            Some((workload.origin.line, 1)),
            LoadErrorKind::Invalid(error),
        )
    }))
}

/// Reads every document of `text`; `origin` is the file name used in origins and errors.
/// Empty documents (only comments or blank lines) are skipped; anything else must be one of
/// the [`SUPPORTED_KINDS`] and valid, a `List` of them, or an object of another kind, skipped
/// with a [`Note`] ([`load_text`] returns the notes).
pub fn load_str(text: &str, origin: &Path) -> Result<Vec<Manifest>, LoadError> {
    load_text(text, origin).map(|loaded| loaded.manifests)
}

/// [`load_str`] with everything read: the objects, the notes on skipped documents, and each
/// object's located tree. Linear in the text: each document is parsed into the located tree
/// once, and deserialized once (twice for its header).
pub fn load_text(text: &str, origin: &Path) -> Result<Loaded, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut loaded = Loaded::default();
    for chunk in split_documents(text) {
        load_document(&chunk, origin, &mut loaded)?;
    }
    Ok(loaded)
}

/// The located tree of every non-empty document of `text`, without reading them as objects
/// (lint's tests locate fields in texts that are not whole manifests).
#[cfg(test)]
pub(crate) fn locate_documents(text: &str, file: &Path) -> Vec<LocatedDocument> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    split_documents(text)
        .into_iter()
        .filter_map(|chunk| {
            let tree = NodeIndex::build(chunk.text).ok()?.tree?;
            if tree.is_null() {
                return None;
            }
            Some(LocatedDocument {
                origin: Origin {
                    file: file.to_path_buf(),
                    line: chunk.file_location(tree.line, tree.column).0,
                },
                first_line: chunk.first_line,
                text: chunk.text.to_string(),
                tree,
            })
        })
        .collect()
}

//! What a manifest holds once loaded: the ConfigMaps, Secrets and workloads, each with the
//! [`Origin`] (file and line) of its document.
//!
//! Owns these plain data types, shared by the loader ([`crate::api::manifest`]) and API
//! validation ([`crate::api::validation`]), so that neither depends on the other for them. It
//! reads no file and validates nothing.

use std::fmt;
use std::path::PathBuf;

use k8s_openapi::api::core::v1::{ConfigMap, PodSpec, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The namespace of an object whose manifest names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Where a document came from: its file and the line its content starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The manifest file (as given, not canonicalized).
    pub file: PathBuf,
    /// The line of the document's first content (1-based).
    pub line: u64,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A workload's pod: the pod template of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job
/// or CronJob, or a Pod itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// The manifest's kind, e.g. `Deployment`.
    pub kind: String,
    /// The workload's `metadata.name`.
    pub name: String,
    /// The workload's `metadata.namespace`, or `default`.
    pub namespace: String,
    /// The workload's own metadata (annotations such as `kubedrill.dev/lint-ignore`).
    pub metadata: ObjectMeta,
    /// The pod template's metadata (a Pod's own metadata for a Pod).
    pub pod_metadata: ObjectMeta,
    /// The pod spec (never without containers).
    pub spec: PodSpec,
    /// Where the workload's document is.
    pub origin: Origin,
}

impl Workload {
    /// The path of the pod spec inside the manifest, e.g. `spec.template.spec` for a
    /// Deployment, `spec.jobTemplate.spec.template.spec` for a CronJob, `spec` for a Pod.
    pub fn pod_spec_path(&self) -> &'static str {
        pod_spec_path(&self.kind)
    }
}

pub(crate) fn pod_spec_path(kind: &str) -> &'static str {
    match kind {
        "Pod" => "spec",
        "CronJob" => "spec.jobTemplate.spec.template.spec",
        _ => "spec.template.spec",
    }
}

/// One document of a manifest file.
#[derive(Debug, Clone, PartialEq)]
// A handful of manifests per run: boxing the workload would only complicate matching.
#[allow(clippy::large_enum_variant)]
pub enum Manifest {
    /// A ConfigMap, as written (namespace not defaulted).
    ConfigMap(ConfigMap, Origin),
    /// A Secret, as written (`stringData` not yet merged: the store does that).
    Secret(Secret, Origin),
    /// A Pod or a workload with a pod template.
    Workload(Workload),
}

impl Manifest {
    /// Where the document is.
    pub fn origin(&self) -> &Origin {
        match self {
            Manifest::ConfigMap(_, origin) | Manifest::Secret(_, origin) => origin,
            Manifest::Workload(workload) => &workload.origin,
        }
    }

    /// The document's kind, e.g. `ConfigMap` or `Deployment`.
    pub fn kind(&self) -> &str {
        match self {
            Manifest::ConfigMap(..) => "ConfigMap",
            Manifest::Secret(..) => "Secret",
            Manifest::Workload(workload) => &workload.kind,
        }
    }

    /// The object's `metadata.name` (always present: the loader rejects documents without).
    pub fn name(&self) -> &str {
        match self {
            Manifest::ConfigMap(cm, _) => cm.metadata.name.as_deref().unwrap_or(""),
            Manifest::Secret(secret, _) => secret.metadata.name.as_deref().unwrap_or(""),
            Manifest::Workload(workload) => &workload.name,
        }
    }

    /// The object's namespace, `default` when the manifest names none.
    pub fn namespace(&self) -> &str {
        let namespace = match self {
            Manifest::ConfigMap(cm, _) => cm.metadata.namespace.as_deref(),
            Manifest::Secret(secret, _) => secret.metadata.namespace.as_deref(),
            Manifest::Workload(workload) => Some(workload.namespace.as_str()),
        };
        namespace
            .filter(|ns| !ns.is_empty())
            .unwrap_or(DEFAULT_NAMESPACE)
    }
}

/// Every object of a set of manifest files, sorted by kind, each in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestSet {
    /// The ConfigMaps, in the order they were read.
    pub config_maps: Vec<(ConfigMap, Origin)>,
    /// The Secrets, in the order they were read.
    pub secrets: Vec<(Secret, Origin)>,
    /// The Pods and workloads, in the order they were read.
    pub workloads: Vec<Workload>,
    /// The documents skipped because kubedrill does not model their kind (issue 11 §3).
    pub notes: Vec<Note>,
    /// The located tree of every object's document, so that lint can point at a field
    /// without reading the file again.
    pub documents: Vec<LocatedDocument>,
}

impl ManifestSet {
    /// Adds everything read from one text: objects, notes and located documents.
    pub fn absorb(&mut self, loaded: Loaded) {
        self.extend(loaded.manifests);
        self.notes.extend(loaded.notes);
        self.documents.extend(loaded.documents);
    }

    /// Adds one document.
    pub fn push(&mut self, manifest: Manifest) {
        match manifest {
            Manifest::ConfigMap(cm, origin) => self.config_maps.push((cm, origin)),
            Manifest::Secret(secret, origin) => self.secrets.push((secret, origin)),
            Manifest::Workload(workload) => self.workloads.push(workload),
        }
    }

    /// The number of objects.
    pub fn len(&self) -> usize {
        self.config_maps.len() + self.secrets.len() + self.workloads.len()
    }

    /// Whether there is no object at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What was found, for an error that needed something else: `ConfigMap app
    /// (objects.yaml:1), Secret db (objects.yaml:9)`, or `nothing`.
    pub fn describe(&self) -> String {
        let objects: Vec<String> = self
            .config_maps
            .iter()
            .map(|(cm, origin)| ("ConfigMap", cm.metadata.name.as_deref(), origin))
            .chain(
                self.secrets
                    .iter()
                    .map(|(s, origin)| ("Secret", s.metadata.name.as_deref(), origin)),
            )
            .map(|(kind, name, origin)| format!("{kind} {} ({origin})", name.unwrap_or("")))
            .chain(
                self.workloads
                    .iter()
                    .map(|w| format!("{} {} ({})", w.kind, w.name, w.origin)),
            )
            .collect();
        if objects.is_empty() {
            "nothing".to_string()
        } else {
            objects.join(", ")
        }
    }
}

impl Extend<Manifest> for ManifestSet {
    fn extend<I: IntoIterator<Item = Manifest>>(&mut self, iter: I) {
        for manifest in iter {
            self.push(manifest);
        }
    }
}

impl FromIterator<Manifest> for ManifestSet {
    fn from_iter<I: IntoIterator<Item = Manifest>>(iter: I) -> Self {
        let mut set = ManifestSet::default();
        set.extend(iter);
        set
    }
}

/// A document skipped because kubedrill does not model its kind (a Service, an Ingress, ...):
/// a real `deploy/` folder loads, and the caller says what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Where the document is.
    pub origin: Origin,
    /// Its kind, e.g. `Service`.
    pub kind: String,
    /// Its `metadata.name`, when it has one.
    pub name: Option<String>,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: skipped {}", self.origin, self.kind)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(
            f,
            " (kubedrill models ConfigMaps, Secrets and the workload's pods only)"
        )
    }
}

/// One document's located tree ([`crate::yaml::Node`]) with the text it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedDocument {
    /// Where the document's object is (the same origin as its [`Manifest`]).
    pub origin: Origin,
    /// The file line of the text's first line: node lines are relative to the text.
    pub first_line: u64,
    /// The document's text (node byte ranges index into it).
    pub text: String,
    /// The document's root node.
    pub tree: crate::yaml::Node,
}

impl LocatedDocument {
    /// The file line (1-based) of a node of this document.
    pub fn file_line(&self, node: &crate::yaml::Node) -> u64 {
        node.line + self.first_line - 1
    }
}

/// Everything read from one manifest text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// The objects, in document order (the items of a `List` in place of the list).
    pub manifests: Vec<Manifest>,
    /// The documents skipped, in document order.
    pub notes: Vec<Note>,
    /// The located tree of each object's document.
    pub documents: Vec<LocatedDocument>,
}

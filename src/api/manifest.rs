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
//! starts; a small header (`apiVersion`, `kind`) picks the concrete type; serde-saphyr
//! deserializes the document, and its error locations are shifted back into the file. A
//! parallel walk of the YAML events maps a location to a field path (`data.LOG_LEVEL`) and a
//! field path back to a location (for API validation errors).

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, PodSpec, PodTemplateSpec, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_saphyr::MessageFormatter;
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

use crate::api::validation::{self, FieldPath, PathSegment, ValidationError};
use crate::kubelet::KubeVersion;

/// The namespace of an object whose manifest names none.
pub const DEFAULT_NAMESPACE: &str = "default";

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

fn pod_spec_path(kind: &str) -> &'static str {
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
}

impl ManifestSet {
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

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A manifest that cannot be read: `file:line:column: message (hint: …)`.
#[derive(Debug)]
pub struct LoadError {
    file: PathBuf,
    line: Option<u64>,
    column: Option<u64>,
    kind: Box<LoadErrorKind>,
}

/// What is wrong with a manifest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The file cannot be read.
    #[error("cannot read the file: {0}")]
    Io(std::io::Error),
    /// The file is not UTF-8 (located at the first bad byte).
    #[error(
        "invalid UTF-8: byte 0x{byte:02x} is not part of a UTF-8 character (hint: save the file as UTF-8)"
    )]
    InvalidUtf8 {
        /// The first bad byte.
        byte: u8,
    },
    /// The text is not YAML.
    #[error("{message} (hint: check the indentation (spaces, never tabs) and the quoting)")]
    Syntax {
        /// The parser's message.
        message: String,
    },
    /// A value has the wrong type or form for its field.
    #[error("{}", invalid_value_text(message, field.as_deref(), hint.as_deref()))]
    InvalidValue {
        /// What is wrong.
        message: String,
        /// The field path, e.g. `data.LOG_LEVEL`, when known.
        field: Option<String>,
        /// How to fix it.
        hint: Option<String>,
    },
    /// A document is a list or a scalar, not an object.
    #[error(
        "a document must be a Kubernetes object, not a {found} (hint: every document needs \
         apiVersion and kind)"
    )]
    NotAnObject {
        /// `sequence` or `scalar`.
        found: &'static str,
    },
    /// `kind` or `apiVersion` is missing.
    #[error("missing {field} (hint: every document needs apiVersion and kind)")]
    MissingField {
        /// `kind` or `apiVersion`.
        field: &'static str,
    },
    /// A kind kubedrill does not read.
    #[error("unsupported kind {kind:?} (hint: {})", kind_hint(*suggestion))]
    UnsupportedKind {
        /// The kind found.
        kind: String,
        /// The supported kind it differs from only by case, if any.
        suggestion: Option<&'static str>,
    },
    /// The `apiVersion` does not serve that kind.
    #[error(
        "apiVersion {api_version:?} does not serve kind {kind} (hint: use apiVersion: {expected})"
    )]
    WrongApiVersion {
        /// The kind.
        kind: String,
        /// The apiVersion found.
        api_version: String,
        /// The apiVersion that serves the kind.
        expected: &'static str,
    },
    /// A top-level field the kind does not have (kubectl's strict field validation).
    #[error("unknown field {field:?} in {kind} (hint: {})", unknown_field_hint(kind, *suggestion, known))]
    UnknownField {
        /// The kind.
        kind: String,
        /// The unknown field.
        field: String,
        /// The fields the kind has.
        known: &'static [&'static str],
        /// A known field it differs from only by case, if any.
        suggestion: Option<&'static str>,
    },
    /// `metadata.name` is missing.
    #[error("{kind} has no metadata.name (hint: {})", if *generate_name {
        "kubedrill needs a fixed metadata.name; generateName is not supported"
    } else {
        "every object needs metadata.name"
    })]
    MissingName {
        /// The kind.
        kind: String,
        /// Whether `metadata.generateName` is set instead.
        generate_name: bool,
    },
    /// A workload without a pod template.
    #[error(
        "{kind} {name:?} has no pod template at {field} (hint: a workload needs {field} with containers)"
    )]
    NoPodTemplate {
        /// The kind.
        kind: String,
        /// The workload's name.
        name: String,
        /// Where the pod spec should be.
        field: &'static str,
    },
    /// A pod spec without containers.
    #[error(
        "{kind} {name:?} has no containers at {field} (hint: a pod needs at least one container)"
    )]
    NoContainers {
        /// The kind.
        kind: String,
        /// The workload's name.
        name: String,
        /// Where the containers should be.
        field: String,
    },
    /// The API server would reject the object (spec §8).
    #[error("{0}")]
    Invalid(ValidationError),
}

fn invalid_value_text(message: &str, field: Option<&str>, hint: Option<&str>) -> String {
    let mut text = message.to_string();
    if let Some(field) = field.filter(|f| !f.is_empty()) {
        text.push_str(" at field ");
        text.push_str(field);
    }
    if let Some(hint) = hint {
        text.push_str(" (hint: ");
        text.push_str(hint);
        text.push(')');
    }
    text
}

fn kind_hint(suggestion: Option<&str>) -> String {
    let kinds: Vec<&str> = SUPPORTED_KINDS.iter().map(|(kind, _)| *kind).collect();
    match suggestion {
        Some(kind) => format!("kinds are case-sensitive: did you mean {kind}?"),
        None => format!("kubedrill reads {}", kinds.join(", ")),
    }
}

fn unknown_field_hint(kind: &str, suggestion: Option<&str>, known: &[&str]) -> String {
    match suggestion {
        Some(field) => format!("field names are case-sensitive: did you mean {field}?"),
        None => format!("{kind} fields are {}", known.join(", ")),
    }
}

impl LoadError {
    fn new(file: &Path, location: Option<(u64, u64)>, kind: LoadErrorKind) -> Self {
        Self {
            file: file.to_path_buf(),
            line: location.map(|(line, _)| line),
            column: location.map(|(_, column)| column),
            kind: Box::new(kind),
        }
    }

    /// The manifest file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The line in the file (1-based), when known.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The column in the file (1-based), when known.
    pub fn column(&self) -> Option<u64> {
        self.column
    }

    /// What is wrong.
    pub fn kind(&self) -> &LoadErrorKind {
        &self.kind
    }

    /// The API-server rejection, when that is what is wrong.
    pub fn validation(&self) -> Option<&ValidationError> {
        match self.kind.as_ref() {
            LoadErrorKind::Invalid(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for LoadError {}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Reads every document of every file, in order. The first error stops the load.
pub fn load_files(paths: &[PathBuf]) -> Result<ManifestSet, LoadError> {
    let mut set = ManifestSet::default();
    for path in paths {
        set.extend(load_file(path)?);
    }
    Ok(set)
}

/// Reads every document of one file.
pub fn load_file(path: &Path) -> Result<Vec<Manifest>, LoadError> {
    let text = crate::api::text::read_text(path).map_err(|err| match err {
        crate::api::text::TextError::Io(err) => LoadError::new(path, None, LoadErrorKind::Io(err)),
        crate::api::text::TextError::InvalidUtf8 { byte, line, column } => LoadError::new(
            path,
            Some((line, column)),
            LoadErrorKind::InvalidUtf8 { byte },
        ),
    })?;
    load_str(&text, path)
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
    let Err(error) = validation::validate_workload_for(workload, version, out) else {
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
/// the [`SUPPORTED_KINDS`] and valid.
pub fn load_str(text: &str, origin: &Path) -> Result<Vec<Manifest>, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut manifests = Vec::new();
    for chunk in split_documents(text) {
        if let Some(manifest) = load_document(&chunk, origin)? {
            manifests.push(manifest);
        }
    }
    Ok(manifests)
}

/// One document's text and the file line (1-based) its first line is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chunk<'a> {
    text: &'a str,
    first_line: u64,
}

impl Chunk<'_> {
    /// A chunk location (1-based line) as a file location.
    fn file_location(&self, line: u64, column: u64) -> (u64, u64) {
        (line + self.first_line - 1, column)
    }
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Splits on document markers at column 0: `---` starts a document (and stays in it, it may
/// carry content), `...` ends one (and is dropped).
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (line_number, line) in (1_u64..).zip(text.split_inclusive('\n')) {
        let bare = line.trim_end_matches(['\n', '\r']);
        if is_marker(bare, "---") {
            if offset > start {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    first_line: start_line,
                });
            }
            start = offset;
            start_line = line_number;
        } else if is_marker(bare, "...") {
            if offset > start {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    first_line: start_line,
                });
            }
            start = offset + line.len();
            start_line = line_number + 1;
        }
        offset += line.len();
    }
    if start < text.len() {
        chunks.push(Chunk {
            text: &text[start..],
            first_line: start_line,
        });
    }
    chunks
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    api_version: Option<String>,
    kind: Option<String>,
}

const CONFIG_MAP_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "data",
    "binaryData",
    "immutable",
];
const SECRET_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "data",
    "stringData",
    "type",
    "immutable",
];
const WORKLOAD_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];

/// Everything needed to turn problems in one document into located errors.
struct Document<'a> {
    chunk: &'a Chunk<'a>,
    file: &'a Path,
    index: NodeIndex,
    kind: String,
}

impl Document<'_> {
    fn error_at(&self, node: Option<&Node>, kind: LoadErrorKind) -> LoadError {
        let location = node
            .or_else(|| self.index.root())
            .map(|n| self.chunk.file_location(n.line, n.column));
        LoadError::new(self.file, location, kind)
    }

    fn error_at_path(&self, path: &[Seg], kind: LoadErrorKind) -> LoadError {
        self.error_at(self.index.locate(path), kind)
    }

    fn origin(&self) -> Origin {
        let line = self
            .index
            .root()
            .map(|n| self.chunk.file_location(n.line, n.column).0)
            .unwrap_or(self.chunk.first_line);
        Origin {
            file: self.file.to_path_buf(),
            line,
        }
    }

    fn deserialize<T: DeserializeOwned>(&self) -> Result<T, LoadError> {
        deserialize_document(self.chunk.text, &self.index)
            .map_err(|failure| self.value_error(&failure))
    }

    /// Turns a serde-saphyr failure into a located error with field path and hint.
    fn value_error(&self, failure: &DeFailure) -> LoadError {
        let error = original_error(&failure.error);
        // A quoting error is about the scalar itself; others may be about the container that
        // starts at the same place.
        let innermost = matches!(
            error,
            serde_saphyr::Error::QuotingRequired { .. }
                | serde_saphyr::Error::NullIntoString { .. }
        );
        let node = failure
            .location
            .and_then(|(line, column)| self.index.at(line, column, innermost));
        let location = failure
            .location
            .map(|(line, column)| self.chunk.file_location(line, column));
        let field = node.map(|n| format_path(&n.path));
        let secret_value = self.kind == "Secret"
            && node.is_some_and(
                |n| matches!(n.path.first(), Some(Seg::Key(k)) if k == "data" || k == "stringData"),
            );
        let (message, hint) = match error {
            serde_saphyr::Error::QuotingRequired { value, .. } => (
                format!(
                    "expected a string, found an unquoted {}",
                    plain_scalar_type(value)
                ),
                Some(
                    "quote the value: the API server accepts only strings here, and YAML reads \
                     unquoted 8080, 1.5, true, yes or on as numbers and booleans"
                        .to_string(),
                ),
            ),
            serde_saphyr::Error::NullIntoString { .. } => (
                "expected a string, found null".to_string(),
                Some("quote the value (\"\" for empty) or remove the key".to_string()),
            ),
            error if is_too_complex(error) => {
                (TOO_COMPLEX.to_string(), Some(TOO_COMPLEX_HINT.to_string()))
            }
            other => {
                let mut message =
                    sanitize(&serde_saphyr::UserMessageFormatter.format_message(other));
                if let Some(expected) = message.strip_prefix("expected ") {
                    let expected = match expected {
                        "string scalar" => "a string",
                        "mapping start" => "a mapping",
                        "sequence start" => "a sequence",
                        other => other,
                    };
                    message = match node.map(|n| n.shape) {
                        Some(shape) => {
                            format!("invalid type: {}, expected {expected}", shape.name())
                        }
                        None => format!("expected {expected}"),
                    };
                }
                let base64 = node.and_then(|n| self.base64_error(n));
                if let Some(reason) = &base64 {
                    message = format!("invalid base64: {}", reason.trim_end_matches('.'));
                }
                if secret_value
                    && let Some(value) = node
                        .and_then(|n| n.value.as_deref())
                        .filter(|v| !v.is_empty())
                {
                    message = message.replace(value, "<secret contents redacted>");
                }
                let hint = node.map(|n| self.hint_for(n, &message, base64.is_some()));
                (message, hint)
            }
        };
        LoadError::new(
            self.file,
            location,
            LoadErrorKind::InvalidValue {
                message,
                field,
                hint,
            },
        )
    }

    /// Why a Secret `data` or ConfigMap `binaryData` value is not base64, decoding it as
    /// k8s-openapi's `ByteString` does (the standard alphabet, padded); `None` for any other
    /// node. Deciding by the field rather than by the wording of the deserializer's message.
    fn base64_error(&self, node: &Node) -> Option<String> {
        let [Seg::Key(top), Seg::Key(_)] = node.path.as_slice() else {
            return None;
        };
        let binary = matches!(
            (self.kind.as_str(), top.as_str()),
            ("Secret", "data") | ("ConfigMap", "binaryData")
        );
        if !binary || node.is_key || node.shape != Shape::Scalar {
            return None;
        }
        let value = node.value.as_deref()?;
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, value)
            .err()
            .map(|err| err.to_string())
    }

    fn hint_for(&self, node: &Node, message: &str, base64: bool) -> String {
        let top = match node.path.first() {
            Some(Seg::Key(k)) => k.as_str(),
            _ => "",
        };
        let in_map = node.path.len() >= 2;
        if message.contains("duplicate") {
            return "each key may appear only once in a mapping".into();
        }
        match (self.kind.as_str(), top) {
            (_, "apiVersion" | "kind") => {
                "apiVersion and kind are strings, e.g. kind: ConfigMap".into()
            }
            ("Secret", "data") if base64 => {
                "Secret data values are base64; put plain text under stringData".into()
            }
            ("ConfigMap", "binaryData") if base64 => "binaryData values are base64".into(),
            ("ConfigMap", "data") | ("Secret", "stringData") if in_map => {
                "values are strings; use a block scalar (key: |) for multi-line text".into()
            }
            ("", _) => "check the field's type".into(),
            _ => {
                let explain: Vec<&str> = node
                    .path
                    .iter()
                    .filter_map(|seg| match seg {
                        Seg::Key(k) => Some(k.as_str()),
                        Seg::Index(_) => None,
                    })
                    .collect();
                format!(
                    "see `kubectl explain {}{}{}`",
                    self.kind.to_ascii_lowercase(),
                    if explain.is_empty() { "" } else { "." },
                    explain.join(".")
                )
            }
        }
    }

    fn check_fields(&self, known: &'static [&'static str]) -> Result<(), LoadError> {
        for node in self.index.top_level_keys() {
            let Some(Seg::Key(field)) = node.path.first() else {
                continue;
            };
            if !known.contains(&field.as_str()) {
                let suggestion = known
                    .iter()
                    .copied()
                    .find(|k| k.eq_ignore_ascii_case(field));
                return Err(self.error_at(
                    Some(node),
                    LoadErrorKind::UnknownField {
                        kind: self.kind.clone(),
                        field: field.clone(),
                        known,
                        suggestion,
                    },
                ));
            }
        }
        Ok(())
    }

    fn name(&self, meta: &ObjectMeta) -> Result<String, LoadError> {
        match meta.name.as_deref() {
            Some(name) if !name.is_empty() => Ok(name.to_string()),
            _ => Err(self.error_at_path(
                &[Seg::Key("metadata".into()), Seg::Key("name".into())],
                LoadErrorKind::MissingName {
                    kind: self.kind.clone(),
                    generate_name: meta.generate_name.as_deref().is_some_and(|g| !g.is_empty()),
                },
            )),
        }
    }

    fn invalid(&self, error: ValidationError) -> LoadError {
        let node = error.first_path().and_then(|path| {
            let segs = to_segs(path);
            // A Secret key may come from stringData rather than data.
            let from_string_data = match segs.as_slice() {
                [Seg::Key(top), rest @ ..] if top == "data" && self.kind == "Secret" => {
                    let mut alt = vec![Seg::Key("stringData".into())];
                    alt.extend_from_slice(rest);
                    self.index.find(&alt)
                }
                _ => None,
            };
            from_string_data.or_else(|| self.index.locate(&segs))
        });
        self.error_at(node, LoadErrorKind::Invalid(error))
    }

    fn workload(
        &self,
        meta: &ObjectMeta,
        template: Option<(ObjectMeta, Option<PodSpec>)>,
    ) -> Result<Workload, LoadError> {
        let name = self.name(meta)?;
        let field = pod_spec_path(&self.kind);
        let field_segs = to_segs(&FieldPath::parse(field));
        let Some((pod_metadata, Some(spec))) = template else {
            return Err(self.error_at_path(
                &field_segs,
                LoadErrorKind::NoPodTemplate {
                    kind: self.kind.clone(),
                    name,
                    field,
                },
            ));
        };
        if spec.containers.is_empty() {
            let mut segs = field_segs;
            segs.push(Seg::Key("containers".into()));
            return Err(self.error_at_path(
                &segs,
                LoadErrorKind::NoContainers {
                    kind: self.kind.clone(),
                    name,
                    field: format!("{field}.containers"),
                },
            ));
        }
        let workload = Workload {
            kind: self.kind.clone(),
            name,
            namespace: meta
                .namespace
                .clone()
                .filter(|ns| !ns.is_empty())
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string()),
            metadata: meta.clone(),
            pod_metadata,
            spec,
            origin: self.origin(),
        };
        validation::validate_workload(&workload).map_err(|e| self.invalid(e))?;
        Ok(workload)
    }
}

fn template_parts(template: Option<PodTemplateSpec>) -> Option<(ObjectMeta, Option<PodSpec>)> {
    template.map(|t| (t.metadata.unwrap_or_default(), t.spec))
}

fn load_document(chunk: &Chunk<'_>, file: &Path) -> Result<Option<Manifest>, LoadError> {
    let Ok(index) = NodeIndex::build(chunk.text) else {
        return Err(syntax_error(chunk, file));
    };
    if index.is_empty_document() {
        return Ok(None);
    }
    let mut doc = Document {
        chunk,
        file,
        index,
        kind: String::new(),
    };
    if let Some(root) = doc.index.root()
        && root.shape != Shape::Mapping
    {
        let found = if root.shape == Shape::Sequence {
            "sequence"
        } else {
            "scalar"
        };
        return Err(doc.error_at(Some(root), LoadErrorKind::NotAnObject { found }));
    }
    let header: Header = doc.deserialize()?;
    let Some(kind) = header.kind.filter(|k| !k.is_empty()) else {
        return Err(doc.error_at(None, LoadErrorKind::MissingField { field: "kind" }));
    };
    let Some(api_version) = header.api_version.filter(|v| !v.is_empty()) else {
        return Err(doc.error_at(
            None,
            LoadErrorKind::MissingField {
                field: "apiVersion",
            },
        ));
    };
    let Some((kind_name, expected)) = SUPPORTED_KINDS.iter().copied().find(|(k, _)| *k == kind)
    else {
        let suggestion = SUPPORTED_KINDS
            .iter()
            .map(|(k, _)| *k)
            .find(|k| k.eq_ignore_ascii_case(&kind));
        return Err(doc.error_at_path(
            &[Seg::Key("kind".into())],
            LoadErrorKind::UnsupportedKind { kind, suggestion },
        ));
    };
    if api_version != expected {
        return Err(doc.error_at_path(
            &[Seg::Key("apiVersion".into())],
            LoadErrorKind::WrongApiVersion {
                kind,
                api_version,
                expected,
            },
        ));
    }
    doc.kind = kind_name.to_string();

    let manifest = match kind_name {
        "ConfigMap" => {
            let cm: ConfigMap = doc.deserialize()?;
            doc.check_fields(CONFIG_MAP_FIELDS)?;
            doc.name(&cm.metadata)?;
            validation::validate_config_map(&cm).map_err(|e| doc.invalid(e))?;
            Manifest::ConfigMap(cm, doc.origin())
        }
        "Secret" => {
            let secret: Secret = doc.deserialize()?;
            doc.check_fields(SECRET_FIELDS)?;
            doc.name(&secret.metadata)?;
            let mut merged = secret.clone();
            validation::merge_string_data(&mut merged);
            validation::validate_secret(&merged).map_err(|e| doc.invalid(e))?;
            Manifest::Secret(secret, doc.origin())
        }
        "Pod" => {
            let pod: Pod = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = Some((pod.metadata.clone(), pod.spec));
            Manifest::Workload(doc.workload(&pod.metadata, template)?)
        }
        "Deployment" => {
            let d: Deployment = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(d.spec.map(|s| s.template));
            Manifest::Workload(doc.workload(&d.metadata, template)?)
        }
        "StatefulSet" => {
            let s: StatefulSet = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(s.spec.map(|s| s.template));
            Manifest::Workload(doc.workload(&s.metadata, template)?)
        }
        "DaemonSet" => {
            let d: DaemonSet = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(d.spec.map(|s| s.template));
            Manifest::Workload(doc.workload(&d.metadata, template)?)
        }
        "ReplicaSet" => {
            let r: ReplicaSet = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(r.spec.and_then(|s| s.template));
            Manifest::Workload(doc.workload(&r.metadata, template)?)
        }
        "Job" => {
            let j: Job = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(j.spec.map(|s| s.template));
            Manifest::Workload(doc.workload(&j.metadata, template)?)
        }
        _ => {
            let c: CronJob = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template =
                template_parts(c.spec.and_then(|s| s.job_template.spec).map(|s| s.template));
            Manifest::Workload(doc.workload(&c.metadata, template)?)
        }
    };
    Ok(Some(manifest))
}

fn syntax_error(chunk: &Chunk<'_>, file: &Path) -> LoadError {
    let error =
        serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(chunk.text, options()).err();
    let (message, location) = match &error {
        Some(err) => (
            sanitize(&serde_saphyr::UserMessageFormatter.format_message(err)),
            err.location().map(|l| (l.line(), l.column())),
        ),
        None => ("invalid YAML".to_string(), None),
    };
    let location = location.map(|(line, column)| chunk.file_location(line, column));
    if let Some(err) = &error
        && is_too_complex(original_error(err))
    {
        return LoadError::new(
            file,
            location,
            LoadErrorKind::InvalidValue {
                message: TOO_COMPLEX.to_string(),
                field: None,
                hint: Some(TOO_COMPLEX_HINT.to_string()),
            },
        );
    }
    LoadError::new(file, location, LoadErrorKind::Syntax { message })
}

// ---------------------------------------------------------------------------------------------
// Deserialization with located errors
// ---------------------------------------------------------------------------------------------

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    // `PORT: 8080` in a string field is an error for the API server (kubectl turns YAML into
    // JSON, where 8080 is a number): demand quotes, as it does.
    options.no_schema = true;
    // kubectl reads YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2), where `defaultMode: 0400` is
    // octal 256: the way every Kubernetes example writes file modes.
    options.legacy_octal_numbers = true;
    // Errors are rendered here, on one line, with file locations.
    options.with_snippet = false;
    options
}

/// A serde-saphyr error with its location in the chunk's own coordinates.
struct DeFailure {
    error: Box<serde_saphyr::Error>,
    location: Option<(u64, u64)>,
}

fn original_error(mut error: &serde_saphyr::Error) -> &serde_saphyr::Error {
    loop {
        match error {
            serde_saphyr::Error::WithSnippet { error: inner, .. }
            | serde_saphyr::Error::AliasError { error: inner, .. } => error = inner,
            other => return other,
        }
    }
}

/// Deserializes `text`. `no_schema` also rejects unquoted numeric or boolean *keys* (such as
/// `9000:` in a `data` map), which Kubernetes accepts as strings: such keys are quoted in a
/// copy of the text, mapping error locations back to the original.
///
/// Every plain key that may read as a number or a boolean is quoted up front, in one pass, so
/// that loading stays linear in the number of keys (quoting a key that is a string anyway
/// changes nothing). Should the deserializer still ask for quotes on a key the up-front test
/// missed, that key is quoted too and deserialization retried.
fn deserialize_document<T: DeserializeOwned>(
    text: &str,
    index: &NodeIndex,
) -> Result<T, DeFailure> {
    let mut quoted: Vec<&Node> = index
        .nodes
        .iter()
        .filter(|n| n.is_key && n.plain && may_read_as_non_string(n) && n.quotable(text))
        .collect();
    loop {
        let source: Cow<'_, str> = if quoted.is_empty() {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(with_quoted_keys(text, &quoted))
        };
        let error = match serde_saphyr::from_str_with_options::<T>(&source, options()) {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let location = error
            .location()
            .map(|l| unshift(l.line(), l.column(), &quoted));
        if matches!(
            original_error(&error),
            serde_saphyr::Error::QuotingRequired { .. }
        ) && let Some(node) =
            location.and_then(|(line, column)| index.exact(line, column).find(|n| n.is_key))
            && node.is_key
            && node.plain
            && node.quotable(text)
            && !quoted.iter().any(|q| std::ptr::eq(*q, node))
        {
            quoted.push(node);
            continue;
        }
        return Err(DeFailure {
            error: Box::new(error),
            location,
        });
    }
}

/// Whether a plain key could be read as a number or a boolean by YAML (1.1 or 1.2): it starts
/// like a number (`8000`, `-1`, `.5`, `0x1F`, `.inf`) or is a boolean word (`yes`, `on`, `y`).
/// Null-like keys (`~`, `null`) are left alone: they are an error of their own.
fn may_read_as_non_string(node: &Node) -> bool {
    const BOOLEANS: [&str; 8] = ["y", "yes", "n", "no", "true", "false", "on", "off"];
    let Some(value) = node.value.as_deref() else {
        return false;
    };
    let starts_like_number = value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'));
    starts_like_number || BOOLEANS.contains(&value.to_ascii_lowercase().as_str())
}

fn with_quoted_keys(text: &str, keys: &[&Node]) -> String {
    let mut spans: Vec<(usize, usize)> = keys.iter().filter_map(|n| n.span).collect();
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len() + 2 * spans.len());
    let mut last = 0;
    for (start, end) in spans {
        out.push_str(&text[last..start]);
        out.push('"');
        out.push_str(&text[start..end]);
        out.push('"');
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Maps a location in the quoted copy back to the original text.
fn unshift(line: u64, column: u64, keys: &[&Node]) -> (u64, u64) {
    let mut on_line: Vec<u64> = keys
        .iter()
        .filter(|k| k.line == line)
        .map(|k| k.column)
        .collect();
    on_line.sort_unstable();
    let mut shift = 0;
    for original_column in on_line {
        if column > original_column + shift {
            shift += 2;
        }
    }
    (line, column.saturating_sub(shift).max(1))
}

const TOO_COMPLEX: &str = "YAML document too large or too complex: more nodes, alias expansions or nesting levels \
     than kubedrill reads";
const TOO_COMPLEX_HINT: &str = "aliases are expanded and nesting is followed in memory: write the values out and flatten \
     the structure";

/// The parser's resource limits (nodes, nesting depth, alias expansion: YAML bombs).
fn is_too_complex(error: &serde_saphyr::Error) -> bool {
    matches!(
        error,
        serde_saphyr::Error::Budget { .. }
            | serde_saphyr::Error::AliasReplayCounterOverflow { .. }
            | serde_saphyr::Error::AliasReplayLimitExceeded { .. }
            | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
    )
}

/// What YAML makes of an unquoted scalar that is not a string (for the error message only).
fn plain_scalar_type(value: &str) -> &'static str {
    const BOOLEANS: [&str; 8] = ["true", "false", "yes", "no", "on", "off", "y", "n"];
    let lower = value.to_ascii_lowercase();
    if BOOLEANS.contains(&lower.as_str()) {
        "boolean"
    } else if ["~", "null"].contains(&lower.as_str()) {
        "null"
    } else if value.chars().any(|c| c.is_ascii_digit())
        || lower.contains("inf")
        || lower.contains("nan")
    {
        "number"
    } else {
        "non-string value"
    }
}

fn sanitize(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The YAML node index: location <-> field path
// ---------------------------------------------------------------------------------------------

/// One step of a YAML path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn to_segs(path: &FieldPath) -> Vec<Seg> {
    path.segments()
        .iter()
        .filter_map(|segment| match segment {
            PathSegment::Field(name) if name.is_empty() => None,
            PathSegment::Field(name) | PathSegment::Key(name) => Some(Seg::Key(name.clone())),
            PathSegment::Index(i) => Some(Seg::Index(*i)),
        })
        .collect()
}

/// `data.LOG_LEVEL`, `spec.containers[0].env[1].value`, `data[tls.crt]`.
fn format_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) => {
                let simple = key
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if simple {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                } else {
                    out.push('[');
                    out.push_str(key);
                    out.push(']');
                }
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Scalar,
    Sequence,
    Mapping,
    Alias,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Scalar => "scalar",
            Shape::Sequence => "sequence",
            Shape::Mapping => "mapping",
            Shape::Alias => "alias",
        }
    }
}

/// One YAML node (a key, a value, a list item) with where it starts.
#[derive(Debug)]
struct Node {
    path: Vec<Seg>,
    /// 1-based line in the chunk.
    line: u64,
    /// 1-based column.
    column: u64,
    shape: Shape,
    /// A mapping key (its path is the path of the value it names).
    is_key: bool,
    /// A plain (unquoted) scalar.
    plain: bool,
    value: Option<String>,
    /// Byte range in the chunk, when known.
    span: Option<(usize, usize)>,
}

impl Node {
    /// Whether the key's source text can be wrapped in double quotes as is.
    fn quotable(&self, text: &str) -> bool {
        self.span.is_some_and(|(start, end)| {
            text.get(start..end).is_some_and(|source| {
                !source.is_empty()
                    && Some(source) == self.value.as_deref()
                    && !source.contains(['"', '\\', '\n'])
            })
        })
    }
}

enum Frame {
    Mapping {
        path: Vec<Seg>,
        key: String,
        expect_key: bool,
    },
    Sequence {
        path: Vec<Seg>,
        next: usize,
    },
}

#[derive(Debug, Default)]
struct NodeIndex {
    nodes: Vec<Node>,
}

impl NodeIndex {
    /// Walks the YAML events of one document; fails on a syntax error.
    fn build(text: &str) -> Result<Self, ()> {
        let mut nodes = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|_| ())?;
            let (shape, value, plain) = match &event {
                Event::Scalar(value, style, ..) => (
                    Shape::Scalar,
                    Some(value.to_string()),
                    *style == ScalarStyle::Plain,
                ),
                Event::SequenceStart(..) => (Shape::Sequence, None, false),
                Event::MappingStart(..) => (Shape::Mapping, None, false),
                Event::Alias(..) => (Shape::Alias, None, false),
                Event::SequenceEnd | Event::MappingEnd => {
                    stack.pop();
                    continue;
                }
                _ => continue,
            };
            let (path, is_key) = match stack.last_mut() {
                None => (Vec::new(), false),
                Some(Frame::Mapping {
                    path,
                    key,
                    expect_key,
                }) => {
                    let mut child = path.clone();
                    if *expect_key {
                        *key = value.clone().unwrap_or_else(|| "?".to_string());
                        *expect_key = false;
                        child.push(Seg::Key(key.clone()));
                        (child, true)
                    } else {
                        *expect_key = true;
                        child.push(Seg::Key(key.clone()));
                        (child, false)
                    }
                }
                Some(Frame::Sequence { path, next }) => {
                    let mut child = path.clone();
                    child.push(Seg::Index(*next));
                    *next += 1;
                    (child, false)
                }
            };
            match shape {
                Shape::Sequence => stack.push(Frame::Sequence {
                    path: path.clone(),
                    next: 0,
                }),
                Shape::Mapping => stack.push(Frame::Mapping {
                    path: path.clone(),
                    key: String::new(),
                    expect_key: true,
                }),
                Shape::Scalar | Shape::Alias => {}
            }
            let span_bytes = span
                .start
                .byte_offset()
                .zip(span.end.byte_offset())
                .filter(|(start, end)| start <= end && *end <= text.len());
            nodes.push(Node {
                path,
                line: span.start.line() as u64,
                column: span.start.col() as u64 + 1,
                shape,
                is_key,
                plain,
                value,
                span: span_bytes,
            });
        }
        Ok(Self { nodes })
    }

    fn root(&self) -> Option<&Node> {
        self.nodes.first()
    }

    /// No content at all, or an empty/null scalar (a lone `---`).
    fn is_empty_document(&self) -> bool {
        match self.nodes.as_slice() {
            [] => true,
            [only] => {
                only.shape == Shape::Scalar
                    && only.plain
                    && matches!(
                        only.value.as_deref(),
                        Some("" | "~" | "null" | "Null" | "NULL")
                    )
            }
            _ => false,
        }
    }

    /// The nodes starting exactly at a location, outermost first (a block mapping starts where
    /// its first key does).
    fn exact(&self, line: u64, column: u64) -> impl Iterator<Item = &Node> {
        self.nodes
            .iter()
            .filter(move |n| n.line == line && n.column == column)
    }

    /// The node at a location: the outermost (or, with `innermost`, the innermost) one starting
    /// there, else the last one starting before.
    fn at(&self, line: u64, column: u64, innermost: bool) -> Option<&Node> {
        let here = if innermost {
            self.exact(line, column).last()
        } else {
            self.exact(line, column).next()
        };
        here.or_else(|| {
            self.nodes
                .iter()
                .rev()
                .find(|n| (n.line, n.column) <= (line, column))
        })
    }

    /// The value node at exactly this path.
    fn find(&self, path: &[Seg]) -> Option<&Node> {
        self.nodes
            .iter()
            .find(|n| !n.is_key && n.path == path)
            .or_else(|| self.nodes.iter().find(|n| n.path == path))
    }

    /// The node at this path, or else the key naming its nearest existing ancestor (a
    /// missing field is best shown at its parent's key).
    fn locate(&self, path: &[Seg]) -> Option<&Node> {
        if path.is_empty() {
            return self.root();
        }
        if let Some(node) = self.find(path) {
            return Some(node);
        }
        (1..path.len())
            .rev()
            .find_map(|len| {
                let prefix = &path[..len];
                self.nodes
                    .iter()
                    .find(|n| n.is_key && n.path == prefix)
                    .or_else(|| self.find(prefix))
            })
            .or_else(|| self.root())
    }

    fn top_level_keys(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.is_key && n.path.len() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Manifest>, LoadError> {
        load_str(text, Path::new("manifests/test.yaml"))
    }

    fn load_err(text: &str) -> LoadError {
        match load(text) {
            Ok(m) => panic!("expected an error, loaded {} documents", m.len()),
            Err(e) => e,
        }
    }

    const CM: &str =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: INFO\n";

    #[test]
    fn loads_a_config_map_with_origin() {
        let manifests = load(CM).unwrap_or_default();
        assert_eq!(manifests.len(), 1);
        let Some(Manifest::ConfigMap(cm, origin)) = manifests.first() else {
            panic!("not a ConfigMap: {manifests:?}");
        };
        assert_eq!(
            cm.data
                .as_ref()
                .and_then(|d| d.get("LOG_LEVEL"))
                .map(String::as_str),
            Some("INFO")
        );
        assert_eq!(origin.line, 1);
        assert_eq!(origin.file, Path::new("manifests/test.yaml"));
        assert_eq!(manifests[0].namespace(), "default");
        assert_eq!(manifests[0].name(), "app");
    }

    #[test]
    fn multi_document_origins_and_empty_documents() {
        let text = format!(
            "# leading comment\n---\n{CM}---\n# only a comment\n---\n\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\nstringData:\n  password: s3cret\n...\n"
        );
        let manifests = load(&text).unwrap_or_default();
        assert_eq!(manifests.len(), 2, "{manifests:?}");
        assert_eq!(manifests[0].origin().line, 3);
        assert_eq!(manifests[1].origin().line, 14);
        assert_eq!(manifests[1].namespace(), "prod");
    }

    #[test]
    fn error_in_second_document_reports_the_file_line() {
        let text = format!(
            "{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\ndata:\n  LOG_LEVEL:\n    - a\n"
        );
        let err = load_err(&text);
        // Line 7 holds `---`, so `- a` is on line 14.
        assert_eq!((err.line(), err.column()), (Some(14), Some(5)), "{err}");
        let text = err.to_string();
        assert!(
            text.starts_with("manifests/test.yaml:14:5: invalid type: sequence, expected a string at field data.LOG_LEVEL (hint: "),
            "{text}"
        );
    }

    #[test]
    fn syntax_error_is_located_in_the_file() {
        let text = format!(
            "{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n data:\n  x: y\n"
        );
        let err = load_err(&text);
        assert_eq!(err.line(), Some(12), "{err}");
        assert!(matches!(err.kind(), LoadErrorKind::Syntax { .. }), "{err}");
        assert!(
            err.to_string().contains("(hint: check the indentation"),
            "{err}"
        );
    }

    #[test]
    fn unquoted_number_in_data_is_rejected_with_field() {
        let err = load_err(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  PORT: 8080\n",
        );
        assert_eq!(
            err.to_string(),
            "manifests/test.yaml:6:9: expected a string, found an unquoted number at field data.PORT (hint: quote the value: the API server accepts only strings here, and YAML reads unquoted 8080, 1.5, true, yes or on as numbers and booleans)"
        );
        let err = load_err(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  DEBUG: yes\n",
        );
        assert!(
            err.to_string()
                .contains("unquoted boolean at field data.DEBUG"),
            "{err}"
        );
    }

    #[test]
    fn numeric_keys_are_strings() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tcp-services\ndata: {9000: \"default/app:8080\", 9001: x, 9002: 12}\n";
        let err = load_err(text);
        // The keys are fine; the unquoted 12 is not, and its column is the original one.
        assert_eq!((err.line(), err.column()), (Some(5), Some(49)), "{err}");
        assert!(err.to_string().contains("at field data[9002]"), "{err}");
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tcp-services\ndata:\n  9000: \"default/app:8080\"\n  9001: x\n";
        let manifests = load(text).unwrap_or_default();
        let Some(Manifest::ConfigMap(cm, _)) = manifests.first() else {
            panic!("{manifests:?}");
        };
        let keys: Vec<&str> = cm.data.iter().flatten().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["9000", "9001"]);
    }

    #[test]
    fn unknown_kind_is_reported() {
        let err = load_err("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n");
        assert_eq!(
            err.to_string(),
            "manifests/test.yaml:2:7: unsupported kind \"Service\" (hint: kubedrill reads ConfigMap, Secret, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)"
        );
        let err = load_err("apiVersion: v1\nkind: configmap\nmetadata:\n  name: web\n");
        assert!(err.to_string().contains("did you mean ConfigMap?"), "{err}");
    }

    #[test]
    fn missing_kind_and_api_version_are_reported() {
        let err = load_err("---\napiVersion: v1\nmetadata:\n  name: web\n");
        assert_eq!(
            err.to_string(),
            "manifests/test.yaml:2:1: missing kind (hint: every document needs apiVersion and kind)"
        );
        let err = load_err("kind: ConfigMap\nmetadata:\n  name: web\n");
        assert!(err.to_string().contains("missing apiVersion"), "{err}");
        let err = load_err("- a\n- b\n");
        assert!(
            matches!(err.kind(), LoadErrorKind::NotAnObject { found: "sequence" }),
            "{err}"
        );
    }

    #[test]
    fn wrong_api_version_is_reported() {
        let err =
            load_err("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\n");
        assert_eq!(
            err.to_string(),
            "manifests/test.yaml:1:13: apiVersion \"extensions/v1beta1\" does not serve kind Deployment (hint: use apiVersion: apps/v1)"
        );
    }

    #[test]
    fn missing_name_is_reported() {
        let err = load_err("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: app-\n");
        assert_eq!(err.line(), Some(3));
        assert!(err.to_string().contains("ConfigMap has no metadata.name (hint: kubedrill needs a fixed metadata.name; generateName is not supported)"), "{err}");
        let err = load_err("apiVersion: v1\nkind: Secret\ndata: {}\n");
        assert!(
            err.to_string().contains("Secret has no metadata.name"),
            "{err}"
        );
    }

    #[test]
    fn unknown_top_level_field_is_reported() {
        let err = load_err("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndat:\n  a: b\n");
        assert_eq!(
            err.to_string(),
            "manifests/test.yaml:5:1: unknown field \"dat\" in ConfigMap (hint: ConfigMap fields are apiVersion, kind, metadata, data, binaryData, immutable)"
        );
        let err =
            load_err("apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringdata:\n  a: b\n");
        assert!(
            err.to_string().contains("did you mean stringData?"),
            "{err}"
        );
    }

    const POD_SPEC: &str = "containers:\n- name: app\n  image: busybox\n  volumeMounts:\n  - name: config\n    mountPath: /etc/config\nvolumes:\n- name: config\n  configMap:\n    name: app\n";

    fn indent(text: &str, by: usize) -> String {
        text.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(by)))
            .collect()
    }

    fn workload_of(text: &str) -> Workload {
        let manifests = match load(text) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        match manifests.into_iter().next() {
            Some(Manifest::Workload(w)) => w,
            other => panic!("not a workload: {other:?}"),
        }
    }

    #[test]
    fn each_workload_kind_extracts_its_pod_template() {
        let template = format!(
            "  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n{}",
            indent(POD_SPEC, 6)
        );
        let cases = [
            (
                "apps/v1",
                "Deployment",
                format!("spec:\n  selector: {{matchLabels: {{app: web}}}}\n{template}"),
            ),
            (
                "apps/v1",
                "StatefulSet",
                format!(
                    "spec:\n  serviceName: web\n  selector: {{matchLabels: {{app: web}}}}\n{template}"
                ),
            ),
            (
                "apps/v1",
                "DaemonSet",
                format!("spec:\n  selector: {{matchLabels: {{app: web}}}}\n{template}"),
            ),
            (
                "apps/v1",
                "ReplicaSet",
                format!("spec:\n  selector: {{matchLabels: {{app: web}}}}\n{template}"),
            ),
            ("batch/v1", "Job", format!("spec:\n{template}")),
            (
                "batch/v1",
                "CronJob",
                format!(
                    "spec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n{}",
                    indent(&template, 4)
                ),
            ),
        ];
        for (api_version, kind, spec) in cases {
            let text = format!(
                "apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: web\n  namespace: shop\n{spec}"
            );
            let w = workload_of(&text);
            assert_eq!(w.kind, kind);
            assert_eq!(w.name, "web");
            assert_eq!(w.namespace, "shop");
            assert_eq!(w.spec.containers[0].name, "app", "{kind}");
            assert_eq!(
                w.pod_metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("app"))
                    .map(String::as_str),
                Some("web"),
                "{kind}"
            );
        }
        let pod = workload_of(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\n  labels: {{app: solo}}\nspec:\n{}",
            indent(POD_SPEC, 2)
        ));
        assert_eq!(pod.kind, "Pod");
        assert_eq!(pod.namespace, "default");
        assert_eq!(pod.pod_metadata.name.as_deref(), Some("solo"));
        assert_eq!(pod.pod_spec_path(), "spec");
    }

    #[test]
    fn workload_without_template_or_containers_is_reported() {
        let err = load_err(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n",
        );
        assert!(
            err.to_string()
                .contains("Deployment \"web\" has no pod template at spec.template.spec"),
            "{err}"
        );
        assert_eq!(err.line(), Some(5));
        let err =
            load_err("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n");
        assert!(
            err.to_string()
                .contains("Pod \"p\" has no containers at spec.containers"),
            "{err}"
        );
        assert_eq!((err.line(), err.column()), (Some(6), Some(15)), "{err}");
    }

    #[test]
    fn api_8_6_invalid_item_path_in_workload_is_located() {
        let spec = POD_SPEC.replace(
            "    name: app\n",
            "    name: app\n    items:\n    - key: a\n      path: ../escape\n",
        );
        let err = load_err(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{}",
            indent(&spec, 2)
        ));
        // As upstream: a volume with errors is not registered, so its mount is `Not found` too.
        assert_eq!(
            err.to_string(),
            "manifests/test.yaml:18:15: Pod \"p\" is invalid: [spec.volumes[0].configMap.items[0].path: Invalid value: \"../escape\": must not contain '..', spec.containers[0].volumeMounts[0].name: Not found: \"config\"]"
        );
        assert!(err.validation().is_some());
    }

    #[test]
    fn api_8_1_invalid_key_is_located_at_the_key() {
        let err = load_err(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  ok: x\n  \"a b\": z\n",
        );
        assert_eq!((err.line(), err.column()), (Some(7), Some(10)), "{err}");
        assert!(
            err.to_string()
                .contains("ConfigMap \"app\" is invalid: data[a b]: Invalid value: \"a b\""),
            "{err}"
        );
    }

    #[test]
    fn secret_value_never_appears_in_errors() {
        // Invalid base64 in data.
        let err = load_err(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: hunter2 hunter2\n",
        );
        let text = err.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("at field data.password"), "{text}");
        assert!(text.contains("Secret data values are base64"), "{text}");
        // Unquoted number in stringData.
        let err = load_err(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  pin: 987654\n",
        );
        assert!(!err.to_string().contains("987654"), "{err}");
        // Invalid docker config JSON.
        let err = load_err(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{\"auths\": hunter2'\n",
        );
        let text = err.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            text.contains("data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\""),
            "{text}"
        );
        assert_eq!(err.line(), Some(7), "{text}");
    }

    #[test]
    fn secret_types_are_validated_at_load() {
        let err = load_err(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: abc\n",
        );
        assert!(
            err.to_string()
                .ends_with("Secret \"tls\" is invalid: data[tls.key]: Required value"),
            "{err}"
        );
    }

    #[test]
    fn unreadable_file_names_the_file() {
        let err = match load_files(&[PathBuf::from("/nonexistent/kubedrill/cm.yaml")]) {
            Ok(_) => panic!("loaded a missing file"),
            Err(e) => e,
        };
        assert!(
            err.to_string()
                .starts_with("/nonexistent/kubedrill/cm.yaml: cannot read the file: "),
            "{err}"
        );
        assert_eq!(err.line(), None);
    }

    #[test]
    fn load_files_collects_every_kind() {
        let dir = std::env::temp_dir().join(format!("kubedrill-manifest-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let a = dir.join("a.yaml");
        let b = dir.join("b.yaml");
        let written = std::fs::write(&a, CM).and_then(|()| {
            std::fs::write(
                &b,
                format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{}", indent(POD_SPEC, 2)),
            )
        });
        assert!(written.is_ok());
        let set = match load_files(&[a, b.clone()]) {
            Ok(set) => set,
            Err(e) => panic!("{e}"),
        };
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            (
                set.config_maps.len(),
                set.secrets.len(),
                set.workloads.len()
            ),
            (1, 1, 1)
        );
        assert_eq!(set.workloads[0].origin, Origin { file: b, line: 6 });
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let text = format!("\u{feff}{}", CM.replace('\n', "\r\n"));
        assert_eq!(load(&text).map(|m| m.len()).unwrap_or(0), 1);
    }

    #[test]
    fn value_errors_have_field_and_hint() {
        let cases = [
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  LOG_LEVEL:\n    a: b\n",
                "x.yaml:7:5: invalid type: mapping, expected a string at field data.LOG_LEVEL (hint: values are strings; use a block scalar (key: |) for multi-line text)",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: b\n  a: c\n",
                "x.yaml:7:3: duplicate mapping key `a` is not allowed here at field data.a (hint: each key may appear only once in a mapping)",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nbinaryData:\n  k: not-base64!!\n",
                "x.yaml:6:6: invalid base64: Invalid symbol 45, offset 3 at field binaryData.k (hint: binaryData values are base64)",
            ),
            (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: many\n",
                "x.yaml:6:13: invalid i32 at field spec.replicas (hint: see `kubectl explain deployment.spec.replicas`)",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: ~\n",
                "x.yaml:6:6: expected a string, found null at field data.k (hint: quote the value (\"\" for empty) or remove the key)",
            ),
        ];
        for (text, expected) in cases {
            match load_str(text, Path::new("x.yaml")) {
                Ok(m) => panic!("loaded {m:?}"),
                Err(e) => assert_eq!(e.to_string(), expected),
            }
        }
        // Quantities and int-or-strings accept numbers, as the API server does.
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    resources: {limits: {cpu: 1, memory: 1Gi}}\n    ports: [{containerPort: 80}]\n    livenessProbe: {httpGet: {port: 8080}}\n";
        assert!(load(text).is_ok());
    }

    #[test]
    fn split_handles_markers() {
        let chunks = split_documents("a: 1\n---\nb: 2\n...\n---\nc: 3\n--- {d: 4}\n----\n");
        let firsts: Vec<u64> = chunks.iter().map(|c| c.first_line).collect();
        assert_eq!(firsts, [1, 2, 5, 7]);
        assert_eq!(chunks[3].text, "--- {d: 4}\n----\n");
    }
}

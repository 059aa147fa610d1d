//! Load errors: what is wrong with a manifest, located at `file:line:column`, with a field path
//! and a hint where they can be known.
//!
//! Owns the error types and their wording (every message is pinned by tests). It does not decide
//! what is an error: the document readers do.

use super::*;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A manifest that cannot be read: `file:line:column: message (hint: …)`.
#[derive(Debug)]
pub struct LoadError {
    pub(super) file: PathBuf,
    pub(super) line: Option<u64>,
    pub(super) column: Option<u64>,
    pub(super) kind: Box<LoadErrorKind>,
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

pub(super) fn invalid_value_text(message: &str, field: Option<&str>, hint: Option<&str>) -> String {
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

pub(super) fn kind_hint(suggestion: Option<&str>) -> String {
    let kinds: Vec<&str> = SUPPORTED_KINDS.iter().map(|(kind, _)| *kind).collect();
    match suggestion {
        Some(kind) => format!("kinds are case-sensitive: did you mean {kind}?"),
        None => format!("kubedrill reads {}", kinds.join(", ")),
    }
}

pub(super) fn unknown_field_hint(kind: &str, suggestion: Option<&str>, known: &[&str]) -> String {
    match suggestion {
        Some(field) => format!("field names are case-sensitive: did you mean {field}?"),
        None => format!("{kind} fields are {}", known.join(", ")),
    }
}

impl LoadError {
    pub(super) fn new(file: &Path, location: Option<(u64, u64)>, kind: LoadErrorKind) -> Self {
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

//! Field errors and the API server's `<Kind> "name" is invalid: [...]` sentence.
//!
//! Owns the wording of every error kind (`Invalid value`, `Required value`, `Not found`, ...) and the
//! redaction of Secret values. It does not decide what is invalid.

use super::*;

/// The offending value of an [`FieldErrorKind::Invalid`] error, as the API server echoes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadValue {
    /// A string, printed quoted (`"a b"`).
    String(String),
    /// A number, printed as is (`512`).
    Int(i64),
    /// A Secret value, printed as `"<secret contents redacted>"`.
    Redacted,
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::String(s) => f.write_str(&go_quote(s)),
            BadValue::Int(n) => write!(f, "{n}"),
            BadValue::Redacted => f.write_str(&go_quote(REDACTED)),
        }
    }
}

/// What is wrong with a field (apimachinery's `field.ErrorType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// `Required value`, with an optional detail.
    Required {
        /// Extra explanation; empty for none.
        detail: String,
    },
    /// `Invalid value: <value>: <detail>`.
    Invalid {
        /// The rejected value.
        value: BadValue,
        /// Why it is rejected.
        detail: String,
    },
    /// `Forbidden: <detail>`.
    Forbidden {
        /// Why it is forbidden.
        detail: String,
    },
    /// `Too long: must have at most <max> bytes`.
    TooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// `Duplicate value: <value>`.
    Duplicate {
        /// The repeated value.
        value: BadValue,
    },
    /// `Not found: <value>`.
    NotFound {
        /// The value that refers to nothing.
        value: BadValue,
    },
    /// `Unsupported value: <value>: supported values: "a", "b"`.
    NotSupported {
        /// The value given.
        value: BadValue,
        /// The values accepted, in the order upstream lists them (sorted).
        supported: Vec<String>,
    },
}

/// One rejected field: where, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field, e.g. `data[tls.key]`.
    pub path: FieldPath,
    /// What is wrong with it.
    pub kind: FieldErrorKind,
    /// Where the field is when that differs from `path`: upstream prints a few paths without
    /// the list index (`spec.containers[0].volumeMounts.subPath`); the message keeps its
    /// wording and the location still points at the right entry.
    pub at: Option<FieldPath>,
}

impl FieldError {
    /// `Required value` (with an optional detail, empty for none).
    pub fn required(path: FieldPath, detail: &str) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Required {
                detail: detail.to_string(),
            },
            at: None,
        }
    }

    /// `Invalid value: <value>: <detail>`.
    pub fn invalid(path: FieldPath, value: BadValue, detail: &str) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Invalid {
                value,
                detail: detail.to_string(),
            },
            at: None,
        }
    }

    /// `Forbidden: <detail>`.
    pub fn forbidden(path: FieldPath, detail: &str) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Forbidden {
                detail: detail.to_string(),
            },
            at: None,
        }
    }

    /// `Too long: must have at most <max> bytes`.
    pub fn too_long(path: FieldPath, max: usize) -> Self {
        Self {
            path,
            kind: FieldErrorKind::TooLong { max },
            at: None,
        }
    }

    /// `Duplicate value: <value>`.
    pub fn duplicate(path: FieldPath, value: BadValue) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Duplicate { value },
            at: None,
        }
    }

    /// `Not found: <value>`.
    pub fn not_found(path: FieldPath, value: BadValue) -> Self {
        Self {
            path,
            kind: FieldErrorKind::NotFound { value },
            at: None,
        }
    }

    /// `Unsupported value: <value>: supported values: …`.
    pub fn not_supported(path: FieldPath, value: BadValue, supported: &[&str]) -> Self {
        Self {
            path,
            kind: FieldErrorKind::NotSupported {
                value,
                supported: supported.iter().map(|s| s.to_string()).collect(),
            },
            at: None,
        }
    }

    /// The same error, located at `at` (see [`FieldError::at`]).
    #[must_use]
    pub fn located_at(mut self, at: FieldPath) -> Self {
        self.at = Some(at);
        self
    }

    /// The path of the field in the manifest: [`FieldError::at`] when set, else the path.
    pub fn location_path(&self) -> &FieldPath {
        self.at.as_ref().unwrap_or(&self.path)
    }

    /// The field path as printed, e.g. `data[tls.key]`.
    pub fn field(&self) -> String {
        self.path.to_string()
    }

    /// The sentence after the field path, e.g. `Required value`.
    pub fn body(&self) -> String {
        match &self.kind {
            FieldErrorKind::Required { detail } if detail.is_empty() => "Required value".into(),
            FieldErrorKind::Required { detail } => format!("Required value: {detail}"),
            FieldErrorKind::Invalid { value, detail } if detail.is_empty() => {
                format!("Invalid value: {value}")
            }
            FieldErrorKind::Invalid { value, detail } => {
                format!("Invalid value: {value}: {detail}")
            }
            FieldErrorKind::Forbidden { detail } => format!("Forbidden: {detail}"),
            FieldErrorKind::TooLong { max } => format!("Too long: must have at most {max} bytes"),
            FieldErrorKind::Duplicate { value } => format!("Duplicate value: {value}"),
            FieldErrorKind::NotFound { value } => format!("Not found: {value}"),
            FieldErrorKind::NotSupported { value, supported } => {
                let quoted: Vec<String> = supported.iter().map(|v| go_quote(v)).collect();
                format!(
                    "Unsupported value: {value}: supported values: {}",
                    quoted.join(", ")
                )
            }
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.body())
    }
}

/// An object the API server would reject: `<Kind> "<name>" is invalid: <field errors>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The qualified kind as the API server names it: `ConfigMap`, `Secret`, `Pod`,
    /// `Deployment.apps`, `Job.batch`, ...
    pub kind: String,
    /// The object's name (may be empty when the name itself is missing).
    pub name: String,
    /// Every rejected field, in the order the API server checks them; never empty.
    pub errors: Vec<FieldError>,
}

impl ValidationError {
    pub(super) fn new(kind: &str, name: &str, errors: Vec<FieldError>) -> Self {
        Self {
            kind: kind.to_string(),
            name: name.to_string(),
            errors,
        }
    }

    /// The path of the first rejected field, e.g. `data[a b]`.
    pub fn field(&self) -> String {
        self.errors
            .first()
            .map(FieldError::field)
            .unwrap_or_default()
    }

    /// Where the first rejected field is, structured (for pointing into a manifest).
    pub fn first_path(&self) -> Option<&FieldPath> {
        self.errors.first().map(FieldError::location_path)
    }

    /// The message after `is invalid: `, as the API server aggregates it: a single error as is,
    /// several as `[first, second]` (duplicates dropped).
    pub fn message(&self) -> String {
        let mut seen = BTreeSet::new();
        let messages: Vec<String> = self
            .errors
            .iter()
            .map(ToString::to_string)
            .filter(|m| seen.insert(m.clone()))
            .collect();
        match messages.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.errors.is_empty() {
            write!(f, "{} {} is invalid", self.kind, go_quote(&self.name))
        } else {
            write!(
                f,
                "{} {} is invalid: {}",
                self.kind,
                go_quote(&self.name),
                self.message()
            )
        }
    }
}

impl std::error::Error for ValidationError {}

pub(crate) fn into_result(
    kind: &str,
    name: &str,
    errors: Vec<FieldError>,
) -> Result<(), ValidationError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationError::new(kind, name, errors))
    }
}

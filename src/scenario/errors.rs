//! The one error type of scenario loading: a file, a line and column, what is wrong and how to
//! fix it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::api::manifest::LoadError;

/// A scenario that cannot be loaded, displayed as
/// `scenarios/x.yaml:12:7: unknown field `equal` in assert (hint: did you mean `equals`?)`.
///
/// The location is where the problem is: in the scenario file, or in a manifest it references
/// (then [`ScenarioError::referenced_at`] says where the scenario names that manifest).
#[derive(Debug)]
pub struct ScenarioError(Box<Inner>);

/// Boxed: errors travel through every `?` of the decoder and should stay one pointer wide.
#[derive(Debug)]
struct Inner {
    file: PathBuf,
    line: Option<u64>,
    column: Option<u64>,
    message: String,
    hint: Option<String>,
    referenced_at: Option<(PathBuf, u64, u64)>,
    kind: ScenarioErrorKind,
}

/// What category of problem a [`ScenarioError`] is.
#[derive(Debug)]
#[non_exhaustive]
pub enum ScenarioErrorKind {
    /// A file (the scenario, a manifest it references, a directory to discover) cannot be read.
    Io(std::io::Error),
    /// The text is not YAML.
    Syntax,
    /// A field the format does not have (a typo, or a field in the wrong place).
    UnknownField {
        /// The field as written.
        field: String,
        /// The closest valid field name, if one is close.
        suggestion: Option<String>,
    },
    /// A required field is missing.
    MissingField {
        /// The missing field.
        field: String,
    },
    /// A value has the wrong type or form (duration, regex, mode, signal, ...).
    InvalidValue,
    /// The shape is wrong: a step with zero or two operations, an assert with zero or two
    /// observations, fields that conflict.
    Structure,
    /// A name that refers to nothing: a container, a step, an object.
    Reference,
    /// A manifest (an object or the workload) cannot be loaded.
    Manifest(LoadError),
}

impl ScenarioError {
    pub(crate) fn new(
        file: &Path,
        location: Option<(u64, u64)>,
        kind: ScenarioErrorKind,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        Self(Box::new(Inner {
            file: file.to_path_buf(),
            line: location.map(|(line, _)| line),
            column: location.map(|(_, column)| column),
            message: message.into(),
            hint,
            referenced_at: None,
            kind,
        }))
    }

    /// A manifest that failed to load, referenced from the scenario at `reference`.
    pub(crate) fn manifest(error: LoadError, reference: (&Path, u64, u64)) -> Self {
        let (file, line, column) = reference;
        let same_file = error.file() == file;
        // Validation messages come from the API server's rules and carry no hint of their own.
        let hint = error.validation().map(|_| {
            "kubedrill rejects what the API server would reject; fix the object".to_string()
        });
        Self(Box::new(Inner {
            file: error.file().to_path_buf(),
            line: error.line(),
            column: error.column(),
            // The manifest loader's other messages carry their own hints.
            message: error.kind().to_string(),
            hint,
            referenced_at: (!same_file).then(|| (file.to_path_buf(), line, column)),
            kind: ScenarioErrorKind::Manifest(error),
        }))
    }

    /// The file the problem is in.
    pub fn file(&self) -> &Path {
        &self.0.file
    }

    /// The line (1-based), when known.
    pub fn line(&self) -> Option<u64> {
        self.0.line
    }

    /// The column (1-based), when known.
    pub fn column(&self) -> Option<u64> {
        self.0.column
    }

    /// What is wrong, without location and hint.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// How to fix it, when there is advice.
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }

    /// For a problem inside a referenced manifest: where the scenario file references it
    /// (file, line, column).
    pub fn referenced_at(&self) -> Option<(&Path, u64, u64)> {
        self.0
            .referenced_at
            .as_ref()
            .map(|(file, line, column)| (file.as_path(), *line, *column))
    }

    /// The category of the problem.
    pub fn kind(&self) -> &ScenarioErrorKind {
        &self.0.kind
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.file.display())?;
        if let Some(line) = self.0.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.0.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.0.message)?;
        if let Some(hint) = &self.0.hint {
            write!(f, " (hint: {hint})")?;
        }
        if let Some((file, line, column)) = &self.0.referenced_at {
            write!(f, " (referenced at {}:{line}:{column})", file.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ScenarioErrorKind::Io(error) => Some(error),
            ScenarioErrorKind::Manifest(error) => Some(error),
            _ => None,
        }
    }
}

/// For miette reports: the hint as help text and a code per category. (The error carries no
/// source text; a reporter that wants a snippet reads [`ScenarioError::file`] at
/// [`ScenarioError::line`].)
impl miette::Diagnostic for ScenarioError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = match &self.0.kind {
            ScenarioErrorKind::Io(_) => "kubedrill::scenario::io",
            ScenarioErrorKind::Syntax => "kubedrill::scenario::syntax",
            ScenarioErrorKind::UnknownField { .. } => "kubedrill::scenario::unknown_field",
            ScenarioErrorKind::MissingField { .. } => "kubedrill::scenario::missing_field",
            ScenarioErrorKind::InvalidValue => "kubedrill::scenario::invalid_value",
            ScenarioErrorKind::Structure => "kubedrill::scenario::structure",
            ScenarioErrorKind::Reference => "kubedrill::scenario::reference",
            ScenarioErrorKind::Manifest(_) => "kubedrill::scenario::manifest",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .hint
            .as_deref()
            .map(|hint| Box::new(hint) as Box<dyn fmt::Display + 'a>)
    }
}

/// The closest of `candidates` (the expected-field list, the names in scope) to `word`: a
/// case-insensitive match, else the one with the smallest optimal-string-alignment distance
/// (strsim: Levenshtein plus adjacent transpositions) if that is small for the word's length.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(same) = candidates.iter().find(|c| c.eq_ignore_ascii_case(word)) {
        return Some(same);
    }
    let lower = word.to_ascii_lowercase();
    let limit = match word.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let fields = ["equals", "notEquals", "contains", "within", "throughout"];
        assert_eq!(closest("equal", &fields), Some("equals"));
        assert_eq!(closest("not_equals", &fields), Some("notEquals"));
        assert_eq!(closest("NOTEQUALS", &fields), Some("notEquals"));
        assert_eq!(closest("contians", &fields), Some("contains"));
        assert_eq!(closest("whitin", &fields), Some("within"));
        assert_eq!(closest("banana", &fields), None);
    }

    #[test]
    fn display_has_location_and_hint() {
        let error = ScenarioError::new(
            Path::new("scenarios/x.yaml"),
            Some((12, 7)),
            ScenarioErrorKind::UnknownField {
                field: "equal".into(),
                suggestion: Some("equals".into()),
            },
            "unknown field `equal` in assert",
            Some("did you mean `equals`?".into()),
        );
        assert_eq!(
            error.to_string(),
            "scenarios/x.yaml:12:7: unknown field `equal` in assert (hint: did you mean `equals`?)"
        );
        let diagnostic: &dyn miette::Diagnostic = &error;
        assert_eq!(
            diagnostic.help().map(|h| h.to_string()).as_deref(),
            Some("did you mean `equals`?")
        );
        assert_eq!(
            diagnostic.code().map(|c| c.to_string()).as_deref(),
            Some("kubedrill::scenario::unknown_field")
        );
    }
}

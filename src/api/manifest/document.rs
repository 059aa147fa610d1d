//! One document being read: turning a problem found in it (a deserializer failure, an API
//! validation error, a missing field) into a located [`LoadError`] with field path and hint.
//!
//! Owns the wording of value errors and their hints. It does not decide what the kind of a
//! document is or which fields it must have (see `kinds`).

use super::*;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Header {
    pub(super) api_version: Option<String>,
    pub(super) kind: Option<String>,
}

pub(super) const CONFIG_MAP_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "data",
    "binaryData",
    "immutable",
];
pub(super) const SECRET_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "data",
    "stringData",
    "type",
    "immutable",
];
pub(super) const WORKLOAD_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];

/// Everything needed to turn problems in one document into located errors.
pub(super) struct Document<'a> {
    pub(super) chunk: &'a Chunk<'a>,
    pub(super) file: &'a Path,
    pub(super) index: NodeIndex,
    pub(super) kind: String,
}

impl Document<'_> {
    pub(super) fn error_at(&self, node: Option<&Node>, kind: LoadErrorKind) -> LoadError {
        let location = node
            .or_else(|| self.index.root())
            .map(|n| self.chunk.file_location(n.line, n.column));
        LoadError::new(self.file, location, kind)
    }

    pub(super) fn error_at_path(&self, path: &[Seg], kind: LoadErrorKind) -> LoadError {
        self.error_at(self.index.locate(path), kind)
    }

    pub(super) fn origin(&self) -> Origin {
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

    pub(super) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, LoadError> {
        deserialize_document(self.chunk.text, &self.index)
            .map_err(|failure| self.value_error(&failure))
    }

    /// Turns a serde-saphyr failure into a located error with field path and hint.
    pub(super) fn value_error(&self, failure: &DeFailure) -> LoadError {
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
                    message = format!(
                        "invalid base64: {}",
                        reason.to_string().trim_end_matches('.')
                    );
                }
                if secret_value
                    && let Some(value) = node
                        .and_then(|n| n.value.as_deref())
                        .filter(|v| !v.is_empty())
                {
                    message = message.replace(value, "<secret contents redacted>");
                }
                let cause = if matches!(other, serde_saphyr::Error::DuplicateMappingKey { .. }) {
                    Cause::DuplicateKey
                } else if base64.is_some() {
                    Cause::Base64
                } else {
                    Cause::Other
                };
                let hint = node.map(|n| self.hint_for(n, cause));
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
    pub(super) fn base64_error(&self, node: &Node) -> Option<base64::DecodeError> {
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
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, value).err()
    }

    pub(super) fn hint_for(&self, node: &Node, cause: Cause) -> String {
        let base64 = cause == Cause::Base64;
        let top = match node.path.first() {
            Some(Seg::Key(k)) => k.as_str(),
            _ => "",
        };
        let in_map = node.path.len() >= 2;
        if cause == Cause::DuplicateKey {
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

    pub(super) fn invalid(&self, error: ValidationError) -> LoadError {
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
}

/// What a value error is, decided by the error's type (serde-saphyr's variant, the base64
/// decoder's error), never by its wording: it picks the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cause {
    /// A key given twice in one mapping.
    DuplicateKey,
    /// A Secret `data` or ConfigMap `binaryData` value that is not base64.
    Base64,
    /// Anything else.
    Other,
}

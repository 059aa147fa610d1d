//! Strict, located reading of YAML nodes: the building blocks the scenario loader is made of.
//!
//! Each helper checks one node's shape and turns a mismatch into a [`ScenarioError`] at that
//! node, with a hint. Nothing here knows what a step or an assert is.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::errors::{ScenarioError, ScenarioErrorKind, closest};
use crate::yaml::Node;

/// The file being decoded, for errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cx<'a> {
    pub file: &'a Path,
}

pub(crate) type Result<T> = std::result::Result<T, ScenarioError>;

impl<'a> Cx<'a> {
    pub fn new(file: &'a Path) -> Self {
        Self { file }
    }

    /// An error at `node`.
    pub fn error(
        &self,
        node: &Node,
        kind: ScenarioErrorKind,
        message: impl Into<String>,
        hint: impl Into<Option<String>>,
    ) -> ScenarioError {
        ScenarioError::new(
            self.file,
            Some((node.line, node.column)),
            kind,
            message,
            hint.into(),
        )
    }

    /// An [`ScenarioErrorKind::InvalidValue`] at `node`.
    pub fn invalid(
        &self,
        node: &Node,
        message: impl Into<String>,
        hint: impl Into<Option<String>>,
    ) -> ScenarioError {
        self.error(node, ScenarioErrorKind::InvalidValue, message, hint)
    }

    /// A [`ScenarioErrorKind::Structure`] error at `node`.
    pub fn structure(
        &self,
        node: &Node,
        message: impl Into<String>,
        hint: impl Into<Option<String>>,
    ) -> ScenarioError {
        self.error(node, ScenarioErrorKind::Structure, message, hint)
    }

    /// A [`ScenarioErrorKind::Reference`] error at `node`.
    pub fn reference(
        &self,
        node: &Node,
        message: impl Into<String>,
        hint: impl Into<Option<String>>,
    ) -> ScenarioError {
        self.error(node, ScenarioErrorKind::Reference, message, hint)
    }

    /// A missing required field of the mapping at `node` (`context` names the mapping).
    pub fn missing(&self, node: &Node, field: &str, context: &str, hint: &str) -> ScenarioError {
        self.error(
            node,
            ScenarioErrorKind::MissingField {
                field: field.to_string(),
            },
            format!("missing field `{field}` in {context}"),
            Some(hint.to_string()),
        )
    }

    /// The entries of a mapping whose keys must all be in `known`; `context` names the
    /// mapping in messages (e.g. `assert`).
    pub fn fields<'n>(
        &self,
        node: &'n Node,
        known: &[&str],
        context: &str,
    ) -> Result<&'n [(Node, Node)]> {
        let entries = self.mapping(node, context)?;
        for (key, _) in entries {
            let field = key.scalar().unwrap_or_default();
            if !known.contains(&field) {
                return Err(self.unknown_field(key, field, known, context));
            }
        }
        Ok(entries)
    }

    /// An unknown field, with the closest known one as a suggestion.
    pub fn unknown_field(
        &self,
        key: &Node,
        field: &str,
        known: &[&str],
        context: &str,
    ) -> ScenarioError {
        let suggestion = closest(field, known);
        let hint = match suggestion {
            Some(name) => format!("did you mean `{name}`?"),
            None => format!("{context} fields are {}", quote_list(known)),
        };
        self.error(
            key,
            ScenarioErrorKind::UnknownField {
                field: field.to_string(),
                suggestion: suggestion.map(str::to_string),
            },
            format!("unknown field `{field}` in {context}"),
            Some(hint),
        )
    }

    /// The entries of a mapping.
    pub fn mapping<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [(Node, Node)]> {
        node.mapping().ok_or_else(|| {
            self.invalid(
                node,
                format!("{what} must be a mapping, found {}", node.describe()),
                Some(format!(
                    "write {what} as `key: value` lines or `{{key: value}}`"
                )),
            )
        })
    }

    /// The items of a sequence.
    pub fn sequence<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node]> {
        node.sequence().ok_or_else(|| {
            self.invalid(
                node,
                format!("{what} must be a list, found {}", node.describe()),
                Some(format!("write {what} as `- item` lines or `[a, b]`")),
            )
        })
    }

    /// A non-empty string (any non-null scalar; `8080` is the text `8080`).
    pub fn string(&self, node: &Node, what: &str) -> Result<String> {
        match node.scalar() {
            Some(text) if !node.is_null() && !text.is_empty() => Ok(text.to_string()),
            Some(_) if !node.is_null() => {
                Err(self.invalid(node, format!("{what} must not be empty"), None::<String>))
            }
            _ => Err(self.not_a_string(node, what, false)),
        }
    }

    /// A string that may be empty (`""`), but not null or a collection.
    pub fn text(&self, node: &Node, what: &str) -> Result<String> {
        match node.scalar() {
            Some(text) if !node.is_null() => Ok(text.to_string()),
            _ => Err(self.not_a_string(node, what, true)),
        }
    }

    fn not_a_string(&self, node: &Node, what: &str, empty_ok: bool) -> ScenarioError {
        if node.is_null() {
            let hint = if empty_ok {
                "write a value after the colon (\"\" for empty text)"
            } else {
                "write a value after the colon"
            };
            self.invalid(node, format!("{what} has no value"), Some(hint.to_string()))
        } else {
            self.invalid(
                node,
                format!("{what} must be a string, found {}", node.describe()),
                Some("write a single value here".to_string()),
            )
        }
    }

    /// `true` or `false`.
    pub fn boolean(&self, node: &Node, what: &str) -> Result<bool> {
        match node.scalar() {
            Some("true" | "True" | "TRUE") if node.is_plain() => Ok(true),
            Some("false" | "False" | "FALSE") if node.is_plain() => Ok(false),
            _ => Err(self.invalid(
                node,
                format!(
                    "{what} must be true or false, found {}",
                    describe_value(node)
                ),
                Some("write true or false, unquoted".to_string()),
            )),
        }
    }

    /// A non-negative integer no larger than `max`.
    pub fn integer(&self, node: &Node, what: &str, max: u64) -> Result<u64> {
        let value = node
            .scalar()
            .filter(|_| node.is_plain())
            .and_then(|text| text.parse::<u64>().ok());
        match value {
            Some(value) if value <= max => Ok(value),
            _ => Err(self.invalid(
                node,
                format!(
                    "{what} must be a whole number from 0 to {max}, found {}",
                    describe_value(node)
                ),
                None::<String>,
            )),
        }
    }

    /// A humantime duration such as `90s`, `500ms`, `1m 30s`.
    pub fn duration(&self, node: &Node, what: &str) -> Result<Duration> {
        let text = self.string(node, what)?;
        humantime::parse_duration(&text).map_err(|err| {
            let hint = if text.chars().all(|c| c.is_ascii_digit() || c == '.') {
                format!("add a unit: `{text}s` or `{text}ms`")
            } else {
                "write a duration such as 500ms, 10s, 1m30s".to_string()
            };
            self.invalid(
                node,
                format!("invalid duration {text:?} for {what}: {err}"),
                Some(hint),
            )
        })
    }

    /// A list of strings (a single string is not accepted: a command is a list).
    pub fn string_list(&self, node: &Node, what: &str) -> Result<Vec<String>> {
        self.sequence(node, what)?
            .iter()
            .map(|item| self.text(item, &format!("each item of {what}")))
            .collect()
    }

    /// A mapping of strings to strings.
    pub fn string_map(&self, node: &Node, what: &str) -> Result<BTreeMap<String, String>> {
        self.mapping(node, what)?
            .iter()
            .map(|(key, value)| {
                let key_text = key.scalar().unwrap_or_default().to_string();
                Ok((
                    key_text.clone(),
                    self.text(value, &format!("{what}.{key_text}"))?,
                ))
            })
            .collect()
    }

    /// A mapping of strings to strings or null (null deletes the key in a merge).
    pub fn nullable_string_map(
        &self,
        node: &Node,
        what: &str,
    ) -> Result<BTreeMap<String, Option<String>>> {
        self.mapping(node, what)?
            .iter()
            .map(|(key, value)| {
                let key_text = key.scalar().unwrap_or_default().to_string();
                if value.is_null() {
                    return Ok((key_text, None));
                }
                let value_text = match value.scalar() {
                    // As the API server does: unquoted 8080 or true is not a string.
                    Some(text) if value.is_plain() && value.describe() != "a string" => {
                        return Err(self.invalid(
                            value,
                            format!(
                                "{what}.{key_text} must be a string, found an unquoted {}",
                                value.describe().trim_start_matches("a ")
                            ),
                            Some(format!(
                                "quote it: {key_text}: \"{text}\" (ConfigMap and Secret values \
                                 are strings; null deletes the key)"
                            )),
                        ));
                    }
                    Some(text) => text.to_string(),
                    None => {
                        return Err(self.invalid(
                            value,
                            format!(
                                "{what}.{key_text} must be a string or null, found {}",
                                value.describe()
                            ),
                            Some("use a block scalar (key: |) for multi-line text".to_string()),
                        ));
                    }
                };
                Ok((key_text, Some(value_text)))
            })
            .collect()
    }

    /// One of `allowed`, exactly as written; suggests the closest on a near miss.
    pub fn one_of<T: Clone>(&self, node: &Node, what: &str, allowed: &[(&str, T)]) -> Result<T> {
        let names: Vec<&str> = allowed.iter().map(|(name, _)| *name).collect();
        let text = self.string(node, what)?;
        if let Some((_, value)) = allowed.iter().find(|(name, _)| *name == text) {
            return Ok(value.clone());
        }
        let hint = match closest(&text, &names) {
            Some(name) => format!("did you mean `{name}`?"),
            None => format!("use one of {}", quote_list(&names)),
        };
        Err(self.invalid(node, format!("invalid {what} {text:?}"), Some(hint)))
    }
}

/// A scalar's value for messages (`"abc"`, `12`), or the node's kind.
pub(crate) fn describe_value(node: &Node) -> String {
    match node.scalar() {
        Some(text) if !node.is_null() => format!("{text:?}"),
        _ => node.describe().to_string(),
    }
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

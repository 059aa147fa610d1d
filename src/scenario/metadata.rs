//! `metadata` of a scenario file: its name, description and labels, defined once as a typed
//! struct (serde reads it, schemars describes it in the JSON Schema).
//!
//! It owns the metadata's shape and the label syntax (Kubernetes label keys and values). It
//! must not decide which scenarios a selector picks (the CLI does, from [`Scenario::labels`]).
//!
//! Named special cases (where the typed read alone would say less than before):
//! - `metadata.name` must not be empty: [`NonEmpty`] (the deserializer reads it with the
//!   non-empty string reader, so the message stays `metadata.name must not be empty`);
//! - label keys and values are checked after the typed read, against their nodes, so an
//!   error points at the offending key or value.
//!
//! [`Scenario::labels`]: super::format::Scenario::labels

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::de::from_node;
use super::decode::{Cx, Result};
use crate::api::validation::dns1123_subdomain_errors;
use crate::yaml::Node;

/// `metadata:` as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "The scenario's name, description and labels.")]
pub(crate) struct Metadata {
    /// The scenario's name in reports (default: the file stem).
    #[serde(default)]
    #[schemars(with = "NonEmpty")]
    pub name: Option<NonEmpty>,
    /// What the scenario proves.
    #[serde(default)]
    #[schemars(with = "String")]
    pub description: Option<String>,
    /// Labels for selecting scenarios, in Kubernetes label syntax (e.g. `team: payments`).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub labels: BTreeMap<String, String>,
}

/// A string that must not be empty. The name is a signal to the deserializer (see
/// [`super::de`]), which reads it with the non-empty reader.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "NonEmpty")]
#[schemars(transparent)]
pub(crate) struct NonEmpty(#[schemars(length(min = 1))] pub String);

/// Reads `metadata` and checks its labels.
pub(crate) fn metadata(cx: &Cx<'_>, node: &Node) -> Result<Metadata> {
    let metadata: Metadata = from_node(*cx, node, "metadata")?;
    if let Some(labels) = node.get("labels") {
        for (key, value) in labels.mapping().unwrap_or_default() {
            let key_text = key.scalar().unwrap_or_default();
            if let Some(problem) = label_key_error(key_text) {
                return Err(cx.invalid(
                    key,
                    format!("invalid label key {key_text:?}: {problem}"),
                    "a label key is NAME or PREFIX/NAME, e.g. `team` or `example.com/tier`"
                        .to_string(),
                ));
            }
            let value_text = value.scalar().unwrap_or_default();
            if let Some(problem) = label_value_error(value_text) {
                return Err(cx.invalid(
                    value,
                    format!("invalid value {value_text:?} of label {key_text:?}: {problem}"),
                    "a label value is at most 63 letters, digits, `-`, `_` and `.`, starting \
                     and ending with a letter or digit (or empty)"
                        .to_string(),
                ));
            }
        }
    }
    Ok(metadata)
}

/// What is wrong with a label key (Kubernetes' `IsQualifiedName`), if anything.
pub(crate) fn label_key_error(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Some("the prefix before `/` is empty".into());
        }
        if let Some(problem) = dns1123_subdomain_errors(prefix).into_iter().next() {
            return Some(format!("prefix {prefix:?}: {problem}"));
        }
    }
    if name.is_empty() {
        return Some("the name part is empty".into());
    }
    name_part_error(name)
}

/// What is wrong with a label value, if anything (empty is allowed).
pub(crate) fn label_value_error(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    name_part_error(value)
}

/// At most 63 characters of `[A-Za-z0-9_.-]`, beginning and ending with an alphanumeric.
fn name_part_error(text: &str) -> Option<String> {
    if text.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        || !alnum(text.chars().next())
        || !alnum(text.chars().last())
    {
        return Some(
            "must consist of alphanumeric characters, `-`, `_` or `.`, and must start and end \
             with an alphanumeric character"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_syntax_is_kubernetes_label_syntax() {
        for good in ["team", "example.com/tier", "a_b.c-d", "A1"] {
            assert_eq!(label_key_error(good), None, "{good}");
        }
        for bad in [
            "",
            "/x",
            "x/",
            "-a",
            "a-",
            "a b",
            "Example.com/x",
            &"a".repeat(64),
        ] {
            assert!(label_key_error(bad).is_some(), "{bad:?}");
        }
        assert_eq!(label_value_error(""), None);
        assert_eq!(label_value_error("v1.2"), None);
        assert!(label_value_error("a/b").is_some());
        assert!(label_value_error(&"v".repeat(64)).is_some());
    }
}

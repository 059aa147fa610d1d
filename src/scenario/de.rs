//! A serde `Deserializer` over the located YAML tree ([`crate::yaml::Node`]): typed parts of
//! the format derive `Deserialize` (with `deny_unknown_fields`) and are read from the tree with
//! every error at the offending node, in the decoder's words.
//!
//! Why not serde-saphyr directly: scalars must stay as written (`kubernetesVersion: 1.30` is
//! the text `1.30`, `mode: 0440` stays octal) and every error needs the node's line and column;
//! the tree keeps both. This module owns the mapping from serde's requests to the tree and the
//! wording of the generic errors (unknown field with a did-you-mean from the type's own field
//! list, missing field, wrong shape); it must not decide what a value means (a type's own
//! `Deserialize` or the loader does).
//!
//! Wording, as [`Cx`](super::decode::Cx) words it: `unknown field `x` in PATH` (hint: did you
//! mean, from the struct's field list), `missing field `x` in PATH`, `PATH must be a mapping,
//! found …`, `PATH has no value`, `PATH must be a string, found …`. A type's own error (from
//! `serde::de::Error::custom`) is located at the node being read; a hint may follow the
//! message after [`HINT`].
//!
//! [`from_node_hinted`] replaces the generic hint of a missing field, for mappings whose
//! message showed an example before they were typed.
//!
//! Named special case: a newtype struct named [`NON_EMPTY`] is read with the non-empty string
//! reader (`PATH must not be empty`), as the decoder reads names.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::decode::{Cx, Result};
use super::errors::{ScenarioError, ScenarioErrorKind};
use crate::yaml::{Node, Value};

/// The serde name of a newtype read with the non-empty string reader (`must not be empty`).
pub(crate) const NON_EMPTY: &str = "NonEmpty";

/// Separates a message from its hint in a type's custom error.
pub(crate) const HINT: &str = "\u{1f}hint:";

/// Reads `T` from `node`; `path` names the node in messages (e.g. `metadata`, `spec.expect`).
pub(crate) fn from_node<'de, T: de::Deserialize<'de>>(
    cx: Cx<'_>,
    node: &'de Node,
    path: &str,
) -> Result<T> {
    let de = NodeDe {
        cx,
        node,
        path: path.to_string(),
    };
    T::deserialize(de).map_err(|err| match err {
        DeError::Located(err) => err,
        other => locate(cx, node, path, other),
    })
}

/// Reads `T` from `node` like [`from_node`], but a required field of `T` that is absent gets
/// `hint` (given the field's name) instead of the generic `add `x:` under PATH`: a mapping
/// whose message showed an example before it was typed keeps showing it.
pub(crate) fn from_node_hinted<'de, T: de::Deserialize<'de>>(
    cx: Cx<'_>,
    node: &'de Node,
    path: &str,
    hint: impl Fn(&str) -> String,
) -> Result<T> {
    from_node(cx, node, path).map_err(|err| match err.kind() {
        // Only `T`'s own fields: a nested struct's missing field is located at its own node.
        ScenarioErrorKind::MissingField { field }
            if (err.line(), err.column()) == (Some(node.line), Some(node.column)) =>
        {
            cx.missing(node, field, path, &hint(field))
        }
        _ => err,
    })
}

/// The field names of a struct that derives `Deserialize`: the list serde passes to
/// `deserialize_struct`, i.e. the fields the type itself defines (for checks and tests that
/// must agree with it, such as the schema's property names).
pub(crate) fn fields_of<T: de::DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'c>(&'c std::cell::Cell<&'static [&'static str]>);
    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = DeError;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> std::result::Result<V::Value, DeError> {
            Err(DeError::Message("not a struct".into()))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> std::result::Result<V::Value, DeError> {
            self.0.set(fields);
            Err(DeError::Message("probed".into()))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let fields = std::cell::Cell::new(&[][..]);
    let _ = T::deserialize(Probe(&fields));
    fields.get()
}

/// An error while reading: located once it passed the node it belongs to.
#[derive(Debug)]
pub(crate) enum DeError {
    /// Final: where and what.
    Located(ScenarioError),
    /// A required field is absent (located at the struct's node).
    Missing(&'static str),
    /// A type's own message (located at the node being read).
    Message(String),
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeError::Located(err) => err.fmt(f),
            DeError::Missing(field) => write!(f, "missing field `{field}`"),
            DeError::Message(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::Message(msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::Missing(field)
    }
}

/// Turns an unlocated error into one at `node`.
fn locate(cx: Cx<'_>, node: &Node, path: &str, err: DeError) -> ScenarioError {
    match err {
        DeError::Located(err) => err,
        DeError::Missing(field) => {
            cx.missing(node, field, path, &format!("add `{field}:` under {path}"))
        }
        DeError::Message(message) => match message.split_once(HINT) {
            Some((message, hint)) => cx.invalid(node, message.trim(), hint.trim().to_string()),
            None => cx.invalid(node, format!("{path}: {message}"), None::<String>),
        },
    }
}

struct NodeDe<'a, 'de> {
    cx: Cx<'a>,
    node: &'de Node,
    path: String,
}

impl<'a, 'de> NodeDe<'a, 'de> {
    fn child(&self, node: &'de Node, key: &str) -> Self {
        NodeDe {
            cx: self.cx,
            node,
            path: format!("{}.{key}", self.path),
        }
    }

    fn fail(&self, err: ScenarioError) -> DeError {
        DeError::Located(err)
    }

    /// Runs a visitor on this node; its unlocated errors are located here.
    fn at<T>(&self, visit: std::result::Result<T, DeError>) -> std::result::Result<T, DeError> {
        visit.map_err(|err| match err {
            DeError::Message(_) => DeError::Located(locate(self.cx, self.node, &self.path, err)),
            other => other,
        })
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar { .. } if self.node.is_null() => self.at(visitor.visit_unit()),
            Value::Scalar { text, .. } => self.at(visitor.visit_str(text)),
            Value::Sequence(_) => self.deserialize_seq(visitor),
            Value::Mapping(_) => self.deserialize_map(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        // `Cx::boolean`: unquoted `true`/`false`, as everywhere in the format.
        let value = self
            .cx
            .boolean(self.node, &self.path)
            .map_err(|e| self.fail(e))?;
        self.at(visitor.visit_bool(value))
    }

    fn deserialize_option<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        // An optional field is optional by being absent: written as null, it is read (and
        // refused, `PATH has no value`) like any other value, as the decoder does.
        visitor.visit_some(self)
    }

    fn deserialize_str<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        // `Cx::text`: any non-null scalar, as written.
        let text = self
            .cx
            .text(self.node, &self.path)
            .map_err(|e| self.fail(e))?;
        self.at(visitor.visit_string(text))
    }

    fn deserialize_string<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        let items = self
            .cx
            .sequence(self.node, &self.path)
            .map_err(|e| self.fail(e))?;
        let seq = Items {
            parent: &self,
            items: items.iter().enumerate(),
        };
        self.at(visitor.visit_seq(seq))
    }

    fn deserialize_map<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        let entries = self
            .cx
            .mapping(self.node, &self.path)
            .map_err(|e| self.fail(e))?;
        let map = Entries {
            parent: &self,
            entries: entries.iter(),
            value: None,
        };
        self.at(visitor.visit_map(map))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        // The type's own field list is the list of known fields (and of suggestions).
        let entries = self
            .cx
            .fields(self.node, fields, &self.path)
            .map_err(|e| self.fail(e))?;
        let map = Entries {
            parent: &self,
            entries: entries.iter(),
            value: None,
        };
        visitor.visit_map(map).map_err(|err| match err {
            DeError::Located(err) => DeError::Located(err),
            other => DeError::Located(locate(self.cx, self.node, &self.path, other)),
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        if name == NON_EMPTY {
            // `Cx::string`: a non-empty scalar.
            let text = self
                .cx
                .string(self.node, &self.path)
                .map_err(|e| self.fail(e))?;
            return self.at(visitor.visit_newtype_struct(text.into_deserializer()));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct tuple tuple_struct enum
    }
}

struct Items<'p, 'a, 'de> {
    parent: &'p NodeDe<'a, 'de>,
    items: std::iter::Enumerate<std::slice::Iter<'de, Node>>,
}

impl<'de> SeqAccess<'de> for Items<'_, '_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> std::result::Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some((index, item)) => {
                let de = NodeDe {
                    cx: self.parent.cx,
                    node: item,
                    path: format!("{}[{index}]", self.parent.path),
                };
                let path = de.path.clone();
                seed.deserialize(de)
                    .map(Some)
                    .map_err(|err| DeError::Located(locate(self.parent.cx, item, &path, err)))
            }
            None => Ok(None),
        }
    }
}

struct Entries<'p, 'a, 'de> {
    parent: &'p NodeDe<'a, 'de>,
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<(&'de Node, &'de Node)>,
}

impl<'de> MapAccess<'de> for Entries<'_, '_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> std::result::Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        let text = key.scalar().unwrap_or_default();
        let path = format!("{}.{text}", self.parent.path);
        seed.deserialize(text.into_deserializer())
            .map(Some)
            .map_err(|err: DeError| DeError::Located(locate(self.parent.cx, key, &path, err)))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> std::result::Result<V::Value, DeError> {
        let Some((key, value)) = self.value.take() else {
            return Err(DeError::Message("a value without a key".into()));
        };
        let de = self.parent.child(value, key.scalar().unwrap_or_default());
        let path = de.path.clone();
        seed.deserialize(de)
            .map_err(|err| DeError::Located(locate(self.parent.cx, value, &path, err)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use serde::Deserialize;

    use super::*;
    use crate::yaml;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Probe {
        name: String,
        note: Option<String>,
        #[serde(default)]
        tags: BTreeMap<String, String>,
        #[serde(default)]
        list: Vec<String>,
    }

    fn read(text: &str) -> std::result::Result<Probe, String> {
        let node = yaml::parse(text).expect("yaml").remove(0);
        from_node::<Probe>(Cx::new(Path::new("f.yaml")), &node, "probe").map_err(|e| e.to_string())
    }

    #[test]
    fn scalars_stay_as_written_and_absent_options_are_none() {
        let probe =
            read("name: 1.30\ntags: {mode: 0440, on: true}\nlist: [a, 007]\n").expect("reads");
        assert_eq!(probe.name, "1.30");
        assert_eq!(probe.note, None);
        let err = read("name: a\nnote: ~\n").expect_err("null is not absent");
        assert!(
            err.starts_with("f.yaml:2:7: probe.note has no value"),
            "{err}"
        );
        assert_eq!(probe.tags["mode"], "0440");
        assert_eq!(probe.tags["on"], "true");
        assert_eq!(probe.list, ["a", "007"]);
    }

    #[test]
    fn errors_are_located_and_worded_like_the_decoder() {
        assert_eq!(
            read("name: a\nnaem: b\n").expect_err("unknown"),
            "f.yaml:2:1: unknown field `naem` in probe (hint: did you mean `name`?)"
        );
        assert_eq!(
            read("note: a\n").expect_err("missing"),
            "f.yaml:1:1: missing field `name` in probe (hint: add `name:` under probe)"
        );
        let err = read("name: a\ntags: {k: [x]}\n").expect_err("not a string");
        assert!(
            err.starts_with("f.yaml:2:11: probe.tags.k must be a string, found a sequence"),
            "{err}"
        );
        let err = read("name: a\ntags: [x]\n").expect_err("not a mapping");
        assert!(
            err.starts_with("f.yaml:2:7: probe.tags must be a mapping"),
            "{err}"
        );
        let err = read("name:\n").expect_err("null");
        assert!(
            err.starts_with("f.yaml:1:5: probe.name has no value"),
            "{err}"
        );
    }
}

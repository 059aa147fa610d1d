//! The YAML node index of one document: location <-> field path.
//!
//! Owns mapping a deserializer's location to a field path (`data.LOG_LEVEL`) and a field path
//! back to a location (for API validation errors). It does not decide what is an error.

use super::*;

// ---------------------------------------------------------------------------------------------
// The YAML node index: location <-> field path
// ---------------------------------------------------------------------------------------------

/// One step of a YAML path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

pub(super) fn to_segs(path: &FieldPath) -> Vec<Seg> {
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
pub(super) fn format_path(path: &[Seg]) -> String {
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
pub(super) enum Shape {
    Scalar,
    Sequence,
    Mapping,
}

impl Shape {
    pub(super) fn name(self) -> &'static str {
        match self {
            Shape::Scalar => "scalar",
            Shape::Sequence => "sequence",
            Shape::Mapping => "mapping",
        }
    }
}

/// One node of the located tree ([`crate::yaml::Node`]) flattened with its field path: a key, a
/// value or a list item, with where it starts.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) path: Vec<Seg>,
    /// 1-based line in the chunk.
    pub(super) line: u64,
    /// 1-based column.
    pub(super) column: u64,
    pub(super) shape: Shape,
    /// A mapping key (its path is the path of the value it names).
    pub(super) is_key: bool,
    /// A plain (unquoted, untagged) scalar.
    pub(super) plain: bool,
    pub(super) value: Option<String>,
    /// Byte range in the chunk, when known.
    pub(super) span: Option<(usize, usize)>,
}

impl Node {
    /// Whether the key's source text can be wrapped in double quotes as is.
    pub(super) fn quotable(&self, text: &str) -> bool {
        self.span.is_some_and(|(start, end)| {
            text.get(start..end).is_some_and(|source| {
                !source.is_empty()
                    && Some(source) == self.value.as_deref()
                    && !source.contains(['"', '\\', '\n'])
            })
        })
    }
}

/// The located tree of one document and its nodes in document order (each key before its
/// value), built in one pass: lookups by location or by field path are linear scans of `nodes`.
#[derive(Debug, Default)]
pub(super) struct NodeIndex {
    /// The document's tree (`None` for a text without any document, e.g. only comments).
    pub(super) tree: Option<crate::yaml::Node>,
    pub(super) nodes: Vec<Node>,
}

impl NodeIndex {
    /// Parses one document into the located tree ([`crate::yaml`], leniently: duplicate keys
    /// are serde-saphyr's to report) and flattens it; fails on a syntax error.
    pub(super) fn build(text: &str) -> Result<Self, crate::yaml::SyntaxError> {
        let tree =
            crate::yaml::parse_documents_with(text, usize::MAX, crate::yaml::Options::LENIENT)?
                .into_iter()
                .next();
        let mut nodes = Vec::new();
        if let Some(root) = &tree {
            flatten(root, Vec::new(), false, &mut nodes);
        }
        Ok(Self { tree, nodes })
    }

    pub(super) fn root(&self) -> Option<&Node> {
        self.nodes.first()
    }

    /// No content at all, or an empty/null scalar (a lone `---`).
    pub(super) fn is_empty_document(&self) -> bool {
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
    pub(super) fn exact(&self, line: u64, column: u64) -> impl Iterator<Item = &Node> {
        self.nodes
            .iter()
            .filter(move |n| n.line == line && n.column == column)
    }

    /// The node at a location: the outermost (or, with `innermost`, the innermost) one starting
    /// there, else the last one starting before.
    pub(super) fn at(&self, line: u64, column: u64, innermost: bool) -> Option<&Node> {
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
    pub(super) fn find(&self, path: &[Seg]) -> Option<&Node> {
        self.nodes
            .iter()
            .find(|n| !n.is_key && n.path == path)
            .or_else(|| self.nodes.iter().find(|n| n.path == path))
    }

    /// The node at this path, or else the key naming its nearest existing ancestor (a
    /// missing field is best shown at its parent's key).
    pub(super) fn locate(&self, path: &[Seg]) -> Option<&Node> {
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

    pub(super) fn top_level_keys(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.is_key && n.path.len() == 1)
    }
}

/// Appends `node` and everything under it, in document order.
fn flatten(node: &crate::yaml::Node, path: Vec<Seg>, is_key: bool, out: &mut Vec<Node>) {
    use crate::yaml::Value;
    let (shape, value, plain) = match &node.value {
        Value::Scalar { text, plain } => (Shape::Scalar, Some(text.clone()), *plain),
        Value::Sequence(_) => (Shape::Sequence, None, false),
        Value::Mapping(_) => (Shape::Mapping, None, false),
    };
    out.push(Node {
        path: path.clone(),
        line: node.line,
        column: node.column,
        shape,
        is_key,
        plain,
        value,
        span: Some((node.start, node.end)),
    });
    match &node.value {
        Value::Scalar { .. } => {}
        Value::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                let mut child = path.clone();
                child.push(Seg::Index(index));
                flatten(item, child, false, out);
            }
        }
        Value::Mapping(entries) => {
            for (key, value) in entries {
                let mut child = path.clone();
                child.push(Seg::Key(key.scalar().unwrap_or("?").to_string()));
                flatten(key, child.clone(), true, out);
                flatten(value, child, false, out);
            }
        }
    }
}

//! A located YAML tree: every node keeps the line and column it starts at and its byte range
//! in the text.
//!
//! The one located tree of kubedrill: the scenario decoder, the manifest loader
//! ([`crate::api::manifest`], which maps serde-saphyr's error locations to field paths and API
//! validation errors back to locations through it) and lint (which points findings at the
//! field they are about) all read YAML locations from here. The scenario decoder walks this
//! tree by hand instead of deriving `Deserialize`, because
//! strict validation needs what serde does not give: the location of *every* node (a step, a
//! key, a value), all keys of a mapping at once (to say "two operations" rather than "unknown
//! field"), and scalars as written (`kubernetesVersion: 1.30` must stay `1.30`, `mode: 0440`
//! must stay octal). It owns nothing but parsing; it knows nothing about scenarios.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

/// One YAML node with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub value: Value,
    /// 1-based line of the node's first character.
    pub line: u64,
    /// 1-based column of the node's first character.
    pub column: u64,
    /// Byte offset of the node's first character.
    pub start: usize,
    /// Byte offset just past the node's last character.
    pub end: usize,
}

/// A node's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar as written (after escape processing); `plain` when unquoted and untagged.
    Scalar { text: String, plain: bool },
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in document order (keys are unique scalars).
    Mapping(Vec<(Node, Node)>),
}

/// A YAML syntax error (1-based location).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl Node {
    /// The scalar's text, if a scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether this is YAML null: an empty plain scalar, `~` or `null`.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// Whether this is a plain scalar (unquoted, untagged).
    pub fn is_plain(&self) -> bool {
        matches!(&self.value, Value::Scalar { plain: true, .. })
    }

    /// The mapping's entries, if a mapping.
    pub fn mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The sequence's items, if a sequence.
    pub fn sequence(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The key node and value node of `key`, if this is a mapping holding it.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.mapping()?
            .iter()
            .find(|(k, _)| k.scalar() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The value of `key`, if this is a mapping holding it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// What kind of node this is, for messages: `a string`, `a mapping`, ...
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Sequence(_) => "a sequence",
            Value::Mapping(_) => "a mapping",
            Value::Scalar { .. } if self.is_null() => "null",
            Value::Scalar { text, plain: true } => plain_type(text),
            Value::Scalar { .. } => "a string",
        }
    }
}

/// What YAML (1.2 core schema) makes of a plain scalar, for messages.
fn plain_type(text: &str) -> &'static str {
    match text {
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => "a boolean",
        _ if text.parse::<f64>().is_ok() => "a number",
        _ => "a string",
    }
}

/// An open collection while events are walked.
enum Frame {
    Sequence {
        start: Node,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        start: Node,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// How many nodes aliases may copy in one text: enough for any scenario, small enough that a
/// "billion laughs" document fails fast instead of exhausting memory.
const ALIAS_BUDGET: usize = 100_000;

fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar { .. } => 0,
        Value::Sequence(items) => items.iter().map(size).sum(),
        Value::Mapping(entries) => entries.iter().map(|(k, v)| size(k) + size(v)).sum(),
    }
}

/// How strict parsing is. [`Options::STRICT`] (what [`parse_documents`] uses) refuses what a
/// scenario must not hold; [`Options::LENIENT`] builds a tree of anything the YAML parser
/// accepts (duplicate keys, keys that are collections), for a caller that leaves those errors to
/// serde-saphyr and only needs the locations, as the manifest loader does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Refuse a mapping key that appears twice.
    pub unique_keys: bool,
    /// Refuse a mapping key that is not a scalar.
    pub scalar_keys: bool,
    /// Refuse collections nested deeper than this (the tree is dropped recursively).
    pub max_depth: usize,
}

impl Options {
    /// Unique scalar keys, any depth.
    pub const STRICT: Options = Options {
        unique_keys: true,
        scalar_keys: true,
        max_depth: usize::MAX,
    };
    /// Any keys; at most 1,000 levels (more than serde-saphyr reads: its error is the one a
    /// lenient caller reports).
    pub const LENIENT: Options = Options {
        unique_keys: false,
        scalar_keys: false,
        max_depth: 1_000,
    };
}

/// Parses every document of `text`; a document without content is a null scalar.
#[cfg(test)]
pub fn parse(text: &str) -> Result<Vec<Node>, SyntaxError> {
    parse_documents(text, usize::MAX)
}

/// Parses the documents of `text` up to and including the `limit`-th non-null one, and stops
/// there: a caller that accepts one document needs only to see that a second one exists, not
/// to build every node of a 10,000-document file (issue 7).
pub fn parse_documents(text: &str, limit: usize) -> Result<Vec<Node>, SyntaxError> {
    parse_documents_with(text, limit, Options::STRICT)
}

/// [`parse_documents`] with the given [`Options`].
pub fn parse_documents_with(
    text: &str,
    limit: usize,
    options: Options,
) -> Result<Vec<Node>, SyntaxError> {
    let mut documents = Vec::new();
    let mut non_null = 0;
    let mut alias_budget = ALIAS_BUDGET;
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut in_document = false;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| SyntaxError {
            line: err.marker().line() as u64,
            column: err.marker().col() as u64 + 1,
            message: sanitize(&err.info()),
        })?;
        let start = span.start.byte_offset().unwrap_or(0).min(text.len());
        let end = span
            .end
            .byte_offset()
            .unwrap_or(start)
            .clamp(start, text.len());
        let at = |value: Value| Node {
            value,
            line: span.start.line() as u64,
            column: span.start.col() as u64 + 1,
            start,
            end,
        };
        let node = match event {
            Event::DocumentStart(..) => {
                in_document = true;
                root = None;
                anchors.clear();
                continue;
            }
            Event::DocumentEnd => {
                if in_document {
                    let document = root.take().unwrap_or_else(|| {
                        at(Value::Scalar {
                            text: String::new(),
                            plain: true,
                        })
                    });
                    non_null += usize::from(!document.is_null());
                    documents.push(document);
                }
                in_document = false;
                if non_null >= limit {
                    break;
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = at(Value::Scalar {
                    text: value.to_string(),
                    plain: style == ScalarStyle::Plain && tag.is_none(),
                });
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) if size(node) <= alias_budget => {
                    alias_budget -= size(node);
                    node.clone()
                }
                Some(_) => {
                    return Err(SyntaxError {
                        line: span.start.line() as u64,
                        column: span.start.col() as u64 + 1,
                        message: "aliases expand to too many nodes".into(),
                    });
                }
                None => {
                    return Err(SyntaxError {
                        line: span.start.line() as u64,
                        column: span.start.col() as u64 + 1,
                        message: "alias to an anchor that is not complete here".into(),
                    });
                }
            },
            Event::SequenceStart(_, anchor, _) => {
                if stack.len() >= options.max_depth {
                    return Err(too_deep(&span));
                }
                stack.push(Frame::Sequence {
                    start: at(Value::Sequence(Vec::new())),
                    anchor,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(style, anchor, _) => {
                if stack.len() >= options.max_depth {
                    return Err(too_deep(&span));
                }
                let mut start = at(Value::Mapping(Vec::new()));
                if style == StructureStyle::Block {
                    // A block collection ends with its last child, not at the next token.
                    start.end = start.start;
                }
                stack.push(Frame::Mapping {
                    start,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else { continue };
                let (mut node, anchor) = match frame {
                    Frame::Sequence {
                        mut start,
                        anchor,
                        items,
                    } => {
                        let last = items.iter().map(|n| n.end).max().unwrap_or(start.start);
                        start.end = if text.as_bytes().get(start.start) == Some(&b'[') {
                            end.max(last)
                        } else {
                            last
                        };
                        start.value = Value::Sequence(items);
                        (start, anchor)
                    }
                    Frame::Mapping {
                        mut start,
                        anchor,
                        entries,
                        ..
                    } => {
                        let last = entries.iter().map(|(_, v)| v.end).max();
                        start.end = if text.as_bytes().get(start.start) == Some(&b'{') {
                            end.max(last.unwrap_or(start.start))
                        } else {
                            last.unwrap_or(start.start)
                        };
                        start.value = Value::Mapping(entries);
                        (start, anchor)
                    }
                };
                node.end = node.end.max(node.start);
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            _ => continue,
        };
        // Attach the finished node to its parent.
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping { entries, key, .. }) => match key.take() {
                None => {
                    if options.scalar_keys && node.scalar().is_none() {
                        return Err(SyntaxError {
                            line: node.line,
                            column: node.column,
                            message: format!("a key must be a string, not {}", node.describe()),
                        });
                    }
                    if options.unique_keys
                        && let Some((first, _)) =
                            entries.iter().find(|(k, _)| k.scalar() == node.scalar())
                    {
                        return Err(SyntaxError {
                            line: node.line,
                            column: node.column,
                            message: format!(
                                "duplicate key `{}` (first at line {})",
                                node.scalar().unwrap_or_default(),
                                first.line
                            ),
                        });
                    }
                    *key = Some(node);
                }
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(documents)
}

fn too_deep(span: &serde_saphyr::granit_parser::Span) -> SyntaxError {
    SyntaxError {
        line: span.start.line() as u64,
        column: span.start.col() as u64 + 1,
        message: "collections nested too deeply".into(),
    }
}

/// Control characters (newlines in parser messages) would break a one-line error.
fn sanitize(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse(text).expect("valid YAML");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn nodes_carry_locations_and_ranges() {
        let text = "a: 1\nb:\n  c: [x, 'y']\n  d: {e: f}\n";
        let root = one(text);
        let b = root.get("b").expect("b");
        assert_eq!((b.line, b.column), (3, 3));
        assert_eq!(&text[b.start..b.end], "c: [x, 'y']\n  d: {e: f}");
        let c = b.get("c").expect("c");
        assert_eq!(&text[c.start..c.end], "[x, 'y']");
        let items = c.sequence().expect("seq");
        assert!(items[0].is_plain());
        assert!(!items[1].is_plain());
        let d = b.get("d").expect("d");
        assert_eq!((d.line, d.column), (4, 6));
        assert_eq!(&text[d.start..d.end], "{e: f}");
    }

    #[test]
    fn scalars_stay_as_written() {
        let root = one("v: 1.30\nm: 0440\nn: ~\nq: \"null\"\n");
        assert_eq!(root.get("v").and_then(Node::scalar), Some("1.30"));
        assert_eq!(root.get("m").and_then(Node::scalar), Some("0440"));
        assert!(root.get("n").is_some_and(Node::is_null));
        assert!(!root.get("q").is_some_and(Node::is_null));
        assert_eq!(root.get("m").map(Node::describe), Some("a number"));
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_are_located() {
        let err = parse("a: 1\nb: 2\na: 3\n").expect_err("duplicate");
        assert_eq!((err.line, err.column), (3, 1));
        assert!(err.message.contains("duplicate key `a`"), "{}", err.message);
        let err = parse("a: [1, 2\nb: 3\n").expect_err("syntax");
        assert!(err.line >= 1);
    }

    #[test]
    fn anchors_and_documents() {
        let docs = parse("a: &x {k: v}\nb: *x\n---\n---\nc: 1\n").expect("valid");
        assert_eq!(docs.len(), 3);
        assert_eq!(
            docs[0]
                .get("b")
                .and_then(|b| b.get("k"))
                .and_then(Node::scalar),
            Some("v")
        );
        assert!(docs[1].is_null());
    }

    #[test]
    fn alias_expansion_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, \
                 *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text).expect_err("too many nodes");
        assert!(err.message.contains("too many"), "{}", err.message);
    }

    #[test]
    fn block_scalar_range_covers_its_content() {
        let text = "a:\n  k: |\n    line1\n    line2\nb: 1\n";
        let root = one(text);
        let a = root.get("a").expect("a");
        assert!(text[a.start..a.end].contains("line2"));
        assert!(!text[a.start..a.end].contains("b: 1"));
    }

    #[test]
    fn lenient_options_keep_duplicates_and_bound_depth() {
        let text = "a: 1\na: 2\n[x]: y\n";
        assert!(parse(text).is_err());
        let docs = parse_documents_with(text, usize::MAX, Options::LENIENT).expect("lenient");
        assert_eq!(docs[0].mapping().map(<[_]>::len), Some(3));
        let deep = format!("{}1{}", "[".repeat(1_001), "]".repeat(1_001));
        assert!(parse_documents_with(&deep, usize::MAX, Options::LENIENT).is_err());
        let shallow = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(parse_documents_with(&shallow, 1, Options::LENIENT).is_ok());
    }
}

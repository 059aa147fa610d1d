//! Finding the line of a field in a manifest, from the located tree the loader kept.
//!
//! The loader keeps each object's document as a located YAML tree ([`LocatedDocument`], from
//! [`crate::yaml`]). To point a finding at the field it is about, this module walks that tree
//! for a sequence of anchors (`volumes:`, then `name: config`, then `defaultMode:`), each
//! searched in document order from where the previous one matched, among real mapping keys and
//! scalar values (comments, look-alike text and quoting do not matter). When an anchor is not
//! found the location stays at the last anchor found, or at the document's first line. It owns
//! no rule and reads no file.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use crate::api::{LocatedDocument, ManifestSet, Origin};
use crate::yaml::{Node, Value};

/// A `file:line` in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Location {
    /// The manifest file, as given.
    pub file: PathBuf,
    /// 1-based line.
    pub line: u64,
}

impl Location {
    fn of(origin: &Origin) -> Self {
        Location {
            file: origin.file.clone(),
            line: origin.line,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One step of a search: a mapping key, optionally with the scalar value it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Anchor<'a> {
    key: &'a str,
    value: Option<&'a str>,
}

impl<'a> Anchor<'a> {
    /// `key:` with any value.
    pub fn key(key: &'a str) -> Self {
        Anchor { key, value: None }
    }

    /// `key: value`, the value plain or quoted.
    pub fn entry(key: &'a str, value: &'a str) -> Self {
        Anchor {
            key,
            value: Some(value),
        }
    }

    fn matches(&self, key: &Node, value: &Node) -> bool {
        key.scalar() == Some(self.key)
            && self
                .value
                .is_none_or(|expected| value.scalar() == Some(expected))
    }
}

/// The located documents of a manifest set, by where their object is.
#[derive(Debug, Default)]
pub(crate) struct Locator {
    documents: HashMap<(PathBuf, u64), LocatedDocument>,
}

impl Locator {
    /// A locator that knows no document: every location is the object's origin.
    #[cfg(test)]
    pub fn new() -> Self {
        Self::default()
    }

    /// A locator over the documents the loader kept for `set`.
    pub fn of(set: &ManifestSet) -> Self {
        let mut locator = Self::default();
        for document in &set.documents {
            locator.add(document.clone());
        }
        locator
    }

    fn add(&mut self, document: LocatedDocument) {
        let key = (document.origin.file.clone(), document.origin.line);
        self.documents.insert(key, document);
    }

    /// A locator that knows `file` holds `text` (for tests, and for text not on disk).
    #[cfg(test)]
    pub fn with_text(mut self, file: &std::path::Path, text: &str) -> Self {
        for document in crate::api::manifest::locate_documents(text, file) {
            self.add(document);
        }
        self
    }

    /// The line of the last of `anchors` found in order in the document starting at `origin`.
    pub fn find(&self, origin: &Origin, anchors: &[Anchor<'_>]) -> Location {
        self.find_match(origin, anchors).0
    }

    /// Like [`find`](Self::find), then `offset` lines further when the last anchor's value is a
    /// block scalar (`key: |`): the line of the value's `offset`-th line (1-based).
    pub fn find_in_block(&self, origin: &Origin, anchors: &[Anchor<'_>], offset: u64) -> Location {
        let (mut location, block) = self.find_match(origin, anchors);
        if block {
            location.line += offset;
        }
        location
    }

    /// The location found, and whether the last anchor matched and opens a block scalar.
    fn find_match(&self, origin: &Origin, anchors: &[Anchor<'_>]) -> (Location, bool) {
        let mut location = Location::of(origin);
        let Some(document) = self.documents.get(&(origin.file.clone(), origin.line)) else {
            return (location, false);
        };
        let mut entries = Vec::new();
        entries_in_order(&document.tree, &mut entries);
        let mut from = 0;
        let mut block = false;
        for anchor in anchors {
            let Some(found) = entries
                .iter()
                .skip(from)
                .position(|(key, value)| anchor.matches(key, value))
            else {
                block = false;
                break;
            };
            let (key, value) = entries[from + found];
            from += found + 1;
            location.line = document.file_line(key);
            block = is_block_scalar(document, key, value);
        }
        (location, block)
    }
}

/// Every mapping entry under `node`, in document order (an entry before the entries of its
/// value).
fn entries_in_order<'t>(node: &'t Node, out: &mut Vec<(&'t Node, &'t Node)>) {
    match &node.value {
        Value::Scalar { .. } => {}
        Value::Sequence(items) => {
            for item in items {
                entries_in_order(item, out);
            }
        }
        Value::Mapping(entries) => {
            for (key, value) in entries {
                out.push((key, value));
                entries_in_order(value, out);
            }
        }
    }
}

/// Whether `value` is a literal or folded block scalar (`key: |`, `key: >-`): what is written
/// after the key and its colon starts with `|` or `>`.
fn is_block_scalar(document: &LocatedDocument, key: &Node, value: &Node) -> bool {
    if value.scalar().is_none() || value.start < key.end {
        return false;
    }
    let Some(rest) = document.text.get(key.end..) else {
        return false;
    };
    let after_colon = rest
        .trim_start_matches(['"', '\'', ' ', '\t'])
        .trim_start_matches(':')
        .trim_start();
    after_colon.starts_with(['|', '>'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const TEXT: &str = "# comment\napiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: app\n    volumeMounts:\n    - {name: config, mountPath: /etc/x, subPath: a}\n  volumes:\n  - name: other\n    configMap: {name: x}\n  - \"name\": config\n    secret:\n      secretName: app-tls\n      defaultMode: 0644\n---\nkind: ConfigMap\ndata:\n  app.conf: |\n    a=1\n    password=x\n";

    fn locator() -> Locator {
        Locator::new().with_text(Path::new("m.yaml"), TEXT)
    }

    fn origin(line: u64) -> Origin {
        Origin {
            file: PathBuf::from("m.yaml"),
            line,
        }
    }

    fn line(anchors: &[Anchor<'_>]) -> u64 {
        locator().find(&origin(2), anchors).line
    }

    #[test]
    fn anchors_are_found_in_order() {
        assert_eq!(line(&[Anchor::key("volumes")]), 11);
        assert_eq!(
            line(&[Anchor::key("volumes"), Anchor::entry("name", "config")]),
            14
        );
        assert_eq!(
            line(&[
                Anchor::key("volumes"),
                Anchor::entry("name", "config"),
                Anchor::key("defaultMode")
            ]),
            17
        );
        // `name: app` of the metadata comes first; after `containers:` it is the container.
        assert_eq!(line(&[Anchor::entry("name", "app")]), 5);
        assert_eq!(
            line(&[Anchor::key("containers"), Anchor::entry("name", "app")]),
            8
        );
    }

    #[test]
    fn flow_mappings_and_word_boundaries() {
        assert_eq!(line(&[Anchor::entry("subPath", "a")]), 10);
        // `secretName:` is not `name:`; `volumeMounts:` is not `volumes:`.
        assert_eq!(line(&[Anchor::entry("name", "app-tls")]), 2);
        assert_eq!(line(&[Anchor::key("volumeMounts")]), 9);
        assert_eq!(line(&[Anchor::entry("name", "x")]), 13);
    }

    #[test]
    fn a_missing_anchor_keeps_the_last_match_and_never_leaves_the_document() {
        assert_eq!(line(&[Anchor::key("volumes"), Anchor::key("nope")]), 11);
        assert_eq!(line(&[Anchor::key("data")]), 2);
        assert_eq!(locator().find(&origin(19), &[Anchor::key("data")]).line, 20);
        assert_eq!(locator().find(&origin(99), &[Anchor::key("data")]).line, 99);
        let unread = Locator::new().find(
            &Origin {
                file: PathBuf::from("/nonexistent/kubedrill.yaml"),
                line: 4,
            },
            &[Anchor::key("data")],
        );
        assert_eq!(unread.to_string(), "/nonexistent/kubedrill.yaml:4");
    }

    #[test]
    fn block_scalar_lines() {
        let anchors = [Anchor::key("data"), Anchor::key("app.conf")];
        assert_eq!(locator().find_in_block(&origin(19), &anchors, 2).line, 23);
        // Not a block scalar: stay on the key.
        let anchors = [Anchor::key("volumes"), Anchor::entry("name", "other")];
        assert_eq!(locator().find_in_block(&origin(2), &anchors, 2).line, 12);
    }
}

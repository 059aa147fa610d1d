//! Finding the line of a field in a manifest file, cheaply.
//!
//! The loader keeps only where each document starts ([`Origin`]). To point a finding at the
//! field it is about, this module scans the document's text forward for a sequence of anchors
//! (`volumes:`, then `name: config`, then `defaultMode:`), each searched from where the previous
//! one matched. It is a heuristic, not a YAML parser: when an anchor is not found (flow style
//! written in an unusual way, a file that cannot be read again) the location stays at the last
//! anchor found, or at the document's first line. A location is never wrong by more than that.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::api::Origin;

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
}

/// Reads each manifest file at most once and finds lines in it.
#[derive(Debug, Default)]
pub(crate) struct Locator {
    /// File text split into lines; `None` when the file cannot be read.
    texts: RefCell<HashMap<PathBuf, Option<Vec<String>>>>,
}

impl Locator {
    /// A locator that reads manifest files from disk when first asked about them.
    pub fn new() -> Self {
        Self::default()
    }

    /// A locator that knows `file` holds `text` (for tests, and for text not on disk).
    #[cfg(test)]
    pub fn with_text(self, file: &Path, text: &str) -> Self {
        self.texts
            .borrow_mut()
            .insert(file.to_path_buf(), Some(split_lines(text)));
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
        let mut texts = self.texts.borrow_mut();
        let lines = texts
            .entry(origin.file.clone())
            .or_insert_with(|| read_lines(&origin.file));
        let Some(lines) = lines.as_ref() else {
            return (location, false);
        };
        let Some(start) = usize::try_from(origin.line)
            .ok()
            .and_then(|line| line.checked_sub(1))
            .filter(|&start| start < lines.len())
        else {
            return (location, false);
        };
        let end = lines[start + 1..]
            .iter()
            .position(|line| is_marker(line))
            .map_or(lines.len(), |n| start + 1 + n);
        let mut position = (start, 0);
        let mut block = false;
        for anchor in anchors {
            let Some((line, column, is_block)) = search(lines, position, end, anchor) else {
                block = false;
                break;
            };
            position = (line, column);
            block = is_block;
            location.line = line as u64 + 1;
        }
        (location, block)
    }
}

fn read_lines(file: &Path) -> Option<Vec<String>> {
    std::fs::read_to_string(file)
        .ok()
        .map(|text| split_lines(&text))
}

fn split_lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// A document marker at column 0 (`---` or `...`), as the loader splits documents.
fn is_marker(line: &str) -> bool {
    ["---", "..."].iter().any(|marker| {
        line.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    })
}

/// The first match of `anchor` at or after `from` (line, byte column) and before line `end`:
/// its line, the column just after the key, and whether its value opens a block scalar.
fn search(
    lines: &[String],
    from: (usize, usize),
    end: usize,
    anchor: &Anchor<'_>,
) -> Option<(usize, usize, bool)> {
    for (index, line) in lines.iter().enumerate().take(end).skip(from.0) {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let first_column = if index == from.0 { from.1 } else { 0 };
        if let Some((column, block)) = match_in_line(line, first_column, anchor) {
            return Some((index, column, block));
        }
    }
    None
}

fn match_in_line(line: &str, from: usize, anchor: &Anchor<'_>) -> Option<(usize, bool)> {
    let tail = line.get(from..)?;
    for (offset, _) in tail.match_indices(anchor.key) {
        let at = from + offset;
        let before = &line[..at];
        let (before, quote) = match before.chars().last() {
            Some(q @ ('"' | '\'')) => (&before[..before.len() - 1], Some(q)),
            _ => (before, None),
        };
        let bounded = before
            .chars()
            .last()
            .is_none_or(|c| matches!(c, ' ' | '\t' | '{' | ',' | '\u{feff}'));
        if !bounded {
            continue;
        }
        let mut rest = &line[at + anchor.key.len()..];
        if let Some(q) = quote {
            match rest.strip_prefix(q) {
                Some(r) => rest = r,
                None => continue,
            }
        }
        let Some(value) = rest.trim_start_matches([' ', '\t']).strip_prefix(':') else {
            continue;
        };
        if !(value.is_empty() || value.starts_with([' ', '\t'])) {
            continue;
        }
        if let Some(expected) = anchor.value
            && scalar(value) != expected
        {
            continue;
        }
        return Some((at + anchor.key.len(), is_block_header(value)));
    }
    None
}

/// The scalar at the start of `text` (what follows `key:`), unquoted.
fn scalar(text: &str) -> &str {
    let text = text.trim_start();
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote) {
            return inner.split(quote).next().unwrap_or(inner);
        }
    }
    let end = [" #", ",", "}", "]"]
        .iter()
        .filter_map(|stop| text.find(stop))
        .min()
        .unwrap_or(text.len());
    text[..end].trim_end()
}

/// Whether a value starts a literal or folded block scalar (`|`, `|-`, `>+2`, ...).
fn is_block_header(value: &str) -> bool {
    let value = value.trim();
    let value = value.split(" #").next().unwrap_or(value).trim_end();
    let mut chars = value.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '+' | '-') || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

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

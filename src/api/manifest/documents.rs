//! Splitting a manifest file's text into its `---` documents, remembering the file line each
//! starts on.
//!
//! Owns the document-marker rule only; it does not parse YAML.

/// One document's text and the file line (1-based) its first line is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Chunk<'a> {
    pub(super) text: &'a str,
    pub(super) first_line: u64,
}

impl Chunk<'_> {
    /// A chunk location (1-based line) as a file location.
    pub(super) fn file_location(&self, line: u64, column: u64) -> (u64, u64) {
        (line + self.first_line - 1, column)
    }
}

pub(super) fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Splits on document markers at column 0: `---` starts a document (and stays in it, it may
/// carry content), `...` ends one (and is dropped).
pub(super) fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (line_number, line) in (1_u64..).zip(text.split_inclusive('\n')) {
        let bare = line.trim_end_matches(['\n', '\r']);
        if is_marker(bare, "---") {
            if offset > start {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    first_line: start_line,
                });
            }
            start = offset;
            start_line = line_number;
        } else if is_marker(bare, "...") {
            if offset > start {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    first_line: start_line,
                });
            }
            start = offset + line.len();
            start_line = line_number + 1;
        }
        offset += line.len();
    }
    if start < text.len() {
        chunks.push(Chunk {
            text: &text[start..],
            first_line: start_line,
        });
    }
    chunks
}

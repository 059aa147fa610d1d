//! Deserializing a document with serde-saphyr under Kubernetes' rules (no schema: unquoted
//! numbers in string fields are errors; YAML 1.1 octal modes), with error locations kept in the
//! document's own coordinates.
//!
//! Owns the deserializer options and the quoting of numeric keys. It does not word errors (see
//! `document`).

use super::*;

// ---------------------------------------------------------------------------------------------
// Deserialization with located errors
// ---------------------------------------------------------------------------------------------

pub(super) fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    // `PORT: 8080` in a string field is an error for the API server (kubectl turns YAML into
    // JSON, where 8080 is a number): demand quotes, as it does.
    options.no_schema = true;
    // kubectl reads YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2), where `defaultMode: 0400` is
    // octal 256: the way every Kubernetes example writes file modes.
    options.legacy_octal_numbers = true;
    // Errors are rendered here, on one line, with file locations.
    options.with_snippet = false;
    options
}

/// A serde-saphyr error with its location in the chunk's own coordinates.
pub(super) struct DeFailure {
    pub(super) error: Box<serde_saphyr::Error>,
    pub(super) location: Option<(u64, u64)>,
}

pub(super) fn original_error(mut error: &serde_saphyr::Error) -> &serde_saphyr::Error {
    loop {
        match error {
            serde_saphyr::Error::WithSnippet { error: inner, .. }
            | serde_saphyr::Error::AliasError { error: inner, .. } => error = inner,
            other => return other,
        }
    }
}

/// Deserializes `text`. `no_schema` also rejects unquoted numeric or boolean *keys* (such as
/// `9000:` in a `data` map), which Kubernetes accepts as strings: such keys are quoted in a
/// copy of the text, mapping error locations back to the original.
///
/// Every plain key that may read as a number or a boolean is quoted up front, in one pass, so
/// that loading stays linear in the number of keys (quoting a key that is a string anyway
/// changes nothing). Should the deserializer still ask for quotes on a key the up-front test
/// missed, that key is quoted too and deserialization retried.
pub(super) fn deserialize_document<T: DeserializeOwned>(
    text: &str,
    index: &NodeIndex,
) -> Result<T, DeFailure> {
    let mut quoted: Vec<&Node> = index
        .nodes
        .iter()
        .filter(|n| n.is_key && n.plain && may_read_as_non_string(n) && n.quotable(text))
        .collect();
    loop {
        let source: Cow<'_, str> = if quoted.is_empty() {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(with_quoted_keys(text, &quoted))
        };
        let error = match serde_saphyr::from_str_with_options::<T>(&source, options()) {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let location = error
            .location()
            .map(|l| unshift(l.line(), l.column(), &quoted));
        if matches!(
            original_error(&error),
            serde_saphyr::Error::QuotingRequired { .. }
        ) && let Some(node) =
            location.and_then(|(line, column)| index.exact(line, column).find(|n| n.is_key))
            && node.is_key
            && node.plain
            && node.quotable(text)
            && !quoted.iter().any(|q| std::ptr::eq(*q, node))
        {
            quoted.push(node);
            continue;
        }
        return Err(DeFailure {
            error: Box::new(error),
            location,
        });
    }
}

/// Whether a plain key could be read as a number or a boolean by YAML (1.1 or 1.2): it starts
/// like a number (`8000`, `-1`, `.5`, `0x1F`, `.inf`) or is a boolean word (`yes`, `on`, `y`).
/// Null-like keys (`~`, `null`) are left alone: they are an error of their own.
pub(super) fn may_read_as_non_string(node: &Node) -> bool {
    const BOOLEANS: [&str; 8] = ["y", "yes", "n", "no", "true", "false", "on", "off"];
    let Some(value) = node.value.as_deref() else {
        return false;
    };
    let starts_like_number = value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'));
    starts_like_number || BOOLEANS.contains(&value.to_ascii_lowercase().as_str())
}

pub(super) fn with_quoted_keys(text: &str, keys: &[&Node]) -> String {
    let mut spans: Vec<(usize, usize)> = keys.iter().filter_map(|n| n.span).collect();
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len() + 2 * spans.len());
    let mut last = 0;
    for (start, end) in spans {
        out.push_str(&text[last..start]);
        out.push('"');
        out.push_str(&text[start..end]);
        out.push('"');
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Maps a location in the quoted copy back to the original text.
pub(super) fn unshift(line: u64, column: u64, keys: &[&Node]) -> (u64, u64) {
    let mut on_line: Vec<u64> = keys
        .iter()
        .filter(|k| k.line == line)
        .map(|k| k.column)
        .collect();
    on_line.sort_unstable();
    let mut shift = 0;
    for original_column in on_line {
        if column > original_column + shift {
            shift += 2;
        }
    }
    (line, column.saturating_sub(shift).max(1))
}

pub(super) const TOO_COMPLEX: &str = "YAML document too large or too complex: more nodes, alias expansions or nesting levels \
     than kubedrill reads";
pub(super) const TOO_COMPLEX_HINT: &str = "aliases are expanded and nesting is followed in memory: write the values out and flatten \
     the structure";

/// The parser's resource limits (nodes, nesting depth, alias expansion: YAML bombs).
pub(super) fn is_too_complex(error: &serde_saphyr::Error) -> bool {
    matches!(
        error,
        serde_saphyr::Error::Budget { .. }
            | serde_saphyr::Error::AliasReplayCounterOverflow { .. }
            | serde_saphyr::Error::AliasReplayLimitExceeded { .. }
            | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
    )
}

/// What YAML makes of an unquoted scalar that is not a string (for the error message only).
pub(super) fn plain_scalar_type(value: &str) -> &'static str {
    const BOOLEANS: [&str; 8] = ["true", "false", "yes", "no", "on", "off", "y", "n"];
    let lower = value.to_ascii_lowercase();
    if BOOLEANS.contains(&lower.as_str()) {
        "boolean"
    } else if ["~", "null"].contains(&lower.as_str()) {
        "null"
    } else if value.chars().any(|c| c.is_ascii_digit())
        || lower.contains("inf")
        || lower.contains("nan")
    {
        "number"
    } else {
        "non-string value"
    }
}

pub(super) fn sanitize(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

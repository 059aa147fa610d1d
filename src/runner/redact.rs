//! Redaction of Secret-derived values: done once, where results are made, so no reporter can
//! leak a value (STYLE.md: "redaction happens once, where events are made").
//!
//! A value leaks in more shapes than itself: an app logs a PEM key line by line (each line is
//! one log line, so a whole-value match never fires), prints the base64 it was given, or
//! wraps that base64 at 64 (openssl) or 76 (coreutils, MIME) columns. Each value therefore
//! yields a set of *fragments* — the value, its trimmed form, every line of a multi-line value
//! except PEM armour (`-----BEGIN …-----`, which names a format, not a secret), and its
//! standard and URL-safe base64 (padded and not) with their wrapped lines — and every occurrence of any fragment is replaced.

use std::collections::BTreeSet;

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

/// What a redacted value is replaced with.
pub const REDACTED: &str = "‹redacted›";

/// Fragments shorter than this are only redacted where a whole text equals a whole value: a
/// two-byte Secret would otherwise blank out every occurrence of e.g. `ok` in a log, and a
/// `}` line of a multi-line JSON Secret every closing brace.
pub const MIN_SUBSTRING: usize = 4;

/// The columns base64 is commonly wrapped at: openssl's 64 and coreutils' / MIME's 76.
const BASE64_WRAP_WIDTHS: [usize; 2] = [64, 76];

/// Values above this size get no wrapped-base64 fragments: a 1 MiB bundle would add some
/// 100,000 of them to the matcher; its lines and whole encodings are still redacted.
const MAX_WRAPPED_VALUE: usize = 64 * 1024;

/// Replaces known Secret values in text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// The raw values, to tell new ones from known ones.
    values: BTreeSet<Vec<u8>>,
    /// Whole values (also without trailing newlines): a text equal to one is redacted even
    /// when it is shorter than [`MIN_SUBSTRING`].
    whole: BTreeSet<String>,
    /// Fragments of at least [`MIN_SUBSTRING`] bytes, redacted wherever they occur.
    fragments: BTreeSet<String>,
    /// Finds every (overlapping) occurrence of every fragment; `None` without fragments.
    matcher: Option<AhoCorasick>,
    enabled: bool,
}

impl Redactor {
    /// A redactor for these Secret values (raw bytes; non-UTF-8 values are matched lossily,
    /// their base64 is computed from the bytes). `enabled: false` (`--show-secrets`) makes
    /// every method a no-op.
    pub fn new(values: &[Vec<u8>], enabled: bool) -> Self {
        let mut r = Redactor {
            enabled,
            ..Redactor::default()
        };
        r.extend(values.iter().cloned());
        r
    }

    /// Adds values (Secrets seen later in the run: an old password stays redacted after an
    /// update replaced it).
    pub fn extend(&mut self, values: impl IntoIterator<Item = Vec<u8>>) {
        let mut changed = false;
        for v in values {
            if v.is_empty() || self.values.contains(&v) {
                continue;
            }
            for w in whole_forms(&v) {
                self.whole.insert(w);
            }
            for f in fragments(&v) {
                self.fragments.insert(f);
            }
            self.values.insert(v);
            changed = true;
        }
        if changed {
            // Standard semantics: overlapping search reports every occurrence of every
            // fragment. Building only fails for automata far larger than any Secret set; then
            // redaction falls back to the slower per-fragment search in `text`.
            self.matcher = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&self.fragments)
                .ok();
        }
    }

    /// Whether redaction is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// `text` with every Secret value — and every fragment of one (see the module docs) —
    /// replaced by [`REDACTED`]. Overlapping occurrences become one marker.
    pub fn text(&self, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        if self.whole.contains(text.trim_end_matches(['\n', '\r'])) {
            return REDACTED.to_string();
        }
        let mut spans: Vec<(usize, usize)> = match &self.matcher {
            Some(ac) => ac
                .find_overlapping_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect(),
            None => self
                .fragments
                .iter()
                .flat_map(|f| occurrences(text, f))
                .collect(),
        };
        if spans.is_empty() {
            return text.to_string();
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < spans.len() {
            let (start, mut end) = spans[i];
            i += 1;
            while i < spans.len() && spans[i].0 <= end {
                end = end.max(spans[i].1);
                i += 1;
            }
            // Fragments are valid UTF-8 and so is `text`: a match starts and ends on char
            // boundaries (UTF-8 is self-synchronising).
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        out.push_str(&text[copied..]);
        out
    }

    /// A whole value known to come from a Secret: replaced entirely.
    pub fn whole(&self, text: &str) -> String {
        if self.enabled {
            REDACTED.to_string()
        } else {
            text.to_string()
        }
    }
}

/// Every start of `needle` in `haystack`, overlapping ones included.
fn occurrences(haystack: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = haystack.get(from..).and_then(|rest| rest.find(needle)) {
        let start = from + at;
        found.push((start, start + needle.len()));
        // Next char boundary after `start`.
        from = start + haystack[start..].chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// The texts that count as the whole value: the value and the value without trailing line
/// breaks (a file written by `kubectl create secret --from-file` usually ends in one).
fn whole_forms(value: &[u8]) -> Vec<String> {
    let s = String::from_utf8_lossy(value).into_owned();
    let trimmed = s.trim_end_matches(['\n', '\r']).to_string();
    let mut forms = vec![s];
    if !trimmed.is_empty() {
        forms.push(trimmed);
    }
    forms
}

/// The fragments of `value` that are redacted wherever they occur (module docs).
pub(crate) fn fragments(value: &[u8]) -> Vec<String> {
    let s = String::from_utf8_lossy(value);
    let mut out = vec![s.to_string(), s.trim().to_string()];
    out.extend(
        s.lines()
            .map(str::trim)
            .filter(|l| !is_pem_armour(l))
            .map(str::to_string),
    );
    // `echo "$VALUE" | base64` encodes a trailing newline the value may not have.
    let trimmed = trim_trailing_newlines(value);
    let mut with_newline = trimmed.to_vec();
    with_newline.push(b'\n');
    for bytes in [value, trimmed, &with_newline] {
        for encoded in [STANDARD.encode(bytes), URL_SAFE.encode(bytes)] {
            for width in BASE64_WRAP_WIDTHS {
                if encoded.len() > width && value.len() <= MAX_WRAPPED_VALUE {
                    out.extend(wrapped_lines(&encoded, width));
                }
            }
            // Unpadded too: the padded form contains it, and JWTs and URLs drop the `=`.
            out.push(encoded.trim_end_matches('=').to_string());
            out.push(encoded);
        }
    }
    out.retain(|f| f.len() >= MIN_SUBSTRING);
    out.sort();
    out.dedup();
    out
}

fn trim_trailing_newlines(mut value: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = value {
        value = rest;
    }
    value
}

/// `encoded` cut into lines of `width` (base64 is ASCII, so byte offsets are char offsets).
fn wrapped_lines(encoded: &str, width: usize) -> impl Iterator<Item = String> + '_ {
    encoded
        .as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8_lossy(c).into_owned())
}

/// `-----BEGIN RSA PRIVATE KEY-----` and its `END` twin: they say what the value is, not
/// what it contains, and redacting them would hide which kind of key an app printed.
pub(crate) fn is_pem_armour(line: &str) -> bool {
    (line.starts_with("-----BEGIN ") || line.starts_with("-----END ")) && line.ends_with("-----")
}

/// `source` (a manifest or scenario file) with the values under every `data:` and
/// `stringData:` of a Secret replaced by [`REDACTED`], line for line (the line count and
/// everything before a value — indentation, keys, so a caret's column — stay as they were).
///
/// For the source line printed under an error: the file may be invalid YAML (that is why
/// there is an error), so this works on lines, not on a parse. A document counts as
/// Secret-bearing when it says `kind: Secret` or has a `secret:` key (a scenario's
/// `update: {secret: …}` step); in such a document every `data:`/`stringData:` mapping is
/// redacted, block or flow style: entries keep their keys, block-scalar lines go entirely.
/// Erring on the side of hiding: a ConfigMap's `data:` in a document that also mentions a
/// Secret is hidden too.
pub fn redact_secret_source(source: &str) -> String {
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let mut out = String::with_capacity(source.len());
    let mut start = 0;
    while start < lines.len() {
        let end = (start + 1..lines.len())
            .find(|&i| is_document_start(lines[i]))
            .unwrap_or(lines.len());
        let doc = &lines[start..end];
        if doc.iter().any(|l| mentions_secret(l)) {
            redact_document(doc, &mut out);
        } else {
            doc.iter().for_each(|l| out.push_str(l));
        }
        start = end;
    }
    out
}

fn is_document_start(line: &str) -> bool {
    let l = line.trim_end();
    l == "---" || l.starts_with("--- ") || l.starts_with("---\t") || l == "..."
}

fn mentions_secret(line: &str) -> bool {
    static RE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"\bkind["']?\s*:\s*["']?Secret\b|(^|[\s{,])["']?secret["']?\s*:"#).ok()
    });
    RE.as_ref().is_none_or(|re| re.is_match(line))
}

/// Where a `data:`/`stringData:` key is on `line`: (column of the key, byte offset right
/// after its colon).
fn data_key(line: &str) -> Option<(usize, usize)> {
    static RE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?:^|[\s{,])(["']?(?:data|stringData)["']?\s*:)(?:\s|$)"#).ok()
    });
    let caps = RE.as_ref()?.captures(line)?;
    let key = caps.get(1)?;
    Some((key.start(), key.end()))
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t', '-']).len()
}

fn redact_document(doc: &[&str], out: &mut String) {
    // The column of the `data:` key whose block mapping we are in.
    let mut section: Option<usize> = None;
    for line in doc {
        let body = line.trim_end_matches(['\n', '\r']);
        let eol = &line[body.len()..];
        let blank = body.trim().is_empty() || body.trim_start().starts_with('#');
        if let Some(key_col) = section {
            if blank {
                out.push_str(line);
                continue;
            }
            if indentation(body) > key_col {
                out.push_str(&redact_entry(body));
                out.push_str(eol);
                continue;
            }
            section = None;
        }
        match data_key(body) {
            Some((key_col, after)) => {
                let rest = body[after..].trim();
                if rest.is_empty() || rest.starts_with('#') {
                    section = Some(key_col);
                    out.push_str(line);
                } else {
                    out.push_str(&body[..after]);
                    out.push(' ');
                    out.push_str(REDACTED);
                    out.push_str(eol);
                }
            }
            None => out.push_str(line),
        }
    }
}

/// One line inside a `data:` mapping: `key: value` keeps its key; a block scalar's indicator
/// (`|`, `>-`, …) is kept; any other line (a block scalar's content) goes entirely.
fn redact_entry(body: &str) -> String {
    static RE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"^(\s*(?:-\s+)?(?:"[^"]*"|'[^']*'|[^\s:#"'][^:#]*?)\s*:)(\s+|$)"#).ok()
    });
    let indent = &body[..body.len() - body.trim_start().len()];
    let Some(m) = RE.as_ref().and_then(|re| re.captures(body)) else {
        return format!("{indent}{REDACTED}");
    };
    let Some(key) = m.get(1) else {
        return format!("{indent}{REDACTED}");
    };
    let value = body[key.end()..].trim();
    let is_indicator = value.is_empty()
        || value.starts_with('#')
        || (value.len() <= 3 && (value.starts_with('|') || value.starts_with('>')));
    if is_indicator {
        body.to_string()
    } else {
        format!("{} {REDACTED}", &body[..key.end()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
        MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAu1SU1LfVLPHCozMx\n\
        H2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTK\n\
        EvJbsIDAQABAkEAtK+NJ5VgCjnqZCeeIt41zHMAm6GrkIEnEYe1p7Dm9sZ1qgWq\n\
        Zw==\n\
        -----END PRIVATE KEY-----\n";

    #[test]
    fn replaces_values_and_respects_show_secrets() {
        let r = Redactor::new(&[b"SecureP@ssw0rd".to_vec(), b"ab".to_vec()], true);
        assert_eq!(r.text("pw=SecureP@ssw0rd;"), format!("pw={REDACTED};"));
        assert_eq!(r.text("ab"), REDACTED);
        assert_eq!(
            r.text("table"),
            "table",
            "short values only as whole values"
        );
        let shown = Redactor::new(&[b"SecureP@ssw0rd".to_vec()], false);
        assert_eq!(shown.text("SecureP@ssw0rd"), "SecureP@ssw0rd");
    }

    #[test]
    fn every_body_line_of_a_pem_key_is_redacted_but_not_its_armour() {
        let r = Redactor::new(&[PEM.as_bytes().to_vec()], true);
        for line in PEM.lines() {
            let logged = format!("app | {line}");
            let out = r.text(&logged);
            if is_pem_armour(line) {
                assert_eq!(out, logged, "armour stays readable");
            } else {
                assert_eq!(out, format!("app | {REDACTED}"), "{line}");
            }
        }
        assert_eq!(r.text(PEM), format!("{REDACTED}"));
        let pem_in_text = format!("key:\n{PEM}done");
        assert!(!r.text(&pem_in_text).contains("MIIB"));
    }

    #[test]
    fn base64_forms_are_redacted_wrapped_or_not() {
        let value = "correct horse battery staple, and then some more words to pass 76 columns";
        let r = Redactor::new(&[value.as_bytes().to_vec()], true);
        let std = STANDARD.encode(value);
        let url = URL_SAFE.encode(value);
        let echoed = STANDARD.encode(format!("{value}\n"));
        for form in [&std, &url, &echoed] {
            assert_eq!(r.text(&format!("b64={form}")), format!("b64={REDACTED}"));
        }
        for width in [64, 76] {
            for chunk in std.as_bytes().chunks(width) {
                let chunk = std::str::from_utf8(chunk).unwrap();
                assert!(!r.text(&format!("> {chunk}")).contains(chunk), "{chunk}");
            }
        }
    }

    #[test]
    fn value_with_trailing_newline_matches_without_it() {
        let r = Redactor::new(&[b"s3cr3t-token\n".to_vec(), b"pw\n".to_vec()], true);
        assert_eq!(r.text("token s3cr3t-token."), format!("token {REDACTED}."));
        assert_eq!(r.text("pw"), REDACTED);
    }

    #[test]
    fn overlapping_values_become_one_marker() {
        let r = Redactor::new(&[b"abcdef".to_vec(), b"defghi".to_vec()], true);
        assert_eq!(r.text("x abcdefghi y"), format!("x {REDACTED} y"));
    }

    #[test]
    fn short_lines_of_multi_line_values_stay() {
        let json = b"{\n  \"password\": \"hunter22\"\n}\n".to_vec();
        let r = Redactor::new(&[json], true);
        assert_eq!(r.text("}"), "}");
        assert_eq!(
            r.text("got \"password\": \"hunter22\""),
            format!("got {REDACTED}")
        );
    }

    #[test]
    fn secret_source_keeps_keys_and_structure_but_not_values() {
        let src = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  \"bad key!\": canary-1\n  pem: |\n    -----BEGIN X-----\n    canary-2\n    -----END X-----\n\n  other: 5\ndata: {b64: Y2FuYXJ5}\ntype: Opaque\n---\nkind: ConfigMap\ndata:\n  plain: visible\n";
        let out = redact_secret_source(src);
        assert_eq!(out.lines().count(), src.lines().count());
        for canary in ["canary-1", "canary-2", "Y2FuYXJ5", "BEGIN X", ": 5"] {
            assert!(!out.contains(canary), "{canary} in:\n{out}");
        }
        assert!(
            out.contains(&format!("  \"bad key!\": {REDACTED}\n")),
            "{out}"
        );
        assert!(out.contains("  pem: |\n"), "{out}");
        assert!(
            out.contains(&format!("data: {REDACTED}\ntype: Opaque\n")),
            "{out}"
        );
        assert!(out.contains("metadata:\n  name: db\n"), "{out}");
        assert!(
            out.ends_with("data:\n  plain: visible\n"),
            "ConfigMaps stay:\n{out}"
        );
    }

    #[test]
    fn secret_updates_in_scenarios_are_redacted_in_flow_style() {
        let src = "  steps:\n    - update: {secret: db, stringData: {password: canary-3}}\n    - update: {configMap: c, data: {a: b}}\n";
        let out = redact_secret_source(src);
        assert!(!out.contains("canary-3"), "{out}");
        assert!(out.contains("stringData: ‹redacted›"), "{out}");
    }
}

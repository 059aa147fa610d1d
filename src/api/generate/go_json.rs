//! The bytes Go's `encoding/json` writes, for the two places where kubectl's output is hashed
//! or stored verbatim: the name hash (`pkg/util/hash`) and `.dockerconfigjson`.
//!
//! Why not serde_json: Go escapes `<`, `>` and `&` (`\u003c`…), U+2028/U+2029, and writes
//! `[]byte` as standard base64; serde_json does none of that, so a hash over serde_json's
//! output would differ from kubectl's as soon as a value holds `&` or `<`.

use std::collections::BTreeMap;

use base64::Engine;

/// A JSON value as Go's `encoding/json` marshals `map[string]interface{}` trees: object keys
/// sorted by bytes (Go sorts map keys; `BTreeMap<String, _>` orders the same way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GoJson {
    /// `null` (a nil map).
    Null,
    /// A Go string.
    Str(String),
    /// A Go `[]byte`: standard base64 with padding.
    Bytes(Vec<u8>),
    /// A map or struct; the order is the key order of the `Vec` (structs keep field order,
    /// maps are passed through [`GoJson::map`] which sorts).
    Object(Vec<(String, GoJson)>),
}

impl GoJson {
    /// A Go map: keys sorted the way `encoding/json` sorts them.
    pub(crate) fn map(entries: BTreeMap<String, GoJson>) -> GoJson {
        GoJson::Object(entries.into_iter().collect())
    }

    /// The marshalled text (`json.Marshal`, HTML escaping on, no indentation).
    pub(crate) fn marshal(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            GoJson::Null => out.push_str("null"),
            GoJson::Str(s) => write_string(out, s),
            GoJson::Bytes(b) => {
                out.push('"');
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
                out.push('"');
            }
            GoJson::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// A Go string as `encoding/json` writes it with HTML escaping (Go ≥ 1.22, which kubectl is
/// built with: `appendString` in `encoding/json/encode.go`): `\"`, `\\`, `\b`, `\f`, `\n`,
/// `\r`, `\t`; other bytes below 0x20 and `<`, `>`, `&` as `\u00XX` (lowercase hex);
/// U+2028 and U+2029 as `\u2028`/`\u2029`. Everything else, DEL and non-ASCII included, as is.
pub(crate) fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xf)] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        write_string(&mut out, s);
        out
    }

    #[test]
    fn go_json_escapes_html_and_line_separators_like_go() {
        assert_eq!(quoted("a&b<c>d"), r#""a\u0026b\u003cc\u003ed""#);
        assert_eq!(quoted("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
        assert_eq!(quoted("q\"\\"), r#""q\"\\""#);
        assert_eq!(quoted("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(quoted("\u{1}\u{1f}\u{7f}é"), "\"\\u0001\\u001f\u{7f}é\"");
    }

    #[test]
    fn go_json_bytes_are_standard_base64_and_maps_sorted() {
        let mut map = BTreeMap::new();
        map.insert("two".to_string(), GoJson::Bytes(b"2".to_vec()));
        map.insert("one".to_string(), GoJson::Bytes(Vec::new()));
        map.insert("three".to_string(), GoJson::Bytes(b"3".to_vec()));
        assert_eq!(
            GoJson::map(map).marshal(),
            r#"{"one":"","three":"Mw==","two":"Mg=="}"#
        );
    }
}

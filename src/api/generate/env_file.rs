//! `--from-env-file`: kubectl's `AddFromEnvFile` and `processEnvFileLine`
//! (`kubectl/pkg/cmd/util/env_file.go`).
//!
//! Lines are split like `bufio.Scanner` (`\n`, a trailing `\r` dropped). The first line loses
//! a UTF-8 BOM; every line loses its leading whitespace (`unicode.IsSpace`); empty lines and
//! lines starting with `#` are skipped. The key is everything before the first `=` and must be
//! a valid env var name (`IsEnvVarName`: so `KEY = v` is refused, the key being `KEY `); the
//! value is everything after it, trailing whitespace and quotes kept. A line without `=` takes
//! the value of that variable in kubedrill's environment (empty when unset, like
//! `os.Getenv`). A value that starts with `"` and does not end with one continues on the next
//! lines up to one that ends with `"`: the value is then the lines joined by `\n`, without the
//! outer quotes (a one-line `"v"` keeps its quotes).
//!
//! Two deliberate differences, both where kubectl silently loses keys: a line over 64 KiB
//! (kubectl's scanner stops there, and the rest of the file is ignored) and a quote never
//! closed (kubectl drops the key) are errors here.

use super::error::GenerateErrorKind;

/// `bufio.MaxScanTokenSize`: the longest line (with its newline) kubectl can read.
const MAX_LINE: usize = 64 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `IsEnvVarName`'s message (`k8s.io/apimachinery/pkg/util/validation`).
const ENV_VAR_NAME_ERROR: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const ENV_VAR_NAME_FORMAT: &str = "[-._a-zA-Z][-._a-zA-Z0-9]*";

/// One key of an env file, with the (1-based) line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvEntry {
    pub key: String,
    pub value: Vec<u8>,
    pub line: usize,
}

/// Every entry of the env file `bytes` (named `path` in errors), in file order; `lookup` is
/// the environment a bare `KEY` line reads.
pub(crate) fn parse(
    bytes: &[u8],
    path: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<EnvEntry>, GenerateErrorKind> {
    let mut entries = Vec::new();
    // The entry whose quoted value continues, and the value so far (each line + "\n").
    let mut open: Option<(String, usize, Vec<u8>)> = None;
    let mut first = true;
    for (index, raw) in scan_lines(bytes).enumerate() {
        let line_no = index + 1;
        if raw.len() + 1 > MAX_LINE {
            return Err(GenerateErrorKind::EnvLineTooLong {
                path: path.to_string(),
                line: line_no,
            });
        }
        if let Some((key, at, mut buffer)) = open.take() {
            // kubectl keeps a continuation line's bytes unchecked; a value is text here.
            if std::str::from_utf8(raw).is_err() {
                return Err(GenerateErrorKind::EnvInvalidUtf8 {
                    path: path.to_string(),
                    line: line_no,
                });
            }
            buffer.extend_from_slice(raw);
            buffer.push(b'\n');
            if raw.ends_with(b"\"") {
                // kubectl: value[1 : len(value)-2], the opening quote and the closing `"\n`.
                let value = buffer[1..buffer.len() - 2].to_vec();
                entries.push(EnvEntry {
                    key,
                    value,
                    line: at,
                });
            } else {
                open = Some((key, at, buffer));
            }
            continue;
        }
        let Some((key, value)) = process_line(raw, first, path, line_no, lookup)? else {
            first = false;
            continue;
        };
        first = false;
        if value.starts_with(b"\"") && !value.ends_with(b"\"") {
            let mut buffer = value;
            buffer.push(b'\n');
            open = Some((key, line_no, buffer));
            continue;
        }
        entries.push(EnvEntry {
            key,
            value,
            line: line_no,
        });
    }
    if let Some((key, line, _)) = open {
        return Err(GenerateErrorKind::EnvUnterminatedQuote {
            path: path.to_string(),
            line,
            key,
        });
    }
    Ok(entries)
}

/// `processEnvFileLine`: `None` for an empty or comment line.
fn process_line(
    raw: &[u8],
    first: bool,
    path: &str,
    line: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, Vec<u8>)>, GenerateErrorKind> {
    let Ok(text) = std::str::from_utf8(raw) else {
        return Err(GenerateErrorKind::EnvInvalidUtf8 {
            path: path.to_string(),
            line,
        });
    };
    let text = if first {
        text.strip_prefix(std::str::from_utf8(UTF8_BOM).unwrap_or_default())
            .unwrap_or(text)
    } else {
        text
    };
    let text = text.trim_start_matches(char::is_whitespace);
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let (key, value) = match text.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (text, None),
    };
    let errors = env_var_name_errors(key);
    if !errors.is_empty() {
        return Err(GenerateErrorKind::EnvInvalidKey {
            path: path.to_string(),
            line,
            key: Some(key.to_string()),
            errors: errors.join(";"),
        });
    }
    let value = match value {
        Some(value) => value.as_bytes().to_vec(),
        None => lookup(key).unwrap_or_default().into_bytes(),
    };
    Ok(Some((key.to_string(), value)))
}

/// `IsEnvVarName` (apimachinery): `[-._a-zA-Z][-._a-zA-Z0-9]*`, and not `.`, `..` or `..*`.
fn env_var_name_errors(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let head = |b: &u8| b.is_ascii_alphabetic() || matches!(b, b'-' | b'.' | b'_');
    let bytes = name.as_bytes();
    if !(bytes.first().is_some_and(head) && bytes.iter().all(|b| head(b) || b.is_ascii_digit())) {
        errors.push(crate::api::validation::regex_error(
            ENV_VAR_NAME_ERROR,
            ENV_VAR_NAME_FORMAT,
            &["my.env-name", "MY_ENV.NAME", "MyEnvName1"],
        ));
    }
    errors.extend(crate::api::validation::dot_name_error(name).map(String::from));
    errors
}

/// `bufio.ScanLines`: lines split on `\n`, a trailing `\r` dropped, a last line without `\n`
/// kept, no empty token after a final `\n`.
fn scan_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = bytes.is_empty();
    body.split(|b| *b == b'\n')
        .filter(move |_| !empty)
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text.as_bytes(), "app.env", &no_env)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, String::from_utf8(e.value).unwrap()))
            .collect()
    }

    #[test]
    fn env_file_lines_like_bufio_scanner() {
        assert!(pairs("").is_empty());
        assert_eq!(pairs("A=1"), [("A".into(), "1".into())]);
        assert_eq!(
            pairs("A=1\r\nB=2\n\n"),
            [("A".into(), "1".into()), ("B".into(), "2".into())]
        );
    }

    #[test]
    fn env_file_quotes_continue_until_a_line_ends_with_a_quote() {
        assert_eq!(pairs("A=\"x\"\n"), [("A".into(), "\"x\"".into())]);
        assert_eq!(pairs("A=\"\n"), [("A".into(), "\"".into())]);
        assert_eq!(
            pairs("A=\"one\n  two\nthree\"\nB=2\n"),
            [
                ("A".into(), "one\n  two\nthree".into()),
                ("B".into(), "2".into())
            ]
        );
        let err = parse(b"A=\"never closed\nB=2\n", "app.env", &no_env).unwrap_err();
        assert!(matches!(
            err,
            GenerateErrorKind::EnvUnterminatedQuote { line: 1, .. }
        ));
    }

    #[test]
    fn env_file_refuses_a_line_kubectl_would_silently_stop_at() {
        let long = format!("A={}\nB=2\n", "x".repeat(MAX_LINE));
        let err = parse(long.as_bytes(), "app.env", &no_env).unwrap_err();
        assert!(matches!(
            err,
            GenerateErrorKind::EnvLineTooLong { line: 1, .. }
        ));
        let fits = format!("A={}\n", "x".repeat(MAX_LINE - 3));
        assert_eq!(pairs(&fits).len(), 1);
    }
}

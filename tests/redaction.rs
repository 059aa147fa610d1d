//! Property tests of Secret redaction: whatever the value and whatever text an app wraps it
//! in, no line of the value long enough to be matched, and none of its base64 forms,
//! survives `Redactor::text`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use kubedrill::runner::redact::{MIN_SUBSTRING, REDACTED, Redactor};
use proptest::prelude::*;

/// Output with every marker replaced by a character no generated value contains: what is
/// left is exactly what the redactor let through.
fn leftover(out: &str) -> String {
    out.replace(REDACTED, "\u{0}")
}

fn is_armour(line: &str) -> bool {
    (line.starts_with("-----BEGIN ") || line.starts_with("-----END ")) && line.ends_with("-----")
}

/// The lines of `value` the redactor must never let through.
fn secret_lines(value: &str) -> Vec<String> {
    value
        .lines()
        .map(str::trim)
        .filter(|l| l.len() >= MIN_SUBSTRING && !is_armour(l))
        .map(str::to_string)
        .collect()
}

fn base64_forms(value: &str) -> Vec<String> {
    [STANDARD.encode(value), URL_SAFE.encode(value)]
        .into_iter()
        .map(|e| e.trim_end_matches('=').to_string())
        .filter(|e| e.len() >= MIN_SUBSTRING)
        .collect()
}

/// Text without the characters used by the checker; any Unicode, newlines included.
fn text() -> impl Strategy<Value = String> {
    "[^\u{0}‹›]{0,40}"
}

/// Values shaped like what Secrets hold: a few lines of mixed characters, sometimes with PEM
/// armour around them.
fn secret_value() -> impl Strategy<Value = String> {
    (
        prop::collection::vec("[ -~]{0,30}|[^\u{0}‹›\n\r]{0,12}", 1..6),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, armour, trailing_newline)| {
            let mut v = lines.join("\n");
            if armour {
                v = format!("-----BEGIN TEST KEY-----\n{v}\n-----END TEST KEY-----");
            }
            if trailing_newline {
                v.push('\n');
            }
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The value itself, embedded whole in arbitrary text.
    #[test]
    fn no_line_of_an_embedded_value_survives(value in secret_value(), other in secret_value(),
                                             before in text(), after in text()) {
        let r = Redactor::new(&[value.as_bytes().to_vec(), other.as_bytes().to_vec()], true);
        let out = leftover(&r.text(&format!("{before}{value}{after}")));
        for line in secret_lines(&value) {
            prop_assert!(!out.contains(&line), "line {line:?} survived in {out:?}");
        }
    }

    /// The value logged line by line, each line with an app's prefix, as a log capture sees it.
    #[test]
    fn no_line_survives_when_logged_line_by_line(value in secret_value(), prefix in "[^\u{0}‹›\n]{0,10}") {
        let r = Redactor::new(&[value.as_bytes().to_vec()], true);
        for logged in value.lines() {
            let out = leftover(&r.text(&format!("{prefix}{logged}")));
            for line in secret_lines(&value) {
                prop_assert!(!out.contains(&line), "line {line:?} survived in {out:?}");
            }
        }
    }

    /// Its standard and URL-safe base64, padded or not, embedded in arbitrary text.
    #[test]
    fn no_base64_form_survives(value in secret_value(), before in text(), after in text()) {
        let r = Redactor::new(&[value.as_bytes().to_vec()], true);
        for encoded in [STANDARD.encode(&value), URL_SAFE.encode(&value)] {
            let out = leftover(&r.text(&format!("{before}{encoded}{after}")));
            for form in base64_forms(&value) {
                prop_assert!(!out.contains(&form), "base64 {form:?} survived in {out:?}");
            }
        }
    }

    /// Text that contains no fragment of a value comes back unchanged.
    #[test]
    fn unrelated_text_is_untouched(value in "[a-z]{8,20}", text in "[A-Z0-9 ]{0,60}") {
        let r = Redactor::new(&[value.as_bytes().to_vec()], true);
        prop_assert_eq!(r.text(&text), text);
    }

    /// `--show-secrets`: nothing is changed.
    #[test]
    fn show_secrets_changes_nothing(value in secret_value(), text in text()) {
        let r = Redactor::new(&[value.as_bytes().to_vec()], false);
        let t = format!("{text}{value}");
        prop_assert_eq!(r.text(&t), t);
    }
}

//! Redaction of Secret-derived values: done once, where results are made, so no reporter can
//! leak a value (STYLE.md: "redaction happens once, where events are made").

/// What a redacted value is replaced with.
pub const REDACTED: &str = "‹redacted›";

/// Secret values shorter than this are only redacted where a whole value equals them: a
/// two-byte Secret would otherwise blank out every occurrence of e.g. `ok` in a log.
const MIN_SUBSTRING: usize = 4;

/// Replaces known Secret values in text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    values: Vec<String>,
    enabled: bool,
}

impl Redactor {
    /// A redactor for these Secret values (raw bytes; non-UTF-8 values are matched lossily).
    /// `enabled: false` (`--show-secrets`) makes every method a no-op.
    pub fn new(values: &[Vec<u8>], enabled: bool) -> Self {
        let mut values: Vec<String> = values
            .iter()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .filter(|v| !v.is_empty())
            .collect();
        // Longest first, so a value containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Redactor { values, enabled }
    }

    /// Adds values (Secrets seen later in the run: an old password stays redacted after an
    /// update replaced it).
    pub fn extend(&mut self, values: impl IntoIterator<Item = Vec<u8>>) {
        for v in values {
            let v = String::from_utf8_lossy(&v).into_owned();
            if !v.is_empty() && !self.values.contains(&v) {
                self.values.push(v);
            }
        }
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Whether redaction is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// `text` with every Secret value replaced.
    pub fn text(&self, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        let trimmed = text.trim_end_matches('\n');
        if self.values.iter().any(|v| v == trimmed) {
            return REDACTED.to_string();
        }
        let mut out = text.to_string();
        for v in self.values.iter().filter(|v| v.len() >= MIN_SUBSTRING) {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

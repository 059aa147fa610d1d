//! Heuristics for "this ConfigMap entry is a credential" (rule KD001).
//!
//! Three signals, checked in this order: a key *named* like a credential (`DB_PASSWORD`,
//! `apiKey`) holding a value that could be one; a URL with a password in its user info
//! (`postgresql://user:pass@db:5432/app`); and, in a file-like value (several lines), a setting
//! named like a credential (`password = …`). The results name keys, terms and line numbers,
//! never the value: a finding must not leak what it warns about.

/// Terms that make a word of a key name a credential when the word contains them.
const TERMS: [&str; 5] = ["password", "passwd", "secret", "token", "credential"];

/// Two-word terms (`api-key`, `privateKey`), also matched written as one word (`apikey`).
const PAIRS: [(&str, &str); 2] = [("api", "key"), ("private", "key")];

/// A last word that makes the key *about* a credential, not the credential itself
/// (`SECRET_NAME`, `TOKEN_TTL`, `PASSWORD_FILE`).
const ABOUT: [&str; 27] = [
    "file",
    "files",
    "path",
    "dir",
    "directory",
    "name",
    "ref",
    "url",
    "uri",
    "endpoint",
    "ttl",
    "timeout",
    "expiry",
    "expiration",
    "lifetime",
    "duration",
    "interval",
    "period",
    "length",
    "size",
    "type",
    "header",
    "mode",
    "enabled",
    "location",
    "policy",
    "format",
];

/// Why a ConfigMap entry looks like a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// The key's name contains the term (e.g. `password`, `api key`).
    Name(&'static str),
    /// A URL in the value carries a password; `line` is the value's line (1-based).
    UrlPassword {
        /// 1-based line of the value.
        line: u64,
    },
    /// A line of a file-like value sets a credential-named setting.
    Setting {
        /// 1-based line of the value.
        line: u64,
        /// The setting's name as written (a name, never the value).
        name: String,
    },
}

/// Why the entry `key` of a ConfigMap looks like a credential, if it does. `value` is `None`
/// for a `binaryData` entry (only its name is judged).
pub(crate) fn credential(key: &str, value: Option<&str>) -> Option<Credential> {
    if let Some(term) = credential_name(key)
        && value.is_none_or(could_be_secret)
    {
        return Some(Credential::Name(term));
    }
    let value = value?;
    if let Some(line) = url_with_password(value) {
        return Some(Credential::UrlPassword { line });
    }
    if value.trim_end().contains('\n') {
        return credential_setting(value);
    }
    None
}

/// The credential term a key's name contains as a word part (`DB_PASSWORD` → `password`,
/// `apiKey` → `api key`), unless its last word says it is only about one (`SECRET_NAME`).
pub(crate) fn credential_name(key: &str) -> Option<&'static str> {
    let words = words(key);
    if words.last().is_some_and(|w| ABOUT.contains(&w.as_str())) {
        return None;
    }
    for word in &words {
        if word.starts_with("tokeniz") {
            continue;
        }
        if let Some(term) = TERMS.iter().find(|term| word.contains(*term)) {
            return Some(term);
        }
    }
    for (first, second) in PAIRS {
        let joined = format!("{first}{second}");
        let split = words.windows(2).any(|w| w[0] == first && w[1] == second);
        if split || words.iter().any(|w| w.contains(&joined)) {
            return Some(if first == "api" {
                "api key"
            } else {
                "private key"
            });
        }
    }
    None
}

/// Lower-case words of a key: split on anything not alphanumeric and at lower-to-upper case
/// changes (`dbPassword` → `db`, `password`; `APIKey` → `apikey`).
fn words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous: Option<char> = None;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous = None;
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Whether a value could be a credential: not empty, not a number or boolean, not a
/// placeholder (`${DB_PASSWORD}`, `$(TOKEN)`, `{{ .token }}`, `<password>`, `****`) and not a
/// path (`/run/secrets/db`).
pub(crate) fn could_be_secret(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let is_path = value.starts_with('/') && !value.contains(char::is_whitespace);
    !value.is_empty()
        && !is_placeholder(value)
        && value.parse::<f64>().is_err()
        && !matches!(
            lower.as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "~"
        )
        && !is_path
}

fn is_placeholder(value: &str) -> bool {
    value.starts_with('$')
        || value.starts_with("{{")
        || value.starts_with("%(")
        || (value.starts_with('<') && value.ends_with('>'))
        || value.chars().all(|c| c == '*')
}

/// The 1-based line of `value` holding a URL whose user info has a non-empty password
/// (`scheme://user:pass@host`, also `redis://:pass@host` and `jdbc:postgresql://…`).
pub(crate) fn url_with_password(value: &str) -> Option<u64> {
    (1..).zip(value.lines()).find_map(|(number, line)| {
        let mut rest = line;
        while let Some(at) = rest.find("://") {
            let scheme_ok = rest[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric());
            let after = &rest[at + 3..];
            let end = after
                .find(|c: char| {
                    matches!(c, '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>') || c.is_whitespace()
                })
                .unwrap_or(after.len());
            let authority = &after[..end];
            if scheme_ok
                && let Some((user_info, _host)) = authority.rsplit_once('@')
                && let Some((_user, password)) = user_info.split_once(':')
                && !password.is_empty()
                && !is_placeholder(password)
            {
                return Some(number);
            }
            rest = &after[end..];
        }
        None
    })
}

/// In a file-like value, the first line setting a credential-named key to something that could
/// be a credential (`password = …`, `api_key: …`, `"token": "…"`, `export DB_PASSWORD=…`).
fn credential_setting(value: &str) -> Option<Credential> {
    (1..).zip(value.lines()).find_map(|(number, line)| {
        let text = line.trim();
        if ["#", ";", "//", "<!--"].iter().any(|c| text.starts_with(c)) {
            return None;
        }
        let separator = text.find(['=', ':'])?;
        let name = text[..separator].trim();
        let name = name.strip_prefix("export ").unwrap_or(name);
        let name = name.strip_prefix("- ").unwrap_or(name).trim();
        let name = name.trim_matches(|c| c == '"' || c == '\'');
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        let setting = text[separator + 1..].trim().trim_end_matches(',').trim();
        let setting = setting.trim_matches(|c| c == '"' || c == '\'');
        let nested = setting.starts_with(['{', '[', '|', '>']);
        (valid_name && !nested && could_be_secret(setting) && credential_name(name).is_some()).then(
            || Credential::Setting {
                line: number,
                name: name.to_string(),
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_suggest_a_credential() {
        for (key, term) in [
            ("DB_PASSWORD", "password"),
            ("dbPassword", "password"),
            ("mysql-root-passwd", "passwd"),
            ("client_secret", "secret"),
            ("GITHUB_TOKEN", "token"),
            ("refresh-token", "token"),
            ("aws.credentials", "credential"),
            ("API_KEY", "api key"),
            ("api-key", "api key"),
            ("apiKey", "api key"),
            ("STRIPE_APIKEY", "api key"),
            ("private-key", "private key"),
            ("privateKey", "private key"),
            ("DBPASSWORD", "password"),
        ] {
            assert_eq!(credential_name(key), Some(term), "{key}");
        }
    }

    #[test]
    fn names_about_a_credential_or_unrelated_are_not_flagged() {
        for key in [
            "DATABASE_URL",
            "LOG_LEVEL",
            "SECRET_NAME",
            "TOKEN_TTL",
            "PASSWORD_FILE",
            "password-path",
            "tokenizer",
            "MONKEY",
            "KEY_ID",
            "token_url",
        ] {
            assert_eq!(credential_name(key), None, "{key}");
        }
    }

    #[test]
    fn named_keys_need_a_plausible_value() {
        assert_eq!(
            credential("DB_PASSWORD", Some("hunter2")),
            Some(Credential::Name("password"))
        );
        for value in [
            "",
            "${DB_PASSWORD}",
            "$(PASS)",
            "{{ .pw }}",
            "<password>",
            "****",
            "4096",
            "true",
            "/run/secrets/db",
        ] {
            assert_eq!(credential("DB_PASSWORD", Some(value)), None, "{value}");
        }
        assert_eq!(credential("MAX_TOKENS", Some("4096")), None);
        assert_eq!(
            credential("tls-private-key.pem", None),
            Some(Credential::Name("private key"))
        );
    }

    #[test]
    fn urls_with_a_password() {
        assert_eq!(
            url_with_password("postgresql://user:pass@db-svc:5432/appdb"),
            Some(1)
        );
        assert_eq!(url_with_password("redis://:s3cret@cache:6379/0"), Some(1));
        assert_eq!(
            url_with_password("jdbc:postgresql://u:p@db/app?ssl=true"),
            Some(1)
        );
        assert_eq!(
            url_with_password("[db]\nurl = mongodb+srv://app:pw@cluster0/x\n"),
            Some(2)
        );
        for value in [
            "postgresql://user@db-svc:5432/appdb",
            "postgresql://db-svc:5432/appdb",
            "https://example.com/a:b@c",
            "postgresql://user:${DB_PASSWORD}@db/app",
            "postgresql://user:@db/app",
            "mailto:someone@example.com",
            "http://host:8080/",
        ] {
            assert_eq!(url_with_password(value), None, "{value}");
        }
    }

    #[test]
    fn settings_in_file_like_values() {
        let conf = "[database]\nhost=db-svc\nport=5432\npassword = hunter2\n";
        assert_eq!(
            credential("app.conf", Some(conf)),
            Some(Credential::Setting {
                line: 4,
                name: "password".into()
            })
        );
        let yaml = "auth:\n  token:\n    file: /x\n  \"apiKey\": \"abc\",\n";
        assert_eq!(
            credential("config.yaml", Some(yaml)),
            Some(Credential::Setting {
                line: 4,
                name: "apiKey".into()
            })
        );
        let clean = "[database]\nhost=db-svc\n# password = see the Secret\npassword_file=/run/secrets/db\npassword=${DB_PASSWORD}\n";
        assert_eq!(credential("app.conf", Some(clean)), None);
        // A single-line value is not a file.
        assert_eq!(credential("NOTE", Some("password=x")), None);
    }
}

//! Turning `fromLiteral`, `fromFile` and `fromEnvFile` entries into keys and bytes, as
//! kubectl's `ParseLiteralSource`, `ParseFileSource` (`kubectl/pkg/util`) and the
//! `handle…FromFileSources` / `handle…FromEnvFileSources` functions of
//! `kubectl/pkg/cmd/create/create_configmap.go` and `create_secret.go` do.

use std::path::Path;

use super::confine;
use super::env_file;
use super::error::GenerateErrorKind;

/// The largest value a ConfigMap or Secret can hold (`MaxSecretSize`, the ConfigMap limit).
const MAX_FILE: u64 = crate::api::validation::MAX_DATA_SIZE as u64;

/// One key the generator adds, in the order kubectl adds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub key: String,
    pub value: Vec<u8>,
    /// From a file (a ConfigMap puts non-UTF-8 file content in `binaryData`).
    pub from_file: bool,
}

/// `ParseLiteralSource`: the key is everything before the first `=` (which must not be
/// first), the value everything after it, untouched (no quote trimming: that is kustomize).
pub(crate) fn parse_literal(source: &str) -> Result<(String, String), GenerateErrorKind> {
    match source.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(GenerateErrorKind::InvalidLiteral),
    }
}

/// `ParseFileSource`: `PATH` (key: `path.Base(PATH)`), or `KEY=PATH`.
pub(crate) fn parse_file_source(source: &str) -> Result<(String, String), GenerateErrorKind> {
    let separators = source.matches('=').count();
    match separators {
        0 => Ok((go_path_base(source), source.to_string())),
        1 if source.starts_with('=') => Err(GenerateErrorKind::FileKeyMissing(
            source.trim_start_matches('=').to_string(),
        )),
        1 if source.ends_with('=') => Err(GenerateErrorKind::FilePathMissing(
            source.trim_end_matches('=').to_string(),
        )),
        1 => {
            let (key, path) = source.split_once('=').unwrap_or_default();
            Ok((key.to_string(), path.to_string()))
        }
        _ => Err(GenerateErrorKind::FileSourceEquals),
    }
}

/// Go's `path.Base`: the last `/`-separated element, trailing slashes ignored; `.` for an
/// empty path, `/` for a path of slashes.
pub(crate) fn go_path_base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed
        .rsplit_once('/')
        .map_or(trimmed, |(_, last)| last)
        .to_string()
}

/// The keys one `fromFile` entry adds: one file, or every *regular* file directly in a
/// directory, in name order (`os.ReadDir` sorts; its entry type does not follow symlinks, so
/// symlinks, subdirectories, sockets and FIFOs in the directory are skipped). A file whose
/// name is not a valid key is not skipped: kubectl fails on it (whatever its `--from-file`
/// help says), and so does this.
pub(crate) fn file_source(base: &Path, source: &str) -> Result<Vec<Entry>, GenerateErrorKind> {
    let (key, written) = parse_file_source(source)?;
    let path = confine::resolve(base, &written)?;
    let meta = std::fs::metadata(&path).map_err(|source| GenerateErrorKind::Read {
        path: written.clone(),
        source,
    })?;
    if meta.is_dir() {
        if source.contains('=') {
            return Err(GenerateErrorKind::KeyForDirectory);
        }
        let mut names = Vec::new();
        let listing = std::fs::read_dir(&path).map_err(|source| GenerateErrorKind::Read {
            path: written.clone(),
            source,
        })?;
        for item in listing {
            let item = item.map_err(|source| GenerateErrorKind::Read {
                path: written.clone(),
                source,
            })?;
            let is_regular = item.file_type().is_ok_and(|t| t.is_file());
            if is_regular {
                names.push(item.file_name());
            }
        }
        names.sort();
        let mut entries = Vec::new();
        for name in names {
            let shown = format!(
                "{}/{}",
                written.trim_end_matches('/'),
                name.to_string_lossy()
            );
            let key = name.to_string_lossy().into_owned();
            let value = read_regular(&path.join(&name), &shown)?;
            entries.push(Entry {
                key,
                value,
                from_file: true,
            });
        }
        Ok(entries)
    } else {
        let value = read_regular(&path, &written)?;
        Ok(vec![Entry {
            key,
            value,
            from_file: true,
        }])
    }
}

/// The keys of one `fromEnvFile` entry. `object` is `config` or `secret` (kubectl's word in
/// "env … file cannot be a directory").
pub(crate) fn env_file_source(
    base: &Path,
    written: &str,
    object: &'static str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Entry>, GenerateErrorKind> {
    let path = confine::resolve(base, written)?;
    let meta = std::fs::metadata(&path).map_err(|source| GenerateErrorKind::Read {
        path: written.to_string(),
        source,
    })?;
    if meta.is_dir() {
        return Err(GenerateErrorKind::EnvFileIsDirectory(object));
    }
    let bytes = read_regular(&path, written)?;
    let entries = env_file::parse(&bytes, written, lookup).map_err(|e| match e {
        // A Secret's line may be a bare value: never echo it.
        GenerateErrorKind::EnvInvalidKey {
            path, line, errors, ..
        } if object == "secret" => GenerateErrorKind::EnvInvalidKey {
            path,
            line,
            key: None,
            errors,
        },
        other => other,
    })?;
    Ok(entries
        .into_iter()
        .map(|e| Entry {
            key: e.key,
            value: e.value,
            from_file: false,
        })
        .collect())
}

/// One whole file named in the generator (`tls.cert`, `tls.key`).
pub(crate) fn single_file(base: &Path, written: &str) -> Result<Vec<u8>, GenerateErrorKind> {
    let path = confine::resolve(base, written)?;
    read_regular(&path, written)
}

/// A whole regular file, refusing FIFOs and devices (reading them blocks or never ends) and
/// anything larger than an object may hold.
fn read_regular(path: &Path, shown: &str) -> Result<Vec<u8>, GenerateErrorKind> {
    let read_error = |source| GenerateErrorKind::Read {
        path: shown.to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if !meta.is_file() {
        return Err(GenerateErrorKind::NotRegular {
            path: shown.to_string(),
        });
    }
    if meta.len() > MAX_FILE {
        return Err(GenerateErrorKind::TooLarge {
            path: shown.to_string(),
            size: meta.len(),
        });
    }
    std::fs::read(path).map_err(read_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_splits_at_the_first_equals_and_keeps_quotes() {
        assert_eq!(parse_literal("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_literal("a=").unwrap(), ("a".into(), "".into()));
        assert_eq!(
            parse_literal("a=\"q\"").unwrap(),
            ("a".into(), "\"q\"".into())
        );
        assert!(parse_literal("=b").is_err());
        assert!(parse_literal("ab").is_err());
    }

    #[test]
    fn file_source_key_is_go_path_base() {
        assert_eq!(
            parse_file_source("conf/app.properties").unwrap(),
            ("app.properties".into(), "conf/app.properties".into())
        );
        assert_eq!(parse_file_source("conf/").unwrap().0, "conf");
        assert_eq!(
            parse_file_source("k=conf/a").unwrap(),
            ("k".into(), "conf/a".into())
        );
        assert!(matches!(
            parse_file_source("=conf/a"),
            Err(GenerateErrorKind::FileKeyMissing(p)) if p == "conf/a"
        ));
        assert!(matches!(
            parse_file_source("k="),
            Err(GenerateErrorKind::FilePathMissing(k)) if k == "k"
        ));
        assert!(matches!(
            parse_file_source("a=b=c"),
            Err(GenerateErrorKind::FileSourceEquals)
        ));
        assert_eq!(go_path_base(""), ".");
        assert_eq!(go_path_base("///"), "/");
    }
}

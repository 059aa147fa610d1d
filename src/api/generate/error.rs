//! Why a generator could not make its object. Messages follow kubectl's wording where kubectl
//! has one, name the field (`secret "db" fromFile[1]`) and the file or key, and end with a
//! hint. A value (a literal's value, a file's or env line's content) never appears: it may be
//! a Secret's.

use std::path::PathBuf;

use crate::api::go_quote::go_quote;
use crate::api::validation::ValidationError;

/// A generator failed: which object and field, what, and how to fix it.
#[derive(Debug)]
pub struct GenerateError {
    /// `configMap "app"` or `secret "db"`.
    pub object: String,
    /// The field path inside the generator, e.g. `fromFile[1]` or `tls.cert`.
    pub field: String,
    /// What went wrong (boxed: it may carry a whole validation error).
    pub kind: Box<GenerateErrorKind>,
}

impl std::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.object)?;
        if !self.field.is_empty() {
            write!(f, " {}", self.field)?;
        }
        write!(f, ": {} (hint: {})", self.kind, self.kind.hint())
    }
}

impl std::error::Error for GenerateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.kind)
    }
}

/// What went wrong, in kubectl's words where it has them.
#[derive(Debug, thiserror::Error)]
pub enum GenerateErrorKind {
    /// kubectl `Validate`: `name must be specified`.
    #[error("name must be specified")]
    MissingName,
    /// kubectl `Validate`: env files replace, they do not add to, the other sources.
    #[error("from-env-file cannot be combined with from-file or from-literal")]
    EnvFileCombined,
    /// `tls`, `dockerRegistry` and the generic sources are different kubectl commands.
    #[error("{0}")]
    ConflictingSources(&'static str),
    /// `type:` contradicts `tls:`/`dockerRegistry:`.
    #[error("type {given:?} contradicts {source_field}, which makes type {implied:?}")]
    ConflictingType {
        /// The type written.
        given: String,
        /// `tls` or `dockerRegistry`.
        source_field: &'static str,
        /// The type that source makes.
        implied: &'static str,
    },
    /// `ParseLiteralSource`: no `=`, or nothing before it.
    #[error("invalid literal source, expected key=value")]
    InvalidLiteral,
    /// `ParseFileSource`: `=PATH`.
    #[error("key name for file path {0} missing")]
    FileKeyMissing(String),
    /// `ParseFileSource`: `KEY=`.
    #[error("file path for key name {0} missing")]
    FilePathMissing(String),
    /// `ParseFileSource`: more than one `=`.
    #[error("key names or file paths cannot contain '='")]
    FileSourceEquals,
    /// A `KEY=DIR` source.
    #[error("cannot give a key name for a directory path")]
    KeyForDirectory,
    /// An absolute path, or one that leaves the scenario's directory (also through a symlink).
    #[error("{path} is outside the scenario's directory")]
    OutsideBase {
        /// The path as written.
        path: String,
    },
    /// The path cannot be read (missing, permissions).
    #[error("error reading {path}: {source}")]
    Read {
        /// The path as written.
        path: String,
        /// The OS reason.
        source: std::io::Error,
    },
    /// Neither a regular file nor a directory (a FIFO would block, a device never ends).
    #[error("{path} is not a regular file")]
    NotRegular {
        /// The path as written.
        path: String,
    },
    /// A file larger than any ConfigMap/Secret may be (1 MiB).
    #[error("{path} is {size} bytes; a ConfigMap or Secret holds at most 1048576")]
    TooLarge {
        /// The path as written.
        path: String,
        /// Its size.
        size: u64,
    },
    /// `env config file cannot be a directory` (kubectl's words, `secret` for a Secret).
    #[error("env {0} file cannot be a directory")]
    EnvFileIsDirectory(&'static str),
    /// kubectl: `env file %s contains invalid utf8 bytes at line %d` (without the bytes).
    #[error("env file {path} contains invalid utf8 bytes at line {line}")]
    EnvInvalidUtf8 {
        /// The env file as written.
        path: String,
        /// 1-based.
        line: usize,
    },
    /// kubectl: `%q is not a valid key name: %s` (`IsEnvVarName`).
    #[error(
        "env file {path} line {line}: {} is not a valid key name: {errors}",
        .key.as_deref().map_or_else(|| "the key (not shown in a Secret's env file)".to_string(), go_quote)
    )]
    EnvInvalidKey {
        /// The env file as written.
        path: String,
        /// 1-based.
        line: usize,
        /// The key; `None` for a Secret's env file, where a line without a proper key may be
        /// a bare value (a token with `+` or `/`).
        key: Option<String>,
        /// `IsEnvVarName`'s reasons, joined by `;`.
        errors: String,
    },
    /// A line over bufio.Scanner's 64 KiB: kubectl stops reading the file there without a
    /// word (it never checks `scanner.Err()`); kubedrill refuses instead of dropping keys.
    #[error("env file {path} line {line} is longer than 65536 bytes")]
    EnvLineTooLong {
        /// The env file as written.
        path: String,
        /// 1-based.
        line: usize,
    },
    /// A `KEY="…` value whose closing `"` line never comes: kubectl drops the key silently;
    /// kubedrill refuses instead.
    #[error(
        "env file {path} line {line}: the value of {} opens a quote that is never closed",
        go_quote(.key)
    )]
    EnvUnterminatedQuote {
        /// The env file as written.
        path: String,
        /// 1-based line of the key.
        line: usize,
        /// The key.
        key: String,
    },
    /// `IsConfigMapKey` failed. kubectl: `%q is not a valid key name for a ConfigMap: %s` /
    /// `%q is not valid key name for a Secret %s`.
    #[error("{} is not a valid key name for a ConfigMap: {errors}", go_quote(.key))]
    InvalidKey {
        /// The key.
        key: String,
        /// The reasons, joined by `,`.
        errors: String,
    },
    /// The same for a Secret, in kubectl's words (`addKeyFromLiteralToSecret`).
    #[error("{} is not valid key name for a Secret {errors}", go_quote(.key))]
    InvalidSecretKey {
        /// The key.
        key: String,
        /// The reasons, joined by `;`.
        errors: String,
    },
    /// kubectl: `cannot add key %q, another key by that name already exists in Data for
    /// ConfigMap %q` (`BinaryData` for a binary one; `cannot add key %s, another key by that
    /// name already exists` for a Secret).
    #[error("cannot add key {}, another key by that name already exists{place}", go_quote(.key))]
    DuplicateKey {
        /// The key.
        key: String,
        /// ` in Data for ConfigMap "app"` or ` in BinaryData for ConfigMap "app"`.
        place: String,
    },
    /// The same for a Secret, in kubectl's words (the key unquoted).
    #[error("cannot add key {key}, another key by that name already exists")]
    DuplicateSecretKey {
        /// The key.
        key: String,
    },
    /// `tls.X509KeyPair` refused the pair (Go's message).
    #[error("{0}")]
    Tls(String),
    /// kubectl `Validate` for docker-registry.
    #[error("{0} must not be empty")]
    DockerFieldEmpty(&'static str),
    /// The object the generator made is one the API server would reject.
    #[error("{0}")]
    Invalid(ValidationError),
}

impl GenerateErrorKind {
    /// How to fix it.
    pub fn hint(&self) -> &'static str {
        use GenerateErrorKind as K;
        match self {
            K::MissingName => "add name: to the generator",
            K::EnvFileCombined => {
                "use fromEnvFile alone, or move its lines to fromLiteral; kubectl refuses the mix"
            }
            K::ConflictingSources(_) => {
                "write one secret entry per kind: tls, dockerRegistry, or fromLiteral/fromFile/fromEnvFile"
            }
            K::ConflictingType { .. } => "drop type:, tls and dockerRegistry set it",
            K::InvalidLiteral => {
                "write KEY=VALUE; the key is everything before the first '=' and must not be empty"
            }
            K::FileKeyMissing(_) | K::FilePathMissing(_) | K::FileSourceEquals => {
                "write PATH, KEY=PATH or DIR, with at most one '='"
            }
            K::KeyForDirectory => {
                "give the directory alone: every regular file in it becomes a key named after it"
            }
            K::OutsideBase { .. } => {
                "keep the files next to the scenario (paths are relative to its directory and may not leave it)"
            }
            K::Read { .. } => "paths are relative to the scenario file's directory",
            K::NotRegular { .. } => "point at a regular file or a directory",
            K::TooLarge { .. } => "the API server rejects objects over 1 MiB; use a smaller file",
            K::EnvFileIsDirectory(_) => "fromEnvFile takes files; use fromFile for a directory",
            K::EnvInvalidUtf8 { .. } => "save the env file as UTF-8",
            K::EnvInvalidKey { .. } => {
                "a key is what comes before '=' (no spaces around it): letters, digits, '_', '-', '.', not starting with a digit"
            }
            K::EnvLineTooLong { .. } => {
                "kubectl would silently ignore this line and every line after it; use fromFile for long values"
            }
            K::EnvUnterminatedQuote { .. } => {
                "end the value with a line ending in '\"'; kubectl would silently drop this key"
            }
            K::InvalidKey { .. } | K::InvalidSecretKey { .. } => {
                "keys may hold letters, digits, '-', '_' and '.'; rename the file or give KEY=PATH"
            }
            K::DuplicateKey { .. } | K::DuplicateSecretKey { .. } => {
                "each key may come from one source only; rename one with KEY=PATH"
            }
            K::Tls(_) => {
                "cert must hold PEM CERTIFICATE blocks and key the matching PEM private key (PKCS#1, PKCS#8 or SEC 1)"
            }
            K::DockerFieldEmpty(_) => {
                "kubectl needs --docker-username, --docker-password and --docker-server"
            }
            K::Invalid(_) => "the API server would reject the generated object",
        }
    }
}

/// Paths of errors, for callers that want to point at a file.
impl GenerateError {
    /// The file the error is about, when it is about one (as written, relative to the base).
    pub fn path(&self) -> Option<PathBuf> {
        use GenerateErrorKind as K;
        match &*self.kind {
            K::OutsideBase { path }
            | K::Read { path, .. }
            | K::NotRegular { path }
            | K::TooLarge { path, .. }
            | K::EnvInvalidUtf8 { path, .. }
            | K::EnvInvalidKey { path, .. }
            | K::EnvLineTooLong { path, .. }
            | K::EnvUnterminatedQuote { path, .. } => Some(PathBuf::from(path)),
            _ => None,
        }
    }
}

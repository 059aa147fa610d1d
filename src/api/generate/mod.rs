//! Objects made the way `kubectl create configmap|secret` makes them (issue 11 §2): a
//! scenario writes `configMap: {name, fromLiteral, fromFile, fromEnvFile}` or
//! `secret: {name, …the same… | tls | dockerRegistry}` instead of a full manifest, and gets the
//! object kubectl would have sent, byte for byte, optionally named with kubectl's/kustomize's
//! content hash (`hashSuffix: true`) so that "every change is a new name" can be tested.
//!
//! One job per module: [`spec`] (what the scenario writes), [`inputs`] (literal, file and
//! directory sources), [`env_file`] (env-file parsing), [`confine`] (paths never leave the
//! scenario's directory), [`tls`] (the key-pair check), [`docker`] (`.dockerconfigjson`),
//! [`hash`] (the name suffix), [`go_json`] (Go's JSON bytes, which the last two need).
//! The rules are kubectl's (its functions are named in each module); the few places where
//! kubedrill refuses what kubectl silently drops are listed in [`env_file`] and [`inputs`].
//!
//! Embedding (the scenario format): an `objects:`/`apply:` entry gains
//! `config_map: Option<ConfigMapGenerator>` and `secret: Option<SecretGenerator>` (serde
//! names `configMap`/`secret`), or an enum entry gains `#[serde(untagged)] Generated(Generator)`;
//! at load, [`generate_with`] with the scenario's directory as `base_dir`, the entry's
//! file:line as `origin` and [`process_env`] makes the object, which is then used like an
//! `inline:` one (its Secret values are redacted like any Secret's).

mod confine;
mod docker;
mod env_file;
mod error;
mod go_json;
pub mod hash;
mod inputs;
pub mod spec;
mod tls;

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::manifest::{Manifest, Origin};
use crate::api::validation::{
    self, SECRET_TYPE_DOCKER_CONFIG_JSON, SECRET_TYPE_TLS, config_map_key_errors,
};

pub use docker::DOCKER_CONFIG_JSON_KEY;
pub use error::{GenerateError, GenerateErrorKind};
pub use spec::{
    ConfigMapGenerator, DEFAULT_DOCKER_SERVER, DockerRegistrySource, Generator, SecretGenerator,
    TlsSource,
};

use inputs::Entry;

/// Where a generator runs: the directory its paths are relative to (and may not leave), the
/// origin its object reports, and the environment a bare `KEY` env-file line reads.
pub struct GenerateContext<'a> {
    /// The scenario file's directory.
    pub base_dir: &'a Path,
    /// Where the generator is written (file and line), for the object's origin.
    pub origin: Origin,
    /// The environment (kubectl reads its own with `os.Getenv`; tests pass a fixed one).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// kubedrill's own environment, as kubectl's `os.Getenv` reads it.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Makes `spec`'s object with paths relative to `base_dir` and kubedrill's environment; the
/// origin is `base_dir` itself (use [`generate_with`] to give the scenario file and line).
pub fn generate(spec: &Generator, base_dir: &Path) -> Result<Manifest, GenerateError> {
    let ctx = GenerateContext {
        base_dir,
        origin: Origin {
            file: base_dir.to_path_buf(),
            line: 1,
        },
        env: &process_env,
    };
    generate_with(spec, &ctx)
}

/// Makes `spec`'s object in `ctx`.
pub fn generate_with(
    spec: &Generator,
    ctx: &GenerateContext<'_>,
) -> Result<Manifest, GenerateError> {
    Ok(match spec {
        Generator::ConfigMap(g) => Manifest::ConfigMap(config_map(g, ctx)?, ctx.origin.clone()),
        Generator::Secret(g) => Manifest::Secret(secret(g, ctx)?, ctx.origin.clone()),
    })
}

/// Builds errors for one generator.
struct Fail {
    object: String,
}

impl Fail {
    fn new(field: &str, name: &str) -> Self {
        Fail {
            object: format!("{field} {}", crate::api::go_quote::go_quote(name)),
        }
    }

    fn at(&self, field: impl Into<String>) -> impl Fn(GenerateErrorKind) -> GenerateError + '_ {
        let field = field.into();
        move |kind| GenerateError {
            object: self.object.clone(),
            field: field.clone(),
            kind: Box::new(kind),
        }
    }
}

/// The canonical base directory (the confinement compares canonical paths).
fn canonical_base(
    ctx: &GenerateContext<'_>,
    fail: &Fail,
) -> Result<std::path::PathBuf, GenerateError> {
    ctx.base_dir.canonicalize().map_err(|source| {
        fail.at("")(GenerateErrorKind::Read {
            path: ctx.base_dir.display().to_string(),
            source,
        })
    })
}

/// A generator's `fromLiteral`, `fromFile` and `fromEnvFile`.
struct GenericSources<'a> {
    literals: &'a [String],
    files: &'a [String],
    env_files: &'a [String],
}

/// The entries of the generic sources, each with the field it came from, in `order`.
fn generic_entries(
    sources: GenericSources<'_>,
    order: [Source; 3],
    object_word: &'static str,
    base: &Path,
    ctx: &GenerateContext<'_>,
    fail: &Fail,
) -> Result<Vec<(String, Entry)>, GenerateError> {
    let mut out = Vec::new();
    for source in order {
        match source {
            Source::Literal => {
                for (i, literal) in sources.literals.iter().enumerate() {
                    let field = format!("fromLiteral[{i}]");
                    let (key, value) = inputs::parse_literal(literal).map_err(fail.at(&field))?;
                    out.push((
                        field,
                        Entry {
                            key,
                            value: value.into_bytes(),
                            from_file: false,
                        },
                    ));
                }
            }
            Source::File => {
                for (i, file) in sources.files.iter().enumerate() {
                    let field = format!("fromFile[{i}]");
                    for entry in inputs::file_source(base, file).map_err(fail.at(&field))? {
                        out.push((field.clone(), entry));
                    }
                }
            }
            Source::EnvFile => {
                for (i, file) in sources.env_files.iter().enumerate() {
                    let field = format!("fromEnvFile[{i}]");
                    let entries = inputs::env_file_source(base, file, object_word, ctx.env)
                        .map_err(fail.at(&field))?;
                    for entry in entries {
                        out.push((field.clone(), entry));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
enum Source {
    Literal,
    File,
    EnvFile,
}

fn metadata(name: &str, namespace: Option<&String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.filter(|ns| !ns.is_empty()).cloned(),
        ..ObjectMeta::default()
    }
}

/// `createConfigMap` (`kubectl/pkg/cmd/create/create_configmap.go`): files, then literals,
/// then env files; each key checked by `validateNewConfigMap` (valid, not yet in `data` or
/// `binaryData`); file content that is not UTF-8 goes to `binaryData`, everything else to
/// `data`; with `hashSuffix`, `ConfigMapHash` appended to the name.
pub fn config_map(
    spec: &ConfigMapGenerator,
    ctx: &GenerateContext<'_>,
) -> Result<ConfigMap, GenerateError> {
    let fail = Fail::new("configMap", &spec.name);
    if spec.name.is_empty() {
        return Err(fail.at("name")(GenerateErrorKind::MissingName));
    }
    if !spec.from_env_file.is_empty()
        && (!spec.from_file.is_empty() || !spec.from_literal.is_empty())
    {
        return Err(fail.at("fromEnvFile")(GenerateErrorKind::EnvFileCombined));
    }
    let base = canonical_base(ctx, &fail)?;
    let entries = generic_entries(
        GenericSources {
            literals: &spec.from_literal,
            files: &spec.from_file,
            env_files: &spec.from_env_file,
        },
        [Source::File, Source::Literal, Source::EnvFile],
        "config",
        &base,
        ctx,
        &fail,
    )?;
    let mut data = BTreeMap::new();
    let mut binary = BTreeMap::new();
    for (field, entry) in entries {
        let at = fail.at(field);
        let errors = config_map_key_errors(&entry.key);
        if !errors.is_empty() {
            return Err(at(GenerateErrorKind::InvalidKey {
                key: entry.key,
                errors: errors.join(","),
            }));
        }
        let place = if data.contains_key(&entry.key) {
            Some("Data")
        } else if binary.contains_key(&entry.key) {
            Some("BinaryData")
        } else {
            None
        };
        if let Some(place) = place {
            return Err(at(GenerateErrorKind::DuplicateKey {
                place: format!(
                    " in {place} for ConfigMap {}",
                    crate::api::go_quote::go_quote(&spec.name)
                ),
                key: entry.key,
            }));
        }
        match String::from_utf8(entry.value) {
            Ok(text) => {
                data.insert(entry.key, text);
            }
            Err(bytes) if entry.from_file => {
                binary.insert(entry.key, ByteString(bytes.into_bytes()));
            }
            // Literal and env-file values are UTF-8 already (the env-file parser checks every
            // line); this arm only keeps the match total.
            Err(bytes) => {
                data.insert(
                    entry.key,
                    String::from_utf8_lossy(bytes.as_bytes()).into_owned(),
                );
            }
        }
    }
    let mut config_map = ConfigMap {
        metadata: metadata(&spec.name, spec.namespace.as_ref()),
        data: Some(data),
        binary_data: (!binary.is_empty()).then_some(binary),
        ..ConfigMap::default()
    };
    if spec.hash_suffix {
        let suffix = hash::config_map_hash(&config_map);
        config_map.metadata.name = Some(format!("{}-{suffix}", spec.name));
    }
    // kubectl prints (and sends) the object with empty maps omitted.
    if config_map.data.as_ref().is_some_and(BTreeMap::is_empty) {
        config_map.data = None;
    }
    validation::validate_config_map(&config_map)
        .map_err(|e| fail.at("")(GenerateErrorKind::Invalid(e)))?;
    Ok(config_map)
}

/// `kubectl create secret generic` (`createSecret`: literals, then files, then env files;
/// `addKeyFromLiteralToSecret` checks each key), `… tls` (`createSecretTLS`: `tls.crt`,
/// `tls.key`, checked by `tls.X509KeyPair`) or `… docker-registry` (`createSecretDockerRegistry`:
/// `.dockerconfigjson`); with `hashSuffix`, `SecretHash` appended to the name.
pub fn secret(spec: &SecretGenerator, ctx: &GenerateContext<'_>) -> Result<Secret, GenerateError> {
    let fail = Fail::new("secret", &spec.name);
    if spec.name.is_empty() {
        return Err(fail.at("name")(GenerateErrorKind::MissingName));
    }
    let generic = !spec.from_literal.is_empty()
        || !spec.from_file.is_empty()
        || !spec.from_env_file.is_empty();
    let conflict = match (generic, spec.tls.is_some(), spec.docker_registry.is_some()) {
        (true, true, _) => Some((
            "tls",
            "tls cannot be combined with fromLiteral, fromFile or fromEnvFile",
        )),
        (true, _, true) => Some((
            "dockerRegistry",
            "dockerRegistry cannot be combined with fromLiteral, fromFile or fromEnvFile",
        )),
        (_, true, true) => Some((
            "dockerRegistry",
            "tls and dockerRegistry are different secrets",
        )),
        _ => None,
    };
    if let Some((field, message)) = conflict {
        return Err(fail.at(field)(GenerateErrorKind::ConflictingSources(
            message,
        )));
    }
    let base = canonical_base(ctx, &fail)?;
    let (data, secret_type) = if let Some(tls) = &spec.tls {
        check_implied_type(spec, "tls", SECRET_TYPE_TLS, &fail)?;
        let cert = read_tls_file(&base, &tls.cert, &fail.at("tls.cert"))?;
        let key = read_tls_file(&base, &tls.key, &fail.at("tls.key"))?;
        tls::check_key_pair(&cert, &key).map_err(|m| fail.at("tls")(GenerateErrorKind::Tls(m)))?;
        let mut data = BTreeMap::new();
        data.insert("tls.crt".to_string(), ByteString(cert));
        data.insert("tls.key".to_string(), ByteString(key));
        (data, Some(SECRET_TYPE_TLS.to_string()))
    } else if let Some(docker) = &spec.docker_registry {
        check_implied_type(
            spec,
            "dockerRegistry",
            SECRET_TYPE_DOCKER_CONFIG_JSON,
            &fail,
        )?;
        for (field, value) in [
            ("username", &docker.username),
            ("password", &docker.password),
            ("server", &docker.server),
        ] {
            if value.is_empty() {
                return Err(fail.at(format!("dockerRegistry.{field}"))(
                    GenerateErrorKind::DockerFieldEmpty(field),
                ));
            }
        }
        let mut data = BTreeMap::new();
        data.insert(
            DOCKER_CONFIG_JSON_KEY.to_string(),
            ByteString(docker::docker_config_json(docker)),
        );
        (data, Some(SECRET_TYPE_DOCKER_CONFIG_JSON.to_string()))
    } else {
        if !spec.from_env_file.is_empty()
            && (!spec.from_file.is_empty() || !spec.from_literal.is_empty())
        {
            return Err(fail.at("fromEnvFile")(GenerateErrorKind::EnvFileCombined));
        }
        let entries = generic_entries(
            GenericSources {
                literals: &spec.from_literal,
                files: &spec.from_file,
                env_files: &spec.from_env_file,
            },
            [Source::Literal, Source::File, Source::EnvFile],
            "secret",
            &base,
            ctx,
            &fail,
        )?;
        let mut data = BTreeMap::new();
        for (field, entry) in entries {
            let at = fail.at(field);
            let errors = config_map_key_errors(&entry.key);
            if !errors.is_empty() {
                return Err(at(GenerateErrorKind::InvalidSecretKey {
                    key: entry.key,
                    errors: errors.join(";"),
                }));
            }
            if data.contains_key(&entry.key) {
                return Err(at(GenerateErrorKind::DuplicateSecretKey { key: entry.key }));
            }
            data.insert(entry.key, ByteString(entry.value));
        }
        let secret_type = spec
            .secret_type
            .clone()
            .filter(|t| !t.is_empty() && t != "generic");
        (data, secret_type)
    };
    let mut secret = Secret {
        metadata: metadata(&spec.name, spec.namespace.as_ref()),
        type_: secret_type,
        data: Some(data),
        ..Secret::default()
    };
    if spec.hash_suffix {
        let suffix = hash::secret_hash(&secret);
        secret.metadata.name = Some(format!("{}-{suffix}", spec.name));
    }
    if secret.data.as_ref().is_some_and(BTreeMap::is_empty) {
        secret.data = None;
    }
    validation::validate_secret(&secret).map_err(|e| fail.at("")(GenerateErrorKind::Invalid(e)))?;
    Ok(secret)
}

/// `type:` may repeat what `tls:`/`dockerRegistry:` make, nothing else.
fn check_implied_type(
    spec: &SecretGenerator,
    source_field: &'static str,
    implied: &'static str,
    fail: &Fail,
) -> Result<(), GenerateError> {
    match &spec.secret_type {
        Some(given) if given != implied => {
            Err(fail.at("type")(GenerateErrorKind::ConflictingType {
                given: given.clone(),
                source_field,
                implied,
            }))
        }
        _ => Ok(()),
    }
}

/// One of `--cert`/`--key`: a whole regular file inside the base.
fn read_tls_file(
    base: &Path,
    written: &str,
    at: &impl Fn(GenerateErrorKind) -> GenerateError,
) -> Result<Vec<u8>, GenerateError> {
    inputs::single_file(base, written).map_err(at)
}

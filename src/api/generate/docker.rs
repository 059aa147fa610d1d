//! `kubectl create secret docker-registry`'s `.dockerconfigjson`: `handleDockerCfgJSONContent`
//! and `encodeDockerConfigFieldAuth` (`kubectl/pkg/cmd/create/create_secret_docker.go`).
//!
//! The bytes are Go's `json.Marshal` of `DockerConfigJSON{Auths: {server: {username,
//! password, email, auth}}}`: struct field order, `omitempty` on every entry field and on
//! `HttpHeaders` (never set), `auth` = base64(`username:password`), HTML characters escaped.

use base64::Engine;

use super::go_json::GoJson;
use super::spec::DockerRegistrySource;

/// The `.dockerconfigjson` key kubectl writes.
pub const DOCKER_CONFIG_JSON_KEY: &str = ".dockerconfigjson";

/// The `.dockerconfigjson` value for these credentials, byte for byte as kubectl makes it.
pub(crate) fn docker_config_json(source: &DockerRegistrySource) -> Vec<u8> {
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", source.username, source.password));
    let email = source.email.clone().unwrap_or_default();
    // DockerConfigEntry: every field `omitempty`.
    let entry: Vec<(String, GoJson)> = [
        ("username", source.username.clone()),
        ("password", source.password.clone()),
        ("email", email),
        ("auth", auth),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(name, value)| (name.to_string(), GoJson::Str(value)))
    .collect();
    let auths = GoJson::Object(vec![(source.server.clone(), GoJson::Object(entry))]);
    GoJson::Object(vec![("auths".to_string(), auths)])
        .marshal()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_json_is_kubectls_layout() {
        let source = DockerRegistrySource {
            server: "registry.example:5000".into(),
            username: "u".into(),
            password: "p&<w".into(),
            email: None,
        };
        assert_eq!(
            String::from_utf8(docker_config_json(&source)).unwrap(),
            r#"{"auths":{"registry.example:5000":{"username":"u","password":"p\u0026\u003cw","auth":"dTpwJjx3"}}}"#
        );
    }
}

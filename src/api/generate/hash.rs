//! The name suffix of `--append-hash` / kustomize's generators: kubectl's `pkg/util/hash`
//! (`ConfigMapHash`, `SecretHash`, `encodeConfigMap`, `encodeSecret`, `encodeHash`, `hash`),
//! which kustomize's `api/hasher` computes the same way.
//!
//! The object is encoded as Go's `json.Marshal` of a small map (kind, name, data, plus
//! binaryData for a ConfigMap when it has any, type for a Secret), hashed with SHA-256, and
//! the first 10 hex characters are made "safe" by replacing `0 1 3 a e` with `g h k m t`
//! (no vowels, no look-alike digits: a suffix never spells a word).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use sha2::{Digest, Sha256};

use super::go_json::GoJson;

/// kubectl's `hash.ConfigMapHash`: the suffix for this ConfigMap's name. Only kind, name,
/// `data` and `binaryData` count (labels, namespace and `immutable` do not). A `None` `data`
/// encodes as `null` and an empty one as `{}`, as Go's nil and empty maps do.
pub fn config_map_hash(config_map: &ConfigMap) -> String {
    let mut encoded = BTreeMap::new();
    encoded.insert("kind".to_string(), GoJson::Str("ConfigMap".to_string()));
    encoded.insert(
        "name".to_string(),
        GoJson::Str(config_map.metadata.name.clone().unwrap_or_default()),
    );
    let data = match &config_map.data {
        None => GoJson::Null,
        Some(data) => GoJson::map(
            data.iter()
                .map(|(k, v)| (k.clone(), GoJson::Str(v.clone())))
                .collect(),
        ),
    };
    encoded.insert("data".to_string(), data);
    if let Some(binary) = config_map.binary_data.as_ref().filter(|b| !b.is_empty()) {
        encoded.insert(
            "binaryData".to_string(),
            GoJson::map(
                binary
                    .iter()
                    .map(|(k, v)| (k.clone(), GoJson::Bytes(v.0.clone())))
                    .collect(),
            ),
        );
    }
    safe_hash(&GoJson::map(encoded).marshal())
}

/// kubectl's `hash.SecretHash`: the suffix for this Secret's name over kind, name, `type`
/// (`""` when unset, as kubectl's `create secret generic` without `--type` leaves it) and
/// `data`. kustomize's secretGenerator sets `type: Opaque` before hashing, so `type: Opaque`
/// gives kustomize's suffix.
pub fn secret_hash(secret: &Secret) -> String {
    let mut encoded = BTreeMap::new();
    encoded.insert("kind".to_string(), GoJson::Str("Secret".to_string()));
    encoded.insert(
        "name".to_string(),
        GoJson::Str(secret.metadata.name.clone().unwrap_or_default()),
    );
    encoded.insert(
        "type".to_string(),
        GoJson::Str(secret.type_.clone().unwrap_or_default()),
    );
    let data = match &secret.data {
        None => GoJson::Null,
        Some(data) => GoJson::map(
            data.iter()
                .map(|(k, v)| (k.clone(), GoJson::Bytes(v.0.clone())))
                .collect(),
        ),
    };
    encoded.insert("data".to_string(), data);
    safe_hash(&GoJson::map(encoded).marshal())
}

/// `encodeHash(hash(encoded))`: SHA-256 in lowercase hex, the first 10 characters, with
/// `0→g 1→h 3→k a→m e→t`.
fn safe_hash(encoded: &str) -> String {
    let digest = Sha256::digest(encoded.as_bytes());
    digest
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .take(10)
        .map(|nibble| match nibble {
            0x0 => 'g',
            0x1 => 'h',
            0x3 => 'k',
            0xa => 'm',
            0xe => 't',
            n => char::from_digit(u32::from(n), 16).unwrap_or('?'),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! The expected values are kubectl's own (`pkg/util/hash/hash_test.go`,
    //! `TestConfigMapHash` and `TestSecretHash`).
    use super::*;
    use k8s_openapi::ByteString;

    fn cm(data: Option<&[(&str, &str)]>, binary: Option<&[(&str, &str)]>) -> ConfigMap {
        ConfigMap {
            data: data.map(|d| {
                d.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            }),
            binary_data: binary.map(|d| {
                d.iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
                    .collect()
            }),
            ..ConfigMap::default()
        }
    }

    #[test]
    fn hash_matches_kubectl_config_map_hash_test_table() {
        let cases = [
            (cm(Some(&[]), Some(&[])), "42745tchd9"),
            (cm(Some(&[("one", "")]), None), "9g67k2htb6"),
            (
                cm(Some(&[("two", "2"), ("one", ""), ("three", "3")]), None),
                "f5h7t85m9b",
            ),
            (cm(None, Some(&[])), "dk855m5d49"),
            (cm(None, Some(&[("one", "")])), "mk79584b8c"),
            (
                cm(None, Some(&[("two", "2"), ("one", ""), ("three", "3")])),
                "t458mc6db2",
            ),
            (cm(Some(&[("one", "")]), Some(&[("two", "")])), "698h7c7t9m"),
        ];
        for (config_map, want) in cases {
            assert_eq!(config_map_hash(&config_map), want, "{config_map:?}");
        }
    }

    #[test]
    fn hash_matches_kubectl_secret_hash_test_table() {
        let secret = |data: &[(&str, &str)]| Secret {
            type_: Some("my-type".to_string()),
            data: Some(
                data.iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
                    .collect(),
            ),
            ..Secret::default()
        };
        assert_eq!(secret_hash(&secret(&[])), "t75bgf6ctb");
        assert_eq!(secret_hash(&secret(&[("one", "")])), "74bd68bm66");
        assert_eq!(
            secret_hash(&secret(&[("two", "2"), ("one", ""), ("three", "3")])),
            "dgcb6h9tmk"
        );
    }

    #[test]
    fn hash_is_sha256_of_nothing_for_the_empty_string() {
        // kubectl's TestHash: e3b0c44298… ; made safe: e→t, 3→k, 0→g, 4, 4, 2, 9, 8, f, c.
        assert_eq!(safe_hash(""), "tkbgc44298");
    }
}

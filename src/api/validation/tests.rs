use super::*;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{
    ConfigMapProjection, SecretProjection, ServiceAccountTokenProjection, VolumeProjection,
};
use std::collections::BTreeMap;

fn cm(data: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some("app".into()),
            ..Default::default()
        },
        data: Some(
            data.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        ..Default::default()
    }
}

fn secret(type_: Option<&str>, data: &[(&str, &[u8])]) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some("x".into()),
            ..Default::default()
        },
        type_: type_.map(str::to_string),
        data: Some(
            data.iter()
                .map(|(k, v)| (k.to_string(), ByteString(v.to_vec())))
                .collect(),
        ),
        ..Default::default()
    }
}

fn err_text<T>(r: Result<T, ValidationError>) -> String {
    match r {
        Ok(_) => String::from("<ok>"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn api_8_1_rejects_key_with_space() {
    assert_eq!(
        err_text(validate_config_map(&cm(&[("a b", "v")]))),
        "ConfigMap \"app\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key \
         must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or \
         'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
    );
}

#[test]
fn api_8_1_rejects_dot_and_dotdot_keys() {
    assert!(err_text(validate_config_map(&cm(&[(".", "v")]))).ends_with("must not be '.'"));
    assert!(err_text(validate_config_map(&cm(&[("..", "v")]))).ends_with("must not be '..'"));
}

#[test]
fn api_8_1_rejects_dotdot_prefix_key() {
    let text = err_text(validate_config_map(&cm(&[("..data", "v")])));
    assert_eq!(
        text,
        "ConfigMap \"app\" is invalid: data[..data]: Invalid value: \"..data\": must not \
         start with '..'"
    );
    // A single leading dot is fine.
    assert!(validate_config_map(&cm(&[(".hidden", "v")])).is_ok());
}

#[test]
fn api_8_1_rejects_empty_key() {
    let text = err_text(validate_config_map(&cm(&[("", "v")])));
    assert!(text.starts_with(
        "ConfigMap \"app\" is invalid: data[]: Invalid value: \"\": a valid config key"
    ));
}

#[test]
fn api_8_1_key_253_ok_254_rejected() {
    let ok = "k".repeat(253);
    assert!(validate_config_map(&cm(&[(&ok, "v")])).is_ok());
    let long = "k".repeat(254);
    let text = err_text(validate_config_map(&cm(&[(&long, "v")])));
    assert!(
        text.ends_with("must be no more than 253 characters"),
        "{text}"
    );
}

#[test]
fn api_8_1_accepts_valid_keys() {
    assert!(
        validate_config_map(&cm(&[
            ("key.name", "1"),
            ("KEY_NAME", "2"),
            ("key-name", "3")
        ]))
        .is_ok()
    );
}

#[test]
fn api_8_1_secret_keys_follow_the_same_rules() {
    let text = err_text(validate_secret(&secret(None, &[("bad/key", b"v")])));
    assert!(
        text.starts_with("Secret \"x\" is invalid: data[bad/key]: Invalid value: \"bad/key\""),
        "{text}"
    );
}

#[test]
fn api_8_1_several_errors_are_bracketed() {
    let text = err_text(validate_config_map(&cm(&[("a b", "v"), ("..x", "v")])));
    assert!(
        text.starts_with("ConfigMap \"app\" is invalid: [data[..x]: Invalid value"),
        "{text}"
    );
    assert!(text.contains(", data[a b]: Invalid value"), "{text}");
    assert!(text.ends_with(']'));
}

#[test]
fn api_8_2_rejects_key_in_data_and_binary_data() {
    let mut c = cm(&[("both", "v")]);
    c.binary_data = Some(BTreeMap::from([("both".to_string(), ByteString(vec![1]))]));
    assert_eq!(
        err_text(validate_config_map(&c)),
        "ConfigMap \"app\" is invalid: data[both]: Invalid value: \"both\": duplicate of key \
         present in binaryData"
    );
}

#[test]
fn api_8_2_size_limit_counts_values_not_keys() {
    // Exactly 1 MiB of values across data and binaryData, with long keys: accepted.
    let mut c = cm(&[(
        "a-long-key-that-does-not-count",
        &"x".repeat(MAX_DATA_SIZE - 10),
    )]);
    c.binary_data = Some(BTreeMap::from([(
        "another-long-key".to_string(),
        ByteString(vec![0; 10]),
    )]));
    assert_eq!(config_map_size(&c), MAX_DATA_SIZE);
    assert!(validate_config_map(&c).is_ok());
    // One byte more: rejected, about the whole object.
    c.binary_data = Some(BTreeMap::from([(
        "another-long-key".to_string(),
        ByteString(vec![0; 11]),
    )]));
    assert_eq!(
        err_text(validate_config_map(&c)),
        "ConfigMap \"app\" is invalid: []: Too long: must have at most 1048576 bytes"
    );
}

#[test]
fn api_8_2_size_counts_utf8_bytes() {
    // "é" is two bytes.
    let c = cm(&[("k", &"é".repeat(MAX_DATA_SIZE / 2))]);
    assert!(validate_config_map(&c).is_ok());
    let c = cm(&[("k", &format!("{}a", "é".repeat(MAX_DATA_SIZE / 2)))]);
    assert!(validate_config_map(&c).is_err());
}

#[test]
fn api_8_3_string_data_overwrites_data() {
    let mut s = secret(None, &[("password", b"old"), ("user", b"admin")]);
    s.string_data = Some(BTreeMap::from([
        ("password".to_string(), "new".to_string()),
        ("extra".to_string(), "e".to_string()),
    ]));
    merge_string_data(&mut s);
    assert_eq!(s.string_data, None);
    let data = s.data.unwrap_or_default();
    assert_eq!(data["password"].0, b"new");
    assert_eq!(data["user"].0, b"admin");
    assert_eq!(data["extra"].0, b"e");
}

#[test]
fn api_8_3_secret_size_counts_decoded_bytes() {
    let exact = vec![0u8; MAX_DATA_SIZE];
    assert!(validate_secret(&secret(None, &[("k", &exact)])).is_ok());
    let over = vec![0u8; MAX_DATA_SIZE + 1];
    assert_eq!(
        err_text(validate_secret(&secret(None, &[("k", &over)]))),
        "Secret \"x\" is invalid: data: Too long: must have at most 1048576 bytes"
    );
}

#[test]
fn api_8_3_size_is_checked_after_string_data_merge() {
    let mut s = secret(None, &[("k", &vec![0u8; MAX_DATA_SIZE])]);
    s.string_data = Some(BTreeMap::from([("k".to_string(), "small".to_string())]));
    merge_string_data(&mut s);
    assert!(validate_secret(&s).is_ok());
}

#[test]
fn api_8_4_tls_requires_crt_and_key() {
    assert_eq!(
        err_text(validate_secret(&secret(
            Some(SECRET_TYPE_TLS),
            &[("tls.crt", b"c")]
        ))),
        "Secret \"x\" is invalid: data[tls.key]: Required value"
    );
    assert_eq!(
        err_text(validate_secret(&secret(Some(SECRET_TYPE_TLS), &[]))),
        "Secret \"x\" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]"
    );
    // Present is enough, even empty.
    assert!(
        validate_secret(&secret(
            Some(SECRET_TYPE_TLS),
            &[("tls.crt", b""), ("tls.key", b"")]
        ))
        .is_ok()
    );
}

#[test]
fn api_8_4_basic_auth_needs_username_or_password() {
    assert_eq!(
        err_text(validate_secret(&secret(Some(SECRET_TYPE_BASIC_AUTH), &[]))),
        "Secret \"x\" is invalid: [data[username]: Required value, data[password]: Required value]"
    );
    assert!(validate_secret(&secret(Some(SECRET_TYPE_BASIC_AUTH), &[("username", b"")])).is_ok());
    assert!(validate_secret(&secret(Some(SECRET_TYPE_BASIC_AUTH), &[("password", b"p")])).is_ok());
}

#[test]
fn api_8_4_ssh_auth_needs_non_empty_private_key() {
    let text = err_text(validate_secret(&secret(
        Some(SECRET_TYPE_SSH_AUTH),
        &[("ssh-privatekey", b"")],
    )));
    assert_eq!(
        text,
        "Secret \"x\" is invalid: data[ssh-privatekey]: Required value"
    );
    assert!(
        validate_secret(&secret(
            Some(SECRET_TYPE_SSH_AUTH),
            &[("ssh-privatekey", b"k")]
        ))
        .is_ok()
    );
}

#[test]
fn api_8_4_dockerconfigjson_invalid_json() {
    let value: &[u8] = b"{\"auths\": s3cr3t-token";
    let text = err_text(validate_secret(&secret(
        Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
        &[(".dockerconfigjson", value)],
    )));
    assert!(
        text.starts_with(
            "Secret \"x\" is invalid: data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": "
        ),
        "{text}"
    );
    assert!(!text.contains("s3cr3t"), "{text}");
    assert_eq!(
        err_text(validate_secret(&secret(
            Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
            &[]
        ))),
        "Secret \"x\" is invalid: data[.dockerconfigjson]: Required value"
    );
    let array = err_text(validate_secret(&secret(
        Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
        &[(".dockerconfigjson", b"[1]")],
    )));
    assert!(
        array.ends_with(
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        ),
        "{array}"
    );
    assert!(
        validate_secret(&secret(
            Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
            &[(".dockerconfigjson", b"{\"auths\":{}}")]
        ))
        .is_ok()
    );
}

#[test]
fn api_8_4_dockercfg_invalid_json() {
    let text = err_text(validate_secret(&secret(
        Some(SECRET_TYPE_DOCKERCFG),
        &[(".dockercfg", b"nope")],
    )));
    assert!(text.starts_with("Secret \"x\" is invalid: data[.dockercfg]: Invalid value: \"<secret contents redacted>\""), "{text}");
}

#[test]
fn api_8_4_empty_type_is_opaque() {
    assert_eq!(secret_type(&secret(None, &[])), "Opaque");
    assert_eq!(secret_type(&secret(Some(""), &[])), "Opaque");
    assert!(validate_secret(&secret(Some(""), &[])).is_ok());
}

#[test]
fn api_8_4_type_never_changes() {
    let old = secret(
        Some(SECRET_TYPE_TLS),
        &[("tls.crt", b"c"), ("tls.key", b"k")],
    );
    let new = secret(None, &[("tls.crt", b"c"), ("tls.key", b"k")]);
    assert_eq!(
        err_text(validate_update_secret(&old, &new)),
        "Secret \"x\" is invalid: type: Invalid value: \"Opaque\": field is immutable"
    );
    // Unset and Opaque are the same type.
    assert!(validate_update_secret(&secret(None, &[]), &secret(Some("Opaque"), &[])).is_ok());
}

#[test]
fn api_8_5_immutable_forbids_data_change() {
    let mut old = cm(&[("k", "v")]);
    old.immutable = Some(true);
    let mut new = cm(&[("k", "v2")]);
    new.immutable = Some(true);
    assert_eq!(
        err_text(validate_update_config_map(&old, &new)),
        "ConfigMap \"app\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
    );
    let mut new_binary = old.clone();
    new_binary.binary_data = Some(BTreeMap::from([("b".to_string(), ByteString(vec![1]))]));
    assert_eq!(
        err_text(validate_update_config_map(&old, &new_binary)),
        "ConfigMap \"app\" is invalid: binaryData: Forbidden: field is immutable when `immutable` is set"
    );
    let mut s_old = secret(None, &[("k", b"v")]);
    s_old.immutable = Some(true);
    let mut s_new = secret(None, &[("k", b"secret-v2")]);
    s_new.immutable = Some(true);
    let text = err_text(validate_update_secret(&s_old, &s_new));
    assert_eq!(
        text,
        "Secret \"x\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
    );
}

#[test]
fn api_8_5_immutable_allows_metadata_and_delete() {
    let mut old = cm(&[("k", "v")]);
    old.immutable = Some(true);
    let mut new = old.clone();
    new.metadata.labels = Some(BTreeMap::from([("a".to_string(), "b".to_string())]));
    assert!(validate_update_config_map(&old, &new).is_ok());
    let mut s_old = secret(None, &[("k", b"v")]);
    s_old.immutable = Some(true);
    let mut s_new = s_old.clone();
    s_new.metadata.annotations = Some(BTreeMap::from([("a".to_string(), "b".to_string())]));
    assert!(validate_update_secret(&s_old, &s_new).is_ok());
    // Deletion has no validation at all: nothing to check here beyond the store test.
}

#[test]
fn api_8_5_cannot_clear_immutable() {
    let mut old = cm(&[("k", "v")]);
    old.immutable = Some(true);
    for flag in [None, Some(false)] {
        let mut new = old.clone();
        new.immutable = flag;
        assert_eq!(
            err_text(validate_update_config_map(&old, &new)),
            "ConfigMap \"app\" is invalid: immutable: Forbidden: field is immutable when `immutable` is set"
        );
    }
    // Setting it on a mutable object is fine, and so is changing data at the same time.
    let mutable = cm(&[("k", "v")]);
    let mut newly = cm(&[("k", "v2")]);
    newly.immutable = Some(true);
    assert!(validate_update_config_map(&mutable, &newly).is_ok());
}

#[test]
fn api_8_5_empty_and_missing_data_are_the_same() {
    let mut old = cm(&[]);
    old.data = None;
    old.immutable = Some(true);
    let mut new = cm(&[]);
    new.immutable = Some(true);
    assert!(validate_update_config_map(&old, &new).is_ok());
}

fn item(key: &str, path: &str, mode: Option<i32>) -> KeyToPath {
    KeyToPath {
        key: key.into(),
        path: path.into(),
        mode,
    }
}

#[test]
fn api_8_6_item_path_rules_key_and_path_required() {
    let errors = validate_key_to_path(&item("", "", None), "spec.volumes[0].configMap.items[0]");
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        [
            "spec.volumes[0].configMap.items[0].key: Required value",
            "spec.volumes[0].configMap.items[0].path: Required value",
        ]
    );
}

#[test]
fn api_8_6_item_path_rules_relative_no_dotdot() {
    let one = |path: &str| -> Vec<String> {
        validate_key_to_path(&item("k", path, None), "items[0]")
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        one("/etc/passwd"),
        ["items[0].path: Invalid value: \"/etc/passwd\": must be a relative path"]
    );
    assert_eq!(
        one("a/../b"),
        ["items[0].path: Invalid value: \"a/../b\": must not contain '..'"]
    );
    assert_eq!(
        one("../x"),
        ["items[0].path: Invalid value: \"../x\": must not contain '..'"]
    );
    assert_eq!(
        one("..data"),
        ["items[0].path: Invalid value: \"..data\": must not start with '..'"]
    );
    assert!(one("a/b.conf").is_empty());
    assert!(one("a..b").is_empty());
}

#[test]
fn api_8_6_item_path_rules_mode_range() {
    assert!(validate_key_to_path(&item("k", "p", Some(0)), "i").is_empty());
    assert!(validate_key_to_path(&item("k", "p", Some(0o777)), "i").is_empty());
    let texts: Vec<String> = validate_volume_items(
        &[item("k", "p", Some(0o1000)), item("k", "q", Some(-1))],
        "spec.volumes[1].secret.items",
    )
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        texts,
        [
            "spec.volumes[1].secret.items[0].mode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
            "spec.volumes[1].secret.items[1].mode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive",
        ]
    );
}

#[test]
fn api_4_2_conflicting_duplicate_paths() {
    let projected = ProjectedVolumeSource {
        default_mode: None,
        sources: Some(vec![
            VolumeProjection {
                config_map: Some(ConfigMapProjection {
                    name: "cfg".into(),
                    items: Some(vec![item("a", "app.conf", None)]),
                    optional: None,
                }),
                ..Default::default()
            },
            VolumeProjection {
                secret: Some(SecretProjection {
                    name: "creds".into(),
                    items: Some(vec![item("b", "app.conf", None)]),
                    optional: None,
                }),
                ..Default::default()
            },
        ]),
    };
    let texts: Vec<String> = validate_projected_sources(&projected, "spec.volumes[0].projected")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        texts,
        ["spec.volumes[0].projected: Invalid value: \"creds\": conflicting duplicate paths"]
    );
}

#[test]
fn api_4_2_distinct_paths_and_token_rules() {
    let projected = ProjectedVolumeSource {
        default_mode: Some(0o1000),
        sources: Some(vec![
            VolumeProjection {
                config_map: Some(ConfigMapProjection {
                    name: "cfg".into(),
                    items: Some(vec![item("a", "a.conf", None)]),
                    optional: None,
                }),
                ..Default::default()
            },
            VolumeProjection {
                service_account_token: Some(ServiceAccountTokenProjection {
                    audience: None,
                    expiration_seconds: Some(60),
                    path: "token".into(),
                }),
                ..Default::default()
            },
        ]),
    };
    let texts: Vec<String> = validate_projected_sources(&projected, "p")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        texts,
        [
            "p.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
            "p.sources[1].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
        ]
    );
}

#[test]
fn api_8_name_must_be_dns_subdomain() {
    let mut c = cm(&[]);
    c.metadata.name = Some("App_1".into());
    let text = err_text(validate_config_map(&c));
    assert!(text.starts_with("ConfigMap \"App_1\" is invalid: metadata.name: Invalid value: \"App_1\": a lowercase RFC 1123 subdomain"), "{text}");
    assert!(text.ends_with("(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"), "{text}");
    c.metadata.name = Some("a.b-c.d".into());
    assert!(validate_config_map(&c).is_ok());
    c.metadata.name = Some("a".repeat(254));
    assert!(err_text(validate_config_map(&c)).contains("must be no more than 253 characters"));
    c.metadata.name = None;
    assert_eq!(
        err_text(validate_config_map(&c)),
        "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
    );
}

#[test]
fn api_8_secret_values_never_appear_in_errors() {
    let value = b"hunter2-very-secret";
    let mut s = secret(
        Some(SECRET_TYPE_DOCKER_CONFIG_JSON),
        &[(".dockerconfigjson", value)],
    );
    s.metadata.name = Some("Bad Name".into());
    let text = err_text(validate_secret(&s));
    assert!(!text.contains("hunter2"), "{text}");
    let mut big = secret(None, &[("k", &[b'z'; MAX_DATA_SIZE + 1])]);
    big.immutable = Some(true);
    let text = err_text(validate_update_secret(
        &big,
        &secret(None, &[("k", b"hunter2")]),
    ));
    assert!(!text.contains("hunter2") && !text.contains("zzz"), "{text}");
}

#[test]
fn field_path_parse_round_trips() {
    for text in [
        "spec.volumes[0].configMap.items[12].path",
        "data[tls.crt]",
        "[]",
        "metadata.annotations[kubernetes.io/x]",
    ] {
        assert_eq!(FieldPath::parse(text).to_string(), text);
    }
}

#[test]
fn go_quote_escapes_like_go() {
    assert_eq!(go_quote("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\x01\"");
}

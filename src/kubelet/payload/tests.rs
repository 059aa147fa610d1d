use super::test_support::{Objects, pod};
use super::*;
use serde_json::json;

fn volume(spec: serde_json::Value) -> Volume {
    serde_json::from_value(spec).expect("valid volume")
}

fn payload(vol: serde_json::Value, pod: &PodContext, objects: &Objects) -> VolumePayload {
    match build_volume_payload(&volume(vol), pod, objects) {
        Ok(VolumeContent::Projection(p)) => p,
        other => panic!("expected a projection, got {other:?}"),
    }
}

fn error(vol: serde_json::Value, pod: &PodContext, objects: &Objects) -> MountError {
    match build_volume_payload(&volume(vol), pod, objects) {
        Err(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn summary(p: &VolumePayload) -> Vec<(String, String, u32)> {
    p.files
        .iter()
        .map(|(k, f)| {
            (
                k.clone(),
                String::from_utf8_lossy(&f.data).into_owned(),
                f.mode,
            )
        })
        .collect()
}

fn s(path: &str, data: &str, mode: u32) -> (String, String, u32) {
    (path.to_string(), data.to_string(), mode)
}

fn cm_objects() -> Objects {
    Objects::default().with_cm(
        "cfg",
        &[("LOG_LEVEL", "INFO"), ("app.conf", "x=1")],
        &[("blob", b"\x00\x01")],
    )
}

#[test]
fn cm_2_1_default_mode_0644() {
    let p = payload(
        json!({"name": "v", "configMap": {"name": "cfg"}}),
        &pod(),
        &cm_objects(),
    );
    assert!(p.files.values().all(|f| f.mode == 0o644));
    assert_eq!(p.medium, Medium::Disk);
    assert!(!p.secret_derived);
    assert!(p.secret_paths.is_empty());
}

#[test]
fn cm_2_1_default_mode_0400() {
    let p = payload(
        json!({"name": "v", "configMap": {"name": "cfg", "defaultMode": 0o400}}),
        &pod(),
        &cm_objects(),
    );
    assert!(p.files.values().all(|f| f.mode == 0o400));
}

#[test]
fn cm_2_2_no_items_data_then_binary() {
    let p = payload(
        json!({"name": "v", "configMap": {"name": "cfg"}}),
        &pod(),
        &cm_objects(),
    );
    assert_eq!(
        summary(&p),
        vec![
            s("LOG_LEVEL", "INFO", 0o644),
            s("app.conf", "x=1", 0o644),
            s("blob", "\u{0}\u{1}", 0o644),
        ]
    );
    assert_eq!(p.files["blob"].data, vec![0, 1]);
}

#[test]
fn cm_2_2_empty_items_means_all_keys() {
    let p = payload(
        json!({"name": "v", "configMap": {"name": "cfg", "items": []}}),
        &pod(),
        &cm_objects(),
    );
    assert_eq!(p.files.len(), 3);
}

#[test]
fn cm_2_3_items_select_and_nest() {
    let p = payload(
        json!({"name": "v", "configMap": {"name": "cfg", "items": [
            {"key": "LOG_LEVEL", "path": "path/to/data-2"},
            {"key": "blob", "path": "bin"}
        ]}}),
        &pod(),
        &cm_objects(),
    );
    assert_eq!(
        summary(&p),
        vec![
            s("bin", "\u{0}\u{1}", 0o644),
            s("path/to/data-2", "INFO", 0o644)
        ]
    );
}

#[test]
fn cm_2_3_item_mode_overrides_default() {
    let p = payload(
        json!({"name": "v", "configMap": {"name": "cfg", "defaultMode": 0o600, "items": [
            {"key": "LOG_LEVEL", "path": "a", "mode": 0o400},
            {"key": "app.conf", "path": "b"}
        ]}}),
        &pod(),
        &cm_objects(),
    );
    assert_eq!(
        summary(&p),
        vec![s("a", "INFO", 0o400), s("b", "x=1", 0o600)]
    );
}

#[test]
fn cm_2_3_items_missing_key_fails() {
    let e = error(
        json!({"name": "config", "configMap": {"name": "cfg", "items": [
            {"key": "LOG_LEVEL", "path": "a"}, {"key": "nope", "path": "b"}
        ]}}),
        &pod(),
        &cm_objects(),
    );
    assert_eq!(
        e.reason(),
        "configmap references non-existent config key: nope"
    );
    assert_eq!(
        e.to_string(),
        "MountVolume.SetUp failed for volume \"config\" : configmap references non-existent config key: nope"
    );
}

#[test]
fn cm_2_3_items_missing_key_optional_skipped() {
    let p = payload(
        json!({"name": "v", "configMap": {"name": "cfg", "optional": true, "items": [
            {"key": "LOG_LEVEL", "path": "a"}, {"key": "nope", "path": "b"}
        ]}}),
        &pod(),
        &cm_objects(),
    );
    assert_eq!(summary(&p), vec![s("a", "INFO", 0o644)]);
}

#[test]
fn cm_2_4_missing_object_optional_empty() {
    for vol in [
        json!({"name": "v", "configMap": {"name": "gone", "optional": true}}),
        json!({"name": "v", "configMap": {"name": "gone", "optional": true,
               "items": [{"key": "k", "path": "k"}]}}),
    ] {
        let p = payload(vol, &pod(), &cm_objects());
        assert!(p.files.is_empty());
    }
}

#[test]
fn cm_2_4_missing_object_fails_with_kubelet_wording() {
    let e = error(
        json!({"name": "config", "configMap": {"name": "app"}}),
        &pod(),
        &cm_objects(),
    );
    assert_eq!(
        e.to_string(),
        "MountVolume.SetUp failed for volume \"config\" : configmap \"app\" not found"
    );
    assert_eq!(e.volume(), "config");
    assert_eq!(e.reason(), "configmap \"app\" not found");
}

#[test]
fn cm_2_4_looks_up_in_pod_namespace() {
    let mut other = pod();
    other.namespace = "prod".into();
    let e = error(
        json!({"name": "v", "configMap": {"name": "cfg"}}),
        &other,
        &cm_objects(),
    );
    assert_eq!(e.reason(), "configmap \"cfg\" not found");
}

#[test]
fn cm_2_7_fs_group_modes() {
    assert_eq!(fs_group_mode(0o400, false), 0o440);
    assert_eq!(fs_group_mode(0o644, false), 0o644);
    assert_eq!(fs_group_mode(0o600, false), 0o640);
    assert_eq!(fs_group_mode(0o755, true), 0o2755);
    assert_eq!(fs_group_mode(0o700, true), 0o2750);
}

#[test]
fn cm_2_7_fs_group_carried_to_payload() {
    let mut p = pod();
    p.fs_group = Some(1234);
    let vp = payload(
        json!({"name": "v", "configMap": {"name": "cfg", "defaultMode": 0o400}}),
        &p,
        &cm_objects(),
    );
    assert_eq!(vp.fs_group, Some(1234));
    // e9: non-root + defaultMode + fsGroup gives -r--r-----.
    assert_eq!(fs_group_mode(vp.files["LOG_LEVEL"].mode, false), 0o440);
}

fn secret_objects() -> Objects {
    Objects::default().with_secret("db", &[("password", b"s3cret"), ("user", b"admin")])
}

#[test]
fn secret_3_1_default_mode_0644() {
    let p = payload(
        json!({"name": "v", "secret": {"secretName": "db"}}),
        &pod(),
        &secret_objects(),
    );
    assert_eq!(
        summary(&p),
        vec![s("password", "s3cret", 0o644), s("user", "admin", 0o644)]
    );
}

#[test]
fn secret_3_2_memory_and_secret_paths() {
    let p = payload(
        json!({"name": "v", "secret": {"secretName": "db"}}),
        &pod(),
        &secret_objects(),
    );
    assert_eq!(p.medium, Medium::Memory);
    assert!(p.secret_derived);
    assert_eq!(
        p.secret_paths,
        BTreeSet::from(["password".to_string(), "user".to_string()])
    );
}

#[test]
fn secret_3_3_uses_data_only() {
    let mut objects = secret_objects();
    if let Some(secret) = objects.secrets.values_mut().next() {
        secret.string_data = Some([("extra".to_string(), "nope".to_string())].into());
    }
    let p = payload(
        json!({"name": "v", "secret": {"secretName": "db"}}),
        &pod(),
        &objects,
    );
    assert!(!p.files.contains_key("extra"));
    assert_eq!(p.files.len(), 2);
}

#[test]
fn secret_3_3_items_and_mode() {
    let p = payload(
        json!({"name": "v", "secret": {"secretName": "db", "defaultMode": 0o400,
               "items": [{"key": "password", "path": "creds/pw", "mode": 0o440}]}}),
        &pod(),
        &secret_objects(),
    );
    assert_eq!(summary(&p), vec![s("creds/pw", "s3cret", 0o440)]);
}

#[test]
fn secret_3_3_missing_key_wording() {
    let e = error(
        json!({"name": "creds", "secret": {"secretName": "db",
               "items": [{"key": "token", "path": "t"}]}}),
        &pod(),
        &secret_objects(),
    );
    assert_eq!(
        e.to_string(),
        "MountVolume.SetUp failed for volume \"creds\" : references non-existent secret key: token"
    );
    assert!(!e.to_string().contains("s3cret"));
}

#[test]
fn secret_3_3_missing_key_optional_skipped() {
    let p = payload(
        json!({"name": "v", "secret": {"secretName": "db", "optional": true,
               "items": [{"key": "token", "path": "t"}, {"key": "user", "path": "u"}]}}),
        &pod(),
        &secret_objects(),
    );
    assert_eq!(summary(&p), vec![s("u", "admin", 0o644)]);
}

#[test]
fn secret_3_4_missing_object() {
    let e = error(
        json!({"name": "creds", "secret": {"secretName": "gone"}}),
        &pod(),
        &secret_objects(),
    );
    assert_eq!(e.reason(), "secret \"gone\" not found");
    let p = payload(
        json!({"name": "v", "secret": {"secretName": "gone", "optional": true}}),
        &pod(),
        &secret_objects(),
    );
    assert!(p.files.is_empty());
    assert!(!p.secret_derived);
}

fn all_objects() -> Objects {
    Objects::default()
        .with_cm("cfg", &[("shared", "from-cm"), ("only-cm", "c")], &[])
        .with_secret("db", &[("shared", b"from-secret"), ("password", b"s3cret")])
}

#[test]
fn proj_4_1_later_source_overwrites() {
    let p = payload(
        json!({"name": "v", "projected": {"sources": [
            {"secret": {"name": "db"}},
            {"configMap": {"name": "cfg"}}
        ]}}),
        &pod(),
        &all_objects(),
    );
    assert_eq!(
        summary(&p),
        vec![
            s("only-cm", "c", 0o644),
            s("password", "s3cret", 0o644),
            s("shared", "from-cm", 0o644),
        ]
    );
    // The overwritten path no longer holds Secret bytes.
    assert_eq!(p.secret_paths, BTreeSet::from(["password".to_string()]));
    assert!(p.secret_derived);

    let p = payload(
        json!({"name": "v", "projected": {"sources": [
            {"configMap": {"name": "cfg"}},
            {"secret": {"name": "db"}}
        ]}}),
        &pod(),
        &all_objects(),
    );
    assert_eq!(p.files["shared"].data, b"from-secret");
    assert!(p.secret_paths.contains("shared"));
}

#[test]
fn proj_4_1_downward_api_labels_format() {
    let mut p = pod();
    p.labels = [
        ("zeta".to_string(), "z".to_string()),
        ("app".to_string(), "we\"b\n".to_string()),
    ]
    .into();
    p.annotations = [("note".to_string(), "héllo\u{7}".to_string())].into();
    let vp = payload(
        json!({"name": "v", "projected": {"sources": [{"downwardAPI": {"items": [
            {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
            {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
            {"path": "./dir//app", "fieldRef": {"fieldPath": "metadata.labels['app']"}},
            {"path": "missing", "fieldRef": {"fieldPath": "metadata.labels['nope']"}},
            {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
            {"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}},
            {"path": "uid", "fieldRef": {"fieldPath": "metadata.uid"}, "mode": 0o400}
        ]}}]}}),
        &p,
        &Objects::default(),
    );
    assert_eq!(
        summary(&vp),
        vec![
            s("annotations", "note=\"héllo\\a\"", 0o644),
            s("dir/app", "we\"b\n", 0o644),
            s("labels", "app=\"we\\\"b\\n\"\nzeta=\"z\"", 0o644),
            s("missing", "", 0o644),
            s("name", "web", 0o644),
            s("ns", "default", 0o644),
            s("uid", "0000-uid", 0o400),
        ]
    );
    assert!(!vp.secret_derived);
}

#[test]
fn proj_4_1_errors_aggregated() {
    let e = error(
        json!({"name": "all", "projected": {"sources": [
            {"configMap": {"name": "gone"}},
            {"secret": {"name": "db", "items": [{"key": "nope", "path": "x"}]}},
            {"secret": {"name": "missing", "optional": true}}
        ]}}),
        &pod(),
        &all_objects(),
    );
    assert_eq!(
        e.reason(),
        "[configmap \"gone\" not found, references non-existent secret key: nope]"
    );
    let e = error(
        json!({"name": "all", "projected": {"sources": [{"secret": {"name": "gone"}}]}}),
        &pod(),
        &all_objects(),
    );
    assert_eq!(
        e.to_string(),
        "MountVolume.SetUp failed for volume \"all\" : secret \"gone\" not found"
    );
}

#[test]
fn proj_4_3_default_mode_and_memory() {
    let p = payload(
        json!({"name": "v", "projected": {"defaultMode": 0o440, "sources": [
            {"configMap": {"name": "cfg", "items": [{"key": "only-cm", "path": "c", "mode": 0o400}]}},
            {"configMap": {"name": "cfg", "items": [{"key": "shared", "path": "s"}]}}
        ]}}),
        &pod(),
        &all_objects(),
    );
    assert_eq!(p.medium, Medium::Memory);
    assert_eq!(
        summary(&p),
        vec![s("c", "c", 0o400), s("s", "from-cm", 0o440)]
    );
    let p = payload(
        json!({"name": "v", "projected": {"sources": [{"configMap": {"name": "cfg"}}]}}),
        &pod(),
        &all_objects(),
    );
    assert!(p.files.values().all(|f| f.mode == DEFAULT_MODE));
}

#[test]
fn proj_4_3_sa_token_mode_0600_with_fs_group() {
    let vol = json!({"name": "v", "projected": {"sources": [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}
    ]}});
    let mut p = pod();
    p.fs_group = Some(2000);
    let vp = payload(vol.clone(), &p, &Objects::default());
    let token = &vp.files["token"];
    assert_eq!(token.mode, 0o600);
    assert_eq!(fs_group_mode(token.mode, false), 0o640);
    assert_eq!(token.data, FAKE_SERVICE_ACCOUNT_TOKEN.as_bytes());
    assert!(vp.secret_paths.contains("token"));
    assert_eq!(token.fs_user, None);

    let vp = payload(vol, &pod(), &Objects::default());
    assert_eq!(vp.files["token"].mode, 0o644);
}

#[test]
fn proj_4_3_sa_token_fs_user() {
    let mut p = pod();
    p.fs_user = Some(1000);
    let vp = payload(
        json!({"name": "v", "projected": {"defaultMode": 0o420, "sources": [
            {"serviceAccountToken": {"path": "token"}}
        ]}}),
        &p,
        &Objects::default(),
    );
    assert_eq!(vp.files["token"].mode, 0o600);
    assert_eq!(vp.files["token"].fs_user, Some(1000));
}

#[test]
fn proj_cluster_trust_bundle() {
    let e = error(
        json!({"name": "v", "projected": {"sources": [
            {"clusterTrustBundle": {"name": "b", "path": "ca.pem"}}
        ]}}),
        &pod(),
        &Objects::default(),
    );
    assert!(e.reason().contains("clusterTrustBundle"), "{e}");
    let p = payload(
        json!({"name": "v", "projected": {"sources": [
            {"clusterTrustBundle": {"name": "b", "path": "ca.pem", "optional": true}}
        ]}}),
        &pod(),
        &Objects::default(),
    );
    assert_eq!(summary(&p), vec![s("ca.pem", "", 0o644)]);
}

#[test]
fn downward_api_volume_in_memory() {
    let p = payload(
        json!({"name": "v", "downwardAPI": {"defaultMode": 0o400, "items": [
            {"path": "podname", "fieldRef": {"fieldPath": "metadata.name"}}
        ]}}),
        &pod(),
        &Objects::default(),
    );
    assert_eq!(p.medium, Medium::Memory);
    assert_eq!(summary(&p), vec![s("podname", "web", 0o400)]);
    let e = error(
        json!({"name": "v", "downwardAPI": {"items": [
            {"path": "x", "fieldRef": {"fieldPath": "spec.nodeName"}},
            {"path": "y", "fieldRef": {"fieldPath": "metadata.name['x']"}}
        ]}}),
        &pod(),
        &Objects::default(),
    );
    assert_eq!(
        e.reason(),
        "[unsupported fieldPath: spec.nodeName, fieldPath \"metadata.name['x']\" does not support subscript]"
    );
}

#[test]
fn other_volume_kinds() {
    let objects = Objects::default();
    let kind = |v| build_volume_payload(&volume(v), &pod(), &objects);
    assert_eq!(
        kind(json!({"name": "a", "emptyDir": {}})),
        Ok(VolumeContent::EmptyDir)
    );
    assert_eq!(kind(json!({"name": "a"})), Ok(VolumeContent::EmptyDir));
    assert_eq!(
        kind(json!({"name": "a", "hostPath": {"path": "/tmp"}})),
        Ok(VolumeContent::Unsupported("hostPath".into()))
    );
    assert_eq!(
        kind(json!({"name": "a", "persistentVolumeClaim": {"claimName": "c"}})),
        Ok(VolumeContent::Unsupported("persistentVolumeClaim".into()))
    );
}

#[test]
fn go_quote_matches_strconv_quote() {
    assert_eq!(go_quote("plain"), "\"plain\"");
    assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_eq!(go_quote("\t\n\r\u{0}\u{7f}"), "\"\\t\\n\\r\\x00\\x7f\"");
    assert_eq!(go_quote("日本 é"), "\"日本 é\"");
    assert_eq!(go_quote("\u{a0}\u{200b}"), "\"\\u00a0\\u200b\"");
    assert_eq!(go_quote("\u{e0001}"), "\"\\U000e0001\"");
}

#[test]
fn clean_path_like_go() {
    assert_eq!(clean_path("a//b/./c/"), "a/b/c");
    assert_eq!(clean_path("./x"), "x");
    assert_eq!(clean_path("a/../../b"), "../b");
    assert_eq!(clean_path(""), ".");
    assert_eq!(clean_path("/../a"), "/a");
}

#[test]
fn pod_context_from_pod() {
    let meta: ObjectMeta = serde_json::from_value(json!({
        "generateName": "web-7d9f-", "labels": {"app": "web"}
    }))
    .expect("meta");
    let spec: PodSpec = serde_json::from_value(json!({
        "securityContext": {"fsGroup": 2000, "runAsUser": 1000},
        "initContainers": [{"name": "init"}],
        "containers": [{"name": "app"}, {"name": "side", "securityContext": {"runAsUser": 1000}}]
    }))
    .expect("spec");
    let ctx = PodContext::from_pod(&meta, &spec, "team");
    assert_eq!(ctx.namespace, "team");
    assert_eq!(ctx.name, "web-7d9f-kubedrill");
    assert_eq!(ctx.fs_group, Some(2000));
    assert_eq!(ctx.fs_user, Some(1000));
    assert_eq!(ctx.labels["app"], "web");
    assert_eq!(ctx.uid.len(), 36);
    assert_eq!(ctx.uid, PodContext::from_pod(&meta, &spec, "team").uid);

    let spec: PodSpec = serde_json::from_value(json!({
        "securityContext": {"runAsUser": 1000},
        "containers": [{"name": "app"}, {"name": "side", "securityContext": {"runAsUser": 0}}]
    }))
    .expect("spec");
    let meta: ObjectMeta =
        serde_json::from_value(json!({"name": "p", "namespace": "prod", "uid": "u-1"}))
            .expect("meta");
    let ctx = PodContext::from_pod(&meta, &spec, "default");
    assert_eq!(
        (ctx.namespace.as_str(), ctx.name.as_str(), ctx.uid.as_str()),
        ("prod", "p", "u-1")
    );
    assert_eq!(ctx.fs_user, None);
    assert_eq!(ctx.fs_group, None);

    let bare = PodContext::from_pod(&ObjectMeta::default(), &PodSpec::default(), "default");
    assert_eq!(bare.name, PodContext::DEFAULT_NAME);
    assert_eq!(bare.fs_user, None);
}

//! The kube-facing layer against kube's documented mock (`tower-test` behind
//! `kube::Client::new`): the exact requests each step sends (method, path, query, body) and
//! how real API answers (shapes copied from a kube-apiserver 1.34) become values and errors.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use http::{Method, Request, Response};
use kube::client::Body;
use serde_json::{Value, json};

use super::errors::ClusterError;
use super::*;
use crate::backend::Observed;
use crate::scenario::format::{ObjectKind, RunSpec, Update};

/// One expected request and the answer to it.
struct Expect {
    method: Method,
    path: &'static str,
    query: &'static str,
    content_type: Option<&'static str>,
    body: Option<Value>,
    status: u16,
    answer: String,
}

fn expect(method: Method, path: &'static str, query: &'static str) -> Expect {
    Expect {
        method,
        path,
        query,
        content_type: None,
        body: None,
        status: 200,
        answer: "{}".into(),
    }
}

impl Expect {
    fn body(mut self, content_type: &'static str, body: Value) -> Self {
        self.content_type = Some(content_type);
        self.body = Some(body);
        self
    }
    fn answer(mut self, status: u16, answer: Value) -> Self {
        self.status = status;
        self.answer = answer.to_string();
        self
    }
    fn text(mut self, answer: &str) -> Self {
        self.answer = answer.into();
        self
    }
}

/// A client whose requests must be exactly `script`, in order; the task checks each one.
fn mock(script: Vec<Expect>) -> (kube::Client, tokio::task::JoinHandle<()>) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let task = tokio::spawn(async move {
        let mut handle = std::pin::pin!(handle);
        for (i, e) in script.into_iter().enumerate() {
            let (request, send) = handle
                .next_request()
                .await
                .unwrap_or_else(|| panic!("request {i} ({} {}) never came", e.method, e.path));
            assert_eq!(request.method(), e.method, "request {i} method");
            assert_eq!(request.uri().path(), e.path, "request {i} path");
            assert_eq!(
                request.uri().query().unwrap_or(""),
                e.query,
                "request {i} query"
            );
            if let Some(ct) = e.content_type {
                assert_eq!(
                    request
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok()),
                    Some(ct),
                    "request {i} content-type"
                );
            }
            let body = request
                .into_body()
                .collect_bytes()
                .await
                .unwrap_or_default();
            if let Some(expected) = e.body {
                let sent: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                assert_eq!(sent, expected, "request {i} body");
            }
            send.send_response(
                Response::builder()
                    .status(e.status)
                    .header("content-type", "application/json")
                    .body(Body::from(e.answer.into_bytes()))
                    .unwrap_or_else(|_| Response::new(Body::from(Vec::new()))),
            );
        }
    });
    (kube::Client::new(service, "default"), task)
}

const SERVER: &str = "https://127.0.0.1:6443/";

fn status(code: u16, reason: &str, message: &str, kind: &str, name: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason,
           "details": {"name": name, "kind": kind}, "code": code})
}

fn configmap(name: &str, ns: &str, data: Value) -> Value {
    json!({"kind": "ConfigMap", "apiVersion": "v1",
           "metadata": {"name": name, "namespace": ns, "uid": "0b9d5b7e-1c59-4b44-9d55-5f1f7c1e2d11",
                        "resourceVersion": "4242", "creationTimestamp": "2026-12-02T10:00:00Z"},
           "data": data})
}

fn cm_manifest(name: &str, data: &[(&str, &str)]) -> crate::api::Manifest {
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: elsewhere\n  resourceVersion: \"7\"\ndata:\n{}",
        data.iter()
            .map(|(k, v)| format!("  {k}: {v:?}\n"))
            .collect::<String>()
    );
    crate::api::load_str(&text, Path::new("cm.yaml"))
        .expect("a valid ConfigMap")
        .remove(0)
}

fn update(kind: ObjectKind, name: &str) -> Update {
    Update {
        kind,
        name: name.into(),
        data: BTreeMap::new(),
        binary_data: BTreeMap::new(),
        string_data: BTreeMap::new(),
    }
}

#[tokio::test]
async fn update_configmap_is_a_merge_patch_where_null_deletes_a_key() {
    let mut u = update(ObjectKind::ConfigMap, "app");
    u.data.insert("LOG_LEVEL".into(), Some("DEBUG".into()));
    u.data.insert("OLD".into(), None);
    let (client, task) = mock(vec![
        expect(Method::PATCH, "/api/v1/namespaces/kd-1/configmaps/app", "")
            .body(
                "application/merge-patch+json",
                json!({"data": {"LOG_LEVEL": "DEBUG", "OLD": null}}),
            )
            .answer(200, configmap("app", "kd-1", json!({"LOG_LEVEL": "DEBUG"}))),
    ]);
    let said = objects::update(&client, SERVER, "kd-1", &u).await;
    task.await.expect("the mock saw the expected request");
    assert_eq!(said.expect("patched"), "configmap/app patched");
}

#[tokio::test]
async fn update_secret_string_data_null_deletes_the_data_key() {
    let mut u = update(ObjectKind::Secret, "db");
    u.string_data.insert("password".into(), Some("n3w".into()));
    u.string_data.insert("legacy".into(), None);
    u.data.insert("token".into(), Some("dG9r".into()));
    let (client, task) = mock(vec![
        expect(Method::PATCH, "/api/v1/namespaces/kd-1/secrets/db", "")
            .body(
                "application/merge-patch+json",
                json!({"data": {"token": "dG9r", "legacy": null},
                       "stringData": {"password": "n3w"}}),
            )
            .answer(
                200,
                json!({"kind": "Secret", "apiVersion": "v1",
                               "metadata": {"name": "db", "namespace": "kd-1"}}),
            ),
    ]);
    let said = objects::update(&client, SERVER, "kd-1", &u).await;
    task.await.expect("the mock saw the expected request");
    assert_eq!(said.expect("patched"), "secret/db patched");
}

#[tokio::test]
async fn update_of_a_missing_object_is_404_not_found() {
    let mut u = update(ObjectKind::ConfigMap, "gone");
    u.data.insert("k".into(), Some("v".into()));
    let (client, task) = mock(vec![
        expect(Method::PATCH, "/api/v1/namespaces/kd-1/configmaps/gone", "").answer(
            404,
            status(
                404,
                "NotFound",
                "configmaps \"gone\" not found",
                "configmaps",
                "gone",
            ),
        ),
    ]);
    let err = objects::update(&client, SERVER, "kd-1", &u)
        .await
        .expect_err("404");
    task.await.expect("mock");
    assert!(matches!(err, ClusterError::NotFound { ref name, .. } if name == "gone"));
    assert_eq!(
        err.to_string(),
        "configmaps \"gone\" not found in namespace kd-1"
    );
}

#[tokio::test]
async fn apply_creates_into_the_scenario_namespace_without_server_fields() {
    let m = cm_manifest("app", &[("LOG_LEVEL", "INFO")]);
    let (client, task) = mock(vec![
        expect(Method::POST, "/api/v1/namespaces/kd-1/configmaps", "")
            .body(
                "application/json",
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "app", "namespace": "kd-1"},
                       "data": {"LOG_LEVEL": "INFO"}}),
            )
            .answer(201, configmap("app", "kd-1", json!({"LOG_LEVEL": "INFO"}))),
    ]);
    let said = objects::apply(&client, SERVER, "kd-1", &m, true).await;
    task.await.expect("mock");
    assert_eq!(said.expect("created"), "configmap/app created");
}

#[tokio::test]
async fn apply_of_an_existing_object_is_409_then_a_replace() {
    let m = cm_manifest("app", &[("LOG_LEVEL", "WARN")]);
    let (client, task) = mock(vec![
        expect(Method::POST, "/api/v1/namespaces/kd-1/configmaps", "").answer(
            409,
            status(
                409,
                "AlreadyExists",
                "configmaps \"app\" already exists",
                "configmaps",
                "app",
            ),
        ),
        expect(Method::PUT, "/api/v1/namespaces/kd-1/configmaps/app", "")
            .body(
                "application/json",
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "app", "namespace": "kd-1"},
                       "data": {"LOG_LEVEL": "WARN"}}),
            )
            .answer(200, configmap("app", "kd-1", json!({"LOG_LEVEL": "WARN"}))),
    ]);
    let said = objects::apply(&client, SERVER, "kd-1", &m, true).await;
    task.await.expect("mock");
    assert_eq!(said.expect("replaced"), "configmap/app configured");
}

#[tokio::test]
async fn create_of_an_existing_object_at_start_is_a_409_conflict() {
    let m = cm_manifest("app", &[("A", "1")]);
    let (client, task) = mock(vec![
        expect(Method::POST, "/api/v1/namespaces/kd-1/configmaps", "").answer(
            409,
            status(
                409,
                "AlreadyExists",
                "configmaps \"app\" already exists",
                "configmaps",
                "app",
            ),
        ),
    ]);
    let err = objects::apply(&client, SERVER, "kd-1", &m, false)
        .await
        .expect_err("409");
    task.await.expect("mock");
    assert_eq!(
        err.to_string(),
        "conflict: configmaps \"app\" already exists"
    );
}

#[tokio::test]
async fn the_api_servers_validation_error_is_the_step_failure_with_its_message() {
    let m = cm_manifest("app", &[("A", "1")]);
    let message = "ConfigMap \"app\" is invalid: []: Too long: may not be more than 1048576 bytes";
    let (client, task) = mock(vec![
        expect(Method::POST, "/api/v1/namespaces/kd-1/configmaps", "")
            .answer(422, status(422, "Invalid", message, "ConfigMap", "app")),
    ]);
    let err = objects::apply(&client, SERVER, "kd-1", &m, true)
        .await
        .expect_err("422");
    task.await.expect("mock");
    assert!(matches!(err, ClusterError::Invalid(_)));
    assert_eq!(
        err.to_string(),
        format!("the API server refused it: {message}")
    );
    assert!(
        !err.is_setup(),
        "a refused object fails its step, not the run"
    );
}

#[tokio::test]
async fn rbac_forbidden_names_the_verb_and_the_resource() {
    let message = "configmaps is forbidden: User \"system:serviceaccount:ci:kubedrill\" cannot \
                   create resource \"configmaps\" in API group \"\" in the namespace \"kd-1\"";
    let m = cm_manifest("app", &[("A", "1")]);
    let (client, task) = mock(vec![
        expect(Method::POST, "/api/v1/namespaces/kd-1/configmaps", "")
            .answer(403, status(403, "Forbidden", message, "configmaps", "")),
    ]);
    let err = objects::apply(&client, SERVER, "kd-1", &m, true)
        .await
        .expect_err("403");
    task.await.expect("mock");
    let text = err.to_string();
    assert!(
        text.starts_with("forbidden: cannot create configmaps in namespace kd-1 ("),
        "{text}"
    );
    assert!(
        text.contains("system:serviceaccount:ci:kubedrill"),
        "{text}"
    );
}

#[tokio::test]
async fn delete_sends_delete_and_says_it_like_kubectl() {
    let (client, task) = mock(vec![
        expect(Method::DELETE, "/api/v1/namespaces/kd-1/secrets/db", "").answer(
            200,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                   "details": {"name": "db", "kind": "secrets"}}),
        ),
    ]);
    let said = objects::delete(&client, SERVER, "kd-1", ObjectKind::Secret, "db").await;
    task.await.expect("mock");
    assert_eq!(said.expect("deleted"), "secret \"db\" deleted");
}

#[tokio::test]
async fn the_namespace_is_created_with_kubedrills_labels() {
    let name = namespace::namespace_name("kubedrill", "0badcafe", 3);
    assert_eq!(name, "kubedrill-0badcafe-3");
    let (client, task) = mock(vec![
        expect(Method::POST, "/api/v1/namespaces", "")
            .body(
                "application/json",
                json!({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "kubedrill-0badcafe-3", "labels": {
                           "app.kubernetes.io/managed-by": "kubedrill",
                           "kubedrill.dev/run-id": namespace::run_id(),
                           "kubedrill.dev/scenario": "log-level-reload"}}}),
            )
            .answer(
                201,
                json!({"kind": "Namespace", "apiVersion": "v1",
                                "metadata": {"name": "kubedrill-0badcafe-3"}}),
            ),
    ]);
    namespace::create_namespace(&client, SERVER, &name, "log-level-reload")
        .await
        .expect("created");
    task.await.expect("mock");
}

fn terminating_namespace(name: &str) -> Value {
    json!({"kind": "Namespace", "apiVersion": "v1",
           "metadata": {"name": name, "deletionTimestamp": "2026-12-02T10:00:00Z"},
           "spec": {"finalizers": ["kubernetes"]},
           "status": {"phase": "Terminating", "conditions": [
               {"type": "NamespaceContentRemaining", "status": "True",
                "reason": "SomeResourcesRemain",
                "message": "Some resources are remaining: pods. has 1 resource instances",
                "lastTransitionTime": "2026-12-02T10:00:01Z"},
               {"type": "NamespaceDeletionDiscoveryFailure", "status": "False",
                "reason": "ResourcesDiscovered", "message": "All resources successfully discovered",
                "lastTransitionTime": "2026-12-02T10:00:01Z"}]}})
}

#[tokio::test]
async fn the_namespace_is_deleted_and_waited_for_until_404() {
    let (client, task) = mock(vec![
        expect(Method::DELETE, "/api/v1/namespaces/kd-1", "")
            .body(
                "application/json",
                json!({"propagationPolicy": "Background"}),
            )
            .answer(200, terminating_namespace("kd-1")),
        expect(Method::GET, "/api/v1/namespaces/kd-1", "")
            .answer(200, terminating_namespace("kd-1")),
        expect(Method::GET, "/api/v1/namespaces/kd-1", "").answer(
            404,
            status(
                404,
                "NotFound",
                "namespaces \"kd-1\" not found",
                "namespaces",
                "kd-1",
            ),
        ),
    ]);
    namespace::delete_namespace(
        &client,
        SERVER,
        "kd-1",
        Duration::from_secs(5),
        Duration::ZERO,
    )
    .await
    .expect("gone");
    task.await.expect("mock");
}

#[tokio::test]
async fn a_namespace_that_will_not_terminate_is_a_setup_error_naming_what_blocks_it() {
    let (client, task) = mock(vec![
        expect(Method::DELETE, "/api/v1/namespaces/kd-1", "")
            .answer(200, terminating_namespace("kd-1")),
        expect(Method::GET, "/api/v1/namespaces/kd-1", "")
            .answer(200, terminating_namespace("kd-1")),
    ]);
    let err = namespace::delete_namespace(&client, SERVER, "kd-1", Duration::ZERO, Duration::ZERO)
        .await
        .expect_err("stuck");
    task.await.expect("mock");
    assert!(err.is_setup());
    let text = err.to_string();
    assert!(text.starts_with("namespace kd-1 did not terminate within 0s; finalizers: kubernetes, NamespaceContentRemaining: Some resources are remaining: pods."), "{text}");
    assert!(
        !text.contains("NamespaceDeletionDiscoveryFailure"),
        "{text}"
    );
}

#[tokio::test]
async fn touch_pod_patches_an_annotation() {
    let (client, task) = mock(vec![
        expect(Method::PATCH, "/api/v1/namespaces/kd-1/pods/app", "")
            .body(
                "application/merge-patch+json",
                json!({"metadata": {"annotations": {"kubedrill.dev/touched": "17-1"}}}),
            )
            .answer(
                200,
                json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "app"}}),
            ),
    ]);
    lifecycle::touch_pod(&client, SERVER, "kd-1", "app", "17-1")
        .await
        .expect("touched");
    task.await.expect("mock");
}

#[tokio::test]
async fn logs_are_asked_with_timestamps_and_become_timed_lines() {
    let (client, task) = mock(vec![
        expect(Method::GET, "/api/v1/namespaces/kd-1/pods/app/log", "&container=app&timestamps=true")
            .text("2026-12-02T10:00:00.100000000Z started\n2026-12-02T10:00:01.600000000Z LOG_LEVEL=DEBUG\n"),
    ]);
    let text = backend::pod_logs(&client, SERVER, "kd-1", "app", "app")
        .await
        .expect("logs");
    task.await.expect("mock");
    let now_wall = humantime::parse_rfc3339("2026-12-02T10:00:02Z").expect("time");
    let Observed::Log(lines) = observe::parse_logs(&text, now_wall) else {
        panic!("not a log");
    };
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].text, "started");
    assert_eq!(lines[1].text, "LOG_LEVEL=DEBUG");
    assert_eq!(
        now_wall.duration_since(lines[0].at).unwrap(),
        Duration::from_millis(1900)
    );
    assert_eq!(
        now_wall.duration_since(lines[1].at).unwrap(),
        Duration::from_millis(400)
    );
}

#[tokio::test]
async fn events_are_listed_by_the_pods_involved_object() {
    let (client, task) = mock(vec![
        expect(
            Method::GET,
            "/api/v1/namespaces/kd-1/events",
            "&fieldSelector=involvedObject.kind%3DPod%2CinvolvedObject.name%3Dapp%2CinvolvedObject.uid%3Du-1",
        )
        .answer(200, json!({"kind": "EventList", "apiVersion": "v1", "metadata": {"resourceVersion": "9"},
            "items": [
              {"metadata": {"name": "app.1", "namespace": "kd-1"},
               "involvedObject": {"kind": "Pod", "name": "app", "namespace": "kd-1", "uid": "u-1"},
               "reason": "Scheduled", "message": "Successfully assigned kd-1/app to kind-control-plane",
               "type": "Normal", "count": 1, "lastTimestamp": "2026-12-02T10:00:00Z"},
              {"metadata": {"name": "app.2", "namespace": "kd-1"},
               "involvedObject": {"kind": "Pod", "name": "app", "namespace": "kd-1", "uid": "u-1"},
               "reason": "FailedMount",
               "message": "MountVolume.SetUp failed for volume \"config\" : configmap \"missing\" not found",
               "type": "Warning", "count": 3, "lastTimestamp": "2026-12-02T10:00:04Z"}]})),
    ]);
    let events = backend::pod_events(&client, SERVER, "kd-1", "app", Some("u-1"))
        .await
        .expect("events");
    task.await.expect("mock");
    assert_eq!(
        observe::events_observed(&events, "FailedMount"),
        Observed::Events(vec![
            "MountVolume.SetUp failed for volume \"config\" : configmap \"missing\" not found"
                .into()
        ])
    );
    assert_eq!(
        observe::events_observed(&events, "Pulled"),
        Observed::Events(vec![])
    );
    assert_eq!(
        observe::event_line(&events[1]),
        "Warning FailedMount (x3): MountVolume.SetUp failed for volume \"config\" : configmap \"missing\" not found"
    );
}

#[tokio::test]
async fn exec_is_a_get_on_pods_exec_and_its_403_names_pods_exec() {
    let message = "pods \"app\" is forbidden: User \"dev\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"kd-1\"";
    let (client, task) = mock(vec![
        expect(
            Method::GET,
            "/api/v1/namespaces/kd-1/pods/app/exec",
            "&stdout=true&stderr=true&container=app&command=cat&command=%2Fproc%2F1%2Fenviron",
        )
        .answer(403, status(403, "Forbidden", message, "pods", "app")),
    ]);
    let err = exec::exec(
        &client,
        SERVER,
        "kd-1",
        "app",
        "app",
        &observe::env_command(),
    )
    .await
    .expect_err("403");
    task.await.expect("mock");
    assert!(
        err.to_string()
            .starts_with("forbidden: cannot create pods/exec in namespace kd-1"),
        "{err}"
    );
}

#[tokio::test]
async fn server_version_reads_version_and_401_is_unauthorized() {
    let (client, task) = mock(vec![
        expect(Method::GET, "/version", "").answer(
            200,
            json!({"major": "1", "minor": "34",
            "gitVersion": "v1.34.0", "gitCommit": "x", "gitTreeState": "clean",
            "buildDate": "2026-08-27T00:00:00Z", "goVersion": "go1.24.6", "compiler": "gc",
            "platform": "linux/amd64"}),
        ),
        expect(Method::GET, "/version", "").answer(
            401,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "Unauthorized", "reason": "Unauthorized", "code": 401}),
        ),
    ]);
    assert_eq!(
        config::server_version(&client, SERVER)
            .await
            .expect("version"),
        "1.34"
    );
    let err = config::server_version(&client, SERVER)
        .await
        .expect_err("401");
    task.await.expect("mock");
    assert!(err.is_setup());
    assert!(err.to_string().starts_with("unauthorized:"), "{err}");
}

#[tokio::test]
async fn a_missing_kubeconfig_file_is_a_clear_setup_error() {
    let opts = ClusterOptions {
        kubeconfig: Some("/nonexistent/kubeconfig".into()),
        ..ClusterOptions::default()
    };
    let err = connect(&opts).await.expect_err("no file");
    assert!(err.is_setup());
    assert!(
        err.to_string().starts_with(
            "no kubeconfig: /nonexistent/kubeconfig does not exist (hint: pass --kubeconfig"
        ),
        "{err}"
    );
}

fn kubeconfig_file(server: &str) -> tempfile::NamedTempFile {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: test\n  context: {{cluster: c, user: u}}\nusers:\n- name: u\n  user: {{token: abc}}\n"
    );
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut f, text.as_bytes()).expect("write");
    f
}

#[tokio::test]
async fn an_unknown_context_is_a_kubeconfig_error_naming_it() {
    let f = kubeconfig_file("https://127.0.0.1:1");
    let opts = ClusterOptions {
        kubeconfig: Some(f.path().to_path_buf()),
        context: Some("prod".into()),
        ..ClusterOptions::default()
    };
    let err = connect(&opts).await.expect_err("no such context");
    assert!(err.is_setup());
    assert!(err.to_string().contains("(context \"prod\")"), "{err}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_setup_error_naming_it() {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let f = kubeconfig_file("https://127.0.0.1:1");
    let opts = ClusterOptions {
        kubeconfig: Some(f.path().to_path_buf()),
        ..ClusterOptions::default()
    };
    let err = connect(&opts).await.expect_err("refused");
    assert!(err.is_setup());
    let text = err.to_string();
    assert!(
        text.starts_with("the API server https://127.0.0.1:1/ is unreachable:"),
        "{text}"
    );
}

#[test]
fn file_probe_output_becomes_file_observations() {
    let out = b"link:..data/LOG_LEVEL\nstat:644:regular file\ncontent:\nDEBUG";
    assert_eq!(
        observe::parse_file_probe(out),
        Observed::File {
            content: Some(b"DEBUG".to_vec()),
            mode: Some(0o644),
            link_target: Some("..data/LOG_LEVEL".into()),
            is_dir: false,
        }
    );
    assert_eq!(
        observe::parse_file_probe(b"link:..2026_12_02_10_00_00.1\nstat:755:directory\ndir\n"),
        Observed::File {
            content: None,
            mode: Some(0o755),
            link_target: Some("..2026_12_02_10_00_00.1".into()),
            is_dir: true,
        }
    );
    assert_eq!(
        observe::parse_file_probe(b"link:..data/gone\nmissing\n"),
        Observed::File {
            content: None,
            mode: None,
            link_target: Some("..data/gone".into()),
            is_dir: false,
        }
    );
    // Content that itself says "content:" stays content.
    assert_eq!(
        observe::parse_file_probe(b"stat:1777:regular file\ncontent:\ncontent:\nx"),
        Observed::File {
            content: Some(b"content:\nx".to_vec()),
            mode: Some(0o1777),
            link_target: None,
            is_dir: false,
        }
    );
}

#[test]
fn dir_probe_output_leaves_out_dot_entries_and_sorts() {
    assert_eq!(
        observe::parse_dir_probe(b"dir:\n.\n..\n..2026_12_02.1\n..data\nb\na\n.hidden\n"),
        Observed::Dir(Some(vec![".hidden".into(), "a".into(), "b".into()]))
    );
    assert_eq!(observe::parse_dir_probe(b"missing\n"), Observed::Dir(None));
}

#[test]
fn environ_values_are_found_by_exact_name() {
    let environ = b"PATH=/usr/bin\0LOG_LEVEL=INFO\0LOG_LEVEL_X=no\0EMPTY=\0";
    assert_eq!(
        observe::env_value(environ, "LOG_LEVEL"),
        Observed::Env(Some("INFO".into()))
    );
    assert_eq!(
        observe::env_value(environ, "EMPTY"),
        Observed::Env(Some(String::new()))
    );
    assert_eq!(observe::env_value(environ, "MISSING"), Observed::Env(None));
}

fn pod_with_status(status: Value) -> k8s_openapi::api::core::v1::Pod {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "app", "namespace": "kd-1", "uid": "u-1"},
        "spec": {"containers": [{"name": "app", "image": "busybox"}]},
        "status": status}))
    .expect("a pod")
}

#[test]
fn pod_status_becomes_container_and_pod_observations() {
    let waiting = pod_with_status(json!({"phase": "Pending", "containerStatuses": [{
        "name": "app", "ready": false, "restartCount": 0, "image": "busybox", "imageID": "",
        "state": {"waiting": {"reason": "CreateContainerConfigError",
                              "message": "configmap \"missing\" not found"}}}]}));
    assert_eq!(
        observe::container_observed(&waiting, "app"),
        Observed::Container {
            state: crate::scenario::format::ContainerStateKind::Waiting,
            reason: Some("CreateContainerConfigError".into()),
            restarts: 0
        }
    );
    assert_eq!(
        observe::pod_observed(&waiting),
        Observed::Pod {
            phase: crate::scenario::format::PodPhase::Pending
        }
    );
    assert!(
        lifecycle::settled(&waiting),
        "a pod that cannot start is settled"
    );
    let running = pod_with_status(json!({"phase": "Running", "containerStatuses": [{
        "name": "app", "ready": true, "restartCount": 1, "image": "busybox", "imageID": "",
        "state": {"running": {"startedAt": "2026-12-02T10:00:00Z"}},
        "lastState": {"terminated": {"exitCode": 143, "reason": "Error"}}}]}));
    assert_eq!(
        observe::container_observed(&running, "app"),
        Observed::Container {
            state: crate::scenario::format::ContainerStateKind::Running,
            reason: None,
            restarts: 1
        }
    );
    assert!(lifecycle::settled(&running));
    let creating = pod_with_status(json!({"phase": "Pending", "containerStatuses": [{
        "name": "app", "ready": false, "restartCount": 0, "image": "busybox", "imageID": "",
        "state": {"waiting": {"reason": "ContainerCreating"}}}]}));
    assert!(!lifecycle::settled(&creating));
    assert!(matches!(
        observe::container_observed(&creating, "other"),
        Observed::Unavailable(_)
    ));
}

#[test]
fn the_pod_runs_run_command_in_a_signal_forwarding_wrapper_with_the_app_files_mounted() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir(dir.path().join("apps")).expect("mkdir");
    std::fs::write(dir.path().join("apps/echo.py"), "import _common\n").expect("write");
    std::fs::write(dir.path().join("apps/_common.py"), "X = 1\n").expect("write");
    std::fs::write(dir.path().join("secret.txt"), "not delivered").expect("write");
    let workload = match crate::api::load_str(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: app\n        image: my-registry/python-app:1.0.0\n        env: [{name: MODE, value: manifest}]\n",
        Path::new("deploy.yaml"),
    )
    .expect("valid")
    .remove(0)
    {
        crate::api::Manifest::Workload(w) => w,
        _ => panic!("a workload"),
    };
    let run = BTreeMap::from([(
        "app".to_string(),
        RunSpec {
            command: vec!["python3".into(), "-u".into(), "apps/echo.py".into()],
            args: vec!["--dir".into(), "/etc/config".into(), "../escape.py".into()],
            working_dir: None,
            env: BTreeMap::from([
                ("PYTHONUNBUFFERED".to_string(), "1".to_string()),
                ("MODE".to_string(), "run".to_string()),
            ]),
            image: Some("python:3.12-alpine".into()),
        },
    )]);
    let plan = workload::plan_pod(&workload, &run, dir.path(), None, "kd-1", "s").expect("a plan");
    let pod = serde_json::to_value(&plan.pod).expect("json");
    let c = &pod["spec"]["containers"][0];
    assert_eq!(pod["metadata"]["name"], "web");
    assert_eq!(pod["metadata"]["namespace"], "kd-1");
    assert_eq!(pod["metadata"]["labels"]["app"], "web");
    assert_eq!(
        pod["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kubedrill"
    );
    assert_eq!(c["image"], "python:3.12-alpine");
    assert_eq!(
        c["command"],
        json!(["sh", "-c", workload::WRAPPER, "kubedrill-run"])
    );
    assert_eq!(
        c["args"],
        json!([
            "python3",
            "-u",
            "apps/echo.py",
            "--dir",
            "/etc/config",
            "../escape.py"
        ])
    );
    assert_eq!(c["workingDir"], "/kubedrill/app");
    assert_eq!(
        c["env"],
        json!([{"name": "MODE", "value": "manifest"}, {"name": "PYTHONUNBUFFERED", "value": "1"}])
    );
    assert_eq!(
        c["volumeMounts"],
        json!([{"name": "kubedrill-app-0", "mountPath": "/kubedrill/app", "readOnly": true}])
    );
    assert_eq!(
        pod["spec"]["volumes"],
        json!([{"name": "kubedrill-app-0", "configMap": {"name": "kubedrill-app-files",
            "defaultMode": 0o555,
            "items": [{"key": "f0", "path": "apps/_common.py"}, {"key": "f1", "path": "apps/echo.py"}]}}])
    );
    let files = plan.app_files.expect("app files");
    assert_eq!(
        files.data,
        Some(BTreeMap::from([
            ("f0".to_string(), "X = 1\n".to_string()),
            ("f1".to_string(), "import _common\n".to_string()),
        ]))
    );
    // --image wins over run.image.
    let plan = workload::plan_pod(
        &workload,
        &run,
        dir.path(),
        Some("busybox:1.36"),
        "kd-1",
        "s",
    )
    .expect("a plan");
    assert_eq!(
        plan.pod.spec.expect("spec").containers[0].image.as_deref(),
        Some("busybox:1.36")
    );
}

#[test]
fn signals_and_restarts_reach_every_process_but_the_wrapper() {
    assert_eq!(
        backend::signal_command("SIGHUP"),
        vec![
            "sh",
            "-c",
            "kill -s \"$1\" -- -1",
            "kubedrill-signal",
            "HUP"
        ]
    );
}

#[test]
fn an_image_without_a_shell_is_recognised_from_the_runtimes_message() {
    assert!(exec::no_executable(
        "OCI runtime exec failed: exec failed: unable to start container process: exec: \"sh\": executable file not found in $PATH: unknown"
    ));
    assert!(!exec::no_executable(
        "command terminated with non-zero exit code: exit status 1"
    ));
}

#[test]
fn namespace_names_and_label_values_stay_valid() {
    let long = "My_Very/Long Prefix".repeat(5);
    let name = namespace::namespace_name(&long, "0badcafe", 12);
    assert!(name.len() <= 63, "{name}");
    assert!(name.ends_with("-0badcafe-12"));
    assert!(
        name.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    );
    assert_eq!(
        namespace::label_value("--log level reload!"),
        "log-level-reload"
    );
}

/// Ctrl-C drops the scenario's future inside its runtime: the guard must still delete the
/// namespace (on a thread and runtime of its own, since the scenario's runtime is blocked).
#[test]
fn a_dropped_guard_deletes_its_namespace_from_inside_a_busy_runtime() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().expect("a connection");
        // Headers and body may arrive in separate reads.
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 8192];
        while !String::from_utf8_lossy(&seen).ends_with('}') {
            match sock.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&seen).to_string();
        let body = r#"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"kd-x"}}"#;
        let _ = write!(
            sock,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        head
    });
    let config = kube::Config::new(format!("http://127.0.0.1:{port}").parse().expect("a url"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let guard = namespace::NamespaceGuard::new("kd-x", config);
        drop(guard);
    });
    let head = server.join().expect("server thread");
    assert!(
        head.starts_with("DELETE /api/v1/namespaces/kd-x? HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.ends_with(r#"{"propagationPolicy":"Background"}"#),
        "{head}"
    );
}

fn running_pod(ns: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "app", "namespace": ns, "uid": "u-1"},
        "spec": {"containers": [{"name": "app", "image": "busybox"}]},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "app", "ready": true, "restartCount": 0, "image": "busybox", "imageID": "",
            "state": {"running": {"startedAt": "2026-12-02T10:00:00Z"}}}]}})
}

/// A whole scenario through the runner on the cluster backend: every request, in order, from
/// the namespace's creation to its deletion, with `timing: fast` touching the pod after the
/// mutation.
#[tokio::test]
async fn a_scenario_sends_exactly_these_requests_from_namespace_to_cleanup() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: busybox\n    volumeMounts: [{name: config, mountPath: /etc/config}]\n  volumes:\n  - name: config\n    configMap: {name: app-config}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("s.yaml"),
        "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata: {name: mocked}\nspec:\n  timing: fast\n  objects:\n    - inline: {apiVersion: v1, kind: ConfigMap, metadata: {name: app-config}, data: {LOG_LEVEL: INFO}}\n  workload:\n    file: pod.yaml\n    run:\n      app: {command: [sh, -c, sleep 3600]}\n  steps:\n    - name: bump\n      update: {configMap: app-config, data: {LOG_LEVEL: DEBUG}}\n    - assert: {container: {name: app, state: running, restarts: 0}}\n",
    )
    .expect("write");
    let scenario = crate::scenario::load(&dir.path().join("s.yaml")).expect("a valid scenario");
    let ns = "kd-t-1";
    let (client, task) = mock(vec![
        expect(Method::POST, "/api/v1/namespaces", "").answer(
            201,
            json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": ns}}),
        ),
        expect(Method::POST, "/api/v1/namespaces/kd-t-1/configmaps", "")
            .body(
                "application/json",
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "app-config", "namespace": ns},
                       "data": {"LOG_LEVEL": "INFO"}}),
            )
            .answer(
                201,
                configmap("app-config", ns, json!({"LOG_LEVEL": "INFO"})),
            ),
        expect(Method::POST, "/api/v1/namespaces/kd-t-1/pods", "").answer(201, running_pod(ns)),
        expect(Method::GET, "/api/v1/namespaces/kd-t-1/pods/app", "").answer(200, running_pod(ns)),
        expect(
            Method::PATCH,
            "/api/v1/namespaces/kd-t-1/configmaps/app-config",
            "",
        )
        .body(
            "application/merge-patch+json",
            json!({"data": {"LOG_LEVEL": "DEBUG"}}),
        )
        .answer(
            200,
            configmap("app-config", ns, json!({"LOG_LEVEL": "DEBUG"})),
        ),
        expect(Method::PATCH, "/api/v1/namespaces/kd-t-1/pods/app", "")
            .answer(200, running_pod(ns)),
        expect(Method::GET, "/api/v1/namespaces/kd-t-1/pods/app", "").answer(200, running_pod(ns)),
        expect(
            Method::GET,
            "/api/v1/namespaces/kd-t-1/pods/app/log",
            "&container=app&timestamps=true",
        )
        .text("2026-12-02T10:00:00.000000000Z started\n"),
        expect(Method::DELETE, "/api/v1/namespaces/kd-t-1", "")
            .answer(200, terminating_namespace(ns)),
        expect(Method::GET, "/api/v1/namespaces/kd-t-1", "").answer(
            404,
            status(
                404,
                "NotFound",
                "namespaces \"kd-t-1\" not found",
                "namespaces",
                ns,
            ),
        ),
    ]);
    let conn = Connection {
        client,
        config: kube::Config::new("https://127.0.0.1:6443".parse().expect("url")),
        server: SERVER.into(),
        version: "1.34".into(),
    };
    let backend = ClusterBackend::new(
        conn,
        ClusterOptions::default(),
        ClusterScenario {
            name: scenario.name.clone(),
            workload: scenario.spec.workload.workload.clone(),
            run: scenario.spec.workload.run.clone(),
            base_dir: dir.path().to_path_buf(),
            touch_after_mutation: true,
        },
    )
    .with_namespace(ns);
    let opts = crate::runner::RunOptions {
        show_secrets: false,
        timing: None,
        timeout: None,
        on_wait: None,
    };
    // The runner asks a factory for the scenario's backend: this one hands out the mocked one.
    let slot = std::sync::Mutex::new(Some(backend));
    let factory = |_: &crate::scenario::Scenario, _: &crate::kubelet::timing::TimingProfile| {
        slot.lock()
            .expect("slot")
            .take()
            .ok_or_else(|| crate::backend::BackendError::Runtime("one backend only".into()))
    };
    let result = crate::runner::run_scenario(
        &scenario,
        &factory,
        &opts,
        tokio::time::Instant::now(),
        &mut |_| {},
    )
    .await;
    task.await.expect("every request as expected, in order");
    assert_eq!(result.error, None);
    assert_eq!(result.backend, "cluster");
    assert!(result.passed(), "{:?}", result.steps);
    assert_eq!(
        result.steps[0].observed.as_deref(),
        Some(
            "configmap/app-config patched; touched pod/app (timing fast on a cluster: a pod \
             update makes kubelet sync at once)"
        )
    );
    assert_eq!(
        result
            .logs
            .iter()
            .map(|l| (l.container.as_str(), l.lines.clone()))
            .collect::<Vec<_>>(),
        vec![("app", vec!["started".to_string()])]
    );
}

/// The probe scripts as a container's `sh` runs them, here on the host's `sh` against a
/// volume laid out as kubelet's AtomicWriter lays it out.
#[test]
fn the_probe_scripts_read_an_atomic_writer_volume_as_the_local_backend_does() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().expect("dir");
    let vol = dir.path();
    std::fs::create_dir(vol.join("..2026_12_02_10_00_00.1")).expect("mkdir");
    std::fs::set_permissions(
        vol.join("..2026_12_02_10_00_00.1"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    std::fs::write(vol.join("..2026_12_02_10_00_00.1/LOG_LEVEL"), "DEBUG").expect("write");
    std::fs::set_permissions(
        vol.join("..2026_12_02_10_00_00.1/LOG_LEVEL"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    symlink("..2026_12_02_10_00_00.1", vol.join("..data")).expect("link");
    symlink("..data/LOG_LEVEL", vol.join("LOG_LEVEL")).expect("link");
    symlink("..data/gone", vol.join("dangling")).expect("link");
    let run = |command: Vec<String>| {
        let out = std::process::Command::new(&command[0])
            .args(&command[1..])
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "{out:?}");
        out.stdout
    };
    let path = |p: &str| vol.join(p).to_string_lossy().into_owned();
    assert_eq!(
        observe::parse_file_probe(&run(observe::file_command(&path("LOG_LEVEL")))),
        Observed::File {
            content: Some(b"DEBUG".to_vec()),
            mode: Some(0o640),
            link_target: Some("..data/LOG_LEVEL".into()),
            is_dir: false,
        }
    );
    assert_eq!(
        observe::parse_file_probe(&run(observe::file_command(&path("..data")))),
        Observed::File {
            content: None,
            mode: Some(0o755),
            link_target: Some("..2026_12_02_10_00_00.1".into()),
            is_dir: true,
        }
    );
    assert_eq!(
        observe::parse_file_probe(&run(observe::file_command(&path("dangling")))),
        Observed::File {
            content: None,
            mode: None,
            link_target: Some("..data/gone".into()),
            is_dir: false,
        }
    );
    assert_eq!(
        observe::parse_dir_probe(&run(observe::dir_command(&path("")))),
        Observed::Dir(Some(vec!["LOG_LEVEL".into(), "dangling".into()]))
    );
    assert_eq!(
        observe::parse_dir_probe(&run(observe::dir_command(&path("nope")))),
        Observed::Dir(None)
    );
}

/// The wrapper exits with the app's status (so kubelet sees the app's exit) and passes the
/// app its arguments untouched.
#[test]
fn the_wrapper_runs_the_app_with_its_arguments_and_exits_with_its_status() {
    let out = std::process::Command::new("sh")
        .args(["-c", workload::WRAPPER, "kubedrill-run"])
        .args([
            "sh",
            "-c",
            "echo \"$1|$2\"; exit 7",
            "app",
            "a b",
            "$(NOT_EXPANDED)",
        ])
        .output()
        .expect("sh runs");
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "a b|$(NOT_EXPANDED)\n"
    );
}

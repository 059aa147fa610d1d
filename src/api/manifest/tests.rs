use super::*;

fn load(text: &str) -> Result<Vec<Manifest>, LoadError> {
    load_str(text, Path::new("manifests/test.yaml"))
}

fn load_err(text: &str) -> LoadError {
    match load(text) {
        Ok(m) => panic!("expected an error, loaded {} documents", m.len()),
        Err(e) => e,
    }
}

const CM: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: INFO\n";

#[test]
fn loads_a_config_map_with_origin() {
    let manifests = load(CM).unwrap_or_default();
    assert_eq!(manifests.len(), 1);
    let Some(Manifest::ConfigMap(cm, origin)) = manifests.first() else {
        panic!("not a ConfigMap: {manifests:?}");
    };
    assert_eq!(
        cm.data
            .as_ref()
            .and_then(|d| d.get("LOG_LEVEL"))
            .map(String::as_str),
        Some("INFO")
    );
    assert_eq!(origin.line, 1);
    assert_eq!(origin.file, Path::new("manifests/test.yaml"));
    assert_eq!(manifests[0].namespace(), "default");
    assert_eq!(manifests[0].name(), "app");
}

#[test]
fn multi_document_origins_and_empty_documents() {
    let text = format!(
        "# leading comment\n---\n{CM}---\n# only a comment\n---\n\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\nstringData:\n  password: s3cret\n...\n"
    );
    let manifests = load(&text).unwrap_or_default();
    assert_eq!(manifests.len(), 2, "{manifests:?}");
    assert_eq!(manifests[0].origin().line, 3);
    assert_eq!(manifests[1].origin().line, 14);
    assert_eq!(manifests[1].namespace(), "prod");
}

#[test]
fn error_in_second_document_reports_the_file_line() {
    let text = format!(
        "{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\ndata:\n  LOG_LEVEL:\n    - a\n"
    );
    let err = load_err(&text);
    // Line 7 holds `---`, so `- a` is on line 14.
    assert_eq!((err.line(), err.column()), (Some(14), Some(5)), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("manifests/test.yaml:14:5: invalid type: sequence, expected a string at field data.LOG_LEVEL (hint: "),
        "{text}"
    );
}

#[test]
fn syntax_error_is_located_in_the_file() {
    let text =
        format!("{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n data:\n  x: y\n");
    let err = load_err(&text);
    assert_eq!(err.line(), Some(12), "{err}");
    assert!(matches!(err.kind(), LoadErrorKind::Syntax { .. }), "{err}");
    assert!(
        err.to_string().contains("(hint: check the indentation"),
        "{err}"
    );
}

#[test]
fn unquoted_number_in_data_is_rejected_with_field() {
    let err =
        load_err("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  PORT: 8080\n");
    assert_eq!(
        err.to_string(),
        "manifests/test.yaml:6:9: expected a string, found an unquoted number at field data.PORT (hint: quote the value: the API server accepts only strings here, and YAML reads unquoted 8080, 1.5, true, yes or on as numbers and booleans)"
    );
    let err =
        load_err("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  DEBUG: yes\n");
    assert!(
        err.to_string()
            .contains("unquoted boolean at field data.DEBUG"),
        "{err}"
    );
}

#[test]
fn numeric_keys_are_strings() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tcp-services\ndata: {9000: \"default/app:8080\", 9001: x, 9002: 12}\n";
    let err = load_err(text);
    // The keys are fine; the unquoted 12 is not, and its column is the original one.
    assert_eq!((err.line(), err.column()), (Some(5), Some(49)), "{err}");
    assert!(err.to_string().contains("at field data[9002]"), "{err}");
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tcp-services\ndata:\n  9000: \"default/app:8080\"\n  9001: x\n";
    let manifests = load(text).unwrap_or_default();
    let Some(Manifest::ConfigMap(cm, _)) = manifests.first() else {
        panic!("{manifests:?}");
    };
    let keys: Vec<&str> = cm.data.iter().flatten().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["9000", "9001"]);
}

#[test]
fn other_kinds_are_skipped_with_a_note() {
    // Issue 11 §3: a Service is what a real deploy/ folder holds next to its ConfigMaps.
    let loaded = match load_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n# ingress\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: edge}\n---\napiVersion: v1\nkind: ServiceAccount\n",
        Path::new("manifests/test.yaml"),
    ) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{e}"),
    };
    assert!(loaded.manifests.is_empty());
    let notes: Vec<String> = loaded.notes.iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        [
            "manifests/test.yaml:1: skipped Service \"web\" (kubedrill models ConfigMaps, Secrets and the workload's pods only)",
            "manifests/test.yaml:7: skipped Ingress \"edge\" (kubedrill models ConfigMaps, Secrets and the workload's pods only)",
            "manifests/test.yaml:11: skipped ServiceAccount (kubedrill models ConfigMaps, Secrets and the workload's pods only)",
        ]
    );
    // Still rejected: a supported kind spelt with the wrong case, and a document without kind.
    let err =
        load_err("apiVersion: v1\nkind: Service\n---\napiVersion: v1\nmetadata:\n  name: web\n");
    assert!(err.to_string().contains("4:1: missing kind"), "{err}");
    let err = load_err("apiVersion: v1\nkind: configmap\nmetadata:\n  name: web\n");
    assert!(err.to_string().contains("did you mean ConfigMap?"), "{err}");
}

#[test]
fn missing_kind_and_api_version_are_reported() {
    let err = load_err("---\napiVersion: v1\nmetadata:\n  name: web\n");
    assert_eq!(
        err.to_string(),
        "manifests/test.yaml:2:1: missing kind (hint: every document needs apiVersion and kind)"
    );
    let err = load_err("kind: ConfigMap\nmetadata:\n  name: web\n");
    assert!(err.to_string().contains("missing apiVersion"), "{err}");
    let err = load_err("- a\n- b\n");
    assert!(
        matches!(err.kind(), LoadErrorKind::NotAnObject { found: "sequence" }),
        "{err}"
    );
}

#[test]
fn wrong_api_version_is_reported() {
    let err =
        load_err("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\n");
    assert_eq!(
        err.to_string(),
        "manifests/test.yaml:1:13: apiVersion \"extensions/v1beta1\" does not serve kind Deployment (hint: use apiVersion: apps/v1)"
    );
}

#[test]
fn missing_name_is_reported() {
    let err = load_err("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: app-\n");
    assert_eq!(err.line(), Some(3));
    assert!(err.to_string().contains("ConfigMap has no metadata.name (hint: kubedrill needs a fixed metadata.name; generateName is not supported)"), "{err}");
    let err = load_err("apiVersion: v1\nkind: Secret\ndata: {}\n");
    assert!(
        err.to_string().contains("Secret has no metadata.name"),
        "{err}"
    );
}

#[test]
fn unknown_top_level_field_is_reported() {
    let err = load_err("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndat:\n  a: b\n");
    assert_eq!(
        err.to_string(),
        "manifests/test.yaml:5:1: unknown field \"dat\" in ConfigMap (hint: ConfigMap fields are apiVersion, kind, metadata, data, binaryData, immutable)"
    );
    let err = load_err("apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringdata:\n  a: b\n");
    assert!(
        err.to_string().contains("did you mean stringData?"),
        "{err}"
    );
}

const POD_SPEC: &str = "containers:\n- name: app\n  image: busybox\n  volumeMounts:\n  - name: config\n    mountPath: /etc/config\nvolumes:\n- name: config\n  configMap:\n    name: app\n";

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(by)))
        .collect()
}

fn workload_of(text: &str) -> Workload {
    let manifests = match load(text) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    match manifests.into_iter().next() {
        Some(Manifest::Workload(w)) => w,
        other => panic!("not a workload: {other:?}"),
    }
}

#[test]
fn each_workload_kind_extracts_its_pod_template() {
    let template = format!(
        "  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n{}",
        indent(POD_SPEC, 6)
    );
    let cases = [
        (
            "apps/v1",
            "Deployment",
            format!("spec:\n  selector: {{matchLabels: {{app: web}}}}\n{template}"),
        ),
        (
            "apps/v1",
            "StatefulSet",
            format!(
                "spec:\n  serviceName: web\n  selector: {{matchLabels: {{app: web}}}}\n{template}"
            ),
        ),
        (
            "apps/v1",
            "DaemonSet",
            format!("spec:\n  selector: {{matchLabels: {{app: web}}}}\n{template}"),
        ),
        (
            "apps/v1",
            "ReplicaSet",
            format!("spec:\n  selector: {{matchLabels: {{app: web}}}}\n{template}"),
        ),
        ("batch/v1", "Job", format!("spec:\n{template}")),
        (
            "batch/v1",
            "CronJob",
            format!(
                "spec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n{}",
                indent(&template, 4)
            ),
        ),
    ];
    for (api_version, kind, spec) in cases {
        let text = format!(
            "apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: web\n  namespace: shop\n{spec}"
        );
        let w = workload_of(&text);
        assert_eq!(w.kind, kind);
        assert_eq!(w.name, "web");
        assert_eq!(w.namespace, "shop");
        assert_eq!(w.spec.containers[0].name, "app", "{kind}");
        assert_eq!(
            w.pod_metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("app"))
                .map(String::as_str),
            Some("web"),
            "{kind}"
        );
    }
    let pod = workload_of(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\n  labels: {{app: solo}}\nspec:\n{}",
        indent(POD_SPEC, 2)
    ));
    assert_eq!(pod.kind, "Pod");
    assert_eq!(pod.namespace, "default");
    assert_eq!(pod.pod_metadata.name.as_deref(), Some("solo"));
    assert_eq!(pod.pod_spec_path(), "spec");
}

#[test]
fn workload_without_template_or_containers_is_reported() {
    let err = load_err(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n",
    );
    assert!(
        err.to_string()
            .contains("Deployment \"web\" has no pod template at spec.template.spec"),
        "{err}"
    );
    assert_eq!(err.line(), Some(5));
    let err =
        load_err("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n");
    assert!(
        err.to_string()
            .contains("Pod \"p\" has no containers at spec.containers"),
        "{err}"
    );
    assert_eq!((err.line(), err.column()), (Some(6), Some(15)), "{err}");
}

#[test]
fn api_8_6_invalid_item_path_in_workload_is_located() {
    let spec = POD_SPEC.replace(
        "    name: app\n",
        "    name: app\n    items:\n    - key: a\n      path: ../escape\n",
    );
    let err = load_err(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{}",
        indent(&spec, 2)
    ));
    // As upstream: a volume with errors is not registered, so its mount is `Not found` too.
    assert_eq!(
        err.to_string(),
        "manifests/test.yaml:18:15: Pod \"p\" is invalid: [spec.volumes[0].configMap.items[0].path: Invalid value: \"../escape\": must not contain '..', spec.containers[0].volumeMounts[0].name: Not found: \"config\"]"
    );
    assert!(err.validation().is_some());
}

#[test]
fn api_8_1_invalid_key_is_located_at_the_key() {
    let err = load_err(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  ok: x\n  \"a b\": z\n",
    );
    assert_eq!((err.line(), err.column()), (Some(7), Some(10)), "{err}");
    assert!(
        err.to_string()
            .contains("ConfigMap \"app\" is invalid: data[a b]: Invalid value: \"a b\""),
        "{err}"
    );
}

#[test]
fn secret_value_never_appears_in_errors() {
    // Invalid base64 in data.
    let err = load_err(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: hunter2 hunter2\n",
    );
    let text = err.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("at field data.password"), "{text}");
    assert!(text.contains("Secret data values are base64"), "{text}");
    // Unquoted number in stringData.
    let err = load_err(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  pin: 987654\n",
    );
    assert!(!err.to_string().contains("987654"), "{err}");
    // Invalid docker config JSON.
    let err = load_err(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{\"auths\": hunter2'\n",
    );
    let text = err.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\""),
        "{text}"
    );
    assert_eq!(err.line(), Some(7), "{text}");
}

#[test]
fn secret_types_are_validated_at_load() {
    let err = load_err(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: abc\n",
    );
    assert!(
        err.to_string()
            .ends_with("Secret \"tls\" is invalid: data[tls.key]: Required value"),
        "{err}"
    );
}

#[test]
fn unreadable_file_names_the_file() {
    let err = match load_files(&[PathBuf::from("/nonexistent/kubedrill/cm.yaml")]) {
        Ok(_) => panic!("loaded a missing file"),
        Err(e) => e,
    };
    assert!(
        err.to_string()
            .starts_with("/nonexistent/kubedrill/cm.yaml: cannot read the file: "),
        "{err}"
    );
    assert_eq!(err.line(), None);
}

#[test]
fn load_files_collects_every_kind() {
    let dir = std::env::temp_dir().join(format!("kubedrill-manifest-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let a = dir.join("a.yaml");
    let b = dir.join("b.yaml");
    let written = std::fs::write(&a, CM).and_then(|()| {
        std::fs::write(
            &b,
            format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{}", indent(POD_SPEC, 2)),
        )
    });
    assert!(written.is_ok());
    let set = match load_files(&[a, b.clone()]) {
        Ok(set) => set,
        Err(e) => panic!("{e}"),
    };
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        (
            set.config_maps.len(),
            set.secrets.len(),
            set.workloads.len()
        ),
        (1, 1, 1)
    );
    assert_eq!(set.workloads[0].origin, Origin { file: b, line: 6 });
}

#[test]
fn crlf_and_bom_are_accepted() {
    let text = format!("\u{feff}{}", CM.replace('\n', "\r\n"));
    assert_eq!(load(&text).map(|m| m.len()).unwrap_or(0), 1);
}

#[test]
fn value_errors_have_field_and_hint() {
    let cases = [
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  LOG_LEVEL:\n    a: b\n",
            "x.yaml:7:5: invalid type: mapping, expected a string at field data.LOG_LEVEL (hint: values are strings; use a block scalar (key: |) for multi-line text)",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: b\n  a: c\n",
            "x.yaml:7:3: duplicate mapping key `a` is not allowed here at field data.a (hint: each key may appear only once in a mapping)",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nbinaryData:\n  k: not-base64!!\n",
            "x.yaml:6:6: invalid base64: Invalid symbol 45, offset 3 at field binaryData.k (hint: binaryData values are base64)",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: many\n",
            "x.yaml:6:13: invalid i32 at field spec.replicas (hint: see `kubectl explain deployment.spec.replicas`)",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: ~\n",
            "x.yaml:6:6: expected a string, found null at field data.k (hint: quote the value (\"\" for empty) or remove the key)",
        ),
    ];
    for (text, expected) in cases {
        match load_str(text, Path::new("x.yaml")) {
            Ok(m) => panic!("loaded {m:?}"),
            Err(e) => assert_eq!(e.to_string(), expected),
        }
    }
    // Quantities and int-or-strings accept numbers, as the API server does.
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    resources: {limits: {cpu: 1, memory: 1Gi}}\n    ports: [{containerPort: 80}]\n    livenessProbe: {httpGet: {port: 8080}}\n";
    assert!(load(text).is_ok());
}

#[test]
fn split_handles_markers() {
    let chunks = split_documents("a: 1\n---\nb: 2\n...\n---\nc: 3\n--- {d: 4}\n----\n");
    let firsts: Vec<u64> = chunks.iter().map(|c| c.first_line).collect();
    assert_eq!(firsts, [1, 2, 5, 7]);
    assert_eq!(chunks[3].text, "--- {d: 4}\n----\n");
}

#[test]
fn list_items_are_read_and_located_each() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    K: v\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n";
    let loaded = match load_text(text, Path::new("list.yaml")) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{e}"),
    };
    let found: Vec<(&str, u64)> = loaded
        .manifests
        .iter()
        .map(|m| (m.name(), m.origin().line))
        .collect();
    assert_eq!(found, [("a", 4), ("b", 10)]);
    assert_eq!(loaded.notes.len(), 1);
    assert_eq!(loaded.notes[0].origin.line, 11);
    // Each object keeps its located tree, at file lines.
    let doc = &loaded.documents[0];
    let key = doc.tree.entry("data").map(|(k, _)| k);
    assert_eq!(key.map(|k| doc.file_line(k)), Some(8));
    // An error inside an item is located in the file, with the item's field path.
    let err = load_err(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    PORT: 8080\n",
    );
    assert_eq!((err.line(), err.column()), (Some(9), Some(11)), "{err}");
    assert!(err.to_string().contains("at field data.PORT"), "{err}");
    let err = load_err("apiVersion: v1\nkind: List\nitems:\n- 42\n");
    assert!(
        err.to_string().starts_with(
            "manifests/test.yaml:4:3: a document must be a Kubernetes object, not a scalar"
        ),
        "{err}"
    );
    let err = load_err("apiVersion: v1\nkind: List\nitems: {a: b}\n");
    assert!(
        err.to_string()
            .contains("expected a sequence at field items"),
        "{err}"
    );
    // An empty List loads nothing.
    assert_eq!(
        load("apiVersion: v1\nkind: List\nitems: []\n")
            .map(|m| m.len())
            .ok(),
        Some(0)
    );
}

#[test]
fn every_object_keeps_its_located_document() {
    let text = format!("{CM}---\n\n{CM}");
    let loaded = match load_text(&text, Path::new("m.yaml")) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{e}"),
    };
    let origins: Vec<u64> = loaded.documents.iter().map(|d| d.origin.line).collect();
    assert_eq!(origins, [1, 9]);
    let second = &loaded.documents[1];
    let level = second
        .tree
        .get("data")
        .and_then(|d| d.entry("LOG_LEVEL"))
        .map(|(k, _)| second.file_line(k));
    assert_eq!(level, Some(14));
}

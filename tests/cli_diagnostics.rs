//! What a failure shows, through the real binary (issue 6 §4): a log excerpt that keeps the
//! app's first lines in view and collapses a polling flood, a volume tree with small text
//! content and `‹secret, N bytes›`, and a diff for a failed multi-line `equals` — in the
//! console, the JSON report and the JUnit report alike.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

mod common;

use common::Out;

/// The Secret's value: short and guessable, so neither it nor a hash of it may be shown.
const SECRET: &str = "hunter2";

const APP_CONF_V1: &str = "[database]\nhost=db-v1\nport=5432\n";

fn kubedrill(tmp: &Path, args: &[&str]) -> Out {
    common::kubedrill_at(tmp, tmp, args)
}

/// A ConfigMap with a multi-line `app.conf`, a Secret, a pod mounting both, and a scenario
/// named `name` whose app is `command` and whose steps are `steps`.
fn write_scenario(dir: &Path, name: &str, command: &str, steps: &str) -> PathBuf {
    let conf = APP_CONF_V1.replace('\n', "\\n");
    fs::write(
        dir.join("objects.yaml"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  app.conf: \"{conf}\"\n---\n\
             apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {SECRET}\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n      volumeMounts:\n        - {name: cfg, mountPath: /etc/kd-diag-config}\n        - {name: db, mountPath: /etc/kd-diag-db}\n  volumes:\n    - name: cfg\n      configMap: {name: settings}\n    - name: db\n      secret: {secretName: db}\n",
    )
    .unwrap();
    let file = dir.join(format!("{name}.yaml"));
    fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, '{command}']\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    file
}

/// The app of issue 6 §4: a start line, a listen line, then a flood of identical request lines.
const FLOODING_APP: &str = "echo START version=v1; echo LISTEN 127.0.0.1:8080; while true; do echo GET /; sleep 0.002; done";

#[test]
fn a_failure_shows_the_first_log_lines_and_collapses_a_flood() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "flood",
        FLOODING_APP,
        "    - sleep: 400ms\n    - assert: {log: app, contains: RELOAD, within: 200ms}\n",
    );
    let json = tmp.path().join("r.json");
    let junit = tmp.path().join("r.xml");
    let r = kubedrill(
        tmp.path(),
        &[
            "run",
            f.to_str().unwrap(),
            "--report",
            &format!("json={}", json.display()),
            "--report",
            &format!("junit={}", junit.display()),
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let app_lines: Vec<&str> = r
        .stdout
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("app | "))
        .collect();
    assert_eq!(
        app_lines.first().copied(),
        Some("app | START version=v1"),
        "{}",
        r.stdout
    );
    assert_eq!(
        app_lines.get(1).copied(),
        Some("app | LISTEN 127.0.0.1:8080")
    );
    let flood = regex::Regex::new(r"^app \| GET / ×(\d+)$").unwrap();
    let count: usize = app_lines
        .iter()
        .find_map(|l| flood.captures(l))
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("a collapsed flood line in:\n{}", r.stdout));
    assert!(count > 20, "the app logged many requests: {count}");
    assert_eq!(app_lines.len(), 3, "{app_lines:?}");
    assert!(
        r.stdout
            .contains("log of app (first and last lines, repeats collapsed):"),
        "{}",
        r.stdout
    );

    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let lines = &report["scenarios"][0]["steps"][1]["diagnostics"]["logs"][0]["lines"];
    assert_eq!(lines[0], "START version=v1");
    assert_eq!(lines[1], "LISTEN 127.0.0.1:8080");
    assert!(
        lines[2]
            .as_str()
            .is_some_and(|l| flood.is_match(&format!("app | {l}"))),
        "{lines}"
    );
    let junit_text = fs::read_to_string(&junit).unwrap();
    assert!(
        junit_text.contains("app | START version=v1"),
        "{junit_text}"
    );
    assert!(junit_text.contains("app | GET / ×"), "{junit_text}");
}

#[test]
fn a_failure_shows_small_text_content_a_diff_and_no_trace_of_a_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "conf-diff",
        "exec sleep 30",
        "    - assert: {file: /etc/kd-diag-config/app.conf, equals: \"[database]\\nhost=db-v2\\nport=5432\\n\"}\n",
    );
    let json = tmp.path().join("r.json");
    let junit = tmp.path().join("r.xml");
    let r = kubedrill(
        tmp.path(),
        &[
            "run",
            f.to_str().unwrap(),
            "--report",
            &format!("json={}", json.display()),
            "--report",
            &format!("junit={}", junit.display()),
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let out = &r.stdout;
    // The ConfigMap's file by its content, the Secret's by its size only.
    assert!(
        out.contains(r#"/app.conf  0644  "[database]\nhost=db-v1\nport=5432\n""#),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "/password  0644  ‹secret, {} bytes›",
            SECRET.len()
        )),
        "{out}"
    );
    // The diff of expected against observed.
    let diff = "diff (-expected +observed):\n         [database]\n       - host=db-v2\n       + host=db-v1\n         port=5432\n";
    assert!(out.contains(diff), "{out}");

    let hash: String = Sha256::digest(SECRET.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let json_text = fs::read_to_string(&json).unwrap();
    let junit_text = fs::read_to_string(&junit).unwrap();
    for (what, text) in [
        ("stdout", out),
        ("stderr", &r.stderr),
        ("json", &json_text),
        ("junit", &junit_text),
    ] {
        assert!(!text.contains(SECRET), "the Secret in {what}:\n{text}");
        assert!(
            !text.contains(&hash),
            "a hash of the Secret in {what}:\n{text}"
        );
    }
    let report: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    let step = &report["scenarios"][0]["steps"][0];
    assert!(
        step["message"]
            .as_str()
            .is_some_and(|m| m.contains("- host=db-v2\n+ host=db-v1")),
        "{step}"
    );
    let volumes = step["diagnostics"]["volumes"].as_array().unwrap();
    let entries: Vec<&serde_json::Value> = volumes
        .iter()
        .flat_map(|v| v["entries"].as_array().unwrap())
        .filter(|e| e["kind"] == "file")
        .collect();
    let conf = entries
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("/app.conf"))
        .unwrap();
    assert_eq!(conf["preview"], APP_CONF_V1);
    assert_eq!(conf["secret"], false);
    let password = entries
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("/password"))
        .unwrap();
    assert_eq!(password["secret"], true);
    assert_eq!(password["size"], SECRET.len());
    assert!(password["sha256"].is_null() && password["preview"].is_null());
    assert!(junit_text.contains("+ host=db-v1"), "{junit_text}");

    // --show-secrets shows the content, as everywhere else.
    let shown = kubedrill(tmp.path(), &["run", f.to_str().unwrap(), "--show-secrets"]);
    assert!(
        shown
            .stdout
            .contains(&format!("/password  0644  \"{SECRET}\"")),
        "{}",
        shown.stdout
    );
}

#[test]
fn a_failed_equals_on_a_secret_is_not_diffed() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "secret-diff",
        "exec sleep 30",
        "    - assert: {file: /etc/kd-diag-db/password, equals: \"hunter3\\nline two\\n\"}\n",
    );
    let r = kubedrill(tmp.path(), &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("diff (-expected +observed): ‹redacted›"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains(SECRET), "{}", r.stdout);
}

#[test]
fn a_failed_equals_throughout_says_when_then_shows_the_diff() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(
        tmp.path(),
        "throughout-diff",
        "exec sleep 30",
        "    - assert: {file: /etc/kd-diag-config/app.conf, equals: \"[database]\\nhost=db-v2\\nport=5432\\n\", throughout: 300ms}\n",
    );
    let r = kubedrill(tmp.path(), &["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let when = regex::Regex::new(
        r"; observed .* at \+\S+ of 300ms\n       diff \(-expected \+observed\):\n         \[database\]\n       - host=db-v2\n       \+ host=db-v1\n",
    )
    .unwrap();
    assert!(when.is_match(&r.stdout), "{}", r.stdout);
}

//! Canary scan: a scenario whose app prints its PEM key, the base64 of a token and a
//! multi-line Secret value, run through the real binary with JSON and JUnit reports. No line
//! of any canary may appear in the console output or either report — and with
//! `--show-secrets` they must (so the scan can fail).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

mod common;

use common::BIN;

/// A PEM-shaped canary: armour lines (not secret) around body lines that are.
const PEM_BODY: [&str; 5] = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCanaryPemLine1",
    "q7bX0kPemCanaryLine2x9Zr4TnYw2fKd8sQpLmVvHc3RjEoAaBbCcDdEeFfGgHh",
    "Zt6uYhCanaryPemLine3oPl0Kk9Ij8Uh7Yg6Tf5Rd4Es3Wa2Qz1Xc0Vb9Nm8Lk7",
    "Jh6Gf5Dd4Ss3Aa2Pp1Oo0Ii9Uu8Yy7Tt6Rr5Ee4Ww3Qq2CanaryPemLine4zZyY",
    "CanaryPemLine5tail==",
];
/// Long enough that `base64` wraps its encoding over two lines.
const TOKEN: &str = "canary-token-4f1d9a7c2e8b6d3f0a5c1e9b7d2f8a6c4e0b3d5f7a9c1e2b4d6f8a0";
const MULTI: [&str; 3] = [
    "user=canary-multi-user-31337",
    "pass=canary-multi-pass-27182",
    "host=canary-multi-host-16180",
];

fn pem() -> String {
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        PEM_BODY.join("\n")
    )
}

/// Every string whose appearance in an output is a leak: the PEM body lines, the token, the
/// lines of its base64 as `base64` prints them (wrapped at 76), and the multi-line value's
/// lines.
fn canaries() -> Vec<String> {
    let mut c: Vec<String> = PEM_BODY.iter().map(|s| s.to_string()).collect();
    c.push(TOKEN.to_string());
    let encoded = STANDARD.encode(TOKEN);
    c.extend(
        encoded
            .as_bytes()
            .chunks(76)
            .map(|l| String::from_utf8_lossy(l).into_owned()),
    );
    c.extend(MULTI.iter().map(|s| s.to_string()));
    c
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// The scenario: the app prints everything, one assertion passes on a log line (so the
/// observed log is reported) and one fails (so the diagnostics carry the log).
fn write_scenario(dir: &Path) -> PathBuf {
    let multi = format!("{}\n", MULTI.join("\n"));
    fs::write(
        dir.join("objects.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: canary\ntype: Opaque\nstringData:\n  \
             tls.key: |\n{}  token: {TOKEN}\n  multi: |\n{}",
            indent(&pem(), "    "),
            indent(&multi, "    ")
        ),
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      \
         image: x\n      env:\n        - name: MULTI\n          valueFrom:\n            \
         secretKeyRef: {name: canary, key: multi}\n      volumeMounts:\n        \
         - {name: canary, mountPath: /etc/kd-canary}\n  volumes:\n    - name: canary\n      \
         secret: {secretName: canary}\n",
    )
    .unwrap();
    let app = "cat /etc/kd-canary/tls.key; base64 /etc/kd-canary/token; \
               echo \"$MULTI\"; echo token is $(cat /etc/kd-canary/token); echo DONE; \
               exec sleep 30";
    let file = dir.join("canary.yaml");
    fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: canary\n\
             spec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    \
             run:\n      app:\n        command: [sh, -c, '{app}']\n  steps:\n    \
             - assert: {{log: app, contains: DONE, within: 10s}}\n    \
             - assert: {{log: app, contains: never-printed, within: 300ms}}\n"
        ),
    )
    .unwrap();
    file
}

struct Outputs {
    code: i32,
    texts: Vec<(&'static str, String)>,
}

fn run(dir: &Path, scenario: &Path, extra: &[&str]) -> Outputs {
    let json = dir.join("r.json");
    let junit = dir.join("r.xml");
    let out = Command::new(BIN)
        .arg("run")
        .arg(scenario)
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .arg("--report")
        .arg(format!("junit={}", junit.display()))
        .args(extra)
        .env("TMPDIR", dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubedrill");
    Outputs {
        code: out.status.code().unwrap_or(-1),
        texts: vec![
            ("stdout", String::from_utf8_lossy(&out.stdout).into_owned()),
            ("stderr", String::from_utf8_lossy(&out.stderr).into_owned()),
            ("json", fs::read_to_string(&json).unwrap_or_default()),
            ("junit", fs::read_to_string(&junit).unwrap_or_default()),
        ],
    }
}

/// Occurrences of every canary in every output, per output.
fn count(o: &Outputs) -> Vec<(&'static str, usize)> {
    let canaries = canaries();
    o.texts
        .iter()
        .map(|(what, text)| {
            (
                *what,
                canaries
                    .iter()
                    .map(|c| text.matches(c.as_str()).count())
                    .sum(),
            )
        })
        .collect()
}

#[test]
fn canary_lines_never_appear_in_console_json_or_junit() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write_scenario(tmp.path());

    let shown = run(tmp.path(), &scenario, &["--show-secrets"]);
    assert_eq!(shown.code, 1, "{:?}", shown.texts);
    let shown_counts = count(&shown);
    eprintln!("with --show-secrets: {shown_counts:?}");
    let texts = |o: &Outputs| o.texts.iter().map(|(_, t)| t.as_str()).collect::<String>();
    let all_shown = texts(&shown);
    for canary in canaries() {
        assert!(
            all_shown.contains(&canary),
            "the scan could not fail: {canary:?} is not printed even with --show-secrets"
        );
    }

    let redacted = run(tmp.path(), &scenario, &[]);
    assert_eq!(redacted.code, 1, "{:?}", redacted.texts);
    let counts = count(&redacted);
    eprintln!("redacted: {counts:?}");
    for ((what, n), (_, text)) in counts.iter().zip(&redacted.texts) {
        assert_eq!(*n, 0, "canary lines leaked into {what}:\n{text}");
    }
    let all = texts(&redacted);
    assert!(all.contains("‹redacted›"), "{all}");
    assert!(
        all.contains("-----BEGIN PRIVATE KEY-----"),
        "PEM armour is not secret and stays readable:\n{all}"
    );
}

/// Runs kubedrill in `dir`; returns (exit code, stdout + stderr).
fn kubedrill_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = common::kubedrill_at(dir, dir, args);
    (out.code, out.combined())
}

#[test]
fn error_snippets_never_show_secret_values() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let canary = "canary-snippet-5e1f0c7a";
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n";
    fs::write(dir.join("pod.yaml"), pod).unwrap();
    // An invalid key (located at its value), invalid base64 (located at the value) and a
    // number where a string belongs (located at the value).
    let bad_secrets = [
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  \"bad key!\": {canary}\n"
        ),
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  b64: {canary}*\n"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  pem: |\n    {canary}\n  port: 5\n"
        ),
    ];
    fs::write(
        dir.join("scenario.yaml"),
        "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: snip\nspec:\n  \
         objects:\n    - file: secret.yaml\n  workload:\n    file: pod.yaml\n    run:\n      \
         app:\n        command: [sh, -c, 'exec sleep 30']\n  steps:\n    - sleep: 10ms\n",
    )
    .unwrap();
    let out = dir.join("out");
    let commands: [&[&str]; 4] = [
        &["validate", "scenario.yaml"],
        &["run", "scenario.yaml"],
        &["lint", "secret.yaml", "pod.yaml"],
        &[
            "project",
            "-f",
            "secret.yaml",
            "--workload",
            "pod.yaml",
            "--out",
            out.to_str().unwrap(),
        ],
    ];
    for secret in &bad_secrets {
        fs::write(dir.join("secret.yaml"), secret).unwrap();
        for args in commands {
            let (code, text) = kubedrill_in(dir, args);
            assert_eq!(code, 2, "{args:?}: {text}");
            // The snippet is there (so the check can fail), without the value.
            assert!(
                text.contains(" | "),
                "{args:?} prints the source line: {text}"
            );
            assert!(text.contains("‹redacted›"), "{args:?}: {text}");
            assert!(!text.contains(canary), "{args:?} leaked the value: {text}");
        }
    }
    // The value of a Secret update step in a scenario, in flow style.
    fs::write(
        dir.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  a: b\n",
    )
    .unwrap();
    fs::write(
        dir.join("update.yaml"),
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: upd\nspec:\n  \
             objects:\n    - file: secret.yaml\n  workload:\n    file: pod.yaml\n    run:\n      \
             app:\n        command: [sh, -c, 'exec sleep 30']\n  steps:\n    \
             - update: {{secret: db, stringData: {{\"bad key!\": {canary}}}}}\n"
        ),
    )
    .unwrap();
    let (code, text) = kubedrill_in(dir, &["validate", "update.yaml"]);
    assert_eq!(code, 2, "{text}");
    assert!(!text.contains(canary), "validate leaked the value: {text}");
}

//! Observations that tell the truth (issue 6 §2), through the real binary against servers and
//! apps nobody here wrote (Python's http.server, Debian's caddy) or small sample apps:
//! - a log line written before an HTTP answer is seen by the next `log` sample, 50 of 50;
//! - `http` sends what curl sends (`Host: 127.0.0.1:PORT`), takes `method:`, `headers:` and
//!   `body:`, and a failure shows the status (`HTTP 503: …`);
//! - every signal name the validator accepts is delivered.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{BIN, Out, root};

fn app(name: &str) -> String {
    root()
        .join("scenarios/apps")
        .join(name)
        .display()
        .to_string()
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn kubedrill(dir: &Path, args: &[&str]) -> Out {
    common::output(common::command().args(args).current_dir(dir))
}

/// Writes `s.yaml` with one container `app` running `command` (a YAML flow list), the
/// ConfigMap `web` with `data` (YAML mapping lines, indented 2), and `steps`.
fn scenario(dir: &Path, image: &str, command: &str, data: &str, steps: &str) -> PathBuf {
    fs::write(
        dir.join("objects.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n{data}"),
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  restartPolicy: Never\n  containers:\n    - name: app\n      image: {image}\n      env:\n        - {{name: HOME, value: {home}}}\n      volumeMounts:\n        - {{name: web, mountPath: /etc/kd-web}}\n  volumes:\n    - name: web\n      configMap: {{name: web}}\n",
            home = dir.display()
        ),
    )
    .unwrap();
    let file = dir.join("s.yaml");
    fs::write(
        &file,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: s\nspec:\n  timing: fast\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: {command}\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    file
}

/// The JSON report's steps of the only scenario: (status, observed) per step.
fn report_steps(report: &Path) -> Vec<(String, String)> {
    let doc: serde_json::Value =
        serde_json::from_slice(&fs::read(report).expect("report written")).expect("json");
    doc["scenarios"][0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["status"].as_str().unwrap_or_default().to_string(),
                s["observed"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Issue 6 §2: the app prints a line, then answers; the scenario asserts the answer, then the
/// line, with no `within`. kubedrill used to miss the line (10 of 10): its blocking http
/// observation kept the log reader from running. 50 trials in one run, each its own request.
#[test]
fn log_line_written_before_an_http_answer_is_seen_at_once_50_of_50() {
    const TRIALS: usize = 50;
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut steps = String::from("    - assert: {log: app, contains: LISTEN, within: 10s}\n");
    for i in 0..TRIALS {
        steps += &format!(
            "    - assert: {{http: {{port: {port}, path: /t{i}/}}, equals: \"ok /t{i}/\"}}\n    \
             - assert: {{log: app, contains: \"ANSWER method=GET path=/t{i}/\"}}\n"
        );
    }
    let file = scenario(
        tmp.path(),
        "x",
        &format!(
            "[env, PORT={port}, python3, -u, {}]",
            app("log_then_answer.py")
        ),
        "  x: \"1\"\n",
        &steps,
    );
    let report = tmp.path().join("r.json");
    let r = kubedrill(
        tmp.path(),
        &[
            "run",
            file.to_str().unwrap(),
            "--report",
            &format!("json={}", report.display()),
        ],
    );
    let steps = report_steps(&report);
    let log_steps: Vec<_> = steps.iter().skip(1).skip(1).step_by(2).collect();
    let seen = log_steps.iter().filter(|(s, _)| s == "passed").count();
    assert_eq!(
        seen, TRIALS,
        "log lines seen right after the answer: {seen}/{TRIALS}\n{}\n{}",
        r.stdout, r.stderr
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

/// Python's http.server (nobody here wrote it) serves the ConfigMap volume: kubedrill's
/// request is HTTP/1.1 as the server logs it; HEAD has no body; a POST with a body gets
/// http.server's 501; a failure shows the status with the body.
#[test]
fn http_against_python_http_server_methods_and_status_in_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let steps = format!(
        "    - assert: {{http: {{port: {port}, path: /hello.txt}}, status: 200, equals: \"hello from a configmap\", within: 10s}}\n\
         \x20   - assert: {{log: app, contains: '\"GET /hello.txt HTTP/1.1\" 200'}}\n\
         \x20   - assert: {{http: {{port: {port}, path: /hello.txt, method: HEAD}}, status: 200}}\n\
         \x20   - assert: {{log: app, contains: '\"HEAD /hello.txt HTTP/1.1\" 200'}}\n\
         \x20   - assert: {{http: {{port: {port}, method: POST, body: '{{\"a\": 1}}', headers: {{Content-Type: application/json}}}}, status: 501, contains: Unsupported method}}\n\
         \x20   - assert: {{http: {{port: {port}, path: /missing}}, status: 200}}\n"
    );
    let file = scenario(
        tmp.path(),
        "x",
        &format!(
            "[python3, -m, http.server, '{port}', --bind, 127.0.0.1, --directory, /etc/kd-web]"
        ),
        "  hello.txt: hello from a configmap\n",
        &steps,
    );
    let report = tmp.path().join("r.json");
    let r = kubedrill(
        tmp.path(),
        &[
            "run",
            file.to_str().unwrap(),
            "--report",
            &format!("json={}", report.display()),
        ],
    );
    assert_eq!(
        r.code, 1,
        "the last step fails:\n{}\n{}",
        r.stdout, r.stderr
    );
    let steps = report_steps(&report);
    let statuses: Vec<&str> = steps.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        statuses,
        ["passed", "passed", "passed", "passed", "passed", "failed"],
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stdout.contains(&format!(
            "assert http POST :{port}/ contains \"Unsupported method\" status 501"
        )),
        "{}",
        r.stdout
    );
    let (_, observed) = &steps[5];
    assert!(observed.starts_with("HTTP 404: "), "{observed}");
    assert!(observed.contains("File not found"), "{observed}");
    assert!(
        r.stdout.contains("status 404, expected 200") && r.stdout.contains("HTTP 404: "),
        "{}",
        r.stdout
    );
}

/// Debian's caddy with host-matched sites, as in the issue: kubedrill's default request
/// reaches the `http://127.0.0.1:PORT` site like curl's; `headers: {Host: …}` reaches another
/// site; other headers arrive; a 503 shows as `HTTP 503: <body>`.
#[test]
fn http_host_header_is_curls_and_headers_reach_caddy_host_matched_sites() {
    assert!(
        Command::new("caddy").arg("version").output().is_ok(),
        "needs Debian's caddy (bash .ci/run installs it: apt-get install caddy)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let caddyfile = format!(
        "  Caddyfile: |\n    {{\n      admin off\n      auto_https off\n    }}\n    \
         http://127.0.0.1:{port} {{\n      @kd header X-Kd yes\n      respond @kd \"header seen\" 200\n      \
         respond /down \"maintenance\" 503\n      respond \"site 127.0.0.1\" 200\n    }}\n    \
         http://localhost:{port} {{\n      respond \"site localhost\" 200\n    }}\n"
    );
    let steps = format!(
        "    - assert: {{http: {{port: {port}}}, equals: site 127.0.0.1, within: 10s}}\n\
         \x20   - assert: {{http: {{port: {port}, headers: {{Host: 'localhost:{port}'}}}}, equals: site localhost}}\n\
         \x20   - assert: {{http: {{port: {port}, headers: {{host: localhost}}}}, equals: site localhost}}\n\
         \x20   - assert: {{http: {{port: {port}, headers: {{X-Kd: 'yes'}}}}, equals: header seen}}\n\
         \x20   - assert: {{http: {{port: {port}, path: /down}}, status: 200}}\n"
    );
    let file = scenario(
        tmp.path(),
        "x",
        "[caddy, run, --config, /etc/kd-web/Caddyfile, --adapter, caddyfile]",
        &caddyfile,
        &steps,
    );
    let report = tmp.path().join("r.json");
    let r = kubedrill(
        tmp.path(),
        &[
            "run",
            file.to_str().unwrap(),
            "--report",
            &format!("json={}", report.display()),
        ],
    );
    let steps = report_steps(&report);
    let statuses: Vec<&str> = steps.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        statuses,
        ["passed", "passed", "passed", "passed", "failed"],
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(steps[4].1, "HTTP 503: maintenance");
    assert!(r.stdout.contains("HTTP 503: maintenance"), "{}", r.stdout);
    assert_eq!(r.code, 1);
}

/// One signal table (issue 6 §2): every name the validator accepts reaches the process. The
/// app logs each catchable signal by Python's own name for it; STOP is proven by a USR1 that
/// waits for CONT; KILL ends the container.
#[test]
fn every_accepted_signal_is_delivered_by_the_process_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let mut steps = String::from("    - assert: {log: app, contains: START, within: 10s}\n");
    for name in kubedrill::scenario::SIGNALS {
        if matches!(*name, "KILL" | "STOP" | "CONT") {
            continue;
        }
        steps += &format!(
            "    - signal: {{signal: {name}}}\n    - assert: {{log: app, contains: \"SIGNAL name=SIG{name}\", within: 3s}}\n"
        );
    }
    // Stopped, the app cannot run its USR2 handler (the count stays 1) until CONT.
    steps += "    - signal: {signal: SIGSTOP}\n\
              \x20   - signal: {signal: USR2}\n\
              \x20   - assert: {log: app, contains: \"SIGNAL name=SIGUSR2\", count: 1, throughout: 300ms}\n\
              \x20   - signal: {signal: CONT}\n\
              \x20   - assert: {log: app, contains: \"SIGNAL name=SIGUSR2\", count: 2, within: 3s}\n\
              \x20   - assert: {log: app, contains: \"SIGNAL name=SIGCONT\"}\n\
              \x20   - signal: {signal: KILL}\n\
              \x20   - assert: {container: {state: terminated}, within: 5s}\n";
    let file = scenario(
        tmp.path(),
        "x",
        &format!("[python3, -u, {}]", app("signal_logger.py")),
        "  x: \"1\"\n",
        &steps,
    );
    let r = kubedrill(tmp.path(), &["run", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

/// A passing scenario whose app logs a Secret value, on stdout and stderr.
fn logging_scenario(dir: &Path) -> PathBuf {
    fs::write(
        dir.join("objects.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-very-secret\n",
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n      env:\n        - name: PASSWORD\n          valueFrom:\n            secretKeyRef: {name: db, key: password}\n",
    )
    .unwrap();
    let file = dir.join("logs.yaml");
    fs::write(
        &file,
        "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: logs\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, 'echo START; echo \"password=$PASSWORD\"; echo to-stderr >&2; exec sleep 60']\n  steps:\n    - assert: {log: app, contains: to-stderr, within: 5s}\n",
    )
    .unwrap();
    file
}

/// Issue 6 §4: `--logs` prints each container's log after a passing scenario, redacted; the
/// JSON report carries it per container, JUnit in the suite's `<system-out>`; without
/// `--logs` the console shows none.
#[test]
fn logs_flag_and_reports_carry_container_logs_redacted() {
    let tmp = tempfile::tempdir().unwrap();
    let file = logging_scenario(tmp.path());
    let (json, junit) = (tmp.path().join("r.json"), tmp.path().join("r.xml"));
    let r = kubedrill(
        tmp.path(),
        &[
            "run",
            "--logs",
            file.to_str().unwrap(),
            "--report",
            &format!("json={}", json.display()),
            "--report",
            &format!("junit={}", junit.display()),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("log of app in logs (3 lines):\n    app | START\n    app | password=‹redacted›\n    app | to-stderr\n"),
        "{}",
        r.stdout
    );
    let json_text = fs::read_to_string(&json).unwrap();
    let junit_text = fs::read_to_string(&junit).unwrap();
    for text in [&r.stdout, &r.stderr, &json_text, &junit_text] {
        assert!(!text.contains("hunter2"), "a Secret value leaked:\n{text}");
    }
    let doc: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    let logs = &doc["scenarios"][0]["logs"];
    assert_eq!(logs[0]["container"], "app", "{logs}");
    assert_eq!(
        logs[0]["lines"],
        serde_json::json!(["START", "password=‹redacted›", "to-stderr"])
    );
    // The suite's own <system-out> comes after its test cases' (which hold observed values).
    let suite_out = junit_text.split("</testcase>").last().expect("test cases");
    let system_out = suite_out
        .split("<system-out>")
        .nth(1)
        .and_then(|rest| rest.split("</system-out>").next())
        .expect("the suite's <system-out>");
    assert_eq!(
        system_out,
        "app | START\napp | password=‹redacted›\napp | to-stderr\n"
    );

    let quiet = kubedrill(tmp.path(), &["run", file.to_str().unwrap()]);
    assert_eq!(quiet.code, 0, "{}\n{}", quiet.stdout, quiet.stderr);
    assert!(!quiet.stdout.contains("app | START"), "{}", quiet.stdout);
}

/// `--keep` keeps each container's (redacted) log as `logs/CONTAINER.log` in the kept dir.
#[test]
fn keep_keeps_container_logs_as_files() {
    let tmp = tempfile::tempdir().unwrap();
    let file = logging_scenario(tmp.path());
    let report = tmp.path().join("r.json");
    let r = Command::new(BIN)
        .args([
            "run",
            "--keep",
            file.to_str().unwrap(),
            "--report",
            &format!("json={}", report.display()),
        ])
        .current_dir(tmp.path())
        .env("TMPDIR", tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    let kept = PathBuf::from(doc["scenarios"][0]["keptDir"].as_str().expect("keptDir"));
    let log = fs::read_to_string(kept.join("logs/app.log")).expect("logs/app.log kept");
    assert_eq!(log, "START\npassword=‹redacted›\nto-stderr\n");
    fs::remove_dir_all(&kept).unwrap();
}

/// The docker runtime sends the same table's numbers: a busybox `sh` (PID 1 of its container)
/// traps every signal a shell can (all but KILL, STOP and CHLD, which its own `sleep` children
/// raise) and each one sent arrives; STOP holds a USR2 until CONT; KILL ends the container.
/// Needs the engine and the image `.ci/run` provides.
#[test]
#[ignore = "needs a Docker engine and the kubedrill/busybox:test image (.ci/run provides both)"]
fn every_accepted_signal_is_delivered_by_the_docker_runtime() {
    let image = Command::new("docker")
        .args(["image", "inspect", "kubedrill/busybox:test"])
        .output();
    assert!(
        image.is_ok_and(|o| o.status.success()),
        "needs a Docker engine with kubedrill/busybox:test (bash .ci/run starts dockerd and imports it)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let trapped: Vec<&str> = kubedrill::scenario::SIGNALS
        .iter()
        .copied()
        .filter(|n| !matches!(*n, "KILL" | "STOP" | "CHLD"))
        .collect();
    let traps: String = trapped
        .iter()
        .map(|n| format!("trap \"echo got {n}\" {n}; "))
        .collect();
    let command = format!("[sh, -c, '{traps}echo START; while true; do sleep 1 & wait; done']");
    let mut steps = String::from("    - assert: {log: app, contains: START, within: 15s}\n");
    for name in trapped.iter().filter(|n| **n != "CONT") {
        steps += &format!(
            "    - signal: {{signal: {name}}}\n    - assert: {{log: app, contains: \"got {name}\", within: 5s}}\n"
        );
    }
    steps += "    - signal: {signal: STOP}\n\
              \x20   - signal: {signal: USR2}\n\
              \x20   - assert: {log: app, contains: \"got USR2\", count: 1, throughout: 300ms}\n\
              \x20   - signal: {signal: CONT}\n\
              \x20   - assert: {log: app, contains: \"got USR2\", count: 2, within: 5s}\n\
              \x20   - signal: {signal: KILL}\n\
              \x20   - assert: {container: {state: terminated}, within: 10s}\n";
    let file = scenario(
        tmp.path(),
        "kubedrill/busybox:test",
        &command,
        "  x: \"1\"\n",
        &steps,
    );
    let r = kubedrill(
        tmp.path(),
        &["run", "--backend", "docker", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

/// With `--jobs 2` each scenario's logs come right after its own result line, never inside
/// the other scenario's output.
#[test]
fn logs_of_parallel_scenarios_follow_their_own_result() {
    let tmp = tempfile::tempdir().unwrap();
    let base = fs::read_to_string(logging_scenario(tmp.path())).unwrap();
    fs::remove_file(tmp.path().join("logs.yaml")).unwrap();
    for name in ["first", "second"] {
        let text = base
            .replace("name: logs", &format!("name: {name}"))
            .replace("echo START", &format!("echo START-{name}; sleep 0.2"));
        fs::write(tmp.path().join(format!("{name}.yaml")), text).unwrap();
    }
    let r = kubedrill(tmp.path(), &["run", "--logs", "--jobs", "2", "."]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for name in ["first", "second"] {
        let block = format!("✓ {name}: 1 passed in");
        let at = r
            .stdout
            .find(&block)
            .unwrap_or_else(|| panic!("{}", r.stdout));
        let after = &r.stdout[at..];
        let next_line = after.lines().nth(1).unwrap_or_default();
        assert_eq!(
            next_line,
            format!("  log of app in {name} (3 lines):"),
            "{}",
            r.stdout
        );
        assert_eq!(
            after.lines().nth(2).unwrap_or_default(),
            format!("    app | START-{name}"),
            "{}",
            r.stdout
        );
    }
}

/// A multi-line Secret value printed over several lines is redacted in the reported log too
/// (the log is redacted as one text, not line by line).
#[test]
fn multi_line_secret_in_a_log_is_redacted_in_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let file = logging_scenario(tmp.path());
    fs::write(
        tmp.path().join("objects.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: |\n    BEGIN KEY\n    middle-line-of-the-key\n    END KEY\n",
    )
    .unwrap();
    let report = tmp.path().join("r.json");
    let r = kubedrill(
        tmp.path(),
        &[
            "run",
            file.to_str().unwrap(),
            "--report",
            &format!("json={}", report.display()),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let json = fs::read_to_string(&report).unwrap();
    assert!(!json.contains("middle-line-of-the-key"), "{json}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        doc["scenarios"][0]["logs"][0]["lines"],
        serde_json::json!(["START", "password=‹redacted›", "to-stderr"])
    );
}

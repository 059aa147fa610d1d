//! `kubedrill lint` through the real binary, over the fixtures in `tests/fixtures/lint/` (one per
//! rule, each triggering only its rule), a clean manifest, the repository's seed manifests and
//! invalid YAML. Expected outcomes are data: the table [`CASES`].

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const FIXTURES: &str = "tests/fixtures/lint";

/// Every Secret or credential value in the fixtures and the seed: none may ever be printed.
const SECRET_VALUES: &[&str] = &[
    "Tr0ub4dor-fixture",
    "hunter2-fixture",
    "AKIA-fixture-value",
    "fixture-db-password",
    "fixture-certificate",
    "fixture-private-key",
    "fixture-clean-password",
    // scenarios/seed: the DATABASE_URL password, the db Secret (plain and base64), the TLS key.
    ":pass@",
    "SecureP@ssw0rd",
    "sk-1234567890abcdef",
    "U2VjdXJlUEBzc3cwcmQ=",
    "c2stMTIzNDU2Nzg5MGFiY2RlZg==",
    "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t",
];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `kubedrill lint` from the crate root, so locations are the relative paths given.
fn lint(paths: &[&str]) -> Run {
    let output = Command::new(BIN)
        .arg("lint")
        .args(paths)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => panic!("cannot run {BIN}: {e}"),
    };
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for value in SECRET_VALUES {
        assert!(
            !run.stdout.contains(value) && !run.stderr.contains(value),
            "{value:?} was printed:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

/// One finding line, parsed: `LOCATION: LEVEL CODE: MESSAGE (hint: HINT)`.
#[derive(Debug)]
struct Line<'a> {
    location: &'a str,
    level: &'a str,
    code: &'a str,
    message: &'a str,
}

fn findings(stdout: &str) -> Vec<Line<'_>> {
    stdout
        .lines()
        .filter(|line| !line.contains(" finding(s): "))
        .map(|line| {
            let parsed = (|| {
                let (location, rest) = line.split_once(": ")?;
                let (level, rest) = rest.split_once(' ')?;
                let (code, rest) = rest.split_once(": ")?;
                let (message, _hint) = rest.rsplit_once(" (hint: ")?;
                Some(Line {
                    location,
                    level,
                    code,
                    message,
                })
            })();
            match parsed {
                Some(parsed) => parsed,
                None => panic!("not a finding line: {line:?}"),
            }
        })
        .collect()
}

/// A fixture, the exit code, and every finding expected: `(code, level, line)`.
type Case = (
    &'static str,
    i32,
    &'static [(&'static str, &'static str, u64)],
);

const CASES: &[Case] = &[
    (
        "kd001-credentials.yaml",
        1,
        &[
            ("KD001", "warning", 8),
            ("KD001", "warning", 9),
            ("KD001", "warning", 13),
        ],
    ),
    ("kd002-subpath.yaml", 1, &[("KD002", "warning", 27)]),
    ("kd003-env-and-volume.yaml", 1, &[("KD003", "warning", 19)]),
    ("kd003-env-only.yaml", 0, &[("KD003", "info", 21)]),
    (
        "kd004-missing.yaml",
        1,
        &[
            ("KD004", "error", 21),
            ("KD004", "error", 29),
            ("KD004", "error", 39),
        ],
    ),
    ("kd005-secret-type.yaml", 1, &[("KD005", "warning", 6)]),
    ("kd006-immutable.yaml", 0, &[("KD006", "info", 25)]),
    (
        "kd007-secret-mode.yaml",
        1,
        &[("KD007", "warning", 27), ("KD007", "warning", 35)],
    ),
    // envFrom is also delivery as env only: KD003 info comes with it, by design.
    (
        "kd008-env-names.yaml",
        0,
        &[("KD003", "info", 21), ("KD008", "info", 21)],
    ),
    ("kd009-unused.yaml", 0, &[("KD009", "info", 2)]),
    ("clean.yaml", 0, &[]),
];

#[test]
fn each_fixture_reports_exactly_its_findings() {
    for (fixture, code, expected) in CASES {
        let path = format!("{FIXTURES}/{fixture}");
        let run = lint(&[&path]);
        assert_eq!(run.code, *code, "{fixture}:\n{}{}", run.stdout, run.stderr);
        assert_eq!(run.stderr, "", "{fixture}");
        let found: Vec<(String, String, String)> = findings(&run.stdout)
            .iter()
            .map(|f| {
                (
                    f.code.to_string(),
                    f.level.to_string(),
                    f.location.to_string(),
                )
            })
            .collect();
        let wanted: Vec<(String, String, String)> = expected
            .iter()
            .map(|(code, level, line)| {
                (
                    code.to_string(),
                    level.to_string(),
                    format!("{path}:{line}"),
                )
            })
            .collect();
        assert_eq!(found, wanted, "{fixture}:\n{}", run.stdout);
        let serious = expected
            .iter()
            .filter(|(_, level, _)| *level != "info")
            .count();
        let count = format!(
            "{} finding(s): {serious} warning(s) or error(s), {} info",
            expected.len(),
            expected.len() - serious
        );
        assert_eq!(run.stdout.lines().last(), Some(count.as_str()), "{fixture}");
    }
}

#[test]
fn every_fixture_is_in_the_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Invalid manifests exit 2 before any rule runs: they have tests of their own.
        if name.starts_with("invalid") {
            continue;
        }
        assert!(
            CASES.iter().any(|(fixture, _, _)| *fixture == name),
            "{name} has no expected outcome in CASES"
        );
    }
}

#[test]
fn clean_manifests_exit_0_with_no_findings() {
    let run = lint(&[&format!("{FIXTURES}/clean.yaml")]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "0 finding(s): 0 warning(s) or error(s), 0 info\n"
    );
}

#[test]
fn messages_name_the_cause_and_never_the_value() {
    let run = lint(&[&format!("{FIXTURES}/kd001-credentials.yaml")]);
    let lines = findings(&run.stdout);
    assert_eq!(
        lines[0].message,
        "ConfigMap app-settings: value of key DATABASE_URL embeds a password in its URL"
    );
    assert!(
        lines[1]
            .message
            .contains("key DB_PASSWORD is named like a credential")
    );
    assert!(
        lines[2]
            .message
            .contains("value of key app.conf sets api_key on its line 3")
    );
    assert!(
        run.stdout.contains("(hint: move it to a Secret"),
        "{}",
        run.stdout
    );

    let run = lint(&[&format!("{FIXTURES}/kd004-missing.yaml")]);
    let lines = findings(&run.stdout);
    assert!(
        lines[0].message.ends_with(
            "FailedMount events: MountVolume.SetUp failed for volume \"config\" : configmap \"not-here\" not found"
        ),
        "{}",
        lines[0].message
    );
    assert!(
        lines[1]
            .message
            .ends_with("references non-existent secret key: password")
    );
    assert!(
        lines[2]
            .message
            .ends_with("secret \"tls-missing\" not found")
    );
}

#[test]
fn seed_manifests_report_the_database_url_and_the_tls_mode() {
    let run = lint(&[
        "scenarios/seed/configmap.yaml",
        "scenarios/seed/deployment.yaml",
        "scenarios/seed/secret.yaml",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let lines = findings(&run.stdout);
    let kd001: Vec<&Line<'_>> = lines.iter().filter(|l| l.code == "KD001").collect();
    assert_eq!(kd001.len(), 1, "{}", run.stdout);
    assert_eq!(kd001[0].location, "scenarios/seed/configmap.yaml:8");
    assert_eq!(kd001[0].level, "warning");
    assert!(
        kd001[0]
            .message
            .contains("DATABASE_URL embeds a password in its URL")
    );
    let kd007: Vec<&Line<'_>> = lines.iter().filter(|l| l.code == "KD007").collect();
    assert_eq!(kd007.len(), 1, "{}", run.stdout);
    assert_eq!(kd007[0].location, "scenarios/seed/deployment.yaml:56");
    assert_eq!(kd007[0].level, "warning");
    assert!(
        kd007[0].message.contains(
            "volume tls-certs puts Secret python-app-tls on disk with mode 0644 (the default)"
        ),
        "{}",
        kd007[0].message
    );
    // Env-only delivery of the settings and the db Secret is worth knowing, not a failure.
    let infos: Vec<&str> = lines
        .iter()
        .filter(|l| l.level == "info")
        .map(|l| l.code)
        .collect();
    assert_eq!(infos, ["KD003", "KD003"], "{}", run.stdout);
    assert_eq!(lines.len(), 4, "{}", run.stdout);
}

#[test]
fn invalid_yaml_exits_2_with_file_line_column() {
    let path = format!("{FIXTURES}/invalid.yaml");
    let run = lint(&[&path]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(&format!("error: {path}:7:8: ")),
        "{}",
        run.stderr
    );
    let run = lint(&[
        &format!("{FIXTURES}/clean.yaml"),
        "tests/fixtures/lint/no-such-file.yaml",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no-such-file.yaml: cannot read the file"),
        "{}",
        run.stderr
    );
}

/// Issue 7: a pod spec the API server refuses (here a container named `../../x`) is invalid
/// input for lint as for every command: exit 2, the API server's words, the field's location.
#[test]
fn pod_spec_the_api_server_refuses_exits_2_at_the_field() {
    let path = format!("{FIXTURES}/invalid-container-name.yaml");
    let run = lint(&[&path]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(&format!(
            "error: {path}:9:13: Pod \"web\" is invalid: spec.containers[0].name: Invalid value: \"../../x\": a lowercase RFC 1123 label must consist of"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("    9 |     - name: ../../x\n"),
        "{}",
        run.stderr
    );
}

//! `kubedrill lint` for CI through the real binary: `-o text|json|sarif`, `--fail-on`,
//! `--allow`, the `kubedrill.dev/lint-ignore` annotation and `-f`.
//!
//! The SARIF log is checked against the required properties and enumerations of the SARIF
//! 2.1.0 schema (sarif-schema-2.1.0.json) for every object kubedrill writes, by a small checker
//! below: no network, no schema crate.

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const SEED: [&str; 3] = [
    "scenarios/seed/configmap.yaml",
    "scenarios/seed/deployment.yaml",
    "scenarios/seed/secret.yaml",
];
const PLAIN: &str = "tests/fixtures/lint_output/plain.yaml";
const ANNOTATED: &str = "tests/fixtures/lint_output/annotated.yaml";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn lint(args: &[&str]) -> Run {
    let output = Command::new(BIN)
        .arg("lint")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for value in ["fixture-pw", "fixture-secret", "SecureP@ssw0rd", ":pass@"] {
        assert!(
            !run.stdout.contains(value) && !run.stderr.contains(value),
            "{value:?} was printed:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", run.stdout))
}

fn codes_in_text(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("KD")))
        .map(|w| w.trim_end_matches(':').to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A checker for the SARIF 2.1.0 properties kubedrill writes
// ---------------------------------------------------------------------------------------------

/// Every violation of SARIF 2.1.0's required properties, types and enumerations in `log`, as
/// `path: problem` (empty when the log is valid as far as kubedrill's objects go).
fn sarif_violations(log: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let mut need = |value: &Value, path: &str, field: &str, kind: &str| -> bool {
        let ok = match (value.get(field), kind) {
            (Some(v), "string") => v.is_string(),
            (Some(v), "array") => v.is_array(),
            (Some(v), "object") => v.is_object(),
            (Some(v), "integer>=1") => v.as_u64().is_some_and(|n| n >= 1),
            (Some(v), "integer>=0") => v.as_u64().is_some(),
            _ => false,
        };
        if !ok {
            errors.push(format!("{path}.{field}: required {kind}"));
        }
        ok
    };
    need(log, "$", "version", "string");
    if log["version"] != "2.1.0" {
        // version is an enum of exactly "2.1.0".
        need(&Value::Null, "$", "version == \"2.1.0\"", "string");
    }
    if !need(log, "$", "runs", "array") {
        return errors;
    }
    let levels = ["none", "note", "warning", "error"];
    for (r, run) in log["runs"].as_array().into_iter().flatten().enumerate() {
        let rp = format!("$.runs[{r}]");
        if !need(run, &rp, "tool", "object") {
            continue;
        }
        if !need(&run["tool"], &format!("{rp}.tool"), "driver", "object") {
            continue;
        }
        let driver = &run["tool"]["driver"];
        let dp = format!("{rp}.tool.driver");
        need(driver, &dp, "name", "string");
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        for (i, rule) in rules.iter().enumerate() {
            let p = format!("{dp}.rules[{i}]");
            need(rule, &p, "id", "string");
            // multiformatMessageString requires text.
            for message in ["shortDescription", "fullDescription", "help"] {
                if rule.get(message).is_some() {
                    need(&rule[message], &format!("{p}.{message}"), "text", "string");
                }
            }
            if let Some(level) = rule.pointer("/defaultConfiguration/level")
                && !levels.iter().any(|l| level == l)
            {
                need(
                    &Value::Null,
                    &p,
                    "defaultConfiguration.level in enum",
                    "string",
                );
            }
        }
        let Some(results) = run.get("results") else {
            continue;
        };
        if !results.is_array() {
            need(&Value::Null, &rp, "results", "array");
            continue;
        }
        for (i, result) in results.as_array().into_iter().flatten().enumerate() {
            let p = format!("{rp}.results[{i}]");
            // result requires message; a message requires text or id (kubedrill writes text).
            if need(result, &p, "message", "object") {
                need(
                    &result["message"],
                    &format!("{p}.message"),
                    "text",
                    "string",
                );
            }
            need(result, &p, "ruleId", "string");
            if let Some(level) = result.get("level")
                && !levels.iter().any(|l| level == l)
            {
                need(&Value::Null, &p, "level in enum", "string");
            }
            if let Some(index) = result.get("ruleIndex") {
                let id = index
                    .as_u64()
                    .and_then(|i| rules.get(i as usize))
                    .map(|rule| &rule["id"]);
                if id != Some(&result["ruleId"]) {
                    need(
                        &Value::Null,
                        &p,
                        "ruleIndex naming ruleId's rule",
                        "integer>=0",
                    );
                }
            }
            for (l, location) in result["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                let lp = format!("{p}.locations[{l}]");
                if !need(location, &lp, "physicalLocation", "object") {
                    continue;
                }
                let physical = &location["physicalLocation"];
                let pp = format!("{lp}.physicalLocation");
                if need(physical, &pp, "artifactLocation", "object") {
                    need(
                        &physical["artifactLocation"],
                        &format!("{pp}.artifactLocation"),
                        "uri",
                        "string",
                    );
                }
                if need(physical, &pp, "region", "object") {
                    need(
                        &physical["region"],
                        &format!("{pp}.region"),
                        "startLine",
                        "integer>=1",
                    );
                    need(
                        &physical["region"],
                        &format!("{pp}.region"),
                        "startColumn",
                        "integer>=1",
                    );
                }
            }
        }
    }
    errors
}

#[test]
fn the_sarif_checker_finds_missing_required_properties() {
    let bad = serde_json::json!({
        "version": "2.0.0",
        "runs": [{
            "tool": {"driver": {"rules": [{"name": "x"}]}},
            "results": [{"level": "info", "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}],
        }],
    });
    let errors = sarif_violations(&bad);
    for expected in [
        "version == \"2.1.0\"",
        "tool.driver.name",
        "rules[0].id",
        "results[0].message",
        "results[0].ruleId",
        "level in enum",
        "artifactLocation",
        "startLine",
        "startColumn",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{expected} not reported: {errors:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------------------------

#[test]
fn lint_sarif_of_the_seed_is_valid_sarif_2_1_0_with_every_rule_and_finding() {
    let text = lint(&SEED);
    let run = lint(&["-o", "sarif", SEED[0], SEED[1], SEED[2]]);
    assert_eq!(run.code, 1, "same exit code as text: {}", run.stderr);
    let log = json_of(&run);
    assert_eq!(sarif_violations(&log), Vec::<String>::new());
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "kubedrill");
    let rule_ids: Vec<&str> = driver["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(
        rule_ids,
        [
            "KD001", "KD002", "KD003", "KD004", "KD005", "KD006", "KD007", "KD008", "KD009"
        ]
    );
    assert!(
        driver["rules"][6]["help"]["text"]
            .as_str()
            .is_some_and(|h| h.contains("defaultMode: 0400")),
        "KD007's help: {}",
        driver["rules"][6]
    );
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // One result per text finding, same codes in the same order.
    let ids: Vec<String> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids, codes_in_text(&text));
    let kd001 = &results[0];
    assert_eq!(kd001["level"], "warning");
    let physical = &kd001["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "scenarios/seed/configmap.yaml"
    );
    assert_eq!(physical["region"]["startLine"], 8);
    assert_eq!(physical["region"]["startColumn"], 1);
    let kd003 = results.iter().find(|r| r["ruleId"] == "KD003");
    assert_eq!(kd003.map(|r| &r["level"]), Some(&Value::from("note")));
}

#[test]
fn lint_json_lists_each_finding_with_file_line_and_a_summary() {
    let run = lint(&["--output", "json", SEED[0], SEED[1], SEED[2]]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json_of(&run);
    assert_eq!(report["version"], 1);
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert_eq!(findings.len(), 4, "{report}");
    assert_eq!(findings[0]["code"], "KD001");
    assert_eq!(findings[0]["level"], "warning");
    assert_eq!(findings[0]["file"], "scenarios/seed/configmap.yaml");
    assert_eq!(findings[0]["line"], 8);
    assert!(
        findings[0]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("Secret"))
    );
    assert_eq!(
        report["summary"],
        serde_json::json!({"findings": 4, "error": 0, "warning": 2, "info": 2})
    );
}

#[test]
fn lint_text_output_is_unchanged_by_default_and_with_o_text() {
    let default = lint(&SEED);
    let text = lint(&["-o", "text", SEED[0], SEED[1], SEED[2]]);
    assert_eq!(default.stdout, text.stdout);
    assert!(
        default
            .stdout
            .ends_with("4 finding(s): 2 warning(s) or error(s), 2 info\n"),
        "{}",
        default.stdout
    );
}

#[test]
fn lint_of_an_unknown_output_format_exits_2() {
    let run = lint(&["-o", "xml", SEED[0]]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("sarif"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// --fail-on
// ---------------------------------------------------------------------------------------------

#[test]
fn lint_fail_on_error_passes_with_only_warnings() {
    assert_eq!(lint(&["--fail-on", "error", PLAIN]).code, 0);
    assert_eq!(lint(&["--fail-on", "warning", PLAIN]).code, 1);
    assert_eq!(lint(&[PLAIN]).code, 1, "the default is warning");
}

#[test]
fn lint_fail_on_info_fails_on_an_info_finding_alone() {
    // Only KD009 (info) is left once the warnings are allowed.
    let args = ["--allow", "KD001,KD002", "--allow", "KD007", PLAIN];
    let run = lint(&args);
    assert_eq!(codes_in_text(&run), ["KD009"], "{}", run.stdout);
    assert_eq!(run.code, 0);
    let mut with_info = vec!["--fail-on", "info"];
    with_info.extend(args);
    assert_eq!(lint(&with_info).code, 1);
}

// ---------------------------------------------------------------------------------------------
// --allow and the lint-ignore annotation
// ---------------------------------------------------------------------------------------------

#[test]
fn lint_allow_switches_a_rule_off_for_the_run() {
    let run = lint(&["--allow", "kd007", PLAIN]);
    assert_eq!(
        codes_in_text(&run),
        ["KD001", "KD009", "KD002"],
        "{}",
        run.stdout
    );
}

#[test]
fn lint_allow_of_an_unknown_rule_exits_2_with_did_you_mean() {
    let run = lint(&["--allow", "KD0007", PLAIN]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown lint rule `KD0007`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("did you mean KD007?"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let run = lint(&["--allow", "subpath", PLAIN]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("rules are KD001"), "{}", run.stderr);
}

#[test]
fn lint_ignore_annotation_silences_findings_about_its_object() {
    let plain = lint(&[PLAIN]);
    assert_eq!(
        codes_in_text(&plain),
        ["KD001", "KD009", "KD002", "KD007"],
        "{}",
        plain.stdout
    );
    // KD001 and KD009 (ConfigMap rules) by the ConfigMaps' annotations, KD002 by the
    // Deployment's, KD007 (a pod rule) by the annotation on the Secret it names.
    let annotated = lint(&[ANNOTATED]);
    assert_eq!(
        codes_in_text(&annotated),
        Vec::<String>::new(),
        "{}",
        annotated.stdout
    );
    assert_eq!(annotated.code, 0);
}

// ---------------------------------------------------------------------------------------------
// -f
// ---------------------------------------------------------------------------------------------

#[test]
fn lint_takes_f_like_project_and_dev() {
    let positional = lint(&SEED);
    let dash_f = lint(&["-f", SEED[0], "--filename", SEED[1], "-f", SEED[2]]);
    assert_eq!(dash_f.stdout, positional.stdout);
    assert_eq!(dash_f.code, positional.code);
    let mixed = lint(&[SEED[0], "-f", SEED[1], SEED[2]]);
    assert_eq!(mixed.stdout, positional.stdout);
}

#[test]
fn lint_without_any_manifest_exits_2() {
    let run = lint(&[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

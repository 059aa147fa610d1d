//! Golden tests for kubectl-made objects (issue 11 §2): every directory of
//! `tests/fixtures/generators/` holds a `case.yaml` (one generator, as a scenario writes it),
//! its input files, and either `expected.json` (the object, as JSON) or `expected.err` (the
//! error message). Each case pins one kubectl rule; the rule and the kubectl function it comes
//! from are in the doc comments of `kubedrill::api::generate`.
//!
//! `UPDATE_GOLDEN=1 cargo test --test generators` rewrites the expected files (review the
//! diff: a golden file is only as good as the reading it got).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use kubedrill::api::Manifest;
use kubedrill::api::generate::{GenerateContext, Generator, generate_with};
use kubedrill::api::manifest::Origin;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/generators")
}

/// The environment the cases see: `FROM_ENV` set, everything else unset.
fn fixed_env(name: &str) -> Option<String> {
    (name == "FROM_ENV").then(|| "value from the environment".to_string())
}

/// The object as JSON, or the error's message.
fn run_case(dir: &Path) -> Result<String, String> {
    let text = fs::read_to_string(dir.join("case.yaml")).map_err(|e| e.to_string())?;
    let spec: Generator = serde_saphyr::from_str(&text).map_err(|e| format!("spec: {e}"))?;
    let ctx = GenerateContext {
        base_dir: dir,
        origin: Origin {
            file: dir.join("case.yaml"),
            line: 1,
        },
        env: &fixed_env,
    };
    let manifest = generate_with(&spec, &ctx).map_err(|e| e.to_string())?;
    let json = match &manifest {
        Manifest::ConfigMap(cm, _) => serde_json::to_string_pretty(cm),
        Manifest::Secret(secret, _) => serde_json::to_string_pretty(secret),
        Manifest::Workload(_) => panic!("a generator made a workload"),
    };
    Ok(json.map_err(|e| e.to_string())? + "\n")
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn generators_match_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dirs = case_dirs();
    assert!(dirs.len() >= 40, "only {} cases found", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (got, file, other) = match run_case(dir) {
            Ok(json) => (json, "expected.json", "expected.err"),
            Err(message) => (message + "\n", "expected.err", "expected.json"),
        };
        if update {
            fs::write(dir.join(file), &got).unwrap();
            let _ = fs::remove_file(dir.join(other));
            continue;
        }
        match fs::read_to_string(dir.join(file)) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "{name}: {file} differs\n--- want\n{want}--- got\n{got}"
            )),
            Err(_) => failures.push(format!("{name}: no {file}; got\n{got}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The hash suffixes pinned in the golden files are the ones kubectl's algorithm gives:
/// `tests/fixtures/generators/reference/hash_reference.go` computes them with Go's own
/// `encoding/json` and `crypto/sha256` (kubectl's `pkg/util/hash`, copied) and prints them.
#[test]
fn hash_suffix_names_match_the_go_reference() {
    let reference = fs::read_to_string(fixtures().join("reference/expected-names.txt")).unwrap();
    let mut want = BTreeMap::new();
    for line in reference.lines().filter(|l| !l.trim().is_empty()) {
        let (case, name) = line.split_once(' ').unwrap();
        want.insert(case.to_string(), name.to_string());
    }
    assert!(want.len() >= 4);
    for (case, name) in want {
        let json = run_case(&fixtures().join(&case)).unwrap();
        let object: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(object["metadata"]["name"], name.as_str(), "{case}");
    }
}

#[test]
fn secret_values_never_appear_in_generator_errors() {
    for case in [
        "cm_env_unclosed_quote",
        "secret_invalid_literal",
        "secret_docker_empty_password",
        "secret_duplicate_key",
        "secret_env_invalid_key",
    ] {
        let message = run_case(&fixtures().join(case)).unwrap_err();
        for secret in ["hunter2", "never-printed", "one", "two"] {
            assert!(
                !message.contains(&format!("={secret}")) && !message.contains("hunter2"),
                "{case}: {message}"
            );
        }
    }
}

fn generate_in(dir: &Path, yaml: &str) -> Result<String, String> {
    fs::write(dir.join("case.yaml"), yaml).unwrap();
    run_case(dir)
}

/// `os.ReadDir` entry types do not follow symlinks and only regular files become keys:
/// FIFOs and sockets in a directory are skipped (they cannot be committed as fixtures).
#[test]
fn directory_skips_fifos_and_sockets_like_kubectl() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dir");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("real"), "r").unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("fifo"))
        .status()
        .unwrap();
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();
    let json = generate_in(tmp.path(), "configMap: {name: app, fromFile: [dir]}\n").unwrap();
    let object: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(object["data"], serde_json::json!({"real": "r"}));
    // Named explicitly, a FIFO is refused instead of blocking the run.
    let err =
        generate_in(tmp.path(), "configMap: {name: app, fromFile: [dir/fifo]}\n").unwrap_err();
    assert_eq!(
        err,
        "configMap \"app\" fromFile[0]: dir/fifo is not a regular file (hint: point at a regular file or a directory)"
    );
}

#[test]
fn a_file_larger_than_an_object_may_hold_is_refused_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let file = fs::File::create(tmp.path().join("big")).unwrap();
    file.set_len(1024 * 1024 + 1).unwrap();
    let err = generate_in(tmp.path(), "secret: {name: s, fromFile: [big]}\n").unwrap_err();
    assert!(
        err.contains("big is 1048577 bytes; a ConfigMap or Secret holds at most 1048576"),
        "{err}"
    );
}

#[test]
fn generator_spec_has_a_json_schema() {
    let schema = serde_json::to_string(&schemars::schema_for!(Generator)).unwrap();
    for field in [
        "configMap",
        "fromEnvFile",
        "hashSuffix",
        "dockerRegistry",
        "tls",
    ] {
        assert!(schema.contains(field), "{field} missing from {schema}");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn run_env_file(bytes: &[u8]) -> Result<String, String> {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("app.env"), bytes).unwrap();
        generate_in(
            tmp.path(),
            "configMap: {name: app, fromEnvFile: [app.env]}\n",
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any bytes as an env file: an object or an error naming the file, never a panic;
        /// every key made is a valid env var name.
        #[test]
        fn env_file_any_bytes_object_or_named_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            match run_env_file(&bytes) {
                Ok(json) => {
                    let object: serde_json::Value = serde_json::from_str(&json).unwrap();
                    if let Some(data) = object["data"].as_object() {
                        for key in data.keys() {
                            let first = key.chars().next().unwrap();
                            prop_assert!(first.is_ascii_alphabetic() || "-._".contains(first), "{key}");
                        }
                    }
                }
                Err(message) => prop_assert!(message.contains("app.env"), "{message}"),
            }
        }

        /// A valid key and any text value from `fromLiteral` come back unchanged, and the hash
        /// suffix is 10 characters from kubectl's safe alphabet.
        #[test]
        fn literal_values_round_trip_and_hash_is_safe(
            key in "[A-Za-z_][A-Za-z0-9_.-]{0,20}",
            value in "\\PC{0,40}",
        ) {
            prop_assume!(!key.starts_with(".."));
            let tmp = tempfile::tempdir().unwrap();
            let yaml = format!(
                "configMap: {{name: app, hashSuffix: true, fromLiteral: [{}]}}\n",
                serde_json::to_string(&format!("{key}={value}")).unwrap()
            );
            let json = generate_in(tmp.path(), &yaml).unwrap();
            let object: serde_json::Value = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(object["data"][&key].as_str(), Some(value.as_str()));
            let name = object["metadata"]["name"].as_str().unwrap();
            let suffix = name.strip_prefix("app-").unwrap();
            prop_assert_eq!(suffix.len(), 10);
            prop_assert!(suffix.chars().all(|c| "ghkmt2456789bcdf".contains(c)), "{suffix}");
        }
    }
}

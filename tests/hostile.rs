//! The hostile-input corpus of `tests/hostile/` (issue 7; regenerate it with
//! `scripts/gen-hostile-corpus.py`) through the real binary: YAML bombs, 10k-deep nesting,
//! invalid UTF-8, NUL bytes, huge and numeric and duplicate keys, tags, BOM/CRLF, document
//! floods, as manifests (`lint`, `project`) and as scenario files (`validate`). What each must
//! give is data: `tests/hostile/expectations.tsv`. Never a panic; an invalid input exits 2
//! with `error: FILE:LINE:COLUMN: …` and, for `project`, writes nothing.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile");

struct Expectation<'a> {
    file: &'a str,
    command: &'a str,
    exit: i32,
    location: Option<&'a str>,
    message: Option<&'a str>,
}

fn expectations(table: &str) -> Vec<Expectation<'_>> {
    table
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let [file, command, exit, location, message] = cols.as_slice() else {
                panic!("expectations.tsv: malformed line {line:?}");
            };
            fn given(s: &str) -> Option<&str> {
                (s != "-").then_some(s)
            }
            Expectation {
                file,
                command,
                exit: exit
                    .parse()
                    .unwrap_or_else(|_| panic!("bad exit in {line:?}")),
                location: given(location),
                message: given(message),
            }
        })
        .collect()
}

#[test]
fn every_hostile_input_gives_its_exit_code_and_location_without_panicking() {
    let table = std::fs::read_to_string(Path::new(CORPUS).join("expectations.tsv"))
        .expect("tests/hostile/expectations.tsv");
    let mut failures = Vec::new();
    for case in expectations(&table) {
        let out = tempfile::tempdir().expect("tempdir");
        let out_dir = out.path().join("out");
        let out_arg = out_dir.display().to_string();
        let args: Vec<&str> = match case.command {
            "project" => vec![
                "project",
                "-f",
                case.file,
                "--workload",
                "ok-pod.yaml",
                "--out",
                &out_arg,
            ],
            command => vec![command, case.file],
        };
        let output = Command::new(BIN)
            .args(&args)
            .current_dir(CORPUS)
            .output()
            .expect("run kubedrill");
        let code = output.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let what = format!("{} {}", case.command, case.file);
        if stderr.contains("panicked") || code == 101 {
            failures.push(format!("{what}: panicked: {stderr}"));
            continue;
        }
        if code != case.exit {
            failures.push(format!(
                "{what}: exit {code}, expected {}: {stderr}",
                case.exit
            ));
            continue;
        }
        if let Some(location) = case.location {
            let prefix = format!("error: {location}: ");
            if !stderr.starts_with(&prefix) {
                failures.push(format!("{what}: expected {prefix:?}, got {stderr:.300}"));
            }
        }
        if let Some(message) = case.message
            && !stderr.contains(message)
        {
            failures.push(format!("{what}: no {message:?} in {stderr:.300}"));
        }
        if case.command == "project" && code == 2 && out_dir.exists() {
            failures.push(format!(
                "{what}: exit 2 but {} was created",
                out_dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_corpus_file_has_an_expectation() {
    let table = std::fs::read_to_string(Path::new(CORPUS).join("expectations.tsv"))
        .expect("tests/hostile/expectations.tsv");
    let listed: Vec<&str> = expectations(&table).iter().map(|e| e.file).collect();
    for entry in std::fs::read_dir(CORPUS).expect("corpus").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("m-") || name.starts_with("s-") {
            assert!(listed.contains(&name.as_str()), "{name} has no expectation");
        }
    }
}

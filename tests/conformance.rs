//! Upstream's own acceptance list (spec §9) as scenarios, through the built binary.
//!
//! `scenarios/conformance/` holds one scenario per upstream e2e test (ConfigMap, Secret and
//! projected volumes, env, subPath, variable expansion), named after it; `gaps/` holds the
//! faithful scenarios kubedrill cannot pass yet. `scenarios/conformance/README.md` has two tables
//! this file checks against the files: every upstream test → its scenario and status, and every
//! §9 item → the scenarios that cover it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

/// The items of spec §9 (`kubelet-behaviour.md`), as the README's second table names them.
/// The spec lists them in prose; each phrase here is one case it names.
const SPEC_9: &[&str] = &[
    "ConfigMap volume: consumable in volume (0644)",
    "ConfigMap volume: defaultMode 0400",
    "ConfigMap volume: non-root + defaultMode + fsGroup (-r--r-----)",
    "ConfigMap volume: with mappings (nested path/to/data-2)",
    "ConfigMap volume: mapping + item mode",
    "ConfigMap volume: updates reflected",
    "ConfigMap volume: binary data reflected",
    "ConfigMap volume: optional updates reflected (delete -> file gone, key removed/added, created later -> appears)",
    "ConfigMap volume: multiple volumes in one pod",
    "ConfigMap volume: immutable",
    "ConfigMap volume: non-optional missing object -> Pending",
    "ConfigMap volume: non-optional missing key -> Pending",
    "Secret volume: consumable in volume (0644)",
    "Secret volume: defaultMode 0400",
    "Secret volume: non-root + defaultMode + fsGroup (-r--r-----)",
    "Secret volume: with mappings",
    "Secret volume: mapping + item mode",
    "Secret volume: updates reflected",
    "Secret volume: optional updates reflected (delete -> file gone, key removed/added, created later -> appears)",
    "Secret volume: multiple volumes in one pod",
    "Secret volume: immutable",
    "Secret volume: non-optional missing object -> Pending",
    "Secret volume: non-optional missing key -> Pending",
    "Secret volume: same name in another namespace",
    "Projected configMap: consumable in volume, defaultMode, non-root, fsGroup",
    "Projected configMap: mappings, mapping + mode",
    "Projected configMap: updates and optional updates reflected",
    "Projected configMap: multiple volumes in one pod",
    "Projected configMap: non-optional missing object or key -> Pending",
    "Projected secret: consumable in volume, defaultMode, non-root + fsGroup",
    "Projected secret: mappings, mapping + mode",
    "Projected secret: optional updates reflected",
    "Projected secret: multiple volumes in one pod",
    "Projected secret: same name in another namespace",
    "Projected secret: non-optional missing object or key -> Pending",
    "Env: configMapKeyRef",
    "Env: secretKeyRef",
    "Env: envFrom with and without prefix",
    "Env: prefixes 1-, $_-, ABC_, #@! (1.34)",
    "Subpath: configmap",
    "Subpath: configmap over an existing file",
    "Subpath: secret",
    "Subpath: projected",
    "Variable expansion: composing env vars into new env vars",
];

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/conformance")
}

/// One row of the README's "Upstream tests" table.
#[derive(Debug)]
struct Row {
    /// The ginkgo name, e.g. `[sig-storage] ConfigMap should be consumable from pods in volume`.
    upstream: String,
    /// The upstream file, e.g. `test/e2e/common/storage/configmap_volume.go`.
    upstream_file: String,
    /// The scenario, relative to `scenarios/conformance/` (`gaps/…` for a gap).
    scenario: String,
    /// `pass`, or `gap: why`.
    status: String,
}

impl Row {
    fn is_gap(&self) -> bool {
        self.status.starts_with("gap")
    }
}

fn readme() -> String {
    fs::read_to_string(conformance_dir().join("README.md")).expect("read the README")
}

/// The cells of the table rows under the heading `## {heading}` (header and separator skipped).
fn table(text: &str, heading: &str) -> Vec<Vec<String>> {
    let start = text
        .find(&format!("## {heading}\n"))
        .unwrap_or_else(|| panic!("README has no `## {heading}` section"));
    let section = &text[start..];
    let section = section[3..]
        .find("\n## ")
        .map_or(section, |end| &section[..end + 3]);
    section
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            let inner = l.trim().trim_start_matches('|').trim_end_matches('|');
            inner.split('|').map(|c| c.trim().to_string()).collect()
        })
        .collect()
}

/// `` `x` `` → `x`.
fn unquote(cell: &str) -> String {
    cell.trim_matches('`').to_string()
}

fn rows() -> Vec<Row> {
    let rows: Vec<Row> = table(&readme(), "Upstream tests")
        .into_iter()
        .map(|cells| {
            assert_eq!(cells.len(), 4, "a row needs 4 cells: {cells:?}");
            Row {
                upstream: cells[0].clone(),
                upstream_file: unquote(&cells[1]),
                scenario: unquote(&cells[2]),
                status: cells[3].clone(),
            }
        })
        .collect();
    assert!(rows.len() > 50, "the table lists {} rows", rows.len());
    rows
}

/// The file name for an upstream test: bracketed labels dropped, lowercase, runs of anything but
/// `[a-z0-9]` turned into one `-`.
fn slug(name: &str) -> String {
    let labels = Regex::new(r"\[[^\]]*\]").unwrap();
    let mut out = String::new();
    for c in labels.replace_all(name, " ").to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The `metadata.description` of a scenario file, whitespace collapsed.
fn description(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines().skip_while(|l| l.trim() != "description: >");
    lines
        .next()
        .unwrap_or_else(|| panic!("{}: no description", path.display()));
    lines
        .take_while(|l| l.starts_with("    "))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The scenario files directly in `dir`, relative to `scenarios/conformance/`.
fn yaml_files(dir: &Path, prefix: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .map(|p| format!("{prefix}{}", p.file_name().unwrap().to_string_lossy()))
        .collect()
}

#[test]
fn readme_lists_every_scenario_once_named_after_its_upstream_test() {
    let dir = conformance_dir();
    let rows = rows();
    let mut listed = BTreeSet::new();
    for row in &rows {
        assert!(
            listed.insert(row.scenario.clone()),
            "{} is listed twice",
            row.scenario
        );
        assert!(
            row.status == "pass" || row.status.starts_with("gap: "),
            "{}: status must be `pass` or `gap: why`, found {:?}",
            row.scenario,
            row.status
        );
        assert_eq!(
            row.is_gap(),
            row.scenario.starts_with("gaps/"),
            "{}: gaps live in gaps/, passing scenarios beside this README",
            row.scenario
        );
        let stem = Path::new(&row.scenario)
            .file_stem()
            .unwrap()
            .to_string_lossy();
        assert_eq!(
            stem,
            slug(&row.upstream),
            "the file is named after the upstream test {:?}",
            row.upstream
        );
    }
    let on_disk: BTreeSet<String> = yaml_files(&dir, "")
        .into_iter()
        .chain(yaml_files(&dir.join("gaps"), "gaps/"))
        .collect();
    assert_eq!(
        on_disk, listed,
        "every scenario file has exactly one row in README.md and every row names a file"
    );
}

#[test]
fn every_description_quotes_its_upstream_test_and_file() {
    let quote = Regex::new(
        r#"^Upstream: (framework\.ConformanceIt|f\.It|ginkgo\.It)\("(.+?)"\) in SIGDescribe\("([^"]+)"\)(?: / ginkgo\.Context\("([^"]+)"\))?, (test/e2e/\S+\.go) \((\[sig-[a-z-]+\])\)\. "#,
    )
    .unwrap();
    for row in rows() {
        let text = description(&conformance_dir().join(&row.scenario));
        let caps = quote.captures(&text).unwrap_or_else(|| {
            panic!(
                "{}: the description must start with `Upstream: framework.ConformanceIt(\"…\") in \
                 SIGDescribe(\"…\"), test/e2e/….go ([sig-…]). `, found {text:?}",
                row.scenario
            )
        });
        let context = caps
            .get(4)
            .map_or(String::new(), |c| format!("{} ", c.as_str()));
        let name = format!("{} {} {context}{}", &caps[6], &caps[3], &caps[2]);
        assert_eq!(name, row.upstream, "{}: quoted test", row.scenario);
        assert_eq!(&caps[5], row.upstream_file, "{}: quoted file", row.scenario);
    }
}

#[test]
fn every_manifest_belongs_to_a_scenario() {
    let dir = conformance_dir();
    let stems: BTreeSet<String> = rows()
        .iter()
        .map(|r| {
            Path::new(&r.scenario)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for manifest in yaml_files(&dir.join("manifests"), "") {
        let stem = manifest.trim_end_matches(".yaml");
        assert!(
            stems.contains(stem),
            "manifests/{manifest} is used by no scenario in README.md"
        );
    }
}

#[test]
fn every_spec_9_item_maps_to_a_scenario() {
    let dir = conformance_dir();
    let mut seen = BTreeMap::new();
    for cells in table(&readme(), "Spec §9 items") {
        assert_eq!(cells.len(), 2, "a §9 row needs 2 cells: {cells:?}");
        let files: Vec<String> = cells[1].split(", ").map(unquote).collect();
        assert!(
            files.iter().all(|f| !f.is_empty()),
            "§9 item {:?} names no scenario",
            cells[0]
        );
        for file in &files {
            assert!(
                dir.join(file).is_file(),
                "§9 item {:?}: {file} does not exist",
                cells[0]
            );
        }
        seen.insert(cells[0].clone(), files);
    }
    let expected: BTreeSet<&str> = SPEC_9.iter().copied().collect();
    let found: BTreeSet<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(
        found, expected,
        "the README's §9 table has one row per spec §9 item"
    );
}

/// `kubedrill run` with a private TMPDIR (to see leftover scratch dirs).
fn kubedrill(tmp: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubedrill");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn every_conformance_scenario_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.json");
    let report_arg = format!("json={}", report.display());
    let (code, output) = kubedrill(
        tmp.path(),
        &[
            "run",
            "scenarios/conformance",
            "--jobs",
            "2",
            "--report",
            &report_arg,
        ],
    );
    let json: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(&report).unwrap_or_else(|e| panic!("no report ({e}):\n{output}")),
    )
    .unwrap();
    let mut results = BTreeMap::new();
    for s in json["scenarios"].as_array().unwrap() {
        let file = Path::new(s["file"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let failed_steps: Vec<String> = s["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|st| st["status"] == "failed" || st["status"] == "error")
            .map(|st| format!("step {} {}: {}", st["index"], st["summary"], st["message"]))
            .collect();
        let error = s["error"].as_str().map(str::to_string);
        results.insert(file, (s["passed"] == true, failed_steps, error));
    }
    let mut failures = Vec::new();
    for row in rows().iter().filter(|r| !r.is_gap()) {
        match results.remove(&row.scenario) {
            Some((true, _, _)) => {}
            Some((false, steps, error)) => failures.push(format!(
                "{} ({}): {}{}",
                row.scenario,
                row.upstream,
                error.unwrap_or_default(),
                steps.join("; ")
            )),
            None => failures.push(format!("{}: not run", row.scenario)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} upstream tests fail under kubedrill:\n{}\n\n{output}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        results.is_empty(),
        "scenarios missing from README.md ran: {:?}",
        results.keys()
    );
    assert_eq!(code, 0, "{output}");
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("kubedrill-"))
        .collect();
    assert!(leftovers.is_empty(), "scratch dirs left: {leftovers:?}");
}

/// A gap is a fidelity bug or a missing feature: its faithful scenario must still fail (not pass,
/// not be invalid input), so that whoever fixes it is told to promote the scenario.
#[test]
fn every_gap_scenario_still_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("gaps.json");
    let report_arg = format!("json={}", report.display());
    let gaps: Vec<String> = rows()
        .into_iter()
        .filter(Row::is_gap)
        .map(|r| format!("scenarios/conformance/{}", r.scenario))
        .collect();
    assert!(!gaps.is_empty(), "the table lists no gap");
    // Most gaps fail by timing out: run them side by side.
    let jobs = gaps.len().to_string();
    let mut args = vec!["run", "--jobs", &jobs, "--report", &report_arg];
    args.extend(gaps.iter().map(String::as_str));
    let (code, output) = kubedrill(tmp.path(), &args);
    assert_eq!(code, 1, "the gap scenarios must load and fail:\n{output}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let scenarios = json["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), gaps.len(), "{output}");
    for s in scenarios {
        assert_eq!(
            s["passed"], false,
            "{} passes now: move it beside README.md, mark it `pass` in the table, and report the \
             gap closed",
            s["file"]
        );
        assert!(
            s["error"].is_null(),
            "{} did not get to run its steps: {}",
            s["file"],
            s["error"]
        );
    }
}

/// Copies `from` into `to` recursively (regular files and directories only).
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The local commands are portable to a busybox image: with upstream's images (which cannot be
/// pulled here) replaced by the local test image, every passing scenario passes on the docker
/// backend too, and no container outlives the run.
#[test]
#[ignore = "needs a Docker engine with the kubedrill/busybox:test image (bash .ci/run provides \
            both); about 30 s: cargo test --test conformance -- --ignored"]
fn conformance_scenarios_pass_on_the_docker_backend() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("conformance");
    copy_tree(&conformance_dir(), &copy);
    fs::remove_dir_all(copy.join("gaps")).unwrap();
    for manifest in fs::read_dir(copy.join("manifests")).unwrap() {
        let path = manifest.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let local = text
            .replace(
                "registry.k8s.io/e2e-test-images/agnhost:2.52",
                "kubedrill/busybox:test",
            )
            .replace(
                "registry.k8s.io/e2e-test-images/busybox:1.36.1-1",
                "kubedrill/busybox:test",
            );
        fs::write(&path, local).unwrap();
    }
    let containers = || {
        Command::new("docker")
            .args(["ps", "-a", "--filter", "label=io.kubedrill.run", "-q"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .expect("docker ps")
    };
    let before = containers();
    let copy_arg = copy.display().to_string();
    let (code, output) = kubedrill(
        tmp.path(),
        &["run", &copy_arg, "--backend", "docker", "--jobs", "4"],
    );
    assert_eq!(code, 0, "{output}");
    let passing = rows().iter().filter(|r| !r.is_gap()).count();
    assert!(
        output.contains(&format!("{passing} scenarios: {passing} passed, 0 failed")),
        "{output}"
    );
    assert_eq!(containers(), before, "no container outlives the run");
}

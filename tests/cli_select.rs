//! `kubedrill run`: picking and repeating scenarios (issue 12, "Running and selecting") and
//! the dispatcher's console grouping (issue 9 §1), through the built binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kubedrill(cwd: &Path, tmp: &Path, args: &[&str]) -> Out {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubedrill");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scenario `file` named `name` with `labels` (a YAML flow map or "") whose app runs
/// `command`, in `dir` with its manifests.
fn scenario(
    dir: &Path,
    file: &str,
    name: &str,
    labels: &str,
    command: &str,
    steps: &str,
) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    fs::write(
        dir.join("objects.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  LEVEL: INFO\n",
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n      volumeMounts:\n        - {name: cfg, mountPath: /etc/kd-select}\n  volumes:\n    - name: cfg\n      configMap: {name: cfg}\n",
    )
    .unwrap();
    let labels = if labels.is_empty() {
        String::new()
    } else {
        format!("  labels: {labels}\n")
    };
    let path = dir.join(format!("{file}.yaml"));
    fs::write(
        &path,
        format!(
            "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\n{labels}spec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, '{command}']\n  steps:\n{steps}"
        ),
    )
    .unwrap();
    path
}

const PASS: &str = "    - assert: {file: /etc/kd-select/LEVEL, equals: INFO}\n";

/// A tree: top.yaml, nested/deeper/inner.yaml, manifests/ and apps/ (not scenarios' places),
/// and a non-scenario YAML.
fn tree(root: &Path) {
    scenario(
        root,
        "top",
        "top",
        "{tier: reload, speed: fast}",
        "sleep 30",
        PASS,
    );
    scenario(
        &root.join("nested/deeper"),
        "inner",
        "inner",
        "{tier: env}",
        "sleep 30",
        PASS,
    );
    scenario(
        &root.join("manifests"),
        "hidden-m",
        "hidden-m",
        "",
        "sleep 30",
        PASS,
    );
    scenario(
        &root.join("apps"),
        "hidden-a",
        "hidden-a",
        "",
        "sleep 30",
        PASS,
    );
    fs::write(root.join("nested/values.yaml"), "kind: ConfigMap\n").unwrap();
}

fn ran(out: &Out) -> Vec<String> {
    out.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("▶ "))
        .map(|l| l.split(' ').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn run_discovers_scenarios_in_nested_folders_but_not_apps_or_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    tree(&root);
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "tree"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(ran(&r), ["top", "inner"], "{}", r.stdout);
    let v = kubedrill(tmp.path(), tmp.path(), &["validate", "tree"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    assert!(
        v.stdout.contains("nested/deeper/inner.yaml"),
        "{}",
        v.stdout
    );
}

#[test]
fn run_filter_matches_name_or_path() {
    let tmp = tempfile::tempdir().unwrap();
    tree(&tmp.path().join("tree"));
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "tree", "--filter", "^inn"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(ran(&r), ["inner"]);
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "tree", "-k", "deeper/"]);
    assert_eq!(ran(&r), ["inner"], "{}", r.stdout);
    let r = kubedrill(
        tmp.path(),
        tmp.path(),
        &["run", "tree", "--filter", "nothing-like-it"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("none of the 2 scenario(s) found matches"),
        "{}",
        r.stderr
    );
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "tree", "--filter", "("]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: invalid --filter \"(\""),
        "{}",
        r.stderr
    );
}

#[test]
fn run_label_selectors_pick_by_metadata_labels() {
    let tmp = tempfile::tempdir().unwrap();
    tree(&tmp.path().join("tree"));
    let pick = |sel: &[&str]| {
        let mut args = vec!["run", "tree"];
        for s in sel {
            args.extend(["-l", s]);
        }
        ran(&kubedrill(tmp.path(), tmp.path(), &args))
    };
    assert_eq!(pick(&["tier=reload"]), ["top"]);
    assert_eq!(pick(&["tier!=reload"]), ["inner"]);
    assert_eq!(pick(&["speed"]), ["top"]);
    assert_eq!(pick(&["tier=reload,speed=fast"]), ["top"]);
    assert_eq!(pick(&["tier=reload", "speed=slow"]), Vec::<String>::new());
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "tree", "-l", "tier=a=b"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid label selector"), "{}", r.stderr);
}

#[test]
fn run_fail_fast_starts_nothing_after_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ff");
    scenario(
        &dir,
        "a-fails",
        "a-fails",
        "",
        "sleep 30",
        "    - assert: {file: /etc/kd-select/LEVEL, equals: DEBUG}\n",
    );
    scenario(&dir, "b-passes", "b-passes", "", "sleep 30", PASS);
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "ff"]);
    assert_eq!(r.code, 1);
    assert_eq!(ran(&r), ["a-fails", "b-passes"]);
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "ff", "--fail-fast"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(ran(&r), ["a-fails"]);
    assert!(
        r.stdout
            .contains("--fail-fast: 1 scenario run(s) not started"),
        "{}",
        r.stdout
    );
}

/// `--repeat`: a scenario that passes once and fails once is reported flaky and fails the run.
#[test]
fn run_repeat_reports_flaky_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("flaky");
    let mark = tmp.path().join("ran-once");
    // First run: logs "first"; later runs: "again". The assertion wants "first".
    let command = format!(
        "if [ -e {m} ]; then echo again; else : > {m}; echo first; fi; sleep 30",
        m = mark.display()
    );
    scenario(
        &dir,
        "coin",
        "coin",
        "",
        &command,
        "    - assert: {log: app, contains: first, within: 3s}\n",
    );
    scenario(&dir, "steady", "steady", "", "sleep 30", PASS);
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "flaky", "--repeat", "3"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("▶ coin [run 1/3]"), "{}", r.stdout);
    assert!(r.stdout.contains("▶ steady [run 3/3]"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("flaky: coin (flaky/coin.yaml): passed 1 of 3 runs"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("flaky: steady"), "{}", r.stdout);
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "flaky", "--repeat", "0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// `--timeout`: the scenario fails with a message naming the limit, and its app is stopped.
#[test]
fn run_timeout_fails_the_scenario_and_stops_its_processes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("slow");
    scenario(
        &dir,
        "slow",
        "slow",
        "",
        "exec sleep 300 # kd-timeout-marker",
        "    - sleep: 20s\n    - assert: {file: /etc/kd-select/LEVEL, equals: INFO}\n",
    );
    let started = std::time::Instant::now();
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "slow", "--timeout", "1s"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    assert!(
        r.stdout
            .contains("the scenario timed out: still running after")
            && r.stdout.contains("(--timeout 1s)"),
        "{}",
        r.stdout
    );
    let leftovers: Vec<_> = fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| fs::read(e.path().join("cmdline")).ok())
        .filter(|c| String::from_utf8_lossy(c).contains("kd-timeout-marker"))
        .collect();
    assert!(leftovers.is_empty(), "the app outlived its scenario");
}

/// Issue 9 bug 2: two scenarios with the same name under `--jobs 2` printed as one (one header,
/// both runs' steps under it).
#[test]
fn run_two_scenarios_with_one_name_under_jobs_2_print_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let slow = "    - sleep: 300ms\n    - assert: {file: /etc/kd-select/LEVEL, equals: INFO}\n    - sleep: 300ms\n";
    scenario(
        &tmp.path().join("twins/a"),
        "twin",
        "twin",
        "",
        "sleep 30",
        slow,
    );
    scenario(
        &tmp.path().join("twins/b"),
        "twin",
        "twin",
        "",
        "sleep 30",
        slow,
    );
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "twins", "--jobs", "2"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("▶ twin"))
        .collect();
    assert_eq!(headers.len(), 2, "{}", r.stdout);
    // Each block: header, three steps, its result line.
    for &h in &headers {
        assert!(lines[h + 1].contains("  1 sleep"), "{}", r.stdout);
        assert!(lines[h + 2].contains("  2 assert"), "{}", r.stdout);
        assert!(lines[h + 3].contains("  3 sleep"), "{}", r.stdout);
        assert!(lines[h + 4].starts_with("✓ twin:"), "{}", r.stdout);
    }
    assert!(r.stdout.contains("2 scenarios: 2 passed"), "{}", r.stdout);
}

/// Progress lines are for terminals only: with output captured there is none.
#[test]
fn run_long_wait_prints_no_progress_when_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    scenario(
        &tmp.path().join("wait"),
        "wait",
        "wait",
        "",
        "sleep 30",
        "    - assert: {file: /etc/kd-select/LEVEL, equals: INFO, throughout: 1500ms}\n",
    );
    let r = kubedrill(tmp.path(), tmp.path(), &["run", "wait"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("waiting up to"), "{}", r.stderr);
    assert!(!r.stdout.contains("waiting up to"), "{}", r.stdout);
}

/// On a terminal (a pty from util-linux `script`), a long wait shows what it waits for, its
/// limit and the time so far.
#[test]
fn run_long_wait_shows_progress_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    scenario(
        &tmp.path().join("wait"),
        "wait",
        "wait",
        "",
        "sleep 30",
        "    - assert: {file: /etc/kd-select/LEVEL, equals: INFO, throughout: 2500ms}\n",
    );
    let out = Command::new("script")
        .args(["-qec", &format!("{BIN} run wait"), "/dev/null"])
        .current_dir(tmp.path())
        .env("TMPDIR", tmp.path())
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .output()
        .expect("run script (util-linux)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("waiting up to 2.5s for file /etc/kd-select/LEVEL (1s)"),
        "{text}"
    );
}

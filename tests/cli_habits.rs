//! Issue 12's plain CLI habits through the built binary: a closed pipe ends quietly, signals
//! give 130/143, shell completions and a man page, colour by flag and environment, `-q`/`-v`,
//! `--report json=-`/`junit=-` on stdout, `run --kube-version`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{Out, command, kubedrill_at, lines_of, output, signal, wait_line};

/// A scenario whose app prints a line and whose one step asserts a projected file: passes in
/// well under a second. `env` is the app's env list (YAML flow mappings).
fn write_scenario(dir: &Path, env: &str) -> PathBuf {
    fs::write(
        dir.join("objects.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  LEVEL: INFO\n",
    )
    .unwrap();
    fs::write(
        dir.join("pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: x\n      env: [{env}]\n      volumeMounts:\n        - {{name: cfg, mountPath: /etc/kd-habits}}\n  volumes:\n    - name: cfg\n      configMap: {{name: cfg}}\n"
        ),
    )
    .unwrap();
    let file = dir.join("habits.yaml");
    fs::write(
        &file,
        "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: habits\nspec:\n  objects:\n    - file: objects.yaml\n  workload:\n    file: pod.yaml\n    run:\n      app:\n        command: [sh, -c, 'echo started; exec sleep 30']\n  steps:\n    - assert: {file: /etc/kd-habits/LEVEL, equals: INFO}\n",
    )
    .unwrap();
    file
}

/// `kubedrill ARGS` in `dir` with `envs` set on top of `NO_COLOR` removed.
fn kubedrill_env(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Out {
    let mut cmd = command();
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color")
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", dir);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    output(&mut cmd)
}

const GREEN: &str = "\x1b[32m";

/// Flags, environment, and whether the console output is coloured.
type ColourCase<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], bool);

/// Runs ARGS with stdout a pipe whose reading end is closed before kubedrill starts, as
/// `kubedrill … | head` is once `head` has read enough: every write to stdout fails with EPIPE.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = command()
        .args(args)
        .current_dir(common::root())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn closed_stdout_ends_quietly_with_141_not_a_panic() {
    let lint_fixture = "tests/fixtures/lint/kd001-credentials.yaml";
    assert!(
        common::root().join(lint_fixture).exists(),
        "fixture moved: {lint_fixture}"
    );
    for args in [
        &["schema"][..],
        &["man"],
        &["completion", "bash"],
        &["lint", lint_fixture],
        &["validate", "scenarios"],
    ] {
        let (code, stderr) = with_closed_stdout(args);
        assert_eq!(code, Some(141), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?} says nothing: {stderr}");
    }
}

#[test]
fn completion_scripts_for_every_shell_and_bash_parses_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = kubedrill_at(tmp.path(), tmp.path(), &["completion", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("kubedrill"), "{shell}");
        assert!(
            out.stdout.contains("validate") && out.stdout.contains("kube-version"),
            "{shell}: the subcommands and their flags are completed"
        );
    }
    let script = tmp.path().join("kubedrill.bash");
    let out = kubedrill_at(tmp.path(), tmp.path(), &["completion", "bash"]);
    fs::write(&script, out.stdout).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = kubedrill_at(tmp.path(), tmp.path(), &["completion", "tcsh"]);
    assert_eq!(out.code, 2, "an unknown shell is a usage error");
}

#[test]
fn man_page_is_roff_and_names_every_subcommand() {
    let tmp = tempfile::tempdir().unwrap();
    let out = kubedrill_at(tmp.path(), tmp.path(), &["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with(".ie") || out.stdout.contains(".TH kubedrill"));
    for sub in [
        "project",
        "dev",
        "run",
        "validate",
        "schema",
        "lint",
        "completion",
        "man",
    ] {
        assert!(
            out.stdout.contains(&format!("kubedrill\\-{sub}")),
            "{sub} missing from the man page"
        );
    }
    assert!(
        !out.stdout.contains("ns\\-exec"),
        "hidden commands stay hidden"
    );
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(tmp.path(), "");
    let f = f.to_str().unwrap();
    let cases: [ColourCase; 7] = [
        // Not a terminal: no colour by default.
        (&[], &[], false),
        (&["--color", "always"], &[], true),
        (&["--color", "never"], &[("CLICOLOR_FORCE", "1")], false),
        (&[], &[("CLICOLOR_FORCE", "1")], true),
        (&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], false),
        (&["--color", "always"], &[("NO_COLOR", "1")], true),
        (
            &[],
            &[("CLICOLOR_FORCE", "1"), ("CLICOLOR", "0"), ("TERM", "dumb")],
            true,
        ),
    ];
    for (flags, envs, coloured) in cases {
        let mut args = vec!["run", f];
        args.extend_from_slice(flags);
        let out = kubedrill_env(tmp.path(), &args, envs);
        assert_eq!(
            out.code, 0,
            "{flags:?} {envs:?}: {}{}",
            out.stdout, out.stderr
        );
        assert_eq!(
            out.stdout.contains(GREEN),
            coloured,
            "{flags:?} {envs:?}: {:?}",
            out.stdout
        );
        assert!(
            out.stdout.contains("1 scenario: 1 passed"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn report_json_dash_is_the_only_thing_on_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(tmp.path(), "");
    let f = f.to_str().unwrap();
    let out = kubedrill_at(tmp.path(), tmp.path(), &["run", f, "--report", "json=-"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON: {e}: {}", out.stdout));
    assert_eq!(json["scenarios"][0]["name"], "habits", "{json}");
    assert!(
        out.stderr.contains("1 scenario: 1 passed"),
        "the console moved to stderr: {}",
        out.stderr
    );

    let out = kubedrill_at(tmp.path(), tmp.path(), &["run", f, "--report", "junit=-"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("<?xml"), "{}", out.stdout);
    assert!(
        out.stdout.trim_end().ends_with("</testsuites>"),
        "{}",
        out.stdout
    );

    let out = kubedrill_at(
        tmp.path(),
        tmp.path(),
        &["run", f, "--report", "json=-", "--report", "junit=-"],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("only one --report"), "{}", out.stderr);
}

#[test]
fn quiet_prints_the_summary_only_and_verbose_logs_to_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_scenario(tmp.path(), "");
    let f = f.to_str().unwrap();
    let loud = kubedrill_at(tmp.path(), tmp.path(), &["run", f]);
    assert!(loud.stdout.contains("▶ habits"), "{}", loud.stdout);
    assert!(!loud.stderr.contains("DEBUG"), "{}", loud.stderr);

    let quiet = kubedrill_at(tmp.path(), tmp.path(), &["run", "-q", f]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(!quiet.stdout.contains("▶ habits"), "{}", quiet.stdout);
    assert!(
        quiet.stdout.contains("1 scenario: 1 passed"),
        "{}",
        quiet.stdout
    );

    let verbose = kubedrill_at(tmp.path(), tmp.path(), &["-v", "run", f]);
    assert_eq!(verbose.code, 0, "{}", verbose.stderr);
    assert!(
        verbose.stderr.contains("DEBUG") && verbose.stderr.contains("scenarios loaded"),
        "{}",
        verbose.stderr
    );
    assert!(
        !verbose.stdout.contains("DEBUG"),
        "logs never go to stdout: {}",
        verbose.stdout
    );
    let both = kubedrill_at(tmp.path(), tmp.path(), &["run", "-q", "-v", f]);
    assert_eq!(both.code, 2, "-q and -v conflict");
}

#[test]
fn run_kube_version_applies_that_versions_rules() {
    let tmp = tempfile::tempdir().unwrap();
    // `1X` is a valid env name from 1.32 on (relaxed validation), invalid before.
    let f = write_scenario(tmp.path(), "{name: 1X, value: x}");
    let f = f.to_str().unwrap();
    let out = kubedrill_at(tmp.path(), tmp.path(), &["run", f]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let out = kubedrill_at(
        tmp.path(),
        tmp.path(),
        &["run", f, "--kube-version", "1.31"],
    );
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("pod.yaml:")
            && out.stderr.contains("a valid environment variable name"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--kube-version 1.31"), "{}", out.stderr);
    let out = kubedrill_at(tmp.path(), tmp.path(), &["run", f, "--kube-version", "2.0"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn dev_exits_130_on_sigint_and_143_on_sigterm() {
    for (sig, code) in [
        (rustix::process::Signal::INT, 130),
        (rustix::process::Signal::TERM, 143),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        write_scenario(tmp.path(), "");
        let mut child = command()
            .args([
                "dev",
                "-f",
                "objects.yaml",
                "--workload",
                "pod.yaml",
                "--out",
                "out",
            ])
            .current_dir(tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let rx = lines_of(&mut child);
        let mut seen = Vec::new();
        assert!(wait_line(&rx, "watching", &mut seen), "{seen:?}");
        signal(&child, sig);
        assert!(
            common::wait_until(Duration::from_secs(10), || child
                .try_wait()
                .unwrap()
                .is_some()),
            "dev stops"
        );
        assert_eq!(
            child.wait().unwrap().code(),
            Some(code),
            "{sig:?}: {seen:?}"
        );
    }
}

//! `-f` like kubectl (issue 11 §3) through the real binary: directories (non-recursive, `-R`
//! recursive, only *.yaml/*.yml/*.json), `-` for standard input, and their errors.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kubedrill(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubedrill");
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn seed(name: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/seed")
            .join(name),
    )
    .unwrap()
}

/// A real-looking `deploy/` folder: objects at the top (one `.yml`), the workload one level
/// down, and files kubectl does not read (a README that is not even YAML).
fn deploy_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let deploy = tmp.path().join("deploy");
    fs::create_dir_all(deploy.join("app")).unwrap();
    fs::write(deploy.join("10-configmap.yaml"), seed("configmap.yaml")).unwrap();
    fs::write(deploy.join("20-secret.yml"), seed("secret.yaml")).unwrap();
    fs::write(deploy.join("README.md"), "not: [yaml\n").unwrap();
    fs::write(deploy.join("notes.txt"), "kind: Nonsense\n").unwrap();
    fs::write(deploy.join("app/deployment.yaml"), seed("deployment.yaml")).unwrap();
    (tmp, deploy)
}

#[test]
fn project_f_directory_without_r_skips_subdirectories() {
    let (tmp, deploy) = deploy_dir();
    let out = tmp.path().join("out");
    let r = kubedrill(
        &[
            "project",
            "-f",
            deploy.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    // The objects load (README.md and notes.txt are not read), the workload in app/ is not.
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.to_lowercase().contains("workload"), "{}", r.stderr);
    assert!(!r.stderr.contains("README"), "{}", r.stderr);
}

#[test]
fn project_f_directory_with_r_reads_nested_manifests() {
    let (tmp, deploy) = deploy_dir();
    let out = tmp.path().join("out");
    let r = kubedrill(
        &[
            "project",
            "-R",
            "-f",
            deploy.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let conf = fs::read_to_string(out.join("etc/config/app.conf")).unwrap();
    assert!(conf.contains("host=db-svc"), "{conf}");
    let env = fs::read_to_string(out.join("app.env")).unwrap();
    assert!(env.contains("DATABASE_PASSWORD=SecureP@ssw0rd\n"), "{env}");
    assert!(!r.stdout.contains("SecureP@ssw0rd"));
}

#[test]
fn project_f_dash_reads_standard_input() {
    let (tmp, deploy) = deploy_dir();
    let out = tmp.path().join("out");
    let objects = format!("{}\n---\n{}", seed("configmap.yaml"), seed("secret.yaml"));
    let r = kubedrill(
        &[
            "project",
            "-f",
            "-",
            "--workload",
            deploy.join("app/deployment.yaml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        Some(&objects),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        fs::read_to_string(out.join("etc/config/app.conf"))
            .unwrap()
            .contains("host=db-svc")
    );
}

#[test]
fn project_f_dash_errors_name_stdin_with_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let r = kubedrill(
        &[
            "project",
            "-f",
            "-",
            "--out",
            tmp.path().join("out").to_str().unwrap(),
        ],
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  bad key: x\n"),
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("<stdin>:6:"), "{}", r.stderr);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn project_f_dash_twice_and_empty_directories_exit_2_with_a_hint() {
    let (tmp, deploy) = deploy_dir();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let r = kubedrill(&["project", "-f", "-", "-f", "-", "--out", out], Some(""));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("more than once"), "{}", r.stderr);
    let empty = tmp.path().join("empty");
    fs::create_dir_all(empty.join("sub")).unwrap();
    fs::write(empty.join("sub/x.yaml"), "").unwrap();
    let r = kubedrill(
        &["project", "-f", empty.to_str().unwrap(), "--out", out],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("-R/--recursive"), "{}", r.stderr);
    let r = kubedrill(
        &[
            "project",
            "-f",
            deploy.join("nope").to_str().unwrap(),
            "--out",
            out,
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("nope: cannot read the file: no such file or directory"),
        "{}",
        r.stderr
    );
}

#[test]
fn lint_reads_directories_recursively_and_standard_input() {
    let (_tmp, deploy) = deploy_dir();
    let r = kubedrill(&["lint", "-R", deploy.to_str().unwrap()], None);
    assert_ne!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("finding(s)"), "{}", r.stdout);
    // The same objects from standard input: the same findings, located in <stdin>.
    let all = format!(
        "{}\n---\n{}\n---\n{}",
        seed("configmap.yaml"),
        seed("secret.yaml"),
        seed("deployment.yaml")
    );
    let stdin = kubedrill(&["lint", "-"], Some(&all));
    assert_ne!(stdin.code, 2, "{}{}", stdin.stdout, stdin.stderr);
    let count = |s: &str| s.lines().last().unwrap_or_default().to_string();
    assert_eq!(count(&stdin.stdout), count(&r.stdout));
    // The seed has findings (KD001, KD003, KD007): each is located in <stdin>.
    assert!(stdin.stdout.contains("<stdin>:"), "{}", stdin.stdout);
}

#[test]
fn dev_refuses_standard_input() {
    let tmp = tempfile::tempdir().unwrap();
    let r = kubedrill(
        &[
            "dev",
            "-f",
            "-",
            "--out",
            tmp.path().join("out").to_str().unwrap(),
        ],
        Some(""),
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("dev watches the manifest files"),
        "{}",
        r.stderr
    );
}

/// `dev -f DIR`: the directory's manifests are projected and then watched; an edit to one of
/// them projects again.
#[test]
fn dev_f_directory_projects_and_follows_edits() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    let (tmp, deploy) = deploy_dir();
    let out = tmp.path().join("out");
    let mut child = Command::new(BIN)
        .args(["dev", "-R", "-f", deploy.to_str().unwrap(), "--out"])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && !seen.iter().any(|l: &String| l.contains("watching")) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
            seen.push(line);
        }
    }
    assert!(seen.iter().any(|l| l.contains("watching")), "{seen:?}");
    let conf = out.join("etc/config/app.conf");
    assert!(fs::read_to_string(&conf).unwrap().contains("host=db-svc"));
    let edited = seed("configmap.yaml").replace("host=db-svc", "host=db-edited");
    assert_ne!(edited, seed("configmap.yaml"), "the seed names db-svc");
    fs::write(deploy.join("10-configmap.yaml"), edited).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline
        && !fs::read_to_string(&conf).is_ok_and(|c| c.contains("host=db-edited"))
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let projected = fs::read_to_string(&conf).unwrap();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert!(projected.contains("host=db-edited"), "{projected}");
    assert_eq!(status.code(), Some(130), "dev exits 130 on SIGINT");
}

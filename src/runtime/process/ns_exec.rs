//! The `kubedrill __ns-exec SPEC` child: enters the namespaces, mounts the volumes and execs
//! the container command in place. Runs single-threaded, right after `execve`.
//!
//! Start failures are reported to the runtime as one JSON [`ChildError`] on the status pipe
//! (the child's stdin, duplicated close-on-exec), so a successful exec reads as end of file.
//! Exit codes: 125 setup or mount failure, 126 command not executable, 127 command not found,
//! 2 unreadable spec.
//!
//! It owns the order of the child's work (namespaces, mounts, signal reset, exec). It must not
//! decide what is mounted where (the spec it reads says so, made by the runtime from kubelet's
//! result) nor how a mountPath is made to exist (`scaffold`); its `unsafe` (the `unshare` and a
//! raw `rt_sigaction`) is allowed here only, each block with its SAFETY comment.

use std::fs;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use rustix::thread::UnshareFlags;

use super::child_error::{ChildError, ChildErrorKind, os_message, quoted};
use super::probe::{flag_names, unshare_attempts};
use super::scaffold::{self, Workspace};
use super::spec::{ExecPlan, PlanIsolation, mount_order};
use super::watchdog;

/// Entry point of the hidden `kubedrill __ns-exec SPEC` subcommand: sets up the mount namespace
/// described by the spec file, then execs the container command. Returns only on failure.
pub fn ns_exec_main(spec: &Path) -> ExitCode {
    let plan: ExecPlan = match fs::read(spec)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("kubedrill __ns-exec: reading {}: {e}", spec.display());
            return ExitCode::from(2);
        }
    };
    // Die with kubedrill (set again right before exec: a user namespace clears it).
    if let Some(parent) = plan.parent_pid
        && watchdog::die_with_parent(parent).is_err()
    {
        return ExitCode::from(125);
    }
    // Keep the status pipe on a close-on-exec descriptor: a successful exec closes it.
    let status = if plan.status_on_stdin {
        rustix::io::fcntl_dupfd_cloexec(io::stdin().as_fd(), 3).ok()
    } else {
        None
    };
    let Err(err) = run(&plan);
    report(status, &err);
    ExitCode::from(err.exit_code)
}

fn report(status: Option<OwnedFd>, err: &ChildError) {
    if let Some(fd) = status {
        let mut pipe = fs::File::from(fd);
        if let Ok(json) = serde_json::to_vec(err)
            && pipe.write_all(&json).is_ok()
        {
            return;
        }
    }
    eprintln!("kubedrill __ns-exec: {}", err.message);
}

/// Sets everything up and execs; returns only the reason it could not.
fn run(plan: &ExecPlan) -> Result<std::convert::Infallible, ChildError> {
    let c = &plan.container;
    if plan.isolation == PlanIsolation::MountNamespace {
        set_up_mounts(plan)?;
    }
    if let Some(dir) = &c.working_dir {
        std::env::set_current_dir(dir).map_err(|e| {
            ChildError::setup(format!(
                "chdir to cwd ({:?}) set in config.json failed: {}",
                dir.display().to_string(),
                os_message(&e)
            ))
        })?;
    }
    let name = c.command.first().map(String::as_str).unwrap_or_default();
    let path_var = c
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let program = look_path(name, path_var)?;
    if let Some(parent) = plan.parent_pid {
        watchdog::die_with_parent(parent)
            .map_err(|e| ChildError::setup(format!("tying the container to kubedrill: {e}")))?;
    }
    reset_signal_dispositions();
    let err = Command::new(&program)
        .arg0(name)
        .args(c.command.iter().skip(1))
        .env_clear()
        .envs(c.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .exec();
    Err(exec_error(name, &err))
}

/// Sets every signal to its default action. An ignored signal survives `execve`: without this
/// the app would inherit whatever kubedrill's parent ignored (`nohup` ignores `SIGHUP`, so a
/// reload-on-HUP app would never see it), including glibc's internal signals 32 and 33, which
/// glibc's `sigaction` refuses to touch — hence the raw system call. (std's exec resets only
/// `SIGPIPE` and the signal mask.)
fn reset_signal_dispositions() {
    // The kernel's `struct sigaction` with a null handler (SIG_DFL), no flags, an empty mask.
    let default_action = [0u64; 4];
    let sigset_size = std::mem::size_of::<u64>();
    for sig in 1..=64 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: this process is single-threaded and about to exec; installing SIG_DFL sets no
        // handler, and the kernel only reads `default_action` (32 bytes cover its layout on
        // every 64-bit architecture), writing nothing back (no old-action pointer).
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                default_action.as_ptr(),
                std::ptr::null_mut::<u64>(),
                sigset_size,
            );
        }
    }
}

/// `exec: "NAME": REASON` as runc words it.
fn exec_error(name: &str, err: &io::Error) -> ChildError {
    let code = match err.kind() {
        io::ErrorKind::NotFound => 127,
        _ => 126,
    };
    ChildError::exec(format!("exec: {name:?}: {}", os_message(err)), code)
}

/// Go's `exec.LookPath`, which runc uses: a name with a `/` is used as is (after a stat), any
/// other is searched in the container's `PATH`.
pub(crate) fn look_path(name: &str, path_var: &str) -> Result<PathBuf, ChildError> {
    if name.contains('/') {
        return match fs::metadata(name) {
            Ok(md) if is_executable(&md) => Ok(PathBuf::from(name)),
            Ok(_) => Err(ChildError::exec(
                format!("exec: {name:?}: permission denied"),
                126,
            )),
            Err(e) => Err(ChildError::exec(
                format!("exec: {name:?}: stat {name}: {}", os_message(&e)),
                127,
            )),
        };
    }
    for dir in path_var.split(':') {
        // An empty PATH element means the current directory.
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = Path::new(dir).join(name);
        if fs::metadata(&candidate).is_ok_and(|md| is_executable(&md)) {
            return Ok(candidate);
        }
    }
    Err(ChildError::exec(
        format!("exec: {name:?}: executable file not found in $PATH"),
        127,
    ))
}

fn is_executable(md: &fs::Metadata) -> bool {
    !md.is_dir() && md.permissions().mode() & 0o111 != 0
}

/// Enters the namespaces and mounts every volume at its mountPath.
fn set_up_mounts(plan: &ExecPlan) -> Result<(), ChildError> {
    let c = &plan.container;
    enter_namespaces()?;
    rustix::mount::mount_change(
        "/",
        rustix::mount::MountPropagationFlags::PRIVATE | rustix::mount::MountPropagationFlags::REC,
    )
    .map_err(|e| ChildError {
        // The namespace exists but grants no mount rights (e.g. AppArmor's
        // restrict_unprivileged_userns).
        kind: ChildErrorKind::Namespaces,
        message: format!(
            "making / private in the new namespace: {}",
            os_message(&e.into())
        ),
        mount_path: None,
        exit_code: 125,
    })?;
    // Pin the sources before anything is mounted over their paths. (Only now: a bind source
    // must be a mount of this namespace.)
    let mut sources = Vec::with_capacity(c.mounts.len());
    for m in mount_order(&c.mounts) {
        let fd = rustix::fs::open(
            &m.host_path,
            rustix::fs::OFlags::PATH | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|e| {
            ChildError::mount(
                &m.container_path,
                format!(
                    "error mounting {} to rootfs at {}: stat {}: {}",
                    quoted(&m.host_path),
                    quoted(&m.container_path),
                    m.host_path.display(),
                    os_message(&e.into())
                ),
            )
        })?;
        sources.push((m, fd));
    }
    let mut ws = Workspace::mount(&c.scratch.join("ns"))?;
    for (m, fd) in &sources {
        scaffold::mount_volume(&mut ws, m, fd.as_fd())?;
    }
    ws.hide();
    Ok(())
}

/// `unshare` the mount namespace (with a user namespace when needed) and map our ids.
fn enter_namespaces() -> Result<(), ChildError> {
    let uid = rustix::process::getuid();
    let gid = rustix::process::getgid();
    let attempts = unshare_attempts();
    let mut last = None;
    for flags in &attempts {
        // SAFETY: this process is single-threaded (just exec'd) and does not unshare FILES.
        match unsafe { rustix::thread::unshare_unsafe(*flags) } {
            Ok(()) => {
                if flags.contains(UnshareFlags::NEWUSER) {
                    map_ids(uid.as_raw(), gid.as_raw())?;
                }
                return Ok(());
            }
            Err(e) => last = Some((*flags, e)),
        }
    }
    let (flags, e) = last.unzip();
    Err(ChildError {
        kind: ChildErrorKind::Namespaces,
        message: format!(
            "unshare({}): {}",
            flag_names(flags),
            e.map(|e| os_message(&e.into())).unwrap_or_default()
        ),
        mount_path: None,
        exit_code: 125,
    })
}

/// Maps our uid and gid to themselves, so the app runs as the same user it was started as
/// (without capabilities after exec).
fn map_ids(uid: u32, gid: u32) -> Result<(), ChildError> {
    let write = |file: &str, content: String| {
        fs::write(Path::new("/proc/self").join(file), content).map_err(|e| ChildError {
            kind: ChildErrorKind::Namespaces,
            message: format!("writing /proc/self/{file}: {}", os_message(&e)),
            mount_path: None,
            exit_code: 125,
        })
    };
    write("setgroups", "deny".into())?;
    write("uid_map", format!("{uid} {uid} 1\n"))?;
    write("gid_map", format!("{gid} {gid} 1\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_in_path_uses_containerd_wording() {
        let err = look_path("kubedrill-no-such-command", "/usr/bin:/bin");
        assert_eq!(
            err.map_err(|e| (e.message, e.exit_code)),
            Err((
                "exec: \"kubedrill-no-such-command\": executable file not found in $PATH"
                    .to_string(),
                127
            ))
        );
    }

    #[test]
    fn names_with_a_slash_are_not_searched() {
        let err = look_path("/nonexistent/app", "/usr/bin");
        assert_eq!(
            err.map_err(|e| e.message),
            Err(
                "exec: \"/nonexistent/app\": stat /nonexistent/app: no such file or directory"
                    .to_string()
            )
        );
        assert_eq!(
            look_path("sh", "/nonexistent:/bin:/usr/bin").ok(),
            Some(PathBuf::from("/bin/sh"))
        );
    }

    #[test]
    fn os_messages_read_like_go() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(os_message(&e), "no such file or directory");
    }
}

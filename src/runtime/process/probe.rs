//! Whether this machine lets us create mount namespaces, probed once per process.
//!
//! The probe forks a short-lived child that tries exactly what `__ns-exec` will (`unshare`, then
//! making `/` private), so the answer holds for real containers. It owns that answer and the
//! list of `unshare` flag sets to try; it must not decide what the runtime does without
//! namespaces (the path mapping in `path_mapping` does). Its one `unsafe` block (the `pre_exec`
//! hook) has its SAFETY comment.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use rustix::mount::MountPropagationFlags;
use rustix::thread::UnshareFlags;

/// How containers get their mounts on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// Each container runs in its own mount namespace; mountPaths are real paths.
    MountNamespace {
        /// Whether a user namespace is needed too (not root, or root without
        /// `CAP_SYS_ADMIN`): files of unmapped owners then appear owned by `nobody`.
        user_namespace: bool,
    },
    /// No namespaces: mounts are laid out under `$KUBEDRILL_ROOT` (see the module docs).
    PathMapping {
        /// Why namespaces are not used.
        reason: String,
    },
}

impl std::fmt::Display for Isolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Isolation::MountNamespace {
                user_namespace: false,
            } => f.write_str("own mount namespace"),
            Isolation::MountNamespace {
                user_namespace: true,
            } => f.write_str("own mount namespace (in a user namespace)"),
            Isolation::PathMapping { reason } => write!(
                f,
                "no mount namespaces ({reason}): mountPaths are mapped under ${}",
                super::KUBEDRILL_ROOT
            ),
        }
    }
}

impl Isolation {
    /// Whether mountPaths are real paths for the container.
    pub fn is_namespaced(&self) -> bool {
        matches!(self, Isolation::MountNamespace { .. })
    }
}

/// Whether containers can get their own mount namespace here (probed once: a forked child
/// tries `unshare`, exactly as `__ns-exec` will). [`super::ProcessRuntime::isolation`]
/// says which kind.
pub fn namespaces_available() -> bool {
    probe_isolation().is_namespaced()
}

/// The isolation this process can give containers, probed once and cached.
pub(crate) fn probe_isolation() -> Isolation {
    static PROBED: OnceLock<Isolation> = OnceLock::new();
    PROBED.get_or_init(probe).clone()
}

/// The namespaces `__ns-exec` tries, in order: a plain mount namespace when running as root,
/// then a user namespace with it.
pub(crate) fn unshare_attempts() -> Vec<UnshareFlags> {
    let userns = UnshareFlags::NEWUSER | UnshareFlags::NEWNS;
    if rustix::process::geteuid().is_root() {
        vec![UnshareFlags::NEWNS, userns]
    } else {
        vec![userns]
    }
}

/// Errors the probe child reports for "this attempt worked" (it never execs anything).
const PROBE_OK_BASE: i32 = 10_000;

fn probe() -> Isolation {
    let attempts = unshare_attempts();
    let tried = attempts.clone();
    // The program is never executed: the hook always fails, reporting which attempt worked
    // (as `PROBE_OK_BASE + index`) or the errno of the last attempt.
    let mut cmd = Command::new("/");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: the hook runs in the forked child before exec and only makes `unshare` and
    // `mount` system calls (async-signal-safe; the path is converted on the stack). Unsharing NEWNS/NEWUSER — never FILES — affects
    // only that short-lived child, which exits right after.
    unsafe {
        cmd.pre_exec(move || {
            let mut last = io::Error::from_raw_os_error(rustix::io::Errno::NOSYS.raw_os_error());
            for (i, flags) in attempts.iter().enumerate() {
                // Creating the namespace is not enough: some kernels (Ubuntu's AppArmor
                // `restrict_unprivileged_userns`) allow it but deny mounting inside.
                let result = rustix::thread::unshare_unsafe(*flags).and_then(|()| {
                    rustix::mount::mount_change(
                        "/",
                        MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
                    )
                });
                match result {
                    Ok(()) => return Err(io::Error::from_raw_os_error(PROBE_OK_BASE + i as i32)),
                    Err(e) => last = io::Error::from_raw_os_error(e.raw_os_error()),
                }
            }
            Err(last)
        });
    }
    match cmd.spawn() {
        Err(e) => match e.raw_os_error() {
            Some(code) if code >= PROBE_OK_BASE => {
                let user_namespace = tried
                    .get((code - PROBE_OK_BASE) as usize)
                    .is_some_and(|f| f.contains(UnshareFlags::NEWUSER));
                Isolation::MountNamespace { user_namespace }
            }
            _ => Isolation::PathMapping {
                reason: format!(
                    "unshare({}) and a mount in it: {}",
                    flag_names(tried.last().copied()),
                    super::child_error::os_message(&e)
                ),
            },
        },
        Ok(mut child) => {
            // Cannot happen ("/" is not executable); do not leave a zombie behind.
            let _ = child.kill();
            let _ = child.wait();
            Isolation::PathMapping {
                reason: "namespace probe did not run".into(),
            }
        }
    }
}

/// `CLONE_NEWUSER|CLONE_NEWNS` style names for messages.
pub(crate) fn flag_names(flags: Option<UnshareFlags>) -> String {
    let Some(flags) = flags else {
        return "none".into();
    };
    let mut names = Vec::new();
    if flags.contains(UnshareFlags::NEWUSER) {
        names.push("CLONE_NEWUSER");
    }
    if flags.contains(UnshareFlags::NEWNS) {
        names.push("CLONE_NEWNS");
    }
    names.join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_is_stable_and_leaves_this_process_alone() {
        let before = std::fs::read_link("/proc/self/ns/mnt").ok();
        assert_eq!(probe_isolation(), probe_isolation());
        assert_eq!(std::fs::read_link("/proc/self/ns/mnt").ok(), before);
    }
}

//! The local process runtime: a container as a real process on this machine that sees its
//! volumes at their real `mountPath`s.
//!
//! [`ProcessRuntime::start`] writes the container's [`ContainerSpec`] as JSON into the
//! container's scratch directory and spawns `kubedrill __ns-exec SPEC` (re-exec rather than a
//! `pre_exec` hook, so mount setup runs as ordinary single-threaded Rust). That child
//! ([`ns_exec_main`]) enters a private mount namespace (plus a user namespace when not root),
//! makes every `mountPath` exist **without touching the host filesystem** and bind-mounts the
//! volume (or the subPath-pinned file) onto it, then `execve`s the container command in place —
//! so the pid the runtime reports is the application's pid. The mounts vanish with the
//! namespace when its last process exits; the host's mount table never changes.
//!
//! # Making a `mountPath` exist without touching the host
//! When `/etc/app/config` does not exist, the deepest existing ancestor (`/etc`) is replaced,
//! inside the namespace only, by a *mirror*: a directory on a private tmpfs holding one entry
//! per entry of `/etc` (directories and files are recursive bind mounts of the originals,
//! symlinks are copied), plus the missing `app/config`. The mirror is bind-mounted over `/etc`,
//! then the volume over `/etc/app/config`. When the ancestor is `/` itself the mirror becomes
//! the root (move-mount onto `/` and `chroot`), so `/proc`, `/dev`, `/sys`, `/tmp` and every
//! other submount keep working. An overlayfs with the ancestor as lower layer would do the same
//! as root, but the kernel refuses a lower layer with submounts inside a user namespace
//! ("failed to clone lowerpath"), which rules it out for `/` and for `/etc` in most containers;
//! the mirror works the same way for root and unprivileged users. Limitation: entries created
//! on the host in a mirrored directory *after* the container started are not visible in it
//! (changes inside existing entries are).
//!
//! # Without namespaces: `KUBEDRILL_ROOT`
//! Where unprivileged user namespaces are disabled (or seccomp forbids `unshare`),
//! [`namespaces_available`] is false and the runtime falls back to a path mapping
//! ([`Isolation::PathMapping`]): each mount is laid out under `<scratch>/root/<mountPath>`
//! (a symlink to the volume directory, so `..data` swaps stay visible; a hard link — or a
//! copy across filesystems — for a file, pinning it like a subPath bind) and the container
//! gets `KUBEDRILL_ROOT=<scratch>/root` in its environment. An app reads
//! `${KUBEDRILL_ROOT:-}/etc/app/config` to run under both.
//!
//! # Observing the container
//! [`RunningProcess`] captures stdout and stderr line by line with timestamps into a
//! [`LogBuffer`], reads the exec'd process's environment from `/proc/PID/environ`
//! ([`env_of_process`]) and files as the container sees them through `/proc/PID/root`
//! ([`read_file_in`]; the magic link enters the process's mount namespace, so its bind mounts
//! are visible). Signals go to the container's process group; when the main process exits the
//! rest of the group is killed (as a container's pid namespace would be), and dropping a
//! [`RunningProcess`] kills the group, so no process outlives the runtime. Even a `kill -9`
//! of kubedrill takes the groups with it: the main process has a parent-death signal and a
//! watchdog process kills the rest (see `watchdog.rs`).
//!
//! # Limitations
//! - A mirror lists its directory once: entries the host adds to `/etc` later are not seen
//!   inside, and an entry the host replaces by `rename` shows up empty (the kernel detaches
//!   the bind in our namespace; the host is never blocked).
//! - A mountPath nested in another volume whose directory lacks it mirrors that volume, so the
//!   outer volume's `..data` swaps are no longer seen inside (kubelet would create the
//!   directory in the volume on the host).
//! - The container is a process group, not a cgroup or pid namespace: a process that calls
//!   `setsid`/`setpgid` escapes [`RunningProcess::kill`].
//! - Without a user namespace mapping for them, files of other owners appear owned by
//!   `nobody` to an unprivileged container.
//!
//! This module must not decide *what* is mounted or which env a container gets: that is
//! kubelet's job ([`crate::kubelet`]); it receives the resolved result.

mod child_error;
mod errors;
mod logs;
// The three modules with `unsafe` (the crate denies it elsewhere); each block has its SAFETY
// comment. ns_exec: `unshare` and a raw `rt_sigaction` in the single-threaded child.
#[allow(unsafe_code)]
mod ns_exec;
mod observe;
mod path_mapping;
// probe: a `pre_exec` hook that unshares in the forked probe child.
#[allow(unsafe_code)]
mod probe;
mod running;
// runtime: a `pre_exec` hook that sets the parent-death signal.
#[allow(unsafe_code)]
mod runtime;
mod scaffold;
mod spec;
mod watchdog;

pub use errors::RuntimeError;
pub use logs::{LogBuffer, LogLine, LogStream};
pub use ns_exec::ns_exec_main;
pub use observe::{env_of_process, read_file_in};
pub use path_mapping::{KUBEDRILL_ROOT, lay_out_path_mapping};
pub use probe::{Isolation, namespaces_available};
pub use running::{DEFAULT_KILL_GRACE, ExitReason, RunningProcess};
pub use runtime::ProcessRuntime;
pub use spec::{ContainerSpec, HOST_ENV_DEFAULTS, MountSpec, container_env};
pub use watchdog::watchdog_main;
pub(crate) use watchdog::{unwatch_dir, watch_dir};

//! What the runtime is asked to run ([`ContainerSpec`]) and the plan handed to the
//! `__ns-exec` child. Pure data: validation and env completion do no IO.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::errors::RuntimeError;

/// One container to run as a local process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSpec {
    /// The container's name (used in errors).
    pub name: String,
    /// The argv to exec; `command[0]` is looked up in the container env's `PATH` when it has no
    /// `/`, as containerd does. Must not be empty.
    pub command: Vec<String>,
    /// The resolved container env. The runtime adds [`HOST_ENV_DEFAULTS`] from the host only
    /// when this does not set them (see [`container_env`]).
    pub env: Vec<(String, String)>,
    /// The working directory inside the container; must exist there.
    pub working_dir: Option<PathBuf>,
    /// The volume mounts, bind-mounted in order of depth (a parent `mountPath` before a nested
    /// one).
    pub mounts: Vec<MountSpec>,
    /// A private directory (created 0700 when missing) for this container's namespace
    /// scaffolding, spec file and, without namespaces, the `KUBEDRILL_ROOT` layout.
    pub scratch: PathBuf,
}

/// One volumeMount: `host_path` appears at `container_path` inside the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountSpec {
    /// A directory (a volume) or a file (a pinned subPath) on the host.
    pub host_path: PathBuf,
    /// The absolute `mountPath`.
    pub container_path: PathBuf,
    /// Bind read-only (`readOnly: true`); writes fail with `EROFS`.
    pub read_only: bool,
}

/// Variables taken from the host when the container env does not set them, so interpreters
/// and shells work (`DESIGN.md`, "Where the app runs").
pub const HOST_ENV_DEFAULTS: [&str; 3] = ["PATH", "HOME", "LANG"];

/// containerd's default `PATH`, used when neither the container nor the host has one.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The env the process gets: `spec_env` as given, then each of [`HOST_ENV_DEFAULTS`] that
/// `spec_env` does not set, valued from `host` (`PATH` falls back to containerd's default
/// when the host has none; `HOME` and `LANG` are left out).
pub fn container_env(
    spec_env: &[(String, String)],
    host: impl Fn(&str) -> Option<String>,
) -> Vec<(String, String)> {
    let mut env = spec_env.to_vec();
    for name in HOST_ENV_DEFAULTS {
        if spec_env.iter().any(|(k, _)| k == name) {
            continue;
        }
        let value = host(name).or_else(|| (name == "PATH").then(|| DEFAULT_PATH.to_string()));
        if let Some(value) = value {
            env.push((name.to_string(), value));
        }
    }
    env
}

impl ContainerSpec {
    /// Checks what the kernel or `execve` would otherwise reject obscurely.
    pub(crate) fn validate(&self) -> Result<(), RuntimeError> {
        let invalid = |reason: String| RuntimeError::InvalidSpec {
            container: self.name.clone(),
            reason,
        };
        match self.command.first() {
            None => return Err(invalid("command is empty".into())),
            Some(c) if c.is_empty() => return Err(invalid("command[0] is empty".into())),
            _ => {}
        }
        if let Some(arg) = self.command.iter().find(|a| a.contains('\0')) {
            return Err(invalid(format!("argument {arg:?} contains a NUL byte")));
        }
        for (k, v) in &self.env {
            if k.is_empty() || k.contains(['=', '\0']) || v.contains('\0') {
                return Err(invalid(format!("invalid env var {k:?}")));
            }
        }
        for m in &self.mounts {
            check_mount_path(&m.container_path).map_err(|reason| {
                invalid(format!(
                    "mountPath {:?}: {reason}",
                    m.container_path.display()
                ))
            })?;
        }
        Ok(())
    }
}

/// A `mountPath` must be absolute, not `/`, and free of `..`.
fn check_mount_path(p: &Path) -> Result<(), &'static str> {
    if !p.is_absolute() {
        return Err("must be an absolute path");
    }
    if p.components().any(|c| c == Component::ParentDir) {
        return Err("must not contain '..'");
    }
    if !p.components().any(|c| matches!(c, Component::Normal(_))) {
        return Err("must not be /");
    }
    Ok(())
}

/// How the `__ns-exec` child gives the container its mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PlanIsolation {
    /// A private mount namespace (plus a user namespace when not root).
    MountNamespace,
    /// No namespace: the parent laid out `KUBEDRILL_ROOT`; the child only execs.
    PathMapping,
}

/// The spec file the runtime writes for `__ns-exec`: the container with its final env.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ExecPlan {
    /// The container, `env` already completed by [`container_env`].
    pub container: ContainerSpec,
    /// Namespace or path mapping.
    pub isolation: PlanIsolation,
    /// stdin is the write end of the status pipe: the child reports a start failure there as
    /// one JSON [`super::child_error::ChildError`]; a successful exec closes it (`O_CLOEXEC`).
    pub status_on_stdin: bool,
    /// The pid of the kubedrill that started the container: the child dies with it (see
    /// [`super::watchdog`]). `None` in plans of older versions.
    #[serde(default)]
    pub parent_pid: Option<u32>,
}

/// Sorts mounts so a parent `mountPath` is mounted before one nested in it (stable).
pub(crate) fn mount_order(mounts: &[MountSpec]) -> Vec<&MountSpec> {
    let mut sorted: Vec<&MountSpec> = mounts.iter().collect();
    sorted.sort_by_key(|m| m.container_path.components().count());
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "app".into(),
            command: vec!["sh".into()],
            env: vec![],
            working_dir: None,
            mounts: vec![],
            scratch: PathBuf::from("/tmp/x"),
        }
    }

    #[test]
    fn host_defaults_only_fill_what_is_unset() {
        let spec_env = vec![("HOME".to_string(), "/app".to_string())];
        let env = container_env(&spec_env, |k| match k {
            "PATH" => Some("/host/bin".into()),
            "HOME" => Some("/root".into()),
            _ => None,
        });
        assert_eq!(
            env,
            vec![
                ("HOME".to_string(), "/app".to_string()),
                ("PATH".to_string(), "/host/bin".to_string()),
            ]
        );
    }

    #[test]
    fn path_defaults_to_containerd_when_host_has_none() {
        let env = container_env(&[], |_| None);
        assert_eq!(env, vec![("PATH".to_string(), DEFAULT_PATH.to_string())]);
    }

    #[test]
    fn validation_rejects_bad_specs() {
        let mut s = spec();
        assert!(s.validate().is_ok());
        s.command.clear();
        assert!(s.validate().is_err());
        for bad in ["rel/path", "/", "/a/../b"] {
            let mut s = spec();
            s.mounts.push(MountSpec {
                host_path: "/tmp".into(),
                container_path: bad.into(),
                read_only: false,
            });
            assert!(s.validate().is_err(), "{bad}");
        }
        let mut s = spec();
        s.env.push(("A=B".into(), "x".into()));
        assert!(s.validate().is_err());
    }

    #[test]
    fn parents_mount_before_nested_paths() {
        let m = |p: &str| MountSpec {
            host_path: "/h".into(),
            container_path: p.into(),
            read_only: false,
        };
        let mounts = vec![m("/a/b/c"), m("/a"), m("/x/y")];
        let order: Vec<_> = mount_order(&mounts)
            .iter()
            .map(|m| m.container_path.clone())
            .collect();
        assert_eq!(
            order,
            vec![PathBuf::from("/a"), "/x/y".into(), "/a/b/c".into()]
        );
    }
}

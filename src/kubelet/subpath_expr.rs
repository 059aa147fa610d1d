//! The subPath kubelet mounts for a container: `subPathExpr` expanded from the container's env,
//! checked, and created in the volume when missing (`makeMounts` in
//! `pkg/kubelet/kubelet_pods.go`, `ExpandContainerVolumeMounts` in
//! `pkg/kubelet/container/helpers.go`).
//!
//! The API server only checks `subPathExpr` as written (`$(POD_NAME)` is a fine relative path);
//! what it expands to is known on the node, at container start. So kubelet checks the result
//! there: a variable that is undefined or empty, an absolute path or a `..` segment fails the
//! container start (`CreateContainerConfigError`, a `Failed` event) with kubelet's wording, and
//! a missing subdirectory is created, with the volume directory's mode, before the bind mount.
//! That is why upstream's "…volume subpath with backticks" test (`POD_NAME=..`) and "…with
//! absolute path" test (`POD_NAME=/tmp`) expect the pod to be created and its container to fail.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use k8s_openapi::api::core::v1::VolumeMount;

use crate::kubelet::env::expand;

/// Why kubelet would not mount a container's subPath; the messages are kubelet's.
#[derive(Debug, thiserror::Error)]
pub enum ContainerSubPathError {
    /// `subPathExpr` names variables the container's env does not define, or defines empty.
    #[error("missing value for {}", .0.join(", "))]
    MissingValue(Vec<String>),
    /// The (expanded) subPath is absolute.
    #[error("error SubPath `{0}` must not be an absolute path")]
    Absolute(String),
    /// The (expanded) subPath has a `..` segment.
    #[error("unable to provision SubPath `{0}`: must not contain '..'")]
    Backsteps(String),
    /// The missing subdirectory could not be created inside the volume (kubelet hides the
    /// detail from the pod's events; it is kept here as the source).
    #[error(
        "failed to create subPath directory for volumeMount {mount:?} of container {container:?}"
    )]
    CreateDir {
        /// The volumeMount's `name`.
        mount: String,
        /// The container's name.
        container: String,
        /// What went wrong.
        #[source]
        source: io::Error,
    },
}

/// The subPath of `mount` as kubelet uses it: `subPathExpr` expanded from `env` (the container's
/// resolved env), else `subPath`; `None` when the whole volume is mounted. The result is
/// checked like kubelet checks it (relative, no `..` segment).
pub fn container_sub_path(
    mount: &VolumeMount,
    env: &[(String, String)],
) -> Result<Option<String>, ContainerSubPathError> {
    let sub_path = match mount.sub_path_expr.as_deref().filter(|e| !e.is_empty()) {
        Some(expr) => expand_sub_path_expr(expr, env)?,
        None => mount.sub_path.clone().unwrap_or_default(),
    };
    if sub_path.is_empty() {
        return Ok(None);
    }
    if sub_path.starts_with('/') {
        return Err(ContainerSubPathError::Absolute(sub_path));
    }
    if sub_path.split('/').any(|segment| segment == "..") {
        return Err(ContainerSubPathError::Backsteps(sub_path));
    }
    Ok(Some(sub_path))
}

/// `ExpandContainerVolumeMounts`: every `$(VAR)` must name a variable with a non-empty value
/// (unlike command and env expansion, where an undefined reference stays literal).
fn expand_sub_path_expr(
    expr: &str,
    env: &[(String, String)],
) -> Result<String, ContainerSubPathError> {
    let vars: HashMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut missing = BTreeSet::new();
    let expanded = expand(expr, |name| {
        let value = vars.get(name).copied().unwrap_or_default();
        if value.is_empty() {
            missing.insert(name.to_string());
        }
        Some(value.to_string())
    });
    if missing.is_empty() {
        Ok(expanded)
    } else {
        Err(ContainerSubPathError::MissingValue(
            missing.into_iter().collect(),
        ))
    }
}

/// Creates `sub_path` inside `volume_dir` when it does not exist, each new directory with the
/// volume directory's mode (kubelet's `SafeMakeDir`: the container's group must be able to use
/// it), never through a symlink; an existing path is left as it is. Returns the path to bind.
pub fn make_sub_path_dir(
    volume_dir: &Path,
    sub_path: &str,
    mount: &str,
    container: &str,
) -> Result<PathBuf, ContainerSubPathError> {
    let fail = |source: io::Error| ContainerSubPathError::CreateDir {
        mount: mount.to_string(),
        container: container.to_string(),
        source,
    };
    let mode = fs::metadata(volume_dir).map_err(fail)?.permissions().mode() & 0o7777;
    let mut path = volume_dir.to_path_buf();
    for component in Path::new(sub_path).components() {
        let Component::Normal(name) = component else {
            continue;
        };
        path.push(name);
        match fs::symlink_metadata(&path) {
            // Existing links are resolved (and kept inside the volume) by the caller.
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&path).map_err(fail)?;
                fs::set_permissions(&path, fs::Permissions::from_mode(mode)).map_err(fail)?;
            }
            Err(e) => return Err(fail(e)),
        }
        if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            // Do not create anything beyond a link: what it points to is checked on resolve.
            break;
        }
    }
    Ok(volume_dir.join(sub_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(sub_path: Option<&str>, expr: Option<&str>) -> VolumeMount {
        VolumeMount {
            name: "workdir1".into(),
            mount_path: "/logscontainer".into(),
            sub_path: sub_path.map(str::to_string),
            sub_path_expr: expr.map(str::to_string),
            ..Default::default()
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn subpath_expr_expands_from_the_container_env() {
        let got = container_sub_path(
            &mount(None, Some("logs/$(POD_NAME)/$$(x)")),
            &env(&[("POD_NAME", "var-expansion")]),
        )
        .unwrap();
        assert_eq!(got.as_deref(), Some("logs/var-expansion/$(x)"));
    }

    #[test]
    fn subpath_without_expr_is_used_as_written() {
        let got = container_sub_path(&mount(Some("a/b"), None), &[]).unwrap();
        assert_eq!(got.as_deref(), Some("a/b"));
        assert_eq!(container_sub_path(&mount(None, None), &[]).unwrap(), None);
        assert_eq!(
            container_sub_path(&mount(Some(""), Some("")), &[]).unwrap(),
            None
        );
    }

    #[test]
    fn subpath_expr_undefined_or_empty_variable_fails_with_kubelet_wording() {
        let err = container_sub_path(
            &mount(None, Some("$(ZED)/$(EMPTY)/$(ZED)/$(SET)")),
            &env(&[("EMPTY", ""), ("SET", "x")]),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "missing value for EMPTY, ZED");
    }

    #[test]
    fn subpath_expr_absolute_result_fails_with_kubelet_wording() {
        let err = container_sub_path(
            &mount(None, Some("$(POD_NAME)")),
            &env(&[("POD_NAME", "/tmp")]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "error SubPath `/tmp` must not be an absolute path"
        );
    }

    #[test]
    fn subpath_expr_backsteps_fail_with_kubelet_wording() {
        for value in ["..", "a/../b", "a/.."] {
            let err = container_sub_path(
                &mount(None, Some("$(POD_NAME)")),
                &env(&[("POD_NAME", value)]),
            )
            .unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("unable to provision SubPath `{value}`: must not contain '..'")
            );
        }
        // `..` inside a name is not a backstep.
        let ok = container_sub_path(&mount(None, Some("$(P)")), &env(&[("P", "a..b/..c")]));
        assert_eq!(ok.unwrap().as_deref(), Some("a..b/..c"));
    }

    #[test]
    fn subpath_dir_is_created_with_the_volume_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let vol = tmp.path().join("vol");
        fs::create_dir(&vol).unwrap();
        fs::set_permissions(&vol, fs::Permissions::from_mode(0o777)).unwrap();
        let got = make_sub_path_dir(&vol, "a/b", "workdir1", "c").unwrap();
        assert_eq!(got, vol.join("a/b"));
        for dir in [vol.join("a"), vol.join("a/b")] {
            let meta = fs::metadata(&dir).unwrap();
            assert!(meta.is_dir());
            assert_eq!(meta.permissions().mode() & 0o7777, 0o777, "{dir:?}");
        }
        // An existing file is left alone.
        fs::write(vol.join("f"), "x").unwrap();
        make_sub_path_dir(&vol, "f", "workdir1", "c").unwrap();
        assert_eq!(fs::read_to_string(vol.join("f")).unwrap(), "x");
    }

    #[test]
    fn subpath_dir_is_not_created_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let vol = tmp.path().join("vol");
        let outside = tmp.path().join("outside");
        fs::create_dir(&vol).unwrap();
        fs::create_dir(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, vol.join("link")).unwrap();
        make_sub_path_dir(&vol, "link/new", "workdir1", "c").unwrap();
        assert!(!outside.join("new").exists(), "nothing created outside");
    }
}

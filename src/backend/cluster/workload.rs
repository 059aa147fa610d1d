//! The scenario's workload as a pod on the cluster, and the app files it runs.
//!
//! What kubedrill sends (the README's "What differs from local" says the same):
//! - one Pod built from the workload's pod template (a Pod manifest as written; for a
//!   Deployment/StatefulSet/… its template, as a bare Pod named after the workload — the
//!   controller itself is not created, so `recreate: pod` is done by kubedrill);
//! - for each container with a `run:` entry, its command becomes `run.command` + `run.args`,
//!   started by a small `sh` wrapper ([`WRAPPER`]) that forwards signals to the app (a PID 1
//!   gets no default signal handlers, so `kill 1` would otherwise do nothing); the image is
//!   `--image`, else `run.image`, else the manifest's; `run.env` is added where the container
//!   does not set the same name;
//! - the local files that `run.command`/`run.args` name (relative paths inside the working
//!   directory), with every other file of their directories (an app's own modules), go into
//!   one ConfigMap, [`APP_FILES_CONFIGMAP`], mounted read-only (mode 0555) at
//!   [`APP_DIR`], which becomes the container's `workingDir`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, EnvVar, KeyToPath, Pod, Volume, VolumeMount,
};
use kube::api::ObjectMeta;

use super::errors::ClusterError;
use super::namespace::labels;
use crate::api::Workload;
use crate::scenario::format::RunSpec;

/// The ConfigMap holding the app files.
pub const APP_FILES_CONFIGMAP: &str = "kubedrill-app-files";
/// Where the app files are mounted (and the working directory of containers that get them).
pub const APP_DIR: &str = "/kubedrill/app";
/// The largest total size of app files (a ConfigMap holds at most 1 MiB).
pub const APP_FILES_LIMIT: usize = 1024 * 1024 - 4096;

/// Runs `"$@"` as a child and forwards HUP, INT, QUIT, USR1, USR2 and TERM to it; exits
/// with the child's status. `wait` returns early when a trapped signal arrives, hence the
/// loop while the child lives.
pub const WRAPPER: &str = "\"$@\" & child=$!; \
for s in HUP INT QUIT USR1 USR2 TERM; do trap \"kill -s $s $child 2>/dev/null\" $s; done; \
wait $child; status=$?; \
while kill -0 $child 2>/dev/null; do wait $child; status=$?; done; \
exit $status";

/// The pod and its app-files ConfigMap (when some container gets files).
#[derive(Debug, Clone, PartialEq)]
pub struct PodPlan {
    /// The pod to create.
    pub pod: Pod,
    /// The ConfigMap with the app files, created before the pod.
    pub app_files: Option<ConfigMap>,
}

/// Builds the pod of `workload` in `namespace`.
pub fn plan_pod(
    workload: &Workload,
    run: &BTreeMap<String, RunSpec>,
    base_dir: &Path,
    image_override: Option<&str>,
    namespace: &str,
    scenario: &str,
) -> Result<PodPlan, ClusterError> {
    let mut spec = workload.spec.clone();
    let mut files = AppFiles::default();
    let mut volumes = Vec::new();
    let containers = spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut());
    for container in containers {
        let Some(r) = run.get(&container.name) else {
            continue;
        };
        let items = files.collect(r, base_dir)?;
        shape_container(container, r, image_override);
        if !items.is_empty() {
            let volume = format!("kubedrill-app-{}", volumes.len());
            container
                .volume_mounts
                .get_or_insert_with(Vec::new)
                .push(VolumeMount {
                    name: volume.clone(),
                    mount_path: APP_DIR.into(),
                    read_only: Some(true),
                    ..VolumeMount::default()
                });
            container.working_dir = Some(APP_DIR.into());
            volumes.push(Volume {
                name: volume,
                config_map: Some(ConfigMapVolumeSource {
                    name: APP_FILES_CONFIGMAP.into(),
                    items: Some(items),
                    default_mode: Some(0o555),
                    optional: None,
                }),
                ..Volume::default()
            });
        }
    }
    spec.volumes.get_or_insert_with(Vec::new).extend(volumes);
    let mut meta = workload.pod_metadata.clone();
    meta.name = Some(workload.name.clone());
    meta.namespace = Some(namespace.into());
    meta.generate_name = None;
    meta.resource_version = None;
    meta.uid = None;
    meta.labels
        .get_or_insert_with(BTreeMap::new)
        .extend(labels(scenario));
    let app_files = (!files.data.is_empty()).then(|| ConfigMap {
        metadata: ObjectMeta {
            name: Some(APP_FILES_CONFIGMAP.into()),
            namespace: Some(namespace.into()),
            labels: Some(labels(scenario)),
            ..ObjectMeta::default()
        },
        data: Some(files.data),
        ..ConfigMap::default()
    });
    Ok(PodPlan {
        pod: Pod {
            metadata: meta,
            spec: Some(spec),
            status: None,
        },
        app_files,
    })
}

fn shape_container(container: &mut Container, r: &RunSpec, image_override: Option<&str>) {
    if let Some(image) = image_override.or(r.image.as_deref()) {
        container.image = Some(image.into());
    }
    container.command = Some(vec![
        "sh".into(),
        "-c".into(),
        WRAPPER.into(),
        "kubedrill-run".into(),
    ]);
    container.args = Some(r.command.iter().chain(&r.args).cloned().collect());
    let env = container.env.get_or_insert_with(Vec::new);
    for (name, value) in &r.env {
        if !env.iter().any(|e| &e.name == name) {
            env.push(EnvVar {
                name: name.clone(),
                value: Some(value.clone()),
                value_from: None,
            });
        }
    }
}

/// The app files gathered so far (ConfigMap keys `f0`, `f1`, … so any file name fits).
#[derive(Default)]
struct AppFiles {
    data: BTreeMap<String, String>,
    size: usize,
}

impl AppFiles {
    /// The files `r` names and their directories' other files, as volume items.
    fn collect(&mut self, r: &RunSpec, base_dir: &Path) -> Result<Vec<KeyToPath>, ClusterError> {
        let work = r
            .working_dir
            .clone()
            .unwrap_or_else(|| base_dir.to_path_buf());
        let mut rels: Vec<PathBuf> = Vec::new();
        for arg in r.command.iter().chain(&r.args) {
            let Some(rel) = relative_inside(arg) else {
                continue;
            };
            if !work.join(&rel).is_file() {
                continue;
            }
            let dir = rel.parent().map(Path::to_path_buf).unwrap_or_default();
            let Ok(entries) = std::fs::read_dir(work.join(&dir)) else {
                continue;
            };
            let mut names: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| dir.join(e.file_name()))
                .collect();
            names.sort();
            for n in names {
                if !rels.contains(&n) {
                    rels.push(n);
                }
            }
        }
        let mut items = Vec::new();
        for rel in rels {
            let bytes = std::fs::read(work.join(&rel)).map_err(|e| {
                ClusterError::Workload(format!(
                    "reading app file {}: {e}",
                    work.join(&rel).display()
                ))
            })?;
            let Ok(text) = String::from_utf8(bytes) else {
                // binaryData would do, but apps here are scripts: say so instead of guessing.
                return Err(ClusterError::Workload(format!(
                    "app file {} is not UTF-8 text; kubedrill delivers scripts only (hint: bake \
                     binaries into run.image)",
                    work.join(&rel).display()
                )));
            };
            self.size += text.len();
            if self.size > APP_FILES_LIMIT {
                return Err(ClusterError::Workload(format!(
                    "the app files next to {} exceed a ConfigMap's 1 MiB (hint: bake them into \
                     run.image)",
                    work.join(&rel).display()
                )));
            }
            let key = format!("f{}", self.data.len());
            self.data.insert(key.clone(), text);
            items.push(KeyToPath {
                key,
                path: rel.to_string_lossy().into_owned(),
                mode: None,
            });
        }
        Ok(items)
    }
}

/// `arg` as a relative path that stays inside its root (no `..`, not absolute), if it is one.
fn relative_inside(arg: &str) -> Option<PathBuf> {
    let p = Path::new(arg);
    if arg.is_empty() || arg.starts_with('-') || p.is_absolute() {
        return None;
    }
    p.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| p.components().collect())
}

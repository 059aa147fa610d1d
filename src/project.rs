//! `kubedrill project`: materialise a pod's volumes and env into a directory exactly as kubelet
//! would, and on a re-run perform kubelet's next sync (a real AtomicWriter update).
//!
//! Layout of the output directory `DIR` (the contract in DESIGN.md):
//! - `DIR/<mountPath>` for every volumeMount: the volume directory itself (`..data`, the
//!   timestamped dir, user-visible links), written by the [`AtomicWriter`];
//! - `DIR/<mountPath>` for a subPath mount: a plain file (or dir) pinned at container start
//!   (§5), resolved from the node-side copy of the volume in `DIR/.kubedrill/volumes/<volume>`;
//! - `DIR/<container>.env`: the env resolved at container start, one `NAME=value` per line;
//! - `DIR/.kubedrill/`: kubedrill's own state (the pod uid, node-side volumes).
//!
//! A re-run is a kubelet sync of the *same* pod: volumes follow the objects, but env and subPath
//! files stay as they were at container start (§5.2, §6.7) unless `restart` asks for a
//! container restart.
//!
//! Nothing is ever read or written outside `DIR`: every file operation goes through an
//! [`AnchoredDir`] opened on `DIR`, which refuses a symlink anywhere below it unless it is one of
//! kubelet's own (`..data`, `key -> ..data/key`, validated by the writer). Before anything is
//! written, every name `project` will touch is checked, so a planted link is refused with exit 2
//! and nothing changed.
//!
//! Each volume goes through the volume plugin's SetUp before the writer: the root directory is
//! created with the emptyDir mode of its medium (and chmod-ed only when that mode differs, so a
//! no-op sync raises no inotify event), and what an interrupted write left behind is removed
//! ([`recover_interrupted_write`]), reported as `repaired` lines.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use k8s_openapi::api::core::v1::{Container, VolumeMount};

use crate::api::manifest::{self, LoadError, ManifestSet, Workload};
use crate::api::store::{ObjectStore, StoreError};
use crate::api::validation::ValidationError;
use crate::kubelet::KubeVersion;
use crate::kubelet::anchored::{AnchorError, AnchoredDir};
use crate::kubelet::atomic_writer::{
    AtomicWriter, WriteError, WriteOutcome, recover_interrupted_write,
};
use crate::kubelet::env::{EnvError, ResolvedEnv, resolve_env};
use crate::kubelet::ownership::{apply_fs_group_at, volume_root_mode};
use crate::kubelet::payload::{
    MountError, PodContext, VolumeContent, VolumePayload, build_volume_payload,
};
use crate::kubelet::pod_identity;
use crate::kubelet::subpath::{self, SubPathError};

/// Where kubedrill keeps its own state inside the output directory.
pub const STATE_DIR: &str = ".kubedrill";

/// What to project.
#[derive(Debug, Clone)]
pub struct ProjectOptions {
    /// Manifest files holding ConfigMaps and Secrets (and possibly the workload).
    pub manifests: Vec<PathBuf>,
    /// The file holding the workload; `None` when exactly one workload is among `manifests`.
    pub workload: Option<PathBuf>,
    /// The output directory (created if missing).
    pub out: PathBuf,
    /// Treat this run as a restart of every container: re-resolve env and subPath files.
    pub restart: bool,
    /// Whose kubelet behaviour to reproduce where versions differ.
    pub kube_version: KubeVersion,
}

/// Invalid input or an I/O failure: nothing that depends on kubelet rules. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// A manifest could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A `-f` path could not be expanded or read (missing, a directory without manifests, …).
    #[error(transparent)]
    Source(#[from] crate::api::sources::SourceError),
    /// An object was rejected by API validation.
    #[error("{origin}: {source}")]
    Invalid {
        /// Where the object is.
        origin: String,
        /// The API server's rejection.
        #[source]
        source: StoreError,
    },
    /// The workload is rejected by API validation.
    #[error("{origin}: {source}")]
    InvalidWorkload {
        /// Where the workload is.
        origin: String,
        /// The API server's rejection.
        #[source]
        source: ValidationError,
    },
    /// No workload, or more than one.
    #[error("{0}")]
    Workload(String),
    /// A mountPath that cannot be placed under the output directory.
    #[error("container {container:?}: volumeMount {mount_path:?}: {reason}")]
    MountPath {
        /// The container.
        container: String,
        /// The mountPath as written.
        mount_path: String,
        /// Why it was refused.
        reason: String,
    },
    /// Reading or writing the output directory failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The AtomicWriter failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A symlink kubedrill did not make is in the way, or a file operation in DIR failed.
    #[error(transparent)]
    Dir(#[from] AnchorError),
}

/// What happened to one volumeMount.
#[derive(Debug)]
pub struct MountReport {
    /// The container.
    pub container: String,
    /// The pod volume.
    pub volume: String,
    /// Where it is in the container (and under DIR).
    pub mount_path: String,
    /// What happened.
    pub result: MountResult,
    /// What the volume plugin's setup repaired first (left behind by an interrupted write).
    pub repaired: Vec<String>,
}

/// The outcome of one volumeMount.
#[derive(Debug)]
pub enum MountResult {
    /// The AtomicWriter ran (a first write, an update, or a no-op).
    Written(WriteOutcome),
    /// A subPath file was pinned (first start or restart) from the given version dir.
    SubPathPinned,
    /// A subPath file kept its content from container start, though the volume changed.
    SubPathKept {
        /// Whether the volume's current content differs from the pinned file.
        stale: bool,
    },
    /// An emptyDir: created once, never touched.
    EmptyDir,
    /// A volume type kubedrill does not reproduce.
    Unsupported(String),
    /// kubelet would fail SetUp: the FailedMount event message.
    FailedMount(String),
}

/// What happened to one container's env.
#[derive(Debug)]
pub struct EnvReport {
    /// The container.
    pub container: String,
    /// The env file under DIR.
    pub file: PathBuf,
    /// What happened.
    pub result: EnvResult,
    /// Warning events (e.g. `InvalidEnvironmentVariableNames`).
    pub events: Vec<String>,
}

/// The outcome of one container's env resolution.
#[derive(Debug)]
pub enum EnvResult {
    /// Written (first start or restart): the number of variables.
    Written(usize),
    /// Kept from container start; lists variables whose value would differ after a restart.
    Kept {
        /// Names whose value the current objects would change.
        would_change: Vec<String>,
    },
    /// The container cannot start: `CreateContainerConfigError` with kubelet's message.
    ConfigError(String),
}

/// Everything one projection did, for the console.
#[derive(Debug)]
pub struct ProjectReport {
    /// The pod (namespace/name from the workload).
    pub pod: String,
    /// Per volumeMount, in container and mount order.
    pub mounts: Vec<MountReport>,
    /// Per container.
    pub env: Vec<EnvReport>,
    /// The manifest documents skipped because kubedrill does not model their kind.
    pub notes: Vec<manifest::Note>,
}

impl ProjectReport {
    /// True when kubelet would not start some container (FailedMount or config error).
    pub fn has_failures(&self) -> bool {
        self.mounts
            .iter()
            .any(|m| matches!(m.result, MountResult::FailedMount(_)))
            || self
                .env
                .iter()
                .any(|e| matches!(e.result, EnvResult::ConfigError(_)))
    }
}

/// Runs one projection (see the module docs).
pub fn project(opts: &ProjectOptions) -> Result<ProjectReport, ProjectError> {
    // Everything that can be invalid is checked before the first byte is written.
    // `-` in `manifests` is standard input; directories were expanded by the caller.
    let mut set = crate::api::sources::load_manifests(&opts.manifests).map_err(|e| match e {
        crate::api::sources::InputError::Source(e) => ProjectError::Source(e),
        crate::api::sources::InputError::Load(e) => ProjectError::Load(e),
    })?;
    if let Some(w) = &opts.workload {
        set.extend(manifest::load_file(w)?);
    }
    let searched: Vec<&PathBuf> = opts.manifests.iter().chain(&opts.workload).collect();
    let workload = pick_workload(&set, &searched)?;
    // With --kube-version's env-name rules, and the filesystem limits under --out.
    manifest::check_workload(workload, opts.kube_version, Some(&opts.out))?;
    let store = build_store(&set)?;
    let containers = all_containers(workload);
    let mut targets = Vec::new();
    for c in &containers {
        for m in c.volume_mounts.iter().flatten() {
            targets.push((c, m, mount_target(&opts.out, &c.name, m)?));
        }
    }
    refuse_planted_links(&opts.out, &containers, &targets)?;

    let out = AnchoredDir::create_and_open(&opts.out)?;
    let state = create_private_dir(&out, Path::new(STATE_DIR))?;
    let mut pod = PodContext::from_pod(&workload.pod_metadata, &workload.spec, &workload.namespace);
    let (name, uid) = pod_identity(&state, workload)?;
    pod.name = name;
    pod.uid = uid;

    let mut report = ProjectReport {
        pod: format!("{}/{}", pod.namespace, pod.name),
        mounts: Vec::new(),
        env: Vec::new(),
        notes: set.notes.clone(),
    };
    let volumes: BTreeMap<&str, _> = workload
        .spec
        .volumes
        .iter()
        .flatten()
        .map(|v| (v.name.as_str(), v))
        .collect();
    let mut payloads: BTreeMap<&str, Result<VolumeContent, MountError>> = BTreeMap::new();
    for (container, mount, target) in targets {
        let Some(volume) = volumes.get(mount.name.as_str()) else {
            continue; // validate_workload rejects unknown volume names
        };
        let content = payloads
            .entry(mount.name.as_str())
            .or_insert_with(|| build_volume_payload(volume, &pod, &store));
        let mut repaired = Vec::new();
        let result = match content {
            Err(e) => MountResult::FailedMount(e.to_string()),
            Ok(VolumeContent::EmptyDir) => {
                set_up_volume_root(&out, &target, EMPTY_DIR_MODE)?;
                MountResult::EmptyDir
            }
            Ok(VolumeContent::Unsupported(kind)) => MountResult::Unsupported(kind.clone()),
            Ok(VolumeContent::Projection(payload)) => {
                let root_mode = volume_root_mode(payload.medium);
                match mount.sub_path.as_deref() {
                    Some(sub) if !sub.is_empty() => {
                        let node_rel = node_volume_dir(&mount.name);
                        let node = set_up_volume_root(&out, &node_rel, root_mode)?;
                        repaired = recover_interrupted_write(&node)?;
                        match write_volume(node, &mount.name, payload)? {
                            Err(msg) => MountResult::FailedMount(msg),
                            Ok(_) => {
                                let node_dir = opts.out.join(&node_rel);
                                pin_sub_path(&out, &node_dir, sub, &target, mount, opts.restart)?
                            }
                        }
                    }
                    _ => {
                        let dir = set_up_volume_root(&out, &target, root_mode)?;
                        repaired = recover_interrupted_write(&dir)?;
                        match write_volume(dir, &mount.name, payload)? {
                            Ok(outcome) => MountResult::Written(outcome),
                            Err(msg) => MountResult::FailedMount(msg),
                        }
                    }
                }
            }
        };
        report.mounts.push(MountReport {
            container: container.name.clone(),
            volume: mount.name.clone(),
            mount_path: mount.mount_path.clone(),
            result,
            repaired,
        });
    }

    for c in &containers {
        report.env.push(project_env(&out, c, &pod, &store, opts)?);
    }
    Ok(report)
}

fn pick_workload<'s>(
    set: &'s ManifestSet,
    searched: &[&PathBuf],
) -> Result<&'s Workload, ProjectError> {
    match set.workloads.as_slice() {
        [one] => Ok(one),
        [] => Err(ProjectError::Workload(format!(
            "no workload found in {} (found: {}) (hint: pass --workload FILE holding a Pod, \
             Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob)",
            searched
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            set.describe()
        ))),
        many => Err(ProjectError::Workload(format!(
            "{} workloads found ({}) (hint: put the one to project in its own file and pass it \
             with --workload)",
            many.len(),
            many.iter()
                .map(|w| format!("{} {} at {}", w.kind, w.name, w.origin))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn build_store(set: &ManifestSet) -> Result<ObjectStore, ProjectError> {
    let mut store = ObjectStore::new();
    for (cm, origin) in &set.config_maps {
        store
            .create_config_map(cm.clone())
            .map_err(|source| ProjectError::Invalid {
                origin: origin.to_string(),
                source,
            })?;
    }
    for (secret, origin) in &set.secrets {
        store
            .create_secret(secret.clone())
            .map_err(|source| ProjectError::Invalid {
                origin: origin.to_string(),
                source,
            })?;
    }
    Ok(store)
}

/// Init containers first, as kubelet starts them, then app containers.
fn all_containers(workload: &Workload) -> Vec<&Container> {
    workload
        .spec
        .init_containers
        .iter()
        .flatten()
        .chain(workload.spec.containers.iter())
        .collect()
}

/// `<mountPath>` relative to DIR: the mountPath must be absolute-or-relative without `..`, and
/// nothing on the way under DIR may be a symlink, so a write can never land outside DIR.
fn mount_target(out: &Path, container: &str, m: &VolumeMount) -> Result<PathBuf, ProjectError> {
    let refuse = |reason: &str| ProjectError::MountPath {
        container: container.to_string(),
        mount_path: m.mount_path.clone(),
        reason: reason.to_string(),
    };
    let mut rel = PathBuf::new();
    for c in Path::new(&m.mount_path).components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(n) => rel.push(n),
            _ => {
                return Err(refuse(
                    "must not contain '..' (hint: use an absolute path such as /etc/config)",
                ));
            }
        }
    }
    if rel.as_os_str().is_empty() {
        return Err(refuse("must not be the root directory"));
    }
    if rel.starts_with(STATE_DIR) {
        return Err(refuse("is reserved for kubedrill's own state"));
    }
    let mut at = out.to_path_buf();
    for c in rel.components() {
        at.push(c);
        if fs::symlink_metadata(&at).is_ok_and(|md| md.file_type().is_symlink()) {
            return Err(refuse(&format!(
                "{} is a symlink; refusing to write through it (hint: remove it or pick another --out)",
                at.display()
            )));
        }
    }
    Ok(rel)
}

/// Where the node-side copy of a volume lives (the source of subPath mounts), relative to DIR.
fn node_volume_dir(volume: &str) -> PathBuf {
    Path::new(STATE_DIR).join("volumes").join(volume)
}

/// Refuses, before anything is written, a symlink at any name `project` will read or write
/// outside the volume directories (whose own links the writer checks): kubedrill's state, the
/// staging and env files, and every directory on the way to a mount. The anchored operations
/// refuse the same links later anyway; checking first keeps "exit 2 changes nothing" true.
fn refuse_planted_links(
    out: &Path,
    containers: &[&Container],
    targets: &[(&&Container, &VolumeMount, PathBuf)],
) -> Result<(), ProjectError> {
    let mut names: Vec<PathBuf> = vec![
        Path::new(STATE_DIR).join("pod"),
        Path::new(STATE_DIR).join("pod.kubedrill-tmp"),
    ];
    for c in containers {
        names.push(PathBuf::from(format!("{}.env", c.name)));
        names.push(PathBuf::from(format!("{}.kubedrill-tmp", c.name)));
    }
    for (_, m, rel) in targets {
        names.push(rel.clone());
        if m.sub_path.as_deref().is_some_and(|s| !s.is_empty()) {
            names.push(node_volume_dir(&m.name));
        }
    }
    for name in names {
        let mut at = out.to_path_buf();
        for c in name.components() {
            at.push(c);
            match fs::symlink_metadata(&at) {
                Ok(md) if md.file_type().is_symlink() => {
                    return Err(ProjectError::Dir(AnchorError::PlantedLink {
                        target: fs::read_link(&at)
                            .map(|t| t.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        path: at,
                    }));
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    Ok(())
}

/// The AtomicWriter on one volume. A write that fails at the filesystem (a payload where `x` is
/// a file and `x/y` a key, a full disk) is kubelet's `FailedMount` for that volume, as on a node:
/// the other volumes stay set up and the next run repairs what the failed write left. Only a
/// refused link (something planted in DIR) is an error of the whole run.
fn write_volume(
    dir: AnchoredDir,
    volume: &str,
    payload: &VolumePayload,
) -> Result<Result<WriteOutcome, String>, ProjectError> {
    let context = format!("volume {volume:?}");
    let written = match payload.fs_group {
        Some(gid) => {
            let root = dir.try_clone()?;
            let hook = |_: &str| apply_fs_group_at(&root, gid);
            AtomicWriter::in_dir(dir, context).write(&payload.files, Some(&hook))
        }
        None => AtomicWriter::in_dir(dir, context).write(&payload.files, None),
    };
    match written {
        Ok(outcome) => Ok(Ok(outcome)),
        Err(
            e @ (WriteError::Io { .. }
            | WriteError::SetPerms { .. }
            | WriteError::InvalidPath { .. }),
        ) => Ok(Err(format!(
            "MountVolume.SetUp failed for volume {volume:?} : {e}"
        ))),
        Err(e) => Err(e.into()),
    }
}

fn pin_sub_path(
    out: &AnchoredDir,
    node_dir: &Path,
    sub: &str,
    target: &Path,
    mount: &VolumeMount,
    restart: bool,
) -> Result<MountResult, ProjectError> {
    let failed = |e: SubPathError| MountResult::FailedMount(e.to_string());
    let rel = target;
    let target = &out.display_path(rel);
    let exists = out.kind(rel)?.is_some();
    if exists && !restart {
        // The bind mount made at container start holds its inode whatever the volume does
        // now (§5.2), even when the key is gone; only report whether it is stale.
        let stale = match subpath::resolve(node_dir, sub) {
            Ok(resolved) => fs::read(&resolved).ok() != out.read_file(rel).ok().flatten(),
            Err(_) => true,
        };
        return Ok(MountResult::SubPathKept { stale });
    }
    let resolved = match subpath::resolve(node_dir, sub) {
        Ok(r) => r,
        Err(e) => return Ok(failed(e)),
    };
    if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
        out.create_dir_all(parent, 0o777)?;
    }
    match subpath::pin_copy(&resolved, target, &mount.mount_path) {
        Ok(()) => Ok(MountResult::SubPathPinned),
        Err(e) => Ok(failed(e)),
    }
}

fn project_env(
    out: &AnchoredDir,
    container: &Container,
    pod: &PodContext,
    store: &ObjectStore,
    opts: &ProjectOptions,
) -> Result<EnvReport, ProjectError> {
    let name = format!("{}.env", container.name);
    let mut report = EnvReport {
        container: container.name.clone(),
        file: out.display_path(&name),
        result: EnvResult::Written(0),
        events: Vec::new(),
    };
    let resolved = match resolve_env(container, pod, store, opts.kube_version) {
        Ok(r) => r,
        Err(e) => {
            report.result = config_error(&e);
            return Ok(report);
        }
    };
    report.events = resolved
        .events
        .iter()
        .map(|e| format!("{} {}: {}", e.event_type, e.reason, e.message))
        .collect();
    let text = env_file_text(&resolved);
    let existing = out
        .read_file(&name)?
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    match existing {
        Some(old) if !opts.restart => {
            report.result = EnvResult::Kept {
                would_change: changed_names(&old, &text),
            };
        }
        _ => {
            // 0600 when a Secret value is inside: DIR is the user's own, but other users
            // of the machine are not.
            let mode = if resolved.secret_derived.is_empty() {
                0o644
            } else {
                0o600
            };
            out.replace_file(&name, text.as_bytes(), mode)?;
            report.result = EnvResult::Written(resolved.vars.len());
        }
    }
    Ok(report)
}

fn config_error(e: &EnvError) -> EnvResult {
    EnvResult::ConfigError(e.to_string())
}

/// One `NAME=value` per line. A value's newlines and backslashes are escaped (`\n`, `\\`) so
/// that every variable stays on one line.
pub fn env_file_text(env: &ResolvedEnv) -> String {
    let mut s = String::new();
    for (k, v) in &env.vars {
        s.push_str(k);
        s.push('=');
        s.push_str(&v.replace('\\', "\\\\").replace('\n', "\\n"));
        s.push('\n');
    }
    s
}

fn changed_names(old: &str, new: &str) -> Vec<String> {
    let parse = |t: &str| -> BTreeMap<String, String> {
        t.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let (a, b) = (parse(old), parse(new));
    let mut names: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The pod's name and uid, made once and kept in `DIR/.kubedrill/pod` so a re-run is the same
/// pod (downwardAPI files with the name or uid must not change on a sync). Names follow the
/// controllers: `web-7d4b9c8f6d-x2x7q` for a Deployment, `db-0` for a StatefulSet, and so on.
fn pod_identity(
    state: &AnchoredDir,
    workload: &Workload,
) -> Result<(String, String), ProjectError> {
    let existing = state.read_file("pod")?;
    if let Some(text) = existing.as_deref().map(String::from_utf8_lossy)
        && let Some((name, uid)) = text.trim().split_once(' ')
        && !name.is_empty()
        && !uid.is_empty()
    {
        return Ok((name.to_string(), uid.to_string()));
    }
    let name = pod_identity::pod_name(workload, pod_identity::PodSuffix::Random);
    let uid = pod_identity::pod_uid(rand::random::<u128>());
    state.replace_file("pod", format!("{name} {uid}\n").as_bytes(), 0o600)?;
    Ok((name, uid))
}

/// An emptyDir volume's root mode on a node (kubelet's `defaultPerm`, §2.6).
const EMPTY_DIR_MODE: u32 = 0o777;

/// The volume plugin's SetUp of a volume root (emptyDir's `setupDir`): create it when missing,
/// and chmod only when its permission bits differ — kubelet compares `Perm()`, the 0777 bits, so
/// the setgid bit fsGroup added does not count. A root that is already right is not touched,
/// so a no-op sync raises no IN_ATTRIB on the mount directory (issue 6 §1).
fn set_up_volume_root(
    out: &AnchoredDir,
    rel: &Path,
    mode: u32,
) -> Result<AnchoredDir, ProjectError> {
    let (dir, created) = out.create_dir_all(rel, 0o777)?;
    if created || dir.stat_self()?.st_mode & 0o777 != mode & 0o777 {
        dir.chmod_self(mode)?;
    }
    Ok(dir)
}

/// kubedrill's own state dir, 0700 (chmod-ed only when it differs).
fn create_private_dir(out: &AnchoredDir, rel: &Path) -> Result<AnchoredDir, ProjectError> {
    let (dir, _) = out.create_dir_all(rel, 0o700)?;
    if dir.stat_self()?.st_mode & 0o7777 != 0o700 {
        dir.chmod_self(0o700)?;
    }
    Ok(dir)
}

impl fmt::Display for MountResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountResult::Written(o) if o.swapped && o.old_dir.is_none() => write!(
                f,
                "created {} ({} files)",
                o.current_dir.as_deref().unwrap_or("?"),
                o.added.len()
            ),
            MountResult::Written(o) if o.swapped => {
                let mut parts = Vec::new();
                if !o.changed.is_empty() {
                    parts.push(format!("changed {}", o.changed.join(", ")));
                }
                if !o.added.is_empty() {
                    parts.push(format!("added {}", o.added.join(", ")));
                }
                if !o.removed.is_empty() {
                    parts.push(format!("removed {}", o.removed.join(", ")));
                }
                write!(
                    f,
                    "updated: {} (..data -> {}, was {})",
                    parts.join("; "),
                    o.current_dir.as_deref().unwrap_or("?"),
                    o.old_dir.as_deref().unwrap_or("?")
                )
            }
            MountResult::Written(o) if !o.links_created.is_empty() => write!(
                f,
                "unchanged; recreated missing links {}",
                o.links_created.join(", ")
            ),
            MountResult::Written(_) => write!(f, "unchanged (no-op: no byte differs)"),
            MountResult::SubPathPinned => write!(f, "subPath pinned at container start"),
            MountResult::SubPathKept { stale: true } => write!(
                f,
                "subPath kept from container start: the volume changed but a subPath mount never \
                 updates (restart the container: --restart)"
            ),
            MountResult::SubPathKept { stale: false } => {
                write!(f, "subPath kept from container start (still current)")
            }
            MountResult::EmptyDir => write!(f, "emptyDir"),
            MountResult::Unsupported(kind) => {
                write!(f, "{kind} volume not reproduced by kubedrill (left empty)")
            }
            MountResult::FailedMount(msg) => write!(f, "FailedMount: {msg}"),
        }
    }
}

impl fmt::Display for EnvResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvResult::Written(n) => write!(f, "{n} variables resolved at container start"),
            EnvResult::Kept { would_change } if would_change.is_empty() => {
                write!(f, "kept from container start (unchanged)")
            }
            EnvResult::Kept { would_change } => write!(
                f,
                "kept from container start: env never updates in a running container; a restart \
                 would change {} (--restart)",
                would_change.join(", ")
            ),
            EnvResult::ConfigError(msg) => write!(f, "CreateContainerConfigError: {msg}"),
        }
    }
}

//! One pod as kubelet manages it: volume setup on every sync, container start with env and
//! subPath resolved at that moment, container states, restarts with back-off, and events.
//!
//! This is a state machine stepped by [`PodSim::sync`] and the `container_*` callbacks. It
//! writes volumes (through the [`AtomicWriter`]) but never starts a process: `sync` returns
//! [`Action`]s that the backend carries out with a container runtime and reports back. That
//! keeps kubelet's rules testable without processes and the runtime free of kubelet rules.
//!
//! Volume setup is the volume plugin's, as a watcher sees it on a node: the root is made (and
//! chmod-ed) once, like emptyDir's SetUp, so a sync that changes nothing raises no inotify
//! event; what an interrupted write left behind is repaired on the next sync; and the writer gets
//! the payload written last time, so it reads no more of the old version than kubelet does. All
//! of it goes through an anchored directory handle that never follows a symlink.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Container, PodSpec};

use crate::api::ObjectLookup;
use crate::kubelet::KubeVersion;
use crate::kubelet::anchored::{AnchorError, AnchoredDir};
use crate::kubelet::atomic_writer::{AtomicWriter, Payload, recover_interrupted_write};
use crate::kubelet::env::{ResolvedEnv, resolve_env};
use crate::kubelet::ownership::{apply_fs_group_at, volume_root_mode};
use crate::kubelet::payload::{PodContext, VolumeContent, build_volume_payload};
use crate::kubelet::subpath;
use crate::kubelet::subpath_expr;

/// A pod's phase as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodPhase {
    /// Not every container has started yet (volumes or config missing).
    Pending,
    /// Every container has started at least once.
    Running,
    /// All containers exited 0 and will not restart.
    Succeeded,
    /// Some container failed and will not restart.
    Failed,
}

impl PodPhase {
    /// The API spelling, e.g. `Pending`.
    pub fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
        }
    }
}

/// A container's state as kubelet reports it in the pod status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    /// Not running: `ContainerCreating`, `CreateContainerConfigError`, `CrashLoopBackOff`, ...
    Waiting {
        /// The waiting reason.
        reason: String,
        /// kubelet's message, if any.
        message: String,
    },
    /// Running since the given moment.
    Running {
        /// When the process started.
        started: Instant,
    },
    /// Exited.
    Terminated {
        /// The exit code (128+signal when killed by a signal).
        exit_code: i32,
        /// `Completed` for 0, `Error` otherwise.
        reason: String,
    },
}

impl ContainerState {
    /// `running`, `waiting` or `terminated`, as scenario files spell it.
    pub fn name(&self) -> &'static str {
        match self {
            ContainerState::Waiting { .. } => "waiting",
            ContainerState::Running { .. } => "running",
            ContainerState::Terminated { .. } => "terminated",
        }
    }

    /// The waiting or terminated reason.
    pub fn reason(&self) -> Option<&str> {
        match self {
            ContainerState::Waiting { reason, .. } | ContainerState::Terminated { reason, .. } => {
                Some(reason)
            }
            ContainerState::Running { .. } => None,
        }
    }

    fn waiting(reason: &str, message: impl Into<String>) -> Self {
        ContainerState::Waiting {
            reason: reason.to_string(),
            message: message.into(),
        }
    }
}

/// One container's status.
#[derive(Debug, Clone)]
pub struct ContainerStatus {
    /// The container's name.
    pub name: String,
    /// Its state.
    pub state: ContainerState,
    /// How often it was restarted in this pod.
    pub restart_count: u32,
    /// The env it was started with (for observation and diagnostics).
    pub env: Option<ResolvedEnv>,
    /// Earliest moment a crashed container may start again (CrashLoopBackOff).
    backoff_until: Option<Instant>,
    /// The next back-off delay.
    backoff: Duration,
    /// Whether it ever started (decides Pending vs Running).
    ever_started: bool,
    /// A start was requested and not yet confirmed.
    starting: bool,
}

/// A pod event, aggregated like kubelet's event recorder (same reason + message: count + 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodEvent {
    /// When it was first seen.
    pub first: Instant,
    /// When it was last seen.
    pub last: Instant,
    /// `Normal` or `Warning`.
    pub event_type: &'static str,
    /// e.g. `FailedMount`.
    pub reason: String,
    /// kubelet's message.
    pub message: String,
    /// How often it happened.
    pub count: u32,
}

/// One bind mount of a container: a host path shown at `container_path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountPlan {
    /// The volume's name.
    pub volume: String,
    /// The path on this machine (a volume dir or a pinned subPath file).
    pub host_path: PathBuf,
    /// The path inside the container.
    pub container_path: PathBuf,
    /// `readOnly: true` (ConfigMap/Secret volumes are always read-only for the app).
    pub read_only: bool,
    /// The volume dir this mount comes from (for diagnostics).
    pub volume_dir: PathBuf,
}

/// What the backend must do after a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start the container's process with exactly this env and these mounts.
    Start {
        /// The container.
        container: String,
        /// The resolved env, in kubelet's order.
        env: Vec<(String, String)>,
        /// The mounts.
        mounts: Vec<MountPlan>,
    },
    /// Stop the container's process (restart or pod deletion).
    Kill {
        /// The container.
        container: String,
    },
}

/// Back-off of a crashing container: kubelet's 10 s doubling to 5 min, or faster.
#[derive(Debug, Clone, Copy)]
pub struct BackOff {
    /// First delay.
    pub initial: Duration,
    /// Upper bound.
    pub max: Duration,
}

impl BackOff {
    /// kubelet's defaults.
    pub const KUBELET: BackOff = BackOff {
        initial: Duration::from_secs(10),
        max: Duration::from_secs(300),
    };
    /// For the `fast` profile: same shape, milliseconds.
    pub const FAST: BackOff = BackOff {
        initial: Duration::from_millis(20),
        max: Duration::from_secs(1),
    };
}

#[derive(Debug)]
struct VolumeSim {
    name: String,
    dir: PathBuf,
    /// `dir` relative to the pod's root.
    rel: PathBuf,
    /// Set up at least once (then a failing lookup keeps the old files, §2.5).
    mounted: bool,
    /// The wrapped emptyDir's SetUp succeeded once: like kubelet's ready marker, later syncs
    /// leave the root alone (no chmod, no inotify event).
    root_ready: bool,
    /// Not a projection: nothing to sync.
    passive: bool,
    /// The payload of the last successful write: the writer's change report comes from it, and
    /// its read footprint is kubelet's (see `atomic_writer`'s module docs).
    written: Option<Payload>,
}

/// A pod on the simulated node.
#[derive(Debug)]
pub struct PodSim {
    ctx: PodContext,
    spec: PodSpec,
    root: PathBuf,
    /// `root`, opened: volume setup never follows a symlink below it.
    anchor: AnchoredDir,
    version: KubeVersion,
    backoff: BackOff,
    volumes: BTreeMap<String, VolumeSim>,
    /// Init containers, run one at a time to completion before any app container starts.
    init: Vec<ContainerStatus>,
    containers: Vec<ContainerStatus>,
    events: Vec<PodEvent>,
    pending_restarts: Vec<String>,
    deleted: bool,
}

impl PodSim {
    /// A new pod whose volumes live under `root` (created, 0700).
    pub fn new(
        ctx: PodContext,
        spec: PodSpec,
        root: PathBuf,
        version: KubeVersion,
        backoff: BackOff,
    ) -> std::io::Result<Self> {
        fs::create_dir_all(&root)?;
        fs::set_permissions(&root, fs::Permissions::from_mode(0o700))?;
        let anchor = AnchoredDir::open(&root).map_err(anchor_io)?;
        let has_init = spec.init_containers.as_ref().is_some_and(|i| !i.is_empty());
        let status = |c: &Container, reason: &str| ContainerStatus {
            name: c.name.clone(),
            state: ContainerState::waiting(reason, ""),
            restart_count: 0,
            env: None,
            backoff_until: None,
            backoff: backoff.initial,
            ever_started: false,
            starting: false,
        };
        let init = spec
            .init_containers
            .iter()
            .flatten()
            .map(|c| status(c, "ContainerCreating"))
            .collect();
        // While init containers run, app containers wait with reason PodInitializing.
        let app_reason = if has_init {
            "PodInitializing"
        } else {
            "ContainerCreating"
        };
        let containers = spec
            .containers
            .iter()
            .map(|c| status(c, app_reason))
            .collect();
        let mut volumes = BTreeMap::new();
        for v in spec.volumes.iter().flatten() {
            let rel = Path::new("volumes").join(&v.name);
            volumes.insert(
                v.name.clone(),
                VolumeSim {
                    name: v.name.clone(),
                    dir: root.join(&rel),
                    rel,
                    mounted: false,
                    root_ready: false,
                    passive: false,
                    written: None,
                },
            );
        }
        Ok(PodSim {
            ctx,
            spec,
            root,
            anchor,
            version,
            backoff,
            volumes,
            init,
            containers,
            events: Vec::new(),
            pending_restarts: Vec::new(),
            deleted: false,
        })
    }

    /// The pod's identity.
    pub fn context(&self) -> &PodContext {
        &self.ctx
    }

    /// The pod's phase.
    pub fn phase(&self) -> PodPhase {
        if self.init_failed_for_good() {
            return PodPhase::Failed;
        }
        if self.inits_done() && self.containers.iter().all(|c| c.ever_started) {
            let terminated: Vec<_> = self
                .containers
                .iter()
                .filter_map(|c| match &c.state {
                    ContainerState::Terminated { exit_code, .. } => Some(*exit_code),
                    _ => None,
                })
                .collect();
            let policy = self.restart_policy();
            if policy != "Always" && terminated.len() == self.containers.len() {
                return if terminated.iter().all(|c| *c == 0) {
                    PodPhase::Succeeded
                } else {
                    PodPhase::Failed
                };
            }
            PodPhase::Running
        } else {
            PodPhase::Pending
        }
    }

    /// The app containers' statuses.
    pub fn containers(&self) -> &[ContainerStatus] {
        &self.containers
    }

    /// The init containers' statuses.
    pub fn init_containers(&self) -> &[ContainerStatus] {
        &self.init
    }

    /// The status of an app or init container.
    pub fn status_of(&self, name: &str) -> Option<&ContainerStatus> {
        self.status(name)
    }

    /// Whether kubelet would sync this pod again soon: a container (init or app) is not
    /// running yet, or is waiting out a back-off.
    pub fn wants_sync(&self) -> bool {
        !self.inits_done()
            || self
                .containers
                .iter()
                .any(|c| !matches!(c.state, ContainerState::Running { .. }))
    }

    fn inits_done(&self) -> bool {
        self.init
            .iter()
            .all(|c| matches!(c.state, ContainerState::Terminated { exit_code: 0, .. }))
    }

    fn init_failed_for_good(&self) -> bool {
        self.restart_policy() == "Never"
            && self.init.iter().any(|c| {
                matches!(c.state, ContainerState::Terminated { exit_code, .. } if exit_code != 0)
            })
    }

    /// The events so far, in order of first occurrence.
    pub fn events(&self) -> &[PodEvent] {
        &self.events
    }

    /// The host dir of a volume.
    pub fn volume_dir(&self, volume: &str) -> Option<&Path> {
        self.volumes.get(volume).map(|v| v.dir.as_path())
    }

    /// One kubelet sync (§7.4): set up every volume from `view` (kubelet's view of the
    /// objects), then start every container that can start. Returns what the runtime must do.
    pub fn sync(&mut self, view: &dyn ObjectLookup, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.deleted {
            return actions;
        }
        for restart in std::mem::take(&mut self.pending_restarts) {
            actions.push(Action::Kill {
                container: restart.clone(),
            });
            if let Some(c) = self.status_mut(&restart) {
                c.restart_count += 1;
                c.state = ContainerState::waiting("ContainerCreating", "");
                c.backoff_until = None;
                c.starting = false;
            }
            self.record(
                now,
                "Normal",
                "Killing",
                format!("Stopping container {restart}"),
            );
        }
        self.setup_volumes(view, now);
        // Init containers run one at a time, each to completion, before any app container.
        let inits: Vec<Container> = self.spec.init_containers.clone().unwrap_or_default();
        for init in &inits {
            match self.status(&init.name).map(|s| &s.state) {
                Some(ContainerState::Terminated { exit_code: 0, .. }) => continue,
                Some(ContainerState::Running { .. }) => return actions,
                _ => {
                    if let Some(a) = self.maybe_start(init, view, now) {
                        actions.push(a);
                    }
                    return actions;
                }
            }
        }
        let specs: Vec<Container> = self.spec.containers.clone();
        for container in &specs {
            if let Some(a) = self.maybe_start(container, view, now) {
                actions.push(a);
            }
        }
        actions
    }

    fn setup_volumes(&mut self, view: &dyn ObjectLookup, now: Instant) {
        let volumes: Vec<_> = self.spec.volumes.iter().flatten().cloned().collect();
        for v in volumes {
            let outcome = build_volume_payload(&v, &self.ctx, view);
            let Some(sim) = self.volumes.get_mut(&v.name) else {
                continue;
            };
            let anchor = &self.anchor;
            let result: Result<(), String> = match outcome {
                Err(e) => Err(e.to_string()),
                Ok(VolumeContent::EmptyDir) | Ok(VolumeContent::Unsupported(_)) => {
                    sim.passive = true;
                    set_up_root(anchor, sim, 0o777).map(|_| ())
                }
                Ok(VolumeContent::Projection(payload)) => {
                    match set_up_root(anchor, sim, volume_root_mode(payload.medium)) {
                        Err(e) => Err(e),
                        Ok(dir) => write_projection(dir, sim, &payload),
                    }
                }
            };
            match result {
                Ok(()) => sim.mounted = true,
                Err(msg) => self.record(now, "Warning", "FailedMount", msg),
            }
        }
    }

    fn maybe_start(
        &mut self,
        container: &Container,
        view: &dyn ObjectLookup,
        now: Instant,
    ) -> Option<Action> {
        let status = self.status(&container.name)?;
        let can_try = match &status.state {
            ContainerState::Running { .. } => false,
            ContainerState::Terminated { exit_code, .. } => {
                let policy = self.restart_policy();
                let is_init = self.init.iter().any(|c| c.name == container.name);
                let restart = if is_init {
                    *exit_code != 0 && policy != "Never"
                } else {
                    policy == "Always" || (policy == "OnFailure" && *exit_code != 0)
                };
                restart && status.backoff_until.is_none_or(|t| now >= t)
            }
            ContainerState::Waiting { reason, .. } => {
                reason != "CrashLoopBackOff" || status.backoff_until.is_none_or(|t| now >= t)
            }
        };
        if !can_try || status.starting {
            return None;
        }
        // Every mounted volume must have been set up once (kubelet waits for volumes).
        let mounts = container.volume_mounts.clone().unwrap_or_default();
        if mounts
            .iter()
            .any(|m| self.volumes.get(&m.name).is_none_or(|v| !v.mounted))
        {
            return None;
        }
        let env = match resolve_env(container, &self.ctx, view, self.version) {
            Ok(env) => env,
            Err(e) => {
                let msg = e.to_string();
                if let Some(s) = self.status_mut(&container.name) {
                    s.state = ContainerState::waiting("CreateContainerConfigError", msg.clone());
                }
                self.record(now, "Warning", "Failed", format!("Error: {msg}"));
                return None;
            }
        };
        for ev in &env.events {
            self.record(now, "Warning", &ev.reason, ev.message.clone());
        }
        let mut plans = Vec::new();
        for (i, m) in mounts.iter().enumerate() {
            let Some(vol) = self.volumes.get(&m.name) else {
                continue;
            };
            let read_only = m.read_only.unwrap_or(false) || !vol.passive;
            // subPathExpr is expanded and every subPath checked at container start.
            let sub_path = match subpath_expr::container_sub_path(m, &env.vars) {
                Ok(sub_path) => sub_path,
                Err(e) => {
                    self.create_container_config_error(&container.name, e.to_string(), now);
                    return None;
                }
            };
            let host_path = match sub_path.as_deref() {
                None => vol.dir.clone(),
                // emptyDir & co.: the subdirectory is created if missing and bound itself, so
                // the container's writes land in the volume.
                Some(sub) if vol.passive => {
                    let bound =
                        subpath_expr::make_sub_path_dir(&vol.dir, sub, &m.name, &container.name)
                            .map_err(|e| e.to_string())
                            .and_then(|_| {
                                subpath::resolve(&vol.dir, sub).map_err(|e| e.to_string())
                            });
                    match bound {
                        Ok(resolved) => resolved,
                        Err(msg) => {
                            self.create_container_config_error(&container.name, msg, now);
                            return None;
                        }
                    }
                }
                Some(sub) => {
                    // §5.1: resolved now and pinned; a later swap never reaches it (§5.2).
                    let pin = self
                        .root
                        .join("subpaths")
                        .join(&container.name)
                        .join(i.to_string());
                    let res = subpath::resolve(&vol.dir, sub).and_then(|resolved| {
                        if let Some(parent) = pin.parent() {
                            fs::create_dir_all(parent).map_err(|source| {
                                subpath::SubPathError::Io {
                                    mount: m.mount_path.clone(),
                                    path: parent.to_path_buf(),
                                    source,
                                }
                            })?;
                        }
                        subpath::pin_copy(&resolved, &pin, &m.mount_path)
                    });
                    if let Err(e) = res {
                        let msg = e.to_string();
                        if let Some(s) = self.status_mut(&container.name) {
                            s.state =
                                ContainerState::waiting("CreateContainerConfigError", msg.clone());
                        }
                        self.record(now, "Warning", "Failed", format!("Error: {msg}"));
                        return None;
                    }
                    pin
                }
            };
            plans.push(MountPlan {
                volume: m.name.clone(),
                host_path,
                container_path: PathBuf::from(&m.mount_path),
                read_only,
                volume_dir: vol.dir.clone(),
            });
        }
        let vars = env.vars.clone();
        let s = self.status_mut(&container.name)?;
        s.env = Some(env);
        s.starting = true;
        Some(Action::Start {
            container: container.name.clone(),
            env: vars,
            mounts: plans,
        })
    }

    /// kubelet could not build the container's config: it waits, and a `Failed` event says why.
    fn create_container_config_error(&mut self, name: &str, msg: String, now: Instant) {
        if let Some(s) = self.status_mut(name) {
            s.state = ContainerState::waiting("CreateContainerConfigError", msg.clone());
        }
        self.record(now, "Warning", "Failed", format!("Error: {msg}"));
    }

    /// The runtime started the container's process.
    pub fn container_started(&mut self, name: &str, now: Instant) {
        let image = self
            .spec
            .containers
            .iter()
            .chain(self.spec.init_containers.iter().flatten())
            .find(|c| c.name == name)
            .and_then(|c| c.image.clone())
            .unwrap_or_default();
        if let Some(s) = self.status_mut(name) {
            s.state = ContainerState::Running { started: now };
            s.ever_started = true;
            s.starting = false;
        }
        self.record(
            now,
            "Normal",
            "Pulled",
            format!("Container image {image:?} already present on machine"),
        );
        self.record(
            now,
            "Normal",
            "Created",
            format!("Created container {name}"),
        );
        self.record(
            now,
            "Normal",
            "Started",
            format!("Started container {name}"),
        );
    }

    /// The runtime could not start the process (e.g. the command does not exist).
    pub fn container_start_failed(&mut self, name: &str, message: &str, now: Instant) {
        self.container_exited(name, 128, now);
        if let Some(s) = self.status_mut(name) {
            s.state = ContainerState::Terminated {
                exit_code: 128,
                reason: "StartError".into(),
            };
        }
        self.record(now, "Warning", "Failed", format!("Error: {message}"));
    }

    /// The container's process exited with `exit_code`.
    pub fn container_exited(&mut self, name: &str, exit_code: i32, now: Instant) {
        let policy = self.restart_policy().to_string();
        let backoff_max = self.backoff.max;
        let is_init = self.init.iter().any(|c| c.name == name);
        let Some(s) = self.status_mut(name) else {
            return;
        };
        if matches!(s.state, ContainerState::Terminated { .. }) {
            return;
        }
        s.state = ContainerState::Terminated {
            exit_code,
            reason: if exit_code == 0 { "Completed" } else { "Error" }.into(),
        };
        s.starting = false;
        // An init container that succeeded is done; one that failed is retried unless the
        // pod's restartPolicy is Never.
        let restarts = if is_init {
            exit_code != 0 && policy != "Never"
        } else {
            policy == "Always" || (policy == "OnFailure" && exit_code != 0)
        };
        if restarts {
            s.restart_count += 1;
            s.backoff_until = Some(now + s.backoff);
            let delay = s.backoff;
            s.backoff = (s.backoff * 2).min(backoff_max);
            s.state = ContainerState::waiting(
                "CrashLoopBackOff",
                format!("back-off {delay:?} restarting failed container={name}"),
            );
            self.record(
                now,
                "Warning",
                "BackOff",
                format!("Back-off restarting failed container {name}"),
            );
        }
    }

    /// `restart: CONTAINER`: the next sync kills it and starts it again with env and subPath
    /// resolved anew; volumes persist (§5.3, §6.7). Returns false for an unknown container.
    pub fn request_restart(&mut self, name: &str) -> bool {
        if self.status(name).is_none() {
            return false;
        }
        self.pending_restarts.push(name.to_string());
        true
    }

    /// Deletes the pod: every container is killed, nothing starts again.
    pub fn delete(&mut self) -> Vec<Action> {
        self.deleted = true;
        self.init
            .iter()
            .chain(self.containers.iter())
            .map(|c| Action::Kill {
                container: c.name.clone(),
            })
            .collect()
    }

    fn restart_policy(&self) -> &str {
        self.spec.restart_policy.as_deref().unwrap_or("Always")
    }

    fn status(&self, name: &str) -> Option<&ContainerStatus> {
        self.init
            .iter()
            .chain(self.containers.iter())
            .find(|c| c.name == name)
    }

    fn status_mut(&mut self, name: &str) -> Option<&mut ContainerStatus> {
        self.init
            .iter_mut()
            .chain(self.containers.iter_mut())
            .find(|c| c.name == name)
    }

    fn record(&mut self, now: Instant, event_type: &'static str, reason: &str, message: String) {
        if let Some(e) = self
            .events
            .iter_mut()
            .find(|e| e.reason == reason && e.message == message)
        {
            e.count += 1;
            e.last = now;
            return;
        }
        self.events.push(PodEvent {
            first: now,
            last: now,
            event_type,
            reason: reason.to_string(),
            message,
            count: 1,
        });
    }
}

/// The wrapped emptyDir's SetUp (`pkg/volume/emptydir/empty_dir.go`): once the volume is ready
/// and its directory exists, return early — no mkdir, no chmod, so a sync that changes nothing
/// raises no inotify event. Otherwise create the root and chmod it only when its permission bits
/// differ (`setupDir`), with the mode of the volume's medium ([`volume_root_mode`]).
fn set_up_root(
    anchor: &AnchoredDir,
    sim: &mut VolumeSim,
    mode: u32,
) -> Result<AnchoredDir, String> {
    let fail = |e: AnchorError| e.to_string();
    if sim.root_ready
        && let Ok(dir) = anchor.open_dir(&sim.rel)
    {
        return Ok(dir);
    }
    let (dir, created) = anchor.create_dir_all(&sim.rel, 0o777).map_err(fail)?;
    let current = dir.stat_self().map_err(fail)?.st_mode;
    if created || current & 0o777 != mode & 0o777 {
        dir.chmod_self(mode).map_err(fail)?;
    }
    sim.root_ready = true;
    Ok(dir)
}

/// The volume plugin's SetUp after the root: repair what an interrupted write left (on a node the
/// plugin tears a volume down after a failed write and the next sync sets it up again; the
/// failed write itself stays visible for one sync, as kubelet's writer does not clean up), then
/// the AtomicWriter with the payload written last time.
fn write_projection(
    dir: AnchoredDir,
    sim: &mut VolumeSim,
    payload: &crate::kubelet::payload::VolumePayload,
) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| {
        format!("MountVolume.SetUp failed for volume {:?} : {e}", sim.name)
    };
    recover_interrupted_write(&dir).map_err(|e| failed(&e))?;
    let context = format!("volume {:?}", sim.name);
    let previous = sim.written.take();
    let res = match payload.fs_group {
        Some(gid) => {
            let root = dir.try_clone().map_err(|e| failed(&e))?;
            let hook = |_: &str| apply_fs_group_at(&root, gid);
            AtomicWriter::in_dir(dir, context).write_with_previous(
                &payload.files,
                previous.as_ref(),
                Some(&hook),
            )
        }
        None => AtomicWriter::in_dir(dir, context).write_with_previous(
            &payload.files,
            previous.as_ref(),
            None,
        ),
    };
    match res {
        Ok(_) => {
            sim.written = Some(payload.files.clone());
            Ok(())
        }
        Err(e) => Err(failed(&e)),
    }
}

fn anchor_io(e: AnchorError) -> std::io::Error {
    match e {
        AnchorError::Io { source, .. } => source,
        other => std::io::Error::other(other.to_string()),
    }
}

//! The local backend: an in-process API server ([`ObjectStore`]), a simulated kubelet
//! ([`PodSim`], [`ObjectView`], a [`TimingProfile`]) and a container runtime (local processes
//! or Docker, see [`RuntimeKind`]). It composes those parts and carries out their decisions;
//! kubelet's rules live in [`crate::kubelet`].
//!
//! Time: everything this backend schedules (the next periodic sync, back-offs, event times)
//! reads [`tokio::time::Instant`], so under `tokio::time::pause()` a 60–90 s kubelet sync
//! period passes in microseconds. The process and Docker runtimes wait for real things (a
//! child's readiness pipe, a container's exit) with tokio timeouts, so a paused clock, which
//! jumps ahead whenever the runtime is idle, would time those waits out: virtual-time runs use
//! [`RuntimeKind::Simulated`], which starts no process. See [`super::clock`].
//!
//! [`LocalBackendFactory`] is how the CLI hands the runner one such backend per scenario.

use base64::Engine;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tokio::time::Instant;

pub use super::containers::RuntimeKind;
use super::containers::{KILL_GRACE, Running, Runtime, SimulatedContainer};
use super::http::observe_http;
use super::observe::{
    observe_dir, observe_dir_at, observe_file, observe_file_at, volume_has_secret,
};
use super::volume_tree::volume_tree;
use super::{Backend, BackendError, BackendFactory, LogLine, Observed};
use crate::api::{Manifest, ObjectStore, Workload};
use crate::kubelet::KubeVersion;
use crate::kubelet::command::expand_command_and_args;
use crate::kubelet::payload::PodContext;
use crate::kubelet::pod::{Action, BackOff, MountPlan, PodSim};
use crate::kubelet::pod_identity::{self, PodSuffix};
use crate::kubelet::timing::{SplitMix64, TimingProfile};
use crate::kubelet::view::ObjectView;
use crate::report::model::{ContainerLog, Diagnostics, VolumeTree};
use crate::runtime::docker::{DockerRuntime, DockerSpec};
use crate::runtime::process::{ContainerSpec, MountSpec, ProcessRuntime};
use crate::runtime::scratch::ScratchDir;
use crate::scenario::format::{
    ContainerStateKind, ObjectKind, Observation, PodPhase, RunSpec, Scenario, Update,
};

/// How the local backend runs containers.
#[derive(Debug)]
pub struct LocalOptions {
    /// Processes or Docker containers.
    pub runtime: RuntimeKind,
    /// The workload's pod.
    pub workload: Workload,
    /// How each container runs.
    pub run: BTreeMap<String, RunSpec>,
    /// Where relative commands and working dirs are resolved (the scenario's directory).
    pub base_dir: PathBuf,
    /// A private scratch directory owned by this backend.
    pub scratch: PathBuf,
    /// The timing profile.
    pub timing: TimingProfile,
    /// kubelet version behaviour.
    pub kube_version: KubeVersion,
    /// The kubedrill executable (for `__ns-exec`).
    pub exe: PathBuf,
}

/// The local backend (see the module docs).
pub struct LocalBackend {
    opts: LocalOptions,
    store: ObjectStore,
    view: ObjectView,
    rng: SplitMix64,
    next_sync: Option<Instant>,
    pod: Option<PodSim>,
    generation: u32,
    runtime: Runtime,
    processes: BTreeMap<String, Running>,
    /// The last process of each container, kept after it exits for its logs.
    last_logs: BTreeMap<String, crate::runtime::process::LogBuffer>,
    mounts: BTreeMap<String, Vec<MountPlan>>,
    started: Instant,
    /// The scratch directory this backend owns (removed on drop unless kept).
    scratch_dir: Option<ScratchDir>,
    /// `--keep`: keep the scratch directory, with the container logs in it.
    keep: bool,
}

/// Makes a [`LocalBackend`] per scenario, each in its own private scratch directory.
#[derive(Debug, Clone)]
pub struct LocalBackendFactory {
    /// Processes, Docker containers, or simulated containers.
    pub runtime: RuntimeKind,
    /// The kubedrill executable (the process runtime re-executes it).
    pub exe: PathBuf,
    /// Keep scratch directories (with the container logs) and report where they are.
    pub keep: bool,
    /// Where scratch directories are made (default: the system temp dir).
    pub scratch_root: Option<PathBuf>,
}

impl BackendFactory for LocalBackendFactory {
    type Backend = LocalBackend;

    fn create(
        &self,
        scenario: &Scenario,
        timing: &TimingProfile,
    ) -> Result<LocalBackend, BackendError> {
        // Private (it holds projected Secret values) and locked by this process, so the next
        // run removes it if this one is killed.
        let scratch = ScratchDir::create(self.scratch_root.as_deref(), self.keep)
            .map_err(|e| BackendError::io("creating a scratch directory", e))?;
        // `kubedrill run s.yaml` from the scenario's own directory: the parent is "", i.e. ".".
        let base_dir = scenario
            .file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let base_dir = std::fs::canonicalize(&base_dir).unwrap_or(base_dir);
        let mut backend = LocalBackend::new(LocalOptions {
            runtime: self.runtime,
            workload: scenario.spec.workload.workload.clone(),
            run: scenario.spec.workload.run.clone(),
            base_dir,
            scratch: scratch.path().to_path_buf(),
            timing: timing.clone(),
            kube_version: scenario.spec.kube_version.unwrap_or_default(),
            exe: self.exe.clone(),
        });
        backend.scratch_dir = Some(scratch);
        backend.keep = self.keep;
        Ok(backend)
    }
}

impl LocalBackend {
    /// A backend that has not started anything yet.
    pub fn new(opts: LocalOptions) -> Self {
        let runtime = match opts.runtime {
            RuntimeKind::Process => {
                Runtime::Process(ProcessRuntime::new(&opts.exe).with_kill_grace(KILL_GRACE))
            }
            RuntimeKind::Docker => Runtime::Docker(None),
            RuntimeKind::Simulated => Runtime::Simulated,
        };
        let rng = SplitMix64::new(opts.timing.seed);
        LocalBackend {
            opts,
            store: ObjectStore::new(),
            view: ObjectView::default(),
            rng,
            next_sync: None,
            pod: None,
            generation: 0,
            runtime,
            processes: BTreeMap::new(),
            last_logs: BTreeMap::new(),
            mounts: BTreeMap::new(),
            started: Instant::now(),
            scratch_dir: None,
            keep: false,
        }
    }

    fn new_pod(&mut self) -> Result<(), BackendError> {
        self.generation += 1;
        let w = &self.opts.workload;
        let mut ctx = PodContext::from_pod(&w.pod_metadata, &w.spec, &w.namespace);
        ctx.name = pod_identity::pod_name(w, PodSuffix::Generation(self.generation));
        ctx.uid = pod_identity::pod_uid(
            ((self.generation as u128) << 96) | (self.rng.next_u64() >> 16) as u128,
        );
        let backoff = if self.opts.timing.syncs_on_mutation() {
            BackOff::FAST
        } else {
            BackOff::KUBELET
        };
        let root = self.opts.scratch.join(format!("pod-{}", self.generation));
        let pod = PodSim::new(ctx, w.spec.clone(), root, self.opts.kube_version, backoff)
            .map_err(|e| BackendError::io("creating pod directory", e))?;
        self.pod = Some(pod);
        Ok(())
    }

    /// One kubelet sync of the pod, then carrying out its actions.
    async fn sync(&mut self) {
        let now = Instant::now();
        self.view.refresh(
            &self.store,
            self.opts.timing.detection,
            self.opts.timing.cache_ttl,
            now.into_std(),
        );
        let actions = match self.pod.as_mut() {
            Some(pod) => pod.sync(&self.view, now.into_std()),
            None => return,
        };
        self.execute(actions).await;
        self.next_sync = self
            .opts
            .timing
            .next_sync_delay(&mut self.rng)
            .map(|d| Instant::now() + d);
    }

    async fn execute(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Kill { container } => {
                    if let Some(mut p) = self.processes.remove(&container) {
                        p.kill().await;
                        self.last_logs.insert(container, p.logs().clone());
                    }
                }
                Action::Start {
                    container,
                    env,
                    mounts,
                } => self.start_container(container, env, mounts).await,
            }
        }
    }

    async fn start_container(
        &mut self,
        name: String,
        env: Vec<(String, String)>,
        mounts: Vec<MountPlan>,
    ) {
        let Some(run) = self.opts.run.get(&name) else {
            if let Some(pod) = self.pod.as_mut() {
                pod.container_start_failed(
                    &name,
                    "no run: command for this container in the scenario",
                    Instant::now().into_std(),
                );
            }
            return;
        };
        // kubelet expands `$(VAR)` in command and args from the container's own env, before
        // the host-side extras of `run.env` are added.
        let (entrypoint, args) = expand_command_and_args(&run.command, &run.args, &env);
        let mut command = entrypoint.clone();
        command.extend(args.iter().cloned());
        let mut env = env;
        for (k, v) in &run.env {
            if !env.iter().any(|(n, _)| n == k) {
                env.push((k.clone(), v.clone()));
            }
        }
        let working_dir = Some(match &run.working_dir {
            Some(d) if d.is_absolute() => d.clone(),
            Some(d) => self.opts.base_dir.join(d),
            None => self.opts.base_dir.clone(),
        });
        let restarts = self
            .pod
            .as_ref()
            .and_then(|p| p.status_of(&name))
            .map_or(0, |c| c.restart_count);
        self.mounts.insert(name.clone(), mounts.clone());
        let now = Instant::now();
        let started = match &mut self.runtime {
            Runtime::Process(runtime) => {
                let spec = ContainerSpec {
                    name: name.clone(),
                    command,
                    env,
                    working_dir,
                    mounts: mounts
                        .iter()
                        .map(|m| MountSpec {
                            host_path: m.host_path.clone(),
                            container_path: m.container_path.clone(),
                            read_only: m.read_only,
                        })
                        .collect(),
                    scratch: self
                        .opts
                        .scratch
                        .join(format!("run-{}-{name}-{restarts}", self.generation)),
                };
                runtime
                    .start(&spec)
                    .await
                    .map(Running::Process)
                    .map_err(|e| e.to_string())
            }
            Runtime::Docker(docker) => {
                let image = run.image.clone().or_else(|| {
                    self.opts
                        .workload
                        .spec
                        .containers
                        .iter()
                        .chain(self.opts.workload.spec.init_containers.iter().flatten())
                        .find(|c| c.name == name)
                        .and_then(|c| c.image.clone())
                });
                let mut binds: Vec<(PathBuf, PathBuf, bool)> = mounts
                    .iter()
                    .map(|m| (m.host_path.clone(), m.container_path.clone(), m.read_only))
                    .collect();
                // The scenario's dir, read-only at its own path: relative commands resolve.
                binds.push((self.opts.base_dir.clone(), self.opts.base_dir.clone(), true));
                let spec = DockerSpec {
                    name: name.clone(),
                    image: image.unwrap_or_default(),
                    entrypoint,
                    args,
                    env,
                    working_dir,
                    binds,
                    run_id: self
                        .opts
                        .scratch
                        .file_name()
                        .map(|n| {
                            n.to_string_lossy()
                                .trim_start_matches("kubedrill-")
                                .to_lowercase()
                        })
                        .unwrap_or_default(),
                    owner_scratch: Some(self.opts.scratch.clone()),
                };
                let runtime = match docker {
                    Some(r) => Ok(r.clone()),
                    None => DockerRuntime::connect().await.map_err(|e| e.to_string()),
                };
                match runtime {
                    Ok(r) => {
                        *docker = Some(r.clone());
                        r.start(&spec)
                            .await
                            .map(Running::Docker)
                            .map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e),
                }
            }
            Runtime::Simulated => Ok(Running::Simulated(SimulatedContainer {
                env,
                logs: crate::runtime::process::LogBuffer::new(),
            })),
        };
        match started {
            Ok(p) => {
                self.last_logs.insert(name.clone(), p.logs().clone());
                self.processes.insert(name.clone(), p);
                if let Some(pod) = self.pod.as_mut() {
                    pod.container_started(&name, now.into_std());
                }
            }
            Err(e) => {
                if let Some(pod) = self.pod.as_mut() {
                    pod.container_start_failed(&name, &e, now.into_std());
                }
            }
        }
    }

    fn only_container(&self, container: &Option<String>) -> String {
        container.clone().unwrap_or_else(|| {
            self.opts
                .workload
                .spec
                .containers
                .first()
                .map(|c| c.name.clone())
                .unwrap_or_default()
        })
    }

    fn running_pid(&self, container: &str) -> Result<u32, Observed> {
        match self.processes.get(container) {
            Some(p) if p.try_wait().is_none() => Ok(p.pid()),
            _ => Err(Observed::Unavailable(format!(
                "container {container} is not running ({})",
                self.container_state_text(container)
            ))),
        }
    }

    fn container_state_text(&self, container: &str) -> String {
        self.pod
            .as_ref()
            .and_then(|p| p.status_of(container))
            .map(|c| match c.state.reason() {
                Some(r) => format!("{} {r}", c.state.name()),
                None => c.state.name().to_string(),
            })
            .unwrap_or_else(|| "unknown".into())
    }

    /// For a [`RuntimeKind::Simulated`] container: where `path` inside it is on the host,
    /// through the deepest mount that holds it (kubelet's mounts are all it has).
    fn simulated_path(&self, container: &str, path: &str) -> Option<PathBuf> {
        if !matches!(self.processes.get(container), Some(Running::Simulated(_))) {
            return None;
        }
        let plans = self.mounts.get(container)?;
        let mount = plans
            .iter()
            .filter(|m| Path::new(path).starts_with(&m.container_path))
            .max_by_key(|m| m.container_path.as_os_str().len())?;
        let rest = Path::new(path).strip_prefix(&mount.container_path).ok()?;
        let mut host = mount.host_path.clone();
        for c in rest.components() {
            if let std::path::Component::Normal(n) = c {
                host.push(n);
            }
        }
        Some(host)
    }

    async fn mutated(&mut self) {
        if self.opts.timing.syncs_on_mutation() {
            self.sync().await;
        }
    }
}

/// The object store's refusal (not found, immutable, invalid), as the API server says it.
fn rejected(e: impl std::fmt::Display) -> BackendError {
    BackendError::Rejected(e.to_string())
}

impl Backend for LocalBackend {
    fn name(&self) -> &str {
        self.opts.runtime.as_str()
    }

    async fn start(&mut self, objects: &[Manifest]) -> Result<(), BackendError> {
        self.started = Instant::now();
        for m in objects {
            apply_one(&mut self.store, m, false)?;
        }
        self.new_pod()?;
        self.sync().await;
        Ok(())
    }

    async fn apply(&mut self, manifests: &[Manifest]) -> Result<String, BackendError> {
        let mut out = Vec::new();
        for m in manifests {
            out.push(apply_one(&mut self.store, m, true)?);
        }
        self.mutated().await;
        Ok(out.join(", "))
    }

    async fn update(&mut self, u: &Update) -> Result<String, BackendError> {
        let ns = self.opts.workload.namespace.clone();
        let msg = match u.kind {
            ObjectKind::ConfigMap => {
                let mut binary = BTreeMap::new();
                for (k, v) in &u.binary_data {
                    let bytes = match v {
                        Some(b64) => Some(
                            base64::engine::general_purpose::STANDARD
                                .decode(b64)
                                .map_err(|e| rejected(format!("binaryData[{k}]: {e}")))?,
                        ),
                        None => None,
                    };
                    binary.insert(k.clone(), bytes);
                }
                self.store
                    .patch_config_map(&ns, &u.name, u.data.clone(), binary)
                    .map_err(rejected)?;
                format!("configmap/{} patched", u.name)
            }
            ObjectKind::Secret => {
                let mut data = BTreeMap::new();
                for (k, v) in &u.data {
                    let bytes = match v {
                        Some(b64) => Some(
                            base64::engine::general_purpose::STANDARD
                                .decode(b64)
                                .map_err(|e| rejected(format!("data[{k}]: {e}")))?,
                        ),
                        None => None,
                    };
                    data.insert(k.clone(), bytes);
                }
                self.store
                    .patch_secret(&ns, &u.name, data, u.string_data.clone())
                    .map_err(rejected)?;
                format!("secret/{} patched", u.name)
            }
        };
        self.mutated().await;
        Ok(msg)
    }

    async fn delete(&mut self, kind: ObjectKind, name: &str) -> Result<String, BackendError> {
        let ns = self.opts.workload.namespace.clone();
        let msg = match kind {
            ObjectKind::ConfigMap => {
                self.store.delete_config_map(&ns, name).map_err(rejected)?;
                format!("configmap \"{name}\" deleted")
            }
            ObjectKind::Secret => {
                self.store.delete_secret(&ns, name).map_err(rejected)?;
                format!("secret \"{name}\" deleted")
            }
        };
        self.mutated().await;
        Ok(msg)
    }

    async fn restart(&mut self, container: &str) -> Result<(), BackendError> {
        let ok = self
            .pod
            .as_mut()
            .is_some_and(|p| p.request_restart(container));
        if !ok {
            return Err(BackendError::NoSuchContainer(format!(
                "no container {container:?} in the pod"
            )));
        }
        self.sync().await;
        Ok(())
    }

    async fn recreate_pod(&mut self) -> Result<(), BackendError> {
        if let Some(pod) = self.pod.as_mut() {
            let actions = pod.delete();
            self.execute(actions).await;
        }
        self.last_logs.clear();
        self.mounts.clear();
        self.new_pod()?;
        self.sync().await;
        Ok(())
    }

    async fn touch_pod(&mut self) -> Result<(), BackendError> {
        self.sync().await;
        Ok(())
    }

    async fn signal(&mut self, container: &str, signal: &str) -> Result<(), BackendError> {
        let p = self.processes.get(container).ok_or_else(|| {
            BackendError::NoSuchContainer(format!("container {container} is not running"))
        })?;
        p.signal(signal)
            .await
            .map_err(|e| BackendError::Runtime(format!("signal {signal} to {container}: {e}")))
    }

    async fn tick(&mut self) {
        let now = Instant::now();
        let exited: Vec<(String, i32)> = self
            .processes
            .iter()
            .filter_map(|(n, p)| p.try_wait().map(|r| (n.clone(), r.exit_code())))
            .collect();
        let mut need_sync = false;
        for (name, code) in exited {
            if let Some(p) = self.processes.remove(&name) {
                self.last_logs.insert(name.clone(), p.logs().clone());
            }
            if let Some(pod) = self.pod.as_mut() {
                pod.container_exited(&name, code, now.into_std());
            }
            need_sync = true;
        }
        // A container waiting for its back-off, a volume or its config is retried by kubelet's
        // pod workers (kubelet re-queues the pod); a healthy pod waits for its periodic sync.
        let waiting = self.pod.as_ref().is_some_and(PodSim::wants_sync);
        let periodic_due = self.next_sync.is_some_and(|t| now >= t);
        let retry_due =
            waiting && (self.opts.timing.syncs_on_mutation() || periodic_due || need_sync);
        if need_sync || periodic_due || retry_due {
            self.sync().await;
        }
    }

    async fn observe(&mut self, obs: &Observation) -> Observed {
        match obs {
            Observation::File { path, container } => {
                let c = self.only_container(container);
                let pid = match self.running_pid(&c) {
                    Ok(pid) => pid,
                    Err(o) => return o,
                };
                match self.simulated_path(&c, path) {
                    Some(host) => observe_file_at(&host, path),
                    None => observe_file(pid, path),
                }
            }
            Observation::Dir { path, container } => {
                let c = self.only_container(container);
                let pid = match self.running_pid(&c) {
                    Ok(pid) => pid,
                    Err(o) => return o,
                };
                match self.simulated_path(&c, path) {
                    Some(host) => observe_dir_at(&host, path),
                    None => observe_dir(pid, path),
                }
            }
            Observation::Env { name, container } => {
                let c = self.only_container(container);
                let Some(p) = self.processes.get(&c).filter(|p| p.try_wait().is_none()) else {
                    return Observed::Unavailable(format!(
                        "container {c} is not running ({})",
                        self.container_state_text(&c)
                    ));
                };
                match p.env() {
                    Ok(env) => {
                        Observed::Env(env.into_iter().find(|(k, _)| k == name).map(|(_, v)| v))
                    }
                    Err(e) => Observed::Unavailable(format!("reading env of {c}: {e}")),
                }
            }
            Observation::Log { container, .. } => match self.last_logs.get(container) {
                Some(buf) => Observed::Log(
                    buf.lines()
                        .into_iter()
                        .map(|l| LogLine {
                            at: super::clock::wall_at(l.at),
                            text: l.text,
                        })
                        .collect(),
                ),
                None => Observed::Log(Vec::new()),
            },
            Observation::Http {
                port,
                path,
                request,
                ..
            } => observe_http(*port, path, request).await,
            Observation::Tls { port, .. } => match super::tls::served_certificate(*port).await {
                Ok(c) => Observed::Tls {
                    cn: c.cn,
                    sha256: c.sha256,
                },
                Err(e) => Observed::Unavailable(e),
            },
            Observation::Container(m) => {
                let name = self.only_container(&m.name);
                match self.pod.as_ref().and_then(|p| p.status_of(&name)) {
                    Some(c) => Observed::Container {
                        state: match &c.state {
                            crate::kubelet::pod::ContainerState::Waiting { .. } => {
                                ContainerStateKind::Waiting
                            }
                            crate::kubelet::pod::ContainerState::Running { .. } => {
                                ContainerStateKind::Running
                            }
                            crate::kubelet::pod::ContainerState::Terminated { .. } => {
                                ContainerStateKind::Terminated
                            }
                        },
                        reason: c.state.reason().map(str::to_string),
                        restarts: c.restart_count,
                    },
                    None => Observed::Unavailable(format!("no container {name}")),
                }
            }
            Observation::Pod(_) => Observed::Pod {
                phase: self
                    .pod
                    .as_ref()
                    .map_or(PodPhase::Unknown, |p| pod_phase(p.phase())),
            },
            Observation::Event { reason } => Observed::Events(
                self.pod
                    .as_ref()
                    .map(|p| {
                        p.events()
                            .iter()
                            .filter(|e| &e.reason == reason)
                            .map(|e| e.message.clone())
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        }
    }

    fn is_secret(&self, obs: &Observation) -> bool {
        match obs {
            Observation::Env { name, container } => {
                let c = self.only_container(container);
                self.pod
                    .as_ref()
                    .and_then(|p| p.status_of(&c))
                    .and_then(|s| s.env.as_ref())
                    .is_some_and(|e| e.secret_derived.contains(name))
            }
            Observation::File { path, container } | Observation::Dir { path, container } => {
                let c = self.only_container(container);
                self.mounts.get(&c).is_some_and(|plans| {
                    plans
                        .iter()
                        .filter(|m| Path::new(path).starts_with(&m.container_path))
                        .max_by_key(|m| m.container_path.as_os_str().len())
                        .is_some_and(|m| volume_has_secret(&self.opts.workload, &m.volume))
                })
            }
            _ => false,
        }
    }

    fn secret_values(&self) -> Vec<Vec<u8>> {
        self.store
            .secrets()
            .flat_map(|s| s.data.iter().flatten().map(|(_, v)| v.0.clone()))
            .collect()
    }

    fn container_logs(&self) -> Vec<(String, Vec<String>)> {
        self.last_logs
            .iter()
            .map(|(c, buf)| (c.clone(), buf.lines().into_iter().map(|l| l.text).collect()))
            .collect()
    }

    async fn diagnostics(&mut self) -> Diagnostics {
        let mut d = Diagnostics::default();
        for (container, plans) in &self.mounts {
            for m in plans {
                d.volumes.push(VolumeTree {
                    volume: format!("{} ({container})", m.volume),
                    mount_path: m.container_path.display().to_string(),
                    entries: volume_tree(
                        &m.host_path,
                        volume_has_secret(&self.opts.workload, &m.volume),
                    ),
                });
            }
        }
        if let Some(pod) = &self.pod {
            for c in pod.init_containers().iter().chain(pod.containers()) {
                // kubelet's resolved env, not /proc/PID/environ: an interpreter's launcher
                // (e.g. a pyenv shim) adds variables the container was never given.
                let env = c.env.as_ref().map(|e| e.vars.clone()).unwrap_or_default();
                d.env.push((c.name.clone(), env));
            }
            for e in pod.events() {
                d.events.push(format!(
                    "+{:.3}s {} {}{}: {}",
                    e.first
                        .saturating_duration_since(self.started.into_std())
                        .as_secs_f64(),
                    e.event_type,
                    e.reason,
                    if e.count > 1 {
                        format!(" (x{})", e.count)
                    } else {
                        String::new()
                    },
                    e.message
                ));
            }
        }
        // Every line: the runner redacts them, then cuts the excerpt (report::excerpt).
        for (c, buf) in &self.last_logs {
            d.logs
                .push((c.clone(), buf.lines().into_iter().map(|l| l.text).collect()));
        }
        d
    }

    async fn shutdown(&mut self) {
        for (_, mut p) in std::mem::take(&mut self.processes) {
            p.kill().await;
        }
    }

    fn finish(&mut self, logs: &[ContainerLog]) -> Result<Option<PathBuf>, BackendError> {
        let Some(scratch) = self.scratch_dir.take() else {
            return Ok(None);
        };
        if !self.keep {
            return Ok(None);
        }
        let written = keep_logs(scratch.path(), logs).map_err(|e| {
            BackendError::io(
                format!("writing container logs into {}", scratch.path().display()),
                e,
            )
        });
        let kept = scratch.keep();
        written.map(|()| Some(kept))
    }
}

/// kubelet's pod phase as the API spells it.
fn pod_phase(phase: crate::kubelet::pod::PodPhase) -> PodPhase {
    match phase.as_str() {
        "Pending" => PodPhase::Pending,
        "Running" => PodPhase::Running,
        "Succeeded" => PodPhase::Succeeded,
        "Failed" => PodPhase::Failed,
        _ => PodPhase::Unknown,
    }
}

/// `--keep`: each container's (redacted) log as `logs/CONTAINER.log` in the kept scratch dir.
fn keep_logs(scratch: &Path, logs: &[ContainerLog]) -> std::io::Result<()> {
    let dir = scratch.join("logs");
    std::fs::create_dir_all(&dir)?;
    for log in logs {
        // Container names are DNS labels (validated); refuse anything that could leave `dir`.
        if log.container.is_empty()
            || log.container.starts_with('.')
            || log.container.contains(['/', '\0'])
        {
            continue;
        }
        let mut text = log.lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        std::fs::write(dir.join(format!("{}.log", log.container)), text)?;
    }
    Ok(())
}

fn apply_one(store: &mut ObjectStore, m: &Manifest, replace: bool) -> Result<String, BackendError> {
    let err = |e: crate::api::StoreError| rejected(format!("{}: {e}", m.origin()));
    match m {
        Manifest::ConfigMap(cm, _) => {
            let name = m.name().to_string();
            if replace {
                let r = store.apply_config_map(cm.clone()).map_err(err)?;
                Ok(format!("configmap/{name} {r:?}").to_lowercase())
            } else {
                store.create_config_map(cm.clone()).map_err(err)?;
                Ok(format!("configmap/{name} created"))
            }
        }
        Manifest::Secret(s, _) => {
            let name = m.name().to_string();
            if replace {
                let r = store.apply_secret(s.clone()).map_err(err)?;
                Ok(format!("secret/{name} {r:?}").to_lowercase())
            } else {
                store.create_secret(s.clone()).map_err(err)?;
                Ok(format!("secret/{name} created"))
            }
        }
        Manifest::Workload(w) => Err(rejected(format!(
            "{}: {} {} cannot be applied by a step (hint: steps apply ConfigMaps and Secrets; use recreate: pod)",
            w.origin, w.kind, w.name
        ))),
    }
}

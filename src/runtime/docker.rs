//! The Docker runtime: a container as a real Docker container, talking to a real engine.
//!
//! Each container starts from the workload's image (or `run.image`), with exactly the
//! resolved env, its volumes bind-mounted at their `mountPath`s (read-only like kubelet's
//! ConfigMap/Secret mounts; a subPath is its pinned file), host networking (so `http`/`tls`
//! observations reach `127.0.0.1:port` as with the process backend) and the scenario's
//! directory mounted read-only at its own path as the working directory (so a relative
//! `command` such as `apps/app.py` resolves as it does locally). Observations go through the
//! container's host pid (`/proc/PID/environ`, `/proc/PID/root`), exactly as for processes.
//!
//! Containers are created and removed through `testcontainers` (DESIGN.md's choice); its
//! re-exported `bollard` client does what testcontainers has no call for (the host pid,
//! signals, the exit wait, the log copy). Containers are labelled `io.kubedrill.run` and
//! removed when their [`DockerContainer`] is killed or dropped — also when a run is cancelled
//! with Ctrl-C. testcontainers removes a dropped container from `Drop` on any tokio runtime
//! (on a current-thread runtime through its drop worker thread); [`DockerContainer`]'s own
//! `Drop` also gives it a runtime context when it is dropped outside one, where
//! testcontainers would panic. They are also labelled with their run's scratch directory
//! (`io.kubedrill.scratch`): when a run is killed outright, the next
//! `kubedrill run --backend docker` removes them ([`DockerRuntime::remove_orphans`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use testcontainers::bollard::Docker;
use testcontainers::bollard::query_parameters::{
    KillContainerOptionsBuilder, ListContainersOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, WaitContainerOptionsBuilder,
};
use testcontainers::core::{AccessMode, Mount};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::process::{ExitReason, LogBuffer, LogStream};

/// The label on every container kubedrill creates.
pub const RUN_LABEL: &str = "io.kubedrill.run";
/// The label holding the owning run's scratch directory.
pub const SCRATCH_LABEL: &str = "io.kubedrill.scratch";
/// The label saying where that directory's path means something: the host name and mount
/// namespace of the owning run. An engine is often shared (CI jobs in containers that mount
/// the host's socket): a path that does not exist *here* says nothing about a run elsewhere.
pub const SCOPE_LABEL: &str = "io.kubedrill.scope";

/// This process's [`SCOPE_LABEL`] value: `HOSTNAME/mnt:[INODE]`.
pub(crate) fn owner_scope() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let mnt = std::fs::read_link("/proc/self/ns/mnt").unwrap_or_default();
    format!("{}/{}", host.trim(), mnt.display())
}

/// Why a Docker container could not be started or the engine not reached.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// No engine answered.
    #[error(
        "cannot reach a Docker engine: {0} (hint: start dockerd and check /var/run/docker.sock, or use --backend process)"
    )]
    Unreachable(String),
    /// The engine refused to create or start the container.
    #[error("container {container:?} failed to start: {message}")]
    Start {
        /// The container's name in the pod.
        container: String,
        /// The engine's message (e.g. `No such image: busybox:latest`).
        message: String,
    },
}

/// What to run in one Docker container.
#[derive(Debug, Clone)]
pub struct DockerSpec {
    /// The container's name in the pod.
    pub name: String,
    /// The image.
    pub image: String,
    /// Replaces the image's ENTRYPOINT (Kubernetes `command`); empty keeps it.
    pub entrypoint: Vec<String>,
    /// Replaces the image's CMD (Kubernetes `args`).
    pub args: Vec<String>,
    /// Exactly the container's env.
    pub env: Vec<(String, String)>,
    /// The working directory inside the container.
    pub working_dir: Option<PathBuf>,
    /// `(host path, container path, read-only)` bind mounts.
    pub binds: Vec<(PathBuf, PathBuf, bool)>,
    /// A label value shared by the run's containers.
    pub run_id: String,
    /// The scratch directory of the run that owns the container (see
    /// [`super::scratch`]): labelled [`SCRATCH_LABEL`], so the next run can remove the
    /// container when that run died without cleaning up.
    pub owner_scratch: Option<PathBuf>,
}

/// A connection to the Docker engine.
#[derive(Debug, Clone)]
pub struct DockerRuntime {
    docker: Docker,
}

impl DockerRuntime {
    /// Connects to the engine testcontainers finds (`DOCKER_HOST`, then the usual sockets) and
    /// checks that it answers.
    pub async fn connect() -> Result<Self, DockerError> {
        let docker = testcontainers::core::client::docker_client_instance()
            .await
            .map_err(|e| DockerError::Unreachable(e.to_string()))?;
        docker
            .ping()
            .await
            .map_err(|e| DockerError::Unreachable(e.to_string()))?;
        Ok(DockerRuntime { docker })
    }

    /// The engine's client, for calls testcontainers has no method for.
    pub fn client(&self) -> &Docker {
        &self.docker
    }

    /// Creates and starts the container; returns once it runs (its pid is known).
    pub async fn start(&self, spec: &DockerSpec) -> Result<DockerContainer, DockerError> {
        let fail = |message: String| DockerError::Start {
            container: spec.name.clone(),
            message,
        };
        // kubelet pulls an image it does not have; so does testcontainers. Said up front so
        // that a failed pull still names the image as missing here.
        let local = self.docker.inspect_image(&spec.image).await.is_ok();
        let name = format!(
            "kubedrill-{}-{}-{:08x}",
            spec.run_id,
            spec.name,
            rand::random::<u32>()
        );
        let request = container_request(spec, &name);
        let started = request.start().await;
        let inner = match started {
            Ok(c) => c,
            Err(e) => {
                // testcontainers leaves a container that was created but failed to start
                // (e.g. its command does not exist): remove it by name.
                let options = RemoveContainerOptionsBuilder::default().force(true).build();
                let _ = self.docker.remove_container(&name, Some(options)).await;
                let message = if local {
                    e.to_string()
                } else {
                    format!(
                        "No such image: {} here, and pulling it failed: {e}",
                        spec.image
                    )
                };
                return Err(fail(message));
            }
        };
        let id = inner.id().to_string();
        let mut container = DockerContainer {
            docker: self.docker.clone(),
            inner: Some(Box::new(inner)),
            id: id.clone(),
            pid: 0,
            logs: LogBuffer::new(),
            exit: Arc::new(Mutex::new(None)),
            logs_done: Arc::new(AtomicBool::new(false)),
            started_at: Instant::now(),
        };
        // On error `container` is dropped here, which removes it.
        let inspect = self
            .docker
            .inspect_container(&id, None)
            .await
            .map_err(|e| fail(e.to_string()))?;
        container.pid = inspect
            .state
            .as_ref()
            .and_then(|s| s.pid)
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or(0);
        container.follow();
        Ok(container)
    }
}

/// Splits an image reference into testcontainers' name and tag: `reg:5000/app:1` ->
/// (`reg:5000/app`, `1`); no tag -> `latest`; a digest stays with the tag
/// (`app:1@sha256:…`, or `latest@sha256:…`, which the engine resolves by digest).
pub(crate) fn split_image(image: &str) -> (String, String) {
    let (reference, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match reference[last_slash..].rfind(':') {
        Some(i) => (
            &reference[..last_slash + i],
            &reference[last_slash + i + 1..],
        ),
        None => (reference, "latest"),
    };
    let tag = match digest {
        Some(d) => format!("{tag}@{d}"),
        None => tag.to_string(),
    };
    (name.to_string(), tag)
}

/// The testcontainers request for one container of the pod.
fn container_request(
    spec: &DockerSpec,
    name: &str,
) -> testcontainers::ContainerRequest<GenericImage> {
    let (image_name, tag) = split_image(&spec.image);
    let mut image = GenericImage::new(image_name, tag);
    // Kubernetes' `command` is an argv; testcontainers' entrypoint is one string, and the
    // rest goes before `args` in CMD: the engine runs ENTRYPOINT + CMD, the same argv.
    let mut cmd: Vec<String> = Vec::new();
    if let Some((first, rest)) = spec.entrypoint.split_first() {
        image = image.with_entrypoint(first);
        cmd.extend(rest.iter().cloned());
    }
    cmd.extend(spec.args.iter().cloned());
    let mut request = image
        .with_container_name(name)
        .with_label(RUN_LABEL, spec.run_id.clone())
        .with_startup_timeout(Duration::from_secs(120));
    if !cmd.is_empty() {
        request = request.with_cmd(cmd);
    }
    if let Some(dir) = &spec.owner_scratch {
        request = request
            .with_label(SCRATCH_LABEL, dir.display().to_string())
            .with_label(SCOPE_LABEL, owner_scope());
    }
    for (k, v) in &spec.env {
        request = request.with_env_var(k.clone(), v.clone());
    }
    if let Some(dir) = &spec.working_dir {
        request = request.with_working_dir(dir.display().to_string());
    }
    for (host, container, read_only) in &spec.binds {
        let mount = Mount::bind_mount(host.display().to_string(), container.display().to_string())
            .with_access_mode(if *read_only {
                AccessMode::ReadOnly
            } else {
                AccessMode::ReadWrite
            });
        request = request.with_mount(mount);
    }
    request.with_host_config_modifier(|host| {
        // Host networking: no published ports (testcontainers publishes all by default).
        host.network_mode = Some("host".into());
        host.publish_all_ports = Some(false);
        host.port_bindings = None;
    })
}

impl DockerRuntime {
    /// Removes the containers of runs that died without cleaning up (`kill -9`): those
    /// labelled with a [`SCRATCH_LABEL`] directory whose owner is gone (see
    /// [`super::scratch::owner_alive`]), started from this host and mount namespace
    /// ([`SCOPE_LABEL`]). Returns the names removed. Containers without the labels (an older
    /// kubedrill's, or another machine's or container's) are left alone.
    pub async fn remove_orphans(&self) -> Vec<String> {
        let scope = format!("{SCOPE_LABEL}={}", owner_scope());
        let filters = HashMap::from([("label", vec![SCRATCH_LABEL, scope.as_str()])]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let Ok(containers) = self.docker.list_containers(Some(options)).await else {
            return Vec::new();
        };
        let mut removed = Vec::new();
        for c in containers {
            let (Some(id), Some(dir)) = (
                c.id.as_ref(),
                c.labels.as_ref().and_then(|l| l.get(SCRATCH_LABEL)),
            ) else {
                continue;
            };
            if super::scratch::owner_alive(std::path::Path::new(dir)) {
                continue;
            }
            // `v`: a kind node's anonymous /var volume goes with it.
            let options = RemoveContainerOptionsBuilder::default()
                .force(true)
                .v(true)
                .build();
            if self
                .docker
                .remove_container(id, Some(options))
                .await
                .is_ok()
            {
                let name = c
                    .names
                    .as_ref()
                    .and_then(|n| n.first())
                    .map_or_else(|| id.clone(), |n| n.trim_start_matches('/').to_string());
                removed.push(name);
            }
        }
        removed
    }
}

/// A started Docker container. Dropping it removes the container.
#[derive(Debug)]
pub struct DockerContainer {
    docker: Docker,
    /// testcontainers' handle: removing the container is its job (`rm`, or its `Drop`).
    /// `None` once removed.
    /// Boxed: the handle is large and `DockerContainer` sits in an enum next to processes.
    inner: Option<Box<ContainerAsync<GenericImage>>>,
    id: String,
    pid: u32,
    logs: LogBuffer,
    exit: Arc<Mutex<Option<ExitReason>>>,
    /// Set by the log-copy thread when the engine's log stream has ended: a stopped
    /// container is removed only after that, or a short-lived container's output (printed and
    /// exited before the copy thread attached) would be lost with it.
    logs_done: Arc<AtomicBool>,
    started_at: Instant,
}

/// How long removal waits for the log copy of a stopped container to finish.
const LOG_DRAIN_WAIT: Duration = Duration::from_secs(3);

/// Waits (bounded) until `done` is set. Blocking: called from the removal thread, or through
/// `spawn_blocking` from async code.
fn wait_for_logs(done: &AtomicBool) {
    let deadline = Instant::now() + LOG_DRAIN_WAIT;
    while !done.load(Ordering::Acquire) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

impl DockerContainer {
    /// The host pid of the container's main process (0 if it exited before it was read).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The container's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its stdout and stderr, line by line.
    pub fn logs(&self) -> &LogBuffer {
        &self.logs
    }

    /// When it started.
    pub fn started_at(&self) -> Instant {
        self.started_at
    }

    /// How it ended, if it has.
    pub fn try_wait(&self) -> Option<ExitReason> {
        *self.exit.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends a signal (`HUP`, `TERM`, …) to the container's main process.
    pub async fn signal(&self, signal: &str) -> Result<(), String> {
        let options = KillContainerOptionsBuilder::default()
            .signal(signal)
            .build();
        self.docker
            .kill_container(&self.id, Some(options))
            .await
            .map_err(|e| e.to_string())
    }

    /// SIGTERM, up to `grace` to exit, then removes the container (SIGKILL).
    pub async fn kill(&mut self, grace: Duration) -> ExitReason {
        if self.try_wait().is_none() {
            let _ = self.signal("TERM").await;
            let deadline = Instant::now() + grace;
            while self.try_wait().is_none() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        if self.try_wait().is_some() {
            let done = self.logs_done.clone();
            let _ = tokio::task::spawn_blocking(move || wait_for_logs(&done)).await;
        }
        if let Some(inner) = self.inner.take() {
            let _ = inner.rm().await;
        }
        self.try_wait().unwrap_or(ExitReason::Signaled(9))
    }

    /// Starts the background work that copies logs and records the exit. Logs are copied on a
    /// thread of their own, with its own runtime and engine connection, so they keep flowing
    /// while a scenario step keeps the scenario's runtime busy.
    fn follow(&self) {
        let (id, logs, done) = (self.id.clone(), self.logs.clone(), self.logs_done.clone());
        let copy_logs = async move {
            let Ok(engine) = DockerRuntime::connect().await else {
                done.store(true, Ordering::Release);
                return;
            };
            let docker = engine.docker;
            let options = LogsOptionsBuilder::default()
                .follow(true)
                .stdout(true)
                .stderr(true)
                .build();
            let mut stream = docker.logs(&id, Some(options));
            let (mut out, mut err) = (String::new(), String::new());
            while let Some(Ok(chunk)) = stream.next().await {
                let (kind, bytes) = match chunk {
                    testcontainers::bollard::container::LogOutput::StdErr { message } => {
                        (LogStream::Stderr, message)
                    }
                    other => (LogStream::Stdout, other.into_bytes()),
                };
                let buf = if kind == LogStream::Stderr {
                    &mut err
                } else {
                    &mut out
                };
                buf.push_str(&String::from_utf8_lossy(&bytes));
                while let Some(i) = buf.find('\n') {
                    let line: String = buf.drain(..=i).collect();
                    logs.push(kind, line.trim_end_matches(['\n', '\r']));
                }
            }
            // A last line without a newline is still a line.
            for (kind, rest) in [(LogStream::Stdout, out), (LogStream::Stderr, err)] {
                if !rest.is_empty() {
                    logs.push(kind, rest.trim_end_matches('\r'));
                }
            }
            done.store(true, Ordering::Release);
        };
        let _ = super::blocking::spawn_thread("kubedrill-docker-log", move || copy_logs);
        let (docker, id, exit) = (self.docker.clone(), self.id.clone(), self.exit.clone());
        tokio::spawn(async move {
            let options = WaitContainerOptionsBuilder::default().build();
            let mut stream = docker.wait_container(&id, Some(options));
            let code = match stream.next().await {
                Some(Ok(r)) => r.status_code,
                Some(Err(testcontainers::bollard::errors::Error::DockerContainerWaitError {
                    code,
                    ..
                })) => code,
                _ => -1,
            };
            let reason = if code > 128 && code < 160 {
                ExitReason::Signaled((code - 128) as i32)
            } else {
                ExitReason::Exited(code as i32)
            };
            *exit.lock().unwrap_or_else(PoisonError::into_inner) = Some(reason);
        });
    }
}

impl Drop for DockerContainer {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        // A stopped container's log copy may still be reading: give it a bounded moment.
        if self.try_wait().is_some() {
            wait_for_logs(&self.logs_done);
        }
        // testcontainers' Drop removes the container on the current tokio runtime (through
        // its drop worker on a current-thread runtime) and panics outside any runtime: give it
        // one there.
        if tokio::runtime::Handle::try_current().is_ok() {
            drop(inner);
        } else if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            let _guard = rt.enter();
            drop(inner);
        }
    }
}

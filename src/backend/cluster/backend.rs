//! [`ClusterBackend`]: the [`Backend`] trait over a real cluster. Each method is a thin call
//! into the kube-facing functions of the sibling modules (objects, lifecycle, exec,
//! observe), which take a `kube::Client` and plain values, so they stay the same whatever
//! shape the trait takes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, LogParams};

use super::config::{ClusterOptions, Connection};
use super::errors::ClusterError;
use super::exec::{exec, forward_once};
use super::lifecycle::{self, START_TIMEOUT};
use super::namespace::{self, NamespaceGuard, TERMINATE_TIMEOUT};
use super::observe;
use super::workload::{PodPlan, plan_pod};
use super::{objects, observe::event_line};
use crate::api::{Manifest, Workload};
use crate::backend::observe::volume_has_secret;
use crate::backend::{Backend, BackendError, Observed};
use crate::report::model::{ContainerLog, Diagnostics};
use crate::scenario::format::{ObjectKind, Observation, RunSpec, Update};

/// How long `restart:` waits for kubelet to restart the container.
pub const RESTART_TIMEOUT: Duration = Duration::from_secs(60);

/// What the backend needs to know about the scenario.
#[derive(Debug, Clone)]
pub struct ClusterScenario {
    /// The scenario's name (labels, messages).
    pub name: String,
    /// The workload's pod.
    pub workload: Workload,
    /// `run:` per container.
    pub run: BTreeMap<String, RunSpec>,
    /// The scenario's directory (app files are relative to it).
    pub base_dir: PathBuf,
    /// `timing: fast`: touch the pod after each mutation so kubelet syncs at once.
    pub touch_after_mutation: bool,
}

/// One scenario on a cluster, in its own namespace.
pub struct ClusterBackend {
    conn: Connection,
    opts: ClusterOptions,
    scenario: ClusterScenario,
    namespace: String,
    guard: Option<NamespaceGuard>,
    plan: Option<PodPlan>,
    secret_values: Vec<Vec<u8>>,
    logs: Vec<(String, Vec<String>)>,
    touches: u64,
    cleanup_error: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl ClusterBackend {
    /// A backend for `scenario`; nothing is sent before [`Backend::start`].
    pub fn new(conn: Connection, opts: ClusterOptions, scenario: ClusterScenario) -> Self {
        let namespace = namespace::next_namespace_name(if opts.namespace_prefix.is_empty() {
            super::config::DEFAULT_NAMESPACE_PREFIX
        } else {
            &opts.namespace_prefix
        });
        Self {
            conn,
            opts,
            scenario,
            namespace,
            guard: None,
            plan: None,
            secret_values: Vec::new(),
            logs: Vec::new(),
            touches: 0,
            cleanup_error: std::sync::Arc::default(),
        }
    }

    /// Uses `namespace` instead of the next generated name (tests pin request paths).
    pub fn with_namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace.to_string();
        self
    }

    /// Where [`Backend::shutdown`] leaves the error of a namespace that would not go away
    /// (the trait's `shutdown` returns nothing): the caller makes it the scenario's setup
    /// error (exit 2).
    pub fn cleanup_error(&self) -> std::sync::Arc<std::sync::Mutex<Option<String>>> {
        std::sync::Arc::clone(&self.cleanup_error)
    }

    /// The scenario's namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    fn pod_name(&self) -> &str {
        &self.scenario.workload.name
    }

    fn client(&self) -> &kube::Client {
        &self.conn.client
    }

    fn server(&self) -> &str {
        &self.conn.server
    }

    fn only_container(&self, c: &Option<String>) -> String {
        c.clone().unwrap_or_else(|| {
            self.scenario
                .workload
                .spec
                .containers
                .first()
                .map(|c| c.name.clone())
                .unwrap_or_default()
        })
    }

    fn remember_secrets(&mut self, manifests: &[Manifest]) {
        for m in manifests {
            if let Manifest::Secret(s, _) = m {
                self.secret_values
                    .extend(s.data.iter().flatten().map(|(_, v)| v.0.clone()));
                self.secret_values.extend(
                    s.string_data
                        .iter()
                        .flatten()
                        .map(|(_, v)| v.as_bytes().to_vec()),
                );
            }
        }
    }

    async fn start_inner(&mut self, objects: &[Manifest]) -> Result<(), ClusterError> {
        let (client, server) = (self.conn.client.clone(), self.conn.server.clone());
        namespace::create_namespace(&client, &server, &self.namespace, &self.scenario.name).await?;
        self.guard = Some(NamespaceGuard::new(
            &self.namespace,
            self.conn.config.clone(),
        ));
        self.remember_secrets(objects);
        for m in objects {
            objects::apply(&client, &server, &self.namespace, m, false).await?;
        }
        let plan = plan_pod(
            &self.scenario.workload,
            &self.scenario.run,
            &self.scenario.base_dir,
            self.opts.image.as_deref(),
            &self.namespace,
            &self.scenario.name,
        )?;
        if let Some(cm) = &plan.app_files {
            lifecycle::create_app_files(&client, &server, &self.namespace, cm).await?;
        }
        lifecycle::create_pod(&client, &server, &self.namespace, &plan.pod).await?;
        self.plan = Some(plan);
        lifecycle::wait_settled(
            &client,
            &server,
            &self.namespace,
            self.pod_name(),
            START_TIMEOUT,
        )
        .await?;
        Ok(())
    }

    /// Under `timing: fast`, a pod update right after a mutation (kubelet syncs at once).
    async fn after_mutation(&mut self, message: String) -> Result<String, ClusterError> {
        if !self.scenario.touch_after_mutation {
            return Ok(message);
        }
        self.touch().await?;
        Ok(format!(
            "{message}; touched pod/{} (timing fast on a cluster: a pod update makes kubelet \
             sync at once)",
            self.pod_name()
        ))
    }

    async fn touch(&mut self) -> Result<(), ClusterError> {
        self.touches += 1;
        let stamp = format!(
            "{}-{}",
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
            self.touches
        );
        lifecycle::touch_pod(
            self.client(),
            self.server(),
            &self.namespace,
            self.pod_name(),
            &stamp,
        )
        .await
    }

    async fn pod(&self) -> Result<Pod, ClusterError> {
        lifecycle::get_pod(
            self.client(),
            self.server(),
            &self.namespace,
            self.pod_name(),
        )
        .await
    }

    async fn exec_in(&self, container: &str, command: &[String]) -> Result<Vec<u8>, ClusterError> {
        let out = exec(
            self.client(),
            self.server(),
            &self.namespace,
            self.pod_name(),
            container,
            command,
        )
        .await?;
        match out.failure {
            None => Ok(out.stdout),
            Some(f) => Err(ClusterError::Stream {
                what: format!("exec in {container}"),
                reason: format!("{f}: {}", String::from_utf8_lossy(&out.stderr).trim()),
            }),
        }
    }

    async fn restart_count(&self, container: &str) -> Result<i32, ClusterError> {
        let pod = self.pod().await?;
        Ok(pod
            .status
            .and_then(|s| s.container_statuses)
            .into_iter()
            .flatten()
            .find(|c| c.name == container)
            .map_or(0, |c| c.restart_count))
    }

    async fn restart_inner(&mut self, container: &str) -> Result<(), ClusterError> {
        let before = self.restart_count(container).await?;
        // kill -1 reaches every process but PID 1 (kubedrill's wrapper), which then exits
        // with the app: kubelet restarts the container.
        let term = signal_command("TERM");
        self.exec_in(container, &term).await.ok();
        let start = Instant::now();
        let mut killed = false;
        loop {
            tokio::time::sleep(lifecycle::POLL).await;
            let pod = self.pod().await?;
            let status = pod
                .status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.name == container));
            if status.is_some_and(|c| c.restart_count > before) {
                return Ok(());
            }
            if !killed && start.elapsed() > Duration::from_secs(5) {
                killed = true;
                self.exec_in(container, &signal_command("KILL")).await.ok();
            }
            if start.elapsed() > RESTART_TIMEOUT {
                return Err(ClusterError::Timeout(format!(
                    "container {container} did not restart within {}s of SIGTERM/SIGKILL to its \
                     processes",
                    RESTART_TIMEOUT.as_secs()
                )));
            }
        }
    }

    async fn recreate_inner(&mut self) -> Result<(), ClusterError> {
        let Some(plan) = self.plan.clone() else {
            return Err(ClusterError::Workload("the pod was never created".into()));
        };
        let (client, server) = (self.conn.client.clone(), self.conn.server.clone());
        lifecycle::delete_pod(
            &client,
            &server,
            &self.namespace,
            self.pod_name(),
            START_TIMEOUT,
        )
        .await?;
        lifecycle::create_pod(&client, &server, &self.namespace, &plan.pod).await?;
        lifecycle::wait_settled(
            &client,
            &server,
            &self.namespace,
            self.pod_name(),
            START_TIMEOUT,
        )
        .await
        .map(drop)
    }

    async fn observe_inner(&self, obs: &Observation) -> Result<Observed, ClusterError> {
        Ok(match obs {
            Observation::File { path, container } => {
                let c = self.only_container(container);
                observe::parse_file_probe(&self.exec_in(&c, &observe::file_command(path)).await?)
            }
            Observation::Dir { path, container } => {
                let c = self.only_container(container);
                observe::parse_dir_probe(&self.exec_in(&c, &observe::dir_command(path)).await?)
            }
            Observation::Env { name, container } => {
                let c = self.only_container(container);
                observe::env_value(&self.exec_in(&c, &observe::env_command()).await?, name)
            }
            Observation::Log { container, .. } => {
                match self.log_text(container).await {
                    Ok(text) => observe::parse_logs(&text, SystemTime::now()),
                    // Not started yet (waiting): no output, as locally.
                    Err(ClusterError::Api { code: 400, .. }) => Observed::Log(Vec::new()),
                    Err(e) => return Err(e),
                }
            }
            Observation::Http {
                port,
                path,
                request,
                ..
            } => {
                let (local, _task) =
                    forward_once(self.client(), &self.namespace, self.pod_name(), *port).await?;
                crate::backend::http::observe_http(local, path, request).await
            }
            Observation::Tls { port, .. } => {
                let (local, _task) =
                    forward_once(self.client(), &self.namespace, self.pod_name(), *port).await?;
                match crate::backend::tls::served_certificate(local).await {
                    Ok(c) => Observed::Tls {
                        cn: c.cn,
                        sha256: c.sha256,
                    },
                    Err(e) => Observed::Unavailable(e),
                }
            }
            Observation::Container(m) => {
                observe::container_observed(&self.pod().await?, &self.only_container(&m.name))
            }
            Observation::Pod(_) => observe::pod_observed(&self.pod().await?),
            Observation::Event { reason } => {
                observe::events_observed(&self.pod_events().await?, reason)
            }
        })
    }

    async fn log_text(&self, container: &str) -> Result<String, ClusterError> {
        pod_logs(
            self.client(),
            self.server(),
            &self.namespace,
            self.pod_name(),
            container,
        )
        .await
    }

    async fn pod_events(&self) -> Result<Vec<Event>, ClusterError> {
        let uid = self.pod().await.ok().and_then(|p| p.metadata.uid);
        pod_events(
            self.client(),
            self.server(),
            &self.namespace,
            self.pod_name(),
            uid.as_deref(),
        )
        .await
    }

    async fn refresh_logs(&mut self) {
        let names: Vec<String> = self
            .scenario
            .workload
            .spec
            .init_containers
            .iter()
            .flatten()
            .chain(&self.scenario.workload.spec.containers)
            .map(|c| c.name.clone())
            .collect();
        let mut logs = Vec::new();
        for name in names {
            let lines = match self.log_text(&name).await {
                Ok(text) => text
                    .lines()
                    .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_string())
                    .collect(),
                Err(_) => Vec::new(),
            };
            logs.push((name, lines));
        }
        self.logs = logs;
    }

    fn env_is_secret(&self, container: &str, name: &str) -> bool {
        let Some(c) = self
            .scenario
            .workload
            .spec
            .containers
            .iter()
            .find(|c| c.name == container)
        else {
            return false;
        };
        let direct = c.env.iter().flatten().find(|e| e.name == name);
        match direct {
            Some(e) => e
                .value_from
                .as_ref()
                .is_some_and(|v| v.secret_key_ref.is_some()),
            None => c.env_from.iter().flatten().any(|f| f.secret_ref.is_some()),
        }
    }
}

/// `sh -c 'kill -s SIG -1'`: the signal to every process of the container but PID 1
/// (kubedrill's wrapper) and the shell itself, i.e. to the app.
pub fn signal_command(signal: &str) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        "kill -s \"$1\" -- -1".into(),
        "kubedrill-signal".into(),
        signal.trim_start_matches("SIG").to_string(),
    ]
}

/// `GET .../pods/NAME/log?container=C&timestamps=true`.
pub async fn pod_logs(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Result<String, ClusterError> {
    let lp = LogParams {
        container: Some(container.to_string()),
        timestamps: true,
        ..LogParams::default()
    };
    Api::<Pod>::namespaced(client.clone(), namespace)
        .logs(pod, &lp)
        .await
        .map_err(|e| ClusterError::from_kube(e, "get", "pods/log", pod, Some(namespace), server))
}

/// `GET .../events?fieldSelector=involvedObject.kind=Pod,involvedObject.name=NAME[,involvedObject.uid=UID]`.
pub async fn pod_events(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    pod: &str,
    uid: Option<&str>,
) -> Result<Vec<Event>, ClusterError> {
    let mut selector = format!("involvedObject.kind=Pod,involvedObject.name={pod}");
    if let Some(uid) = uid {
        selector.push_str(&format!(",involvedObject.uid={uid}"));
    }
    Api::<Event>::namespaced(client.clone(), namespace)
        .list(&ListParams::default().fields(&selector))
        .await
        .map(|l| l.items)
        .map_err(|e| ClusterError::from_kube(e, "list", "events", "", Some(namespace), server))
}

/// A refused API call (404, 403, 409, 422, …) as a step failure with the server's message.
fn step_error(e: ClusterError) -> BackendError {
    BackendError::Rejected(e.to_string())
}

impl Backend for ClusterBackend {
    fn name(&self) -> &str {
        "cluster"
    }

    async fn start(&mut self, objects: &[Manifest]) -> Result<(), BackendError> {
        self.start_inner(objects)
            .await
            .map_err(|e| BackendError::Runtime(format!("namespace {}: {e}", self.namespace)))
    }

    async fn apply(&mut self, manifests: &[Manifest]) -> Result<String, BackendError> {
        self.remember_secrets(manifests);
        let mut said = Vec::new();
        for m in manifests {
            said.push(
                objects::apply(self.client(), self.server(), &self.namespace, m, true)
                    .await
                    .map_err(step_error)?,
            );
        }
        self.after_mutation(said.join(", "))
            .await
            .map_err(step_error)
    }

    async fn update(&mut self, update: &Update) -> Result<String, BackendError> {
        if update.kind == ObjectKind::Secret {
            let b64 = base64::engine::general_purpose::STANDARD;
            self.secret_values.extend(
                update
                    .data
                    .values()
                    .flatten()
                    .filter_map(|v| b64.decode(v).ok()),
            );
            self.secret_values.extend(
                update
                    .string_data
                    .values()
                    .flatten()
                    .map(|v| v.as_bytes().to_vec()),
            );
        }
        let msg = objects::update(self.client(), self.server(), &self.namespace, update)
            .await
            .map_err(step_error)?;
        self.after_mutation(msg).await.map_err(step_error)
    }

    async fn delete(&mut self, kind: ObjectKind, name: &str) -> Result<String, BackendError> {
        let msg = objects::delete(self.client(), self.server(), &self.namespace, kind, name)
            .await
            .map_err(step_error)?;
        self.after_mutation(msg).await.map_err(step_error)
    }

    async fn restart(&mut self, container: &str) -> Result<(), BackendError> {
        self.restart_inner(container).await.map_err(step_error)
    }

    async fn recreate_pod(&mut self) -> Result<(), BackendError> {
        self.recreate_inner().await.map_err(step_error)
    }

    async fn touch_pod(&mut self) -> Result<(), BackendError> {
        self.touch().await.map_err(step_error)
    }

    async fn signal(&mut self, container: &str, signal: &str) -> Result<(), BackendError> {
        self.exec_in(container, &signal_command(signal))
            .await
            .map(drop)
            .map_err(step_error)
    }

    async fn tick(&mut self) {}

    async fn observe(&mut self, observation: &Observation) -> Observed {
        match self.observe_inner(observation).await {
            Ok(o) => o,
            Err(e) => Observed::Unavailable(e.to_string()),
        }
    }

    fn is_secret(&self, observation: &Observation) -> bool {
        match observation {
            Observation::Env { name, container } => {
                self.env_is_secret(&self.only_container(container), name)
            }
            Observation::File { path, container } | Observation::Dir { path, container } => {
                let c = self.only_container(container);
                let w = &self.scenario.workload;
                w.spec
                    .containers
                    .iter()
                    .find(|x| x.name == c)
                    .and_then(|x| x.volume_mounts.as_ref())
                    .into_iter()
                    .flatten()
                    .filter(|m| Path::new(path).starts_with(&m.mount_path))
                    .max_by_key(|m| m.mount_path.len())
                    .is_some_and(|m| volume_has_secret(w, &m.name))
            }
            _ => false,
        }
    }

    fn secret_values(&self) -> Vec<Vec<u8>> {
        self.secret_values.clone()
    }

    fn container_logs(&self) -> Vec<(String, Vec<String>)> {
        self.logs.clone()
    }

    async fn diagnostics(&mut self) -> Diagnostics {
        let mut d = Diagnostics::default();
        match self.pod().await {
            Ok(pod) => {
                for c in pod
                    .status
                    .iter()
                    .flat_map(|s| s.container_statuses.iter().flatten())
                {
                    if let Observed::Container { state, reason, .. } =
                        observe::container_observed(&pod, &c.name)
                    {
                        d.events.push(format!(
                            "container {}: {}{}, restarts {}",
                            c.name,
                            state.as_str(),
                            reason.map(|r| format!(" ({r})")).unwrap_or_default(),
                            c.restart_count
                        ));
                    }
                }
            }
            Err(e) => d.events.push(format!("pod status unavailable: {e}")),
        }
        match self.pod_events().await {
            Ok(events) => d.events.extend(events.iter().map(event_line)),
            Err(e) => d.events.push(format!("events unavailable: {e}")),
        }
        for c in self.scenario.workload.spec.containers.clone() {
            if let Ok(environ) = self.exec_in(&c.name, &observe::env_command()).await {
                let vars = environ
                    .split(|b| *b == 0)
                    .filter_map(|e| {
                        let t = String::from_utf8_lossy(e);
                        t.split_once('=')
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                    })
                    .collect();
                d.env.push((c.name.clone(), vars));
            }
        }
        self.refresh_logs().await;
        d.logs = self.logs.clone();
        d
    }

    /// Nothing is written locally (with `--keep` the namespace itself is what is kept); a
    /// namespace that would not terminate during `shutdown` is the scenario's error here.
    fn finish(&mut self, _logs: &[ContainerLog]) -> Result<Option<PathBuf>, BackendError> {
        match self.cleanup_error.lock().ok().and_then(|mut e| e.take()) {
            Some(e) => Err(BackendError::Runtime(e)),
            None => Ok(None),
        }
    }

    async fn shutdown(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        // Before the namespace goes: the last lines the app wrote.
        self.refresh_logs().await;
        guard.disarm();
        if self.opts.keep {
            eprintln!(
                "note: kept namespace {} (--keep); delete it with `kubectl delete namespace {}`",
                self.namespace, self.namespace
            );
            return;
        }
        if let Err(e) = namespace::delete_namespace(
            self.client(),
            self.server(),
            &self.namespace,
            TERMINATE_TIMEOUT,
            Duration::from_millis(500),
        )
        .await
            && let Ok(mut slot) = self.cleanup_error.lock()
        {
            *slot = Some(e.to_string());
        }
    }
}

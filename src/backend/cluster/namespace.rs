//! The namespace each scenario runs in: made fresh, labelled as kubedrill's (so a user or a
//! later run can find leftovers with `-l app.kubernetes.io/managed-by=kubedrill`), deleted at
//! the end — on success, on failure, and when the run is cancelled (Ctrl-C/SIGTERM drop the
//! scenario's future: [`NamespaceGuard`]'s `Drop` then deletes it on a runtime of its own).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, ObjectMeta, PostParams};

use super::errors::ClusterError;

/// The label every kubedrill-made object carries.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Its value.
pub const MANAGED_BY: &str = "kubedrill";
/// The label with the run id (one per `kubedrill run`).
pub const RUN_ID_LABEL: &str = "kubedrill.dev/run-id";
/// The label with the scenario's name (cut to a label value).
pub const SCENARIO_LABEL: &str = "kubedrill.dev/scenario";

/// How long kubedrill waits for a deleted namespace to be gone.
pub const TERMINATE_TIMEOUT: Duration = Duration::from_secs(120);

/// This process's run id: 8 hex digits, the same for every scenario of one `kubedrill run`.
pub fn run_id() -> &'static str {
    static RUN_ID: OnceLock<String> = OnceLock::new();
    RUN_ID.get_or_init(|| format!("{:08x}", rand::random::<u32>()))
}

/// The next namespace name: `PREFIX-RUNID-N` (N counts scenarios of this run), cut to a DNS
/// label (63 characters).
pub fn next_namespace_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    namespace_name(prefix, run_id(), n)
}

/// `PREFIX-RUNID-N`, the prefix lowercased and cut so the whole is a DNS label.
pub fn namespace_name(prefix: &str, run_id: &str, n: u32) -> String {
    let tail = format!("-{run_id}-{n}");
    let mut head: String = prefix
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    head.truncate(63 - tail.len());
    let head = head.trim_matches('-');
    let head = if head.is_empty() { "kubedrill" } else { head };
    format!("{head}{tail}")
}

/// A label value from any text: `[A-Za-z0-9._-]`, at most 63, alphanumeric at both ends.
pub fn label_value(text: &str) -> String {
    let mut v: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    v.truncate(63);
    v.trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// The labels of every object kubedrill makes for `scenario`.
pub fn labels(scenario: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string()),
        (RUN_ID_LABEL.to_string(), run_id().to_string()),
        (SCENARIO_LABEL.to_string(), label_value(scenario)),
    ])
}

/// The Namespace object kubedrill creates.
pub fn namespace_object(name: &str, scenario: &str) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels(scenario)),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

/// `POST /api/v1/namespaces`.
pub async fn create_namespace(
    client: &kube::Client,
    server: &str,
    name: &str,
    scenario: &str,
) -> Result<(), ClusterError> {
    let api: Api<Namespace> = Api::all(client.clone());
    api.create(&PostParams::default(), &namespace_object(name, scenario))
        .await
        .map(drop)
        .map_err(|e| ClusterError::from_kube(e, "create", "namespaces", name, None, server))
}

/// `DELETE /api/v1/namespaces/NAME`, then `GET` until it is gone (404) or `timeout` passed.
pub async fn delete_namespace(
    client: &kube::Client,
    server: &str,
    name: &str,
    timeout: Duration,
    poll: Duration,
) -> Result<(), ClusterError> {
    let api: Api<Namespace> = Api::all(client.clone());
    match api.delete(name, &DeleteParams::background()).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 404 => return Ok(()),
        Err(e) => {
            return Err(ClusterError::from_kube(
                e,
                "delete",
                "namespaces",
                name,
                None,
                server,
            ));
        }
    }
    let start = Instant::now();
    loop {
        let ns = match api.get_opt(name).await {
            Ok(None) => return Ok(()),
            Ok(Some(ns)) => ns,
            Err(e) => {
                return Err(ClusterError::from_kube(
                    e,
                    "get",
                    "namespaces",
                    name,
                    None,
                    server,
                ));
            }
        };
        if start.elapsed() >= timeout {
            return Err(ClusterError::NamespaceStuck {
                name: name.to_string(),
                waited: timeout,
                finalizers: what_blocks(&ns),
            });
        }
        tokio::time::sleep(poll).await;
    }
}

/// A terminating namespace's finalizers and its true conditions (e.g.
/// `NamespaceContentRemaining: Some resources are remaining: pods. has 1 resource instances`).
pub fn what_blocks(ns: &Namespace) -> Vec<String> {
    let mut out: Vec<String> = ns
        .spec
        .as_ref()
        .and_then(|s| s.finalizers.clone())
        .unwrap_or_default();
    out.extend(ns.metadata.finalizers.iter().flatten().cloned());
    for c in ns
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
    {
        if c.status == "True" {
            out.push(format!(
                "{}: {}",
                c.type_,
                c.message.clone().unwrap_or_default()
            ));
        }
    }
    out
}

/// Deletes the namespace when dropped while still armed, i.e. when the scenario's future was
/// dropped (Ctrl-C, SIGTERM) before its own cleanup ran. The scenario's runtime may be the
/// one being torn down, and kube's client runs a background task on it, so the delete runs on
/// a fresh thread with a fresh runtime and client built from the same configuration, and is
/// bounded ([`GUARD_DELETE_TIMEOUT`]): it does not wait for the namespace to terminate.
pub struct NamespaceGuard {
    name: String,
    config: kube::Config,
    armed: bool,
}

/// How long a dropped guard's delete may take.
pub const GUARD_DELETE_TIMEOUT: Duration = Duration::from_secs(10);

impl NamespaceGuard {
    /// Guards `name`.
    pub fn new(name: &str, config: kube::Config) -> Self {
        Self {
            name: name.to_string(),
            config,
            armed: true,
        }
    }

    /// The namespace.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scenario's own cleanup ran (or `--keep`): nothing to do on drop.
    pub fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for NamespaceGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let name = self.name.clone();
        let config = self.config.clone();
        let worker = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return false;
            };
            rt.block_on(async move {
                let Ok(client) = kube::Client::try_from(config) else {
                    return false;
                };
                let api: Api<Namespace> = Api::all(client);
                matches!(
                    tokio::time::timeout(
                        GUARD_DELETE_TIMEOUT,
                        api.delete(&name, &DeleteParams::background())
                    )
                    .await,
                    Ok(Ok(_))
                )
            })
        });
        if !worker.join().unwrap_or(false) {
            eprintln!(
                "warning: could not delete namespace {} (delete it with `kubectl delete namespace \
                 {}`; kubedrill's namespaces carry the label {MANAGED_BY_LABEL}={MANAGED_BY})",
                self.name, self.name
            );
        }
    }
}

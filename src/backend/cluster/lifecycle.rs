//! The pod's life on the cluster: create it (after its app files), wait until kubelet has
//! done its first sync, delete it for `recreate: pod`, and touch it for `touch: pod`.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};

use super::errors::ClusterError;
use super::objects::touch_patch;

/// How long a new pod may take to settle (image pulls included).
pub const START_TIMEOUT: Duration = Duration::from_secs(180);
/// How often pod status is polled while waiting.
pub const POLL: Duration = Duration::from_millis(250);

/// `POST` the app-files ConfigMap.
pub async fn create_app_files(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    cm: &ConfigMap,
) -> Result<(), ClusterError> {
    let name = cm.metadata.name.clone().unwrap_or_default();
    Api::<ConfigMap>::namespaced(client.clone(), namespace)
        .create(&PostParams::default(), cm)
        .await
        .map(drop)
        .map_err(|e| {
            ClusterError::from_kube(e, "create", "configmaps", &name, Some(namespace), server)
        })
}

/// `POST` the pod.
pub async fn create_pod(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    pod: &Pod,
) -> Result<Pod, ClusterError> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    Api::<Pod>::namespaced(client.clone(), namespace)
        .create(&PostParams::default(), pod)
        .await
        .map_err(|e| ClusterError::from_kube(e, "create", "pods", &name, Some(namespace), server))
}

/// `GET` the pod.
pub async fn get_pod(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    name: &str,
) -> Result<Pod, ClusterError> {
    Api::<Pod>::namespaced(client.clone(), namespace)
        .get(name)
        .await
        .map_err(|e| ClusterError::from_kube(e, "get", "pods", name, Some(namespace), server))
}

/// Whether kubelet has finished the pod's first sync: every container is running,
/// terminated, or waiting for a reason other than being created (`ContainerCreating`,
/// `PodInitializing`), or the pod has ended. A pod that cannot start (e.g.
/// `CreateContainerConfigError`) is settled too: scenarios assert on that.
pub fn settled(pod: &Pod) -> bool {
    let Some(status) = &pod.status else {
        return false;
    };
    if matches!(status.phase.as_deref(), Some("Succeeded" | "Failed")) {
        return true;
    }
    let expected = pod.spec.as_ref().map_or(0, |s| s.containers.len());
    let statuses = status.container_statuses.as_deref().unwrap_or_default();
    if statuses.len() < expected || expected == 0 {
        // Still in init containers: settled when one of them is stuck.
        return status
            .init_container_statuses
            .iter()
            .flatten()
            .any(|c| stuck_waiting(c.state.as_ref()));
    }
    statuses.iter().all(|c| {
        let Some(state) = &c.state else {
            return false;
        };
        state.running.is_some() || state.terminated.is_some() || stuck_waiting(Some(state))
    })
}

fn stuck_waiting(state: Option<&k8s_openapi::api::core::v1::ContainerState>) -> bool {
    state
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.as_deref())
        .is_some_and(|r| !matches!(r, "ContainerCreating" | "PodInitializing"))
}

/// Polls the pod until [`settled`] or `timeout`.
pub async fn wait_settled(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    name: &str,
    timeout: Duration,
) -> Result<Pod, ClusterError> {
    let start = Instant::now();
    loop {
        let pod = get_pod(client, server, namespace, name).await?;
        if settled(&pod) {
            return Ok(pod);
        }
        if start.elapsed() >= timeout {
            return Err(ClusterError::Timeout(format!(
                "pod {name} in namespace {namespace} did not start within {}s (phase {}; hint: \
                 `kubectl -n {namespace} describe pod {name}` shows why, e.g. a slow image pull)",
                timeout.as_secs(),
                pod.status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_else(|| "unknown".into())
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `DELETE` the pod (grace period 1 s) and wait until it is gone.
pub async fn delete_pod(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    name: &str,
    timeout: Duration,
) -> Result<(), ClusterError> {
    let api = Api::<Pod>::namespaced(client.clone(), namespace);
    let dp = DeleteParams {
        grace_period_seconds: Some(1),
        ..DeleteParams::default()
    };
    match api.delete(name, &dp).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 404 => return Ok(()),
        Err(e) => {
            return Err(ClusterError::from_kube(
                e,
                "delete",
                "pods",
                name,
                Some(namespace),
                server,
            ));
        }
    }
    let start = Instant::now();
    loop {
        match api.get_opt(name).await {
            Ok(None) => return Ok(()),
            Ok(Some(_)) if start.elapsed() < timeout => tokio::time::sleep(POLL).await,
            Ok(Some(_)) => {
                return Err(ClusterError::Timeout(format!(
                    "pod {name} was not gone {}s after its deletion",
                    timeout.as_secs()
                )));
            }
            Err(e) => {
                return Err(ClusterError::from_kube(
                    e,
                    "get",
                    "pods",
                    name,
                    Some(namespace),
                    server,
                ));
            }
        }
    }
}

/// `touch: pod`: a merge patch of the `kubedrill.dev/touched` annotation (a pod update, so
/// kubelet syncs the pod at once).
pub async fn touch_pod(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    name: &str,
    stamp: &str,
) -> Result<(), ClusterError> {
    Api::<Pod>::namespaced(client.clone(), namespace)
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(touch_patch(stamp)),
        )
        .await
        .map(drop)
        .map_err(|e| ClusterError::from_kube(e, "patch", "pods", name, Some(namespace), server))
}

//! Finding the node a previous `kubedrill run --reuse-cluster NAME` kept: by kind's cluster
//! label and kubedrill's reuse label, never by name alone (a real kind cluster of the same
//! name, or any other container, is not ours to reuse or remove).

use std::collections::HashMap;

use testcontainers::bollard::Docker;
use testcontainers::bollard::query_parameters::ListContainersOptionsBuilder;

use super::KindError;
use super::node_spec::{CLUSTER_LABEL, IMAGE_LABEL, REUSE_LABEL, SYNC_LABEL, node_name};

/// A node container found on the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundNode {
    /// The container id.
    pub id: String,
    /// Whether it is running.
    pub running: bool,
    /// Its image as `--kind-image` named it (its label), else as the engine reports it.
    pub image: String,
    /// The kubelet `syncFrequency` it was booted with (its label), e.g. `5s`.
    pub sync_frequency: Option<String>,
}

/// What exists under a cluster name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// Nothing with the node's name.
    Absent,
    /// A node kept by `--reuse-cluster`.
    Reusable(FoundNode),
    /// A container with the node's name that kubedrill did not keep for reuse.
    Foreign,
}

/// Looks for the node of cluster `name`.
pub async fn discover(docker: &Docker, cluster: &str) -> Result<Discovery, KindError> {
    let cluster_filter = format!("{CLUSTER_LABEL}={cluster}");
    let reuse_filter = format!("{REUSE_LABEL}=true");
    let filters = HashMap::from([(
        "label",
        vec![cluster_filter.as_str(), reuse_filter.as_str()],
    )]);
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    let list = docker
        .list_containers(Some(options))
        .await
        .map_err(|e| KindError::Docker {
            action: "list",
            message: e.to_string(),
        })?;
    let node = node_name(cluster);
    let ours = list.into_iter().find(|c| {
        c.names
            .iter()
            .flatten()
            .any(|n| n.trim_start_matches('/') == node)
    });
    if let Some(c) = ours {
        let mut labels = c.labels.unwrap_or_default();
        return Ok(Discovery::Reusable(FoundNode {
            id: c.id.unwrap_or_default(),
            running: c.state.map(|s| s.to_string()).as_deref() == Some("running"),
            image: labels.remove(IMAGE_LABEL).or(c.image).unwrap_or_default(),
            sync_frequency: labels.remove(SYNC_LABEL),
        }));
    }
    // Something else with that name would make the create fail with a conflict: say so.
    match docker.inspect_container(&node, None).await {
        Ok(_) => Ok(Discovery::Foreign),
        Err(_) => Ok(Discovery::Absent),
    }
}

//! Removing the node container whatever happens: at the end of a run, when the boot fails,
//! and when Ctrl-C drops the boot half-way. testcontainers removes a container it handed out
//! when that handle is dropped, but a container created and then cancelled inside its
//! `start()` has no handle yet, so the guard also removes the node by name. A node kept with
//! `--reuse-cluster` is disarmed once it booted, and only then.

use std::time::Duration;

use testcontainers::bollard::Docker;
use testcontainers::bollard::query_parameters::RemoveContainerOptionsBuilder;
use testcontainers::{ContainerAsync, GenericImage};

/// Owns the node container until it is removed or kept.
pub struct NodeGuard {
    docker: Docker,
    name: String,
    container: Option<ContainerAsync<GenericImage>>,
    armed: bool,
}

impl std::fmt::Debug for NodeGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeGuard")
            .field("name", &self.name)
            .field("armed", &self.armed)
            .finish()
    }
}

impl NodeGuard {
    /// Guards the container named `name` (which need not exist yet).
    pub fn new(docker: Docker, name: String) -> Self {
        NodeGuard {
            docker,
            name,
            container: None,
            armed: true,
        }
    }

    /// Guards a node a previous run kept: removed only if [`NodeGuard::remove`] is called.
    pub fn kept(docker: Docker, name: String) -> Self {
        NodeGuard {
            docker,
            name,
            container: None,
            armed: false,
        }
    }

    /// Hands over testcontainers' handle of the created node.
    pub fn hold(&mut self, container: ContainerAsync<GenericImage>) {
        self.container = Some(container);
    }

    /// The node container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Keeps the node running after this process ends (`--reuse-cluster`).
    pub fn keep(&mut self) {
        self.armed = false;
        // testcontainers has no way to release a handle without removing the container:
        // forgetting it leaks only the handle (an Arc of its client) for this process's life.
        if let Some(container) = self.container.take() {
            std::mem::forget(container);
        }
    }

    /// Whether the node will be removed.
    pub fn armed(&self) -> bool {
        self.armed
    }

    /// Removes the node now and waits for it.
    pub async fn remove(mut self) {
        self.armed = false;
        if let Some(container) = self.container.take()
            && container.rm().await.is_ok()
        {
            return;
        }
        remove_by_name(&self.docker, &self.name).await;
    }
}

/// How long a removal by name keeps looking for a container whose create request may still
/// be in flight: dropping the request's future does not stop the engine from completing it.
const IN_FLIGHT_CREATE: Duration = Duration::from_millis(1500);

async fn remove_by_name(docker: &Docker, name: &str) {
    let deadline = tokio::time::Instant::now() + IN_FLIGHT_CREATE;
    loop {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        let removed = tokio::time::timeout(
            Duration::from_secs(60),
            docker.remove_container(name, Some(options)),
        )
        .await;
        let gone = matches!(removed, Ok(Ok(())));
        if gone || tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Drop for NodeGuard {
    fn drop(&mut self) {
        if !self.armed {
            if let Some(container) = self.container.take() {
                std::mem::forget(container);
            }
            return;
        }
        // Removed by name from a thread with its own runtime: Drop cannot await, may run
        // outside any runtime, and must not return before the node is gone (a Ctrl-C'd
        // process exits right after).
        let (docker, name) = (self.docker.clone(), self.name.clone());
        let container = self.container.take();
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let removed = match container {
                    Some(c) => c.rm().await.is_ok(),
                    None => false,
                };
                if !removed {
                    remove_by_name(&docker, &name).await;
                }
            });
        })
        .join();
    }
}

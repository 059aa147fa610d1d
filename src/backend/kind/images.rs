//! Putting the workload's images into the node, as `kind load docker-image` does: the
//! engine's `docker save` stream piped into `ctr --namespace=k8s.io images import` in the
//! node. An image the engine does not have is pulled first; one that can be neither found
//! nor pulled is a clear error, not a pod stuck in `ErrImagePull`.

use futures_util::StreamExt;
use testcontainers::bollard::Docker;
use testcontainers::bollard::query_parameters::CreateImageOptionsBuilder;

use super::KindError;
use super::exec::NodeExec;

/// Makes sure the engine has `image`, pulling it if needed. `Err(reason)` when it cannot.
pub async fn ensure_local(docker: &Docker, image: &str) -> Result<(), String> {
    if docker.inspect_image(image).await.is_ok() {
        return Ok(());
    }
    let options = CreateImageOptionsBuilder::default()
        .from_image(image)
        .build();
    let mut pull = docker.create_image(Some(options), None, None);
    while let Some(step) = pull.next().await {
        if let Err(e) = step {
            return Err(e.to_string());
        }
    }
    docker
        .inspect_image(image)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Loads `image` (which the engine must have) into the node's containerd.
pub async fn load_into_node(
    docker: &Docker,
    node: &NodeExec,
    image: &str,
    snapshotter: &str,
) -> Result<(), KindError> {
    let snapshotter = format!("--snapshotter={snapshotter}");
    // The save stream ends early on an engine error; ctr then fails on a truncated tar.
    let saved = docker
        .export_image(image)
        .take_while(|chunk| std::future::ready(chunk.is_ok()))
        .filter_map(|chunk| std::future::ready(chunk.ok().map(|b| b.to_vec())));
    let out = node
        .run_with_stdin(
            &[
                "ctr",
                "--namespace=k8s.io",
                "images",
                "import",
                "--digests",
                &snapshotter,
                "-",
            ],
            Some(Box::pin(saved)),
        )
        .await?;
    if out.ok() {
        Ok(())
    } else {
        Err(KindError::Docker {
            action: "image import",
            message: format!("{image}: {}", out.combined()),
        })
    }
}

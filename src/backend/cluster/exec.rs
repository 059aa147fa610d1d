//! Commands in a container (`pods/exec`) and connections to a pod's port
//! (`pods/portforward`), both over kube's WebSocket upgrade.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use super::errors::ClusterError;

/// How long one exec may take (observations poll: a slow one is just a missed sample).
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(10);
/// The most output an exec keeps (a file observation of a large file).
pub const MAX_OUTPUT: usize = 4 * 1024 * 1024;

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// `None`: exit 0; otherwise the API server's message (e.g. `command terminated with
    /// non-zero exit code: ... exit code 1`).
    pub failure: Option<String>,
}

/// Runs `command` in `container` of pod `pod` and collects its output.
pub async fn exec(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    pod: &str,
    container: &str,
    command: &[String],
) -> Result<ExecOutput, ClusterError> {
    let run = async {
        let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
        let ap = AttachParams::default()
            .container(container)
            .stdout(true)
            .stderr(true)
            .max_stdout_buf_size(64 * 1024)
            .max_stderr_buf_size(64 * 1024);
        let mut attached = api
            .exec(pod, command.to_vec(), &ap)
            .await
            .map_err(|e| classify_exec(e, container, command, namespace, pod, server))?;
        let status = attached.take_status();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let stdout = attached.stdout();
        let stderr = attached.stderr();
        let read_out = async {
            if let Some(s) = stdout {
                let _ = s.take(MAX_OUTPUT as u64).read_to_end(&mut out).await;
            }
        };
        let read_err = async {
            if let Some(s) = stderr {
                let _ = s.take(64 * 1024).read_to_end(&mut err).await;
            }
        };
        tokio::join!(read_out, read_err);
        let status = match status {
            Some(s) => s.await,
            None => None,
        };
        let _ = attached.join().await;
        let failure = status
            .filter(|s| s.status.as_deref() != Some("Success"))
            .map(|s| s.message.unwrap_or_else(|| "the command failed".into()));
        if let Some(f) = &failure
            && no_executable(f)
        {
            return Err(ClusterError::NoShell {
                container: container.into(),
                command: command.first().cloned().unwrap_or_default(),
            });
        }
        Ok(ExecOutput {
            stdout: out,
            stderr: err,
            failure,
        })
    };
    match tokio::time::timeout(EXEC_TIMEOUT, run).await {
        Ok(r) => r,
        Err(_) => Err(ClusterError::Stream {
            what: format!("exec in {container}"),
            reason: format!("no result within {}s", EXEC_TIMEOUT.as_secs()),
        }),
    }
}

/// Whether an exec failure says the program does not exist in the image (runc's and
/// crun's wording).
pub fn no_executable(message: &str) -> bool {
    message.contains("executable file not found")
        || message.contains("no such file or directory")
        || message.contains("not found in $PATH")
}

fn classify_exec(
    e: kube::Error,
    container: &str,
    command: &[String],
    namespace: &str,
    pod: &str,
    server: &str,
) -> ClusterError {
    if let kube::Error::Api(s) = &e
        && no_executable(&s.message)
    {
        return ClusterError::NoShell {
            container: container.into(),
            command: command.first().cloned().unwrap_or_default(),
        };
    }
    ClusterError::from_kube(e, "create", "pods/exec", pod, Some(namespace), server)
}

/// A local port that forwards one connection to `port` of the pod (`pods/portforward`), so
/// the local http and tls observations run unchanged against `127.0.0.1:LOCAL`. The
/// forwarding task ends after that connection, or when the returned handle is dropped.
pub async fn forward_once(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    port: u16,
) -> Result<(u16, ForwardTask), ClusterError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| ClusterError::Stream {
            what: "port-forward".into(),
            reason: format!("binding a local port: {e}"),
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| ClusterError::Stream {
            what: "port-forward".into(),
            reason: e.to_string(),
        })?
        .port();
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod = pod.to_string();
    let task = tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let Ok(mut forwarder) = api.portforward(&pod, &[port]).await else {
            return;
        };
        if let Some(mut upstream) = forwarder.take_stream(port) {
            let _ = tokio::io::copy_bidirectional(&mut socket, &mut upstream).await;
        }
        forwarder.abort();
    });
    Ok((local, ForwardTask(task)))
}

/// Aborts the forwarding task when dropped.
pub struct ForwardTask(tokio::task::JoinHandle<()>);

impl Drop for ForwardTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

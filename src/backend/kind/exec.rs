//! Commands run inside the node container through the engine's exec API (the re-exported
//! bollard client: testcontainers' `exec` has no stdin, and a reused node is not a
//! testcontainers container of this process).

use futures_util::{Stream, StreamExt};
use testcontainers::bollard::Docker;
use testcontainers::bollard::container::LogOutput;
use testcontainers::bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use tokio::io::AsyncWriteExt;

use super::KindError;

/// What a command printed and how it ended.
#[derive(Debug, Clone, Default)]
pub struct ExecOutput {
    /// Its stdout, lossily decoded.
    pub stdout: String,
    /// Its stderr, lossily decoded.
    pub stderr: String,
    /// Its exit code (`-1` when the engine did not say).
    pub code: i64,
}

impl ExecOutput {
    /// Exited 0.
    pub fn ok(&self) -> bool {
        self.code == 0
    }

    /// stdout then stderr, for error messages.
    pub fn combined(&self) -> String {
        let mut s = self.stdout.trim_end().to_string();
        if !self.stderr.trim().is_empty() {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(self.stderr.trim_end());
        }
        s
    }
}

/// A node container to run commands in.
#[derive(Debug, Clone)]
pub struct NodeExec {
    docker: Docker,
    id: String,
}

impl NodeExec {
    /// Commands for container `id` (an id or a name).
    pub fn new(docker: Docker, id: impl Into<String>) -> Self {
        NodeExec {
            docker,
            id: id.into(),
        }
    }

    /// Runs `cmd` and collects its output.
    pub async fn run(&self, cmd: &[&str]) -> Result<ExecOutput, KindError> {
        self.run_with_stdin(cmd, None::<futures_util::stream::Empty<Vec<u8>>>)
            .await
    }

    /// Runs `cmd` with `stdin` (chunks, then end of file) and collects its output.
    pub async fn run_with_stdin<S>(
        &self,
        cmd: &[&str],
        stdin: Option<S>,
    ) -> Result<ExecOutput, KindError>
    where
        S: Stream<Item = Vec<u8>> + Unpin,
    {
        let fail = |e: testcontainers::bollard::errors::Error| KindError::Docker {
            action: "exec",
            message: format!("{}: {e}", cmd.join(" ")),
        };
        let options = CreateExecOptions {
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect::<Vec<String>>()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            attach_stdin: Some(stdin.is_some()),
            ..Default::default()
        };
        let created = self
            .docker
            .create_exec(&self.id, options)
            .await
            .map_err(fail)?;
        let started = self
            .docker
            .start_exec(
                &created.id,
                Some(StartExecOptions {
                    detach: false,
                    tty: false,
                    output_capacity: None,
                }),
            )
            .await
            .map_err(fail)?;
        let StartExecResults::Attached {
            mut output,
            mut input,
        } = started
        else {
            return Err(KindError::Docker {
                action: "exec",
                message: "the engine detached the exec".into(),
            });
        };
        let mut result = ExecOutput::default();
        let collect = async {
            while let Some(chunk) = output.next().await {
                match chunk {
                    Ok(LogOutput::StdErr { message }) => {
                        result.stderr.push_str(&String::from_utf8_lossy(&message))
                    }
                    Ok(other) => result
                        .stdout
                        .push_str(&String::from_utf8_lossy(&other.into_bytes())),
                    Err(_) => break,
                }
            }
        };
        let feed = async {
            if let Some(mut stdin) = stdin {
                while let Some(chunk) = stdin.next().await {
                    if input.write_all(&chunk).await.is_err() {
                        break;
                    }
                }
                let _ = input.shutdown().await;
            }
            drop(input);
        };
        tokio::join!(collect, feed);
        let inspect = self.docker.inspect_exec(&created.id).await.map_err(fail)?;
        result.code = inspect.exit_code.unwrap_or(-1);
        Ok(result)
    }
}

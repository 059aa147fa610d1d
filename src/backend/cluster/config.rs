//! Which cluster, and a client for it: `--kubeconfig`, `KUBECONFIG` (a list of files, merged
//! as kubectl merges them) or `~/.kube/config`, with `--context`, exactly as kubectl picks
//! them. [`connect`] also asks the API server for its version, so an unreachable server or
//! refused credentials stop the run before any namespace is made.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};

use super::errors::ClusterError;

/// How long the first request may take before the server counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What the command line says about the cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// `--kubeconfig FILE` (wins over `KUBECONFIG`).
    pub kubeconfig: Option<PathBuf>,
    /// `--context NAME` (default: the kubeconfig's current-context).
    pub context: Option<String>,
    /// `--namespace-prefix P`: each scenario's namespace is `P-<run id>-<n>`.
    pub namespace_prefix: String,
    /// `--image IMAGE`: the image of every container that kubedrill runs `run.command` in.
    pub image: Option<String>,
    /// `--keep`: leave the namespaces behind.
    pub keep: bool,
}

/// The default `--namespace-prefix`.
pub const DEFAULT_NAMESPACE_PREFIX: &str = "kubedrill";

/// A connected cluster: the client and what is needed to make another one (the namespace
/// guard's cleanup runs on its own runtime, see [`super::namespace::NamespaceGuard`]).
#[derive(Clone)]
pub struct Connection {
    /// The client.
    pub client: kube::Client,
    /// The configuration it was built from.
    pub config: kube::Config,
    /// The API server URL, for messages.
    pub server: String,
    /// `major.minor` of the API server, e.g. `1.34`.
    pub version: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("server", &self.server)
            .field("version", &self.version)
            .finish()
    }
}

/// Reads the kubeconfig as kubectl does: `--kubeconfig`, else `KUBECONFIG`, else
/// `~/.kube/config`.
pub fn read_kubeconfig(opts: &ClusterOptions) -> Result<Kubeconfig, ClusterError> {
    let read = match &opts.kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    };
    read.map_err(|e| match e {
        KubeconfigError::FindPath => {
            ClusterError::NoKubeconfig("KUBECONFIG is unset and there is no home directory".into())
        }
        KubeconfigError::ReadConfig(io, path) if io.kind() == std::io::ErrorKind::NotFound => {
            ClusterError::NoKubeconfig(format!("{} does not exist", path.display()))
        }
        source => ClusterError::Kubeconfig {
            path: opts.kubeconfig.clone(),
            context: opts.context.clone(),
            source,
        },
    })
}

/// Builds the client configuration for the chosen context.
pub async fn client_config(
    kubeconfig: Kubeconfig,
    opts: &ClusterOptions,
) -> Result<kube::Config, ClusterError> {
    let options = KubeConfigOptions {
        context: opts.context.clone(),
        cluster: None,
        user: None,
    };
    kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|source| ClusterError::Kubeconfig {
            path: opts.kubeconfig.clone(),
            context: opts.context.clone(),
            source,
        })
}

/// Connects: kubeconfig, client, then `GET /version` (bounded by [`CONNECT_TIMEOUT`]).
pub async fn connect(opts: &ClusterOptions) -> Result<Connection, ClusterError> {
    let kubeconfig = read_kubeconfig(opts)?;
    let mut config = client_config(kubeconfig, opts).await?;
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    let server = config.cluster_url.to_string();
    let client = kube::Client::try_from(config.clone()).map_err(|source| ClusterError::Client {
        server: server.clone(),
        source,
    })?;
    let version = server_version(&client, &server).await?;
    Ok(Connection {
        client,
        config,
        server,
        version,
    })
}

/// `GET /version`: proves the server answers and the credentials are accepted.
pub async fn server_version(client: &kube::Client, server: &str) -> Result<String, ClusterError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(info)) => Ok(format!(
            "{}.{}",
            info.major,
            info.minor.trim_end_matches('+')
        )),
        Ok(Err(e)) => Err(
            match ClusterError::from_kube(e, "get", "version", "", None, server) {
                ClusterError::Api { message, .. } => ClusterError::Unreachable {
                    server: server.into(),
                    reason: message,
                },
                other => other,
            },
        ),
        Err(_) => Err(ClusterError::Unreachable {
            server: server.into(),
            reason: format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()),
        }),
    }
}

impl Connection {
    /// The same connection with a client made on the current tokio runtime. kube's client
    /// runs a background task on the runtime that made it, so each worker thread of `--jobs`
    /// (its own runtime) needs its own client.
    pub fn on_this_runtime(&self) -> Result<Connection, ClusterError> {
        let client =
            kube::Client::try_from(self.config.clone()).map_err(|source| ClusterError::Client {
                server: self.server.clone(),
                source,
            })?;
        Ok(Connection {
            client,
            ..self.clone()
        })
    }
}

/// The command-line flags of the cluster backend (`kubedrill run --backend cluster`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ClusterArgs {
    /// Cluster backend: the kubeconfig file (default: KUBECONFIG, else ~/.kube/config, as
    /// kubectl).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Cluster backend: the kubeconfig context (default: its current-context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Cluster backend: each scenario runs in a new namespace PREFIX-<run id>-<n>.
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_NAMESPACE_PREFIX)]
    pub namespace_prefix: String,
    /// Cluster backend: the image every container runs run.command in (default: run.image,
    /// else the manifest's image).
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Run each scenario on two backends and report where they differ: local,cluster.
    #[arg(long, value_name = "A,B")]
    pub compare: Option<String>,
}

impl ClusterArgs {
    /// The backend's options (`keep` is `run --keep`).
    pub fn options(&self, keep: bool) -> ClusterOptions {
        ClusterOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace_prefix: self.namespace_prefix.clone(),
            image: self.image.clone(),
            keep,
        }
    }
}

//! The node's `/etc/kubernetes/admin.conf`, pointed at the port Docker mapped to the API
//! server: inside the node it names `https://<node>-control-plane:6443`, which means nothing
//! on the host. The API server's certificate carries `localhost` and `127.0.0.1` (the
//! kubeadm config's certSANs), so `https://127.0.0.1:<port>` verifies.

use serde_json::Value;

use super::KindError;

/// Returns `admin_conf` with every cluster's `server` set to `https://127.0.0.1:port`.
/// Everything else (certificates, users, contexts) is kept as it is.
pub fn rewrite_server(admin_conf: &str, port: u16) -> Result<String, KindError> {
    let mut config: Value = serde_saphyr::from_str(admin_conf)
        .map_err(|e| KindError::Kubeconfig(format!("not YAML: {e}")))?;
    let clusters = config
        .get_mut("clusters")
        .and_then(Value::as_array_mut)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| KindError::Kubeconfig("no `clusters` list".into()))?;
    for (i, entry) in clusters.iter_mut().enumerate() {
        let cluster = entry
            .get_mut("cluster")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| KindError::Kubeconfig(format!("clusters[{i}] has no `cluster`")))?;
        cluster.insert(
            "server".into(),
            Value::String(format!("https://127.0.0.1:{port}")),
        );
    }
    serde_saphyr::to_string(&config).map_err(|e| KindError::Kubeconfig(e.to_string()))
}

/// The current context's name, for clients that take one (`kubernetes-admin@<cluster>`).
pub fn current_context(kubeconfig: &str) -> Option<String> {
    let config: Value = serde_saphyr::from_str(kubeconfig).ok()?;
    config
        .get("current-context")
        .and_then(Value::as_str)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kubeconfig_without_clusters_is_an_error_not_a_panic() {
        assert!(rewrite_server("apiVersion: v1\nkind: Config\n", 1).is_err());
        assert!(rewrite_server("clusters: [{name: x}]", 1).is_err());
        assert!(rewrite_server(": : :", 1).is_err());
    }
}

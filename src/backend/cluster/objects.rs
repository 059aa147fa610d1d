//! ConfigMaps and Secrets on the API server, exactly as the steps say: `apply` creates (or,
//! when the object exists, replaces), `update` is a JSON merge patch (RFC 7386: `null`
//! deletes a key), `delete` deletes. Every object goes into the scenario's namespace,
//! whatever its manifest says; the API server's own validation errors come back as
//! [`ClusterError::Invalid`] with its message.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{Map, Value, json};

use super::errors::ClusterError;
use crate::api::Manifest;
use crate::scenario::format::{ObjectKind, Update};

/// The resource (plural, as in RBAC) of a kind.
pub fn resource(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::ConfigMap => "configmaps",
        ObjectKind::Secret => "secrets",
    }
}

/// The object of a ConfigMap or Secret manifest, placed in `namespace` with no server-owned
/// metadata (a manifest copied from `kubectl get -o yaml` carries a resourceVersion and uid
/// that would make a create fail).
pub fn prepared(manifest: &Manifest, namespace: &str) -> Option<Prepared> {
    fn clean(meta: &mut kube::api::ObjectMeta, namespace: &str) {
        meta.namespace = Some(namespace.to_string());
        meta.resource_version = None;
        meta.uid = None;
        meta.creation_timestamp = None;
        meta.managed_fields = None;
        meta.generation = None;
    }
    match manifest {
        Manifest::ConfigMap(cm, _) => {
            let mut cm = cm.clone();
            clean(&mut cm.metadata, namespace);
            Some(Prepared::ConfigMap(cm))
        }
        Manifest::Secret(s, _) => {
            let mut s = s.clone();
            clean(&mut s.metadata, namespace);
            Some(Prepared::Secret(s))
        }
        Manifest::Workload(_) => None,
    }
}

/// A ConfigMap or Secret ready to send.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// A ConfigMap.
    ConfigMap(ConfigMap),
    /// A Secret.
    Secret(Secret),
}

/// Creates the object: `POST`. With `replace`, an object that exists (409 AlreadyExists) is
/// replaced: `PUT` without a resourceVersion (an unconditional update, which the API server
/// allows for ConfigMaps and Secrets). Returns `configmap/NAME created|configured`.
pub async fn apply(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    manifest: &Manifest,
    replace: bool,
) -> Result<String, ClusterError> {
    let Some(object) = prepared(manifest, namespace) else {
        return Err(ClusterError::Workload(format!(
            "{}: {} {} cannot be applied by a step (hint: steps apply ConfigMaps and Secrets; \
             use recreate: pod)",
            manifest.origin(),
            manifest.kind(),
            manifest.name()
        )));
    };
    let name = manifest.name().to_string();
    let (kind, res) = match &object {
        Prepared::ConfigMap(_) => ("configmap", "configmaps"),
        Prepared::Secret(_) => ("secret", "secrets"),
    };
    let err = |e, verb| ClusterError::from_kube(e, verb, res, &name, Some(namespace), server);
    let pp = PostParams::default();
    let created = match &object {
        Prepared::ConfigMap(cm) => {
            let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
            api.create(&pp, cm).await.map(drop)
        }
        Prepared::Secret(s) => {
            let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
            api.create(&pp, s).await.map(drop)
        }
    };
    match created {
        Ok(()) => Ok(format!("{kind}/{name} created")),
        Err(kube::Error::Api(s)) if s.code == 409 && replace => {
            let replaced = match &object {
                Prepared::ConfigMap(cm) => {
                    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
                    api.replace(&name, &pp, cm).await.map(drop)
                }
                Prepared::Secret(s) => {
                    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
                    api.replace(&name, &pp, s).await.map(drop)
                }
            };
            replaced
                .map(|()| format!("{kind}/{name} configured"))
                .map_err(|e| err(e, "update"))
        }
        Err(e) => Err(err(e, "create")),
    }
}

/// The JSON merge patch of an `update:` step. A Secret's `stringData` key set to `null`
/// deletes that key from `data` (stringData is write-only: nulling it alone would change
/// nothing, while the scenario means "remove the key").
pub fn merge_patch(update: &Update) -> Value {
    fn section(map: &std::collections::BTreeMap<String, Option<String>>) -> Map<String, Value> {
        map.iter()
            .map(|(k, v)| (k.clone(), v.clone().map_or(Value::Null, Value::String)))
            .collect()
    }
    let mut patch = Map::new();
    match update.kind {
        ObjectKind::ConfigMap => {
            if !update.data.is_empty() {
                patch.insert("data".into(), Value::Object(section(&update.data)));
            }
            if !update.binary_data.is_empty() {
                patch.insert(
                    "binaryData".into(),
                    Value::Object(section(&update.binary_data)),
                );
            }
        }
        ObjectKind::Secret => {
            let mut data = section(&update.data);
            let mut string_data = Map::new();
            for (k, v) in &update.string_data {
                match v {
                    Some(v) => {
                        string_data.insert(k.clone(), Value::String(v.clone()));
                    }
                    None => {
                        data.insert(k.clone(), Value::Null);
                    }
                }
            }
            if !data.is_empty() {
                patch.insert("data".into(), Value::Object(data));
            }
            if !string_data.is_empty() {
                patch.insert("stringData".into(), Value::Object(string_data));
            }
        }
    }
    Value::Object(patch)
}

/// `update:`: `PATCH` with `Content-Type: application/merge-patch+json`. Returns
/// `configmap/NAME patched`.
pub async fn update(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    update: &Update,
) -> Result<String, ClusterError> {
    let patch = Patch::Merge(merge_patch(update));
    let pp = PatchParams::default();
    let name = &update.name;
    let res = resource(update.kind);
    let done = match update.kind {
        ObjectKind::ConfigMap => Api::<ConfigMap>::namespaced(client.clone(), namespace)
            .patch(name, &pp, &patch)
            .await
            .map(drop),
        ObjectKind::Secret => Api::<Secret>::namespaced(client.clone(), namespace)
            .patch(name, &pp, &patch)
            .await
            .map(drop),
    };
    done.map(|()| format!("{}/{name} patched", update.kind.as_str().to_lowercase()))
        .map_err(|e| ClusterError::from_kube(e, "patch", res, name, Some(namespace), server))
}

/// `delete:`: `DELETE`. Returns `configmap "NAME" deleted` (kubectl's words).
pub async fn delete(
    client: &kube::Client,
    server: &str,
    namespace: &str,
    kind: ObjectKind,
    name: &str,
) -> Result<String, ClusterError> {
    let dp = DeleteParams::default();
    let done = match kind {
        ObjectKind::ConfigMap => Api::<ConfigMap>::namespaced(client.clone(), namespace)
            .delete(name, &dp)
            .await
            .map(drop),
        ObjectKind::Secret => Api::<Secret>::namespaced(client.clone(), namespace)
            .delete(name, &dp)
            .await
            .map(drop),
    };
    done.map(|()| format!("{} {name:?} deleted", kind.as_str().to_lowercase()))
        .map_err(|e| {
            ClusterError::from_kube(e, "delete", resource(kind), name, Some(namespace), server)
        })
}

/// The `kubedrill.dev/touched` annotation patch of `touch: pod` (a pod update makes kubelet
/// sync the pod at once, spec §7.3).
pub fn touch_patch(stamp: &str) -> Value {
    json!({"metadata": {"annotations": {"kubedrill.dev/touched": stamp}}})
}

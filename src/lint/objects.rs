//! The ConfigMaps and Secrets of the linted manifests, looked up by namespace and name the way
//! kubelet looks them up for a pod.

use std::collections::{BTreeSet, HashMap};

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::refs::ObjectKind;
use crate::api::ManifestSet;
use crate::api::manifest::DEFAULT_NAMESPACE;

/// An object of the manifests.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Object<'a> {
    /// A ConfigMap.
    ConfigMap(&'a ConfigMap),
    /// A Secret (as written: `stringData` not merged).
    Secret(&'a Secret),
}

impl<'a> Object<'a> {
    /// `immutable: true`.
    pub fn is_immutable(self) -> bool {
        match self {
            Object::ConfigMap(cm) => cm.immutable == Some(true),
            Object::Secret(secret) => secret.immutable == Some(true),
        }
    }

    /// Whether a volume item can name `key`: ConfigMap `data` or `binaryData`, Secret `data`
    /// or `stringData` (which the API server merges into `data`).
    pub fn has_volume_key(self, key: &str) -> bool {
        match self {
            Object::ConfigMap(cm) => {
                cm.data.as_ref().is_some_and(|d| d.contains_key(key))
                    || cm.binary_data.as_ref().is_some_and(|d| d.contains_key(key))
            }
            Object::Secret(_) => self.env_keys().contains(key),
        }
    }

    /// Whether a `configMapKeyRef`/`secretKeyRef` can read `key` (ConfigMap `data` only).
    pub fn has_env_key(self, key: &str) -> bool {
        self.env_keys().contains(key)
    }

    /// The keys that envFrom turns into variables: ConfigMap `data` (binaryData is ignored,
    /// §6.2), Secret `data` and `stringData`.
    pub fn env_keys(self) -> BTreeSet<&'a str> {
        match self {
            Object::ConfigMap(cm) => cm.data.iter().flatten().map(|(k, _)| k.as_str()).collect(),
            Object::Secret(secret) => secret
                .data
                .iter()
                .flatten()
                .map(|(k, _)| k.as_str())
                .chain(secret.string_data.iter().flatten().map(|(k, _)| k.as_str()))
                .collect(),
        }
    }
}

/// The namespace of an object's metadata, `default` when none.
pub(crate) fn namespace_of(meta: &ObjectMeta) -> &str {
    meta.namespace
        .as_deref()
        .filter(|ns| !ns.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE)
}

/// The objects of a [`ManifestSet`] by kind, namespace and name (a later document with the same
/// name replaces an earlier one, as `kubectl apply` would).
#[derive(Debug, Default)]
pub(crate) struct ObjectIndex<'a> {
    objects: HashMap<(ObjectKind, String, String), Object<'a>>,
}

impl<'a> ObjectIndex<'a> {
    /// Indexes the ConfigMaps and Secrets of `set`.
    pub fn new(set: &'a ManifestSet) -> Self {
        let mut objects = HashMap::new();
        for (cm, _) in &set.config_maps {
            objects.insert(
                key(ObjectKind::ConfigMap, &cm.metadata),
                Object::ConfigMap(cm),
            );
        }
        for (secret, _) in &set.secrets {
            objects.insert(
                key(ObjectKind::Secret, &secret.metadata),
                Object::Secret(secret),
            );
        }
        ObjectIndex { objects }
    }

    /// The object `kind` `namespace/name`, if the manifests have it.
    pub fn get(&self, kind: ObjectKind, namespace: &str, name: &str) -> Option<Object<'a>> {
        self.objects
            .get(&(kind, namespace.to_string(), name.to_string()))
            .copied()
    }
}

fn key(kind: ObjectKind, meta: &ObjectMeta) -> (ObjectKind, String, String) {
    let name = meta.name.as_deref().unwrap_or_default();
    (kind, namespace_of(meta).to_string(), name.to_string())
}

//! kubelet's view of ConfigMaps and Secrets: what a sync reads, which may lag the API (§7.2)
//! and never changes for an immutable object once seen (§2.8).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use crate::api::{ObjectLookup, ObjectStore};
use crate::kubelet::timing::Detection;

type Key = (String, String);

/// A snapshot of the objects as kubelet's manager sees them.
#[derive(Debug, Default)]
pub struct ObjectView {
    config_maps: BTreeMap<Key, ConfigMap>,
    secrets: BTreeMap<Key, Secret>,
    fetched: Option<Instant>,
}

fn key(ns: Option<&str>, name: Option<&str>) -> Key {
    (
        ns.filter(|n| !n.is_empty())
            .unwrap_or("default")
            .to_string(),
        name.unwrap_or_default().to_string(),
    )
}

impl ObjectView {
    /// Brings the view up to date as `detection` would before a sync at `now`. With the
    /// `Cache` strategy the whole view is refreshed once older than `ttl` (kubelet refreshes
    /// per object; one TTL for all is the documented approximation). Immutable objects already
    /// seen keep their cached copy, even when deleted or re-created (§2.8).
    pub fn refresh(
        &mut self,
        store: &ObjectStore,
        detection: Detection,
        ttl: Duration,
        now: Instant,
    ) {
        let stale = match (detection, self.fetched) {
            (Detection::Cache, Some(at)) => now.duration_since(at) >= ttl,
            _ => true,
        };
        if !stale {
            return;
        }
        let mut config_maps: BTreeMap<Key, ConfigMap> = store
            .config_maps()
            .map(|c| {
                (
                    key(c.metadata.namespace.as_deref(), c.metadata.name.as_deref()),
                    c.clone(),
                )
            })
            .collect();
        let mut secrets: BTreeMap<Key, Secret> = store
            .secrets()
            .map(|s| {
                (
                    key(s.metadata.namespace.as_deref(), s.metadata.name.as_deref()),
                    s.clone(),
                )
            })
            .collect();
        for (k, old) in &self.config_maps {
            if old.immutable == Some(true) {
                config_maps.insert(k.clone(), old.clone());
            }
        }
        for (k, old) in &self.secrets {
            if old.immutable == Some(true) {
                secrets.insert(k.clone(), old.clone());
            }
        }
        self.config_maps = config_maps;
        self.secrets = secrets;
        self.fetched = Some(now);
    }
}

impl ObjectLookup for ObjectView {
    fn config_map(&self, namespace: &str, name: &str) -> Option<&ConfigMap> {
        self.config_maps
            .get(&(namespace.to_string(), name.to_string()))
    }

    fn secret(&self, namespace: &str, name: &str) -> Option<&Secret> {
        self.secrets.get(&(namespace.to_string(), name.to_string()))
    }
}

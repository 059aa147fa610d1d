//! Test helpers shared with the env tests: an in-memory [`ObjectLookup`](crate::api::ObjectLookup)
//! and object builders.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::PodContext;
use crate::api::ObjectLookup;

/// ConfigMaps and Secrets by (namespace, name).
#[derive(Default)]
pub struct Objects {
    pub config_maps: BTreeMap<(String, String), ConfigMap>,
    pub secrets: BTreeMap<(String, String), Secret>,
}

impl ObjectLookup for Objects {
    fn config_map(&self, namespace: &str, name: &str) -> Option<&ConfigMap> {
        self.config_maps
            .get(&(namespace.to_string(), name.to_string()))
    }
    fn secret(&self, namespace: &str, name: &str) -> Option<&Secret> {
        self.secrets.get(&(namespace.to_string(), name.to_string()))
    }
}

impl Objects {
    pub fn with_cm(mut self, name: &str, data: &[(&str, &str)], binary: &[(&str, &[u8])]) -> Self {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            data: (!data.is_empty()).then(|| {
                data.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            }),
            binary_data: (!binary.is_empty()).then(|| {
                binary
                    .iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.to_vec())))
                    .collect()
            }),
            ..Default::default()
        };
        self.config_maps.insert(("default".into(), name.into()), cm);
        self
    }

    pub fn with_secret(mut self, name: &str, data: &[(&str, &[u8])]) -> Self {
        let secret = Secret {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            data: Some(
                data.iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.to_vec())))
                    .collect(),
            ),
            ..Default::default()
        };
        self.secrets.insert(("default".into(), name.into()), secret);
        self
    }
}

/// A pod `web` in `default` with a label and an annotation.
pub fn pod() -> PodContext {
    PodContext {
        namespace: "default".into(),
        name: "web".into(),
        uid: "0000-uid".into(),
        labels: [("app".to_string(), "web".to_string())].into(),
        annotations: BTreeMap::new(),
        fs_group: None,
        fs_user: None,
    }
}

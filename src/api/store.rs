//! The object store: the ConfigMaps and Secrets the local API server holds.
//!
//! This module owns object identity (kind, namespace, name), `metadata.resourceVersion` (one
//! store-wide counter, as the API server's etcd revision), `metadata.uid`, and the write
//! rules: every create, update and patch is validated as the API server does (spec §8), a
//! Secret's `stringData` is merged into `data` and dropped before it is stored, and a write
//! that changes nothing keeps the resourceVersion. It does not know about pods or the kubelet;
//! the kubelet reads objects through [`ObjectLookup`].

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::manifest::{DEFAULT_NAMESPACE, ManifestSet};
use crate::api::validation::{self, ValidationError};

/// Read access to ConfigMaps and Secrets by namespace and name — all the kubelet needs.
pub trait ObjectLookup {
    /// The ConfigMap `namespace/name`, if it exists.
    fn config_map(&self, namespace: &str, name: &str) -> Option<&ConfigMap>;
    /// The Secret `namespace/name`, if it exists (with `stringData` already merged).
    fn secret(&self, namespace: &str, name: &str) -> Option<&Secret>;
}

/// A write the API server refuses, worded as it words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No such object: `configmaps "x" not found`.
    #[error("{resource} \"{name}\" not found")]
    NotFound {
        /// `configmaps` or `secrets`.
        resource: &'static str,
        /// The object's name.
        name: String,
    },
    /// Create of an existing object: `configmaps "x" already exists`.
    #[error("{resource} \"{name}\" already exists")]
    AlreadyExists {
        /// `configmaps` or `secrets`.
        resource: &'static str,
        /// The object's name.
        name: String,
    },
    /// Update carrying a stale `metadata.resourceVersion`.
    #[error(
        "Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; \
         please apply your changes to the latest version and try again"
    )]
    Conflict {
        /// `configmaps` or `secrets`.
        resource: &'static str,
        /// The object's name.
        name: String,
    },
    /// The object fails API validation (spec §8).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

/// What an apply did, as kubectl reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The object did not exist and was created.
    Created,
    /// The object existed and changed (new resourceVersion).
    Configured,
    /// The object existed and is identical (resourceVersion kept).
    Unchanged,
}

type Key = (String, String);

/// The ConfigMaps and Secrets of the local API server, keyed by (kind, namespace, name).
#[derive(Debug, Clone, Default)]
pub struct ObjectStore {
    config_maps: BTreeMap<Key, ConfigMap>,
    secrets: BTreeMap<Key, Secret>,
    revision: u64,
}

const CONFIG_MAPS: &str = "configmaps";
const SECRETS: &str = "secrets";

fn namespace_of(meta: &ObjectMeta) -> String {
    meta.namespace
        .clone()
        .filter(|ns| !ns.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
}

fn key(namespace: &str, name: &str) -> Key {
    let namespace = if namespace.is_empty() {
        DEFAULT_NAMESPACE
    } else {
        namespace
    };
    (namespace.to_string(), name.to_string())
}

/// The generated-name suffix alphabet of the API server (no vowels, no look-alikes).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Normalizes a Secret the way the API server does before validating it: `stringData` merged
/// into `data`, empty type set to `Opaque`, an empty `data` map dropped.
fn prepare_secret(secret: &mut Secret) {
    validation::merge_string_data(secret);
    if secret.type_.as_deref().is_none_or(str::is_empty) {
        secret.type_ = Some(validation::SECRET_TYPE_OPAQUE.to_string());
    }
    if secret.data.as_ref().is_some_and(BTreeMap::is_empty) {
        secret.data = None;
    }
}

fn prepare_config_map(config_map: &mut ConfigMap) {
    if config_map.data.as_ref().is_some_and(BTreeMap::is_empty) {
        config_map.data = None;
    }
    if config_map
        .binary_data
        .as_ref()
        .is_some_and(BTreeMap::is_empty)
    {
        config_map.binary_data = None;
    }
}

/// Whether two objects differ in anything but their server-set metadata.
fn same_content<T: Clone + PartialEq>(a: &T, b: &T, meta: fn(&mut T) -> &mut ObjectMeta) -> bool {
    let strip = |object: &T| {
        let mut object = object.clone();
        let meta = meta(&mut object);
        meta.resource_version = None;
        meta.uid = None;
        meta.creation_timestamp = None;
        meta.generation = None;
        meta.managed_fields = None;
        object
    };
    strip(a) == strip(b)
}

/// What the store does the same way for ConfigMaps and Secrets; each kind supplies its
/// resource name, normalization and validation.
trait Stored: Clone + PartialEq + Default {
    /// The API resource, e.g. `configmaps` (used in error messages).
    const RESOURCE: &'static str;
    fn meta(&self) -> &ObjectMeta;
    fn meta_mut(&mut self) -> &mut ObjectMeta;
    /// The API server's normalization before validation.
    fn prepare(&mut self);
    fn validate(&self) -> Result<(), ValidationError>;
    fn validate_update(old: &Self, new: &Self) -> Result<(), ValidationError>;
    fn objects(store: &ObjectStore) -> &BTreeMap<Key, Self>;
    fn objects_mut(store: &mut ObjectStore) -> &mut BTreeMap<Key, Self>;
}

impl Stored for ConfigMap {
    const RESOURCE: &'static str = CONFIG_MAPS;
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
    fn prepare(&mut self) {
        prepare_config_map(self);
    }
    fn validate(&self) -> Result<(), ValidationError> {
        validation::validate_config_map(self)
    }
    fn validate_update(old: &Self, new: &Self) -> Result<(), ValidationError> {
        validation::validate_update_config_map(old, new)
    }
    fn objects(store: &ObjectStore) -> &BTreeMap<Key, Self> {
        &store.config_maps
    }
    fn objects_mut(store: &mut ObjectStore) -> &mut BTreeMap<Key, Self> {
        &mut store.config_maps
    }
}

impl Stored for Secret {
    const RESOURCE: &'static str = SECRETS;
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
    fn prepare(&mut self) {
        prepare_secret(self);
    }
    fn validate(&self) -> Result<(), ValidationError> {
        validation::validate_secret(self)
    }
    fn validate_update(old: &Self, new: &Self) -> Result<(), ValidationError> {
        validation::validate_update_secret(old, new)
    }
    fn objects(store: &ObjectStore) -> &BTreeMap<Key, Self> {
        &store.secrets
    }
    fn objects_mut(store: &mut ObjectStore) -> &mut BTreeMap<Key, Self> {
        &mut store.secrets
    }
}

impl ObjectStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The store's latest resourceVersion (0 before the first write).
    pub fn resource_version(&self) -> u64 {
        self.revision
    }

    /// Creates every ConfigMap and Secret of a manifest set, in order.
    pub fn create_all(&mut self, manifests: &ManifestSet) -> Result<(), StoreError> {
        for (config_map, _) in &manifests.config_maps {
            self.create_config_map(config_map.clone())?;
        }
        for (secret, _) in &manifests.secrets {
            self.create_secret(secret.clone())?;
        }
        Ok(())
    }

    /// Every ConfigMap, ordered by namespace then name.
    pub fn config_maps(&self) -> impl Iterator<Item = &ConfigMap> {
        self.config_maps.values()
    }

    /// Every Secret, ordered by namespace then name.
    pub fn secrets(&self) -> impl Iterator<Item = &Secret> {
        self.secrets.values()
    }

    fn next_revision(&mut self) -> String {
        self.revision += 1;
        self.revision.to_string()
    }

    /// Names a new object as the API server does before validating it: namespace defaulted,
    /// `generateName` expanded into a name. Returns its key.
    fn name_new(&self, meta: &mut ObjectMeta) -> Key {
        meta.namespace = Some(namespace_of(meta));
        if meta.name.as_deref().is_none_or(str::is_empty)
            && let Some(prefix) = meta.generate_name.clone().filter(|p| !p.is_empty())
        {
            let base = NAME_ALPHABET.len() as u64;
            let mut n = self.revision + 1;
            let suffix: String = (0..5)
                .map(|_| {
                    let c = NAME_ALPHABET[(n % base) as usize];
                    n /= base;
                    char::from(c)
                })
                .collect();
            meta.name = Some(format!("{prefix}{suffix}"));
        }
        key(&namespace_of(meta), meta.name.as_deref().unwrap_or(""))
    }

    /// Sets the server-owned fields of a new object: uid and resourceVersion.
    fn stamp_new(&mut self, meta: &mut ObjectMeta) {
        let revision = self.next_revision();
        meta.uid = Some(format!("00000000-0000-4000-8000-{:012x}", self.revision));
        meta.resource_version = Some(revision);
        meta.creation_timestamp = None;
    }

    fn create<T: Stored>(&mut self, mut object: T) -> Result<&T, StoreError> {
        object.prepare();
        let id = self.name_new(object.meta_mut());
        object.validate()?;
        if T::objects(self).contains_key(&id) {
            return Err(StoreError::AlreadyExists {
                resource: T::RESOURCE,
                name: id.1,
            });
        }
        self.stamp_new(object.meta_mut());
        Ok(T::objects_mut(self).entry(id).or_insert(object))
    }

    fn update<T: Stored>(&mut self, mut object: T) -> Result<&T, StoreError> {
        object.prepare();
        let id = key(
            &namespace_of(object.meta()),
            object.meta().name.as_deref().unwrap_or(""),
        );
        let Some(old) = T::objects(self).get(&id) else {
            return Err(StoreError::NotFound {
                resource: T::RESOURCE,
                name: id.1,
            });
        };
        if object
            .meta()
            .resource_version
            .as_ref()
            .is_some_and(|rv| Some(rv) != old.meta().resource_version.as_ref())
        {
            return Err(StoreError::Conflict {
                resource: T::RESOURCE,
                name: id.1,
            });
        }
        object.meta_mut().namespace = Some(id.0.clone());
        T::validate_update(old, &object)?;
        let (uid, created, rv) = (
            old.meta().uid.clone(),
            old.meta().creation_timestamp.clone(),
            old.meta().resource_version.clone(),
        );
        let unchanged = same_content(old, &object, T::meta_mut);
        let meta = object.meta_mut();
        meta.uid = uid;
        meta.creation_timestamp = created;
        meta.resource_version = rv;
        if !unchanged {
            object.meta_mut().resource_version = Some(self.next_revision());
        }
        let slot = T::objects_mut(self).entry(id).or_default();
        *slot = object;
        Ok(slot)
    }

    fn apply<T: Stored>(&mut self, mut object: T) -> Result<Applied, StoreError> {
        let id = key(
            &namespace_of(object.meta()),
            object.meta().name.as_deref().unwrap_or(""),
        );
        let Some(old) = T::objects(self).get(&id) else {
            self.create(object)?;
            return Ok(Applied::Created);
        };
        let before = old.meta().resource_version.clone();
        object.meta_mut().resource_version = None;
        let after = self.update(object)?.meta().resource_version.clone();
        Ok(if before == after {
            Applied::Unchanged
        } else {
            Applied::Configured
        })
    }

    fn delete<T: Stored>(&mut self, namespace: &str, name: &str) -> Result<T, StoreError> {
        let removed = T::objects_mut(self)
            .remove(&key(namespace, name))
            .ok_or_else(|| StoreError::NotFound {
                resource: T::RESOURCE,
                name: name.to_string(),
            })?;
        self.revision += 1;
        Ok(removed)
    }

    // ---- ConfigMaps ------------------------------------------------------------------------

    /// Creates a ConfigMap (namespace defaults to `default`). Fails if it exists or is invalid.
    pub fn create_config_map(&mut self, config_map: ConfigMap) -> Result<&ConfigMap, StoreError> {
        self.create(config_map)
    }

    /// Replaces an existing ConfigMap. Validates the update (immutability, §8.5) and bumps the
    /// resourceVersion unless nothing changed. A `metadata.resourceVersion` on `config_map`
    /// must match the stored one (optimistic concurrency); leave it unset to update anyway.
    pub fn update_config_map(&mut self, config_map: ConfigMap) -> Result<&ConfigMap, StoreError> {
        self.update(config_map)
    }

    /// Creates the ConfigMap or replaces it (`kubectl apply` with replace semantics).
    pub fn apply_config_map(&mut self, config_map: ConfigMap) -> Result<Applied, StoreError> {
        self.apply(config_map)
    }

    /// Merge-patches a ConfigMap's `data` and `binaryData`: `Some` sets a key, `None` deletes
    /// it. Validated like an update; bumps the resourceVersion unless nothing changed.
    pub fn patch_config_map(
        &mut self,
        namespace: &str,
        name: &str,
        data: BTreeMap<String, Option<String>>,
        binary_data: BTreeMap<String, Option<Vec<u8>>>,
    ) -> Result<&ConfigMap, StoreError> {
        let Some(old) = self.config_maps.get(&key(namespace, name)) else {
            return Err(StoreError::NotFound {
                resource: CONFIG_MAPS,
                name: name.to_string(),
            });
        };
        let mut patched = old.clone();
        patched.metadata.resource_version = None;
        merge_into(&mut patched.data, data, |v| v);
        merge_into(&mut patched.binary_data, binary_data, ByteString);
        self.update_config_map(patched)
    }

    /// Deletes a ConfigMap (allowed even when immutable) and returns it.
    pub fn delete_config_map(
        &mut self,
        namespace: &str,
        name: &str,
    ) -> Result<ConfigMap, StoreError> {
        self.delete(namespace, name)
    }

    // ---- Secrets ---------------------------------------------------------------------------

    /// Creates a Secret (namespace defaults to `default`, type to `Opaque`; `stringData` is
    /// merged into `data` and dropped). Fails if it exists or is invalid.
    pub fn create_secret(&mut self, secret: Secret) -> Result<&Secret, StoreError> {
        self.create(secret)
    }

    /// Replaces an existing Secret: `stringData` merged, type defaulted to `Opaque` and never
    /// changed (§8.4), immutability enforced (§8.5). Bumps the resourceVersion unless nothing
    /// changed. A `metadata.resourceVersion` on `secret` must match the stored one.
    pub fn update_secret(&mut self, secret: Secret) -> Result<&Secret, StoreError> {
        self.update(secret)
    }

    /// Creates the Secret or replaces it (`kubectl apply` with replace semantics).
    pub fn apply_secret(&mut self, secret: Secret) -> Result<Applied, StoreError> {
        self.apply(secret)
    }

    /// Merge-patches a Secret: `data` entries set (`Some`) or delete (`None`) keys; then
    /// `stringData` entries overwrite `data` keys, as the API server merges them. As there, a
    /// `None` in `string_data` deletes nothing (the patch removes a key from `stringData`,
    /// which is never stored): delete through `data`. Validated like an update.
    pub fn patch_secret(
        &mut self,
        namespace: &str,
        name: &str,
        data: BTreeMap<String, Option<Vec<u8>>>,
        string_data: BTreeMap<String, Option<String>>,
    ) -> Result<&Secret, StoreError> {
        let Some(old) = self.secrets.get(&key(namespace, name)) else {
            return Err(StoreError::NotFound {
                resource: SECRETS,
                name: name.to_string(),
            });
        };
        let mut patched = old.clone();
        patched.metadata.resource_version = None;
        merge_into(&mut patched.data, data, ByteString);
        let string_data: BTreeMap<String, String> = string_data
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        if !string_data.is_empty() {
            patched.string_data = Some(string_data);
        }
        self.update_secret(patched)
    }

    /// Deletes a Secret (allowed even when immutable) and returns it.
    pub fn delete_secret(&mut self, namespace: &str, name: &str) -> Result<Secret, StoreError> {
        self.delete(namespace, name)
    }
}

/// JSON-merge-patch of one map: `Some` sets, `None` deletes; an emptied map becomes `None`.
fn merge_into<V, P>(
    target: &mut Option<BTreeMap<String, V>>,
    patch: BTreeMap<String, Option<P>>,
    wrap: impl Fn(P) -> V,
) {
    if patch.is_empty() {
        return;
    }
    let map = target.get_or_insert_with(BTreeMap::new);
    for (k, v) in patch {
        match v {
            Some(v) => {
                map.insert(k, wrap(v));
            }
            None => {
                map.remove(&k);
            }
        }
    }
    if map.is_empty() {
        *target = None;
    }
}

impl ObjectLookup for ObjectStore {
    fn config_map(&self, namespace: &str, name: &str) -> Option<&ConfigMap> {
        self.config_maps.get(&key(namespace, name))
    }

    fn secret(&self, namespace: &str, name: &str) -> Option<&Secret> {
        self.secrets.get(&key(namespace, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(name: &str, data: &[(&str, &str)]) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            data: Some(
                data.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn secret(name: &str, string_data: &[(&str, &str)]) -> Secret {
        Secret {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            string_data: Some(
                string_data
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn rv(meta: &ObjectMeta) -> u64 {
        meta.resource_version
            .as_deref()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn text<T>(r: Result<T, StoreError>) -> String {
        match r {
            Ok(_) => "<ok>".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn create_sets_identity_and_default_namespace() {
        let mut store = ObjectStore::new();
        let created = match store.create_config_map(cm("app", &[("k", "v")])) {
            Ok(c) => c.clone(),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(created.metadata.namespace.as_deref(), Some("default"));
        assert_eq!(rv(&created.metadata), 1);
        assert!(created.metadata.uid.is_some());
        assert!(store.config_map("default", "app").is_some());
        assert!(store.config_map("", "app").is_some());
        assert!(store.config_map("other", "app").is_none());
    }

    #[test]
    fn create_twice_already_exists_and_missing_not_found() {
        let mut store = ObjectStore::new();
        assert!(store.create_config_map(cm("app", &[])).is_ok());
        assert_eq!(
            text(store.create_config_map(cm("app", &[]))),
            "configmaps \"app\" already exists"
        );
        assert_eq!(
            text(store.update_config_map(cm("nope", &[]))),
            "configmaps \"nope\" not found"
        );
        assert_eq!(
            text(store.delete_secret("default", "nope")),
            "secrets \"nope\" not found"
        );
        assert_eq!(
            text(store.patch_config_map("default", "nope", BTreeMap::new(), BTreeMap::new())),
            "configmaps \"nope\" not found"
        );
        // The same name in another namespace is another object.
        let mut other = cm("app", &[]);
        other.metadata.namespace = Some("prod".into());
        assert!(store.create_config_map(other).is_ok());
    }

    #[test]
    fn resource_version_is_store_wide_and_bumps_on_change_only() {
        let mut store = ObjectStore::new();
        assert!(store.create_config_map(cm("a", &[("k", "1")])).is_ok());
        assert!(store.create_secret(secret("s", &[("p", "x")])).is_ok());
        assert_eq!(
            store.secret("default", "s").map(|s| rv(&s.metadata)),
            Some(2)
        );
        let updated = store
            .update_config_map(cm("a", &[("k", "2")]))
            .map(|c| rv(&c.metadata));
        assert_eq!(updated, Ok(3));
        let same = store
            .update_config_map(cm("a", &[("k", "2")]))
            .map(|c| rv(&c.metadata));
        assert_eq!(same, Ok(3));
        assert_eq!(
            store.apply_config_map(cm("a", &[("k", "2")])),
            Ok(Applied::Unchanged)
        );
        assert_eq!(
            store.apply_config_map(cm("a", &[("k", "3")])),
            Ok(Applied::Configured)
        );
        assert_eq!(store.apply_config_map(cm("b", &[])), Ok(Applied::Created));
        assert_eq!(store.resource_version(), 5);
    }

    #[test]
    fn update_keeps_uid_and_rejects_stale_resource_version() {
        let mut store = ObjectStore::new();
        let uid = store
            .create_config_map(cm("a", &[]))
            .ok()
            .and_then(|c| c.metadata.uid.clone());
        let mut stale = cm("a", &[("k", "v")]);
        stale.metadata.resource_version = Some("99".into());
        assert!(
            text(store.update_config_map(stale))
                .starts_with("Operation cannot be fulfilled on configmaps \"a\"")
        );
        let mut fresh = cm("a", &[("k", "v")]);
        fresh.metadata.resource_version = Some("1".into());
        let updated = store.update_config_map(fresh).ok().cloned();
        assert_eq!(updated.and_then(|c| c.metadata.uid), uid);
    }

    #[test]
    fn api_8_2_store_validates_create_and_update() {
        let mut store = ObjectStore::new();
        let bad = text(store.create_config_map(cm("app", &[("a b", "v")])));
        assert!(
            bad.starts_with("ConfigMap \"app\" is invalid: data[a b]: Invalid value"),
            "{bad}"
        );
        assert!(store.create_config_map(cm("app", &[])).is_ok());
        let big = "x".repeat(validation::MAX_DATA_SIZE + 1);
        assert_eq!(
            text(store.update_config_map(cm("app", &[("k", &big)]))),
            "ConfigMap \"app\" is invalid: []: Too long: must have at most 1048576 bytes"
        );
        assert_eq!(store.resource_version(), 1);
    }

    #[test]
    fn api_8_3_string_data_is_merged_and_cleared() {
        let mut store = ObjectStore::new();
        let mut s = secret("db", &[("password", "new")]);
        s.data = Some(BTreeMap::from([
            ("password".to_string(), ByteString(b"old".to_vec())),
            ("user".to_string(), ByteString(b"admin".to_vec())),
        ]));
        assert!(store.create_secret(s).is_ok());
        let Some(stored) = store.secret("default", "db") else {
            panic!("secret not stored");
        };
        assert_eq!(stored.string_data, None);
        assert_eq!(stored.type_.as_deref(), Some("Opaque"));
        let data = stored.data.clone().unwrap_or_default();
        assert_eq!(data["password"].0, b"new");
        assert_eq!(data["user"].0, b"admin");
    }

    #[test]
    fn api_8_4_store_type_never_changes() {
        let mut store = ObjectStore::new();
        let mut tls = secret("tls", &[("tls.crt", "c"), ("tls.key", "k")]);
        tls.type_ = Some(validation::SECRET_TYPE_TLS.into());
        assert!(store.create_secret(tls).is_ok());
        // A manifest without type means Opaque: a type change.
        let untyped = secret("tls", &[("tls.crt", "c2"), ("tls.key", "k2")]);
        assert_eq!(
            text(store.apply_secret(untyped)),
            "Secret \"tls\" is invalid: type: Invalid value: \"Opaque\": field is immutable"
        );
        // A patch keeps the type.
        let patched = store.patch_secret(
            "default",
            "tls",
            BTreeMap::new(),
            BTreeMap::from([("tls.crt".to_string(), Some("c3".to_string()))]),
        );
        assert_eq!(
            patched.map(|s| s.type_.clone()),
            Ok(Some(validation::SECRET_TYPE_TLS.to_string()))
        );
        // Removing a required key is rejected.
        let removed = store.patch_secret(
            "default",
            "tls",
            BTreeMap::from([("tls.key".to_string(), None)]),
            BTreeMap::new(),
        );
        assert_eq!(
            text(removed),
            "Secret \"tls\" is invalid: data[tls.key]: Required value"
        );
    }

    #[test]
    fn api_8_5_store_immutable_forbids_change_allows_metadata_and_delete() {
        let mut store = ObjectStore::new();
        let mut frozen = cm("frozen", &[("k", "v")]);
        frozen.immutable = Some(true);
        assert!(store.create_config_map(frozen.clone()).is_ok());
        let patched = store.patch_config_map(
            "default",
            "frozen",
            BTreeMap::from([("k".to_string(), Some("v2".to_string()))]),
            BTreeMap::new(),
        );
        assert_eq!(
            text(patched),
            "ConfigMap \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
        );
        let mut relabelled = frozen.clone();
        relabelled.metadata.labels = Some(BTreeMap::from([("team".to_string(), "a".to_string())]));
        assert_eq!(store.apply_config_map(relabelled), Ok(Applied::Configured));
        let mut thawed = frozen;
        thawed.immutable = None;
        assert!(text(store.apply_config_map(thawed)).contains("immutable: Forbidden"));
        assert!(store.delete_config_map("default", "frozen").is_ok());
        assert!(store.config_map("default", "frozen").is_none());
    }

    #[test]
    fn patch_config_map_sets_and_deletes_keys() {
        let mut store = ObjectStore::new();
        assert!(
            store
                .create_config_map(cm("app", &[("LOG_LEVEL", "INFO"), ("OLD", "x")]))
                .is_ok()
        );
        let patched = store
            .patch_config_map(
                "default",
                "app",
                BTreeMap::from([
                    ("LOG_LEVEL".to_string(), Some("DEBUG".to_string())),
                    ("OLD".to_string(), None),
                ]),
                BTreeMap::from([("bin".to_string(), Some(vec![0, 1, 2]))]),
            )
            .ok()
            .cloned();
        let Some(patched) = patched else {
            panic!("patch failed");
        };
        let data = patched.data.clone().unwrap_or_default();
        assert_eq!(data.len(), 1);
        assert_eq!(data["LOG_LEVEL"], "DEBUG");
        assert_eq!(
            patched.binary_data.unwrap_or_default()["bin"].0,
            vec![0, 1, 2]
        );
        assert_eq!(rv(&patched.metadata), 2);
        // Deleting the last key leaves no data map.
        let emptied = store.patch_config_map(
            "default",
            "app",
            BTreeMap::from([("LOG_LEVEL".to_string(), None)]),
            BTreeMap::new(),
        );
        assert_eq!(emptied.map(|c| c.data.is_none()), Ok(true));
    }

    #[test]
    fn patch_config_map_key_in_both_maps_rejected() {
        let mut store = ObjectStore::new();
        assert!(store.create_config_map(cm("app", &[("k", "v")])).is_ok());
        let r = store.patch_config_map(
            "default",
            "app",
            BTreeMap::new(),
            BTreeMap::from([("k".to_string(), Some(vec![1]))]),
        );
        assert!(text(r).contains("duplicate of key present in binaryData"));
    }

    #[test]
    fn patch_secret_merges_string_data_over_data() {
        let mut store = ObjectStore::new();
        assert!(
            store
                .create_secret(secret("db", &[("password", "a"), ("user", "u")]))
                .is_ok()
        );
        let patched = store
            .patch_secret(
                "default",
                "db",
                BTreeMap::from([
                    ("password".to_string(), Some(b"from-data".to_vec())),
                    ("user".to_string(), None),
                ]),
                BTreeMap::from([
                    ("password".to_string(), Some("from-string-data".to_string())),
                    ("ghost".to_string(), None),
                ]),
            )
            .ok()
            .cloned();
        let data = patched.and_then(|s| s.data).unwrap_or_default();
        assert_eq!(data.len(), 1);
        assert_eq!(data["password"].0, b"from-string-data");
    }

    #[test]
    fn secret_values_never_appear_in_store_errors() {
        let mut store = ObjectStore::new();
        let mut pull = secret("pull", &[(".dockerconfigjson", "{hunter2")]);
        pull.type_ = Some(validation::SECRET_TYPE_DOCKER_CONFIG_JSON.into());
        let message = text(store.create_secret(pull));
        assert!(message.contains("<secret contents redacted>"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn generate_name_gets_a_suffix() {
        let mut store = ObjectStore::new();
        let mut c = cm("", &[]);
        c.metadata.name = None;
        c.metadata.generate_name = Some("app-".into());
        let name = store
            .create_config_map(c)
            .ok()
            .and_then(|c| c.metadata.name.clone());
        assert!(
            name.as_deref()
                .is_some_and(|n| n.starts_with("app-") && n.len() == 9),
            "{name:?}"
        );
    }

    #[test]
    fn create_all_loads_a_manifest_set() {
        let mut set = ManifestSet::default();
        let origin = crate::api::manifest::Origin {
            file: "m.yaml".into(),
            line: 1,
        };
        set.config_maps
            .push((cm("a", &[("k", "v")]), origin.clone()));
        set.secrets
            .push((secret("s", &[("p", "x")]), origin.clone()));
        set.config_maps.push((cm("a", &[]), origin));
        let mut store = ObjectStore::new();
        assert_eq!(
            text(store.create_all(&set)),
            "configmaps \"a\" already exists"
        );
    }
}

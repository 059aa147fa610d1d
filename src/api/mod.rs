//! The Kubernetes API side: reading manifests ([`manifest`]), validating ConfigMaps and Secrets
//! the way the API server does ([`validation`]), and an object store with resourceVersions
//! ([`store`]). Pure data in, data out: nothing here touches a node's disk.

pub mod manifest;
pub mod store;
pub mod validation;

pub use manifest::{LoadError, Manifest, ManifestSet, Workload};
pub use store::{ObjectLookup, ObjectStore, StoreError};
pub use validation::ValidationError;

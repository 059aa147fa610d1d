//! The Kubernetes API side: reading manifests ([`manifest`]), validating ConfigMaps and Secrets
//! the way the API server does ([`validation`]), and an object store with resourceVersions
//! ([`store`]). Pure data in, data out: nothing here touches a node's disk.

pub mod generate;
mod go_print_ranges;
pub mod go_quote;
pub mod manifest;
pub mod objects;
pub mod pod_spec;
pub mod sources;
pub mod store;
pub mod text;
pub mod validation;

pub use manifest::{
    LoadError, LoadErrorKind, Loaded, LocatedDocument, Manifest, ManifestSet, Note, Origin,
    Workload, load_file, load_file_text, load_files, load_str, load_text,
};
pub use store::{Applied, ObjectLookup, ObjectStore, StoreError};
pub use validation::{FieldError, FieldPath, ValidationError};

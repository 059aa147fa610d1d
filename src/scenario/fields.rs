//! The names the scenario format knows: the fields of every mapping, the operations of a
//! step, the observations of an assert, the timing profiles.
//!
//! The decoder checks keys against these lists (unknown field, did-you-mean) and the schema
//! lists them. The lists of the hand-decoded mappings come from their types in `written` (the
//! same types their JSON Schema is generated from); the top level and the predicates are
//! still written here. It owns names only: what a value means
//! and whether it is valid is decided by the decoder modules (`load`, `steps`, `assert`,
//! `observation`).

use std::sync::LazyLock;

use super::de::fields_of;
use super::written;
pub(crate) use super::written::{OBSERVATIONS, OPERATIONS};

/// A field list read from a type in `written`, once.
pub(crate) type Fields = LazyLock<&'static [&'static str]>;

/// The fields of a scenario file's top level.
pub(crate) const TOP_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
/// The fields of `spec`.
pub(crate) static SPEC_FIELDS: Fields = LazyLock::new(fields_of::<written::Spec>);
/// The fields of a custom `timing`.
pub(crate) static TIMING_FIELDS: Fields = LazyLock::new(fields_of::<written::CustomTiming>);
/// The fields of an object source (`spec.objects[]`, `apply`).
pub(crate) static OBJECT_FIELDS: Fields = LazyLock::new(fields_of::<written::ObjectSource>);
/// The fields of `spec.workload`.
pub(crate) static WORKLOAD_FIELDS: Fields = LazyLock::new(fields_of::<written::Workload>);
/// The fields of `spec.workload.run.<container>`.
pub(crate) static RUN_FIELDS: Fields = LazyLock::new(fields_of::<written::Run>);

/// The fields of a step: `name` and the operations.
pub(crate) static STEP_FIELDS: Fields = LazyLock::new(fields_of::<written::Step>);
/// The fields of `update`.
pub(crate) static UPDATE_FIELDS: Fields = LazyLock::new(fields_of::<written::Update>);
/// The fields of `delete`.
pub(crate) static DELETE_FIELDS: Fields = LazyLock::new(fields_of::<written::Delete>);
/// The fields of `signal`.
pub(crate) static SIGNAL_FIELDS: Fields = LazyLock::new(fields_of::<written::Signal>);
/// The predicates of an assert.
pub(crate) const PREDICATES: &[&str] = &[
    "equals",
    "notEquals",
    "contains",
    "notContains",
    "matches",
    "exists",
    "mode",
    "count",
    "linkTarget",
    "status",
    "cn",
    "sha256",
];
/// The timing fields of an assert.
#[cfg(test)]
pub(crate) const ASSERT_TIMING_FIELDS: &[&str] = &["within", "throughout", "after"];
/// Every field of an assert: observations, `since`, predicates, timing.
pub(crate) static ASSERT_FIELDS: Fields = LazyLock::new(fields_of::<written::Assert>);
/// The fields of `http: {…}`.
pub(crate) static HTTP_FIELDS: Fields = LazyLock::new(fields_of::<written::Http>);
/// The fields of `tls: {…}`.
pub(crate) static TLS_FIELDS: Fields = LazyLock::new(fields_of::<written::Tls>);
/// The fields of `container: {…}` (observation).
pub(crate) static CONTAINER_FIELDS: Fields = LazyLock::new(fields_of::<written::ContainerMatch>);
/// The fields of `pod: {…}`.
pub(crate) static POD_FIELDS: Fields = LazyLock::new(fields_of::<written::Pod>);
/// The fields of `event: {…}`.
pub(crate) static EVENT_FIELDS: Fields = LazyLock::new(fields_of::<written::Event>);

//! The names the scenario format knows: the fields of every mapping, the operations of a
//! step, the observations of an assert, the timing profiles.
//!
//! The decoder checks keys against these lists (unknown field, did-you-mean) and the schema
//! lists them. The lists of the hand-decoded mappings come from their types in `written` (the
//! same types their JSON Schema is generated from); the rest (top level, `spec`, a step, an
//! assert and its predicates) are still written here. It owns names only: what a value means
//! and whether it is valid is decided by the decoder modules (`load`, `steps`, `assert`,
//! `observation`).

use std::sync::LazyLock;

use super::de::fields_of;
use super::written;

/// A field list read from a type in `written`, once.
pub(crate) type Fields = LazyLock<&'static [&'static str]>;

/// The fields of a scenario file's top level.
pub(crate) const TOP_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
/// The fields of `spec`.
pub(crate) const SPEC_FIELDS: &[&str] = &[
    "timing",
    "kubernetesVersion",
    "objects",
    "workload",
    "steps",
    "expect",
];
/// The fields of a custom `timing`.
pub(crate) static TIMING_FIELDS: Fields = LazyLock::new(fields_of::<written::CustomTiming>);
/// The timing profiles.
pub(crate) const TIMING_PROFILES: &[&str] = &["fast", "kubelet"];
/// The fields of an object source (`spec.objects[]`, `apply`).
pub(crate) static OBJECT_FIELDS: Fields = LazyLock::new(fields_of::<written::ObjectSource>);
/// The fields of `spec.workload`.
pub(crate) static WORKLOAD_FIELDS: Fields = LazyLock::new(fields_of::<written::Workload>);
/// The fields of `spec.workload.run.<container>`.
pub(crate) static RUN_FIELDS: Fields = LazyLock::new(fields_of::<written::Run>);

/// The operations a step can have (exactly one).
pub(crate) const OPERATIONS: &[&str] = &[
    "apply", "update", "delete", "restart", "recreate", "touch", "signal", "sleep", "assert",
];
/// The fields of a step: `name` and the operations.
pub(crate) const STEP_FIELDS: &[&str] = &[
    "name", "apply", "update", "delete", "restart", "recreate", "touch", "signal", "sleep",
    "assert",
];
/// The fields of `update`.
pub(crate) static UPDATE_FIELDS: Fields = LazyLock::new(fields_of::<written::Update>);
/// The fields of `delete`.
pub(crate) static DELETE_FIELDS: Fields = LazyLock::new(fields_of::<written::Delete>);
/// The fields of `signal`.
pub(crate) static SIGNAL_FIELDS: Fields = LazyLock::new(fields_of::<written::Signal>);
/// The observations an assert can have (exactly one).
pub(crate) const OBSERVATIONS: &[&str] = &[
    "file",
    "dir",
    "env",
    "log",
    "http",
    "tls",
    "container",
    "pod",
    "event",
];
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
pub(crate) const ASSERT_FIELDS: &[&str] = &[
    "file",
    "dir",
    "env",
    "log",
    "http",
    "tls",
    "container",
    "pod",
    "event",
    "since",
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
    "within",
    "throughout",
    "after",
];
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

//! The names the scenario format knows: the fields of every mapping, the operations of a
//! step, the observations of an assert and the values of its enums.
//!
//! The decoder checks keys against these lists (unknown field, did-you-mean) and the schema
//! lists them. It owns names only: what a value means and whether it is valid is decided by
//! the decoder modules (`load`, `steps`, `assert`, `observation`).

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
pub(crate) const TIMING_FIELDS: &[&str] =
    &["syncPeriod", "jitter", "detection", "cacheTTL", "seed"];
/// The timing profiles.
pub(crate) const TIMING_PROFILES: &[&str] = &["fast", "kubelet"];
/// The detection strategies.
pub(crate) const DETECTIONS: &[&str] = &["watch", "cache", "get"];
/// The fields of an object source (`spec.objects[]`, `apply`).
pub(crate) const OBJECT_FIELDS: &[&str] = &["file", "inline"];
/// The fields of `spec.workload`.
pub(crate) const WORKLOAD_FIELDS: &[&str] = &["file", "run"];
/// The fields of `spec.workload.run.<container>`.
pub(crate) const RUN_FIELDS: &[&str] = &["command", "args", "workingDir", "env", "image"];

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
pub(crate) const UPDATE_FIELDS: &[&str] =
    &["configMap", "secret", "data", "binaryData", "stringData"];
/// The fields of `delete`.
pub(crate) const DELETE_FIELDS: &[&str] = &["configMap", "secret"];
/// The fields of `signal`.
pub(crate) const SIGNAL_FIELDS: &[&str] = &["container", "signal"];
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
pub(crate) const HTTP_FIELDS: &[&str] = &["port", "path", "method", "headers", "body"];
/// The fields of `tls: {…}`.
pub(crate) const TLS_FIELDS: &[&str] = &["port"];
/// The fields of `container: {…}` (observation).
pub(crate) const CONTAINER_FIELDS: &[&str] = &["name", "state", "reason", "restarts"];
/// The fields of `pod: {…}`.
pub(crate) const POD_FIELDS: &[&str] = &["phase"];
/// The fields of `event: {…}`.
pub(crate) const EVENT_FIELDS: &[&str] = &["reason"];
/// The values of `container.state`.
pub(crate) const STATES: &[&str] = &["running", "waiting", "terminated"];
/// The values of `pod.phase`.
pub(crate) const PHASES: &[&str] = &["Pending", "Running", "Succeeded", "Failed", "Unknown"];

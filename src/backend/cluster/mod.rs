//! The cluster backend (`--backend cluster`): the same scenario against a real kubelet, over
//! any kubeconfig, in a fresh labelled namespace per scenario.
//!
//! One job per module: [`config`] (which cluster, a client), [`namespace`] (the scenario's
//! namespace and its cleanup), [`objects`] (ConfigMaps and Secrets as the steps say),
//! [`workload`] (the pod kubedrill creates and the app files it delivers), [`lifecycle`]
//! (create, wait, delete, touch the pod), [`exec`] (commands and port-forwards), [`observe`]
//! (API output to [`Observed`](crate::backend::Observed)), [`errors`], and [`backend`]
//! (the [`Backend`](crate::backend::Backend) impl that ties them together), [`factory`] (one
//! backend per scenario for the runner).

pub mod backend;
pub mod config;
pub mod errors;
pub mod exec;
pub mod factory;
pub mod lifecycle;
pub mod namespace;
pub mod objects;
pub mod observe;
pub mod workload;

#[cfg(test)]
mod tests;

pub use backend::{ClusterBackend, ClusterScenario};
pub use config::{ClusterArgs, ClusterOptions, Connection, connect};
pub use errors::ClusterError;
pub use factory::{ClusterBackendFactory, FAST_ON_A_CLUSTER};

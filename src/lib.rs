//! kubedrill proves how an application behaves when the Kubernetes ConfigMaps and Secrets it
//! consumes change.
//!
//! The library is layered the way data flows (see `DESIGN.md` and the README's Layout):
//! - `yaml` (crate-private) is the one located YAML tree every reader takes locations from;
//! - [`api`] reads manifests and keeps API objects, validating them as the API server would;
//! - [`kubelet`] turns a pod and those objects into exactly what kubelet puts on disk and into
//!   a container's environment (AtomicWriter, volume payloads, env, subPath);
//! - [`scenario`] reads scenario files; [`runner`] runs them against a [`backend`] (the local
//!   simulator over a [`runtime`], a cluster, a kind node) and [`report`] renders the results;
//! - [`project`], [`dev`], [`lint`] and [`init`] do the work of the other commands;
//!   [`duration`] says how durations are written.
//!
//! The binary (`src/cli/`) parses arguments, prints, and maps errors to exit codes; it decides
//! nothing else.
#![warn(missing_docs)]
// `unsafe` only where a module says why (runtime/process: ns_exec, probe, runtime).
#![deny(unsafe_code)]

pub mod api;
pub mod backend;
pub mod dev;
pub mod duration;
pub mod init;
pub mod kubelet;
pub mod lint;
pub mod project;
pub mod report;
pub mod runner;
pub mod runtime;
pub mod scenario;
pub(crate) mod yaml;

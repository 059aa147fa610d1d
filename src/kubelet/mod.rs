//! What kubelet does with ConfigMaps and Secrets, reproduced: the [`atomic_writer`] that puts a
//! volume on disk, the [`payload`] rules that decide what goes into it, [`env`](mod@env) resolution and
//! [`subpath`] pinning. Item numbers in docs and test names refer to
//! `spec/kubelet-behaviour.md`.

pub mod anchored;
pub mod atomic_writer;
pub mod command;
pub mod env;
pub mod ownership;
pub mod payload;
pub mod pod;
pub mod pod_identity;
pub mod subpath;
pub mod subpath_expr;
pub mod timing;
mod version;
pub mod view;

pub use atomic_writer::{AtomicWriter, FileProjection, Payload, WriteError, WriteOutcome};
pub use version::KubeVersion;

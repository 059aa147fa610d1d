//! The seam between the scenario runner and whatever runs the pod. The runner drives a
//! [`Backend`] with mutations and lifecycle operations and asks it for [`Observed`] facts; it
//! never knows whether it talks to the local simulator ([`local`]) or a real cluster.

pub mod clock;
pub mod cluster;
mod containers;
pub mod http;
pub mod kind;
pub mod local;
mod observe;
mod seam;
pub mod tls;
mod volume_tree;

pub use containers::RuntimeKind;
pub use seam::{Backend, BackendError, BackendFactory, LogLine, Observed};

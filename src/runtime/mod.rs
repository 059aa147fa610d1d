//! Container runtimes: how a container's process is started, observed and stopped on this
//! machine. [`process`] runs it as a local process in its own mount namespace; [`docker`] in a
//! Docker container on a real engine.

pub mod blocking;
pub mod docker;
pub mod process;
pub mod scratch;

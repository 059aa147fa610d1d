//! Container runtimes: how a container's process is started, observed and stopped on this
//! machine. [`process`] runs it as a local process in its own mount namespace.

pub mod process;

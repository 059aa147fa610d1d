//! `kubedrill init`: a commented scenario skeleton from the manifests a team already has.
//!
//! [`analysis`] finds what a workload consumes (which ConfigMaps and Secrets, as volume files,
//! subPath files or env), [`render`] writes the skeleton that changes each of them and checks
//! what kubelet does, and [`init`] ties them to the loader and the file system (validating the
//! text with the scenario loader before writing it).

pub mod analysis;
mod errors;
mod generate;
pub mod render;

pub use errors::InitError;
pub use generate::{Generated, InitOptions, init};

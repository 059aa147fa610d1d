//! The scenario runner: executes a scenario's steps against a backend, samples assertions with
//! their timing rule, and emits results as data. It formats nothing; the reporters do.

pub mod check;
pub mod diff;
pub mod expect;
pub mod redact;
mod run;

pub use run::{
    POLL_INTERVAL, RunOptions, describe_observation, fmt_dur, run_scenario, summarize,
    timing_profile,
};

//! The scenario runner: executes a scenario's steps against a backend, samples assertions with
//! their timing rule, and emits results as data. It formats nothing; the reporters do.
//!
//! [`run_scenario`] runs one scenario; [`run_all`] runs many (`--jobs`, `--repeat`,
//! `--fail-fast`, cancellation) and [`select`] finds and picks them (recursive discovery,
//! `--filter`, `-l`).

pub mod check;
pub mod diff;
mod dispatch;
pub mod expect;
pub mod redact;
mod run;
pub mod select;

pub use crate::report::model::WaitProgress;
pub use dispatch::{Cancel, Flaky, Interrupt, RunAllOptions, RunOutcome, run_all};
pub use run::{
    POLL_INTERVAL, RunOptions, describe_observation, fmt_dur, run_scenario, summarize,
    timing_profile,
};

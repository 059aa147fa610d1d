//! The `kubedrill` binary: a thin edge over the library (see `kubedrill --help`). Its modules
//! parse arguments ([`app`]), print ([`print`], [`lint_cmd`], [`dev_cmd`], [`run_cmd`],
//! [`docs_cmd`]) and map every failure to its exit code through one error type
//! ([`exit::CliError`]); the work itself is the library's.
//!
//! Exit codes: 0 success, 1 kubelet would fail (FailedMount, CreateContainerConfigError) or a
//! scenario failed, 2 invalid input or setup error, 130 SIGINT, 141 stdout closed early,
//! 143 SIGTERM (see [`exit`]).
#![deny(unsafe_code)]

mod app;
mod dev_cmd;
mod docs_cmd;
mod exit;
mod kind_cmd;
mod lint_cmd;
mod logging;
mod output;
mod print;
mod run_cmd;

fn main() -> std::process::ExitCode {
    app::main()
}

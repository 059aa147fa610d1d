//! The `kubedrill` command line: a thin edge over the library (see `kubedrill --help`).
//!
//! Exit codes: 0 success, 1 kubelet would fail (FailedMount, CreateContainerConfigError),
//! 2 invalid input or setup error.

mod cli;
mod dev_app;
mod kind_cmd;
mod run_cmd;

fn main() -> std::process::ExitCode {
    cli::main()
}

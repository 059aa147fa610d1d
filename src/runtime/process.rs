//! The local process runtime. IMPLEMENTATION IN PROGRESS (issue 3).

use std::path::Path;
use std::process::ExitCode;

/// Entry point of the hidden `kubedrill __ns-exec SPEC` subcommand: sets up the mount namespace
/// described by the spec file, then execs the container command. Returns only on failure.
pub fn ns_exec_main(spec: &Path) -> ExitCode {
    eprintln!(
        "kubedrill: namespace exec is not implemented yet ({})",
        spec.display()
    );
    ExitCode::from(2)
}

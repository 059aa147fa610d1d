//! The one error type at the edge of the binary, [`CliError`], and its mapping to exit codes
//! ([`CliError::exit_code`], as cargo-nextest's `ExpectedError::process_exit_code` does).
//!
//! Every subcommand returns `Result<(), CliError>`; `main` prints what is left to print and
//! exits with the code. This module owns the exit-code table and nothing else: it must not decide
//! *whether* something failed (the library's results say so) nor how a failure is worded (the
//! library's errors and the printers in [`crate::print`] do).
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | kubelet would fail (FailedMount, CreateContainerConfigError), a scenario failed, a lint warning or error |
//! | 2 | invalid input or setup error (also clap's usage errors) |
//! | 130 | interrupted by SIGINT (128 + 2) |
//! | 141 | stdout was closed early (`kubedrill … \| head`), as a shell reports SIGPIPE (128 + 13) |
//! | 143 | terminated by SIGTERM (128 + 15) |

use std::fmt;
use std::io;
use std::process::ExitCode;

/// Exit code when kubelet would fail, a scenario failed or lint found a warning or error.
pub const EXIT_FAILED: u8 = 1;
/// Exit code for invalid input or a setup error.
pub const EXIT_INVALID: u8 = 2;
/// Exit code after SIGINT (Ctrl-C), as shells report it (128 + 2).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code when the reader of stdout went away, as shells report SIGPIPE (128 + 13).
pub const EXIT_BROKEN_PIPE: u8 = 141;
/// Exit code after SIGTERM (128 + 15): a supervisor that stopped kubedrill sees its signal.
pub const EXIT_TERMINATED: u8 = 143;

/// Why a command did not succeed. Each variant is one exit code; variants that carry a message
/// have not been printed yet, the others were reported where they happened (with source lines,
/// diagnostics or a summary).
#[derive(Debug)]
pub enum CliError {
    /// Invalid input or a setup error, not printed yet: `error: MESSAGE` goes to stderr.
    Invalid(String),
    /// Invalid input or a setup error already reported (e.g. with its source line).
    InvalidReported,
    /// The work ran and found failures (already reported).
    Failed,
    /// Stopped by SIGINT.
    Interrupted,
    /// Stopped by SIGTERM.
    Terminated,
    /// Stdout was closed by its reader: stop quietly.
    BrokenPipe,
}

/// The signal that stopped a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl From<StopSignal> for CliError {
    fn from(s: StopSignal) -> Self {
        match s {
            StopSignal::Interrupt => CliError::Interrupted,
            StopSignal::Terminate => CliError::Terminated,
        }
    }
}

impl CliError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) | CliError::InvalidReported => EXIT_INVALID,
            CliError::Failed => EXIT_FAILED,
            CliError::Interrupted => EXIT_INTERRUPTED,
            CliError::Terminated => EXIT_TERMINATED,
            CliError::BrokenPipe => EXIT_BROKEN_PIPE,
        }
    }

    /// Prints what has not been printed yet (to stderr, which is never the closed pipe).
    pub fn report(&self) {
        if let CliError::Invalid(message) = self {
            eprintln!("error: {message}");
        }
    }

    /// Builds an [`Invalid`](CliError::Invalid) from anything printable.
    pub fn invalid(e: impl fmt::Display) -> Self {
        CliError::Invalid(e.to_string())
    }
}

/// A failed write to the console: a closed pipe ends the command quietly; any other write error
/// is a setup error.
impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Invalid(format!("writing output: {e}"))
        }
    }
}

/// The exit code of a command's result.
pub fn exit_code(result: Result<(), CliError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_its_documented_code() {
        let table = [
            (CliError::Invalid("x".into()), 2),
            (CliError::InvalidReported, 2),
            (CliError::Failed, 1),
            (CliError::Interrupted, 130),
            (CliError::Terminated, 143),
            (CliError::BrokenPipe, 141),
        ];
        for (e, code) in table {
            assert_eq!(e.exit_code(), code, "{e:?}");
        }
    }

    #[test]
    fn a_closed_pipe_is_not_an_error_message() {
        let e = CliError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(matches!(e, CliError::BrokenPipe));
        let e = CliError::from(io::Error::from(io::ErrorKind::PermissionDenied));
        assert_eq!(e.exit_code(), EXIT_INVALID);
    }
}

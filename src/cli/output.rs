//! Where the console output goes and whether it is coloured.
//!
//! Console output (reports, findings, progress) goes to stdout, or to stderr when a machine
//! format claims stdout (`--report json=-`), so stdout then carries nothing but that document.
//! Colour follows `--color auto|always|never`; with `auto`, anstream's rules apply (`NO_COLOR`,
//! `CLICOLOR=0`, `CLICOLOR_FORCE`, `TERM=dumb`, and whether the stream is a terminal).
//! Every write returns an error instead of panicking, so a closed pipe (`kubedrill … | head`)
//! ends the command quietly (see [`crate::exit::CliError::BrokenPipe`]).
//!
//! This module owns the console stream and the colour decision; it must not decide what is
//! printed (the printers do) nor touch stdout's content in machine formats.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anstream::{AutoStream, ColorChoice};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour on a terminal unless `NO_COLOR`, `CLICOLOR=0` or `TERM=dumb` (`CLICOLOR_FORCE`
    /// forces it).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Whether console output goes to stderr because stdout carries a machine-readable document.
static CONSOLE_TO_STDERR: AtomicBool = AtomicBool::new(false);
/// `-q`: the run's console shows only its summary.
static QUIET: AtomicBool = AtomicBool::new(false);

/// `-q/--quiet`: from now on, a run's console output is its summary only.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Sets the colour choice for the whole process.
pub fn set_color(when: ColorWhen) {
    let choice = match when {
        ColorWhen::Auto => ColorChoice::Auto,
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
    };
    choice.write_global();
}

/// From now on, console output goes to stderr (stdout is reserved for a report).
pub fn console_to_stderr() {
    CONSOLE_TO_STDERR.store(true, Ordering::Relaxed);
}

/// Whether console output goes to stderr.
fn to_stderr() -> bool {
    CONSOLE_TO_STDERR.load(Ordering::Relaxed)
}

/// Whether the console stream gets ANSI colours, after `--color` and the environment.
pub fn color() -> bool {
    let choice = if to_stderr() {
        AutoStream::choice(&io::stderr())
    } else {
        AutoStream::choice(&io::stdout())
    };
    choice != ColorChoice::Never
}

/// The console stream, for writers that take ownership (the run's console reporter).
pub fn console() -> Box<dyn Write + Send> {
    if to_stderr() {
        Box::new(io::stderr())
    } else {
        Box::new(io::stdout())
    }
}

/// The run's console reporter on the console stream, coloured and quiet as decided above.
pub fn console_reporter() -> kubedrill::report::console::ConsoleReporter<Box<dyn Write + Send>> {
    kubedrill::report::console::ConsoleReporter::new(console(), color())
        .with_quiet(QUIET.load(Ordering::Relaxed))
}

/// Writes one line to the console stream; a closed pipe is an error, never a panic.
pub fn line(args: fmt::Arguments<'_>) -> io::Result<()> {
    if to_stderr() {
        let mut err = io::stderr().lock();
        err.write_fmt(args)?;
        err.write_all(b"\n")
    } else {
        let mut out = io::stdout().lock();
        out.write_fmt(args)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

/// `println!` for the console stream that returns an [`io::Result`] instead of panicking on a
/// closed pipe.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

/// Writes a whole document (JSON, a man page, a completion script) to stdout.
pub fn document(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

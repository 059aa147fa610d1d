//! `kubedrill lint`: loads the manifests, asks the library for findings and prints them one
//! per line, then a count.
//!
//! It owns the text layout of findings only; the rules and their levels belong to
//! [`kubedrill::lint`], the exit code to [`crate::exit`].

use std::path::PathBuf;

use crate::exit::CliError;
use crate::outln;
use crate::print::print_source_line;

/// `kubedrill lint MANIFEST…`: exit 1 when any finding is a warning or an error.
pub fn lint(manifests: &[PathBuf]) -> Result<(), CliError> {
    let set = match kubedrill::api::manifest::load_files(manifests) {
        Ok(set) => set,
        Err(e) => {
            eprintln!("error: {e}");
            print_source_line(e.file(), e.line(), e.column());
            return Err(CliError::InvalidReported);
        }
    };
    let findings = kubedrill::lint::lint(&set);
    tracing::debug!(findings = findings.len(), "lint finished");
    for f in &findings {
        let level = match f.level {
            kubedrill::lint::Level::Info => "info",
            kubedrill::lint::Level::Warning => "warning",
            kubedrill::lint::Level::Error => "error",
        };
        outln!(
            "{}: {level} {}: {} (hint: {})",
            f.location,
            f.code,
            f.message,
            f.hint
        )?;
    }
    let serious = findings
        .iter()
        .filter(|f| f.level >= kubedrill::lint::Level::Warning)
        .count();
    outln!(
        "{} finding(s): {serious} warning(s) or error(s), {} info",
        findings.len(),
        findings.len() - serious
    )?;
    if serious > 0 {
        Err(CliError::Failed)
    } else {
        Ok(())
    }
}

//! `kubedrill lint` and `kubedrill init`: load the manifests, ask the library for findings
//! (printed as text, JSON or SARIF) or for a scenario skeleton, and print them.
//!
//! It owns the text layout of findings only; the rules and their levels belong to
//! [`kubedrill::lint`], the exit code to [`crate::exit`].

use std::path::PathBuf;

use crate::exit::CliError;
use crate::outln;
use crate::print::print_source_line;

/// `kubedrill lint MANIFEST…`: exit 1 when any finding is at or above `--fail-on`.
pub fn lint(
    manifests: &[PathBuf],
    recursive: bool,
    output: &str,
    fail_on: &str,
    allow: &[String],
) -> Result<(), CliError> {
    use kubedrill::lint;
    let options = lint::parse_allow(allow)
        .map(|allow| lint::LintOptions { allow })
        .map_err(|e| CliError::Invalid(format!("--allow: {e}")))?;
    // clap accepts only the listed values, so these parse.
    let format = output.parse().unwrap_or_default();
    let fail_on = fail_on.parse().unwrap_or(lint::Level::Warning);
    use kubedrill::api::sources::{self, InputError};
    let loaded = sources::expand(manifests, recursive)
        .map_err(InputError::from)
        .and_then(|files| sources::load_manifests(&files));
    let set = match loaded {
        Ok(set) => set,
        Err(InputError::Load(e)) => {
            eprintln!("error: {e}");
            print_source_line(e.file(), e.line(), e.column());
            return Err(CliError::InvalidReported);
        }
        Err(InputError::Source(e)) => return Err(CliError::invalid(e)),
    };
    for note in &set.notes {
        eprintln!("note: {note}");
    }
    let findings = lint::lint_with_options(&set, &options);
    tracing::debug!(findings = findings.len(), "lint finished");
    crate::output::document(lint::render(&findings, format).as_bytes())?;
    if lint::should_fail(&findings, fail_on) {
        Err(CliError::Failed)
    } else {
        Ok(())
    }
}

/// `kubedrill init`: writes (or prints) a scenario skeleton for one workload.
pub fn init(options: kubedrill::init::InitOptions) -> Result<(), CliError> {
    match kubedrill::init::init(&options) {
        Ok(generated) => {
            match &generated.written {
                Some(path) => outln!(
                    "wrote {} for {} (run it: kubedrill run {})",
                    path.display(),
                    generated.workload,
                    path.display()
                )?,
                None => crate::output::document(generated.text.as_bytes())?,
            }
            Ok(())
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let kubedrill::init::InitError::Load(load) = &e {
                print_source_line(load.file(), load.line(), load.column());
            }
            Err(CliError::InvalidReported)
        }
    }
}

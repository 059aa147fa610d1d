//! Printers shared by the subcommands: a projection report (`project`, `dev`) and an error
//! with the offending source line and a caret.
//!
//! This module owns wording and layout only; it must not decide exit codes
//! ([`crate::exit`]) nor whether something failed (the library's reports say so). Source lines
//! are redacted before they are shown: a line may hold a Secret value the message itself was
//! careful not to print.

use std::io;
use std::path::Path;

use kubedrill::project::{self, ProjectError, ProjectReport};

use crate::outln;

/// ✗ where kubelet would fail, ✓ otherwise.
fn mark(failed: bool) -> &'static str {
    if failed { "✗" } else { "✓" }
}

/// One line per mount and per container env, with repairs and events under them.
pub fn print_report(report: &ProjectReport, out: &Path) -> io::Result<()> {
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    outln!("pod {} -> {}", report.pod, out.display())?;
    for m in &report.mounts {
        let mark = mark(matches!(m.result, project::MountResult::FailedMount(_)));
        outln!(
            "  {mark} {}: volume {:?} at {}: {}",
            m.container,
            m.volume,
            m.mount_path,
            m.result
        )?;
        for r in &m.repaired {
            outln!("      repaired: {r}")?;
        }
    }
    for e in &report.env {
        let mark = mark(matches!(e.result, project::EnvResult::ConfigError(_)));
        outln!(
            "  {mark} {}: env {}: {}",
            e.container,
            e.file.display(),
            e.result
        )?;
        for ev in &e.events {
            outln!("      event: {ev}")?;
        }
    }
    Ok(())
}

/// Prints an error; for a manifest error with a location, also the offending line and a caret.
pub fn print_error(e: &ProjectError) {
    eprintln!("error: {e}");
    let ProjectError::Load(load) = e else { return };
    print_source_line(load.file(), load.line(), load.column());
}

/// The offending line of `file` and a caret under the column, when known; Secret values on
/// it are redacted.
pub fn print_source_line(file: &Path, line: Option<u64>, col: Option<u64>) {
    let Some(line) = line else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(file) else {
        return;
    };
    // The line may hold a Secret value the message itself was careful not to print.
    let text = kubedrill::runner::redact::redact_secret_source(&text);
    let Some(src) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return;
    };
    // A hostile file may hold one 50 KB line: show at most a window around the column.
    const WINDOW: usize = 60;
    let chars: Vec<char> = src.chars().collect();
    let at = col
        .map_or(0, |c| c.saturating_sub(1) as usize)
        .min(chars.len());
    let start = at.saturating_sub(WINDOW);
    let end = (at + WINDOW).min(chars.len());
    let shown: String = chars[start..end].iter().collect();
    let (before, after) = (
        if start > 0 { "…" } else { "" },
        if end < chars.len() { "…" } else { "" },
    );
    eprintln!("{line:>5} | {before}{shown}{after}");
    if col.is_some() {
        let pad = at - start + before.chars().count();
        eprintln!("      | {}^", " ".repeat(pad));
    }
}

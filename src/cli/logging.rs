//! `-q/--quiet` and `-v/--verbose`: structured logs through `tracing` on stderr.
//!
//! The library and the binary emit `tracing` events and spans (the kube client does too);
//! this module only installs the subscriber and picks its level. Default: warnings and errors;
//! `-v` adds debug events (backend chosen, scenarios loaded, reports written, signals), `-vv`
//! everything; `-q` errors only. It must not decide what is logged, and it never writes to
//! stdout, which belongs to the console output or a report.

use tracing_subscriber::filter::LevelFilter;

/// The log level for `-q` and the number of `-v`.
pub fn level(quiet: bool, verbose: u8) -> LevelFilter {
    match (quiet, verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::DEBUG,
        (false, _) => LevelFilter::TRACE,
    }
}

/// Installs the stderr subscriber; ANSI colours follow the console's colour decision.
pub fn init(level: LevelFilter, color: bool) {
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(color)
        .with_target(true)
        .finish();
    // Only fails when a subscriber is already set, which would then keep logging.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_wins_and_each_v_adds_detail() {
        assert_eq!(level(true, 2), LevelFilter::ERROR);
        assert_eq!(level(false, 0), LevelFilter::WARN);
        assert_eq!(level(false, 1), LevelFilter::DEBUG);
        assert_eq!(level(false, 3), LevelFilter::TRACE);
    }
}

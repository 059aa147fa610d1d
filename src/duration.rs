//! How durations are written for people, in one place. Two styles, because they answer two
//! questions:
//! - [`measured`]: how long something took (`850µs`, `3ms`, `1.25s`, `2m05s`, `1h02m05s`), in
//!   step lines, summaries and reports;
//! - [`written`]: a duration the user wrote or a profile sets (`250ms`, `1.5s`, `90s`), in step
//!   summaries (`within 10s`) and the timing profile line, in the form a scenario accepts back.
//!
//! They used to be three formatters (the console's, the runner's and humantime's in the timing
//! profile, which printed `sync 1m` where its doc promised `sync 60s`). This module owns the
//! wording only; it must not decide which durations are shown.

use std::time::Duration;

/// How long something took: `850µs`, `3ms`, `1.25s`, `2m05s`, `1h02m05s`.
pub fn measured(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{}µs", d.as_micros())
    } else if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d < Duration::from_secs(60) {
        format!("{:.2}s", d.as_secs_f64())
    } else if d < Duration::from_secs(3600) {
        let secs = d.as_secs();
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        let secs = d.as_secs();
        format!("{}h{:02}m{:02}s", secs / 3600, secs % 3600 / 60, secs % 60)
    }
}

/// A duration as a scenario writes it: `250ms` below a second, whole seconds as `90s`, else
/// seconds with up to three decimals and no trailing zeros (`1.5s`, `2.25s`).
pub fn written(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        let text = format!("{:.3}", d.as_secs_f64());
        format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn written_reads_like_a_scenario() {
        assert_eq!(written(ms(250)), "250ms");
        assert_eq!(written(ms(1_500)), "1.5s");
        assert_eq!(written(ms(2_250)), "2.25s");
        assert_eq!(written(ms(60_000)), "60s");
        assert_eq!(written(ms(90_000)), "90s");
        assert_eq!(written(Duration::ZERO), "0ms");
        // Rounds to whole milliseconds without a dangling point.
        assert_eq!(written(Duration::from_micros(1_999_600)), "2s");
    }

    #[test]
    fn written_durations_parse_back_to_themselves() {
        for n in [1, 250, 999, 1_000, 1_001, 1_500, 61_250, 3_600_000] {
            let text = written(ms(n));
            assert_eq!(humantime::parse_duration(&text).ok(), Some(ms(n)), "{text}");
        }
    }

    #[test]
    fn measured_grows_units_with_the_duration() {
        assert_eq!(measured(Duration::from_micros(850)), "850µs");
        assert_eq!(measured(ms(3)), "3ms");
        assert_eq!(measured(ms(1_250)), "1.25s");
        assert_eq!(measured(ms(125_000)), "2m05s");
        assert_eq!(measured(ms(3_725_000)), "1h02m05s");
    }
}
